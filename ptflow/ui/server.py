"""The HTTP server of `ptflow ui`: the standard library's ThreadingHTTPServer, GET only, pages from pages.py.

Safe by construction:
- only GET (and HEAD) are answered; every other method gets 405;
- each request opens the store read-only and closes it (readonly.py);
- files are served only from inside the store (files.py), each with a
  sandboxing Content-Security-Policy, so an HTML artifact opened directly or
  in the page's iframe (sandboxed, without allow-same-origin) cannot script
  the page around it or read anything of this origin;
- the pages themselves allow only this server's own scripts and styles
  (`default-src 'self'`), and cannot be framed by another site;
- on loopback, a request must name a loopback Host (no DNS rebinding), and
  TensorBoard is not started by a request another site's page made.
"""

from __future__ import annotations

import re
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ptflow.runtime.runner.store import StoreError
from ptflow.ui import dag, pages
from ptflow.ui.readonly import ReadOnlyStore
from ptflow.ui.tensorboard import Boards

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)


def templates():
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    return environment


class UiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, store: str | Path, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True):
        self.store_dir = Path(store)
        ReadOnlyStore(self.store_dir).close()  # fail now, with the store's own message, if it is not one
        dag.load_compiler()  # now, not on the first run page (importing it costs more than checking a file)
        self.templates = templates()
        self.boards = Boards(str(self.store_dir))
        self.quiet = quiet
        self.loopback = is_loopback(host)
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def server_close(self) -> None:
        self.boards.stop_all()
        super().server_close()


_ROUTES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^/$"), "runs"),
    (re.compile(r"^/runs/(?P<run>[^/]+)$"), "run"),
    (re.compile(r"^/runs/(?P<run>[^/]+)/state\.json$"), "state"),
    (re.compile(r"^/runs/(?P<run>[^/]+)/steps/(?P<node>[^/]+)$"), "step"),
    (re.compile(r"^/executions/(?P<execution>\d+)$"), "execution"),
    (re.compile(r"^/executions/(?P<execution>\d+)/log$"), "log"),
    (re.compile(r"^/executions/(?P<execution>\d+)/log\.json$"), "log_json"),
    (re.compile(r"^/artifacts/(?P<artifact>\d+)$"), "artifact"),
    (re.compile(r"^/artifacts/(?P<artifact>\d+)/content$"), "artifact_content"),
    (re.compile(r"^/files/(?P<path>.+)$"), "file"),
    (re.compile(r"^/compare$"), "compare"),
    (re.compile(r"^/tensorboard/(?P<run>[^/]+)$"), "tensorboard"),
    (re.compile(r"^/static/(?P<name>[\w.-]+)$"), "static"),
]


