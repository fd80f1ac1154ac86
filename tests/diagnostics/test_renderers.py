"""What `ptflow check` prints for a diagnostic, as text (the default) and as `--format json`: byte for byte."""

from __future__ import annotations

from ptflow.compiler.diagnostics.json_format import diagnostic_to_json
from ptflow.compiler.diagnostics.model import Diagnostic, Related
from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.diagnostics.suggestions import Fix
from ptflow.compiler.diagnostics.text import SourceCache, render_one, render_text, summary
from ptflow.compiler.source import Span

SOURCE = "\n".join(f"line {n} text" for n in range(1, 12)) + "\n"  # 11 lines: "line 1 text" ... "line 11 text"


def span(line: int, column: int, end_line: int, end_column: int, file: str = "p.ptflow") -> Span:
    return Span(file, line, column, end_line, end_column)


def render(diagnostic: Diagnostic, color: bool = False, text: str = SOURCE) -> str:
    return render_one(diagnostic, SourceCache({"p.ptflow": text}), color)


def test_an_error_points_at_its_span_with_carets_and_says_the_help():
    diagnostic = Diagnostic("PTF203", Severity.ERROR, "unknown input", span(3, 6, 3, 7), hint="did you mean `3`?")
    assert render(diagnostic) == (
        "error[PTF203]: unknown input\n"
        "  --> p.ptflow:3:6\n"
        "  |\n"
        "3 | line 3 text\n"
        "  |      ^\n"
        "   = help: did you mean `3`?\n"
    )


def test_related_places_share_one_gutter_as_wide_as_the_longest_line_number():
    diagnostic = Diagnostic(
        "PTF609", Severity.WARNING, "no resources", span(2, 1, 2, 5), related=[Related(span(11, 6, 11, 8), "here")]
    )
    assert render(diagnostic) == (
        "warning[PTF609]: no resources\n"
        "  --> p.ptflow:2:1\n"
        "   |\n"
        " 2 | line 2 text\n"
        "   | ^^^^\n"
        "  --> p.ptflow:11:6: here\n"
        "   |\n"
        "11 | line 11 text\n"
        "   |      --\n"
    )


def test_a_span_over_several_lines_underlines_the_rest_of_its_first_line():
    diagnostic = Diagnostic("PTF301", Severity.ERROR, "wide", span(4, 3, 6, 2))
    assert render(diagnostic).splitlines()[-1] == "  |   " + "^" * len("ne 4 text")


def test_an_empty_span_still_gets_one_caret():
    diagnostic = Diagnostic("PTF605", Severity.INFO, "insert here", span(1, 5, 1, 5))
    assert render(diagnostic) == "note[PTF605]: insert here\n  --> p.ptflow:1:5\n  |\n1 | line 1 text\n  |     ^\n"


def test_a_fix_is_said_unless_it_says_what_the_help_says():
    place = span(1, 1, 1, 5)
    same = Diagnostic("PTF201", Severity.ERROR, "m", place, hint="use x", fix=Fix("use x", place, "x"))
    other = Diagnostic("PTF201", Severity.ERROR, "m", place, hint="use x", fix=Fix("replace with x", place, "x"))
    assert render(same).endswith("   = help: use x\n")
    assert render(other).endswith("   = help: use x\n   = fix: replace with x\n")


def test_without_the_file_or_past_its_end_only_the_place_is_printed():
    assert render_one(
        Diagnostic("PTF901", Severity.ERROR, "gone", span(2, 1, 2, 3, file="missing.ptflow")), SourceCache()
    ) == ("error[PTF901]: gone\n  --> missing.ptflow:2:1\n")
    assert render(Diagnostic("PTF901", Severity.ERROR, "past", span(13, 1, 13, 2))) == (
        "error[PTF901]: past\n  --> p.ptflow:13:1\n"
    )
    # line 12 is the empty text after the last newline: it exists, and is shown
    assert render(Diagnostic("PTF901", Severity.ERROR, "end", span(12, 1, 12, 1))).endswith("12 | \n   | ^\n")


