"""Definitions, references and renames over real checks of two files, without the protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptflow.compiler.modules import stdlib_directory
from ptflow.lsp.analysis import Analyzer, Snapshot
from ptflow.lsp.navigation import RenameRefused, definition_at, references_at, rename_edits, rename_target

LIB = """\
## Square a number.
component square(x: int) -> (y: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $(($0 * $0)) > $1", x, y.path]
}

## Square twice.
pipeline twice(size: int = 2) -> (result: int) {
    first = square(x: size)
    second = square(x: first.y)
    return (result: second.y)
}
"""

MAIN = """\
import stdlib.torch as torch
import "./lib.ptflow" as lib

pipeline main(size: int = 3, numbers: list[int] = [1, 2]) {
    a = lib.twice(size: size)
    b = lib.square(x: a.result)
    for n in numbers {
        each = lib.twice(size: n) with { after: [b] }
    }
    data = torch.prepare_images()
}
"""


@pytest.fixture
def checked(tmp_path: Path):
    (tmp_path / "lib.ptflow").write_text(LIB)
    (tmp_path / "main.ptflow").write_text(MAIN)
    analyzer = Analyzer()
    analyses = {}
    for name, text in (("lib", LIB), ("main", MAIN)):
        path = str(tmp_path / f"{name}.ptflow")
        analyses[name] = analyzer.analyze(Snapshot(f"file://{path}", path, 1, text))
        assert analyses[name].result.ok, analyses[name].diagnostics
    indexes = [analyses["main"].index, analyses["lib"].index]
    return analyses, indexes, tmp_path


def at(text: str, marker: str, within: str | None = None) -> tuple[int, int]:
    """The 1-based position of `marker` (inside the first `within`, when given)."""
    offset = text.index(marker, text.index(within) if within else 0)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def described(spans) -> list[tuple[str, int, int]]:
    return [(Path(s.file).name, s.line, s.column) for s in spans]


def test_definition_of_an_imported_component_is_in_its_file(checked):
    analyses, _, folder = checked
    [place] = definition_at(analyses["main"], *at(MAIN, "square(x: a"))
    assert (Path(place.path).name, place.span.line, place.span.column) == ("lib.ptflow", 2, 11)


def test_definition_of_a_standard_library_component_and_of_a_modules_name(checked):
    analyses, _, _ = checked
    [place] = definition_at(analyses["main"], *at(MAIN, "prepare_images"))
    assert Path(place.path) == stdlib_directory() / "torch.ptflow"
    text = (stdlib_directory() / "torch.ptflow").read_text()
    assert text.splitlines()[place.span.line - 1][place.span.column - 1 :].startswith("prepare_images(")
    # A module's name, like its import path, leads to the module's file.
    [place] = definition_at(analyses["main"], *at(MAIN, "lib.twice"))
    assert Path(place.path).name == "lib.ptflow" and place.span is None
    [place] = definition_at(analyses["main"], *at(MAIN, "./lib.ptflow"))
    assert Path(place.path).name == "lib.ptflow"


def test_definition_of_an_argument_name_is_the_input_it_sets(checked):
    analyses, _, _ = checked
    [place] = definition_at(analyses["main"], *at(MAIN, "size: size"))
    assert (Path(place.path).name, place.span.line, place.span.column) == ("lib.ptflow", 8, 16)


def test_references_of_a_component_span_both_files(checked):
    analyses, indexes, _ = checked
    spans = references_at(analyses["lib"], indexes, *at(LIB, "square(x: int)"), include_declaration=True)
    assert described(spans) == [
        ("lib.ptflow", 2, 11),
        ("lib.ptflow", 9, 13),
        ("lib.ptflow", 10, 14),
        ("main.ptflow", 6, 13),
    ]
    without = references_at(analyses["lib"], indexes, *at(LIB, "square(x: int)"), include_declaration=False)
    assert ("lib.ptflow", 2, 11) not in described(without) and len(without) == 3


def test_renaming_a_parameter_renames_the_argument_names_of_its_callers(checked):
    analyses, indexes, _ = checked
    edits = rename_edits(analyses["lib"], indexes, *at(LIB, "size: int"), "count")
    assert {Path(p).name: [(s.line, s.column) for s in spans] for p, spans in edits.items()} == {
        "lib.ptflow": [(8, 16), (9, 23)],  # the parameter and its use
        "main.ptflow": [(5, 19), (8, 26)],  # `size:` in both calls, not main's own `size`
    }


def test_renaming_a_step_renames_every_use(checked):
    analyses, indexes, _ = checked
    edits = rename_edits(analyses["main"], indexes, *at(MAIN, "b = lib"), "squared")
    [(path, spans)] = edits.items()
    assert [(s.line, s.column) for s in spans] == [(6, 5), (8, 50)]  # the step and `after: [b]`


@pytest.mark.parametrize(
    "new_name, reason",
    [
        ("a", "`a` is already a step of pipeline `main`"),
        ("size", "`size` is already a parameter of pipeline `main`"),
        ("n", "`n` is already a loop variable of pipeline `main`"),
        ("lib", "`lib` is already an import or a definition of this file"),
        ("importer", "already an import or a definition"),
        ("for", "`for` is a keyword"),
        ("9lives", "not a valid name"),
        ("A", "`A` and step `a` would have the same task name `a`"),
    ],
)
def test_a_rename_that_would_collide_or_not_parse_is_refused(checked, new_name, reason):
    analyses, indexes, _ = checked
    with pytest.raises(RenameRefused, match=reason.replace("`", ".")):
        rename_edits(analyses["main"], indexes, *at(MAIN, "b = lib"), new_name)


def test_only_steps_parameters_and_loop_variables_of_this_file_can_be_renamed(checked):
    analyses, _, _ = checked
    assert rename_target(analyses["main"], *at(MAIN, "n in numbers")).definition.kind == "loop"
    with pytest.raises(RenameRefused, match="only steps, pipeline parameters and loop variables"):
        rename_target(analyses["main"], *at(MAIN, "twice(size: size)"))
    with pytest.raises(RenameRefused, match="no name here"):
        rename_target(analyses["main"], *at(MAIN, "[1, 2]"))


def test_a_rename_reaches_a_step_and_a_parameter_inside_a_list_and_a_bracketed_key(tmp_path):
    text = """\
component make() -> (out: str) {
    image = "alpine"
    command = ["sh", "-c", "echo x > $0", out.path]
}

pipeline p(owner: str = "bo") {
    made = make()
    data = importer(uri: "gs://b/x", metadata: {[made.out]: [owner, made.out], [owner]: f"by-{made.out}"})
}
"""
    path = tmp_path / "p.ptflow"
    path.write_text(text)
    analysis = Analyzer().analyze(Snapshot(f"file://{path}", str(path), 1, text))
    assert analysis.result.ok, analysis.diagnostics
    edits = rename_edits(analysis, [analysis.index], *at(text, "made = "), "built")
    assert [(s.line, s.column) for s in edits[str(path)]] == [(7, 5), (8, 50), (8, 69), (8, 95)]
    edits = rename_edits(analysis, [analysis.index], *at(text, "owner: str"), "team")
    assert [(s.line, s.column) for s in edits[str(path)]] == [(6, 12), (8, 62), (8, 81)]
