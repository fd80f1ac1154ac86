"""`ptflow import` on a large KFP v2 IR, against kfp loading the same YAML, in one run.

    .venv/bin/python benchmarks/import_bench.py [--steps 1000] [--repeat 5] [--baseline PYTHON]

The IR is a chain of N container steps compiled by ptflow (compile_bench's
shape).  Each side is timed as a whole process, start to exit, the median of
`--repeat` runs:

- ptflow: `python -m ptflow import big.yaml -o big.ptflow` (read, resolve,
  write, format, and check the imported source);
- kfp: `python -c "kfp.components.load_component_from_file('big.yaml')"`
  (read and build kfp's in-memory component: less work than an import, and
  the number a kfp user waits for when loading a pipeline file).

Each side's CPU time (user + system, the process and its children) is shown
beside its wall time: on a shared machine wall time mostly measures the wait
for a core.  `--baseline PYTHON` also times `PYTHON -m ptflow import` (another
checkout's venv, say, for a before/after in the same run).

Run by hand; no timing assertions in the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compile_bench import ptflow_source

KFP_LOAD = "import sys; from kfp.components import load_component_from_file; load_component_from_file(sys.argv[1])"


def whole_process(command: list[str], repeat: int, cwd: str) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of `repeat` runs of `command` in `cwd` (not a checkout,
    where `-m ptflow` would find the checkout's package before the interpreter's own)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append((after.children_user - before.children_user) + (after.children_system - before.children_system))
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", metavar="PYTHON", help="also time PYTHON -m ptflow import (a before/after)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.ptflow"
        source.write_text(ptflow_source("chain", args.steps))
        ir = Path(folder) / "big.yaml"
        subprocess.run(
            [sys.executable, "-m", "ptflow", "compile", str(source), "-o", str(ir)], check=True, capture_output=True
        )
        imported = Path(folder) / "imported.ptflow"
        rows = {}
        commands = {"ptflow import": [sys.executable, "-m", "ptflow", "import", str(ir), "-o", str(imported)]}
        if args.baseline:
            commands["baseline ptflow import"] = [args.baseline, "-m", "ptflow", "import", str(ir), "-o", str(imported)]
        commands["kfp load_component_from_file"] = [sys.executable, "-c", KFP_LOAD, str(ir)]
        commands["python -c pass (interpreter start)"] = [sys.executable, "-c", "pass"]
        for name, command in commands.items():
            rows[name] = whole_process(command, args.repeat, folder)
    print(f"IR: a chain of {args.steps} steps; medians of {args.repeat} runs; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':40} {'wall (s)':>10} {'CPU (s)':>10}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:40} {wall:10.3f} {cpu:10.3f}")
    ours, kfp = rows["ptflow import"], rows["kfp load_component_from_file"]
    print(f"ratio kfp / ptflow: {kfp[0] / ours[0]:.2f}x wall, {kfp[1] / ours[1]:.2f}x CPU")
    if args.baseline:
        base = rows["baseline ptflow import"]
        print(f"ratio baseline / ptflow: {base[0] / ours[0]:.2f}x wall, {base[1] / ours[1]:.2f}x CPU")


if __name__ == "__main__":
    main()
