"""ptflow's kfp-v1 output equals what kfp 1.8.22 compiles for the equivalent pipeline.

For each feature, `ptflow/<feature>.ptflow` is the ptflow equivalent of
`pipelines/<feature>.py`, and ptflow's compiled Argo Workflow must equal
`golden/<feature>.yaml` as parsed YAML, ignoring the SDK version, the
compilation time and the component digest (a hash of the component.yaml text
the author happened to write), with JSON-valued annotations compared as JSON.
Step names are chosen as kfp names tasks, so no renaming is needed.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file
from ptflow.compiler.validate.argo import validate_workflow

HERE = Path(__file__).parent
FEATURES = sorted(p.stem for p in (HERE / "pipelines").glob("*.py"))
KFP = "pipelines.kubeflow.org"
JSON_ANNOTATIONS = (f"{KFP}/pipeline_spec", f"{KFP}/component_spec", f"{KFP}/arguments.parameters")


def compile_v1(path: Path) -> dict:
    result = compile_file(str(path), "kfp-v1")
    errors = [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.ok, "ptflow reported errors:\n" + "\n".join(errors)
    (document,) = result.documents
    return document


def normalize(document: dict) -> dict:
    """The document without what legitimately differs, JSON strings parsed."""
    document = json.loads(json.dumps(document))
    metadata = document["metadata"]
    metadata["annotations"].pop(f"{KFP}/kfp_sdk_version", None)
    metadata["annotations"].pop(f"{KFP}/pipeline_compilation_time", None)
    metadata["labels"].pop(f"{KFP}/kfp_sdk_version", None)
    for template in document["spec"]["templates"]:
        if "podSpecPatch" in template:
            template["podSpecPatch"] = json.loads(template["podSpecPatch"])
        meta = template.get("metadata")
        if not meta:
            continue
        meta.get("labels", {}).pop(f"{KFP}/kfp_sdk_version", None)
        annotations = meta.get("annotations", {})
        if f"{KFP}/component_ref" in annotations:
            annotations[f"{KFP}/component_ref"] = {"digest": "(sha256 of the component text)"}
        for key in JSON_ANNOTATIONS:
            if key in annotations:
                annotations[key] = json.loads(annotations[key])
    metadata["annotations"][f"{KFP}/pipeline_spec"] = json.loads(metadata["annotations"][f"{KFP}/pipeline_spec"])
    return document


def assert_same_workflow(ours: dict, theirs: dict) -> None:
    ours, theirs = normalize(ours), normalize(theirs)
    if ours != theirs:
        left = yaml.safe_dump(theirs, sort_keys=True, width=120).splitlines()
        right = yaml.safe_dump(ours, sort_keys=True, width=120).splitlines()
        diff = "\n".join(difflib.unified_diff(left, right, "kfp 1.8.22", "ptflow", lineterm="", n=2))
        pytest.fail(f"ptflow's workflow differs from kfp's:\n{diff}")


def test_every_golden_has_a_ptflow_equivalent():
    assert FEATURES == sorted(p.stem for p in (HERE / "ptflow").glob("*.ptflow"))


@pytest.mark.parametrize("feature", FEATURES)
def test_ptflow_compiles_to_what_kfp_1_8_writes(feature):
    ours = compile_v1(HERE / "ptflow" / f"{feature}.ptflow")
    theirs = yaml.safe_load((HERE / "golden" / f"{feature}.yaml").read_text())
    assert_same_workflow(ours, theirs)


@pytest.mark.parametrize("feature", FEATURES)
def test_ptflow_output_passes_the_argo_validator(feature):
    ours = compile_v1(HERE / "ptflow" / f"{feature}.ptflow")
    assert [(d.code, d.message) for d in validate_workflow(ours)] == []