class Handler(BaseHTTPRequestHandler):
    server: UiServer
    server_version = "ptflow-ui"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    # Only GET and HEAD: anything that could change something is refused.
    def do_POST(self):
        self._refuse()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def _refuse(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"ptflow ui is read-only: only GET\n",
            "text/plain; charset=utf-8",
            {"Allow": "GET, HEAD"},
        )

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        if not self._host_allowed():
            return self._error(HTTPStatus.BAD_REQUEST, "this server answers requests for its own address only", head)
        split = urlsplit(self.path)
        raw_path = split.path
        query = parse_qs(split.query)
        try:
            route, match = self._route(raw_path)
            if route is None:
                raise pages.NotFound("no such page")
            if route == "static":
                return self._static(match["name"], head)
            store = ReadOnlyStore(self.server.store_dir)
            try:
                result = self._dispatch(route, match, query, store)
            finally:
                store.close()
        except pages.NotFound as error:
            return self._error(HTTPStatus.NOT_FOUND, str(error), head)
        except pages.BadRequest as error:
            return self._error(HTTPStatus.BAD_REQUEST, str(error), head)
        except pages.Forbidden as error:
            return self._error(HTTPStatus.FORBIDDEN, str(error), head)
        except StoreError as error:
            return self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(error), head)
        except Exception:  # a bug: say so on the page and in the terminal, keep serving
            traceback.print_exc(file=sys.stderr)
            return self._error(
                HTTPStatus.INTERNAL_SERVER_ERROR, "ptflow ui failed on this page (see its terminal)", head
            )
        if isinstance(result, pages.Redirect):
            return self._send(HTTPStatus.FOUND, b"", "text/plain", {"Location": result.location}, head)
        if isinstance(result, pages.Raw):
            headers = dict(result.headers or {})
            headers.setdefault("Cache-Control", "no-store")
            return self._send(HTTPStatus.OK, result.body, result.content_type, headers, head)
        body = self._render(result.template, result.context)
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", {"Cache-Control": "no-store"}, head)

    def _host_allowed(self) -> bool:
        """On loopback, only requests addressed to loopback: a web page whose name was rebound to 127.0.0.1
        (DNS rebinding) sends its own name as Host, and must not read the store through this server."""
        if not self.server.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in ("127.0.0.1", "localhost", "[::1]") or name.startswith("127.")

    def _cross_site(self) -> bool:
        """A request another site's page made (an <img> or a link there): browsers say so in Sec-Fetch-Site."""
        return self.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none")

    def _route(self, raw_path: str):
        # Decoded per segment, after matching, so an encoded `/` (%2F) stays inside its segment.
        for pattern, name in _ROUTES:
            match = pattern.match(raw_path)
            if match:
                return name, {key: unquote(value) for key, value in match.groupdict().items()}
        return None, {}

    def _dispatch(self, route: str, match: dict, query: dict, store: ReadOnlyStore):
        if route == "runs":
            return pages.runs_list(store, query)
        if route == "run":
            return pages.run_page(store, match["run"])
        if route == "state":
            return pages.run_state(store, match["run"])
        if route == "step":
            return pages.step_page(store, match["run"], match["node"], query)
        if route == "execution":
            return pages.execution_redirect(store, int(match["execution"]))
        if route == "log":
            return pages.log_text(store, int(match["execution"]))
        if route == "log_json":
            return pages.log_tail(store, int(match["execution"]))
        if route == "artifact":
            return pages.artifact_page(store, int(match["artifact"]))
        if route == "artifact_content":
            return pages.artifact_content(store, int(match["artifact"]))
        if route == "file":
            return pages.store_file(store, match["path"])
        if route == "compare":
            return pages.compare_page(store, query)
        if route == "tensorboard":
            return self._tensorboard(store, match["run"], (query.get("step") or [None])[0])
        raise pages.NotFound("no such page")

    def _tensorboard(self, store: ReadOnlyStore, run_id: str, step: str | None) -> pages.Page:
        if self._cross_site():  # the one page that starts something: only from ptflow ui's own pages
            raise pages.Forbidden("TensorBoard is started from ptflow ui's own pages only")
        run = store.run(run_id)
        if run is None:
            raise pages.NotFound(f"no run {run_id!r} in this store")
        if step is not None and step not in {e["task"] for e in store.execution_states(run_id)}:
            raise pages.NotFound(f"run {run_id} has no step {step!r}")
        board, started = self.server.boards.start_or_reuse(run_id, step)
        problem = self.server.boards.failure(board) if started else None
        return pages.Page(
            "tensorboard.html",
            {
                "title": f"TensorBoard — {run_id}",
                "run": run,
                "run_url": pages.run_url(run_id),
                "url": board.url,
                "step": step,
                "started": started,
                "problem": problem,
            },
        )

    # ---------------------------------------------------------------- output
    def _render(self, template: str, context: dict) -> bytes:
        return self.server.templates.get_template(template).render(**context).encode("utf-8")

    def _static(self, name: str, head: bool) -> None:
        path = STATIC / name
        if not path.is_file():
            return self._error(HTTPStatus.NOT_FOUND, "no such file", head)
        kind = {
            ".css": "text/css; charset=utf-8",
            ".js": "text/javascript; charset=utf-8",
            ".svg": "image/svg+xml",
        }.get(path.suffix, "application/octet-stream")
        self._send(HTTPStatus.OK, path.read_bytes(), kind, {"Cache-Control": "max-age=300"}, head)

    def _error(self, status: HTTPStatus, message: str, head: bool) -> None:
        try:
            body = self._render(
                "error.html",
                {
                    "title": f"{status.value} {status.phrase}",
                    "status": status.value,
                    "phrase": status.phrase,
                    "message": message,
                },
            )
        except Exception:
            body = f"{status.value} {status.phrase}: {message}\n".encode()
        self._send(status, body, "text/html; charset=utf-8", {"Cache-Control": "no-store"}, head)

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, headers: dict | None = None, head: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        extra = dict(headers or {})
        extra.setdefault("Content-Security-Policy", PAGE_CSP)
        if "X-Frame-Options" not in extra and "sandbox" not in extra["Content-Security-Policy"]:
            extra["X-Frame-Options"] = "SAMEORIGIN"
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(store: str, host: str, port: int, out=sys.stderr) -> None:
    """Serve until Ctrl-C; prints the URL first (`ptflow ui` and the tests read it from there)."""
    server = UiServer(store, host, port, quiet=False)
    try:
        print(
            f"ptflow ui: serving {Path(store).resolve()} on {server.url} (read-only); Ctrl-C stops it",
            file=out,
            flush=True,
        )
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("ptflow ui: stopped", file=out, flush=True)
    finally:
        server.server_close()
