"""Whatever a file holds, the validator answers with diagnostics, never with an exception.

Hypothesis breaks kfp-compiled documents at random places: deletes keys, renames
them, and puts values of every JSON kind where others belong."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.ir import validate_ir
from tests.validate_ir.kfp_reference import REFERENCE_PIPELINES

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "{{$.inputs.parameters['x']}}",
            '{"IfPresent": {',
            "comp-x",
            "inputs.parameter_values['x'] ==",
            "STRING",
            "2.1.0",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8) | st.integers(0, 3), children, max_size=3)
    ),
    max_leaves=6,
)


def _containers(value, path=()):
    """Every (path, dict-or-list) inside a document."""
    if isinstance(value, (dict, list)):
        yield path, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            yield from _containers(child, path + (key,))


@st.composite
def broken_documents(draw, documents: list):
    documents = copy.deepcopy(documents)
    for _ in range(draw(st.integers(1, 4))):
        places = [c for d in documents for _, c in _containers(d) if c]
        container = draw(st.sampled_from(places))
        key = draw(st.sampled_from(list(container) if isinstance(container, dict) else range(len(container))))
        action = draw(st.sampled_from(["delete", "replace", "rename"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(JSON_VALUES)
        elif isinstance(container, dict):
            container[draw(st.text(min_size=1, max_size=10) | st.integers(0, 3) | st.booleans())] = container.pop(key)
    return documents


@pytest.fixture(scope="module")
def references(reference_dir) -> list[list]:
    return [list(yaml.safe_load_all((reference_dir / f"{name}.yaml").read_text())) for name in REFERENCE_PIPELINES]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_broken_documents_give_diagnostics_not_exceptions(references, data):
    documents = data.draw(broken_documents(data.draw(st.sampled_from(references))))
    text = yaml.safe_dump_all(documents, sort_keys=True)
    diagnostics = validate_ir(list(yaml.safe_load_all(text)), SourceText("broken.yaml", text))
    assert all(isinstance(d, Diagnostic) and d.message and d.span is not None for d in diagnostics)
