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


def test_the_python_floor_pip_enforces_is_the_one_the_checks_use():
    # pip installs ptflow on any Python that `requires-python` admits; mypy and ruff check the code against
    # their own version settings. When those were 3.11 and the metadata said >=3.10, pip installed ptflow on
    # 3.10, where `import tomllib` and `enum.StrEnum` fail at the first command.
    import tomllib

    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    floor = settings["project"]["requires-python"]
    assert floor.startswith(">="), floor
    major, minor = floor.removeprefix(">=").split(".")[:2]
    assert settings["tool"]["mypy"]["python_version"] == f"{major}.{minor}"
    assert settings["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert sys.version_info[:2] >= (int(major), int(minor)), "the tests run on a Python below the declared floor"
