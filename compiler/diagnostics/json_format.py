"""Diagnostics as JSON objects: what `--format json` prints, one object per diagnostic.

    {"code": "PTF203", "severity": "error", "message": "unknown input `max_epoch` of `train`",
     "file": "cifar10.ptflow", "line": 12, "column": 9, "end_line": 12, "end_column": 18,
     "hint": "did you mean `max_epochs`?",
     "fix": {"message": "replace `max_epoch` with `max_epochs`", "replacement": "max_epochs",
             "file": "cifar10.ptflow", "line": 12, "column": 9, "end_line": 12, "end_column": 18}}

Lines and columns are 1-based, end columns just past the last character, as in
the text output; `hint`, `related` and `fix` appear only when there is one.
"""

from __future__ import annotations

from typing import Any

from ptflow.compiler.diagnostics.model import Diagnostic
from ptflow.compiler.source import Span


def diagnostic_to_json(diagnostic: Diagnostic) -> dict:
    data: dict[str, Any] = {
        "code": diagnostic.code,
        "severity": diagnostic.severity.label,
        "message": diagnostic.message,
    }
    data.update(_place(diagnostic.span))
    if diagnostic.hint:
        data["hint"] = diagnostic.hint
    if diagnostic.related:
        data["related"] = [{"message": related.message, **_place(related.span)} for related in diagnostic.related]
    if diagnostic.fix:
        fix = diagnostic.fix
        data["fix"] = {"message": fix.message, "replacement": fix.replacement, **_place(fix.span)}
    return data


def _place(span: Span | None) -> dict:
    """file, line, column, end_line, end_column of `span` (all None when there is no span)."""
    return {
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
    }
