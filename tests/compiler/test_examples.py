"""Every bundled example checks clean and compiles for every target it is meant for."""

from pathlib import Path

import pytest

from ptflow.compiler.api import check_file, compile_file
from tests.support.kfp_compare import assert_valid_ir

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/**/*.ptflow"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_clean(path):
    result = check_file(str(path))
    assert [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_compiles_to_kfp_v2(path):
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics]
    spec = result.documents[0]
    assert spec["schemaVersion"] == "2.1.0" and spec["root"]["dag"]["tasks"]
    # The compile checked it by KFP's rules and ptflow's semantic checks; `ptflow validate`, which adds the
    # strict protobuf parse into kfp's PipelineSpec, accepts it too.
    assert_valid_ir(result.documents)


VERTEX_EXAMPLES = [path for path in EXAMPLES if path.stem.startswith("vertex_")]


@pytest.mark.parametrize("path", VERTEX_EXAMPLES, ids=lambda p: p.stem)
def test_vertex_example_compiles_to_ir_ptflow_validate_accepts(path):
    result = compile_file(str(path), "vertex")
    assert result.ok, [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics]
    assert_valid_ir(result.documents)


# Examples that can't run on KFP 1.x, and the one error that says so at the line that needs KFP v2.
NOT_FOR_KFP_V1 = {
    # `serve.deploy(archive: ...)`: on KFP 1.x an artifact is a file in the step's pod, which KServe can't fetch.
    "vertex_cifar10": ("PTF501", "deploy = serve.deploy("),
    "vertex_cifar10_custom_job": ("PTF501", "deploy = serve.deploy("),
}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_compiles_to_kfp_v1(path):
    result = compile_file(str(path), "kfp-v1")
    if path.stem in NOT_FOR_KFP_V1:
        code, line_start = NOT_FOR_KFP_V1[path.stem]
        (error,) = [d for d in result.diagnostics if d.is_error]
        assert error.code == code and "KServe can't fetch" in error.message
        assert path.read_text().splitlines()[error.span.line - 1].strip().startswith(line_start)
        return
    assert result.ok, [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics]
    workflow = result.documents[0]
    assert workflow["kind"] == "Workflow" and workflow["spec"]["serviceAccountName"] == "pipeline-runner"
    from ptflow.compiler.validate.argo import validate_workflow

    assert [d for d in validate_workflow(workflow) if d.is_error] == []
