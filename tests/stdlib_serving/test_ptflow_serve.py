"""`ptflow serve` as a real subprocess: KServe's Python model server with ptflow's model runner.

What a user checks: predictions equal the model's own in this process, over
v1 and v2; explanations have one attribution per input feature; the server
listens on 127.0.0.1 only; every malformed request gets 400 with a reason,
never 500; bad command lines fail fast with a message.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import torch

from ptflow.stdlib.serving.local_server import free_port
from tests.stdlib_serving.conftest import expected_probabilities

START_TIMEOUT_S = 90


def request(url: str, body: bytes | str | None = None, content_type: str = "application/json"):
    data = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type} if data is not None else {}
    call = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


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


@pytest.fixture(scope="module")
def server(digits_archive, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("ptflow_serve") / "serve.log"
    with log.open("w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "ptflow", "serve", str(digits_archive), "--port", str(port)],
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert process.poll() is None, f"ptflow serve exited:\n{log.read_text()[-3000:]}"
        try:
            if request(f"{base}/v1/models/digits")[0] == 200:
                break
        except (urllib.error.URLError, OSError):
            pass
        assert time.monotonic() < deadline, f"ptflow serve not ready:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)
    yield {"base": base, "port": port, "process": process, "log": log}
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    with socket.socket() as probe:  # the port is free again (for a server, which reuses addresses)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_it_listens_on_loopback_only(server):
    assert listening_addresses(server["port"]) == {"0100007F"}  # 127.0.0.1


def test_v1_predictions_equal_the_in_process_models(server, in_process_model, digit_images):
    status, answer = request(f"{server['base']}/v1/models/digits:predict",
                             json.dumps({"instances": digit_images.tolist()}))
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images)
    got = torch.tensor([prediction["probabilities"] for prediction in answer["predictions"]])
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    assert [p["index"] for p in answer["predictions"]] == expected.argmax(dim=1).tolist()


def test_flat_instances_are_read_in_the_models_input_shape(server, in_process_model, digit_images):
    status, answer = request(f"{server['base']}/v1/models/digits:predict",
                             json.dumps({"instances": digit_images.reshape(8, 64).tolist()}))
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images)
    torch.testing.assert_close(torch.tensor([p["probabilities"] for p in answer["predictions"]]), expected,
                               atol=1e-6, rtol=1e-5)


def test_v2_inference_equals_the_in_process_model(server, in_process_model, digit_images):
    assert request(f"{server['base']}/v2/models/digits/ready")[0] == 200
    body = {"id": "req-1", "inputs": [{"name": "images", "shape": [8, 1, 8, 8], "datatype": "FP32",
                                       "data": digit_images.reshape(-1).tolist()}]}
    status, answer = request(f"{server['base']}/v2/models/digits/infer", json.dumps(body))
    assert status == 200 and answer["id"] == "req-1"
    outputs = {output["name"]: output for output in answer["outputs"]}
    assert outputs["probabilities"]["shape"] == [8, 10]
    got = torch.tensor(outputs["probabilities"]["data"]).reshape(8, 10)
    expected = expected_probabilities(in_process_model, digit_images)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    assert outputs["index"]["data"] == expected.argmax(dim=1).tolist()


def test_explanations_have_one_attribution_per_input_feature(server, in_process_model, digit_images):
    images = digit_images[:3]
    status, answer = request(f"{server['base']}/v1/models/digits:explain",
                             json.dumps({"instances": images.reshape(3, 64).tolist()}))
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


def test_explaining_another_target_class(server, digit_images):
    status, answer = request(f"{server['base']}/v1/models/digits:explain",
                             json.dumps({"instances": digit_images[:1].tolist(), "target": 3}))
    assert status == 200
    assert answer["explanations"][0]["target"] == 3 and answer["explanations"][0]["label"] == "3"


MALFORMED = {
    "not JSON": ("v1/models/digits:predict", "{not json", "Unrecognized request format"),
    "no instances": ("v1/models/digits:predict", '{"data": [1, 2]}', 'has no "instances"'),
    "instances not a list": ("v1/models/digits:predict", '{"instances": 5}', "to be a list"),
    "empty instances": ("v1/models/digits:predict", '{"instances": []}', "`instances` is empty"),
    "wrong size": ("v1/models/digits:predict", '{"instances": [[0.1, 0.2, 0.3]]}',
                   "instance 0 has 3 values; the model takes 64"),
    "not numbers": ("v1/models/digits:predict", json.dumps({"instances": [["a"] * 64]}),
                    "instance 0 is not an array of numbers"),
    "ragged": ("v1/models/digits:predict", '{"instances": [[[0.1], [0.2, 0.3]]]}',
               "instance 0 is not an array of numbers"),
    "bad target": ("v1/models/digits:explain", json.dumps({"instances": [[0.1] * 64], "target": 12}),
                   "`target` 12 is not a class index"),
    "a JSON array body": ("v1/models/digits:predict", "[1, 2, 3]", "a v1 request is a JSON object"),
    "v2 without inputs": ("v2/models/digits/infer", "{}", "malformed v2 request: inputs: Field required"),
    "v2 data that doesn't fit its shape": (
        "v2/models/digits/infer", '{"inputs": [{"name": "x", "shape": [1, 64], "datatype": "FP32", "data": [1]}]}',
        "its data doesn't fit its shape"),
    "v2 with an unknown datatype": (
        "v2/models/digits/infer", '{"inputs": [{"name": "x", "shape": [1], "datatype": "FP99", "data": [1]}]}',
        "invalid datatype"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_request_gets_400_with_a_reason(server, case):
    path, body, reason = MALFORMED[case]
    status, answer = request(f"{server['base']}/{path}", body)
    assert status == 400, answer
    assert reason in answer["error"]


def test_the_server_still_answers_after_bad_requests(server, digit_images):
    status, _ = request(f"{server['base']}/v1/models/digits:predict", json.dumps({"instances": [[0.5] * 64]}))
    assert status == 200
    assert server["process"].poll() is None
    assert "Traceback" not in server["log"].read_text()


def test_an_unknown_model_is_404(server):
    status, answer = request(f"{server['base']}/v1/models/cifar:predict", '{"instances": [[0.1]]}')
    assert status == 404 and "cifar" in answer["error"]


def run_ptflow(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *arguments], capture_output=True, text=True,
                          timeout=timeout)


def test_a_missing_model_fails_before_starting(tmp_path):
    result = run_ptflow("serve", str(tmp_path / "nothing"), "--port", str(free_port()))
    assert result.returncode == 1
    assert f"nothing at {tmp_path / 'nothing'}" in result.stderr


def test_a_port_in_use_fails_before_loading(server, digits_archive):
    result = run_ptflow("serve", str(digits_archive), "--port", str(server["port"]))
    assert result.returncode == 1
    assert "the port is in use" in result.stderr
