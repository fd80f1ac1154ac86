"""`ptflow serve`: a model served here with KServe's protocols, by KServe's own Python model server.

- v1: `GET /v1/models/<name>`, `POST /v1/models/<name>:predict` and `:explain`
  with `{"instances": [...]}` (explain also takes `"target"` and `"methods"`);
- v2: `GET /v2/models/<name>/ready`, `POST /v2/models/<name>/infer` with one
  input tensor (FP32/FP64/INT* for image and tabular models, BYTES for text).

What it serves: a `torch.train` model directory, a TorchScript file, a `.mar`
archive, or `serve.archive`'s output folder (`model-store/*.mar`); a `.mar` is
unpacked and run by the same runner as its TorchServe handler
(ptflow.stdlib.serving.inference), so both give the same answers.  A request
the model can't take gets 400 with the reason, never a 500.

kserve 0.21 binds its REST server to 0.0.0.0 unconditionally; `ptflow serve`
binds its own listening socket (127.0.0.1 unless told otherwise: every server
ptflow starts here listens on loopback by default; port 0 picks a free port)
and hands it to kserve's uvicorn.

A request body larger than the limit (`--max-request-mb`, 16 MB by default) is
answered 413 before it is read: parsing a JSON body takes about twenty times
its size in memory (one 50 MB request took 1 GB), so one request could
otherwise take the server down.  A declared Content-Length over the limit is
refused at once; a chunked body is counted as it arrives.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptflow.stdlib.serving.inference import MANIFEST, ModelLoadError, ModelRunner

log = logging.getLogger(__name__)


@dataclass
class Servable:
    """A model ready to serve: its name and loaded runner (which keeps no files open)."""

    name: str
    runner: ModelRunner


def load_servable(path: Path, name: str | None = None) -> Servable:
    """The model at `path` (see the module docstring), named `name` or after its archive or folder."""
    if not path.exists():
        raise ModelLoadError(f"nothing at {path}")
    if path.is_dir() and (path / "model-store").is_dir():
        path = _pick_archive(path / "model-store", name)
    elif path.is_dir() and not (path / MANIFEST).exists() and list(path.glob("*.mar")):
        path = _pick_archive(path, name)
    if path.suffix == ".mar":
        return _load_archive(path, name)
    default_name = path.stem if path.is_file() else path.name
    return Servable(name or _model_name(default_name), ModelRunner.load(path))


def _pick_archive(store: Path, name: str | None) -> Path:
    archives = sorted(store.glob("*.mar"))
    if name and (store / f"{name}.mar").is_file():
        return store / f"{name}.mar"
    if len(archives) != 1:
        raise ModelLoadError(
            f"{store} holds {len(archives)} .mar archives ({', '.join(a.name for a in archives)}); "
            "say which with --name"
        )
    return archives[0]


def _load_archive(mar: Path, name: str | None) -> Servable:
    # The runner reads everything into memory, so the unpacked archive can go at once.
    with tempfile.TemporaryDirectory(prefix="ptflow-serve-") as scratch_name:
        scratch = Path(scratch_name)
        try:
            with zipfile.ZipFile(mar) as packed:
                packed.extractall(scratch)
            manifest = json.loads((scratch / "MAR-INF" / "MANIFEST.json").read_text(encoding="utf-8"))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise ModelLoadError(f"{mar} is not a readable TorchServe archive: {error}") from None
        model = manifest.get("model", {})
        if (scratch / MANIFEST).is_file():
            runner = ModelRunner.load(scratch)
        elif model.get("modelFile"):
            raise ModelLoadError(
                f"{mar.name} holds an eager model ({model['modelFile']}) without ptflow's "
                "model description; serve it with TorchServe, or archive a TorchScript model"
            )
        else:
            runner = ModelRunner.load(scratch / model.get("serializedFile", "model.pt"))
    return Servable(name or model.get("modelName") or mar.stem, runner)


def _model_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-.") or "model"
    return "model" if cleaned in ("model_file", "model") else cleaned


# ------------------------------------------------------------------ the KServe model


def make_kserve_model(servable: Servable):
    """A kserve.Model answering v1 and v2 requests with the servable's runner."""
    import numpy as np
    from kserve import InferOutput, InferRequest, InferResponse, Model
    from kserve.errors import InvalidInput

    from ptflow.stdlib.serving.inference import BadRequest

    runner = servable.runner

    def v1_instances(payload: Any) -> list:
        if isinstance(payload, (bytes, bytearray)):  # sent without `Content-Type: application/json`
            try:
                payload = json.loads(payload)
            except ValueError as error:
                raise InvalidInput(f"the body is not JSON: {error}") from None
        if not isinstance(payload, dict):
            raise InvalidInput('a v1 request is a JSON object: {"instances": [...]}')
        if "instances" not in payload:
            raise InvalidInput('the request has no "instances": send {"instances": [sample, ...]}')
        return payload["instances"]

    def v2_instances(request: InferRequest) -> list:
        if len(request.inputs) != 1:
            raise InvalidInput(f"the request has {len(request.inputs)} inputs; this model takes one tensor")
        try:
            array = request.inputs[0].as_numpy()
        except InvalidInput:
            raise
        except (ValueError, TypeError) as error:
            raise InvalidInput(
                f"input {request.inputs[0].name!r}: its data doesn't fit its shape and datatype ({error})"
            ) from None
        if array.ndim == 0:
            raise InvalidInput(f"input {request.inputs[0].name!r} needs a batch dimension (shape [n, ...])")
        if runner.is_text:
            return [item.decode("utf-8") if isinstance(item, bytes) else item for item in array.reshape(-1)]
        return list(array)

    def v2_response(request: InferRequest, answers: list[dict]) -> InferResponse:
        outputs = []
        if answers and "probabilities" in answers[0]:
            probabilities = np.array([answer["probabilities"] for answer in answers], dtype=np.float32)
            index = np.array([answer["index"] for answer in answers], dtype=np.int64)
            for output_name, array, datatype in (("probabilities", probabilities, "FP32"), ("index", index, "INT64")):
                output = InferOutput(name=output_name, shape=list(array.shape), datatype=datatype)
                output.set_data_from_numpy(array, binary_data=False)
                outputs.append(output)
        else:
            array = np.array([answer["output"] for answer in answers], dtype=np.float32)
            output = InferOutput(name="output", shape=list(array.shape), datatype="FP32")
            output.set_data_from_numpy(array, binary_data=False)
            outputs.append(output)
        # The v2 protocol makes the request id optional, kserve's response model does not.
        return InferResponse(
            model_name=servable.name, infer_outputs=outputs, response_id=request.id or str(uuid.uuid4())
        )

    class PtflowModel(Model):
        def __init__(self) -> None:
            super().__init__(servable.name)
            self.ready = True

        def load(self) -> bool:
            self.ready = True
            return True

        def predict(self, payload: Any, headers: dict | None = None, response_headers: dict | None = None) -> Any:
            try:
                if isinstance(payload, InferRequest):
                    return v2_response(payload, runner.predict(v2_instances(payload)))
                return {"predictions": runner.predict(v1_instances(payload))}
            except BadRequest as error:
                raise InvalidInput(error.reason) from None

        def explain(self, payload: Any, headers: dict | None = None) -> Any:
            if isinstance(payload, InferRequest):
                raise InvalidInput("explanations use the v1 protocol: POST /v1/models/<name>:explain")
            try:
                target = payload.get("target") if isinstance(payload, dict) else None
                methods = payload.get("methods") if isinstance(payload, dict) else None
                return {"explanations": runner.explain(v1_instances(payload), target, methods)}
            except BadRequest as error:
                raise InvalidInput(error.reason) from None

    return PtflowModel()


