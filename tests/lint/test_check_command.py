"""`ptflow check` with lint rules, as a user runs it: real subprocesses, real files."""

import json

import pytest

from tests.lint.helpers import ptflow

PIPELINE = """component fit(data: str) -> (model: Model) {
    image = "trainer"
    command = ["fit", data, model.path]
}
pipeline p(unused: int = 1) {
    t = fit(data: "local.csv") with { gpus: 1, memory: "16Gi" }
}
"""


@pytest.fixture
def pipeline(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text(PIPELINE)
    return path


def codes_in_json(result) -> list[str]:
    return [d["code"] for d in json.loads(result.stdout)]


def test_warnings_are_printed_and_exit_0(pipeline):
    result = ptflow("check", pipeline)
    assert result.returncode == 0
    assert (
        f"warning[PTF604]: image `trainer` has no tag, so it means `trainer:latest`\n  --> {pipeline}:2:13\n"
        in result.stderr
    )
    assert '   = help: add `accelerator: "nvidia.com/gpu"`' in result.stderr
    assert result.stderr.rstrip().endswith("3 warnings")


def test_deny_warnings_exits_1(pipeline):
    assert ptflow("check", "--deny-warnings", pipeline).returncode == 1


def test_json_has_one_object_per_diagnostic(pipeline):
    result = ptflow("check", "--format", "json", pipeline)
    assert result.returncode == 0
    diagnostics = json.loads(result.stdout)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
        ("PTF604", 2, 13),
        ("PTF602", 5, 12),
        ("PTF605", 6, 39),
    ]
    gpu = diagnostics[2]
    assert gpu["severity"] == "warning" and gpu["file"] == str(pipeline)
    assert gpu["fix"] == {
        "message": 'add `accelerator: "nvidia.com/gpu"`',
        "replacement": ', accelerator: "nvidia.com/gpu"',
        "file": str(pipeline),
        "line": 6,
        "column": 46,
        "end_line": 6,
        "end_column": 46,
    }


def test_select_and_ignore_take_codes_and_prefixes(pipeline):
    assert codes_in_json(ptflow("check", "--format", "json", "--select", "PTF604", pipeline)) == ["PTF604"]
    assert codes_in_json(ptflow("check", "--format", "json", "--select", "ptf604,PTF605", pipeline)) == [
        "PTF604",
        "PTF605",
    ]
    assert codes_in_json(ptflow("check", "--format", "json", "--ignore", "PTF60", "--ignore", "PTF602", pipeline)) == []
    result = ptflow("check", "--ignore", "PTF6", "--deny-warnings", pipeline)
    assert result.returncode == 0 and result.stderr.strip() == "no problems"


def test_an_unknown_code_in_a_flag_is_a_usage_error(pipeline):
    result = ptflow("check", "--select", "PTF6O4", pipeline)
    assert result.returncode == 2
    assert result.stderr.strip() == "ptflow check: --select: unknown code `PTF6O4`; did you mean `PTF604`?"
    assert ptflow("check", "--format", "xml", pipeline).returncode == 2


def test_the_target_decides_whether_gpus_need_an_accelerator(pipeline):
    assert "PTF605" not in codes_in_json(ptflow("check", "--format", "json", "--target", "kfp-v1", pipeline))
    (vertex,) = [
        d
        for d in json.loads(ptflow("check", "--format", "json", "--target", "vertex", pipeline).stdout)
        if d["code"] == "PTF605"
    ]
    assert vertex["message"] == "`gpus` without `accelerator`: Vertex AI needs the accelerator type"


def test_pyproject_configuration_applies_and_its_mistakes_are_reported_once(tmp_path, pipeline):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ptflow]\nignore = ["PTF602", "PTF6O5"]\ndeny-warnings = true\n[tool.ptflow.severity]\nPTF604 = "note"\n'
    )
    second = tmp_path / "q.ptflow"
    second.write_text(PIPELINE)
    result = ptflow("check", "--format", "json", pipeline, second)
    diagnostics = json.loads(result.stdout)
    assert [(d["code"], d["severity"], d["file"]) for d in diagnostics] == [
        ("PTF691", "warning", str(tmp_path / "pyproject.toml")),
        ("PTF604", "note", str(pipeline)),
        ("PTF605", "warning", str(pipeline)),
        ("PTF604", "note", str(second)),
        ("PTF605", "warning", str(second)),
    ]
    assert diagnostics[0]["line"] == 2
    assert result.returncode == 1  # deny-warnings from the file
    # Notes alone don't fail, even with deny-warnings.
    assert ptflow("check", "--ignore", "PTF605,PTF691", pipeline).returncode == 0


def test_explain_knows_the_lint_rules():
    result = ptflow("explain", "PTF607")
    assert result.returncode == 0
    assert result.stdout.startswith(
        "PTF607: a secret-looking environment variable has its value written in the file (warning)\n\n"
        "Lint rule SecretInPlainEnv (security).\n"
    )
    assert 'secrets: [{name: "huggingface", env: {HF_TOKEN: "token"}}]' in result.stdout
    listing = ptflow("explain", "--list").stdout
    assert "PTF609  warning  a step without resources in a pipeline that uses GPUs" in listing
    assert "PTF690  warning  invalid suppression comment" in listing


def test_several_files_are_each_checked_in_one_process(tmp_path, pipeline):
    """One process checks them in turn (freeing each file's check before the next): each reported in order."""
    broken = tmp_path / "broken.ptflow"
    broken.write_text("pipeline q() {\n    a = f(\n}\n")
    result = ptflow("check", "--format", "json", pipeline, broken, pipeline)
    assert result.returncode == 1
    files = [d["file"] for d in json.loads(result.stdout)]
    assert files[:3] == [str(pipeline)] * 3 and files[-3:] == [str(pipeline)] * 3
    assert set(files[3:-3]) == {str(broken)}
