"""What went wrong in a run, in terms a user can act on: which step, how it ended, the end of its log."""

from __future__ import annotations

from dataclasses import dataclass, field

from ptflow.compiler.diagnostics import codes
from ptflow.runtime.runner.logs import tail_lines

LOG_TAIL_LINES = 15


@dataclass
class StepFailure:
    task: str  # the task's path in the run, e.g. "exit-handler-1/for-loop-2[1]/train"
    dag_key: str  # the DAG component that declares the task ("root" for the pipeline's own)
    task_name: str
    message: str
    code: str = codes.RUN_STEP_FAILED
    exit_code: int | None = None
    attempts: int = 1
    log_hint: str | None = None  # the command that prints the step's whole log
    log_tail: list[str] = field(default_factory=list)


def log_tail(data: bytes, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last `lines` lines of the end of a log (the runner's own header lines left out)."""
    return tail_lines(data, lines)


def describe_exit(exit_code: int | None) -> str:
    if exit_code is None:
        return "did not start"
    if exit_code < 0:
        import signal

        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        return f"was killed by {name}"
    return f"exited with code {exit_code}"


def render_failures(failures: list[StepFailure], source_map_lookup, color: bool = False) -> str:
    """The failure report: one block per failed step, with its `.ptflow` line when known."""
    from ptflow.compiler.diagnostics import Diagnostic, Severity
    from ptflow.compiler.diagnostics.text import SourceCache, render_one

    sources = SourceCache()
    blocks = []
    for failure in failures:
        span = source_map_lookup(failure.dag_key, failure.task_name)
        diagnostic = Diagnostic(failure.code, Severity.ERROR, failure.message, span)
        block = render_one(diagnostic, sources, color)
        if failure.log_hint:
            block += f"   = whole log: {failure.log_hint}\n"
        if failure.log_tail:
            block += "   = last lines of its log:\n" + "".join(f"     | {line}\n" for line in failure.log_tail)
        blocks.append(block)
    return "\n".join(blocks)
