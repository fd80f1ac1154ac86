"""`ptflow runs`: the runs recorded in a local store, newest first."""

from __future__ import annotations

import json
import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, add_store_option
from ptflow.compiler.diagnostics import codes


def register(subparsers) -> None:
    parser = subparsers.add_parser("runs", help="list the runs recorded in the local store")
    add_store_option(parser)
    parser.add_argument("--limit", metavar="N", type=int, default=50, help="show at most N runs (default: 50)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def open_store(directory: str):
    """The store at `directory`, or None (with a message) when there is none."""
    from pathlib import Path

    from ptflow.runtime.runner.store import DATABASE, Store, StoreError

    if not (Path(directory) / DATABASE).exists():
        print(
            f"error[{codes.STORE_CANNOT_OPEN}]: no run store at {directory} (runs are recorded by `ptflow run`)",
            file=sys.stderr,
        )
        return None
    try:
        return Store(directory)
    except StoreError as error:
        print(f"error[{codes.STORE_CANNOT_OPEN}]: {error}", file=sys.stderr)
        return None


def run(args) -> int:
    from ptflow.runtime.runner.views import runs_view

    store = open_store(args.store)
    if store is None:
        return EXIT_ERRORS
    try:
        runs = store.runs(args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps(runs, indent=2, default=str))
    else:
        sys.stdout.write(runs_view(runs))
    return EXIT_OK
