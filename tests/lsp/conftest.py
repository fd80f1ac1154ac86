"""Shared set-up for the language-server tests.

End-to-end tests start the real server (`python -m ptflow lsp --stdio`) as a
subprocess and talk LSP to it over stdio with pytest-lsp's client, as VS Code
would (its client capabilities).  Each test gets a fresh server and a fresh
project folder: `main.ptflow` imports the standard library and a local
module, `common.ptflow`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

# Explanation files the server writes for code links go here, not into the user's cache.
SERVER_CACHE = Path(tempfile.gettempdir()) / f"ptflow-lsp-tests-{os.getpid()}"
EXPLAIN_DIRECTORY = SERVER_CACHE / "ptflow" / "explain"
# Diagnostics of a 100-line file take milliseconds; this only bounds a hang.
WAIT_S = 20

COMMON = """\
## Say something, and keep what was said.
component say(
    msg: str,    ## what to say
    times: int = 1,
) -> (said: str) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo \\"$0\\" | tee \\"$1\\"", msg, said.path]
}
"""

MAIN = """\
import stdlib.torch as torch
import "./common.ptflow" as common

## Train on digits and announce the accuracy.
pipeline main(epochs: int = 1, greeting: str = "hi") -> (model: Model) {
    data = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epochs: epochs)
    hello = common.say(msg: greeting)
    done = common.say(msg: f"{hello.said} {train.accuracy}") with { after: [train] }
    return (model: train.model_file)
}
"""


@pytest.fixture(scope="session", autouse=True)
def _server_cache():
    yield
    shutil.rmtree(SERVER_CACHE, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "common.ptflow").write_text(COMMON)
    (tmp_path / "main.ptflow").write_text(MAIN)
    return tmp_path


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "ptflow", "lsp", "--stdio"],
        server_env={**os.environ, "XDG_CACHE_HOME": str(SERVER_CACHE)},
    )
)
async def client(lsp_client: LanguageClient, project: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(project.as_uri(), "project")],
        )
    )
    yield
    await lsp_client.shutdown_session()


# ------------------------------------------------------------------ helpers


def position(text: str, marker: str, after: int = 0) -> types.Position:
    """The 0-based position of the first `marker` in `text`, moved `after` characters along it."""
    offset = text.index(marker) + after
    line = text.count("\n", 0, offset)
    return types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def span_range(text: str, marker: str, within: str | None = None) -> types.Range:
    """The range of `marker` (searched for inside the first `within`, when given)."""
    base = text.index(within) if within else 0
    offset = text.index(marker, base)
    start = position(text[:offset] + "\0", "\0")
    return types.Range(start, types.Position(start.line, start.character + len(marker)))


async def wait_for_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for `uri` (any published before this call are forgotten)."""
    client.diagnostics.pop(uri, None)

    async def published():
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return client.diagnostics[uri]

    return list(await asyncio.wait_for(published(), WAIT_S))


async def wait_until_diagnostics(
    client: LanguageClient, uri: str, wanted: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """The first diagnostics published for `uri` from now on for which `wanted(...)` holds.

    For edits whose effect reaches a document through another one: the server
    may still publish a check it started before the edit (with the old, right
    answer for the old text) before it publishes the one after.
    """
    client.diagnostics.pop(uri, None)

    async def published():
        while True:
            while uri not in client.diagnostics:
                await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            diagnostics = client.diagnostics.pop(uri)
            if wanted(diagnostics):
                return diagnostics

    return list(await asyncio.wait_for(published(), WAIT_S))


async def open_document(client: LanguageClient, path: Path, text: str | None = None) -> list[types.Diagnostic]:
    """Open `path` (with `text`, or what is on disk) and return its first diagnostics."""
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="ptflow", version=1, text=path.read_text() if text is None else text
            )
        )
    )
    return await wait_for_diagnostics(client, uri)


def replace_change(text: str, old: str, new: str) -> types.TextDocumentContentChangePartial:
    """An incremental change replacing the first `old` in `text` with `new`, as editors send them."""
    start = position(text, old)
    end = position(text, old, len(old))
    return types.TextDocumentContentChangePartial(range=types.Range(start, end), text=new)
