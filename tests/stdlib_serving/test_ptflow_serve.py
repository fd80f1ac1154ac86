"""`ptflow serve` as a real subprocess: KServe's Python model server with ptflow's model runner.

What a user checks: predictions equal the model's own in this process, over
v1 and v2; explanations have one attribution per input feature; the server
listens on 127.0.0.1 only; every malformed request gets 400 with a reason,
never 500; bad command lines fail fast with a message.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from tests.stdlib_serving.conftest import expected_probabilities
from tests.stdlib_serving.conftest import http_call as request


def listening_addresses(port: int) -> set[str]:
    """Local addresses in LISTEN state on `port`, from /proc/net/tcp and tcp6 (hex, as the kernel writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":
                found.add(address)
    return found


def test_it_listens_on_loopback_only(ptflow_server):
    assert listening_addresses(ptflow_server["port"]) == {"0100007F"}  # 127.0.0.1


def test_v1_predictions_equal_the_in_process_models(ptflow_server, in_process_model, digit_images):
    status, answer = request(
        f"{ptflow_server['base']}/v1/models/digits:predict", json.dumps({"instances": digit_images.tolist()})
    )
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images)
    got = torch.tensor([prediction["probabilities"] for prediction in answer["predictions"]])
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    assert [p["index"] for p in answer["predictions"]] == expected.argmax(dim=1).tolist()


def test_flat_instances_are_read_in_the_models_input_shape(ptflow_server, in_process_model, digit_images):
    status, answer = request(
        f"{ptflow_server['base']}/v1/models/digits:predict",
        json.dumps({"instances": digit_images.reshape(8, 64).tolist()}),
    )
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images)
    torch.testing.assert_close(
        torch.tensor([p["probabilities"] for p in answer["predictions"]]), expected, atol=1e-6, rtol=1e-5
    )


def test_v2_inference_equals_the_in_process_model(ptflow_server, in_process_model, digit_images):
    assert request(f"{ptflow_server['base']}/v2/models/digits/ready")[0] == 200
    body = {
        "id": "req-1",
        "inputs": [
            {"name": "images", "shape": [8, 1, 8, 8], "datatype": "FP32", "data": digit_images.reshape(-1).tolist()}
        ],
    }
    status, answer = request(f"{ptflow_server['base']}/v2/models/digits/infer", json.dumps(body))
    assert status == 200 and answer["id"] == "req-1"
    outputs = {output["name"]: output for output in answer["outputs"]}
    assert outputs["probabilities"]["shape"] == [8, 10]
    got = torch.tensor(outputs["probabilities"]["data"]).reshape(8, 10)
    expected = expected_probabilities(in_process_model, digit_images)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    assert outputs["index"]["data"] == expected.argmax(dim=1).tolist()
    del body["id"]  # optional in the protocol
    status, answer = request(f"{ptflow_server['base']}/v2/models/digits/infer", json.dumps(body))
    assert status == 200 and answer["id"]


def test_explanations_have_one_attribution_per_input_feature(ptflow_server, in_process_model, digit_images):
    images = digit_images[:3]
    status, answer = request(
        f"{ptflow_server['base']}/v1/models/digits:explain", json.dumps({"instances": images.reshape(3, 64).tolist()})
    )
    assert status == 200
    explanations = answer["explanations"]
    assert len(explanations) == 3
    with torch.no_grad():
        logits = in_process_model(images)
        baseline = in_process_model(torch.zeros(1, 1, 8, 8))
    for index, explanation in enumerate(explanations):
        assert explanation["method"] == "integrated_gradients"
        attributions = torch.tensor(explanation["attributions"])
        assert attributions.shape == (64,)  # flat instance in, flat attributions out
        target = explanation["target"]
        assert target == int(logits[index].argmax())
        change = float(logits[index, target] - baseline[0, target])
        assert float(attributions.sum()) == pytest.approx(change, abs=abs(explanation["delta"]) + 1e-4)


def test_explaining_another_target_class(ptflow_server, digit_images):
    status, answer = request(
        f"{ptflow_server['base']}/v1/models/digits:explain",
        json.dumps({"instances": digit_images[:1].tolist(), "target": 3}),
    )
    assert status == 200
    assert answer["explanations"][0]["target"] == 3 and answer["explanations"][0]["label"] == "3"


