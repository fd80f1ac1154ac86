"""The start of an LSP session, answered before pygls is imported.

Importing pygls (with lsprotocol and cattrs) takes most of the server's start,
and an editor waits for the answer to `initialize` before it sends anything
else.  So `ptflow lsp` reads the first messages itself, with the small reader
below (LSP's framing: `Content-Length` headers, a blank line, a JSON body),
and answers `initialize` at once with the capabilities of capabilities.py.
Then it imports pygls and hands it the stream with the `initialize` message
put back in front (`Replay`): pygls handles it as if it were the first to
read it (workspace folders, client capabilities, the position encoding), and
the protocol drops pygls' own answer, which the client already has
(`AnsweringProtocol` in protocol.py).

Before `initialize`, LSP says: a request is answered with the error
"server not initialized" (-32002), a notification is dropped, and `exit`
ends the server (with exit code 1: no `shutdown` came first).  A body that
isn't JSON is answered with JSON-RPC's parse error; a header without a
`Content-Length` can't be answered (nothing says where its body ends) and
is skipped.  An `initialize` whose params this module can't read with
certainty is left for pygls to answer, so the client gets pygls' own error.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import Any, BinaryIO

from ptflow.lsp.capabilities import initialize_result

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
SERVER_NOT_INITIALIZED = -32002
# The most bytes a message before `initialize` may announce (a real one is a few kilobytes).
MAX_BODY_BYTES = 64 * 1024 * 1024


class FramingError(Exception):
    """A header block the reader can't take a message from."""


@dataclass(frozen=True)
class Handshake:
    """How the session started, for the server to carry on from."""

    initialize: bytes | None = None  # the `initialize` message, framed, for pygls to read first
    answer: dict[str, Any] | None = None  # the answer already sent to it (None: pygls is to answer it)
    answered_id: int | str | None = None  # the id of the `initialize` request answered
    exit_code: int | None = None  # set when the client left before `initialize`: end with this code


def read_body(stream: BinaryIO) -> bytes | None:
    """The body of the next message on `stream`; None at the end of the stream.

    Raises FramingError for a header block without a usable `Content-Length`."""
    length: int | None = None
    problem = None
    seen_header = False
    while True:
        line = stream.readline()
        if not line:
            return None
        header = line.strip()
        if not header:
            if not seen_header:
                continue  # a blank line between messages
            if problem or length is None:
                raise FramingError(problem or "a message without a Content-Length header")
            break
        seen_header = True
        name, colon, value = header.partition(b":")
        if not colon:
            problem = f"a header line that is not `Name: value`: {header[:80]!r}"
        elif name.strip().lower() == b"content-length":
            text = value.strip()
            if not text.isdigit() or int(text) > MAX_BODY_BYTES:
                problem = f"an unusable Content-Length: {text[:40]!r}"
            else:
                length = int(text)
    body = stream.read(length)
    return body if len(body) == length else None


def frame(body: bytes) -> bytes:
    """`body` as one LSP message (the header pygls writes and reads)."""
    return b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(body) + body


def send(stdout: BinaryIO, message: dict[str, Any]) -> None:
    stdout.write(frame(json.dumps(message).encode("utf-8")))
    stdout.flush()


def send_error(stdout: BinaryIO, message_id: Any, code: int, text: str) -> None:
    send(stdout, {"jsonrpc": "2.0", "id": message_id, "error": {"code": code, "message": text}})


