"""Typing that only moves the declarations below it (a character typed or deleted, no line added or removed):
the language server keeps those declarations and their checks as they were (`incremental_parser.py`'s
`keep_moved`), and its diagnostics are still exactly a fresh whole check's, every field and offset of them,
related places and fixes included; the analysis's tree, once asked for, is a fresh parse's too.

The analyzer runs in a real thread standing for the server's check thread, as the server runs it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.completion import complete
from ptflow.compiler.index import build_index
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.parser import parse_module
from ptflow.lsp.analysis import Analyzer, with_lint_findings
from ptflow.lsp.hover import hover_at
from ptflow.lsp.scheduler import Snapshot

# Findings below the edits, which the edits move: an unused import (its fix removes whole lines), an unused
# parameter, `gpus` without `accelerator` and a cached read of a URL (their fixes insert at an offset); the
# signature edits then make errors below them (a wrong argument type, whose related places point at the
# component's declaration, and an output that isn't there).
TEXT = """\
import stdlib.torch as torch
import stdlib.torch as unused_torch

## Say something.
component say(msg: str, times: int = 1) -> (said: str) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $0 > $1", msg, said.path]
}

pipeline first(epochs: int = 1) {
    data  = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epochs: epochs)
}

component count(n: int) -> (total: int) {
    image   = "python:3.11-slim"
    command = ["echo", n, total.path]
}

pipeline second(word: str, never: int = 3) -> (out: int) {
    hello = say(msg: word, times: 2) with { cpu: "1", memory: "1Gi", gpus: 1 }
    again = count(n: 7)
    loud  = shout(msg: hello.said)
    fetch = shout(msg: "https://example.com/data.csv")
    return (out: again.total)
}

component shout(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}

