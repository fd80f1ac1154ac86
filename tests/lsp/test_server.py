"""The language server end to end: the real `ptflow lsp` over stdio, driven as an editor drives it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from ptflow.compiler.modules import stdlib_directory

from .conftest import (
    MAIN,
    open_document,
    position,
    replace_change,
    span_range,
    wait_for_diagnostics,
    wait_until_diagnostics,
)


def doc(path: Path) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(path.as_uri())


def versioned(path: Path, version: int) -> types.VersionedTextDocumentIdentifier:
    return types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version)


def test_lsp_help_exits_0():
    # The VS Code extension probes `ptflow lsp --help` before starting the server.
    result = subprocess.run([sys.executable, "-m", "ptflow", "lsp", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--stdio" in result.stdout


async def test_diagnostics_on_open_point_at_the_mistakes(client: LanguageClient, project: Path):
    text = MAIN.replace("torch.train(", "torch.trian(").replace("    done = common.say(", "    hello = common.say(")
    diagnostics = await open_document(client, project / "main.ptflow", text)

    by_code = {d.code: d for d in diagnostics}
    assert set(by_code) == {"PTF202", "PTF205"}, [d.message for d in diagnostics]
    unknown = by_code["PTF202"]
    assert unknown.range == span_range(text, "trian")
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert unknown.message == "module `torch` has no component `trian`\ndid you mean `train`?"
    assert unknown.source == "ptflow"
    # The code links to its explanation, written where the server caches them.
    assert unknown.code_description.href.endswith("/ptflow/explain/PTF202.md")
    explanation = Path(unknown.code_description.href.removeprefix("file://"))
    assert explanation.read_text().startswith("# PTF202: ")

    twice = by_code["PTF205"]
    assert twice.range == span_range(text, "hello", within="    hello = common.say(msg: f")
    [related] = twice.related_information
    assert related.message == "first declared here"
    assert related.location.uri == (project / "main.ptflow").as_uri()
    assert related.location.range == span_range(text, "hello")


async def test_diagnostics_follow_rapid_edits_to_the_final_text(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    assert await open_document(client, path) == []
    uri = path.as_uri()

    # Delete `max_epochs` back to `max_ep`, one character per change.  On a quiet machine the
    # server checks only the last text; on a loaded one it may publish an intermediate version
    # first (that version was the newest when its check ended), so the test waits for the
    # final text's diagnostics instead of assuming the first publish is the last.
    text, previous = MAIN, "max_epochs"
    client.diagnostics.pop(uri, None)
    for version, word in enumerate(["max_epoch", "max_epoc", "max_epo", "max_ep"], start=2):
        change = replace_change(text, f"{previous}: epochs", f"{word}: epochs")
        text, previous = text.replace(f"{previous}: epochs", f"{word}: epochs"), word
        client.text_document_did_change(types.DidChangeTextDocumentParams(versioned(path, version), [change]))
    final = ["`train` has no input `max_ep`"]
    diagnostics = await wait_until_diagnostics(
        client, uri, lambda published: [d.message.split("\n")[0] for d in published] == final
    )
    assert [d.message.split("\n")[0] for d in diagnostics] == final
    assert diagnostics[0].range == span_range(text, "max_ep")

    change = replace_change(text, "max_ep", "max_epochs")
    client.text_document_did_change(types.DidChangeTextDocumentParams(versioned(path, 6), [change]))
    assert await wait_for_diagnostics(client, uri) == []


async def test_an_imported_file_with_problems_gets_diagnostics(client: LanguageClient, project: Path):
    common = project / "common.ptflow"
    common.write_text(common.read_text().replace("msg, said.path", "mesage, said.path"))
    common_uri = common.as_uri()
    client.diagnostics.pop(common_uri, None)

    await open_document(client, project / "main.ptflow")
    while common_uri not in client.diagnostics:
        await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)

    [problem] = client.diagnostics[common_uri]
    assert problem.code == "PTF201"
    assert problem.range == span_range(common.read_text(), "mesage")

    # Once the file is open it reports for itself, and checks of its importer leave that alone.
    assert [d.code for d in await open_document(client, common)] == ["PTF201"]
    main = project / "main.ptflow"
    change = replace_change(MAIN, "max_samples: 100", "max_samples: 50")
    client.text_document_did_change(types.DidChangeTextDocumentParams(versioned(main, 2), [change]))
    await wait_for_diagnostics(client, main.as_uri())
    await client.text_document_hover_async(types.HoverParams(doc(main), position(MAIN, "epochs)")))
    assert [d.code for d in client.diagnostics[common_uri]] == ["PTF201"]


async def test_editing_an_imported_file_rechecks_the_files_that_import_it(client: LanguageClient, project: Path):
    main, common = project / "main.ptflow", project / "common.ptflow"
    assert await open_document(client, main) == []
    common_text = common.read_text()
    assert await open_document(client, common) == []

    change = replace_change(common_text, "msg: str,", "text: str,")
    client.text_document_did_change(types.DidChangeTextDocumentParams(versioned(common, 2), [change]))
    # Fails by timing out (after WAIT_S) when main is never rechecked.
    diagnostics = await wait_until_diagnostics(client, main.as_uri(), lambda found: bool(found))
    assert {d.message.split("\n")[0] for d in diagnostics} >= {"`say` has no input `msg`"}


async def test_completion_offers_a_calls_remaining_inputs_with_types_and_defaults(
    client: LanguageClient, project: Path
):
    path = project / "main.ptflow"
    await open_document(client, path)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            doc(path),
            position(MAIN, "data: data.data, max_epochs", len("data: data.data, ")),
            types.CompletionContext(types.CompletionTriggerKind.Invoked),
        )
    )

    items = {item.label: item for item in result.items}
    assert "data" not in items  # already given
    assert items["max_epochs"].detail == "int = 1"
    assert items["lr"].detail == "float = 0.001"
    assert items["max_epochs"].insert_text == "max_epochs: "
    assert "Passes over the training data." in items["max_epochs"].documentation.value
    assert all(item.kind == types.CompletionItemKind.Field for item in result.items)


async def test_completion_after_a_step_and_a_dot_offers_its_outputs(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    text = MAIN.replace("    hello = common.say(msg: greeting)\n", "    hello = common.say(msg: train.)\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(versioned(path, 2), [types.TextDocumentContentChangeWholeDocument(text)])
    )
    result = await client.text_document_completion_async(
        types.CompletionParams(
            doc(path),
            position(text, "train.)", len("train.")),
            types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, trigger_character="."),
        )
    )

    details = {item.label: item.detail for item in result.items}
    assert details == {
        "model_file": "Model",
        "checkpoint": "Artifact",
        "tensorboard": "Artifact",
        "metrics": "Metrics",
        "confusion": "ClassificationMetrics",
        "accuracy": "float",
        "val_accuracy": "float",
    }


async def test_hover_shows_a_components_signature_and_docs(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    hover = await client.text_document_hover_async(types.HoverParams(doc(path), position(MAIN, "say(msg: greeting")))

    assert hover.range == span_range(MAIN, "say", within="hello = common.say")
    text = hover.contents.value
    assert "```ptflow\ncomponent say(msg: str, times: int = 1) -> (said: str)\n```" in text
    assert "Say something, and keep what was said." in text

    hover = await client.text_document_hover_async(types.HoverParams(doc(path), position(MAIN, "epochs)")))
    assert "epochs: int" in hover.contents.value and "pipeline parameter" in hover.contents.value


async def test_hover_and_definition_right_after_an_edit_see_the_edited_text(client: LanguageClient, project: Path):
    # The editor index is built once typing pauses; a request before then builds it for the newest text.
    path = project / "main.ptflow"
    await open_document(client, path)
    edited = MAIN.replace("hello = common.say", "# a line above\n    hi = common.say")
    edited = edited.replace("{hello.said}", "{hi.said}")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            versioned(path, 2), [types.TextDocumentContentChangeWholeDocument(text=edited)]
        )
    )
    hover = await client.text_document_hover_async(types.HoverParams(doc(path), position(edited, "hi.said", 1)))
    assert hover is not None and hover.contents.value.startswith("*step in `main`*")
    [location] = await client.text_document_definition_async(
        types.DefinitionParams(doc(path), position(edited, "hi.said", 1))
    )
    assert location.range == span_range(edited, "hi", within="hi = common.say")
    assert list(client.diagnostics[path.as_uri()]) == []  # the check of the edited text, published by now


async def test_hover_on_an_option_key_shows_its_doc_and_how_each_target_writes_it(
    client: LanguageClient, project: Path
):
    path = project / "main.ptflow"
    await open_document(client, path)
    hover = await client.text_document_hover_async(types.HoverParams(doc(path), position(MAIN, "after: [train]", 2)))

    assert hover.range == span_range(MAIN, "after", within="with { after: [train] }")
    text = hover.contents.value
    assert text.startswith("*step option* `after`\n\nSteps that must finish first.")
    assert "- kfp-v2: task `dependentTasks`" in text and "- kfp-v1: DAG task `dependencies`" in text
    # A step named in its value is the step, not the option.
    step = await client.text_document_hover_async(types.HoverParams(doc(path), position(MAIN, "[train] }", 1)))
    assert step.contents.value.startswith("*step in `main`*")


COLLECT = """\
component square(x: int) -> (y: int) {
    image = "alpine:3"
    command = ["sh", "-c", "echo $0 > $1", x, y.path]
}

