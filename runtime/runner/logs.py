"""Step logs: what each step printed, kept in its run's lane files and found by byte ranges in the store.

A run has as many lanes as it runs steps at once (`--parallelism`).  A step
holds a lane while its process runs, and the process writes its stdout and
stderr straight into that lane's file, `runs/<run>/lane-<n>.log`, opened once
per run in append mode.  Only one step writes to a lane at a time, so each
attempt's output is one contiguous byte range of one file.  Its start is
committed with the step's record before the process starts, its end with the
step's outcome, so:

- nothing passes through the runner: no pipe to drain, no output held in
  memory, however much a step prints;
- what a step printed is on disk as it prints it (`tail -f` follows it), and
  a runner killed with SIGKILL leaves the step's partial output findable: a
  range without an end runs to the start of the lane's next range, or to the
  end of the file;
- a run creates a couple of files per lane instead of a folder and a log file
  per step.  On a virtual machine's disk creating a file or a folder costs
  0.3-0.4 ms each (ext4 here), more than the rest of the runner's per-step
  work together; reading a range back costs one open and one read.

The lane's folder, `runs/<run>/lane-<n>/`, is the working directory of the
steps run in it: steps running at the same time never share one.

What a range can't separate: output written after its step ended, by a
process the step left behind in another session (a daemon), lands in the
lane's next range.  The step's own process group is stopped on a timeout or
Ctrl-C, as before.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path

# Lines the runner writes into a log to separate attempts; not part of what the step printed.
HEADER_PREFIX = "### ptflow:"
TAIL_BYTES = 64 * 1024


@dataclass
class LogRange:
    """The bytes of one attempt's output: `file` (relative to the store) from `start` to `end`."""

    attempt: int
    file: str
    start: int
    end: int | None = None  # None: the attempt had not ended when the runner last recorded it
    # When the attempt's process started and ended (time.time()), and its exit code: `ptflow ui` shows each
    # attempt of a retried step with these. None in stores written before they were recorded.
    started: float | None = None
    ended: float | None = None
    exit_code: int | None = None


def ranges_to_json(ranges: list[LogRange]) -> str:
    # Written twice per step: spelled out rather than through json.dumps; only the file name needs escaping.
    items = (
        f'{{"attempt": {r.attempt}, "file": {encode_basestring(r.file)}, "start": {r.start}, '
        f'"end": {_number(r.end)}, "started": {_number(r.started)}, "ended": {_number(r.ended)}, '
        f'"exit_code": {_number(r.exit_code)}}}'
        for r in ranges
    )
    return f"[{', '.join(items)}]"


def _number(value: float | None) -> str:
    return "null" if value is None else repr(value)


def ranges_from_json(text: str) -> list[LogRange]:
    return [
        LogRange(
            item["attempt"],
            item["file"],
            item["start"],
            item.get("end"),
            item.get("started"),
            item.get("ended"),
            item.get("exit_code"),
        )
        for item in json.loads(text)
    ]


@dataclass
class Lane:
    """One place a step can run: its log file (kept open for the run) and its working directory."""

    number: int
    fd: int
    file: str  # relative to the store root
    workdir: Path

    def begin(self, header: str) -> int:
        """Write an attempt's header line; the offset where this attempt's log starts."""
        start = os.lseek(self.fd, 0, os.SEEK_END)
        os.write(self.fd, header.encode("utf-8", errors="replace"))
        return start

    def offset(self) -> int:
        """The end of everything written to the lane so far."""
        return os.lseek(self.fd, 0, os.SEEK_END)


class Lanes:
    """The lanes of one run: at most `count` steps at once, each in a lane no other running step has."""

    def __init__(self, store_root: Path, run_dir: Path, count: int):
        self.store_root = store_root
        self.run_dir = run_dir
        # Last in, first out: a run that never has two steps at once only ever creates lane 0.
        self._free = list(reversed(range(max(1, count))))
        self._freed = threading.Condition(threading.Lock())
        self._opened: dict[int, Lane] = {}
        self._lock = threading.Lock()

    def acquire(self) -> Lane:
        """Wait for a free lane and take it; `release` gives it back."""
        with self._freed:
            while not self._free:
                self._freed.wait()
            number = self._free.pop()
        return self._lane(number)

    def release(self, lane: Lane) -> None:
        with self._freed:
            self._free.append(lane.number)
            self._freed.notify()

    def _lane(self, number: int) -> Lane:
        lane = self._opened.get(number)
        if lane is not None:
            return lane
        with self._lock:
            if number not in self._opened:  # created on first use only
                workdir = self.run_dir / f"lane-{number}"
                workdir.mkdir(exist_ok=True)
                path = self.run_dir / f"lane-{number}.log"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
                self._opened[number] = Lane(number, fd, str(path.relative_to(self.store_root)), workdir)
            return self._opened[number]

    def close(self) -> None:
        with self._lock:
            for lane in self._opened.values():
                os.close(lane.fd)
            self._opened.clear()


def read_range(store_root: Path, log: LogRange, limit: int | None = None) -> bytes:
    """The bytes of one range (its last `limit` bytes when given); empty when the file is gone."""
    try:
        with open(store_root / log.file, "rb") as handle:
            end = log.end if log.end is not None else handle.seek(0, os.SEEK_END)
            start = log.start if limit is None else max(log.start, end - limit)
            handle.seek(start)
            return handle.read(max(0, end - start))
    except OSError:
        return b""


def read_file(path: str, limit: int | None = None) -> bytes:
    """A whole log file (its last `limit` bytes when given), as stores before lane files kept them."""
    try:
        with open(path, "rb") as handle:
            if limit is not None:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - limit))
            return handle.read()
    except OSError:
        return b""


def as_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def tail_lines(data: bytes, lines: int) -> list[str]:
    """The last `lines` lines a step printed, without the runner's header lines."""
    return [line for line in as_text(data).splitlines() if not line.startswith(HEADER_PREFIX)][-lines:]
