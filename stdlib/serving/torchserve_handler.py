"""The TorchServe handler of ptflow's model archives (`serve.archive` with handler `ptflow`).

JSON in, JSON out, with explanations: it answers TorchServe's own API
(`POST /predictions/<model>` and `/explanations/<model>`, one request per body)
and KServe's v1 protocol through TorchServe's KServe envelope (`:predict` and
`:explain`, the instances already unpacked).  The work is done by
`ptflow_inference` (ptflow.stdlib.serving.inference), packed next to this file,
so TorchServe and `ptflow serve` give the same answers.

A body is `{"instances": [...], "target": ...}` (answered with `predictions`
or `explanations`), a single instance (answered with one prediction), or a
PNG/JPEG image's bytes (one image instance).  A
request the model can't take gets HTTP 400 with the reason.

TorchServe loads the one class this file defines; keep it the only one.
"""

from __future__ import annotations

import json
import logging
from typing import Any

try:  # inside a .mar, the runner is packed next to this handler
    from ptflow_inference import IMAGE_SIGNATURES, BadRequest, ModelRunner
except ImportError:  # imported from an installed ptflow (tests, `ptflow serve`)
    from ptflow.stdlib.serving.inference import IMAGE_SIGNATURES, BadRequest, ModelRunner

log = logging.getLogger(__name__)


class PtflowHandler:
    """Loads the archive's model once per worker; answers each request of a batch on its own."""

    def __init__(self) -> None:
        self.runner: Any = None
        self.initialized = False

    def initialize(self, context: Any) -> None:
        self.runner = ModelRunner.load(context.system_properties["model_dir"])
        self.initialized = True

    def handle(self, data: list, context: Any) -> list:
        explain = _is_explain(context)
        if data and all(isinstance(row, dict) and ("body" in row or "data" in row) for row in data):
            # TorchServe's own API: each row is one HTTP request.
            return [
                self._answer_request(index, row.get("data", row.get("body")), explain, context)
                for index, row in enumerate(data)
            ]
        # TorchServe's KServe envelope has already unpacked one request's instances; it wraps
        # the list it gets back in {"predictions": ...} or {"explanations": ...}.
        try:
            return self.runner.explain(data) if explain else self.runner.predict(data)
        except BadRequest as error:
            context.set_response_status(400, error.reason, 0)
            return [{"error": error.reason}]

    def _answer_request(self, index: int, body: Any, explain: bool, context: Any) -> Any:
        try:
            payload = _decode(body)
            if isinstance(payload, dict) and "instances" in payload:
                if explain:
                    return {
                        "explanations": self.runner.explain(
                            payload["instances"], payload.get("target"), payload.get("methods")
                        )
                    }
                return {"predictions": self.runner.predict(payload["instances"])}
            answers = self.runner.explain([payload]) if explain else self.runner.predict([payload])
            return answers[0]
        except BadRequest as error:
            context.set_response_status(400, error.reason, index)
            return {"error": error.reason}


def _decode(body: Any) -> Any:
    """A request body as JSON data (TorchServe hands JSON over decoded, other bodies as bytes); the bytes
    of a PNG or JPEG body stay bytes, one image instance, as TorchServe's image handlers take them."""
    if isinstance(body, (bytes, bytearray)) and bytes(body[:8]).startswith(IMAGE_SIGNATURES):
        return bytes(body)
    if isinstance(body, (bytes, bytearray)):
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise BadRequest(f"the body is not JSON: {error}") from None
    return body


def _is_explain(context: Any) -> bool:
    try:
        return context.get_request_header(0, "explain") == "True"
    except (AttributeError, IndexError, KeyError, TypeError):
        return False
