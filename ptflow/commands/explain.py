"""`ptflow explain CODE`: what a diagnostic code means, with an example and the fix."""

from __future__ import annotations

import sys

from ptflow.commands.common import EXIT_OK, EXIT_USAGE


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help="explain a diagnostic code (ptflow explain PTF203)")
    parser.add_argument("code", nargs="?", metavar="CODE")
    parser.add_argument("--list", action="store_true", help="list every code")
    parser.set_defaults(handler=run)


def run(args) -> int:
    import ptflow.compiler.lint  # noqa: F401  (registers the lint rules' codes, PTF6xx)
    from ptflow.compiler.diagnostics.codes import CODES
    from ptflow.compiler.diagnostics.suggestions import nearest_code

    if args.list or not args.code:
        for code in sorted(CODES):
            entry = CODES[code]
            print(f"{code}  {entry.severity.label:<7}  {entry.title}")
        return EXIT_OK
    code = args.code.upper()
    if not code.startswith("PTF"):
        code = "PTF" + code
    entry = CODES.get(code)
    if entry is None:
        nearest = nearest_code(code, CODES)  # only a one-digit slip: other codes are unrelated
        print(
            f"ptflow explain: unknown code `{args.code}`"
            + (f"; did you mean {nearest}?" if nearest else "; `ptflow explain --list` lists every code"),
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"{entry.code}: {entry.title} ({entry.severity.label})\n")
    print(entry.explanation)
    return EXIT_OK
