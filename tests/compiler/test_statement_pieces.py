"""An edit inside a pipeline re-parses only the statements it touched, and still gives exactly a whole parse.

The language server's incremental parser cuts a changed pipeline into its
signature and stretches of its body that start at lines beginning a
statement, and parses each stretch on its own (`incremental_parser.py`).
These tests put layouts where such a cut is wrong or tempting (a condition
running onto a line that starts with a name, `with`, `elif`, `else` and
`finally` on lines of their own, statement-like lines inside strings,
comments and nested blocks, brackets nested to the parser's limit) through
edits, and compare every parse with a fresh whole parse and every check
with a fresh whole check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.incremental_parser import IncrementalParser
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.parser import MAX_NESTING, parse_module
from ptflow.compiler.recheck import with_offsets_of
from ptflow.compiler.source import SourceText
from tests.support.edited_text import EditedText

PROGRAM = '''\
component square(x: int) -> (y: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $(($0 * $0)) > $1", x, y.path]
}

component show(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}

pipeline long(n: int = 2, flag: bool = true, words: list[str] = ["a", "b"]) {
    description = """a body whose lines look like statements:
done = square(x: 1)
    for w in words {
"""
    one = square(x: n)   # a comment with { and ( in it
    two = square(x: one.y)
        with { cpu: "1" }
    if one.y > 3
        and two.y
        > 5 {
        inner = square(x: two.y)
        show(msg: f"{inner.y} is big { 1 + 1 }")
    }
    elif one.y == 2 {
        show(msg: "two")
    }
    else
    {
        show(msg: "small")
    }
    for w in words parallel 2 {
        say = show(msg: w)
    }
    try {
        risky = square(x: n)
    }
    finally {
        show(msg: "cleaned up")
    }
    three = square(
        x: two.y,
    ) with {
        retries: 2,
    }
    show(msg: 'single { quoted')
}

pipeline after(m: int = 1) -> (out: int) {
    a = square(x: m)
    b = square(x: a.y)
    return (out: b.y)
}
'''


def edits(text: str):
    """(what, new text) for each edit of the sequence, each applied to the text before it."""

    replace = EditedText(text).replace

    yield "a digit in a statement", replace("square(x: n)   #", "square(x: 7)   #")
    yield "a character typed in it", replace("square(x: 7)   #", "square(x: 77)   #")
    yield "a name in a condition's continuation line", replace("        and two.y\n", "        and three.y\n")
    yield "back", replace("        and three.y\n", "        and two.y\n")
    # A cut at a line that starts like a statement but continues the condition: that stretch can't parse alone.
    yield "a condition onto a line starting with a name", replace("3\n        and two.y\n", "3 and\n        two.y\n")
    yield "a digit in it", replace("if one.y > 3 and", "if one.y > 4 and")
    yield "a statement added", replace("    show(msg: 'single", "    four = square(x: three.y)\n    show(msg: 'single")
    yield "a statement deleted", replace("    four = square(x: three.y)\n", "")
    yield "a `)` deleted", replace("    two = square(x: one.y)\n", "    two = square(x: one.y\n")
    yield "and put back", replace("    two = square(x: one.y\n", "    two = square(x: one.y)\n")
    yield "a `{` opened in a string", replace("'single { quoted'", "'single {{ quoted'")
    yield "a statement inside a block changed", replace("inner = square(x: two.y)", "inner = square(x: one.y)")
    yield "a wrong type", replace("say = show(msg: w)", "say = show(msg: 3)")
    yield "a parameter added", replace("pipeline long(n: int = 2,", "pipeline long(n: int = 2, k: int = 0,")
    yield "the signature broken", replace("pipeline long(n: int = 2,", "pipeline long(n: int = 2,,")
    yield "and mended", replace("pipeline long(n: int = 2,,", "pipeline long(n: int = 2,")
    yield "`with` moved to the line of its call", replace(")\n        with { cpu", ") with { cpu")
    yield "a statement on the body's `{` line", replace('["a", "b"]) {\n', '["a", "b"]) { first = square(x: 1)\n')
    yield "a statement after the body's `}`", replace("show(msg: 'single {{ quoted')\n}\n", "show(msg: 'x')\n} x = 1\n")
    yield "and taken away", replace("show(msg: 'x')\n} x = 1\n", "show(msg: 'x')\n}\n")
    yield "a line typed above the pipeline", replace("pipeline long(", "# a note\npipeline long(")
    yield "the last `}` deleted", replace("show(msg: 'x')\n}\n", "show(msg: 'x')\n")
    yield "and put back", replace("show(msg: 'x')\n", "show(msg: 'x')\n}\n")


def test_every_edit_in_a_pipeline_parses_and_checks_as_a_whole_parse_and_check_do(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    loader = ModuleLoader(incremental=True)
    for keep_moved in (False, True):
        if keep_moved:
            parser.keep_moved.add(path)
        for what, text in [("opened", PROGRAM), *edits(PROGRAM)]:
            module, diagnostics = parser.parse(text, path)
            whole_module, whole_diagnostics = parse_module(text, path)
            if path in parser.moved_kept:  # kept statements: lines and columns right, offsets not (see below)
                assert module.span == whole_module.span, what
                diagnostics = with_offsets_of(diagnostics, SourceText(path, text))
            else:
                # Nodes compare by identity; their repr shows every field, spans and docs included.
                assert repr(module) == repr(whole_module), what
            assert repr(module.comments) == repr(whole_module.comments), what
            assert diagnostics == whole_diagnostics, what
            if not keep_moved:
                incremental = check_file(path, text, loader=loader)
                fresh = check_file(path, text, loader=ModuleLoader())
                assert repr(incremental.diagnostics) == repr(fresh.diagnostics), what


def test_an_edit_in_a_pipeline_reparses_only_the_statement_it_is_in(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    before, _ = parser.parse(PROGRAM, path)
    after, _ = parser.parse(PROGRAM.replace("square(x: n)   #", "square(x: 5)   #"), path)
    old, new = before.pipelines[0], after.pipelines[0]
    assert new is not old  # the pipeline is new ...
    # ... made of the same statements but the one edited (the property, `one`, `two`, the `if`, ...)
    assert [s is o for s, o in zip(new.body, old.body)] == [True, False] + [True] * (len(old.body) - 2)
    assert new.params is not old.params  # its signature is parsed again with it
    assert after.pipelines[1] is before.pipelines[1]  # the next pipeline didn't move

    # Typing a character moves what follows on its line: kept, with offsets short by one, only with keep_moved.
    parser.keep_moved.add(path)
    typed = PROGRAM.replace("square(x: n)   #", "square(x: nn)   #")
    kept, _ = parser.parse(typed, path)
    assert parser.moved_kept == {path}
    whole, _ = parse_module(typed, path)
    kept_three, whole_three = kept.pipelines[0].body[-2].span, whole.pipelines[0].body[-2].span
    assert kept.pipelines[0].body[-2] is before.pipelines[0].body[-2]
    assert (kept_three.line, kept_three.column) == (whole_three.line, whole_three.column)
    assert kept_three.start == whole_three.start - 1
    assert kept.pipelines[0].span == whole.pipelines[0].span
    # Without keep_moved, the moved statements are parsed again at their place.
    parser.keep_moved.clear()
    assert repr(parser.parse(typed, path)[0]) == repr(whole)
    assert parser.moved_kept == set()


@pytest.mark.parametrize("depth", [MAX_NESTING - 6, MAX_NESTING - 3, MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1])
def test_brackets_nested_near_the_limit_in_one_statement_give_the_whole_parses_answer(tmp_path: Path, depth: int):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    parser.parse(PROGRAM, path)
    deep = "[" * depth + "1" + "]" * depth
    text = PROGRAM.replace("    a = square(x: m)\n", f"    a = square(x: m)\n    deep = {deep}\n")
    module, diagnostics = parser.parse(text, path)
    whole_module, whole_diagnostics = parse_module(text, path)
    assert repr(module) == repr(whole_module)
    assert diagnostics == whole_diagnostics


@pytest.mark.parametrize("keep_moved", [False, True])
def test_random_keystrokes_in_a_pipeline_parse_as_a_whole_parse_does(tmp_path: Path, keep_moved: bool):
    """Characters typed and deleted at random places (seeded), most of them leaving text that doesn't parse:
    after each, the incremental parse is the whole parse (lines and columns, where moved nodes were kept)."""
    import random

    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    if keep_moved:
        parser.keep_moved.add(path)
    chooser = random.Random(16)
    text = PROGRAM
    parser.parse(text, path)
    for _ in range(150):
        at = chooser.randrange(len(text))
        if chooser.random() < 0.5:
            text = text[:at] + chooser.choice("x1 ({[]})\n\"'#,.=") + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
        if chooser.random() < 0.3:
            text = PROGRAM  # back to a program that parses, so that the stretches are used again
        module, diagnostics = parser.parse(text, path)
        whole_module, whole_diagnostics = parse_module(text, path)
        if path in parser.moved_kept:
            diagnostics = with_offsets_of(diagnostics, SourceText(path, text))
            assert _lines_and_columns(module) == _lines_and_columns(whole_module)
        else:
            assert repr(module) == repr(whole_module)
        assert diagnostics == whole_diagnostics


def _lines_and_columns(module) -> str:
    """The module's repr without character offsets (what a kept move leaves right)."""
    import re

    return re.sub(r", start=\d+, end=\d+", "", repr(module))
