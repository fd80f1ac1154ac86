"""Requests with positions LSP cannot hold, or that lie past the end of the text, are answered, never left waiting.

The reliability probe of issue 15 sent 54 such requests to the real server and
27 got no answer at all (pygls dropped what it could not read), so an editor
would wait forever.  Each request here goes over stdio to the real server as
raw JSON (lsprotocol would refuse to build these positions), and each must come
back: with JSON-RPC's "invalid params" error when the position is not an LSP
unsigned integer, with an ordinary (empty) answer when it only lies past the
end of the document.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import Future
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pytest_lsp import LanguageClient

from .conftest import WAIT_S, open_document

INVALID = [(-1, 0), (0, -5), (0, 2**40), (2**40, 2**40)]  # not unsigned 31-bit integers
PAST_THE_END = [(10**6, 0), (0, 2**31 - 1), (2**31 - 1, 2**31 - 1)]
POSITION_METHODS = [
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/prepareRename",
    "textDocument/rename",
]


def _params(method: str, uri: str, line: int, character: int) -> dict:
    params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
    if method == "textDocument/references":
        params["context"] = {"includeDeclaration": True}
    if method == "textDocument/rename":
        params["newName"] = "renamed"
    return params


def _send_raw(client: LanguageClient, method: str, params: dict) -> Future:
    """Send `params` as they are: the client's typed requests would refuse to build these positions."""
    msg_id = str(uuid.uuid4())
    future: Future = Future()
    client.protocol._request_futures[msg_id] = future  # answered by the client's own response handling
    client.protocol._send_data(JsonRPCRequestMessage(id=msg_id, method=method, params=params, jsonrpc="2.0"))
    return future


async def _answer(client: LanguageClient, method: str, params: dict):
    """("result", value) or ("error", (code, message)); fails the test (a timeout) if no answer comes."""
    try:
        return "result", await asyncio.wait_for(asyncio.wrap_future(_send_raw(client, method, params)), WAIT_S)
    except JsonRpcException as error:
        return "error", (error.code, error.message)


@pytest.mark.parametrize("line, character", INVALID)
async def test_a_position_lsp_cannot_hold_is_answered_with_invalid_params(
    client: LanguageClient, project: Path, line, character
):
    uri = (project / "main.ptflow").as_uri()
    await open_document(client, project / "main.ptflow")
    for method in POSITION_METHODS:
        kind, (code, message) = await _answer(client, method, _params(method, uri, line, character))
        assert kind == "error" and code == -32602, method
        assert message.startswith(f"invalid params for {method}: Position.") and len(message) <= 200


@pytest.mark.parametrize("line, character", PAST_THE_END)
async def test_a_position_past_the_end_gets_an_ordinary_answer(client: LanguageClient, project: Path, line, character):
    uri = (project / "main.ptflow").as_uri()
    await open_document(client, project / "main.ptflow")
    for method in ["textDocument/hover", "textDocument/definition", "textDocument/references"]:
        assert await _answer(client, method, _params(method, uri, line, character)) == ("result", None), method
    kind, completions = await _answer(
        client, "textDocument/completion", _params("textDocument/completion", uri, line, character)
    )
    assert kind == "result"
    kind, (code, message) = await _answer(
        client, "textDocument/prepareRename", _params("textDocument/prepareRename", uri, line, character)
    )
    assert kind == "error" and message == "there is no name here to rename"


async def test_an_impossible_range_is_answered_and_the_server_goes_on(client: LanguageClient, project: Path):
    uri = (project / "main.ptflow").as_uri()
    await open_document(client, project / "main.ptflow")
    for start, end in [((-1, 0), (0, 0)), ((0, 2**40), (2**40, 0))]:
        params = {
            "textDocument": {"uri": uri},
            "context": {"diagnostics": []},
            "range": {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}},
        }
        kind, (code, _) = await _answer(client, "textDocument/codeAction", params)
        assert (kind, code) == ("error", -32602)
    before = await _answer(client, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    # a notification cannot be answered: the unreadable change is dropped, and the document stays as it was
    client.protocol._send_data(
        JsonRPCNotification(
            method="textDocument/didChange",
            jsonrpc="2.0",
            params={
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}},
                        "text": "garbage",
                    }
                ],
            },
        )
    )
    after = await _answer(client, "textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert after == before and after[0] == "result" and "main" in [symbol["name"] for symbol in after[1]]


async def test_a_lone_surrogate_in_an_edited_document_is_a_diagnostic_at_its_position(
    client: LanguageClient, project: Path
):
    text = "pipeline p() {\n    x = 1\n}\n".replace("1", '"a\ud800b"')  # JSON carries it as \\ud800
    diagnostics = await open_document(client, project / "broken.ptflow", text)
    surrogate = [d for d in diagnostics if d.code == "PTF102"]
    assert len(surrogate) == 1 and "lone UTF-16 surrogate" in surrogate[0].message
    assert (surrogate[0].range.start.line, surrogate[0].range.start.character) == (1, 10)
    uri = (project / "broken.ptflow").as_uri()
    kind, hover = await _answer(client, "textDocument/hover", _params("textDocument/hover", uri, 1, 10))
    assert kind == "result"
