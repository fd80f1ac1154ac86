"""`serve.predict`'s side of an inference call: the URL, the body, headers, waiting, and the record.

KServe v1: `POST <endpoint>/v1/models/<model>:predict` (or `:explain`) with
`{"instances": [...]}`; v2: `POST <endpoint>/v2/models/<model>/infer` with
`{"inputs": [...]}`, built from `instances` when the request gives those.
Optional `Host` header (a KServe service behind an ingress gateway) and
`Cookie` header (an authenticated Kubeflow, e.g. `authservice_session=...`).
Only the standard library's HTTP client is used.

Before the call it waits for the model to report ready (instead of the
samples' fixed `sleep 5` after deployment); the record of the call is two
Markdown documents, with the cookie's value left out.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ptflow.runtime.contract import StepError, UsageError

VERBS = ("predict", "explain")
PROTOCOLS = ("v1", "v2")
# Bodies longer than this are cut in the Markdown record (the JSON artifact keeps all of it).
RECORD_LIMIT = 20_000


@dataclass(frozen=True)
class Call:
    endpoint: str
    model_name: str
    verb: str = "predict"
    protocol: str = "v1"
    host: str | None = None
    cookie: str | None = None
    timeout_s: float = 60.0

    @property
    def url(self) -> str:
        base = self.endpoint.rstrip("/")
        if self.protocol == "v2":
            return f"{base}/v2/models/{self.model_name}/infer"
        return f"{base}/v1/models/{self.model_name}:{self.verb}"

    @property
    def ready_url(self) -> str:
        base = self.endpoint.rstrip("/")
        if self.protocol == "v2":
            return f"{base}/v2/models/{self.model_name}/ready"
        return f"{base}/v1/models/{self.model_name}"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.host:
            headers["Host"] = self.host
        if self.cookie:
            headers["Cookie"] = self.cookie
        return headers


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    elapsed_s: float

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def reason(self) -> str:
        decoded = self.json()
        if isinstance(decoded, dict):
            for key in ("error", "detail", "message"):
                if key in decoded:
                    return str(decoded[key])
        return self.body.strip()[:500] or "(empty body)"


def check_call(call: Call) -> None:
    if call.verb not in VERBS:
        raise UsageError(f"--verb {call.verb!r}: use predict or explain")
    if call.protocol not in PROTOCOLS:
        raise UsageError(f"--protocol {call.protocol!r}: use v1 or v2")
    if call.protocol == "v2" and call.verb == "explain":
        raise UsageError("the v2 protocol has no explain call; explain with protocol v1")
    if not call.endpoint.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint {call.endpoint!r}: give the service's http:// or https:// URL")
    if not call.model_name:
        raise UsageError("--model_name is empty: name the model the server serves (the archive's name)")


def request_body(call: Call, request: Any) -> dict:
    """The JSON body to send: `request` as given, or for v2 the `instances` turned into one input tensor."""
    if not isinstance(request, dict):
        raise UsageError('--request must be a JSON object such as {"instances": [[...]]}')
    if call.protocol == "v1":
        if "instances" not in request:
            raise UsageError('--request: a v1 request needs "instances": {"instances": [sample, ...]}')
        return request
    if "inputs" in request:
        return request
    if "instances" not in request:
        raise UsageError('--request: a v2 request needs "inputs" (or "instances" to build them from)')
    return v2_body(request["instances"])


def v2_body(instances: Any) -> dict:
    """One v2 input tensor holding `instances` (numbers as FP32, strings as BYTES)."""
    import numpy as np

    if not isinstance(instances, list) or not instances:
        raise UsageError('--request: "instances" must be a non-empty list')
    if all(isinstance(item, str) for item in instances):
        return {"inputs": [{"name": "input-0", "shape": [len(instances)], "datatype": "BYTES", "data": instances}]}
    try:
        array = np.asarray(instances, dtype=np.float32)
    except (ValueError, TypeError):
        raise UsageError('--request: "instances" must be strings, or numbers in lists of equal length') from None
    return {
        "inputs": [
            {"name": "input-0", "shape": list(array.shape), "datatype": "FP32", "data": array.reshape(-1).tolist()}
        ]
    }


def send(call: Call, body: dict) -> Response:
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(call.url, data=data, headers=call.headers(), method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=call.timeout_s) as answer:
            text = answer.read().decode("utf-8", errors="replace")
            status = answer.status
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", errors="replace")
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        raise StepError(f"POST {call.url} failed: {getattr(error, 'reason', error)}") from None
    return Response(status, text, time.perf_counter() - started)


def wait_until_ready(call: Call, timeout_s: float, check_server: Callable[[], None] | None = None) -> None:
    """Poll the model's readiness URL until it answers 200; StepError with the last answer after `timeout_s`.

    `check_server` (a local server's liveness check) is called between polls, to fail at
    once when the server has exited instead of waiting out the timeout.
    """
    deadline = time.monotonic() + timeout_s
    pause, last = 0.25, "no answer"
    headers = {key: value for key, value in call.headers().items() if key != "Content-Type"}
    while True:
        request = urllib.request.Request(call.ready_url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=min(10.0, max(1.0, timeout_s))) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}: {error.read().decode('utf-8', errors='replace')[:200]}"
        except (urllib.error.URLError, OSError) as error:
            last = str(getattr(error, "reason", error))
        if check_server is not None:
            check_server()
        if time.monotonic() + pause > deadline:
            raise StepError(
                f"model `{call.model_name}` at {call.endpoint} was not ready after {timeout_s:g} s "
                f"(GET {call.ready_url}: {last})"
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 3.0)


# ------------------------------------------------------------------ the record


def request_markdown(call: Call, body: dict) -> str:
    lines = [
        f"# {call.verb.capitalize()} request",
        "",
        f"`POST {call.url}` (KServe {call.protocol} protocol)",
        "",
        "| header | value |",
        "| --- | --- |",
    ]
    for key, value in call.headers().items():
        shown = f"(set, {len(value)} characters; not recorded)" if key == "Cookie" else value
        lines.append(f"| {key} | {_cell(shown)} |")
    return "\n".join(lines + ["", *_json_block(body)]) + "\n"


def response_markdown(call: Call, response: Response) -> str:
    lines = [
        f"# {call.verb.capitalize()} response",
        "",
        f"HTTP **{response.status}** from `{call.url}` in {response.elapsed_s * 1000:.0f} ms",
        "",
    ]
    decoded = response.json()
    if decoded is None:
        text = response.body if len(response.body) <= RECORD_LIMIT else response.body[:RECORD_LIMIT] + "\n..."
        lines += ["```", text, "```"]
    else:
        lines += _json_block(decoded)
    return "\n".join(lines) + "\n"


def _json_block(value: Any) -> list[str]:
    text = json.dumps(value, indent=2)
    note = []
    if len(text) > RECORD_LIMIT:
        note = ["", f"(cut at {RECORD_LIMIT} of {len(text)} characters)"]
        text = text[:RECORD_LIMIT] + "\n..."
    return ["```json", text, "```", *note]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
