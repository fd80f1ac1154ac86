"""Shared set-up for the editor tests: the npm toolchain of editors/vscode.

The tests run the real tools (npm, node, vscode-textmate, vsce) and skip only
when node or npm is not installed at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VSCODE_DIR = REPO / "editors" / "vscode"
GRAMMAR_PATH = VSCODE_DIR / "syntaxes" / "ptflow.tmLanguage.json"
GRAMMAR_TESTS_DIR = VSCODE_DIR / "tests"

# npm ci downloads from the registry the first time; later runs reuse node_modules.
NPM_CI_TIMEOUT_S = 600


def run(command: list[str], *, timeout: float, cwd: Path = VSCODE_DIR) -> subprocess.CompletedProcess[str]:
    """Run a command in editors/vscode, capturing its output as text."""
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def node_toolchain() -> Path:
    """editors/vscode with its node_modules installed (`npm ci` when they are missing)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not on PATH: the VS Code extension is built with the npm toolchain")
    if not (VSCODE_DIR / "node_modules" / ".package-lock.json").exists():
        result = run(["npm", "ci", "--no-audit", "--no-fund"], timeout=NPM_CI_TIMEOUT_S)
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
    return VSCODE_DIR


def tokenize(texts: list[str]) -> list[dict]:
    """Tokenize each text with the extension's grammar, as VS Code does (scripts/tokenize.js).

    Returns, per text, {"lines": [[{"start", "end", "scopes"}, ...], ...], "finalDepth": n}.
    """
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, text in enumerate(texts):
            path = Path(folder) / f"{number}.ptflow"
            path.write_text(text)
            paths.append(str(path))
        # One node process for all texts: starting node and the WebAssembly regex engine dominates.
        result = run(["node", "scripts/tokenize.js", *paths], timeout=120)
    assert result.returncode == 0, f"tokenize.js failed:\n{result.stderr}"
    return json.loads(result.stdout)
