"""`ptflow import` on a large KFP v2 IR, against kfp loading the same YAML, in one run.

    .venv/bin/python benchmarks/import_bench.py [--steps 1000] [--repeat 5]

The IR is a chain of N container steps compiled by ptflow (compile_bench's
shape).  Each side is timed as a whole process, start to exit, the median of
`--repeat` runs:

- ptflow: `python -m ptflow import big.yaml -o big.ptflow` (read, resolve,
  write, format, and check the imported source);
- kfp: `python -c "kfp.components.load_component_from_file('big.yaml')"`
  (read and build kfp's in-memory component: less work than an import, and
  the number a kfp user waits for when loading a pipeline file).

Run by hand; no timing assertions in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compile_bench import ptflow_source

KFP_LOAD = "import sys; from kfp.components import load_component_from_file; load_component_from_file(sys.argv[1])"


def whole_process(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "big.ptflow"
        source.write_text(ptflow_source("chain", args.steps))
        ir = Path(folder) / "big.yaml"
        subprocess.run(
            [sys.executable, "-m", "ptflow", "compile", str(source), "-o", str(ir)], check=True, capture_output=True
        )
        imported = Path(folder) / "imported.ptflow"
        ptflow = whole_process([sys.executable, "-m", "ptflow", "import", str(ir), "-o", str(imported)], args.repeat)
        kfp = whole_process([sys.executable, "-c", KFP_LOAD, str(ir)], args.repeat)
        python = whole_process([sys.executable, "-c", "pass"], args.repeat)
    print(f"IR: a chain of {args.steps} steps")
    print(f"{'':40} {'whole process (s)':>18}")
    print(f"{'ptflow import':40} {ptflow:18.3f}")
    print(f"{'kfp load_component_from_file':40} {kfp:18.3f}")
    print(f"{'python -c pass (interpreter start)':40} {python:18.3f}")
    print(f"ratio kfp / ptflow: {kfp / ptflow:.2f}x")


if __name__ == "__main__":
    main()