pipeline third(n: int = 2) {
    big = count(n: n) with { cache: false }
    say_it = say(msg: "x")
}
"""


def edits(text: str):
    """(what, text after it): typing a character and deleting it again at places above the mistakes, then
    an edit that changes a signature the declarations below use, typed and taken back."""

    def typed(what: str, marker: str, key: str):
        nonlocal text
        at = text.index(marker) + len(marker)
        text = text[:at] + key + text[at:]
        yield f"{what}: typed {key!r}", text
        text = text[:at] + text[at + len(key) :]
        yield f"{what}: deleted again", text

    yield from typed("a digit in the first pipeline", "max_samples: 10", "7")
    yield from typed("a letter in a comment above everything", "## Say some", "x")
    yield from typed("a digit in the component `say`'s default", "times: int = 1", "5")
    yield from typed("a space in the import line", "import stdlib.torch as torch", " ")
    # A longer paste on one line, then deleting a part of it.
    yield from typed("a paste in the first pipeline", "max_epochs: epochs", ', lr: 0.5, profiler: "pytorch"')
    # `say`'s output renamed a character at a time (its users below are now wrong), then back.
    for what, new in (("say's output renamed", "saidx"), ("and back", "said")):
        at = text.index("-> (said") + len("-> (")
        old = text[at : text.index(":", at)]
        text = text[:at] + new + text[at + len(old) :]
        yield what, text
    # An input's type changed (its callers' arguments are now wrong), as long or not, then back.
    for what, old, new in (
        ("count's input made a str", "count(n: int)", "count(n: str)"),
        ("and a list", "count(n: str)", "count(n: list[int])"),
        ("and back", "count(n: list[int])", "count(n: int)"),
    ):
        text = text.replace(old, new, 1)
        yield what, text
    # A character typed below every mistake moves nothing that has one.
    yield from typed("a digit in the last pipeline", "third(n: int = 2", "0")


def fresh(path: str, text: str) -> str:
    """Everything `ptflow check` reports about the text, from a fresh whole check, as exactly as repr shows."""
    return repr(with_lint_findings(check_file(path, text, loader=ModuleLoader())))


@pytest.fixture
def check_thread():
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-check") as executor:
        yield executor


def test_typing_that_moves_declarations_gives_a_fresh_checks_diagnostics(tmp_path: Path, check_thread):
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()

    def analyze(text: str, version: int):
        return check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, version, text), check_thread)

    analyze(TEXT, 1).result()
    provisional, codes = 0, set()
    for version, (what, text) in enumerate(edits(TEXT), start=2):
        analysis = analyze(text, version).result()
        assert repr(analysis.diagnostics) == fresh(path, text), what
        provisional += analysis.provisional
        codes.update(d.code for d in analysis.diagnostics)
    # The edits did move declarations that kept their checks, past the mistakes they were written for.
    # each edit that typed or pasted above a declaration, or above a statement of its own pipeline
    assert provisional == 8, provisional
    assert {"PTF301", "PTF603", "PTF602", "PTF605", "PTF606"} <= codes, codes


def test_a_provisional_analysis_has_a_fresh_parses_tree_once_asked(tmp_path: Path, check_thread):
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()
    check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 1, TEXT), check_thread).result()
    text = TEXT.replace("max_samples: 100", "max_samples: 1000")
    analysis = check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 2, text), check_thread).result()
    assert analysis.provisional
    # Asked from this thread (a request on the event loop), the check thread checks the text again ...
    third = analysis.result.scope.syntax_tree.pipelines[-1]
    assert not analysis.provisional
    expected_tree, _ = parse_module(text, path)
    assert third.span == expected_tree.pipelines[-1].span
    assert text[third.span.start : third.span.end].startswith("pipeline third(")
    # ... and the index over it points where a fresh check's does.
    index = analysis.index
    fresh_index = build_index(check_file(path, text, loader=ModuleLoader()).scope)
    assert repr(sorted(index.occurrences, key=repr)) == repr(sorted(fresh_index.occurrences, key=repr))


def test_the_index_built_in_the_check_thread_first_is_exact_too(tmp_path: Path, check_thread):
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()
    check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 1, TEXT), check_thread).result()
    text = TEXT.replace("## Say something.", "## Say something!!")
    analysis = check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 2, text), check_thread).result()
    assert analysis.provisional
    index = check_thread.submit(lambda: analysis.index).result()  # the server's build once typing pauses
    fresh_index = build_index(check_file(path, text, loader=ModuleLoader()).scope)
    assert repr(sorted(index.occurrences, key=repr)) == repr(sorted(fresh_index.occurrences, key=repr))


def test_completion_and_hover_read_a_provisional_analysis_as_it_is_and_answer_as_for_a_fresh_check(
    tmp_path: Path, check_thread
):
    """Completion and hover read only names, types, docs, lines and columns, which a provisional analysis has
    right: right after a keystroke they take it as it is (no second check), and answer what a fresh check of
    the text answers."""
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()
    check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 1, TEXT), check_thread).result()
    at = TEXT.index("max_samples: 100") + len("max_samples: 10")
    text = TEXT[:at] + "7" + TEXT[at:]
    analysis = check_thread.submit(analyzer.analyze, Snapshot("file://" + path, path, 2, text), check_thread).result()
    fresh_scope = check_file(path, text, loader=ModuleLoader()).scope
    fresh_index = build_index(fresh_scope)
    places = [
        ("hello.said", len("hello.")),  # a step's outputs, in a pipeline the edit moved
        ('say(msg: "x"', len("say(")),  # a call's inputs
        ("big = count(n: n", len("big = count(n: ")),  # names, in a loop-free body
        ("return (out: again", len("return (out: ")),
    ]
    for marker, after in places:
        offset = text.index(marker) + after
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        found = complete(*analysis.line_view, text, line, column)
        assert found, marker
        assert repr(found) == repr(complete(fresh_scope, fresh_index, text, line, column)), marker
    hovered = [
        ("hello.said", len("hello.s")),  # a step's output
        ("big = count(", len("big = co")),  # a component declared above, called in a moved pipeline
        ("say_it = say(msg", len("say_it = say(m")),  # an input
        ("max_epochs: epochs", len("max_epochs: ep")),  # a pipeline parameter
    ]
    for marker, after in hovered:
        offset = text.index(marker) + after
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        found = hover_at(analysis.line_view[1], line, column)
        expected = hover_at(fresh_index, line, column)
        assert found is not None and expected is not None, marker
        # What the editor is shown: the text, and the place as lines and columns.
        where = ("line", "column", "end_line", "end_column")
        assert found[1] == expected[1], marker
        assert [getattr(found[0].span, f) for f in where] == [getattr(expected[0].span, f) for f in where], marker
    assert analysis.provisional  # neither needed the text checked again


def test_checking_an_older_provisional_analysis_again_leaves_the_newest_text_for_importers(
    tmp_path: Path, check_thread
):
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()

    def analyze(text: str, version: int):
        analyzer.set_text(path, text)  # as the server does at each change
        return check_thread.submit(
            analyzer.analyze, Snapshot("file://" + path, path, version, text), check_thread
        ).result()

    analyze(TEXT, 1)
    older = analyze(TEXT.replace("max_samples: 100", "max_samples: 1000"), 2)
    newest = TEXT.replace("max_samples: 100", "max_samples: 10000")
    analyze(newest, 3)
    assert older.provisional
    assert older.result.scope.source.text != newest  # the older text, checked again ...
    assert analyzer.text_of(path) == newest  # ... and a file importing this one still sees the newest
