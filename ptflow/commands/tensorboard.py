"""`ptflow tensorboard RUN|LOGDIR`: TensorBoard, with the PyTorch profiler plugin, on a run's logs.

The target is a log directory or URI (`gs://...`), or a run in the local
store (`ptflow run` records them): then every step output holding TensorBoard
event files or profiler traces is shown, one folder (TensorBoard run) per step.
TensorBoard replaces this process (exec), so Ctrl-C or a signal stops it
directly, and it listens on 127.0.0.1 unless `--host` says otherwise.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_USAGE, add_store_option


def register(subparsers) -> None:
    parser = subparsers.add_parser("tensorboard", help="start TensorBoard on a run's logs (or a log directory)")
    parser.add_argument(
        "target", metavar="RUN|LOGDIR", help="a log directory or URI, or a run id (prefix, or `latest`) in the store"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=6006,
        help="the port (default 6006; 0 picks a free one, which TensorBoard's own line names)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    add_store_option(parser)
    parser.add_argument("--step", metavar="TASK", help="with a run: only this step's logs")
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        logdir_flag = resolve_logdir(args.target, args.store, args.step)
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERRORS
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    command = [sys.executable, "-m", "tensorboard.main", *logdir_flag, "--host", args.host, "--port", str(args.port)]
    where = f"http://{args.host}:{args.port}/" if args.port else f"http://{args.host} (a free port, in its line below)"
    print(f"TensorBoard on {where} ({' '.join(logdir_flag)}); Ctrl-C stops it", file=sys.stderr, flush=True)
    os.execv(sys.executable, command)
    return EXIT_ERRORS  # not reached


def resolve_logdir(target: str, store_dir: str, step: str | None) -> list[str]:
    """TensorBoard's `--logdir X` for the target."""
    if "://" in target or Path(target).is_dir():
        if step:
            raise ValueError("--step applies to a run, not to a log directory")
        return ["--logdir", target]
    from ptflow.runtime.runner.artifacts import local_path_for_uri
    from ptflow.runtime.runner.store import DATABASE, Store

    if not (Path(store_dir) / DATABASE).exists():
        raise LookupError(f"{target} is not a directory, and there is no run store at {store_dir} to find a run in")
    store = Store(store_dir)
    try:
        found = store.find_run(target)
        if found is None:
            raise LookupError(f"no directory and no run `{target}` in {store_dir} (ptflow runs lists them)")
        from ptflow.runtime.runner.views import find_steps, shown_step

        executions = store.executions(found["id"])
        if step:
            executions = find_steps(executions, step)
            if not executions:
                steps = ", ".join(shown_step(e) for e in store.executions(found["id"])) or "none"
                raise LookupError(f"run {found['id']} has no step `{step}` (its steps: {steps})")
        logs = {}
        for execution in executions:
            for artifacts in execution["output_artifacts"].values():
                for artifact in artifacts:
                    path = local_path_for_uri(artifact.uri)
                    if path and holds_tensorboard_logs(Path(path)):
                        logs.setdefault(shown_step(execution), path)
    finally:
        store.close()
    if not logs:
        where = f"step `{step}` of run {found['id']}" if step else f"run {found['id']}"
        raise LookupError(f"{where} has no output with TensorBoard logs")
    if len(logs) == 1:
        return ["--logdir", next(iter(logs.values()))]
    return ["--logdir", str(gather_logs(found["id"], logs))]


def gather_logs(run_id: str, logs: dict[str, str]) -> Path:
    """Copy several steps' logs under one folder, one subfolder per step.

    TensorBoard's --logdir_spec would name them without copying, but the
    PyTorch profiler plugin ignores it and scans the working directory; and
    TensorBoard does not follow symbolic links.  The copy is per run, in the
    temporary directory, replaced on each call.
    """
    import re
    import shutil
    import tempfile

    view = Path(tempfile.gettempdir()) / "ptflow-tensorboard" / re.sub(r"[^\w.-]", "_", run_id)
    if view.exists():
        shutil.rmtree(view)
    for task, path in sorted(logs.items()):
        shutil.copytree(path, view / re.sub(r"[^\w.-]+", "_", task).strip("_"))
    return view


def holds_tensorboard_logs(path: Path) -> bool:
    if not path.is_dir():
        return False
    return any(
        item.name.startswith("events.out.tfevents") or item.name.endswith(".pt.trace.json") for item in path.rglob("*")
    )
