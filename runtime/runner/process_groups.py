"""Step processes as process groups: stopping them, and a watchdog that stops them when their runner is killed.

Each step runs in its own session, so its process group holds the step and
everything it starts (a shell's children included), and a terminal's Ctrl-C
reaches only the runner, which then stops each group itself (SIGTERM, a grace
period, SIGKILL).

A runner killed with SIGKILL can't stop anything.  So each run starts one
watchdog: a small process in its own session that reads the runner's pipe.
The runner writes `+PGID` when a step starts and `-PGID` when it has ended;
when the pipe reaches its end while groups are still listed, the runner has
gone without stopping them (killed, or crashed), and the watchdog stops those
groups the same way.  A pipe's end is reliable: the kernel closes the runner's
end however it dies, and the step processes never inherit it (subprocess
closes every other descriptor in the child).  This also covers a step's
children, which a parent-death signal (prctl PR_SET_PDEATHSIG) would not: it
is not inherited across fork.  What escapes it: a step that starts a process
in a session of its own, and a runner killed in the moment between starting a
step and writing its group to the pipe.

This file uses the standard library only: the watchdog runs it as a script
with `python -I -S`, which starts in a few milliseconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

KILL_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.02


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies, which nothing may reap here, don't count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not os.path.isdir("/proc"):
        return True
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False


def stop_groups(pgids: list[int], grace: float = KILL_GRACE_SECONDS, reap=None) -> None:
    """SIGTERM every group, wait up to `grace` seconds for all of them to end, SIGKILL what is left.

    `reap` is called while waiting, so a caller whose children lead the groups can collect them.
    """
    _signal_groups(pgids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pgids)
    while alive:
        if reap is not None:
            reap()
        alive = [pgid for pgid in alive if group_alive(pgid)]
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
    _signal_groups(alive, signal.SIGKILL)


def stop_processes(processes: list[subprocess.Popen], grace: float = KILL_GRACE_SECONDS) -> None:
    """Stop the process groups these step processes lead, and collect the processes."""

    def reap() -> None:
        for process in processes:
            process.poll()

    stop_groups([process.pid for process in processes], grace, reap)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:  # a process in uninterruptible sleep: leave it to its parent's end
            pass


def _signal_groups(pgids: list[int], sig: int) -> None:
    for pgid in pgids:
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class Watchdog:
    """The runner's side of the watchdog process: tell it which groups are running.

    The process starts just before the run's first step process (a run served from the cache starts none), and
    `close` does not wait for it to end: it ends on its own once the pipe is closed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._closed = False

    def start(self) -> None:
        """Start the watchdog process now, if it isn't running: called before a step process is started, so
        that between the step's start and the watchdog hearing of it there is a pipe write, not a Python
        start-up (a runner killed in that gap would leave the step running)."""
        with self._lock:
            self._ensure_started()

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}\n")

    def forget(self, pgid: int) -> None:
        self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        with self._lock:
            self._ensure_started()
            if self._process is None or self._process.stdin is None:
                return
            try:
                self._process.stdin.write(line.encode())
                self._process.stdin.flush()
            except (ValueError, OSError):  # the watchdog is gone (BrokenPipeError): nothing to tell
                pass

    def _ensure_started(self) -> None:  # with the lock held
        if self._process is None and not self._closed:
            self._process = _start_watchdog()
            self._closed = self._process is None  # could not start: don't try at every step

    def close(self) -> None:
        """The run is over: close the pipe (the watchdog stops any group still listed, as after a kill)."""
        with self._lock:
            process, self._process, self._closed = self._process, None, True
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        # Collect it when it has ended, without making the run wait for that.
        threading.Thread(target=process.wait, name="ptflow-watchdog-reaper", daemon=True).start()


def _start_watchdog() -> subprocess.Popen | None:
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:  # no watchdog: steps still stop with Ctrl-C and SIGTERM, only not after SIGKILL
        return None


_READ_PAUSE_SECONDS = 0.2


def _watch(fd: int) -> None:
    """The watchdog process: follow `+PGID` / `-PGID` lines; at their end, stop the groups still running.

    It reads what has come, then pauses: a run of many short steps wakes it a few times a second rather than
    twice per step (the pipe holds thousands of lines meanwhile), and a dead runner is acted on within the pause.
    """
    running: set[int] = set()
    pending = b""
    while chunk := os.read(fd, 1 << 16):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if len(line) < 2 or not line[1:].isdigit():
                continue
            pgid = int(line[1:])
            if line.startswith(b"+"):
                running.add(pgid)
            else:
                running.discard(pgid)
        time.sleep(_READ_PAUSE_SECONDS)
    if running:
        stop_groups(sorted(running))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the runner; the pipe says when to act
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _watch(sys.stdin.fileno())