# ------------------------------------------------------------------ the server


DEFAULT_MAX_REQUEST_MB = 16.0


def listen_on(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (port 0: a free one, which `getsockname()` then says); OSError if it can't be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    return listener


def serve(servable: Servable, listener: socket.socket, max_request_bytes: int) -> None:
    """Serve on the bound `listener` until SIGINT/SIGTERM.

    Call from a process's main thread (kserve installs signal handlers).
    """
    # kserve reads sys.argv with its own parser when imported; ours isn't meant for it.
    saved_argv, sys.argv = sys.argv, sys.argv[:1]
    try:
        from kserve import ModelServer
        from kserve import model_server as kserve_model_server
    finally:
        sys.argv = saved_argv
    _serve_rest_on(kserve_model_server, listener, max_request_bytes)
    model = make_kserve_model(servable)
    port = listener.getsockname()[1]
    ModelServer(http_port=port, enable_grpc=False, workers=1, enable_latency_logging=False).start([model])


def _serve_rest_on(kserve_model_server: Any, listener: socket.socket, max_request_bytes: int) -> None:
    """Make kserve's REST server serve on `listener` (0.21 binds 0.0.0.0 itself, in RESTServer.__init__),
    refuse bodies over `max_request_bytes` with 413, and answer bad requests the way ptflow does (400 with
    the reason, logged in one line)."""
    base = kserve_model_server.RESTServer

    class LoopbackRESTServer(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            host, port = listener.getsockname()[:2]
            self.config.host, self.config.port = host, port  # what uvicorn logs; it serves on `listener`

        async def start(self) -> None:
            self.create_application()
            await self._server.serve(sockets=[listener])

        def _add_middlewares(self, app: Any) -> None:
            super()._add_middlewares(app)
            app.add_middleware(RequestSizeLimit, max_bytes=max_request_bytes)  # outermost: before any reading

        def _add_exception_handlers(self, app: Any) -> None:
            super()._add_exception_handlers(app)
            _quiet_bad_request_logging(app)
            _answer_schema_errors_with_400(app)

    # ModelServer.start looks the class up in its module when it starts, so this is enough.
    kserve_model_server.RESTServer = LoopbackRESTServer


class _BodyTooLarge(Exception):
    """Raised from `receive` once a body has passed the limit; RequestSizeLimit answers 413."""


class RequestSizeLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413, and is not read (or no further)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, f"{int(declared):,} bytes declared")
            return
        received = 0
        started = False

        async def counting_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        async def noting_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, send, f"{received:,} bytes received so far")

    async def _refuse(self, scope: dict, send: Any, size: str) -> None:
        limit_mb = self.max_bytes / (1 << 20)
        reason = (
            f"the request body is larger than this server's limit of {limit_mb:g} MB ({size}); "
            "send fewer instances per request, or start `ptflow serve` with a larger --max-request-mb"
        )
        log.warning("413 %s %s: body over %s bytes", scope.get("method"), scope.get("path"), self.max_bytes)
        body = json.dumps({"error": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _quiet_bad_request_logging(app: Any) -> None:
    """A bad request is logged in one line: kserve logs a traceback for each, as if the server had failed."""
    from fastapi.responses import JSONResponse
    from kserve.errors import InvalidInput

    async def bad_request(request: Any, error: InvalidInput) -> JSONResponse:
        log.warning("400 %s %s: %s", request.method, request.url.path, error)
        return JSONResponse(status_code=400, content={"error": str(error)})

    app.add_exception_handler(InvalidInput, bad_request)


def _answer_schema_errors_with_400(app: Any) -> None:
    """A v2 body that doesn't fit the protocol's schema is a bad request (FastAPI says 422)."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    async def bad_request(request: Any, error: RequestValidationError) -> JSONResponse:
        problems = []
        for problem in error.errors():
            location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "InferenceRequest")]
            if location == ["bytes"]:
                continue  # the alternative "raw bytes body" reading, which never applies to JSON
            problems.append((".".join(location) + ": " if location else "") + str(problem.get("msg", "invalid")))
        reason = "; ".join(problems) or "the body does not follow the v2 inference protocol"
        return JSONResponse(status_code=400, content={"error": f"malformed v2 request: {reason}"})

    app.add_exception_handler(RequestValidationError, bad_request)
