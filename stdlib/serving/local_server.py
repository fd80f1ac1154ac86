"""A `ptflow serve` process for the length of a `with` block, on a free loopback port.

`serve.predict` uses it when given an archive instead of an endpoint, so a
pipeline run here exercises the same predict and explain calls it makes
against KServe in the cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ptflow.runtime.contract import StepError

STOP_GRACE_S = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(target: Path, name: str | None = None, host: str = "127.0.0.1") -> Iterator["ServerProcess"]:
    """Start `ptflow serve target`; yields once the process runs (wait for readiness separately)."""
    port = free_port(host)
    command = [sys.executable, "-m", "ptflow", "serve", str(target), "--host", host, "--port", str(port)]
    if name:
        command += ["--name", name]
    log_file = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
    server = ServerProcess(process, f"http://{host}:{port}", log_file)
    try:
        yield server
    finally:
        server.stop()
        log_file.close()


class ServerProcess:
    def __init__(self, process: subprocess.Popen, endpoint: str, log_file):
        self.process = process
        self.endpoint = endpoint
        self._log_file = log_file

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
