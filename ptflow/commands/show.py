"""`ptflow show RUN`: the steps of one run, how each ended, its outputs and metrics."""

from __future__ import annotations

import json
import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, add_store_option
from ptflow.compiler.diagnostics import codes


def register(subparsers) -> None:
    parser = subparsers.add_parser("show", help="show one run: steps, status, durations, cache hits, outputs, metrics")
    parser.add_argument("run_id", metavar="RUN", help="a run id (or a unique prefix of one), or `latest`")
    add_store_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--log", metavar="STEP", help="print everything this step printed, all its attempts")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.commands.runs import open_store
    from ptflow.runtime.runner.failures import LOG_TAIL_LINES, log_tail
    from ptflow.runtime.runner.logs import TAIL_BYTES
    from ptflow.runtime.runner.store import AmbiguousRun
    from ptflow.runtime.runner.views import execution_json, run_view

    store = open_store(args.store)
    if store is None:
        return EXIT_ERRORS
    try:
        try:
            found = store.find_run(args.run_id)
        except AmbiguousRun as error:
            print(f"error[{codes.NO_SUCH_RUN}]: {error}", file=sys.stderr)
            return EXIT_ERRORS
        if found is None:
            print(
                f"error[{codes.NO_SUCH_RUN}]: no run `{args.run_id}` in {args.store} (ptflow runs lists them)",
                file=sys.stderr,
            )
            return EXIT_ERRORS
        executions = store.executions(found["id"])
        if args.log is not None:
            return _print_log(store, found["id"], executions, args.log)
        sources = store.run_of_executions([e["cached_from"] for e in executions if e["cached_from"]])
        tails = {
            e["id"]: log_tail(store.read_log(e, TAIL_BYTES), LOG_TAIL_LINES)
            for e in executions
            if e["status"] == "FAILED"
        }
    finally:
        store.close()
    if args.json:
        document = dict(found, steps=[execution_json(e) for e in executions])
        print(json.dumps(document, indent=2, default=str))
    else:
        sys.stdout.write(run_view(found, executions, sources, tails))
    return EXIT_OK


def _print_log(store, run_id: str, executions: list[dict], step: str) -> int:
    """Write a step's log (every attempt, with the runner's header line before each) to stdout."""
    from ptflow.runtime.runner.views import AmbiguousStep, find_step, shown_step

    try:
        execution = find_step(executions, step)
    except AmbiguousStep as error:
        print(f"ptflow show: run {run_id}: {error}", file=sys.stderr)
        return EXIT_ERRORS
    if execution is None:
        steps = ", ".join(shown_step(e) for e in executions) or "none"
        print(f"ptflow show: run {run_id} has no step `{step}` (its steps: {steps})", file=sys.stderr)
        return EXIT_ERRORS
    if execution["status"] == "CACHED" and execution["cached_from"]:
        original = store.execution(execution["cached_from"])
        if original is not None:
            print(f"note: `{step}` was a cache hit; this is its log from run {original['run_id']}", file=sys.stderr)
            execution = original
    sys.stdout.flush()
    sys.stdout.buffer.write(store.read_log(execution))
    sys.stdout.buffer.flush()
    return EXIT_OK
