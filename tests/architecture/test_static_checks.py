"""The linter and the type checker, run the way a contributor runs them.

    ruff check                      lint rules in pyproject.toml's [tool.ruff]
    ruff format --check             the one code style (`ruff format` writes it)
    python tools/typecheck.py       mypy over compiler/ and runtime/, as Python imports them

Both run as real subprocesses with this interpreter's environment; a failure shows
their own output, which names the file, line and rule to fix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_no_lint_errors():
    # `python -m ruff`: the ruff the test extra installed into this environment, whatever is on PATH.
    result = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."])
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"


def test_ruff_format_leaves_every_file_as_it_is():
    result = _run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."])
    assert result.returncode == 0, f"run `ruff format .`:\n{result.stdout}{result.stderr}"


def test_mypy_finds_no_type_errors_in_compiler_and_runtime():
    result = _run([sys.executable, str(REPO / "tools" / "typecheck.py")])
    assert result.returncode == 0, f"mypy found type errors:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout, result.stdout
