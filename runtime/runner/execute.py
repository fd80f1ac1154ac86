"""`ptflow run` from start to end: load, check, run, report.

Nothing runs before the document, the parameters and (with --containers) the
container engine have all been checked; problems found then are returned as
diagnostics, the same objects `ptflow check` and `ptflow validate` print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, codes
from ptflow.runtime.runner import preflight, spec
from ptflow.runtime.runner.engine import Run, RunOptions, RunResult, needs_containers
from ptflow.runtime.runner.failures import render_failures
from ptflow.runtime.runner.interruption import stop_signals_interrupt
from ptflow.runtime.runner.progress import Progress, progress_for
from ptflow.runtime.runner.store import Store, StoreError, StoreFull

DEFAULT_STORE = ".ptflow"


@dataclass
class Outcome:
    """What `run_file` did: the diagnostics that stopped it, or the run's result."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    result: RunResult | None = None
    report: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.status == "SUCCEEDED"


def run_file(
    path: str,
    arguments: dict[str, str] | None = None,
    *,
    options: RunOptions | None = None,
    store_dir: str = DEFAULT_STORE,
    pipeline: str | None = None,
    image: str | None = None,
    progress: Progress | None = None,
    stream: TextIO | None = None,
    color: bool = False,
) -> Outcome:
    options = options or RunOptions()
    try:
        documents, loaded, warnings = spec.load(path, pipeline, image)
    except spec.LoadError as error:
        return Outcome(error.diagnostics)
    problems, typed_arguments = preflight.check(documents, loaded, arguments or {})
    diagnostics = list(warnings) + problems
    if any(d.is_error for d in diagnostics):
        return Outcome(diagnostics)
    container_runtime = None
    if options.containers and needs_containers(loaded):
        from ptflow.runtime.runner.commands import NoContainerRuntime, find_container_runtime

        try:
            container_runtime = find_container_runtime()
        except NoContainerRuntime as error:
            refused = Diagnostics()
            refused.report(
                codes.RUN_NO_CONTAINER_ENGINE,
                f"--containers needs Docker or Podman, and none answers ({error})",
                None,
                hint="start the Docker daemon, or run without --containers to run the commands here",
            )
            return Outcome(diagnostics + refused.items)
    try:
        store = Store(store_dir)
    except StoreError as error:
        refused = Diagnostics()
        refused.report(
            codes.STORE_DISK_FULL if isinstance(error, StoreFull) else codes.STORE_CANNOT_OPEN, str(error), None
        )
        return Outcome(diagnostics + refused.items)
    progress = progress or progress_for(stream)
    try:
        # SIGTERM and SIGHUP stop the run as Ctrl-C does (Interrupted, a KeyboardInterrupt, reaches the caller).
        with stop_signals_interrupt():
            run = Run(loaded, store, options, progress, typed_arguments, container_runtime)
            result = run.execute()
    except StoreFull as full:  # the disk was full before the run could be recorded (later, the run fails)
        refused = Diagnostics()
        refused.report(codes.STORE_DISK_FULL, str(full), None)
        return Outcome(diagnostics + refused.items)
    finally:
        store.close()
    report = render_failures(result.failures, loaded.span_of, color) if result.failures else ""
    return Outcome(diagnostics, result, report)
