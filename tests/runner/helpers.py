"""Helpers for the runner's tests: compile kfp pipelines to IR, call the real `ptflow` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def compile_kfp(pipeline_func, path: Path) -> Path:
    """Compile a kfp DSL pipeline with kfp's own compiler (the IR a user would hand to `ptflow run`)."""
    from kfp import compiler

    compiler.Compiler().compile(pipeline_func, str(path))
    return path


def ptflow(
    *args: str, cwd: Path | None = None, timeout: float = 120, env: dict | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    """Run the real `ptflow` command line in a subprocess."""
    process_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [sys.executable, "-m", "ptflow", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=process_env,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"ptflow {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def show(store: Path, run: str = "latest") -> dict:
    """`ptflow show RUN --json` as a dict, with its steps keyed by task path."""
    result = ptflow("show", run, "--store", str(store), "--json", check=True)
    document = json.loads(result.stdout)
    document["by_task"] = {step["task"]: step for step in document["steps"]}
    return document


def run_id_of(output: str) -> str:
    """The run id from the first line `ptflow run` prints."""
    for line in output.splitlines():
        if line.startswith("run "):
            return line.split()[1]
    raise AssertionError(f"no run line in:\n{output}")
