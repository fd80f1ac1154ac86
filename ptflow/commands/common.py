"""Helpers shared by sub-commands: printing diagnostics, writing YAML, exit codes, the `--store` option."""

from __future__ import annotations

import json
import sys

from ptflow.commands.exit_codes import EXIT_ERRORS as EXIT_ERRORS  # the commands import them from here
from ptflow.commands.exit_codes import EXIT_OK as EXIT_OK
from ptflow.commands.exit_codes import EXIT_USAGE as EXIT_USAGE
from ptflow.compiler.diagnostics import Diagnostic, Severity
from ptflow.compiler.diagnostics.json_format import diagnostic_to_json


def add_store_option(parser) -> None:
    """`--store DIR`, spelled the same by every command that writes or reads the local runner's store."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        default=".ptflow",
        help="the run store: where runs, artifacts and the cache live (default: .ptflow)",
    )


def print_diagnostics(
    diagnostics: list[Diagnostic], output_format: str = "text", stream=None, texts: dict[str, str] | None = None
) -> None:
    stream = stream or sys.stderr
    if output_format == "json":
        json.dump([diagnostic_to_json(d) for d in diagnostics], stream, indent=2)
        stream.write("\n")
        return
    from ptflow.compiler.diagnostics.text import SourceCache, render_text, summary

    if diagnostics:
        color = hasattr(stream, "isatty") and stream.isatty()
        stream.write(render_text(diagnostics, SourceCache(texts), color=color))
        stream.write("\n")
    stream.write(summary(diagnostics) + "\n")


def has_errors(diagnostics: list[Diagnostic], deny_warnings: bool = False) -> bool:
    worst = Severity.WARNING if deny_warnings else Severity.ERROR
    return any(d.severity <= worst for d in diagnostics)


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """`-p name=value` pairs; raises ValueError with the offending item."""
    result = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"`-p {item}`: write `-p name=value`")
        result[name.strip()] = value
    return result


def dump_yaml_documents(documents: list[dict], header: str = "") -> str:
    from ptflow.compiler.yaml_writer import dump_all

    return header + dump_all(documents)
