"""Talking to a TensorBoard that `ptflow tensorboard` started on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def ptflow_tensorboard(*arguments, env: dict | None = None):
    """`ptflow tensorboard ...` on a free loopback port; yields (process, base URL)."""
    port = free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: nobody reads it while TensorBoard runs
    process = subprocess.Popen([sys.executable, "-m", "ptflow", "tensorboard", *map(str, arguments),
                                "--port", str(port)], stdout=log, stderr=log, env={**os.environ, **(env or {})})
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def get_json(url: str, deadline: float):
    """GET `url` as JSON, retrying until TensorBoard answers and has loaded the runs."""
    last_error = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                document = json.loads(response.read())
            if not (isinstance(document, dict) and document.get("loading")):
                return document
        except OSError as error:
            last_error = error
        time.sleep(0.5)
    raise AssertionError(f"TensorBoard did not answer {url} in time ({last_error})")


def profiler_runs(url: str, deadline: float) -> list[str]:
    """The runs the PyTorch profiler plugin lists, once it lists any (it scans the logs in the background)."""
    while True:
        runs = get_json(f"{url}/data/plugin/pytorch_profiler/runs", deadline)["runs"]
        if runs or time.monotonic() >= deadline:
            return runs
        time.sleep(0.5)
