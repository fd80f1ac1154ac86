"""The goldens against Argo's JSON schema (v3.3.8) made strict, and the validator against the schema.

The schema file is outside the project (`<repo>/../shared/schemas/`); these
tests skip, naming that path, when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ptflow.compiler.validate.argo import validate_workflow
from tests.kfp_v1.large_workflow import chain_workflow
from tests.kfp_v1.test_argo_validator import CASES, GOLDENS, broken
from tests.support.argo_schema import require_schema, schema_errors


@pytest.fixture(autouse=True)
def _schema():
    require_schema()


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: p.stem)
def test_golden_matches_argo_schema_made_strict(path: Path):
    assert schema_errors(yaml.safe_load(path.read_text())) == []


def test_strict_schema_refuses_unknown_fields_and_accepts_integer_quantities():
    text = broken("conditions", "      image: alpine:3.19\n    outputs:", "      imagee: alpine:3.19\n    outputs:")
    assert schema_errors(yaml.safe_load(text)) == [
        "spec/templates/4/container: 'image' is a required property",
        "spec/templates/4/container: Additional properties are not allowed ('imagee' was unexpected)",
    ]
    resources = yaml.safe_load((Path(__file__).parent / "golden" / "resources.yaml").read_text())
    assert resources["spec"]["templates"][1]["container"]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert schema_errors(resources) == []


# Typed-check findings the schema can't see, with the reason.
SCHEMA_SILENT = {
    # Argo's schema leaves `metadata.name` optional (ObjectMeta); the API server is what requires a name or a
    # generateName, and ptflow's validator reports it as Argo would on submit.
    "workflow_without_a_name",
}
TYPED = [
    c for c in CASES if any(code in ("PTF584", "PTF585", "PTF586") for code, _, _ in c[4]) and c[0] not in SCHEMA_SILENT
]
RULES_ONLY = [
    c for c in CASES if all(code not in ("PTF584", "PTF585", "PTF586", "PTF587", "PTF572") for code, _, _ in c[4])
]


@pytest.mark.parametrize("case", TYPED, ids=lambda c: c[0])
def test_schema_agrees_with_the_typed_check(case):
    """What the hera round trip calls an unknown field or a wrong type, the strict schema refuses too."""
    _, golden, old, new, _ = case
    assert schema_errors(yaml.safe_load(broken(golden, old, new))) != []


@pytest.mark.parametrize("case", RULES_ONLY, ids=lambda c: c[0])
def test_argo_rules_catch_what_no_schema_can(case):
    """Broken references, cycles and scopes pass the schema; only the semantic rules find them."""
    _, golden, old, new, expected = case
    document = yaml.safe_load(broken(golden, old, new))
    assert schema_errors(document) == []
    assert sorted(d.code for d in validate_workflow(document)) == sorted(code for code, _, _ in expected)


def test_a_1000_step_workflow_is_valid_for_both():
    document = chain_workflow(1000)
    assert schema_errors(document) == []
    assert validate_workflow(document) == []
