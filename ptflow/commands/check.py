"""`ptflow check FILE...`: report every problem and lint finding; exit 1 on errors.

    ptflow check pipeline.ptflow                       # compiler-style text on stderr
    ptflow check --format json pipeline.ptflow         # one object per diagnostic, on stdout
    ptflow check --format sarif *.ptflow > out.sarif   # for code scanning
    ptflow check --select PTF6 --ignore PTF604 --deny-warnings pipeline.ptflow

Settings come from `[tool.ptflow]` in the nearest pyproject.toml (see
`ptflow.compiler.lint.config`); `--select` replaces its `select`, `--ignore`
adds to its `ignore`, `--deny-warnings` turns its `deny-warnings` on.
Exit codes: 0 no errors (warnings allowed), 1 errors (or warnings with
--deny-warnings), 2 usage.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import TYPE_CHECKING

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, has_errors, print_diagnostics
from ptflow.compiler.diagnostics.json_format import diagnostic_to_json
from ptflow.compiler.targets.registry import TARGETS

if TYPE_CHECKING:
    from ptflow.compiler.diagnostics import Diagnostic


def register(subparsers) -> None:
    parser = subparsers.add_parser("check", help="check .ptflow files and report every problem")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument(
        "--format", choices=["text", "json", "sarif"], default="text", help="text (stderr), or json / sarif (stdout)"
    )
    parser.add_argument(
        "--target", choices=list(TARGETS), help="also check that the target can express every construct"
    )
    parser.add_argument("--deny-warnings", action="store_true", help="exit 1 on warnings too")
    parser.add_argument(
        "--select",
        action="append",
        metavar="CODE[,CODE]",
        help="report only these codes or prefixes (PTF6 is every lint rule); errors always show",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="CODE[,CODE]",
        help="don't report these codes or prefixes; errors always show",
    )
    # Prints only, and frees each file's check before the next: it runs without the collector, and the process
    # ends without freeing once its output is flushed (cli.py: collector_off, exit_at_once).
    parser.set_defaults(handler=run, collector_off=True, exits_at_once=True)


def _codes(option: str, values: list[str] | None) -> list[str] | None:
    """The codes of a repeatable, comma-separated option; raises ValueError for an unknown one."""
    if values is None:
        return None
    from ptflow.compiler.lint import code_prefix_problem

    codes = [item.strip().upper() for value in values for item in value.split(",") if item.strip()]
    for code in codes:
        problem = code_prefix_problem(code)
        if problem:
            raise ValueError(f"{option}: {problem}")
    return codes


def run(args) -> int:
    from ptflow.compiler.api import check_file, garbage_collection_paused
    from ptflow.compiler.lint import apply_config, check_diagnostics, load_config

    try:
        select = _codes("--select", args.select)
        ignore = _codes("--ignore", args.ignore) or []
    except ValueError as error:
        print(f"ptflow check: {error}", file=sys.stderr)
        return EXIT_USAGE

    findings: list[tuple[str | None, Diagnostic]] = []  # (checked file, diagnostic), in output order
    failed = False
    pyprojects_seen: set[str | None] = set()
    for index, path in enumerate(args.files):
        if index:
            gc.collect()  # the previous file's check, now garbage: one file's at a time, collector or not
        file_config, problems = load_config(path)
        config = file_config.merged(select=select, ignore=ignore, deny_warnings=args.deny_warnings)
        if file_config.path not in pyprojects_seen:  # report a pyproject.toml's mistakes once
            pyprojects_seen.add(file_config.path)
            problems = apply_config(problems, config)
            findings.extend((file_config.path, d) for d in problems)
            failed |= has_errors(problems, config.deny_warnings)
        # The lint rules walk what the check built; the collector's full scans of it would double their time.
        with garbage_collection_paused():
            diagnostics = check_diagnostics(check_file(path), args.target, config)
        findings.extend((path, d) for d in diagnostics)
        failed |= has_errors(diagnostics, config.deny_warnings)

    if args.format == "sarif":
        from ptflow.compiler.diagnostics.sarif import sarif_log

        json.dump(sarif_log(findings), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "json":
        json.dump([_json(checked, d) for checked, d in findings], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_diagnostics([d for _, d in findings], "text", sys.stderr)
    return EXIT_ERRORS if failed else EXIT_OK


def _json(checked: str | None, diagnostic: Diagnostic) -> dict:
    data = diagnostic_to_json(diagnostic)
    if data["file"] is None:  # a problem with the whole file: say which file
        data["file"] = checked
    return data
