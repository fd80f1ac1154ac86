"""Compile-time benchmark: ptflow vs kfp's own compilers, side by side, in one run.

Generates pipelines of N container steps in two shapes — a chain (each step
consumes the previous one's output) and a wide fan (N independent steps
feeding one final step) — writes each both as .ptflow and as the equivalent
KFP Python DSL, and compiles each with both compilers.  Every measurement runs
in a fresh subprocess, timing only the work (build + compile + write), not the
interpreter start or imports; a cold `ptflow compile` of an example is timed
as a whole process.  Imports are left out the same way on both sides: each
subprocess first compiles a one-step pipeline of other names with the same
compiler (ptflow imports what a compile needs lazily, at its first compile, and
kfp may set things up at its first compile too), then times the N-step one.

    .venv/bin/python benchmarks/compile_bench.py                 # N = 10, 100, 1000 (kfp too)
    .venv/bin/python benchmarks/compile_bench.py --sizes 10 100 1000 10000 --kfp-max 1000
    .venv/bin/python benchmarks/compile_bench.py --target kfp-v1 --kfp1-python .venv-kfp1/bin/python

Run it by hand on a quiet machine; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COMPONENT = """
component step(x: str) -> (y: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo \\"$0\\" > \\"$1\\"", x, y.path]
}
component gather(xs: list) {
    image = "alpine:3.19"
    command = ["echo", xs]
}
"""


def ptflow_source(shape: str, n: int) -> str:
    lines = [COMPONENT, 'pipeline bench(start: str = "go") {']
    if shape == "chain":
        lines.append("    s0 = step(x: start)")
        lines += [f"    s{i} = step(x: s{i - 1}.y)" for i in range(1, n)]
    else:
        lines += [f"    s{i} = step(x: start)" for i in range(n - 1)]
        lines.append('    last = step(x: f"{s0.y}")')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _pipeline_body(shape: str, n: int) -> str:
    """The body of the generated KFP DSL pipeline (the same for kfp 1.8 and 2.x)."""
    body = []
    if shape == "chain":
        body.append("        t = step(x=start)")
        body += ["        t = step(x=t.outputs['y'])" for _ in range(1, n)]
    else:
        body.append("        first = step(x=start)")
        body += ["        step(x=start)" for _ in range(1, n - 1)]
        body.append("        step(x=first.outputs['y'])")
    return "\n".join(body) + "\n    return bench\n"


def kfp_source(shape: str, n: int) -> str:
    head = """
from kfp import dsl, compiler

