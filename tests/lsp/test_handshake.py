"""The start of a session: `initialize` answered before pygls is imported (ptflow/lsp/handshake.py).

The early answer must be the answer pygls would give: compared here with
pygls' own, produced by the real server reading the same bytes, for the
recorded `initialize` params of real clients (pytest-lsp keeps those of VS
Code, Neovim and Emacs) and for the variations that change the answer.  The
rest talks to the real server over stdio with raw LSP messages, for what
comes before and around `initialize`.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

from ptflow.lsp.capabilities import initialize_result
from ptflow.lsp.handshake import FramingError, frame, read_body

CLIENTS_DIR = Path(pytest_lsp.__file__).parent / "clients"
RECORDED_CLIENTS = sorted(CLIENTS_DIR.glob("*.json"))
WAIT_S = 20


def recorded_params(path: Path) -> dict[str, Any]:
    recorded = json.loads(path.read_text())
    return {"processId": None, "rootUri": None, **recorded}


def variations() -> dict[str, dict[str, Any]]:
    """Client capabilities that change the answer, one rule each."""
    return {
        "nothing declared": {},
        "UTF-8 preferred": {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
        "UTF-32 only": {"general": {"positionEncodings": ["utf-32"]}},
        "unknown encodings only": {"general": {"positionEncodings": ["ebcdic"]}},
        "prepareRename supported": {"textDocument": {"rename": {"prepareSupport": True}}},
        "willSave mentioned": {"textDocument": {"synchronization": {"willSave": False, "willSaveWaitUntil": True}}},
        "notebooks": {"notebookDocument": {"synchronization": {}}},
    }


def pygls_answer(params: dict[str, Any]) -> dict[str, Any]:
    """The server's answer to `initialize` as pygls gives it: the real server reading the message itself."""
    from ptflow.lsp.server import create_server

    request = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    out = io.BytesIO()
    server = create_server()
    server.start_io(stdin=io.BytesIO(frame(json.dumps(request).encode())), stdout=out)
    server.check_executor.shutdown(wait=False)
    body = read_body(io.BytesIO(out.getvalue()))
    assert body is not None, out.getvalue()
    return json.loads(body)["result"]


@pytest.mark.parametrize("client", RECORDED_CLIENTS, ids=[path.stem for path in RECORDED_CLIENTS])
def test_the_early_answer_is_pygls_answer_for_real_clients(client: Path):
    params = recorded_params(client)
    assert initialize_result(params) == pygls_answer(params)


@pytest.mark.parametrize("capabilities", variations().values(), ids=variations().keys())
def test_the_early_answer_is_pygls_answer_for_each_rule(capabilities: dict[str, Any]):
    params = {"processId": 7, "rootUri": None, "capabilities": capabilities}
    assert initialize_result(params) == pygls_answer(params)


# ------------------------------------------------------------------ framing


def test_the_reader_takes_messages_by_content_length_and_refuses_headers_without_it():
    stream = io.BytesIO(
        b"\r\ncontent-length: 2\r\nContent-Type: x\r\n\r\n{}"
        b"Content-Type: x\r\n\r\n"
        b"Content-Length: -3\r\n\r\n"
        b'Content-Length: 5\r\n\r\n{"a":'
    )
    assert read_body(stream) == b"{}"
    with pytest.raises(FramingError, match="without a Content-Length"):
        read_body(stream)
    with pytest.raises(FramingError, match="unusable Content-Length"):
        read_body(stream)
    assert read_body(stream) == b'{"a":'
    assert read_body(stream) is None  # the end of the stream


# ------------------------------------------------------------ over stdio


class RawClient:
    """Talks to `python -m ptflow lsp` with hand-made LSP messages, reading its answers in a thread."""

    def __init__(self, cwd: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ptflow", "lsp", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, "XDG_CACHE_HOME": str(cwd / "cache")},
        )
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while (body := read_body(self.process.stdout)) is not None:
            self.messages.put(json.loads(body))

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, method: str, params: Any = None, id: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if id is not None:
            message["id"] = id
        self.write(frame(json.dumps(message).encode()))

    def receive(self, predicate=lambda message: True) -> dict[str, Any]:
        """The next message the server sends that `predicate` accepts (others, such as logs, are skipped)."""
        while True:
            message = self.messages.get(timeout=WAIT_S)
            if predicate(message):
                return message

    def answer_to(self, id: Any) -> dict[str, Any]:
        return self.receive(lambda message: message.get("id") == id and "method" not in message)

    def initialize(self, root: Path, capabilities: dict[str, Any] | None = None, id: Any = 1) -> dict[str, Any]:
        params = {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities or {}}
        self.send("initialize", params, id=id)
        answer = self.answer_to(id)
        self.send("initialized", {})
        return answer

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        message = self.receive(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
        )
        return message["params"]["diagnostics"]

    def finish(self) -> tuple[int, str]:
        """Shut the server down as a client does; its exit code and what it logged."""
        self.send("shutdown", id="bye")
        self.answer_to("bye")
        self.send("exit")
        code = self.process.wait(timeout=WAIT_S)
        assert self.process.stderr is not None
        return code, self.process.stderr.read().decode()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def raw(tmp_path: Path):
    client = RawClient(tmp_path)
    yield client
    client.close()


SAY = """\
component say(msg: str, n: int) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}
"""
BROKEN = "pipeline p() {\n    s = nosuch()\n}\n"


