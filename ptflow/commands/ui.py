"""`ptflow ui`: a local, read-only web page over the run store: runs, a run's live DAG, steps, logs, metrics."""

from __future__ import annotations

import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, add_store_option
from ptflow.compiler.diagnostics import codes


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="browse the run store in a web page: runs, live DAG, logs, metrics, lineage, compare",
        description="Serve a read-only web page over the run store (as `ptflow run` records it). "
        "It listens on 127.0.0.1 unless --host says otherwise; Ctrl-C stops it.",
    )
    add_store_option(parser)
    parser.add_argument(
        "--port", metavar="N", type=int, default=8765, help="the port (default 8765; 0 picks a free one)"
    )
    parser.add_argument(
        "--host",
        metavar="H",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        import jinja2  # noqa: F401
    except ImportError:
        print("error: ptflow ui needs jinja2: pip install 'ptflow[ui]'", file=sys.stderr)
        return EXIT_ERRORS
    from ptflow.runtime.runner.store import StoreError
    from ptflow.ui.server import is_loopback, serve

    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: anyone who can reach this address can read every run, log and "
            "artifact in the store, and start TensorBoard (there is no login)",
            file=sys.stderr,
        )
    try:
        serve(args.store, args.host, args.port)
    except StoreError as error:
        print(f"error[{codes.STORE_CANNOT_OPEN}]: {error}", file=sys.stderr)
        return EXIT_ERRORS
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK
