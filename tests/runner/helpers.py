"""Helpers for the runner's tests: compile kfp pipelines to IR, call the real `ptflow` command."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml

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


def compile_ptflow(text: str, folder: Path, name: str = "pipeline") -> tuple[Path, list[dict]]:
    """`text` compiled by the real `ptflow compile`: the IR file and its documents, to change as a hand edit
    or another compiler would leave them (then `write_ir`)."""
    source = folder / f"{name}.ptflow"
    source.write_text(text)
    ir = folder / f"{name}.yaml"
    ptflow("compile", str(source), "-o", str(ir), check=True)
    return ir, list(yaml.safe_load_all(ir.read_text()))


def write_ir(path: Path, documents: list[dict]) -> Path:
    path.write_text(yaml.safe_dump_all(documents))
    return path


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


# A stand-in for a container engine (no Docker daemon runs here): `docker info` answers, and each
# `docker run` is logged (its argv, the values of the variables it passes by name, what each bound folder
# holds) and succeeds without running anything.
STAND_IN_DOCKER = """\
import json, os, sys
if sys.argv[1] == "info":
    print("stand-in")
    sys.exit(0)
argv = sys.argv[1:]
hidden, bound = {}, {}
for flag, value in zip(argv, argv[1:]):
    if flag == "-e" and "=" not in value:
        hidden[value] = os.environ.get(value)
    if flag == "-v":
        source, target = value.split(":", 1)
        bound[target] = sorted(os.listdir(source))
with open(os.environ["STAND_IN_LOG"], "a") as log:
    log.write(json.dumps({"argv": argv, "hidden": hidden, "bound": bound}) + "\\n")
"""


def stand_in_docker(tmp_path: Path) -> dict[str, str]:
    """A `docker` on PATH that records each `docker run` and succeeds; the environment to run ptflow with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f"#!{sys.executable}\n{STAND_IN_DOCKER}")
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STAND_IN_LOG": str(tmp_path / "docker.log")}


def stand_in_calls(env: dict[str, str]) -> list[dict]:
    """Each `docker run` the stand-in saw: its argv, the variables it passed by name, what each bound folder held."""
    return [json.loads(line) for line in Path(env["STAND_IN_LOG"]).read_text().splitlines()]


def bound_folders(argv: list[str]) -> list[str]:
    """The `-v folder:path[:ro]` bindings of a container engine's command line."""
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == "-v"]
