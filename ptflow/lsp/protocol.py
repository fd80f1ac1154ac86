"""The JSON-RPC protocol of the language server: every request is answered, even one pygls cannot read.

pygls turns each incoming message into lsprotocol objects before any handler
runs.  When that fails (a position with line -1 or character 2^40, which LSP's
unsigned integers cannot hold) it logs the error and drops the message, so an
editor waiting for the answer waits forever.  Here such a request is answered
at once with JSON-RPC's "invalid params" error, naming what was wrong.  A
notification with unreadable params has no one to answer, and is dropped as
before (and logged).
"""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

# The most characters of the reason an error answer repeats.
_REASON_LIMIT = 200


class _Answered:
    """What an unreadable request becomes once it has been answered with an error: nothing to handle."""

    jsonrpc = None


ANSWERED = _Answered()


class AnsweringProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if not (isinstance(data, dict) and "method" in data and "id" in data):
                raise  # a notification or a response: nothing to answer
            reason = _innermost(error)
            message = f"invalid params for {data['method']}: {reason}"[:_REASON_LIMIT]
            self._send_response(data["id"], error=JsonRpcInvalidParams(message).to_response_error())
            return ANSWERED

    def handle_message(self, message):
        if message is ANSWERED:
            return
        super().handle_message(message)


def _innermost(error: BaseException) -> str:
    """The message of the first leaf cause of a (possibly grouped) deserialization error."""
    seen = 0
    current: BaseException | None = error.__cause__ or error
    while current is not None and seen < 50:
        seen += 1
        nested = getattr(current, "exceptions", None)
        if nested:
            current = nested[0]
        elif current.__cause__ is not None:
            current = current.__cause__
        else:
            return str(current) or type(current).__name__
    return "unreadable"
