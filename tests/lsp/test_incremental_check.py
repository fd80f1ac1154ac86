"""Through the real server: after every edit of a sequence, the published diagnostics are exactly what a
whole, fresh check of the text (`ptflow check`'s diagnostics) gives, though the server re-parses only the
declarations each edit touched and re-checks only those and the pipelines that call what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from ptflow.compiler.api import check_file
from ptflow.compiler.modules import ModuleLoader
from ptflow.lsp.analysis import with_lint_findings
from ptflow.lsp.diagnostics import by_file, to_lsp
from ptflow.lsp.positions import PositionMap

from .conftest import position, wait_for_diagnostics

TEXT = """\
import stdlib.torch as torch

## Say something.
component say(msg: str, times: int = 1) -> (said: str) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $0 > $1", msg, said.path]
}

component shout(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}

pipeline main(epochs: int = 1) {
    data  = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epochs: epochs)
    hello = say(msg: "hi", times: 2)
    loud  = shout(msg: hello.said)
}
"""

# (old, new): each replaces the first `old` in the text as it is by then, sent as an editor sends it.
EDITS = [
    ("max_samples: 100", "max_samples: 1000"),
    # A mistake in `main`, then a character typed and deleted above it (in `say`): `main` moves along its line.
    ("shout(msg: hello.said)", "shout(msg: hello.sadi)"),
    ('"python:3.11-slim"', '"python:3.11-slim7"'),
    ('"python:3.11-slim7"', '"python:3.11-slim"'),
    ("shout(msg: hello.sadi)", "shout(msg: hello.said)"),
    # The component's parameter renamed: its caller, in another declaration, is wrong now ...
    ("say(msg: str", "say(message: str"),
    ('echo $0 > $1", msg,', 'echo $0 > $1", message,'),
    # ... until it follows.
    ('say(msg: "hi"', 'say(message: "hi"'),
    ("-> (said: str)", "-> (text: str)"),
    ("hello.said", "hello.text"),
    ("said.path", "text.path"),
    # A `}` deleted (the next declaration is swallowed) and put back.
    ('["echo", msg]\n}', '["echo", msg]\n'),
    ('["echo", msg]\n', '["echo", msg]\n}'),
    ("times: 2)", "times: 99999999999999999999)"),
    ("times: 99999999999999999999)", "times: 3)"),
    # An edit of the same length in a component: the pipeline below it is the same declaration as before,
    # but calls the changed component, so it is checked again (its step now passes an int where a str goes).
    ("-> (text: str)", "-> (text: int)"),
    ("-> (text: int)", "-> (text: str)"),
]


def expected(path: Path, text: str) -> list[tuple]:
    """What a fresh whole check says about the file, in LSP terms."""
    result = check_file(str(path), text, loader=ModuleLoader())
    own = by_file(with_lint_findings(result), str(path))[str(path)]
    positions = PositionMap(text)
    return [shown(to_lsp(d, positions, lambda span: None, None)) for d in own]


def shown(diagnostic: types.Diagnostic) -> tuple:
    return (diagnostic.range, diagnostic.severity, diagnostic.code, diagnostic.message)


@pytest.mark.asyncio
async def test_diagnostics_after_each_edit_are_a_whole_checks(client: LanguageClient, project: Path):
    path = project / "edited.ptflow"
    path.write_text(TEXT)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="ptflow", version=1, text=TEXT))
    )
    published = await wait_for_diagnostics(client, uri)
    assert [shown(d) for d in published] == expected(path, TEXT) == []

    text, version, reports = TEXT, 1, set()
    for start, end, new in changes(TEXT):
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(position(text, "", start), position(text, "", end)), text=new
                    )
                ],
            )
        )
        text = text[:start] + new + text[end:]
        published = await wait_for_diagnostics(client, uri)
        assert [shown(d) for d in published] == expected(path, text), (version, new)
        reports.update(d.code for d in published)
    # The sequence went through the states it was written for: syntax errors while typing, the caller's
    # input missing after the rename, a number out of range, a component's output type changed under its
    # caller; and it ends clean.
    assert {"PTF101", "PTF204", "PTF314", "PTF301"} <= reports, reports
    assert published == []


def changes(text: str):
    """(start, end, new text) of each edit, as offsets into the text as it is by then."""
    # A new component typed a key at a time between two declarations: most of its states don't parse.
    typed = 'component wave(n: int) {\n    image = "python:3.11-slim"\n    command = ["echo", n]\n}\n\n'
    at = text.index("component shout")
    for key in typed:
        yield at, at, key
        at += 1
    text = text[: at - len(typed)] + typed + text[at - len(typed) :]
    for old, new in EDITS:
        start = text.index(old)
        yield start, start + len(old), new
        text = text.replace(old, new, 1)


@pytest.mark.asyncio
async def test_requests_after_typing_that_moved_declarations_answer_as_for_a_fresh_document(
    client: LanguageClient, project: Path
):
    """A character typed above declarations keeps them as they were for the diagnostics (their offsets are
    off); definition, hover, rename and completion right after it answer exactly as for the same text opened
    fresh."""
    typed_path, fresh_path = project / "typed.ptflow", project / "fresh.ptflow"
    typed_path.write_text(TEXT)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=typed_path.as_uri(), language_id="ptflow", version=1, text=TEXT)
        )
    )
    await wait_for_diagnostics(client, typed_path.as_uri())
    at = TEXT.index("## Say something") + len("## Say")
    text = TEXT[:at] + "ing" + TEXT[at:]  # typed into the doc comment of `say`, above `shout` and `main`
    for version, key in enumerate("ing", start=2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=typed_path.as_uri(), version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(position(TEXT, "", at), position(TEXT, "", at)), text=key
                    )
                ],
            )
        )
        at += 1  # (on one line of the text, so TEXT's line and column of `at` are the edited text's)
    await wait_for_diagnostics(client, typed_path.as_uri())
    fresh_path.write_text(text)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=fresh_path.as_uri(), language_id="ptflow", version=1, text=text)
        )
    )
    await wait_for_diagnostics(client, fresh_path.as_uri())

    async def answers(path: Path):
        document = types.TextDocumentIdentifier(uri=path.as_uri())
        # Completion first: right after typing, it reads the analysis the keystroke left.
        completion = await client.text_document_completion_async(
            types.CompletionParams(document, position(text, "hello.said", len("hello.")))
        )
        at_call = position(text, "say(msg:", 1)
        definition = await client.text_document_definition_async(types.DefinitionParams(document, at_call))
        hover = await client.text_document_hover_async(types.HoverParams(document, position(text, "hello.said", 7)))
        rename = await client.text_document_rename_async(
            types.RenameParams(document, position(text, "hello.said", 1), "greeting")
        )
        # The same answers name the document they were asked about: compare them without it.
        return repr((definition, hover, rename, completion)).replace(path.as_uri(), "DOCUMENT")

    typed_answers = await answers(typed_path)
    assert typed_answers == await answers(fresh_path)
    assert "greeting" in typed_answers and "said" in typed_answers
