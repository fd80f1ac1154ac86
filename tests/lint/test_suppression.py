"""Suppressing findings: `# ptflow: ignore[...]` comments and `[tool.ptflow]` in pyproject.toml."""

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics import Severity
from ptflow.compiler.lint import check_diagnostics, lint, load_config
from ptflow.compiler.lint.config import LintConfig, apply_config, find_pyproject
from tests.lint.helpers import describe, findings, lint_source

COMPONENTS = """component a() {
    image = "python:latest"
    command = ["a"]
}
component b() {
    image = "python"
    command = ["b"]
}
"""


def test_a_comment_at_the_end_of_the_line_suppresses_its_codes(tmp_path):
    text = COMPONENTS.replace('"python:latest"', '"python:latest"   # ptflow: ignore[PTF604]')
    assert findings(tmp_path, text + "pipeline p() {\n    x = a()\n    y = b()\n}\n") == [
        "PTF604 6:13 '\"python\"' image `python` has no tag, so it means `python:latest`",
    ]


def test_a_comment_alone_on_the_line_above_suppresses_the_next_line_only(tmp_path):
    text = COMPONENTS.replace(
        '    image = "python:latest"', '    # ptflow: ignore[PTF604]\n    image = "python:latest"'
    )
    text = text.replace('    command = ["b"]', '    # ptflow: ignore[PTF604]\n    command = ["b"]')
    # The second comment sits above `command`, not above the image line, so `b` is still reported.
    assert findings(tmp_path, text + "pipeline p() {\n    x = a()\n    y = b()\n}\n") == [
        "PTF604 7:13 '\"python\"' image `python` has no tag, so it means `python:latest`",
    ]


def test_lists_of_codes_and_a_bare_ignore(tmp_path):
    base = """component c(x: int) {
    image = "c:1"
    command = ["c", x]
}
pipeline p(unused: int = 1, other: int = 2) {
    s = c(x: 1) with { memory: "100", cpu: "4000" }
}
"""
    assert [line.split()[0] for line in findings(tmp_path, base)] == ["PTF602", "PTF602", "PTF608", "PTF608"]
    listed = base.replace('cpu: "4000" }', 'cpu: "4000" }  # ptflow: ignore[PTF608, PTF602]')
    assert [line.split()[0] for line in findings(tmp_path, listed)] == ["PTF602", "PTF602"]
    bare = listed.replace("pipeline p(", "# ptflow: ignore\npipeline p(")
    assert findings(tmp_path, bare) == []


def test_a_comment_for_another_code_suppresses_nothing(tmp_path):
    text = COMPONENTS.replace('"python:latest"', '"python:latest"  # ptflow: ignore[PTF601]')
    assert [
        line.split()[:2] for line in findings(tmp_path, text + "pipeline p() {\n    x = a()\n    y = b()\n}\n")
    ] == [["PTF604", "2:13"], ["PTF604", "6:13"]]


def test_an_unknown_code_in_a_comment_is_a_warning_with_a_suggestion(tmp_path):
    text = COMPONENTS.replace('"python:latest"', '"python:latest"  # ptflow: ignore[PTF6O4, ptf604]')
    diagnostics = lint_source(tmp_path, text + "pipeline p() {\n    x = a()\n    y = b()\n}\n")
    assert [describe(d, text) for d in diagnostics if d.code == "PTF690"] == [
        "PTF690 2:47 'PTF6O4' unknown code `PTF6O4` in a suppression comment",
    ]
    assert [d.hint for d in diagnostics if d.code == "PTF690"] == ["did you mean `PTF604`?"]
    # The valid code of the same list (lower case is fine) still applies.
    assert [d.span.line for d in diagnostics if d.code == "PTF604"] == [6]


@pytest.mark.parametrize(
    "comment, message",
    [
        ("# ptflow: ignroe[PTF604]", "unknown directive `ignroe` in a `# ptflow:` comment"),
        ("# ptflow: ignore[PTF604", "the list of codes is not closed with `]`"),
        ("# ptflow: ignore[]", "`ignore[]` names no code"),
        ("# ptflow: ignore[PTF201]", "`PTF201` is an error, and errors can't be suppressed"),
        ("# ptflow:", "a `# ptflow:` comment without a directive"),
    ],
)
def test_malformed_suppression_comments(tmp_path, comment, message):
    text = f"{COMPONENTS}pipeline p() {{\n    x = a()  {comment}\n    y = b()\n}}\n"
    problems = [d for d in lint_source(tmp_path, text) if d.code == "PTF690"]
    assert [(d.span.line, d.message) for d in problems] == [(10, message)]


def test_errors_are_never_suppressed(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("pipeline p() {\n    s = nothing()  # ptflow: ignore\n}\n")
    result = check_file(str(path))
    assert [d.code for d in check_diagnostics(result)] == ["PTF201"]


def test_suppression_applies_to_check_diagnostics_too(tmp_path):
    text = COMPONENTS + "pipeline p() {\n    x = a()\n    y = b()\n}\n"
    text = text.replace('"python"', '"python"  # ptflow: ignore[PTF604]')
    path = tmp_path / "p.ptflow"
    path.write_text(text)
    assert [d.span.line for d in check_diagnostics(check_file(str(path)))] == [2]


# ---------------------------------------------------------------- config


def write_project(tmp_path, table: str):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.ptflow]\n' + table)
    folder = tmp_path / "pipelines"
    folder.mkdir(exist_ok=True)
    path = folder / "p.ptflow"
    path.write_text(
        COMPONENTS
        + """pipeline p(unused: int = 1) {
    x = a()
    y = b() with { memory: "100" }
}
"""
    )
    return path


