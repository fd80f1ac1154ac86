"""Talking to a TensorBoard that `ptflow tensorboard` started on a free loopback port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager

STARTUP_TIMEOUT_S = 120
# TensorBoard's own line, which names the port it bound (`--port 0`: it picks a free one itself, so no port
# chosen here can be taken by another process before it binds).
_SERVING_LINE = re.compile(rb"TensorBoard \S+ at (http://\S+?)/? \(Press")


@contextmanager
def ptflow_tensorboard(*arguments, env: dict | None = None):
    """`ptflow tensorboard ...` on a free loopback port; yields (process, base URL) once it listens."""
    log = tempfile.TemporaryFile()  # a file, not a pipe: nobody reads it while TensorBoard runs
    process = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "tensorboard", *map(str, arguments), "--port", "0"],
        stdout=log,
        stderr=log,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            log.seek(0)
            found = _SERVING_LINE.search(log.read())
            if found:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"TensorBoard did not start:\n{log.read()[-3000:].decode(errors='replace')}")
            time.sleep(0.2)
        yield process, found.group(1).decode()
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
