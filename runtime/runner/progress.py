"""What the user sees while a pipeline runs: a live rich display on a terminal, plain lines otherwise.

Steps report from many threads at once, so every method takes the lock.  Steps are reported by their
compiled task path (unique within a run) and shown by their name in the `.ptflow` file, as `ptflow show` and
the UI show them (`exit-handler-1/final-summary` -> `final_summary`).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from ptflow.runtime.runner.views import step_name


class Progress:
    """Plain lines, one per event: what a log file or CI wants."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self.lock = threading.Lock()
        self.started: dict[str, float] = {}
        self.step_names: dict[str, str] = {}  # compiled task name -> the step's name as written

    def _shown(self, task: str) -> str:
        return step_name(task, self.step_names)

    def _line(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def run_started(self, run_id: str, pipeline: str, store: str, step_names: dict[str, str] | None = None) -> None:
        self.step_names = dict(step_names or {})
        self._line(f"run {run_id} of pipeline {pipeline} (store {store})")

    def step_started(self, task: str, how: str) -> None:
        with self.lock:
            self.started[task] = time.monotonic()
        self._line(f"  start   {self._shown(task)}" + (f" [{how}]" if how != "runtime" else ""))

    def step_finished(self, task: str) -> None:
        self._line(f"  done    {self._shown(task)} ({self._elapsed(task)})")

    def step_cached(self, task: str, from_run: str) -> None:
        self._line(f"  cached  {self._shown(task)} (from {from_run})")

    def step_retrying(self, task: str, attempt: int, delay: float, why: str) -> None:
        self._line(f"  retry   {self._shown(task)}: {why}; attempt {attempt + 1} in {delay:g}s")

    def step_failed(self, task: str, why: str) -> None:
        self._line(
            f"  FAILED  {self._shown(task)}: {why}" + (f" ({self._elapsed(task)})" if task in self.started else "")
        )

    def step_skipped(self, task: str, why: str) -> None:
        self._line(f"  skipped {self._shown(task)}: {why}")

    def warning(self, message: str) -> None:
        self._line(f"warning: {message}")

    def run_finished(self, run_id: str, status: str, seconds: float, counts: dict[str, int]) -> None:
        summary = ", ".join(f"{n} {state.lower().replace('_', ' ')}" for state, n in sorted(counts.items()) if n)
        self._line(f"run {run_id} {status.lower()} in {seconds:.2f}s" + (f" ({summary})" if summary else ""))

    def close(self) -> None:
        pass

    def _elapsed(self, task: str) -> str:
        with_start = self.started.get(task)
        return f"{time.monotonic() - with_start:.2f}s" if with_start is not None else "-"


class LiveProgress(Progress):
    """A rich live view: finished steps scroll by above a table of the running ones."""

    def __init__(self, stream: TextIO | None = None):
        super().__init__(stream)
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=self.stream)
        self.running: dict[str, str] = {}
        self.live = Live(self._table(), console=self.console, refresh_per_second=8, transient=True)
        self.live.start()

    def _table(self):
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table.grid(padding=(0, 1))
        now = time.monotonic()
        for task, how in list(self.running.items()):
            elapsed = now - self.started.get(task, now)
            table.add_row(
                Spinner("dots"), self._shown(task), f"[dim]{how}[/dim]" if how != "runtime" else "", f"{elapsed:.1f}s"
            )
        return table

    def _print(self, markup: str) -> None:
        self.console.print(markup, highlight=False)
        self.live.update(self._table())

    def _line(self, text: str) -> None:
        with self.lock:
            self._print(text)

    def step_started(self, task: str, how: str) -> None:
        with self.lock:
            self.started[task] = time.monotonic()
            self.running[task] = how
            self.live.update(self._table())

    def step_finished(self, task: str) -> None:
        with self.lock:
            self.running.pop(task, None)
            self._print(f"[green]✓[/green] {self._shown(task)} [dim]{self._elapsed(task)}[/dim]")

    def step_cached(self, task: str, from_run: str) -> None:
        with self.lock:
            self._print(f"[cyan]↺[/cyan] {self._shown(task)} [dim]cached from {from_run}[/dim]")

    def step_failed(self, task: str, why: str) -> None:
        with self.lock:
            self.running.pop(task, None)
            self._print(f"[red]✗[/red] {self._shown(task)}: {why}")

    def step_skipped(self, task: str, why: str) -> None:
        with self.lock:
            self._print(f"[dim]- {self._shown(task)}: {why}[/dim]")

    def step_retrying(self, task: str, attempt: int, delay: float, why: str) -> None:
        with self.lock:
            self.running.pop(task, None)
            self._print(f"[yellow]↻[/yellow] {self._shown(task)}: {why}; attempt {attempt + 1} in {delay:g}s")

    def warning(self, message: str) -> None:
        with self.lock:
            self._print(f"[yellow]warning:[/yellow] {message}")

    def run_finished(self, run_id: str, status: str, seconds: float, counts: dict[str, int]) -> None:
        with self.lock:
            self.live.stop()
        colour = "green" if status == "SUCCEEDED" else "red"
        summary = ", ".join(f"{n} {state.lower().replace('_', ' ')}" for state, n in sorted(counts.items()) if n)
        self.console.print(
            f"run {run_id} [{colour}]{status.lower()}[/{colour}] in {seconds:.2f}s"
            + (f" ({summary})" if summary else ""),
            highlight=False,
        )

    def close(self) -> None:
        with self.lock:
            self.live.stop()


def progress_for(stream: TextIO | None = None) -> Progress:
    stream = stream or sys.stdout
    if hasattr(stream, "isatty") and stream.isatty():
        return LiveProgress(stream)
    return Progress(stream)