def reported(path) -> list[str]:
    config, problems = load_config(path)
    assert problems == []
    return [
        f"{d.code}:{d.span.line}:{d.severity.label}" for d in check_diagnostics(check_file(str(path)), config=config)
    ]


def test_without_configuration_everything_is_reported(tmp_path):
    path = write_project(tmp_path, "")
    assert reported(path) == ["PTF604:2:warning", "PTF604:6:warning", "PTF602:9:warning", "PTF608:11:warning"]


def test_config_select_ignore_and_prefixes(tmp_path):
    assert reported(write_project(tmp_path, 'ignore = ["PTF604"]\n')) == ["PTF602:9:warning", "PTF608:11:warning"]
    assert reported(write_project(tmp_path, 'select = ["PTF604"]\n')) == ["PTF604:2:warning", "PTF604:6:warning"]
    # The more specific prefix wins: everything of PTF6 but PTF604...
    assert reported(write_project(tmp_path, 'select = ["PTF6"]\nignore = ["PTF604"]\n')) == [
        "PTF602:9:warning",
        "PTF608:11:warning",
    ]
    # ... and PTF604 alone out of an ignored PTF60.
    assert reported(write_project(tmp_path, 'select = ["PTF604"]\nignore = ["PTF60"]\n')) == [
        "PTF604:2:warning",
        "PTF604:6:warning",
    ]


def test_config_severity_overrides(tmp_path):
    path = write_project(tmp_path, '[tool.ptflow.severity]\nPTF602 = "error"\nPTF604 = "note"\nPTF608 = "off"\n')
    assert reported(path) == ["PTF604:2:note", "PTF604:6:note", "PTF602:9:error"]


def test_config_deny_warnings_and_where_it_was_found(tmp_path):
    path = write_project(tmp_path, "deny-warnings = true\n")
    config, problems = load_config(path)
    assert config.deny_warnings and config.path == str(tmp_path / "pyproject.toml") and problems == []


def test_the_nearest_pyproject_with_a_ptflow_table_applies(tmp_path):
    path = write_project(tmp_path, 'ignore = ["PTF6"]\n')
    # A nearer pyproject.toml without [tool.ptflow] is passed over; one with it wins.
    (path.parent / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert find_pyproject(path) == tmp_path / "pyproject.toml"
    assert reported(path) == []
    (path.parent / "pyproject.toml").write_text('[tool.ptflow]\nignore = ["PTF602"]\n')
    assert find_pyproject(path) == path.parent / "pyproject.toml"
    assert reported(path) == ["PTF604:2:warning", "PTF604:6:warning", "PTF608:11:warning"]


def test_mistakes_in_the_config_are_warnings_pointing_into_pyproject(tmp_path):
    path = write_project(
        tmp_path,
        'ignore = ["PTF6O4"]\nselct = ["PTF6"]\ndeny-warnings = "yes"\n'
        'severity = { PTF601 = "loud", PTF201 = "warning" }\n',
    )
    config, problems = load_config(path)
    pyproject = str(tmp_path / "pyproject.toml")
    assert [(d.code, d.span.file, d.span.line, d.message) for d in problems] == [
        ("PTF691", pyproject, 5, "`ignore`: unknown code `PTF6O4`; did you mean `PTF604`?"),
        ("PTF691", pyproject, 6, "unknown key `selct` in [tool.ptflow]"),
        ("PTF691", pyproject, 7, "`deny-warnings` must be true or false"),
        ("PTF691", pyproject, 8, "`loud` is not a severity for `PTF601`"),
        ("PTF691", pyproject, 8, "`PTF201` is an error; errors keep their severity"),
    ]
    assert problems[1].hint == "did you mean `select`?"
    # What was valid still applies; what was not is left out.
    assert config == LintConfig(path=pyproject)


def test_invalid_toml_is_reported_not_raised(tmp_path):
    path = write_project(tmp_path, "ignore = [\n")
    config, problems = load_config(path)
    assert [d.code for d in problems] == ["PTF691"] and "not valid TOML" in problems[0].message
    assert config.select is None and config.ignore == ()


def test_configuration_never_hides_or_downgrades_errors(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("pipeline p() {\n    s = nothing()\n}\n")
    config = LintConfig(select=("PTF6",), ignore=("PTF2",), severity={"PTF201": Severity.HINT})
    assert [(d.code, d.severity) for d in apply_config(check_file(str(path)).diagnostics, config)] == [
        ("PTF201", Severity.ERROR)
    ]


def test_lint_reports_nothing_but_comment_problems_for_a_file_with_errors(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text(COMPONENTS + "pipeline p(unused: int = 1) {\n    x = nothing()  # ptflow: ignore[PTF6O4]\n}\n")
    assert [d.code for d in lint(check_file(str(path)))] == ["PTF690"]
