"""The language server's incremental parse gives exactly what a whole parse and a whole check give.

A sequence of real edits (typing a declaration key by key, breaking and
mending brackets, a triple-quoted string and comments that hold declaration
keywords, `##` docs, a component's signature changed under the pipeline that
calls it) goes through one `IncrementalParser` and one incremental loader;
after every edit the tree, the parse diagnostics and the check's diagnostics
are compared with a fresh whole parse and a fresh check.
"""

from __future__ import annotations

from pathlib import Path

from ptflow.compiler.api import check_file
from ptflow.compiler.incremental_parser import IncrementalParser, declaration_cuts
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.parser import parse_module
from tests.support.edited_text import EditedText

START = '''\
# A pipeline edited key by key.
import stdlib.torch as torch

## Say something.
component say(msg: str, times: int = 1) -> (said: str) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", """echo "$0"
pipeline not_a_declaration() {}
# nor is this a comment
""", msg, said.path]
}

# component commented_out() {}
component shout(msg: str) {   ## shout it
    image   = "python:3.11-slim"
    command = ["echo", msg]
}

pipeline main(epochs: int = 1) {
    data  = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epochs: epochs)
    hello = say(msg: "hi", times: 2)
    loud  = shout(msg: hello.said)
}
'''


def edits(text: str):
    """(what, new text) for each edit of the sequence, each applied to the text before it."""

    # Type a new component, one key at a time, between two declarations (most states don't parse).
    added = 'component wave(n: int) {\n    image = "python:3.11-slim"\n    command = ["echo", n]\n}\n\n'
    anchor = text.index("# component commented_out")
    for end in range(1, len(added) + 1, 7):
        yield "typing", text[:anchor] + added[:end] + text[anchor:]
    text = text[:anchor] + added + text[anchor:]
    yield "typed", text
    replace = EditedText(text).replace
    yield "a digit", replace("max_samples: 100", "max_samples: 101")
    yield "a line above everything", replace("# A pipeline", "# One more line\n# A pipeline")
    # The pipeline's caller must be re-checked when the component it calls changes its signature.
    yield "rename a parameter", replace("component say(msg: str", "component say(message: str")
    yield "its new name in a command", replace('""", msg, said.path]', '""", message, said.path]')
    yield "the caller follows", replace('say(msg: "hi"', 'say(message: "hi"')
    yield "an output renamed", replace("-> (said: str)", "-> (text: str)")
    yield "a doc changed above a declaration", replace("## Say something.", "## Say something twice.")
    yield "a `}` deleted", replace('    command = ["echo", msg]\n}\n', '    command = ["echo", msg]\n\n')
    yield "and put back", replace('    command = ["echo", msg]\n\n', '    command = ["echo", msg]\n}\n')
    yield "the triple-quoted string opened wider", replace('"""echo "$0"', '"""echo "$0" """ + """')
    yield "and mended", replace('"""echo "$0" """ + """', '"""echo "$0"')
    yield "a comment uncommented", replace("# component commented_out() {}", "component commented_out() {}")
    yield "a number too big for an int", replace("times: 2)", "times: 99999999999999999999)")
    yield (
        "a declaration keyword at a line start inside a call",
        replace("loud  = shout(msg: hello.said)", "loud  = shout(\npipeline: hello.said)"),
    )
    # A piece with findings that only moved: built again from its parse, its findings moved with it.
    yield (
        "an f-string with a lone brace and a bad escape",
        replace("loud  = shout(\npipeline: hello.said)", 'loud  = shout(msg: f"{hello.said} } \\q {1 +}")'),
    )
    yield "a line typed above it", replace("# A pipeline", "# A pipeline,\n# edited")
    yield "a character typed above it", replace("# A pipeline,", "# A pipeline;")
    yield "everything deleted", ""
    yield "pasted back", START


