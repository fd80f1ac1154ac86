"""A local stand-in for the Kubernetes API server, for the steps that create custom resources.

No cluster runs here, so `serve.deploy` and `distributed.pytorchjob` are tested
against this: a real HTTP server on 127.0.0.1 that speaks the part of the
API the kubernetes Python client uses for namespaced custom objects
(create, get, replace, delete, with Kubernetes' Status errors), records
every call, and plays the controller: a scripted sequence of statuses that
an object shows on successive reads (e.g. not ready, not ready, ready).
A kubeconfig pointing at it makes the real client connect to it.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

OBJECT_PATH = re.compile(
    r"^/apis/(?P<group>[^/]+)/(?P<version>[^/]+)/namespaces/(?P<namespace>[^/]+)/"
    r"(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?$"
)


@dataclass
class Call:
    method: str
    path: str
    body: Any
    query: str = ""


@dataclass
class StandIn:
    """The server's state: objects by (plural, namespace, name), calls, and status scripts by plural."""

    objects: dict = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # plural -> statuses shown on the 1st, 2nd, ... read after creation (the last one repeats).
    status_script: dict[str, list[dict]] = field(default_factory=dict)
    reads: dict = field(default_factory=dict)
    # method -> (HTTP status, reason, message): answer every such call with that error.
    refusals: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def add_object(self, plural: str, obj: dict) -> None:
        """An object that exists before the step runs (to test replacing)."""
        with self.lock:
            self.version += 1
            stored = copy.deepcopy(obj)
            stored["metadata"]["resourceVersion"] = str(self.version)
            key = (plural, obj["metadata"]["namespace"], obj["metadata"]["name"])
            self.objects[key] = stored

    def write_kubeconfig(self, path: Path, namespace: str = "team-a") -> Path:
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "standin",
                    "clusters": [{"name": "standin", "cluster": {"server": self.url}}],
                    "users": [{"name": "tester", "user": {"token": "standin-token"}}],
                    "contexts": [
                        {"name": "standin", "context": {"cluster": "standin", "user": "tester", "namespace": namespace}}
                    ],
                }
            ),
            encoding="utf-8",
        )
        return path


def start(status_script: dict[str, list[dict]] | None = None) -> StandIn:
    state = StandIn(status_script=status_script or {})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length)) if length else None

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _status_error(self, code: int, reason: str, message: str) -> None:
            self._reply(
                code,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "message": message,
                    "reason": reason,
                    "code": code,
                },
            )

        def _handle(self, method: str) -> None:
            path, _, query = self.path.partition("?")
            body = self._body() if method in ("POST", "PUT", "PATCH", "DELETE") else None
            with state.lock:
                state.calls.append(Call(method, path, body, query))
            if method in state.refusals:
                self._status_error(*state.refusals[method])
                return
            match = OBJECT_PATH.match(path)
            if not match:
                self._status_error(404, "NotFound", f"the server could not find the requested resource ({path})")
                return
            plural, namespace, name = match["plural"], match["namespace"], match["name"]
            with state.lock:
                getattr(self, f"_{method.lower()}")(plural, namespace, name, body)

        def _post(self, plural: str, namespace: str, name: str | None, body: dict) -> None:
            key = (plural, namespace, body["metadata"]["name"])
            if key in state.objects:
                self._status_error(409, "AlreadyExists", f'{plural} "{key[2]}" already exists')
                return
            state.version += 1
            stored = copy.deepcopy(body)
            stored["metadata"].update(resourceVersion=str(state.version), uid=f"uid-{state.version}")
            state.objects[key] = stored
            state.reads[key] = 0
            self._reply(201, stored)

        def _get(self, plural: str, namespace: str, name: str | None, body: Any) -> None:
            key = (plural, namespace, name)
            if key not in state.objects:
                self._status_error(404, "NotFound", f'{plural} "{name}" not found')
                return
            script = state.status_script.get(plural)
            if script:
                count = state.reads.get(key, 0)
                state.objects[key]["status"] = copy.deepcopy(script[min(count, len(script) - 1)])
                state.reads[key] = count + 1
            self._reply(200, state.objects[key])

        def _put(self, plural: str, namespace: str, name: str | None, body: dict) -> None:
            key = (plural, namespace, name)
            current = state.objects.get(key)
            if current is None:
                self._status_error(404, "NotFound", f'{plural} "{name}" not found')
                return
            if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
                self._status_error(
                    409,
                    "Conflict",
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
                return
            state.version += 1
            stored = copy.deepcopy(body)
            stored["metadata"]["resourceVersion"] = str(state.version)
            state.objects[key] = stored
            state.reads[key] = 0
            self._reply(200, stored)

        def _delete(self, plural: str, namespace: str, name: str | None, body: Any) -> None:
            key = (plural, namespace, name)
            if state.objects.pop(key, None) is None:
                self._status_error(404, "NotFound", f'{plural} "{name}" not found')
                return
            self._reply(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    return state


def stop(state: StandIn) -> None:
    state.server.shutdown()
    state.server.server_close()
