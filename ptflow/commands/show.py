"""`ptflow show RUN`: the steps of one run, how each ended, its outputs and metrics."""

from __future__ import annotations

import json
import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK


def register(subparsers) -> None:
    parser = subparsers.add_parser("show", help="show one run: steps, status, durations, cache hits, outputs, metrics")
    parser.add_argument("run_id", metavar="RUN", help="a run id (or a unique prefix of one), or `latest`")
    parser.add_argument("--store", metavar="DIR", default=".ptflow", help="the store (default: .ptflow)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.commands.runs import open_store
    from ptflow.runtime.runner.views import execution_json, run_view

    store = open_store(args.store)
    if store is None:
        return EXIT_ERRORS
    try:
        found = store.find_run(args.run_id)
        if found is None:
            print(f"error[PTF911]: no run `{args.run_id}` in {args.store} (ptflow runs lists them)", file=sys.stderr)
            return EXIT_ERRORS
        executions = store.executions(found["id"])
        sources = store.run_of_executions([e["cached_from"] for e in executions if e["cached_from"]])
    finally:
        store.close()
    if args.json:
        document = dict(found, steps=[execution_json(e) for e in executions])
        print(json.dumps(document, indent=2, default=str))
    else:
        sys.stdout.write(run_view(found, executions, sources))
    return EXIT_OK
