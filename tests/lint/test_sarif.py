"""SARIF 2.1.0 output: valid against the published schema, and shaped as code scanning reads it."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.diagnostics.sarif import SOURCE_ROOT, sarif_log
from ptflow.compiler.lint import RULES, check_diagnostics
from tests.lint.helpers import ptflow

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

PIPELINE = """import stdlib.torch as torch
component fetch(url: str) -> (data: Dataset) {
    image = "curl:8"
    command = ["get", url, data.path]
}
component fit(data: Dataset) {
    image = "trainer:1.0"
    command = ["fit", data.path]
}
pipeline p() {
    d = fetch(url: "gs://bucket/data.csv")
    t = fit(data: d.data) with { gpus: 1, memory: "16Gi" }
}
"""


# RFC 3986 characters: jsonschema checks the schema's "format": "uri" only with
# an optional package, so URIs are checked here instead.
URI_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    for uri in _values(log, "uri"):
        assert URI_CHARACTERS.match(uri), uri


def _values(data, key: str):
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key and isinstance(value, str):
                yield value
            yield from _values(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item, key)


@pytest.fixture
def project(tmp_path):
    """A repository (a `.git` folder marks its root) with one pipeline in a sub-folder."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "pipelines"
    folder.mkdir()
    path = folder / "p.ptflow"
    path.write_text(PIPELINE)
    return path


def log_of(path, root) -> dict:
    diagnostics = check_diagnostics(check_file(str(path)))
    return sarif_log([(str(path), d) for d in diagnostics], root=root)


