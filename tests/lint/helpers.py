"""Shared helpers of the lint tests: write a .ptflow file, check and lint it, describe findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ptflow.compiler.api import check_file
from ptflow.compiler.lint import lint

REPO = Path(__file__).resolve().parents[2]

# A component used by most tests: one Dataset in, one Model out.
FIT = """component fit(data: Dataset) -> (model: Model) {
    image = "trainer:1.0"
    command = ["fit", data.path, model.path]
}
component make(n: int = 1) -> (data: Dataset) {
    image = "maker:1.0"
    command = ["make", n, data.path]
}
"""


def lint_source(tmp_path: Path, text: str, target: str | None = None, name: str = "p.ptflow"):
    """Lint `text` as the file `name`; the file must check without errors."""
    path = tmp_path / name
    path.write_text(text)
    result = check_file(str(path))
    assert result.ok, [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics]
    return lint(result, target)


def describe(diagnostic, text: str) -> str:
    """`CODE line:column 'the spanned text' message`: what a user sees, in one line."""
    span = diagnostic.span
    return f"{diagnostic.code} {span.line}:{span.column} {text[span.start : span.end]!r} {diagnostic.message}"


def findings(tmp_path: Path, text: str, target: str | None = None, code: str | None = None) -> list[str]:
    return [describe(d, text) for d in lint_source(tmp_path, text, target) if code is None or d.code == code]


def apply_fix(text: str, fix) -> str:
    return text[: fix.span.start] + fix.replacement + text[fix.span.end :]


def ptflow(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *map(str, args)], capture_output=True, text=True, cwd=cwd)
