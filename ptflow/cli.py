"""The `ptflow` command.

Each sub-command lives in its own module under `ptflow.commands` and exposes
`register(subparsers)`, which adds its parser and sets `handler`.  Command
modules must import nothing heavy at module level: `ptflow check` has to start
fast, so torch, kfp and the runner are imported inside the handlers.  For the
same reason, a command line that names a command imports only that command's
module; the others are imported only to list them (`ptflow --help`, a mistyped
command, no command).

Exit codes: 0 success, 1 the input has errors (or the run failed), 2 usage.
"""

from __future__ import annotations

import argparse
import importlib
import keyword
import os
import sys

from ptflow import __version__

# The order sub-commands are listed in `ptflow --help`.
COMMANDS = [
    "check",
    "compile",
    "validate",
    "lsp",
    "explain",
    "doc",
    "fmt",
    "import",
    "graph",
    "run",
    "runs",
    "show",
    "lineage",
    "submit",
    "tensorboard",
    "serve",
    "ui",
]


def command_module(command: str) -> str:
    """The module under ptflow/commands/ of a command (`import` is a keyword, so its module is `import_`)."""
    name = command.replace("-", "_")
    return name + "_" if keyword.iskeyword(name) else name


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only the command it names, or every command when it names none."""
    parser = argparse.ArgumentParser(
        prog="ptflow",
        description="Write Kubeflow pipelines for PyTorch as .ptflow files: check, compile, run.",
    )
    parser.add_argument("--version", action="version", version=f"ptflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = argv[0] if argv and argv[0] in COMMANDS else None
    for name in [named] if named else COMMANDS:
        module = importlib.import_module(f"ptflow.commands.{command_module(name)}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command `argv` names and give its exit code.

    Without `argv` this is the `ptflow` program itself (the console script and
    `python -m ptflow` call it so): a command whose parser sets `exits_at_once`
    then ends the process as soon as its output is flushed (`exit_at_once`).
    Called with `argv` (tests, other programs), it always returns.
    """
    as_program = argv is None
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    collector_off = as_program and getattr(args, "collector_off", False)
    if collector_off:
        _collector_off_until_exit()
    try:
        code = int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    if as_program and getattr(args, "exits_at_once", False):
        exit_at_once(code)
    return code


def exit_at_once(code: int) -> None:
    """End the process now, skipping the interpreter's clean-up.

    At a normal exit Python frees every object the command made and tears down
    every module it imported: for a 1000-step compile that is ~30 ms of CPU
    spent on memory the operating system takes back anyway.  Only commands that
    leave nothing behind opt in (no threads, child processes, open files or
    atexit work: their output is written and closed before they return).  If
    flushing stdout or stderr fails (a closed pipe), the normal exit reports it.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _collector_off_until_exit() -> None:
    """Run the command without the cyclic garbage collector, and end the process without its last pass.

    A command that reads files and prints (`check`) builds a whole program that lives until it is done and
    is garbage when the process ends.  The collector's scans of it, after the work and again at exit, took
    longer than the lint rules on a 1 MB file (over a second on a busy machine).  Frozen objects are never
    collected: the operating system takes the memory back at once.  Only for commands that opt in (the
    `collector_off` default of their parser) and only as the process's own command (never for a caller of
    `main` that goes on running), since an object left uncollected is never finalized: such a command
    writes only to stdout and stderr, which are flushed at exit, and frees what it no longer needs between
    inputs itself.
    """
    import atexit
    import gc

    gc.disable()
    atexit.register(gc.freeze)


class UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""
