"""Running runtime steps the way a cluster does: `python -m ptflow.runtime STEP ...` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> StepResult:
        assert self.returncode == 0, f"step failed ({self.returncode}):\n{self.stderr[-4000:]}"
        return self


def run_step(step: str, *arguments: str | Path, timeout: float = 300, env: dict | None = None) -> StepResult:
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    completed = subprocess.run(
        [sys.executable, "-m", "ptflow.runtime", step, *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
    return StepResult(completed.returncode, completed.stdout, completed.stderr)


def run_step_without(modules: list[str], step: str, *arguments: str | Path, timeout: float = 120) -> StepResult:
    """Run a step in a process where importing any of `modules` fails (to show it never got that far)."""
    program = (
        "import sys\n"
        f"for name in {modules!r}: sys.modules[name] = None  # `import name` now raises ImportError\n"
        "from ptflow.runtime.entrypoint import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program, step, *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return StepResult(completed.returncode, completed.stdout, completed.stderr)


def flags(**values) -> list[str]:
    """`--name value` pairs; dicts and lists as JSON, booleans as the v2 launcher writes them."""
    result = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            text = json.dumps(value)
        else:
            text = str(value)
        result += [f"--{name}", text]
    return result


def executor_input(outputs_dir: Path, artifacts: dict[str, str], inputs: dict | None = None) -> dict:
    """A KFP v2 executor input whose output artifacts carry gs:// URIs, as on Vertex."""
    return {
        "inputs": inputs or {},
        "outputs": {
            "artifacts": {
                name: {
                    "artifacts": [
                        {
                            "name": f"projects/p/artifacts/{name}",
                            "type": {"schemaTitle": title},
                            "uri": f"gs://bucket/root/run/{name}",
                            "metadata": {},
                        }
                    ]
                }
                for name, title in artifacts.items()
            },
            "outputFile": str(outputs_dir / "executor_output.json"),
        },
    }