def test_every_edit_parses_and_checks_as_a_whole_parse_and_check_do(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    loader = ModuleLoader(incremental=True)
    checked = 0
    for what, text in [("opened", START), *edits(START)]:
        module, diagnostics = parser.parse(text, path)
        whole_module, whole_diagnostics = parse_module(text, path)
        # Nodes compare by identity; their repr shows every field, spans and docs included.
        assert repr(module) == repr(whole_module), what
        assert repr(module.comments) == repr(whole_module.comments), what
        assert diagnostics == whole_diagnostics, what

        incremental = check_file(path, text, loader=loader)
        fresh = check_file(path, text, loader=ModuleLoader())
        assert [str(d) for d in incremental.diagnostics] == [str(d) for d in fresh.diagnostics], what
        assert repr(incremental.diagnostics) == repr(fresh.diagnostics), what
        checked += 1
    assert checked > 20


def test_a_signature_change_is_reported_at_the_callers_in_the_rest_of_the_file(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader = ModuleLoader(incremental=True)
    assert check_file(path, START, loader=loader).ok
    renamed = START.replace("component say(msg: str", "component say(message: str")
    result = check_file(path, renamed, loader=loader)
    calls = START.index('say(msg: "hi"')
    reported = {(d.code, d.span.start) for d in result.diagnostics if d.is_error}
    assert ("PTF204", calls + len("say(")) in reported, result.diagnostics


def test_an_edit_reparses_only_the_declaration_it_is_in(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    before, _ = parser.parse(START, path)
    after, _ = parser.parse(START.replace("max_samples: 100", "max_samples: 200"), path)
    # The components above the pipeline are the very same nodes; the pipeline is new.
    assert [id(c) for c in after.components] == [id(c) for c in before.components]
    assert after.pipelines[0] is not before.pipelines[0]
    # An edit in the first component moves the text after it: everything after it is parsed again.
    moved, _ = parser.parse(START.replace("times: int = 1", "times: int = 10"), path)
    assert moved.components[0] is not after.components[0] and moved.pipelines[0] is not after.pipelines[0]
    assert moved.imports[0] is after.imports[0]


def test_keep_moved_keeps_what_moved_along_its_line_and_a_later_parse_puts_its_offsets_right(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    parser = IncrementalParser()
    before, _ = parser.parse(START, path)
    typed = START.replace("times: int = 1", "times: int = 10")
    parser.keep_moved.add(path)
    kept, _ = parser.parse(typed, path)
    # The declarations below the edit are the very same nodes, at their lines and columns ...
    assert kept.components[1] is before.components[1] and kept.pipelines[0] is before.pipelines[0]
    assert parser.moved_kept == {path}
    whole, _ = parse_module(typed, path)
    shout, whole_shout = kept.components[1].span, whole.components[1].span
    assert (shout.line, shout.column, shout.end_line) == (whole_shout.line, whole_shout.column, whole_shout.end_line)
    # ... whose offsets are the old text's: one character short.
    assert shout.start == whole_shout.start - 1
    assert kept.span == whole.span  # the module's own span is put right
    # Deleting the character again: the kept nodes are where they were built, no longer off.
    back, _ = parser.parse(START, path)
    assert back.pipelines[0] is before.pipelines[0] and parser.moved_kept == set()
    # A line added moves them to other lines: built again.
    parser.parse(typed, path)
    lines, _ = parser.parse(typed.replace("## Say something.", "## Say\n## something."), path)
    assert lines.pipelines[0] is not before.pipelines[0]
    # Without keep_moved, kept declarations are built again at their place: a whole parse's tree.
    parser.parse(START, path)
    parser.parse(typed, path)
    assert parser.moved_kept == {path}
    parser.keep_moved.clear()
    assert repr(parser.parse(typed, path)[0]) == repr(whole)
    assert parser.moved_kept == set()


def test_declarations_are_cut_at_line_starts_outside_strings_and_comments():
    text = START + "pipeline_ish = 1\n"
    cuts = declaration_cuts(text)
    assert [text[cut : text.index("\n", cut)] for cut in cuts[1:]] == [
        "import stdlib.torch as torch",
        "component say(msg: str, times: int = 1) -> (said: str) {",
        "component shout(msg: str) {   ## shout it",
        "pipeline main(epochs: int = 1) {",
    ]
