"""The JSON-RPC protocol of the language server: every request is answered, even one pygls cannot read.

pygls turns each incoming message into lsprotocol objects before any handler
runs.  When that fails (a position with line -1 or character 2^40, which LSP's
unsigned integers cannot hold) it logs the error and drops the message, so an
editor waiting for the answer waits forever.  Here such a request is answered
at once with JSON-RPC's "invalid params" error, naming what was wrong.  A
notification with unreadable params has no one to answer, and is dropped as
before (and logged).

It also finishes the early start (handshake.py): `initialize` was answered
before pygls was imported, and pygls reads the same message again to set
itself up; its answer to it is not sent twice.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

from ptflow.lsp.handshake import early_params

logger = logging.getLogger(__name__)

# The most characters of the reason an error answer repeats.
_REASON_LIMIT = 200


class _Answered:
    """What an unreadable request becomes once it has been answered with an error: nothing to handle."""

    jsonrpc = None


ANSWERED = _Answered()


class AnsweringProtocol(LanguageServerProtocol):
    # request id -> the answer the client already has (the early answer to `initialize`)
    answered_early: dict[Any, dict[str, Any]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answered_early = {}

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if self._is_answered_initialize(data):
                # Too late to refuse it: the client was told the server started.  Start from what the early
                # answer read (workspace, position encoding, options) rather than not at all.
                logger.error("can't read the client's initialize params (%s); using a part of them", _innermost(error))
                return super().structure_message({**data, "params": early_params(data["params"])})
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

    def _send_response(self, msg_id, result=None, error=None):
        early = self.answered_early.pop(msg_id, None) if msg_id is not None else None
        if early is None:
            super()._send_response(msg_id, result, error)
            return
        # pygls' own answer to the `initialize` already answered: not sent, only compared.
        mine = json.loads(json.dumps(result, default=self._serialize_message)) if error is None else None
        if mine != early:
            logger.warning("the early answer to initialize differs from pygls' own: %s, then %s", early, mine or error)

    def _is_answered_initialize(self, data: Any) -> bool:
        return (
            isinstance(data, dict)
            and data.get("method") == "initialize"
            and data.get("id") in self.answered_early
            and isinstance(data.get("params"), dict)
        )


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