pipeline p(go: bool = true) -> (out: list[int]) {
    if go {
        a = square(x: 1)
    }
    return (out: collect(a.y))
}
"""


async def test_hover_on_collect_shows_what_it_is(client: LanguageClient, project: Path):
    path = project / "collect.ptflow"
    path.write_text(COLLECT)
    assert await open_document(client, path) == []
    hover = await client.text_document_hover_async(types.HoverParams(doc(path), position(COLLECT, "collect(a", 2)))

    assert hover.range == span_range(COLLECT, "collect")
    assert hover.contents.value.startswith("*built-in value*\n\n```ptflow\ncollect(step.out)\n```")
    assert "PTF406" in hover.contents.value


async def test_go_to_definition_in_an_imported_file_and_in_the_standard_library(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    common_text = (project / "common.ptflow").read_text()

    [location] = await client.text_document_definition_async(
        types.DefinitionParams(doc(path), position(MAIN, "say(msg: greeting"))
    )
    assert location.uri == (project / "common.ptflow").as_uri()
    assert location.range == span_range(common_text, "say")

    [location] = await client.text_document_definition_async(
        types.DefinitionParams(doc(path), position(MAIN, "prepare_images"))
    )
    torch_file = stdlib_directory() / "torch.ptflow"
    assert location.uri == torch_file.as_uri()
    assert location.range == span_range(torch_file.read_text(), "prepare_images", within="component prepare_images")

    # The import's path leads to the file itself.
    [location] = await client.text_document_definition_async(
        types.DefinitionParams(doc(path), position(MAIN, "./common.ptflow"))
    )
    assert location.uri == (project / "common.ptflow").as_uri()
    assert location.range.start == types.Position(0, 0)


async def test_references_are_found_across_files(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    locations = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(path),
            position=position(MAIN, "say(msg: greeting"),
            context=types.ReferenceContext(include_declaration=True),
        )
    )

    found = sorted((Path(loc.uri.removeprefix("file://")).name, loc.range.start.line) for loc in locations)
    assert found == [("common.ptflow", 1), ("main.ptflow", 7), ("main.ptflow", 8)]


async def test_rename_a_step_everywhere_and_refuse_bad_names(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    at_train = position(MAIN, "train = ")

    prepared = await client.text_document_prepare_rename_async(types.PrepareRenameParams(doc(path), at_train))
    assert prepared == span_range(MAIN, "train")

    edit = await client.text_document_rename_async(types.RenameParams(doc(path), at_train, "fit"))
    edits = edit.changes[path.as_uri()]
    assert all(e.new_text == "fit" for e in edits)
    lines = sorted((e.range.start.line, e.range.start.character) for e in edits)
    # The step, its output in an f-string, `after`, and `return` (not `torch.train`).
    assert lines == [(6, 4), (8, 43), (8, 76), (9, 19)]

    with pytest.raises(JsonRpcException, match="`data` is already a step of pipeline `main`"):
        await client.text_document_rename_async(types.RenameParams(doc(path), at_train, "data"))
    with pytest.raises(JsonRpcException, match="not a valid name"):
        await client.text_document_rename_async(types.RenameParams(doc(path), at_train, "2fast"))
    with pytest.raises(JsonRpcException, match="only steps, pipeline parameters and loop variables"):
        await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(doc(path), position(MAIN, "prepare_images"))
        )


async def test_document_symbols_outline_imports_components_and_pipelines(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    await open_document(client, path)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(doc(path)))

    assert [(s.name, s.kind) for s in symbols] == [
        ("torch", types.SymbolKind.Module),
        ("common", types.SymbolKind.Module),
        ("main", types.SymbolKind.Class),
    ]
    pipeline = symbols[2]
    assert [(c.name, c.detail) for c in pipeline.children] == [
        ("epochs", "int"),
        ("greeting", "str"),
        ("data", "torch.prepare_images(...)"),
        ("train", "torch.train(...)"),
        ("hello", "common.say(...)"),
        ("done", "common.say(...)"),
    ]
    assert pipeline.selection_range == span_range(MAIN, "main")


async def test_code_actions_apply_the_fixes_diagnostics_suggest(client: LanguageClient, project: Path):
    path = project / "main.ptflow"
    text = MAIN.replace("say(msg: greeting)", "say(mgs: greeting)").replace("torch.train(", "torch.trian(")
    diagnostics = await open_document(client, path, text)
    assert sorted(d.code for d in diagnostics) == ["PTF202", "PTF203", "PTF204"]  # PTF204: `msg` missing

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            doc(path),
            types.Range(types.Position(0, 0), types.Position(10, 0)),
            types.CodeActionContext(diagnostics=diagnostics),
        )
    )

    edits = {a.title: a.edit.changes[path.as_uri()] for a in actions}
    assert set(edits) == {"Replace `mgs` with `msg`", "Replace `trian` with `train`"}
    assert [(e.range, e.new_text) for e in edits["Replace `mgs` with `msg`"]] == [(span_range(text, "mgs"), "msg")]
    assert [(e.range, e.new_text) for e in edits["Replace `trian` with `train`"]] == [
        (span_range(text, "trian"), "train")
    ]
    assert all(a.kind == types.CodeActionKind.QuickFix and a.diagnostics for a in actions)


async def test_formatting_rewrites_the_document_in_the_formatters_style(client: LanguageClient, project: Path):
    formatter = pytest.importorskip("ptflow.compiler.formatter", reason="the formatter is not installed")

    path = project / "main.ptflow"
    messy = MAIN.replace(
        "    data = torch.prepare_images(max_samples: 100)", "  data=torch.prepare_images( max_samples:100 )"
    )
    await open_document(client, path, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(doc(path), types.FormattingOptions(tab_size=4, insert_spaces=True))
    )

    [edit] = edits
    assert edit.new_text == formatter.format_source(messy, str(path))
    assert "    data = torch.prepare_images(max_samples: 100)\n" in edit.new_text
    assert edit.range.start == types.Position(0, 0)
    assert edit.range.end == types.Position(messy.count("\n"), 0)

    # A file with syntax errors is left alone.
    broken = messy.replace("pipeline main(", "pipeline main(((")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(versioned(path, 2), [types.TextDocumentContentChangeWholeDocument(broken)])
    )
    assert (
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(doc(path), types.FormattingOptions(tab_size=4, insert_spaces=True))
        )
        is None
    )


# Run in a fresh interpreter: the server as `ptflow lsp` makes it, then what it has imported.
START_PROBE = """
import sys
from ptflow.lsp.server import create_server
create_server()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("lark", "networkx", "yaml")
             or m in ("ptflow.compiler.checker", "ptflow.compiler.parser", "ptflow.lsp.analysis")))
"""


def test_the_server_answers_initialize_before_importing_the_compiler():
    # `initialize` waits only for pygls: lark, networkx and the checker are imported after the answer.
    result = subprocess.run([sys.executable, "-c", START_PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
