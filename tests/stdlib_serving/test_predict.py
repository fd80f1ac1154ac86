"""serve.predict for real: against `ptflow serve` (a subprocess), against an archive it serves itself,
and, to see the headers it sends, against a small recording HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from tests.runtime.steps import run_step
from tests.stdlib_serving.conftest import expected_probabilities, http_call


def predict(outputs, *arguments, timeout=180):
    return run_step("serve.predict", *arguments, "--outputs-dir", outputs, timeout=timeout)


def test_predict_records_the_request_and_the_servers_answer(ptflow_server, tmp_path, in_process_model, digit_images):
    body = {"instances": digit_images[:3].tolist()}
    predict(
        tmp_path, "--endpoint", ptflow_server["base"], "--model_name", "digits", "--request", json.dumps(body)
    ).check()
    response = json.loads((tmp_path / "response").read_text())
    assert response == http_call(f"{ptflow_server['base']}/v1/models/digits:predict", json.dumps(body))[1]
    expected = expected_probabilities(in_process_model, digit_images[:3])
    torch.testing.assert_close(
        torch.tensor([p["probabilities"] for p in response["predictions"]]), expected, atol=1e-6, rtol=1e-5
    )

    request_md = (tmp_path / "request_markdown").read_text()
    assert f"`POST {ptflow_server['base']}/v1/models/digits:predict` (KServe v1 protocol)" in request_md
    assert json.loads(request_md.split("```json\n")[1].split("\n```")[0]) == body
    response_md = (tmp_path / "response_markdown").read_text()
    assert response_md.startswith("# Predict response")
    assert "HTTP **200**" in response_md
    assert json.loads(response_md.split("```json\n")[1].split("\n```")[0]) == response


def test_explain_from_a_request_file(ptflow_server, tmp_path, digit_images):
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps({"instances": digit_images[:2].reshape(2, 64).tolist()}))
    predict(
        tmp_path / "out",
        "--endpoint",
        ptflow_server["base"],
        "--model_name",
        "digits",
        "--verb",
        "explain",
        "--request_file",
        request_file,
    ).check()
    explanations = json.loads((tmp_path / "out" / "response").read_text())["explanations"]
    assert [len(e["attributions"]) for e in explanations] == [64, 64]


def test_v2_requests_are_built_from_instances(ptflow_server, tmp_path, in_process_model, digit_images):
    predict(
        tmp_path,
        "--endpoint",
        ptflow_server["base"],
        "--model_name",
        "digits",
        "--protocol",
        "v2",
        "--request",
        json.dumps({"instances": digit_images[:2].tolist()}),
    ).check()
    sent = (tmp_path / "request_markdown").read_text()
    assert "/v2/models/digits/infer" in sent and '"datatype": "FP32"' in sent
    outputs = {o["name"]: o for o in json.loads((tmp_path / "response").read_text())["outputs"]}
    assert outputs["probabilities"]["shape"] == [2, 10]
    torch.testing.assert_close(
        torch.tensor(outputs["probabilities"]["data"]).reshape(2, 10),
        expected_probabilities(in_process_model, digit_images[:2]),
        atol=1e-6,
        rtol=1e-5,
    )


def test_a_malformed_request_fails_the_step_with_the_servers_reason(ptflow_server, tmp_path):
    result = predict(
        tmp_path,
        "--endpoint",
        ptflow_server["base"],
        "--model_name",
        "digits",
        "--request",
        '{"instances": [[0.5, 0.5]]}',
    )
    assert result.returncode == 1
    assert "answered HTTP 400: instance 0 has 2 values; the model takes 64" in result.stderr
    assert "HTTP **400**" in (tmp_path / "response_markdown").read_text()  # recorded all the same


def test_an_archive_is_served_here_for_the_call(digits_archive, tmp_path, in_process_model, digit_images):
    predict(
        tmp_path, "--archive", digits_archive, "--request", json.dumps({"instances": digit_images[:1].tolist()})
    ).check()
    (prediction,) = json.loads((tmp_path / "response").read_text())["predictions"]
    torch.testing.assert_close(
        torch.tensor(prediction["probabilities"]),
        expected_probabilities(in_process_model, digit_images[:1])[0],
        atol=1e-6,
        rtol=1e-5,
    )
    assert "/v1/models/digits:predict" in (tmp_path / "request_markdown").read_text()


class RecordingServer:
    """An HTTP server on 127.0.0.1 that records each request and answers like a KServe v1 model server.

    `ready_after` readiness checks answer 503 first (a service still rolling out)."""

    def __init__(self, ready_after: int = 0):
        self.requests: list[dict] = []
        self.readiness_checks = 0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                recorder.readiness_checks += 1
                if recorder.readiness_checks <= ready_after:
                    self._answer(503, {"error": "Model with name m is not ready."})
                else:
                    self._answer(200, {"name": "m", "ready": True})

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self._answer(200, {"predictions": [0] * len(body.get("instances", []))})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_host_and_cookie_headers_are_sent_and_the_cookie_is_not_recorded(tmp_path):
    server = RecordingServer(ready_after=2)
    try:
        predict(
            tmp_path,
            "--endpoint",
            server.url,
            "--model_name",
            "m",
            "--host",
            "m.team-a.example.com",
            "--cookie",
            "authservice_session=secret-token",
            "--request",
            '{"instances": [[1, 2]]}',
        ).check()
    finally:
        server.close()
    assert server.readiness_checks == 3  # waited through two 503s
    (sent,) = server.requests
    assert sent["path"] == "/v1/models/m:predict"
    assert sent["headers"]["Host"] == "m.team-a.example.com"
    assert sent["headers"]["Cookie"] == "authservice_session=secret-token"
    assert sent["body"] == {"instances": [[1, 2]]}
    recorded = (tmp_path / "request_markdown").read_text()
    assert "| Host | m.team-a.example.com |" in recorded
    assert "secret-token" not in recorded and "| Cookie | (set, 32 characters; not recorded) |" in recorded


def test_a_model_that_never_gets_ready_times_out(tmp_path):
    server = RecordingServer(ready_after=10_000)
    try:
        result = predict(
            tmp_path,
            "--endpoint",
            server.url,
            "--model_name",
            "m",
            "--timeout",
            "2",
            "--request",
            '{"instances": [[1]]}',
        )
    finally:
        server.close()
    assert result.returncode == 1
    assert "model `m` at" in result.stderr and "was not ready after 2 s" in result.stderr
    assert "HTTP 503" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--model_name", "m", "--request", "{}"], "give exactly one of --endpoint"),
        (["--endpoint", "http://x", "--archive", ".", "--request", "{}"], "give exactly one of --endpoint"),
        (["--endpoint", "http://x", "--model_name", "m"], "give exactly one of --request"),
        (
            ["--endpoint", "http://x", "--model_name", "m", "--request", "{}", "--verb", "explain", "--protocol", "v2"],
            "the v2 protocol has no explain call",
        ),
        (
            ["--endpoint", "x.example.com", "--model_name", "m", "--request", '{"instances": [1]}'],
            "give the service's http:// or https:// URL",
        ),
        (["--endpoint", "http://x", "--model_name", "m", "--request", '{"data": 1}'], 'a v1 request needs "instances"'),
        (["--endpoint", "http://x", "--request", '{"instances": [1]}'], "--model_name: name the model"),
    ],
)
def test_bad_inputs_fail_before_any_call(tmp_path, arguments, expected):
    result = predict(tmp_path, *arguments)
    assert result.returncode == 2
    assert expected in result.stderr
