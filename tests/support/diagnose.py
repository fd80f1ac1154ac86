"""Check .ptflow text and look at exactly what the checker says, where."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ptflow.compiler.api import check_file


def diagnose(source: str, tmp_path: Path, files: dict[str, str] | None = None, name: str = "main.ptflow"):
    """All diagnostics for `source` (dedented), with extra files written next to it."""
    for relative, text in (files or {}).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return check_file(str(path)).diagnostics


def codes_at(diagnostics) -> list[tuple[str, int, int]]:
    """(code, line, column) of each diagnostic, in order."""
    return [(d.code, d.span.line, d.span.column) if d.span else (d.code, 0, 0) for d in diagnostics]


def only(diagnostics, code: str):
    """The one diagnostic with `code`; fails if there isn't exactly one."""
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {[(d.code, d.message) for d in diagnostics]}"
    return found[0]