def test_the_log_validates_against_the_sarif_schema(project):
    log = log_of(project, project.parents[1])
    validate(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    # code scanning treats a run whose execution failed as a broken analysis, not as findings
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["PTF603", "PTF609", "PTF606", "PTF605"]


def test_the_driver_describes_every_code_and_every_lint_rule_fully(project):
    driver = log_of(project, project.parents[1])["runs"][0]["tool"]["driver"]
    assert driver["name"] == "ptflow"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == set(CODES)
    cached = rules["PTF606"]
    assert cached["name"] == "CachedExternalRead"
    assert cached["shortDescription"]["text"] == "A cached step reads data from outside the pipeline."
    # the first paragraph only, its lines joined (the example and the fix are in `help`)
    assert cached["fullDescription"]["text"] == (
        "KFP reuses a step's earlier result when the step's component and inputs are the same as before. "
        "An input that names data outside the pipeline (an `importer`, or a `gs://`, `s3://`, `minio://` or "
        "`http(s)://` URI passed as a string) stays the same when the data behind it changes, so the step keeps "
        "returning what it computed from the old data (kubeflow/pipelines#4857)."
    )
    assert cached["defaultConfiguration"] == {"level": "warning"}
    assert cached["properties"]["tags"] == ["correctness"]
    assert "Fix: `with { cache: false }`" in cached["help"]["text"]
    assert cached["help"]["markdown"].startswith("**PTF606: a cached step reads data from outside the pipeline**")
    for code in RULES:
        assert rules[code]["help"]["text"] == RULES[code].explanation.strip("\n")
    assert rules["PTF201"]["defaultConfiguration"] == {"level": "error"}
    assert rules["PTF201"]["name"] == "UnknownName"


def test_results_carry_level_message_region_related_locations_and_rule_index(project):
    run = log_of(project, project.parents[1])["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    no_resources = results["PTF609"]
    assert no_resources["level"] == "warning"
    assert no_resources["message"]["text"] == (
        "step `d` sets no cpu or memory, in a pipeline whose step `t` "
        'requests GPUs\nhelp: add for example `with { cpu: "1", '
        'memory: "2Gi" }`'
    )
    assert run["tool"]["driver"]["rules"][no_resources["ruleIndex"]]["id"] == "PTF609"
    (location,) = no_resources["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "pipelines/p.ptflow", "uriBaseId": SOURCE_ROOT},
        "region": {"startLine": 11, "startColumn": 5, "endLine": 11, "endColumn": 6},
    }
    (related,) = no_resources["relatedLocations"]
    assert related["message"]["text"] == "`t` requests GPUs here"
    assert related["id"] == 1  # SARIF viewers link "[text](1)" in a message to the related location with id 1
    assert related["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 34, "endLine": 12, "endColumn": 41}
    root_uri = run["originalUriBaseIds"][SOURCE_ROOT]["uri"]
    assert root_uri == project.parents[1].as_uri() + "/" and urlsplit(root_uri).scheme == "file"


def test_mechanical_fixes_become_replacements(project):
    results = {r["ruleId"]: r for r in log_of(project, project.parents[1])["runs"][0]["results"]}
    (removal,) = results["PTF603"]["fixes"]
    assert removal["description"]["text"] == "remove the import"
    (change,) = removal["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "pipelines/p.ptflow", "uriBaseId": SOURCE_ROOT}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 1},
            "insertedContent": {"text": ""},
        }
    ]
    (insertion,) = results["PTF605"]["fixes"][0]["artifactChanges"][0]["replacements"]
    # An insertion point: an empty region right after `gpus: 1`.
    assert insertion == {
        "deletedRegion": {"startLine": 12, "startColumn": 41, "endLine": 12, "endColumn": 41},
        "insertedContent": {"text": ', accelerator: "nvidia.com/gpu"'},
    }


def test_without_a_root_paths_are_relative_to_the_repository_above_the_working_directory(project, monkeypatch):
    """Run from a sub-folder, the log still names files from the repository root (where `.git` is)."""
    monkeypatch.chdir(project.parent)
    diagnostics = check_diagnostics(check_file(str(project)))
    run = sarif_log([(str(project), d) for d in diagnostics])["runs"][0]
    assert run["originalUriBaseIds"][SOURCE_ROOT]["uri"] == project.parents[1].as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "pipelines/p.ptflow", "uriBaseId": SOURCE_ROOT}


def test_a_problem_without_a_position_is_located_at_the_checked_file(tmp_path):
    missing = tmp_path / "missing file.ptflow"
    log = sarif_log([(str(missing), d) for d in check_file(str(missing)).diagnostics], root=tmp_path)
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "PTF901" and result["level"] == "error"
    assert result["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "missing%20file.ptflow", "uriBaseId": SOURCE_ROOT}}}
    ]


def test_a_file_outside_the_root_gets_an_absolute_uri(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log = log_of(project, elsewhere)
    validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": project.as_uri()}


def test_ptflow_check_format_sarif_writes_the_log_to_stdout(project):
    result = ptflow("check", "--format", "sarif", "pipelines/p.ptflow", cwd=project.parents[1])
    assert result.returncode == 0, result.stderr
    log = json.loads(result.stdout)
    validate(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"][SOURCE_ROOT]["uri"] == project.parents[1].as_uri() + "/"
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]
    ] == [
        ("PTF603", "pipelines/p.ptflow"),
        ("PTF609", "pipelines/p.ptflow"),
        ("PTF606", "pipelines/p.ptflow"),
        ("PTF605", "pipelines/p.ptflow"),
    ]


@pytest.mark.parametrize(
    ("configured", "level"),
    [("error", "error"), ("warning", "warning"), ("note", "note"), ("info", "note"), ("hint", "note")],
)
def test_the_level_is_what_the_user_configured_for_the_code(project, configured, level):
    """`severity = {PTF606 = "..."}` in [tool.ptflow]: SARIF has error, warning and note; info and hint are notes."""
    (project.parents[1] / "pyproject.toml").write_text(f'[tool.ptflow]\nseverity = {{PTF606 = "{configured}"}}\n')
    result = ptflow("check", "--format", "sarif", "pipelines/p.ptflow", cwd=project.parents[1])
    log = json.loads(result.stdout)
    validate(log)
    [cached] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "PTF606"]
    assert cached["level"] == level
    assert result.returncode == (1 if configured == "error" else 0)


def test_a_did_you_mean_travels_as_a_fix_in_sarif_and_json(project):
    """The suggestion is made with the diagnostic, so every format carries its replacement."""
    project.write_text(PIPELINE.replace("d = fetch(url:", "d = fecth(url:"))
    root = project.parents[1]
    log = json.loads(ptflow("check", "--format", "sarif", "pipelines/p.ptflow", cwd=root).stdout)
    validate(log)
    [unknown] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "PTF201"]
    line = PIPELINE.splitlines().index('    d = fetch(url: "gs://bucket/data.csv")') + 1
    assert unknown["fixes"] == [
        {
            "description": {"text": "replace `fecth` with `fetch`"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "pipelines/p.ptflow", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": line, "startColumn": 9, "endLine": line, "endColumn": 14},
                            "insertedContent": {"text": "fetch"},
                        }
                    ],
                }
            ],
        }
    ]
    [as_json] = [
        d
        for d in json.loads(ptflow("check", "--format", "json", "pipelines/p.ptflow", cwd=root).stdout)
        if d["code"] == "PTF201"
    ]
    assert as_json["hint"] == "did you mean `fetch`?"
    assert as_json["fix"] == {
        "message": "replace `fecth` with `fetch`",
        "replacement": "fetch",
        "file": "pipelines/p.ptflow",
        "line": line,
        "column": 9,
        "end_line": line,
        "end_column": 14,
    }
