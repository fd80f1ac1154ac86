"""The .mar from serve.archive in a real TorchServe 0.12 (Java 17), on 127.0.0.1.

Twice: as KServe runs it (the KServe request envelope, switched on through
the environment because the archive's config.properties sets
enable_envvars_config) and plain (TorchServe's own request format).  The
archive's own config.properties is used, with loopback addresses, free ports
and the test's model store swapped in; TorchServe loads the model from its
model_snapshot.  Token auth is off, the server is stopped and its java
process waited for at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch

from tests.stdlib_serving.conftest import expected_probabilities
from tests.support.ports import free_ports

READY_TIMEOUT_S = 90

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="TorchServe needs Java 17+ (`java` is not on PATH); apt-get install openjdk-17-jre",
)


def post(url: str, body: bytes | str, timeout: float = 60) -> tuple[int, str, dict]:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.reason, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.reason, json.loads(error.read() or b"null")


def local_config(archive: Path, ports: dict[str, int]) -> str:
    """The archive's config.properties with this machine's addresses and ports."""
    replacements = {
        "inference_address": f"http://127.0.0.1:{ports['inference']}",
        "management_address": f"http://127.0.0.1:{ports['management']}",
        "metrics_address": f"http://127.0.0.1:{ports['metrics']}",
        "grpc_inference_address": "127.0.0.1",
        "grpc_management_address": "127.0.0.1",
        "grpc_inference_port": str(ports["grpc_inference"]),
        "grpc_management_port": str(ports["grpc_management"]),
        "model_store": str(archive / "model-store"),
        # The archive lists captum for :explain; this environment has it already, and TorchServe would
        # `pip install -U -t` it (and torch with it) into the model's folder from PyPI at every load.
        "install_py_dep_per_model": "false",
    }
    lines = []
    for line in (archive / "config" / "config.properties").read_text().splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={replacements[key]}" if key in replacements else line)
    return "\n".join(lines) + "\n"


class PortTaken(Exception):
    """TorchServe could not bind one of its ports."""


def wait_until_ready(management: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None and "Address already in use" in log.read_text():
            raise PortTaken()
        assert process.poll() is None, f"torchserve exited early:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"{management}/models/digits", timeout=5) as answer:
                description = json.loads(answer.read())
            if any(worker.get("status") == "READY" for worker in description[0].get("workers", [])):
                return
        except (urllib.error.URLError, OSError, ValueError, IndexError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"torchserve did not get ready in {READY_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM torchserve's group (launcher and java), then wait until none of it is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        process.poll()
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return  # the java process has exited too
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module", params=["kserve envelope", "torchserve api"])
def torchserve(request, digits_archive, tmp_path_factory):
    root = tmp_path_factory.mktemp("torchserve")
    for _attempt in range(3):
        names = ("inference", "management", "metrics", "grpc_inference", "grpc_management")
        ports = dict(zip(names, free_ports(len(names))))
        config = root / "config.properties"
        config.write_text(local_config(digits_archive, ports))
        venv_bin = Path(sys.executable).parent
        environment = {
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "TMPDIR": str(root),
            "LOG_LOCATION": str(root / "logs"),
            "METRICS_LOCATION": str(root / "logs"),
        }
        if request.param == "kserve envelope":
            environment["TS_SERVICE_ENVELOPE"] = "kserve"
        log = root / "torchserve.log"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [
                    str(venv_bin / "torchserve"),
                    "--foreground",
                    "--ts-config",
                    str(config),
                    "--model-store",
                    str(digits_archive / "model-store"),
                    "--ncs",
                    "--disable-token-auth",
                ],
                cwd=root,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_ready(f"http://127.0.0.1:{ports['management']}", process, log)
            break
        except PortTaken:
            stop_process_group(process)
        except BaseException:
            stop_process_group(process)
            raise
    else:
        pytest.fail(f"torchserve found a port taken three times:\n{log.read_text()[-3000:]}")
    try:
        yield {"mode": request.param, "inference": f"http://127.0.0.1:{ports['inference']}"}
    finally:
        stop_process_group(process)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


def test_predictions_equal_the_in_process_models(torchserve, in_process_model, digit_images):
    status, _, answer = post(
        f"{torchserve['inference']}/predictions/digits", json.dumps({"instances": digit_images.tolist()})
    )
    assert status == 200
    predictions = answer["predictions"]
    expected = expected_probabilities(in_process_model, digit_images)
    assert len(predictions) == len(digit_images)
    got = torch.tensor([prediction["probabilities"] for prediction in predictions])
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert [prediction["index"] for prediction in predictions] == expected.argmax(dim=1).tolist()
    assert [prediction["label"] for prediction in predictions] == [str(i) for i in expected.argmax(dim=1).tolist()]


def test_explanations_attribute_every_input_feature(torchserve, in_process_model, digit_images):
    images = digit_images[:2]
    status, _, answer = post(
        f"{torchserve['inference']}/explanations/digits", json.dumps({"instances": images.tolist()})
    )
    assert status == 200
    explanations = answer["explanations"]
    assert len(explanations) == 2
    with torch.no_grad():
        logits = in_process_model(images)
        baseline = in_process_model(torch.zeros_like(images))
    for index, explanation in enumerate(explanations):
        attributions = torch.tensor(explanation["attributions"])
        assert attributions.shape == (1, 8, 8)  # one per pixel, in the instance's layout
        target = explanation["target"]
        assert target == int(logits[index].argmax())
        # Integrated gradients' completeness: the attributions add up to the score's change from the baseline.
        change = float(logits[index, target] - baseline[0, target])
        assert float(attributions.sum()) == pytest.approx(change, abs=abs(explanation["delta"]) + 1e-4)


def test_a_malformed_request_gets_400_with_the_reason(torchserve):
    status, reason, answer = post(
        f"{torchserve['inference']}/predictions/digits", json.dumps({"instances": [[0.5, 0.5]]})
    )
    assert status == 400
    assert "has 2 values; the model takes 64" in reason
    assert "has 2 values" in json.dumps(answer)


def test_torchserves_own_format_takes_one_instance_or_rejects_non_json(torchserve, in_process_model, digit_images):
    if torchserve["mode"] != "torchserve api":
        pytest.skip("KServe's envelope always sends {'instances': [...]}")
    status, _, answer = post(f"{torchserve['inference']}/predictions/digits", json.dumps(digit_images[0].tolist()))
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images[:1])[0]
    torch.testing.assert_close(torch.tensor(answer["probabilities"]), expected, atol=1e-5, rtol=1e-4)
    status, reason, _ = post(f"{torchserve['inference']}/predictions/digits", b"not json")
    assert status == 400 and "not JSON" in reason


def test_a_png_body_is_one_image_as_torchserves_image_handlers_take_it(torchserve, in_process_model, digit_images):
    if torchserve["mode"] != "torchserve api":
        pytest.skip("KServe's envelope always sends {'instances': [...]}")
    import io

    from PIL import Image

    image = digit_images[5, 0].numpy()
    buffer = io.BytesIO()
    Image.fromarray((image * 255).round().astype("uint8")).save(buffer, format="PNG")
    status, _, answer = post(f"{torchserve['inference']}/predictions/digits", buffer.getvalue())
    assert status == 200
    expected = expected_probabilities(in_process_model, digit_images[5:6])[0]
    torch.testing.assert_close(torch.tensor(answer["probabilities"]), expected, atol=0.02, rtol=0)
    status, _, answer = post(f"{torchserve['inference']}/explanations/digits", buffer.getvalue())
    assert status == 200 and answer["methods"] == ["integrated_gradients", "occlusion", "gradcam"]
