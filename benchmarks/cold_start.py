"""Cold-start benchmark: whole `ptflow` processes against their floor and their peer, in one run.

Times, as whole processes (start, imports, work, exit), side by side in
interleaved rounds so that load on the machine hits every side alike:

- `python -c pass` of the same venv (the floor: the interpreter alone);
- `ptflow check examples/hello/hello.ptflow`;
- `ptflow compile examples/hello/hello.ptflow -o OUT`;
- `ptflow compile` of a 10-step chain (the pipeline of benchmarks/compile_bench.py);
- `ptflow compile examples/hello/hello.ptflow --target kfp-v1 -o OUT`;
- kfp 2.17's `python pipeline.py` for the same 10-step chain (the peer: the
  KFP DSL module compiles itself when run, as kfp's docs show);
- with `--big-chain N` (1000 in README "Speed"): `ptflow compile` of an
  N-step chain for kfp-v2 and kfp-v1, beside kfp 2.17's `python pipeline.py`
  and, with `--kfp1-python`, kfp 1.8.22's for the same chain (whole processes:
  imports, compiling, writing, exit).

It prints each median and its ratio to bare python, and each chain's ratio to kfp.

Every process runs with Python's bytecode cache on, kept in a temporary folder
(PYTHONPYCACHEPREFIX), as for an installed ptflow (pip compiles the .pyc files
when it installs a package); a PYTHONDONTWRITEBYTECODE in the environment
would otherwise make every run recompile ptflow's own modules from source.
`--no-bytecode-cache` measures that case instead.

    .venv/bin/python benchmarks/cold_start.py              # 21 rounds
    .venv/bin/python benchmarks/cold_start.py --rounds 41 --no-kfp
    .venv/bin/python benchmarks/cold_start.py --baseline /work/main/.venv/bin/python   # before/after a change
    .venv/bin/python benchmarks/cold_start.py --rounds 5 --big-chain 1000 --kfp1-python .venv-kfp1/bin/python

Run it by hand; it is not part of the test suite.  To see where a cold
command's time goes: `.venv/bin/python -X importtime -m ptflow compile
examples/hello/hello.ptflow -o /tmp/x.yaml 2>&1 | sort -t'|' -k2 -n | tail -30`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from compile_bench import kfp1_source, kfp_source, ptflow_source  # noqa: E402

HELLO = REPO / "examples" / "hello" / "hello.ptflow"


def kfp_pipeline_script(n: int, out: Path) -> str:
    """kfp's DSL for an n-step chain, as a `pipeline.py` that compiles itself when run."""
    return kfp_source("chain", n) + (
        "\n\nif __name__ == '__main__':\n"
        "    from kfp import compiler\n"
        f"    compiler.Compiler().compile(build(), {str(out)!r})\n"
    )


def kfp1_pipeline_script(n: int, out: Path) -> str:
    """kfp 1.8's DSL for an n-step chain, compiling itself to an Argo Workflow when run."""
    return kfp1_source("chain", n) + (
        "\n\nif __name__ == '__main__':\n"
        "    from kfp import compiler\n"
        f"    compiler.Compiler().compile(build(), {str(out)!r})\n"
    )


