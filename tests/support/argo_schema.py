"""Argo's JSON schema for Workflows (v3.3.8, the Argo of KFP backend 1.8.3-1.8.5), made strict.

The schema lives outside the project, in `<repo>/../shared/schemas/`, and is
for tests only: it is read from there and never copied into the project.  As
published it accepts any unknown key (no `additionalProperties: false`
anywhere) and types IntOrString and Quantity as plain strings, though
Kubernetes and Argo accept `limit: 3` and `nvidia.com/gpu: 1`.  So before use:

- every object definition that lists `properties` gets `additionalProperties: false`;
- IntOrString accepts strings and integers, Quantity strings and numbers;

and documents are validated against the Workflow definition directly (the
top level is a `oneOf` over five kinds, whose errors say little).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO.parent / "shared" / "schemas" / "argo-workflow-v3.3.8.schema.json"
WORKFLOW = "io.argoproj.workflow.v1alpha1.Workflow"


def schema_available() -> bool:
    return SCHEMA_PATH.is_file()


def require_schema() -> None:
    """Skip the calling test when the schema file is absent."""
    if not schema_available():
        pytest.skip(f"Argo's JSON schema is not at {SCHEMA_PATH}")


@functools.lru_cache(maxsize=1)
def strict_schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text())
    definitions = schema["definitions"]
    for definition in definitions.values():
        if definition.get("type") == "object" and "properties" in definition:
            definition["additionalProperties"] = False
    definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"] = ["string", "integer"]
    definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] = ["string", "number"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": definitions,
        "$ref": f"#/definitions/{WORKFLOW}",
    }


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schema = strict_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def schema_errors(document: dict) -> list[str]:
    """Every schema violation, as `path: message` (empty when the document is valid)."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}" for e in errors]
