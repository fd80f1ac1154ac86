"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself.

A project that uses the hooks gets them from this repository, and pre-commit
installs ptflow into a virtual environment of its own: that install takes
minutes from PyPI, so here the same hook definitions (entry, files) run as
local `language: system` hooks against the ptflow installed in this venv, in a
throw-away git repository, through the real `pre-commit run`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.editors.conftest import REPO

MANIFEST = REPO / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent

VALID = """\
component echo(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}

pipeline hello(name: str = "world") {
    greet = echo(msg: name)
}
"""
# `greeting` is not defined: an error `ptflow check` reports.
INVALID = VALID.replace("echo(msg: name)", "echo(msg: greeting)")


def pre_commit() -> str:
    executable = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    if executable is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return executable


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}


def ptflow_has(command: str) -> bool:
    result = subprocess.run([str(BIN / "ptflow"), command, "--help"], capture_output=True, text=True)
    return result.returncode == 0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path):
    """A git repository whose pre-commit config holds the manifest's hooks as local hooks."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q")
    local_hooks = [{**hook, "language": "system"} for hook in hooks().values()]
    config = {"repos": [{"repo": "local", "hooks": local_hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }

    def run_hook(hook_id: str) -> subprocess.CompletedProcess[str]:
        git(repo, "add", "-A")
        return subprocess.run(
            [pre_commit(), "run", hook_id, "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return repo, run_hook


def test_manifest_is_valid_for_pre_commit():
    result = subprocess.run([pre_commit(), "validate-manifest", str(MANIFEST)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_defines_check_and_fmt_on_ptflow_files():
    defined = hooks()
    assert set(defined) == {"ptflow-check", "ptflow-fmt"}
    assert defined["ptflow-check"]["entry"] == "ptflow check"
    assert defined["ptflow-fmt"]["entry"] == "ptflow fmt"
    for hook in defined.values():
        assert hook["language"] == "python"
        assert hook["files"] == r"\.ptflow$"


def test_check_hook_passes_valid_files_and_ignores_other_files(project):
    repo, run_hook = project
    (repo / "hello.ptflow").write_text(VALID)
    (repo / "nested").mkdir()
    (repo / "nested" / "again.ptflow").write_text(VALID)
    # Not a .ptflow file: the hook's `files` pattern must keep it away from ptflow.
    (repo / "notes.txt").write_text("pipeline {{{ this is not ptflow")
    result = run_hook("ptflow-check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_check_hook_fails_the_commit_and_shows_the_error(project):
    repo, run_hook = project
    (repo / "good.ptflow").write_text(VALID)
    (repo / "bad.ptflow").write_text(INVALID)
    result = run_hook("ptflow-check")
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "bad.ptflow:7" in result.stdout, result.stdout
    assert "greeting" in result.stdout
    assert "good.ptflow:" not in result.stdout


def test_fmt_hook_passes_formatted_files_and_fixes_others(project):
    if not ptflow_has("fmt"):
        pytest.skip("`ptflow fmt` is not in this ptflow yet (the formatter is a separate task)")
    repo, run_hook = project
    source = repo / "hello.ptflow"
    source.write_text(VALID)
    subprocess.run([str(BIN / "ptflow"), "fmt", str(source)], check=True, capture_output=True)
    formatted = source.read_text()
    assert run_hook("ptflow-fmt").returncode == 0

    source.write_text(formatted.replace("greet = echo(msg: name)", "greet   =   echo(  msg :name )"))
    result = run_hook("ptflow-fmt")
    assert result.returncode == 1
    assert "files were modified by this hook" in result.stdout
    assert source.read_text() == formatted