def time_process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one whole process.

    CPU time is reported beside wall time because it moves far less when other
    work shares the machine; the two tell the same story on a quiet one.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (each runs every command once)")
    parser.add_argument("--no-kfp", action="store_true", help="leave out kfp's `python pipeline.py`")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run every process with PYTHONDONTWRITEBYTECODE=1 and no cached .pyc of ptflow",
    )
    parser.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="also time the ptflow commands of another venv (e.g. main's), to compare a change",
    )
    parser.add_argument(
        "--big-chain",
        type=int,
        default=0,
        metavar="N",
        help="also compile an N-step chain, whole process, with ptflow (kfp-v2, kfp-v1) and kfp",
    )
    parser.add_argument(
        "--kfp1-python",
        metavar="PYTHON",
        help="a Python with kfp==1.8.22 (tests/kfp_v1/regenerate_goldens.py makes .venv-kfp1), for --big-chain",
    )
    args = parser.parse_args()
    python = sys.executable
    ptflow = str(Path(python).parent / "ptflow")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ)
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")  # the repository's own __pycache__ stays as it is
        chain = tmp / "chain10.ptflow"
        chain.write_text(ptflow_source("chain", 10))
        pipeline_py = tmp / "pipeline.py"
        pipeline_py.write_text(kfp_pipeline_script(10, tmp / "kfp.yaml"))
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "ptflow check hello": [ptflow, "check", str(HELLO)],
            "ptflow compile hello": [ptflow, "compile", str(HELLO), "-o", str(tmp / "hello.yaml")],
            "ptflow compile chain10": [ptflow, "compile", str(chain), "-o", str(tmp / "chain.yaml")],
            "ptflow compile hello --target kfp-v1": [
                ptflow,
                "compile",
                str(HELLO),
                "--target",
                "kfp-v1",
                "-o",
                str(tmp / "hello-v1.yaml"),
            ],
        }
        big = args.big_chain
        if big:
            big_source = tmp / f"chain{big}.ptflow"
            big_source.write_text(ptflow_source("chain", big))
            commands[f"ptflow compile chain{big}"] = [ptflow, "compile", str(big_source), "-o", str(tmp / "big.yaml")]
            commands[f"ptflow compile chain{big} --target kfp-v1"] = [
                ptflow,
                "compile",
                str(big_source),
                "--target",
                "kfp-v1",
                "-o",
                str(tmp / "big-v1.yaml"),
            ]
        if args.baseline:
            baseline = str(Path(args.baseline).parent / "ptflow")
            for name, argv in list(commands.items())[1:]:
                commands[f"baseline {name}"] = [baseline, *argv[1:]]
        if not args.no_kfp:
            commands["kfp python pipeline.py chain10"] = [python, str(pipeline_py)]
            if big:
                big_py = tmp / f"pipeline{big}.py"
                big_py.write_text(kfp_pipeline_script(big, tmp / "kfp-big.yaml"))
                commands[f"kfp python pipeline.py chain{big}"] = [python, str(big_py)]
        if big and args.kfp1_python:
            big_v1_py = tmp / f"pipeline{big}_v1.py"
            big_v1_py.write_text(kfp1_pipeline_script(big, tmp / "kfp1-big.yaml"))
            commands[f"kfp 1.8 python pipeline.py chain{big}"] = [args.kfp1_python, str(big_v1_py)]
        for argv in commands.values():  # warm the OS file cache and __pycache__ once
            time_process(argv, env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, argv in commands.items():
                elapsed, used = time_process(argv, env)
                wall[name].append(elapsed)
                cpu[name].append(used)
    wall_median = {name: statistics.median(values) for name, values in wall.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
    floor, cpu_floor = wall_median["python -c pass"], cpu_median["python -c pass"]
    cache = "without" if args.no_bytecode_cache else "with"
    print(f"whole process, {cache} bytecode cache, median of {args.rounds} interleaved rounds ({python}):\n")
    print("| command | wall (s) | vs `python -c pass` | CPU (s) | vs `python -c pass` |")
    print("| --- | --- | --- | --- | --- |")
    for name in commands:
        print(
            f"| {name} | {wall_median[name]:.3f} | {wall_median[name] / floor:.1f}x "
            f"| {cpu_median[name]:.3f} | {cpu_median[name] / cpu_floor:.1f}x |"
        )
    peers = [("ptflow compile chain10", "kfp python pipeline.py chain10")]
    if args.big_chain:
        n = args.big_chain
        peers += [
            (f"ptflow compile chain{n}", f"kfp python pipeline.py chain{n}"),
            (f"ptflow compile chain{n} --target kfp-v1", f"kfp 1.8 python pipeline.py chain{n}"),
        ]
    print()
    for ours, theirs in peers:
        if theirs in commands:
            print(
                f"{ours}: {wall_median[theirs] / wall_median[ours]:.1f}x faster (wall), "
                f"{cpu_median[theirs] / cpu_median[ours]:.1f}x less CPU than `{theirs}`"
            )
    print(json.dumps({"rounds": args.rounds, "wall_median_s": wall_median, "cpu_median_s": cpu_median}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