def start_session(stdin: BinaryIO, stdout: BinaryIO) -> Handshake:
    """Read messages until `initialize`, answer it, and say how to carry on (see the module's doc)."""
    while True:
        try:
            body = read_body(stdin)
        except FramingError as error:
            logger.warning("skipped a message before initialize: %s", error)
            continue
        if body is None:
            return Handshake(exit_code=0)  # the client closed the stream: nothing to serve
        try:
            message = json.loads(body)
        except (ValueError, RecursionError) as error:
            send_error(stdout, None, PARSE_ERROR, f"the message is not JSON: {error}")
            continue
        if not isinstance(message, dict) or not isinstance(message.get("method"), str):
            if isinstance(message, dict) and "id" in message and "result" not in message and "error" not in message:
                send_error(stdout, message["id"], INVALID_REQUEST, "a request needs a `method`")
            continue  # a response, or something without an id to answer
        method, is_request = message["method"], "id" in message
        if method == "initialize" and is_request:
            initialize = frame(body)
            if not (_is_id(message["id"]) and readable_initialize_params(message.get("params"))):
                return Handshake(initialize=initialize)
            answer = initialize_result(message["params"])
            send(stdout, {"jsonrpc": "2.0", "id": message["id"], "result": answer})
            return Handshake(initialize=initialize, answer=answer, answered_id=message["id"])
        if method == "exit" and not is_request:
            return Handshake(exit_code=1)
        if is_request:
            send_error(
                stdout,
                message["id"],
                SERVER_NOT_INITIALIZED,
                f"the server is not initialized: {method} before initialize",
            )
        # A notification before `initialize` is dropped, as LSP says.


def readable_initialize_params(params: Any) -> bool:
    """Whether the params are an `InitializeParams` as far as the early answer and pygls' start read them."""
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return False
    if "processId" not in params or not _is(params["processId"], int):
        return False
    if not (_is(params.get("rootUri"), str) and _is(params.get("rootPath"), str)):
        return False
    folders = params.get("workspaceFolders")
    if folders is not None and not (
        isinstance(folders, list)
        and all(
            isinstance(f, dict) and isinstance(f.get("uri"), str) and isinstance(f.get("name"), str) for f in folders
        )
    ):
        return False
    capabilities = params["capabilities"]
    general = capabilities.get("general")
    text_document = capabilities.get("textDocument")
    if not (_is(general, dict) and _is(text_document, dict)):
        return False
    encodings = (general or {}).get("positionEncodings")
    if encodings is not None and not (isinstance(encodings, list) and all(isinstance(e, str) for e in encodings)):
        return False
    rename = (text_document or {}).get("rename")
    synchronization = (text_document or {}).get("synchronization")
    if not (_is(rename, dict) and _is(synchronization, dict)):
        return False
    flags = [(rename or {}).get("prepareSupport")]
    flags += [(synchronization or {}).get(name) for name in ("willSave", "willSaveWaitUntil")]
    return all(_is(flag, bool) for flag in flags)


def _is_id(value: Any) -> bool:
    """Whether `value` is a request id JSON-RPC allows (a number or a string)."""
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _is(value: Any, kind: type) -> bool:
    """`value` is absent (None) or of `kind` (a bool is not an int here, as JSON sees it)."""
    if value is None:
        return True
    if kind is int and isinstance(value, bool):
        return False
    return isinstance(value, kind)


def early_params(params: dict[str, Any]) -> dict[str, Any]:
    """What of `initialize`'s params the early answer read, and pygls' start needs: for pygls to start from
    when it can't read the whole (a client capability of a shape lsprotocol refuses)."""
    capabilities = params["capabilities"]
    text_document = capabilities.get("textDocument") or {}
    kept_text_document = {key: text_document[key] for key in ("rename", "synchronization") if key in text_document}
    kept: dict[str, Any] = {
        key: params[key] for key in ("processId", "rootUri", "rootPath", "workspaceFolders") if key in params
    }
    kept["initializationOptions"] = params.get("initializationOptions")
    kept["capabilities"] = {
        "general": {"positionEncodings": (capabilities.get("general") or {}).get("positionEncodings")}
    }
    if kept_text_document:
        kept["capabilities"]["textDocument"] = kept_text_document
    return kept


class Replay:
    """A stream that reads `first` and then `rest`: stdin with the `initialize` message put back in front
    (pygls reads with `readline()` and `read(n)` only)."""

    def __init__(self, first: bytes, rest: BinaryIO):
        self._first = io.BytesIO(first)
        self._rest = rest

    def readline(self) -> bytes:
        return self._first.readline() or self._rest.readline()

    def read(self, size: int) -> bytes:
        data = self._first.read(size)
        if len(data) < size:
            data += self._rest.read(size - len(data))
        return data
