"""`ptflow check FILE...`: report every problem, compiler-style; exit 1 on errors."""

from __future__ import annotations

import sys

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, has_errors, print_diagnostics


def register(subparsers) -> None:
    parser = subparsers.add_parser("check", help="check .ptflow files and report every problem")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--target", choices=["kfp-v2", "kfp-v1", "vertex"],
                        help="also check that the target can express every construct")
    parser.add_argument("--deny-warnings", action="store_true", help="exit 1 on warnings too")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ptflow.compiler.api import check_file
    from ptflow.compiler.diagnostics import Diagnostics

    everything = []
    for path in args.files:
        result = check_file(path)
        diagnostics = list(result.diagnostics)
        if args.target and result.pipelines:
            from ptflow.compiler.targets.support import check_target_support

            extra = Diagnostics()
            for graph in result.pipelines.values():
                check_target_support(graph, args.target, extra)
            diagnostics = sorted(diagnostics + extra.items, key=lambda d: d.sort_key())
        everything.extend(diagnostics)
    stream = sys.stdout if args.format == "json" else sys.stderr
    print_diagnostics(everything, args.format, stream)
    return EXIT_ERRORS if has_errors(everything, args.deny_warnings) else EXIT_OK