def test_a_file_without_a_span_prints_the_message_alone():
    assert render(Diagnostic("PTF901", Severity.ERROR, "cannot read", None)) == "error[PTF901]: cannot read\n"


def test_tabs_are_shown_as_four_spaces_and_the_carets_follow():
    diagnostic = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 5, 1, 8))
    assert render(diagnostic, text="\tabc def\n").splitlines()[-2:] == ["1 |     abc def", "  |     ^^^"]


def test_colour_paints_the_heading_by_severity_and_the_marks():
    error = render(Diagnostic("PTF201", Severity.ERROR, "m", span(1, 1, 1, 3)), color=True)
    assert error.startswith("\033[1;31merror[PTF201]\033[0m: m\n")
    assert error.endswith("  | \033[31m^^\033[0m\n")
    warning = Diagnostic("PTF609", Severity.WARNING, "m", span(1, 1, 1, 2), related=[Related(span(2, 1, 2, 2), "r")])
    painted = render(warning, color=True)
    assert painted.startswith("\033[1;33mwarning[PTF609]\033[0m")
    assert painted.endswith("  | \033[34m-\033[0m\n")  # related places in blue
    for severity, label in ((Severity.INFO, "note"), (Severity.HINT, "hint")):
        assert render(Diagnostic("PTF605", severity, "m", None), color=True).startswith(f"\033[1;36m{label}[PTF605]")


def test_a_very_long_line_is_cut_around_the_span():
    long_line = "a" * 100 + "TARGET" + "b" * 200
    diagnostic = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 101, 1, 107))
    *_, shown, carets = render(diagnostic, text=long_line).splitlines()
    start = 100 - 20  # 20 characters of context before the span
    assert shown == "1 | …" + long_line[start : start + 120] + "…"
    assert carets == "  | " + " " * 21 + "^^^^^^"
    # at the end of the line: the window ends there, without a trailing "…"
    end = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 300, 1, 307))
    *_, shown, carets = render(end, text=long_line).splitlines()
    assert shown == "1 | …" + long_line[-120:]
    assert carets == "  | " + " " * 114 + "^" * 7  # the last 7 characters, after the "…"
    # a span running on past the end of the line is underlined to the line's end only
    past = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 300, 1, 400))
    *_, shown, carets = render(past, text=long_line).splitlines()
    assert carets == "  | " + " " * 114 + "^" * 7
    # at the start of the line: no leading "…"
    first = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 1, 1, 3))
    *_, shown, carets = render(first, text=long_line).splitlines()
    assert shown == "1 | " + long_line[:120] + "…" and carets == "  | ^^"


def test_a_line_of_exactly_the_window_width_is_shown_whole():
    line = "x" * 120
    *_, shown, _ = render(Diagnostic("PTF201", Severity.ERROR, "m", span(1, 1, 1, 2)), text=line).splitlines()
    assert shown == "1 | " + line


def test_several_diagnostics_are_separated_by_a_blank_line():
    first = Diagnostic("PTF901", Severity.ERROR, "one", None)
    second = Diagnostic("PTF902", Severity.WARNING, "two", None)
    assert render_text([first, second]) == "error[PTF901]: one\n\nwarning[PTF902]: two\n"


def test_the_summary_counts_errors_and_warnings_in_words():
    def of(*severities: Severity) -> list[Diagnostic]:
        return [Diagnostic("PTF901", s, "m", None) for s in severities]

    assert summary(of()) == "no problems"
    assert summary(of(Severity.INFO, Severity.HINT)) == "no problems"
    assert summary(of(Severity.ERROR)) == "1 error"
    assert summary(of(Severity.ERROR, Severity.ERROR, Severity.WARNING)) == "2 errors, 1 warning"
    assert summary(of(Severity.WARNING, Severity.WARNING)) == "2 warnings"


def test_the_source_cache_reads_a_file_once_and_prefers_unsaved_text(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("saved\n")
    sources = SourceCache({str(tmp_path / "open.ptflow"): "unsaved"})
    assert sources.lines(str(path)) == ["saved", ""]
    path.write_text("changed\n")
    assert sources.lines(str(path)) == ["saved", ""]  # one check, one reading
    assert sources.lines(str(tmp_path / "open.ptflow")) == ["unsaved"]
    assert sources.lines(str(tmp_path / "none.ptflow")) is None


def test_json_has_every_field_and_the_optional_ones_only_when_there_is_one():
    place = span(12, 9, 12, 18)
    full = Diagnostic(
        "PTF203",
        Severity.ERROR,
        "unknown input `max_epoch` of `train`",
        place,
        related=[Related(span(3, 1, 3, 6), "declared here")],
        hint="did you mean `max_epochs`?",
        fix=Fix("replace `max_epoch` with `max_epochs`", place, "max_epochs"),
    )
    where = {"file": "p.ptflow", "line": 12, "column": 9, "end_line": 12, "end_column": 18}
    assert diagnostic_to_json(full) == {
        "code": "PTF203",
        "severity": "error",
        "message": "unknown input `max_epoch` of `train`",
        **where,
        "hint": "did you mean `max_epochs`?",
        "related": [
            {"message": "declared here", "file": "p.ptflow", "line": 3, "column": 1, "end_line": 3, "end_column": 6}
        ],
        "fix": {"message": "replace `max_epoch` with `max_epochs`", "replacement": "max_epochs", **where},
    }
    assert diagnostic_to_json(Diagnostic("PTF901", Severity.INFO, "cannot read", None)) == {
        "code": "PTF901",
        "severity": "note",
        "message": "cannot read",
        "file": None,
        "line": None,
        "column": None,
        "end_line": None,
        "end_column": None,
    }


def test_a_window_cut_one_character_in_says_so_and_the_last_character_gets_one_caret():
    long_line = "a" * 100 + "TARGET" + "b" * 200
    # 21 characters before the span: the window starts one character in, and the "…" says a character is hidden
    near_start = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 22, 1, 23))
    *_, shown, carets = render(near_start, text=long_line).splitlines()
    assert shown == "1 | …" + long_line[1:121] + "…"
    assert carets == "  | " + " " * 21 + "^"
    # the line's last character alone: one caret under it
    last = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 306, 1, 307))
    *_, shown, carets = render(last, text=long_line).splitlines()
    assert shown == "1 | …" + long_line[-120:]
    assert carets == "  | " + " " * 120 + "^"


def test_a_span_from_a_lines_end_to_the_next_line_gets_one_caret_after_the_last_character():
    """`unclosed (` reported from the end of a line on: the rest of the first line is empty, yet one caret
    shows where it starts -- on a short line and on one cut to the window."""
    diagnostic = Diagnostic("PTF101", Severity.ERROR, "unclosed", span(2, 12, 3, 2))
    assert render(diagnostic).splitlines()[-1] == "  | " + " " * 11 + "^"
    long_line = "a" * 200
    at_end = Diagnostic("PTF101", Severity.ERROR, "unclosed", span(1, 201, 2, 1))
    *_, shown, carets = render(at_end, text=long_line + "\nnext").splitlines()
    assert shown == "1 | …" + long_line[-120:]
    assert carets == "  | " + " " * 121 + "^"


def test_render_text_reads_the_files_itself_or_takes_the_texts_it_is_given(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("saved text\n")
    diagnostic = Diagnostic("PTF201", Severity.ERROR, "m", span(1, 1, 1, 6, file=str(path)))
    assert render_text([diagnostic]).splitlines()[3] == "1 | saved text"
    unsaved = SourceCache({str(path): "unsaved text\n"})  # an editor's buffer
    assert render_text([diagnostic], unsaved).splitlines()[3] == "1 | unsaved text"
