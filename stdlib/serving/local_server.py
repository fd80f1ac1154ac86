"""A `ptflow serve` process on a free loopback port: for the length of a `with` block, or left running.

`serve.predict` uses it when given an archive instead of an endpoint, so a
pipeline run here exercises the same predict and explain calls it makes
against KServe in the cluster.  `serve.deploy` under `ptflow run` starts one
that outlives the step (`start_detached`): the run's later steps, and the user
after the run, call the model at its URL as they would call the KServe service.

The server picks its port itself (`--port 0`) and says which in its first
line: a port chosen here and handed over could be taken by another process
in between.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ptflow.runtime.contract import StepError

STOP_GRACE_S = 15.0


STARTUP_TIMEOUT_S = 300.0
_SERVING_LINE = re.compile(r"^serving `.*` on (http://\S+?): ", re.MULTILINE)


def start_detached(target: Path, log_path: Path, startup_timeout: float = STARTUP_TIMEOUT_S) -> ServerProcess:
    """Start `ptflow serve target` in a session of its own, its output in `log_path`, and leave it running.

    Its own session: the runner stops a finished step's process group, and this server is meant to outlive
    the step.  Returns once it has said where it listens; stopped again if it never does.
    """
    command = [sys.executable, "-m", "ptflow", "serve", str(target), "--host", "127.0.0.1", "--port", "0"]
    log_file = open(log_path, "w+", encoding="utf-8")  # noqa: SIM115 - the server writes it after we return
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    server = ServerProcess(process, log_file)
    try:
        server.endpoint = server.wait_for_endpoint(startup_timeout)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(
    target: Path, name: str | None = None, host: str = "127.0.0.1", startup_timeout: float = STARTUP_TIMEOUT_S
) -> Iterator[ServerProcess]:
    """Start `ptflow serve target` on a port it picks; yields once it has loaded the model and said where it
    listens (wait for readiness separately)."""
    command = [sys.executable, "-m", "ptflow", "serve", str(target), "--host", host, "--port", "0"]
    if name:
        command += ["--name", name]
    log_file = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        command,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    server = ServerProcess(process, log_file)
    try:
        server.endpoint = server.wait_for_endpoint(startup_timeout)
        yield server
    finally:
        server.stop()
        log_file.close()


class ServerProcess:
    def __init__(self, process: subprocess.Popen, log_file):
        self.process = process
        self.endpoint = ""
        self._log_file = log_file

    def wait_for_endpoint(self, timeout: float) -> str:
        """The URL from the server's `serving ... on URL` line, once it has printed it."""
        deadline = time.monotonic() + timeout
        while True:
            self._log_file.seek(0)
            found = _SERVING_LINE.search(self._log_file.read())
            if found:
                return found.group(1)
            self.check_alive()
            if time.monotonic() > deadline:
                raise StepError(f"the local model server did not start within {timeout:g}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self, lines: int = 15) -> str:
        self._log_file.seek(0)
        return "\n".join(self._log_file.read().splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise StepError(f"the local model server exited with code {self.process.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
