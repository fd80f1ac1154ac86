"""A real runner stopped by a real signal while real steps run: no step outlives it, the run reads `interrupted`.

Each step is a shell that starts a child (`sleep`) and waits for it, so a step's process group has two
processes, the second of which a parent-death signal on the shell alone would not reach.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.helpers import ptflow, show

SLEEPERS = """
component sleeper(folder: str, name: str) -> (out: Artifact) {
    image = "alpine:3"
    command = ["sh", "-c", "sleep 300 & echo $$ $! > \\"$0/$1.pids\\"; wait; echo done > \\"$2\\"", folder, name, out.path]
}

pipeline sleepers(folder: str) {
    for name in ["a", "b"] {
        s = sleeper(folder: folder, name: name)
    }
}
"""


def _start_runner(tmp_path: Path, store: Path) -> tuple[subprocess.Popen, list[int]]:
    """`ptflow run` in a subprocess, once both steps (a shell and its sleep each) are running: their pids."""
    source = tmp_path / "sleepers.ptflow"
    source.write_text(SLEEPERS)
    folder = tmp_path / "pids"
    folder.mkdir()
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ptflow",
            "run",
            str(source),
            "--store",
            str(store),
            "--parallelism",
            "2",
            "-p",
            f"folder={folder}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    pid_files = [folder / "a.pids", folder / "b.pids"]
    while not all(f.exists() and len(f.read_text().split()) == 2 for f in pid_files):
        if time.monotonic() > deadline or runner.poll() is not None:
            runner.kill()
            pytest.fail(f"the steps never started: {runner.communicate()[1]}")
        time.sleep(0.05)
    return runner, [int(pid) for f in pid_files for pid in f.read_text().split()]


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (nothing reaps orphans in some containers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def _wait_until_gone(pids: list[int], seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def _kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _runs(store: Path) -> list[dict]:
    return json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_stops_every_step_process_and_records_the_run_interrupted(tmp_path: Path, store: Path, sig):
    runner, pids = _start_runner(tmp_path, store)
    try:
        runner.send_signal(sig)
        _, errors = runner.communicate(timeout=60)
        alive = _wait_until_gone(pids)
    finally:
        _kill_leftovers(pids)
    assert alive == [], "step processes outlived the runner"
    assert runner.returncode == 128 + sig
    assert f"interrupted by {sig.name}" in errors
    [run] = _runs(store)
    assert run["status"] == "INTERRUPTED" and run["error"] == f"interrupted by {sig.name}"
    steps = show(store)["steps"]
    assert [s["status"] for s in steps] == ["INTERRUPTED", "INTERRUPTED"]
    assert "interrupted" in ptflow("runs", "--store", str(store), check=True).stdout


def test_sigkill_of_the_runner_takes_its_steps_with_it_and_the_next_command_records_it(tmp_path: Path, store: Path):
    runner, pids = _start_runner(tmp_path, store)
    try:
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)
        alive = _wait_until_gone(pids)  # the watchdog's grace period for SIGTERM is 5 s; sh ends at once
    finally:
        _kill_leftovers(pids)
    assert alive == [], "step processes outlived the killed runner"
    staging = store / "artifacts" / ".staging"
    assert len(list(staging.iterdir())) == 2  # what the killed steps had staged, until the next command

    [run] = _runs(store)  # the next command on the store records what the dead runner could not
    assert run["status"] == "INTERRUPTED"
    assert f"its runner (pid {runner.pid} " in run["error"]
    assert list(staging.iterdir()) == []
    database_status = [s["status"] for s in show(store)["steps"]]
    assert database_status == ["INTERRUPTED", "INTERRUPTED"]

    # Re-running finds nothing stale in the cache: the steps run again (and are stopped again here).
    again = tmp_path / "again"
    again.mkdir()
    runner, pids = _start_runner(again, store)
    try:
        runner.send_signal(signal.SIGTERM)
        runner.communicate(timeout=60)
    finally:
        _kill_leftovers(pids)
    statuses = sorted(r["status"] for r in _runs(store))
    assert statuses == ["INTERRUPTED", "INTERRUPTED"]


def test_a_run_whose_runner_is_alive_is_not_taken_for_dead(tmp_path: Path, store: Path):
    runner, pids = _start_runner(tmp_path, store)
    try:
        [run] = _runs(store)  # another process opens the store while the runner runs
        assert run["status"] == "RUNNING"
        assert {s["status"] for s in show(store)["steps"]} == {"RUNNING"}
    finally:
        runner.send_signal(signal.SIGINT)
        runner.communicate(timeout=60)
        _kill_leftovers(pids)
    [run] = _runs(store)
    assert run["status"] == "INTERRUPTED" and run["error"] == "interrupted by SIGINT"


class _StoppingRun:
    """The part of a run the launcher's process start uses, with Ctrl-C already received: a stand-in for a
    signal that lands between a step's start and the runner listing it, a gap too short to hit on purpose."""

    def __init__(self, store_root: Path):
        import threading
        from types import SimpleNamespace

        self.store = SimpleNamespace(artifacts_dir=store_root / "artifacts")
        self.stopping = threading.Event()
        self.stopping.set()
        self.tracked: list[int] = []

    def before_process_start(self) -> None:
        pass

    def track(self, process: subprocess.Popen) -> None:
        self.tracked.append(process.pid)

    def untrack(self, process: subprocess.Popen) -> None:
        self.tracked.remove(process.pid)


def test_a_step_started_as_the_run_stops_is_stopped_by_its_own_launcher(tmp_path: Path):
    """`stop` lists the running steps once; a step whose start it didn't see must not run on after the runner."""
    from runtime.runner.commands import CommandPlan
    from runtime.runner.launcher import ContainerLauncher
    from runtime.runner.logs import Lane

    run = _StoppingRun(tmp_path)
    launcher = ContainerLauncher(run)  # type: ignore[arg-type]
    pid_file = tmp_path / "pids"
    command = CommandPlan(argv=["sh", "-c", f"sleep 60 & echo $$ $! > {pid_file}; wait"], how="host")
    log = os.open(tmp_path / "lane.log", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        code, timed_out = launcher._run_process(command, Lane(0, log, "lane.log", tmp_path), timeout=None)
    finally:
        os.close(log)
    assert code != 0 and not timed_out  # a step that ran on until its own end (`wait`) exits 0
    assert run.tracked == []
    if pid_file.exists() and pid_file.read_text().split():
        assert _wait_until_gone([int(p) for p in pid_file.read_text().split()], seconds=10) == []
