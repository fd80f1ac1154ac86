"""`ptflow validate` end to end, as a user runs it: a subprocess, its exit code and its output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PTFLOW = Path(sys.executable).with_name("ptflow")


def ptflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PTFLOW), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture
def broken_file(ir_file) -> Path:
    """A kfp-compiled file with a misspelled component reference and a string default for an integer."""
    ir = ir_file("artifacts_and_outputs")
    ir.root_tasks["consume"]["componentRef"]["name"] = "comp-consum"
    ir.spec["root"]["inputDefinitions"]["parameters"]["rows"]["defaultValue"] = "many"
    ir.write()
    return ir.path


def test_clean_kfp_file_exits_0(reference_dir):
    result = ptflow("validate", str(reference_dir / "kubernetes_options.yaml"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "no problems\n")


def test_errors_are_printed_compiler_style_and_exit_1(broken_file):
    result = ptflow("validate", str(broken_file))
    assert result.returncode == 1
    text = broken_file.read_text()
    line = text[: text.index("comp-consum\n")].count("\n") + 1
    column = text.index("comp-consum\n") - text.rfind("\n", 0, text.index("comp-consum\n"))
    assert (
        f"error[PTF516]: root.dag.tasks.consume.componentRef.name: no component named `comp-consum`\n"
        f"  --> {broken_file}:{line}:{column}\n"
    ) in result.stderr
    assert f"{line} |           name: comp-consum\n" in result.stderr
    assert "= help: did you mean `comp-consume`?" in result.stderr
    assert (
        'error[PTF529]: root.inputDefinitions.parameters.rows.defaultValue: default "many" is not a '
        "NUMBER_INTEGER" in result.stderr
    )
    assert result.stderr.endswith("2 errors\n")


def test_json_output(broken_file):
    result = ptflow("validate", str(broken_file), "--format", "json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    assert [(p["code"], p["severity"]) for p in problems] == [("PTF516", "error"), ("PTF529", "error")]
    first = problems[0]
    assert set(first) >= {"code", "severity", "message", "file", "line", "column", "end_line", "end_column", "hint"}
    assert first["file"] == str(broken_file)
    assert first["end_column"] - first["column"] == len("comp-consum")
    assert first["hint"] == "did you mean `comp-consume`?"
    assert problems[1]["hint"] is None


def test_warnings_alone_exit_0_unless_denied(ir_file):
    ir = ir_file("artifacts_and_outputs")
    ir.spec["deploymentSpec"]["executors"]["exec-spare"] = {"container": {"image": "alpine"}}
    ir.write()
    assert ptflow("validate", str(ir.path)).returncode == 0
    denied = ptflow("validate", str(ir.path), "--deny-warnings")
    assert denied.returncode == 1
    assert "warning[PTF536]" in denied.stderr


def test_ptflow_compiled_example_validates(tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "control_flow" / "control_flow.ptflow"
    out = tmp_path / "control_flow.yaml"
    assert ptflow("compile", str(example), "-o", str(out)).returncode == 0
    result = ptflow("validate", str(out))
    assert (result.returncode, result.stderr) == (0, "no problems\n")


def test_unreadable_file_is_ptf901_and_exit_1(tmp_path):
    result = ptflow("validate", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert f"error[PTF901]: cannot read `{tmp_path / 'missing.yaml'}`: No such file or directory" in result.stderr


def test_invalid_yaml_is_ptf535_at_its_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("pipelineInfo:\n  name: x\nroot: [1, 2\nschemaVersion: 2.1.0\n")
    result = ptflow("validate", str(path), "--format", "json")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)
    assert problem["code"] == "PTF535"
    assert problem["message"].startswith("not valid YAML: ")
    assert problem["line"] == 4


def test_other_yaml_is_not_a_pipeline(tmp_path):
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}))
    result = ptflow("validate", str(path))
    assert result.returncode == 1
    assert "error[PTF534]: not a KFP pipeline document" in result.stderr


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    result = ptflow("validate", str(path))
    assert result.returncode == 1
    assert "error[PTF534]" in result.stderr


def test_usage_errors_exit_2():
    assert ptflow("validate").returncode == 2
    assert ptflow("validate", "x.yaml", "--format", "xml").returncode == 2


def test_argo_workflow_goes_to_the_argo_validator(tmp_path):
    """An Argo Workflow (KFP v1) is handed to ptflow.compiler.validate.argo, or, in a build
    without it, refused with a message saying so (never silently passed)."""
    path = tmp_path / "workflow.yaml"
    workflow = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "p-"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "alpine", "command": ["true"]}}],
        },
    }
    path.write_text(yaml.safe_dump(workflow))
    result = ptflow("validate", str(path), "--format", "json")
    try:
        from ptflow.compiler.validate.argo import validate_workflow  # noqa: F401
    except ImportError:
        assert result.returncode == 1
        assert [p["code"] for p in json.loads(result.stdout)] == ["PTF539"]
        assert "the Argo Workflow validator is not available in this build" in result.stdout
    else:
        from ptflow.compiler.source import SourceText

        expected = validate_workflow(workflow, SourceText(str(path), path.read_text()))
        assert [p["message"] for p in json.loads(result.stdout)] == [d.message for d in expected]
        assert result.returncode == (1 if any(d.is_error for d in expected) else 0)


def test_a_document_broken_throughout_shows_fifty_findings_then_a_count(ir_file):
    # 80 tasks naming a component that does not exist: 80 findings. The terminal gets the first 50, then
    # how many it left out; JSON, read by programs, gets every one.
    ir = ir_file("artifacts_and_outputs")
    for number in range(80):
        ir.root_tasks[f"ghost-{number}"] = {
            "componentRef": {"name": f"comp-ghost-{number}"},
            "taskInfo": {"name": f"ghost-{number}"},
        }
    ir.write()
    text = ptflow("validate", str(ir.path))
    assert text.returncode == 1
    shown = text.stderr.count("error[PTF516]")
    assert shown == 50
    problems = json.loads(ptflow("validate", str(ir.path), "--format", "json").stdout)
    assert len(problems) >= 80
    assert f"... and {len(problems) - 50} more (--format json lists them all)\n" in text.stderr
    assert text.stderr.endswith(f"{len(problems)} errors\n")
