"""A local stand-in for the KFP 2.x REST API (not a real KFP server): answers the calls
`kfp.Client.create_run_from_pipeline_package` makes, and records each one."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class KfpApiStandIn:
    def __init__(self, experiments: list[dict] | None = None, fail_runs: bool = False):
        self.calls: list[dict] = []
        self.experiments = list(experiments or [])
        self.fail_runs = fail_runs
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlparse(self.path)
                call = {
                    "method": self.command,
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "body": json.loads(raw) if raw else None,
                }
                standin.calls.append(call)
                return call

            def do_GET(self):
                call = self._record()
                if call["path"].endswith("/healthz"):
                    return self._answer(200, {"multi_user": False})
                if call["path"].endswith("/experiments"):
                    return self._answer(200, {"experiments": standin.experiments})
                return self._answer(404, {"error": "not found"})

            def do_POST(self):
                call = self._record()
                if call["path"].endswith("/experiments"):
                    experiment = dict(call["body"], experiment_id="exp-1")
                    standin.experiments.append(experiment)
                    return self._answer(200, experiment)
                if call["path"].endswith("/runs"):
                    if standin.fail_runs:
                        return self._answer(400, {"error": "invalid pipeline spec", "code": 3})
                    return self._answer(200, dict(call["body"], run_id="run-42", state="PENDING"))
                return self._answer(404, {"error": "not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> KfpApiStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