def test_a_session_started_early_goes_on_in_pygls_with_the_clients_params(raw: RawClient, tmp_path: Path):
    capabilities = json.loads((CLIENTS_DIR / "visual_studio_code_v1.65.2.json").read_text())["capabilities"]
    answer = raw.initialize(tmp_path, capabilities, id=1)
    assert answer["result"]["capabilities"]["renameProvider"] == {"prepareProvider": True}
    uri = (tmp_path / "main.ptflow").as_uri()
    raw.send(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ptflow", "version": 1, "text": BROKEN}}
    )
    [problem] = raw.diagnostics(uri)
    assert "nosuch" in problem["message"]
    assert problem["range"]["start"] == {"line": 1, "character": 8}
    code, log = raw.finish()
    assert code == 0
    assert "differs from pygls" not in log  # the server's own comparison of the two answers
    answers_to_initialize = []
    while not raw.messages.empty():
        message = raw.messages.get()
        if message.get("id") == 1:
            answers_to_initialize.append(message)
    assert answers_to_initialize == []  # pygls' answer to the replayed `initialize` was not sent again


def test_before_initialize_requests_are_refused_and_notifications_dropped(raw: RawClient, tmp_path: Path):
    raw.send(
        "textDocument/hover", {"textDocument": {"uri": "file:///x"}, "position": {"line": 0, "character": 0}}, id=5
    )
    assert raw.answer_to(5)["error"]["code"] == -32002
    raw.send("textDocument/didOpen", {"textDocument": {"uri": "file:///x", "languageId": "ptflow", "version": 1}})
    raw.send("shutdown", id=6)
    assert raw.answer_to(6)["error"]["code"] == -32002
    assert "capabilities" in raw.initialize(tmp_path)["result"]
    assert raw.finish()[0] == 0


def test_malformed_messages_before_initialize_are_answered_or_skipped(raw: RawClient, tmp_path: Path):
    raw.write(b"Content-Type: nothing else\r\n\r\n")  # no length: skipped
    raw.write(frame(b"{not json"))
    parse_error = raw.receive()
    assert parse_error["id"] is None and parse_error["error"]["code"] == -32700
    raw.write(frame(b'{"jsonrpc": "2.0", "id": 3}'))
    assert raw.answer_to(3)["error"]["code"] == -32600
    assert "capabilities" in raw.initialize(tmp_path)["result"]
    assert raw.finish()[0] == 0


def test_exit_before_initialize_ends_the_server_with_code_1(raw: RawClient):
    raw.send("exit")
    assert raw.process.wait(timeout=WAIT_S) == 1


def test_the_stream_closed_before_initialize_ends_the_server(raw: RawClient):
    assert raw.process.stdin is not None
    raw.process.stdin.close()
    assert raw.process.wait(timeout=WAIT_S) == 0


def test_shutdown_and_exit_right_after_initialize(raw: RawClient, tmp_path: Path):
    raw.send("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, id=1)
    raw.send("shutdown", id=2)
    raw.send("exit")
    assert "result" in raw.answer_to(1)
    assert raw.answer_to(2) == {"jsonrpc": "2.0", "id": 2, "result": None}
    assert raw.process.wait(timeout=WAIT_S) == 0


@pytest.mark.parametrize(
    ("offered", "negotiated", "column"),
    [(None, "utf-16", 25), (["utf-8", "utf-16"], "utf-8", 26), (["utf-32"], "utf-32", 25)],
)
def test_the_negotiated_position_encoding_counts_the_positions(
    raw: RawClient, tmp_path: Path, offered: list[str] | None, negotiated: str, column: int
):
    capabilities = {"general": {"positionEncodings": offered}} if offered else {}
    assert raw.initialize(tmp_path, capabilities)["result"]["capabilities"]["positionEncoding"] == negotiated
    uri = (tmp_path / "main.ptflow").as_uri()
    text = SAY + 'pipeline p() {\n    s = say(msg: "é", n: nosuch)\n}\n'  # `é`: 2 bytes in UTF-8, 1 unit in UTF-16
    raw.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ptflow", "version": 1, "text": text}})
    problems = [d for d in raw.diagnostics(uri) if "nosuch" in d["message"]]
    assert [p["range"]["start"] for p in problems] == [{"line": 5, "character": column}]


def test_initialize_params_the_early_answer_cant_read_get_pygls_error(raw: RawClient):
    raw.send("initialize", {"processId": "abc", "capabilities": {}}, id=1)
    answer = raw.answer_to(1)
    assert answer["error"]["code"] == -32602  # invalid params, from pygls' own reading
    assert "initialize" in answer["error"]["message"]


def test_a_client_capability_lsprotocol_refuses_after_the_early_answer_still_gives_a_working_server(
    raw: RawClient, tmp_path: Path
):
    # The early answer reads only what it needs; pygls then refuses `hover.contentFormat: 5`.  The client was
    # already told the server started, so the server starts from the part of the params the answer read.
    capabilities = {"general": {"positionEncodings": ["utf-8"]}, "textDocument": {"hover": {"contentFormat": 5}}}
    assert raw.initialize(tmp_path, capabilities)["result"]["capabilities"]["positionEncoding"] == "utf-8"
    uri = (tmp_path / "main.ptflow").as_uri()
    text = SAY + 'pipeline p() {\n    s = say(msg: "é", n: nosuch)\n}\n'
    raw.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ptflow", "version": 1, "text": text}})
    [problem] = raw.diagnostics(uri)
    assert problem["range"]["start"] == {"line": 5, "character": 26}  # counted in UTF-8, as negotiated
    code, log = raw.finish()
    assert code == 0
    assert "can't read the client's initialize params" in log


HANDSHAKE_PROBE = """
import sys
import ptflow.cli, ptflow.commands.lsp, ptflow.lsp.handshake
heavy = ("pygls", "lsprotocol", "cattrs", "lark", "networkx")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith("ptflow.compiler")))
"""


def test_what_answers_initialize_imports_neither_pygls_nor_any_of_the_compiler():
    result = subprocess.run([sys.executable, "-c", HANDSHAKE_PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