MALFORMED = {
    "not JSON": ("v1/models/digits:predict", "{not json", "Unrecognized request format"),
    "no instances": ("v1/models/digits:predict", '{"data": [1, 2]}', 'has no "instances"'),
    "instances not a list": ("v1/models/digits:predict", '{"instances": 5}', "to be a list"),
    "empty instances": ("v1/models/digits:predict", '{"instances": []}', "`instances` is empty"),
    "wrong size": (
        "v1/models/digits:predict",
        '{"instances": [[0.1, 0.2, 0.3]]}',
        "instance 0 has 3 values; the model takes 64",
    ),
    "not numbers": (
        "v1/models/digits:predict",
        json.dumps({"instances": [["a"] * 64]}),
        "instance 0 is not an array of numbers",
    ),
    "ragged": (
        "v1/models/digits:predict",
        '{"instances": [[[0.1], [0.2, 0.3]]]}',
        "instance 0 is not an array of numbers",
    ),
    "bad target": (
        "v1/models/digits:explain",
        json.dumps({"instances": [[0.1] * 64], "target": 12}),
        "`target` 12 is not a class index",
    ),
    "a JSON array body": ("v1/models/digits:predict", "[1, 2, 3]", "a v1 request is a JSON object"),
    "v2 without inputs": ("v2/models/digits/infer", "{}", "malformed v2 request: inputs: Field required"),
    "v2 data that doesn't fit its shape": (
        "v2/models/digits/infer",
        '{"inputs": [{"name": "x", "shape": [1, 64], "datatype": "FP32", "data": [1]}]}',
        "its data doesn't fit its shape",
    ),
    "v2 with an unknown datatype": (
        "v2/models/digits/infer",
        '{"inputs": [{"name": "x", "shape": [1], "datatype": "FP99", "data": [1]}]}',
        "invalid datatype",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_request_gets_400_with_a_reason(ptflow_server, case):
    path, body, reason = MALFORMED[case]
    status, answer = request(f"{ptflow_server['base']}/{path}", body)
    assert status == 400, answer
    assert reason in answer["error"]


def test_the_server_still_answers_after_bad_requests(ptflow_server, digit_images):
    status, _ = request(f"{ptflow_server['base']}/v1/models/digits:predict", json.dumps({"instances": [[0.5] * 64]}))
    assert status == 200
    assert ptflow_server["process"].poll() is None
    assert "Traceback" not in ptflow_server["log"].read_text()


def test_an_unknown_model_is_404(ptflow_server):
    status, answer = request(f"{ptflow_server['base']}/v1/models/cifar:predict", '{"instances": [[0.1]]}')
    assert status == 404 and "cifar" in answer["error"]


def run_ptflow(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *arguments], capture_output=True, text=True, timeout=timeout)


def test_a_missing_model_fails_before_starting(tmp_path):
    result = run_ptflow("serve", str(tmp_path / "nothing"), "--port", "0")
    assert result.returncode == 1
    assert f"nothing at {tmp_path / 'nothing'}" in result.stderr


def test_a_port_in_use_fails_before_loading(ptflow_server, digits_archive):
    result = run_ptflow("serve", str(digits_archive), "--port", str(ptflow_server["port"]))
    assert result.returncode == 1
    assert "the port is in use" in result.stderr


# ---------------------------------------------------------------- request size limit


def raw_http(port: int, head: str, body_chunks=(), timeout: float = 30) -> tuple[int, dict]:
    """Send a request's head (and body chunks) over a plain socket; the status and JSON body of the answer.

    A socket, not urllib: the server may answer before the body has been sent, which is the point.
    """
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head.encode())
        try:
            for chunk in body_chunks:
                connection.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while the rest of the body was still coming
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body or b"null")


def post_head(path: str, content_length: int | None = None) -> str:
    length = f"Content-Length: {content_length}\r\n" if content_length is not None else "Transfer-Encoding: chunked\r\n"
    return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{length}\r\n"


def test_a_body_over_the_default_limit_gets_413_before_it_is_sent(ptflow_server):
    status, answer = raw_http(ptflow_server["port"], post_head("/v1/models/digits:predict", 50 << 20))
    assert status == 413
    assert "limit of 16 MB" in answer["error"] and "--max-request-mb" in answer["error"]
    assert ptflow_server["process"].poll() is None


@pytest.fixture(scope="module")
def small_limit_server(digits_archive, tmp_path_factory):
    from tests.stdlib_serving.conftest import start_ptflow_serve

    log = tmp_path_factory.mktemp("ptflow_serve_small") / "serve.log"
    process, base, port = start_ptflow_serve(digits_archive, log, "--max-request-mb", "0.5")
    yield {"base": base, "port": port, "process": process, "log": log}
    process.terminate()
    process.wait(timeout=30)


def test_the_limit_is_configurable_and_counts_a_chunked_body_as_it_arrives(small_limit_server):
    port = small_limit_server["port"]
    status, answer = raw_http(port, post_head("/v1/models/digits:predict", 600_000))
    assert status == 413 and "limit of 0.5 MB" in answer["error"]
    # No Content-Length: the body is counted as it comes, and refused once past the limit.
    chunk = b"[" + b"0.5," * 25_000 + b"0.5]"
    chunks = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(20)] + [b"0\r\n\r\n"]
    status, answer = raw_http(port, post_head("/v1/models/digits:predict"), chunks)
    assert status == 413 and "so far" in answer["error"]
    assert small_limit_server["process"].poll() is None
    assert "Traceback" not in small_limit_server["log"].read_text()


def test_a_body_under_the_limit_is_answered(small_limit_server):
    body = json.dumps({"instances": [[0.5] * 64], "padding": "x" * 400_000})
    status, answer = request(f"{small_limit_server['base']}/v1/models/digits:predict", body)
    assert status == 200 and len(answer["predictions"]) == 1


def test_a_limit_that_is_not_positive_is_refused(digits_archive):
    result = run_ptflow("serve", str(digits_archive), "--port", "0", "--max-request-mb", "0")
    assert result.returncode == 2 and "--max-request-mb 0 must be more than 0" in result.stderr
