"""TensorBoard for a run, one click away: start `ptflow tensorboard RUN` on loopback, or reuse the one started.

The page's button is a plain link (the server answers GET only): following
it starts the process if this server has not started one for that run, then
shows where it listens.  The process is `ptflow tensorboard` itself (same
resolution of a run's logs, same profiler plugin), on 127.0.0.1 and a free
port; it is stopped when `ptflow ui` stops.  This is the one thing the page
does besides reading: it starts a process (it still writes nothing to the
store; `ptflow tensorboard` copies several steps' logs to the temporary
directory).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from dataclasses import dataclass


@dataclass
class Board:
    run_id: str
    step: str | None
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


class Boards:
    """The TensorBoard processes this server started, one per run."""

    def __init__(self, store: str):
        self.store = store
        self.boards: dict[tuple[str, str | None], Board] = {}
        self.lock = threading.Lock()

    def start_or_reuse(self, run_id: str, step: str | None = None) -> tuple[Board, bool]:
        """The TensorBoard of a run (or of one step's logs), and whether it was started by this call."""
        with self.lock:
            board = self.boards.get((run_id, step))
            if board is not None and board.alive:
                return board, False
            port = _free_loopback_port()
            command = [
                sys.executable,
                "-m",
                "ptflow",
                "tensorboard",
                run_id,
                "--store",
                self.store,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            if step:
                command += ["--step", step]
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            board = Board(run_id, step, port, process)
            self.boards[(run_id, step)] = board
            return board, True

    def failure(self, board: Board, wait: float = 1.5) -> str | None:
        """What `ptflow tensorboard` said if it ended at once (a run without TensorBoard logs), else None."""
        try:
            board.process.wait(wait)
        except subprocess.TimeoutExpired:
            return None
        message = board.process.stderr.read().decode("utf-8", "replace") if board.process.stderr else ""
        return message.strip() or f"ptflow tensorboard exited with code {board.process.returncode}"

    def stop_all(self) -> None:
        with self.lock:
            for board in self.boards.values():
                if board.alive:
                    board.process.terminate()
            for board in self.boards.values():
                try:
                    board.process.wait(5)
                except subprocess.TimeoutExpired:
                    board.process.kill()
            self.boards.clear()


def _free_loopback_port() -> int:
    # TensorBoard must be told a port; the window between closing this socket and TensorBoard binding
    # it is short, and a clash shows as TensorBoard's own error on the page.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
