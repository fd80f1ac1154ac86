"""`ptflow fmt FILE...`: rewrite .ptflow files in the canonical style.

    ptflow fmt pipeline.ptflow other.ptflow   rewrite in place (atomically)
    ptflow fmt examples/                      every .ptflow file under a folder
    ptflow fmt --check .                      exit 1 and list the files that would change
    ptflow fmt --diff pipeline.ptflow         show the change as a unified diff, write nothing
    ptflow fmt - < in.ptflow > out.ptflow     stdin to stdout

Exit codes: 0 nothing to do (or everything rewritten), 1 a file has syntax
errors (it is left as it is) or, with --check, a file would change, 2 usage.
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from pathlib import Path

from ptflow.commands.common import EXIT_ERRORS, EXIT_OK, EXIT_USAGE

STDIN = "-"


def register(subparsers) -> None:
    parser = subparsers.add_parser("fmt", help="format .ptflow files in the canonical style")
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="files or folders to format (folders: every .ptflow file inside); `-` for stdin",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the files that would change"
    )
    parser.add_argument("--diff", action="store_true", help="write nothing; print a unified diff of the changes")
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        paths = _expand(args.files)
    except _UsageError as error:
        print(f"ptflow fmt: {error}", file=sys.stderr)
        return EXIT_USAGE
    had_errors = False
    changed: list[str] = []
    for path in paths:
        try:
            original = sys.stdin.read() if path == STDIN else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"ptflow fmt: cannot read {path}: {error}", file=sys.stderr)
            had_errors = True
            continue
        formatted = _format(path, original)
        if formatted is None:
            had_errors = True
            continue
        if path == STDIN and not (args.check or args.diff):
            sys.stdout.write(formatted)
            continue
        if formatted == original:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(_diff(path, original, formatted))
        if args.check:
            print("<stdin>" if path == STDIN else path)
        elif not args.diff:
            _write_atomically(Path(path), formatted)
            print(f"reformatted {path}", file=sys.stderr)
    if args.check and changed:
        count = len(changed)
        print(f"{count} file{'s' if count != 1 else ''} would be reformatted", file=sys.stderr)
    if had_errors:
        return EXIT_ERRORS
    if args.check and changed:
        return EXIT_ERRORS
    return EXIT_OK


class _UsageError(Exception):
    pass


def _expand(arguments: list[str]) -> list[str]:
    """Files as given, and the .ptflow files under each folder, each once, in order."""
    paths: list[str] = []
    for argument in arguments:
        if argument == STDIN:
            if STDIN in paths:
                raise _UsageError("`-` (stdin) can be given once")
            paths.append(STDIN)
        elif os.path.isdir(argument):
            paths.extend(str(p) for p in sorted(Path(argument).rglob("*.ptflow")) if p.is_file())
        elif os.path.exists(argument):
            paths.append(argument)
        else:
            raise _UsageError(f"no such file or folder: {argument}")
    seen: set[str] = set()
    return [p for p in paths if not (p in seen or seen.add(p))]


def _format(path: str, text: str) -> str | None:
    """The formatted text, or None after printing why the file can't be formatted."""
    from ptflow.compiler.formatter import FormatError, FormatterBug, format_source

    shown = "<stdin>" if path == STDIN else path
    try:
        return format_source(text, shown)
    except FormatterBug as error:
        print(f"ptflow fmt: internal error: {error}", file=sys.stderr)
    except FormatError as error:
        if not error.diagnostics:
            print(f"ptflow fmt: {error}", file=sys.stderr)
            return None
        from ptflow.commands.common import print_diagnostics

        print_diagnostics(sorted(error.diagnostics, key=lambda d: d.sort_key()), texts={shown: text})
        print(f"ptflow fmt: {shown} not formatted: fix its syntax errors first", file=sys.stderr)
    return None


def _diff(path: str, original: str, formatted: str):
    name = "<stdin>" if path == STDIN else path
    lines = difflib.unified_diff(
        original.splitlines(keepends=True),
        formatted.splitlines(keepends=True),
        fromfile=f"{name} (original)",
        tofile=f"{name} (formatted)",
    )
    for line in lines:
        # As diff(1) shows it, so patch(1) can apply the output.
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, so an interrupted run never leaves half a file."""
    if path.is_symlink():
        path = path.resolve()  # rewrite the file the link points to, keeping the link
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