@dsl.container_component
def step(x: str, y: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3.19", command=["sh", "-c", 'echo "$0" > "$1"', x, y])

def build():
    @dsl.pipeline(name="bench")
    def bench(start: str = "go"):
"""
    return head + _pipeline_body(shape, n)


PTFLOW_RUNNER = """
import sys, time
from ptflow.compiler.api import compile_file, garbage_collection_paused
from ptflow.commands.common import dump_yaml_documents
path, out, target, warm_up = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
# Imports are not timed on either side (kfp's `import kfp` isn't): a first compile of a one-step pipeline loads
# what a compile and its writing import.
warm = compile_file(warm_up, target)
assert warm.ok
with garbage_collection_paused():
    dump_yaml_documents(warm.documents)
start = time.perf_counter()
result = compile_file(path, target)
assert result.ok, [d.message for d in result.diagnostics][:3]
with garbage_collection_paused():  # as `ptflow compile` writes it
    text = dump_yaml_documents(result.documents)
open(out, "w").write(text)
print(time.perf_counter() - start)
"""

# kfp 2.x's and kfp 1.8's runner alike: both compile a pipeline function with `compiler.Compiler().compile`.
KFP_RUNNER = """
import sys, time, importlib.util
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
module, warm_up = load(sys.argv[1], "bench_module"), load(sys.argv[3], "warm_up_module")
from kfp import compiler
compiler.Compiler().compile(warm_up.build(), sys.argv[2])  # as ptflow's runner: a first compile, not timed
start = time.perf_counter()
pipeline = module.build()
compiler.Compiler().compile(pipeline, sys.argv[2])
print(time.perf_counter() - start)
"""


def kfp1_source(shape: str, n: int) -> str:
    """The same pipelines for kfp 1.8, whose components are component.yaml texts."""
    head = '''
from kfp import components, dsl

step = components.load_component_from_text("""
name: step
inputs: [{name: x, type: String}]
outputs: [{name: y, type: String}]
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo "$0" > "$1"', {inputValue: x}, {outputPath: y}]
""")

def build():
    @dsl.pipeline(name="bench")
    def bench(start: str = "go"):
'''
    return head + _pipeline_body(shape, n)


def run_timed(python: str, script: str, *args: str) -> float:
    result = subprocess.run([python, "-c", script, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def median(values):
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--kfp-max", type=int, default=1000, help="largest N to give kfp (it is quadratic)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", choices=["kfp-v2", "kfp-v1"], default="kfp-v2")
    parser.add_argument(
        "--kfp1-python",
        default=str(REPO / ".venv-kfp1" / "bin" / "python"),
        help="a Python with kfp==1.8.22, for --target kfp-v1",
    )
    args = parser.parse_args()
    python = sys.executable
    peer = "kfp 2.17" if args.target == "kfp-v2" else "kfp 1.8.22"
    peer_python = python if args.target == "kfp-v2" else args.kfp1_python
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The one-step pipelines each side compiles first, untimed (see the top), with a step named apart.
        warm_up = tmp / "warm_up.ptflow"
        warm_up.write_text(ptflow_source("chain", 1).replace("s0 =", "first ="))
        warm_up_kfp = tmp / "warm_up_kfp.py"
        warm_up_kfp.write_text(kfp_source("chain", 1) if args.target == "kfp-v2" else kfp1_source("chain", 1))
        for shape in ("chain", "wide"):
            for n in args.sizes:
                source = tmp / f"{shape}{n}.ptflow"
                source.write_text(ptflow_source(shape, n))
                ours = median(
                    [
                        run_timed(python, PTFLOW_RUNNER, str(source), str(tmp / "out.yaml"), args.target, str(warm_up))
                        for _ in range(args.repeat)
                    ]
                )
                theirs = None
                if n <= args.kfp_max:
                    module = tmp / f"{shape}{n}_kfp.py"
                    module.write_text(kfp_source(shape, n) if args.target == "kfp-v2" else kfp1_source(shape, n))
                    repeat = args.repeat if n <= 1000 else 1
                    theirs = median(
                        [
                            run_timed(peer_python, KFP_RUNNER, str(module), str(tmp / "kfp.yaml"), str(warm_up_kfp))
                            for _ in range(repeat)
                        ]
                    )
                rows.append((shape, n, ours, theirs))
                ratio = f"{theirs / ours:.1f}x" if theirs else "-"
                print(
                    f"{shape:>5} N={n:<6} ptflow {ours:8.3f}s   {peer} "
                    f"{(f'{theirs:8.3f}s' if theirs else '   (skipped)')}   ratio {ratio}",
                    flush=True,
                )
    example = REPO / "examples" / "control_flow" / "control_flow.ptflow"
    cold = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [python, "-m", "ptflow", "compile", str(example), "-o", "/dev/null", "--target", args.target],
            check=True,
            capture_output=True,
        )
        cold.append(time.perf_counter() - start)
    print(f"\ncold `ptflow compile {example.relative_to(REPO)}` (whole process, median of 5): {median(cold):.3f}s")
    print("\n| shape | N | ptflow (s) | " + peer + " (s) | ratio |\n| --- | --- | --- | --- | --- |")
    for shape, n, ours, theirs in rows:
        print(
            f"| {shape} | {n} | {ours:.3f} | {theirs:.3f} | {theirs / ours:.0f}x |"
            if theirs
            else f"| {shape} | {n} | {ours:.3f} | skipped | - |"
        )
    print(json.dumps({"rows": rows, "cold_compile_s": median(cold)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
