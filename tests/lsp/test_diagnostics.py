"""The compiler's diagnostics as the server publishes them, their quick fixes and code links."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics import Diagnostic, Severity
from ptflow.compiler.source import SourceText
from ptflow.lsp.analysis import with_lint_findings
from ptflow.lsp.diagnostics import by_file, to_lsp
from ptflow.lsp.explain import ExplainLinks
from ptflow.lsp.fixes import quick_fix
from ptflow.lsp.positions import PositionMap

PROGRAM = """\
import stdlib.torch as torch

component say(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}

pipeline p(epochs: int = 1) {
    data = torch.prepare_images()
    train = torch.trian(data: data.data, max_epochs: epochs)
    hello = say(mgs: "hi")
    hello = say(msg: "again")
}
"""


def check(tmp_path: Path, text: str = PROGRAM, name: str = "p.ptflow"):
    path = tmp_path / name
    path.write_text(text)
    return check_file(str(path)), str(path)


def locate(span):
    return types.Location(Path(span.file).as_uri(), PositionMap(Path(span.file).read_text()).range(span))


def test_each_diagnostic_keeps_its_code_range_hint_and_related_places(tmp_path):
    result, path = check(tmp_path)
    positions = PositionMap(PROGRAM)
    published = {d.code: d for d in (to_lsp(d, positions, locate, None) for d in result.diagnostics)}
    assert set(published) == {"PTF202", "PTF203", "PTF204", "PTF205"}

    twice = published["PTF205"]
    assert twice.range == types.Range(types.Position(11, 4), types.Position(11, 9))
    assert twice.severity == types.DiagnosticSeverity.Error
    [related] = twice.related_information
    assert (related.message, related.location.range.start) == ("first declared here", types.Position(10, 4))
    assert related.location.uri == Path(path).as_uri()
    assert published["PTF202"].message == "module `torch` has no component `trian`\ndid you mean `train`?"


def test_a_diagnostics_fix_travels_in_its_data_and_becomes_a_quick_fix(tmp_path):
    result, path = check(tmp_path)
    [wrong_input] = [d for d in result.diagnostics if d.code == "PTF203"]
    assert wrong_input.fix is not None
    published = to_lsp(wrong_input, PositionMap(PROGRAM), locate, None)
    action = quick_fix("file:///p.ptflow", published)
    assert action.title == "Replace `mgs` with `msg`"
    [edit] = action.edit.changes["file:///p.ptflow"]
    assert edit.new_text == "msg"
    assert edit.range == types.Range(types.Position(10, 16), types.Position(10, 19))
    assert action.diagnostics == [published] and action.is_preferred


def test_a_misspelled_module_member_publishes_the_fix_the_compiler_made(tmp_path):
    result, _ = check(tmp_path)
    [unknown] = [d for d in result.diagnostics if d.code == "PTF202"]
    fix = unknown.fix
    assert (fix.message, fix.replacement, PROGRAM[fix.span.start : fix.span.end]) == (
        "replace `trian` with `train`",
        "train",
        "trian",
    )
    action = quick_fix("file:///p.ptflow", to_lsp(unknown, PositionMap(PROGRAM), locate, None))
    assert action.title == "Replace `trian` with `train`"
    [edit] = action.edit.changes["file:///p.ptflow"]
    assert (edit.new_text, edit.range) == ("train", types.Range(types.Position(9, 18), types.Position(9, 23)))


def test_the_server_offers_no_fix_the_diagnostic_does_not_carry():
    text = "pipeline p() { s = c(x: 1) }\n"
    span = SourceText("p.ptflow", text).span(text.index("c(x: 1)"), text.index("c(x: 1)") + 7)
    # A "did you mean" hint written by hand, with no Fix: the server does not guess one from the words.
    hinted = Diagnostic("PTF201", Severity.ERROR, "unknown component", span, hint="did you mean `d`?")
    published = to_lsp(hinted, PositionMap(text), locate, None)
    assert published.data is None and quick_fix("file:///p", published) is None
    # Data another server wrote (or none) is no fix.
    assert (
        quick_fix(
            "file:///p",
            types.Diagnostic(types.Range(types.Position(0, 0), types.Position(0, 1)), "m", data={"fix": "nope"}),
        )
        is None
    )


def test_the_code_links_to_its_explanation(tmp_path):
    links = ExplainLinks(directory=tmp_path / "explain")
    href = links.href("PTF203")
    page = tmp_path / "explain" / "PTF203.md"
    assert href == page.as_uri()
    assert page.read_text().startswith("# PTF203: ")
    assert "`ptflow explain PTF203` prints this text." in page.read_text()
    assert links.href("PTF999") is None
    assert ExplainLinks("https://example.org/codes/{code}").href("PTF203") == "https://example.org/codes/PTF203"


def test_lint_warnings_are_published_with_the_errors_and_ignore_comments_are_honoured(tmp_path):
    text = """\
component use(x: int) {
    image   = "python:3.11-slim"
    command = ["echo", x]
}
pipeline p(unused: int = 1) {
    u = use(x: 2)
}
"""
    result, _ = check(tmp_path, text)
    assert result.diagnostics == []
    assert [(d.code, d.severity) for d in with_lint_findings(result)] == [("PTF602", Severity.WARNING)]
    suppressed, _ = check(
        tmp_path,
        text.replace("pipeline p(unused: int = 1) {", "pipeline p(unused: int = 1) {  # ptflow: ignore[PTF602]"),
    )
    assert with_lint_findings(suppressed) == []


def test_pyproject_settings_apply_and_their_mistakes_are_reported_against_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.ptflow]\nignore = ["PTF602"]\nselekt = ["PTF6"]\n')
    result, path = check(
        tmp_path,
        'component use(x: int) {\n    image = "python:3.11-slim"\n'
        '    command = ["echo", x]\n}\npipeline p(unused: int = 1) { u = use(x: 2) }\n',
    )
    found = with_lint_findings(result)
    assert [(d.code, Path(d.span.file).name, d.span.line) for d in found] == [("PTF691", "pyproject.toml", 3)]
    assert by_file(found, path)[path] == []


def test_diagnostics_are_grouped_by_the_file_they_are_about(tmp_path):
    (tmp_path / "lib.ptflow").write_text("component broken( { }\n")
    result, path = check(tmp_path, 'import "./lib.ptflow" as lib\npipeline p() { }\n')
    groups = by_file(result.diagnostics, path)
    assert groups[path] == []
    assert {d.code for d in groups[str(tmp_path / "lib.ptflow")]} == {"PTF101"}
