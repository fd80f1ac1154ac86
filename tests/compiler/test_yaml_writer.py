"""The fast YAML writer reads back as exactly the data it was given."""

from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ptflow.compiler.api import compile_file
from ptflow.compiler.yaml_writer import dump, dump_all

REPO = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), documents, max_size=5))
@example({"\u2028": "a\u2029b", "\x85": ["x\u2028"]})  # YAML's line separators, found by hypothesis
def test_round_trip_of_arbitrary_json_data(document):
    assert yaml.safe_load(dump(document)) == document


def test_tricky_strings_stay_strings():
    document = {
        "a": [
            "yes",
            "no",
            "on",
            "null",
            "~",
            "1",
            "1.5",
            "0x1F",
            "-c",
            "a: b",
            "# x",
            " lead",
            "trail ",
            "{{$.inputs.parameters['x']}}",
            "line\nbreak",
            "",
            "1e3",
            ".5",
            "2026-11-28",
            "@x",
            "*x",
            "!x",
            "x #y",
            "é",
            "true",
            "False",
            "-",
            "?",
        ]
    }
    assert yaml.safe_load(dump(document)) == document


def test_every_example_round_trips():
    for path in sorted(REPO.glob("examples/**/*.ptflow")):
        result = compile_file(str(path))
        assert list(yaml.safe_load_all(dump_all(result.documents))) == result.documents
