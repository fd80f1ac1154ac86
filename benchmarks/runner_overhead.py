"""Runner benchmark: ptflow's local runner vs kfp.local's SubprocessRunner, and a cached re-run, in one run.

Per-step overhead.  Both runners execute the *same* compiled IR: a chain of
lightweight Python components (`add_one(x) -> x + 1`, compiled by kfp with
`install_kfp_package=False`, so no step calls pip).  kfp.local can only run
such components; ptflow runs their container command (`sh -ec ... python3 -m
kfp.dsl.executor_main`) like any other, with this venv's python3 first on PATH
so both sides run the same interpreter and the same step code.

Each run happens in a fresh process whose `subprocess.Popen` is wrapped to
add up how long the step processes lived (from the call that starts one to
the return of the wait for it, so starting a process counts as the step's
time on both sides).  After the imports, the run is timed as a whole;
`run - inside steps` is what the runner itself spent.  Two chain lengths are
run, so what a run pays once (imports done lazily, opening the store) cancels
out:

    overhead per step = (spent(long) - spent(short)) / (long - short)

is what the runner costs per step: resolving inputs, placeholders,
bookkeeping, logs, scheduling, and also reading and checking the pipeline
document, which grows with the number of steps (kfp writes ~40 lines of YAML
per step).  That last part is timed on its own too (ptflow: `spec.load` and
the pre-flight check; kfp.local: `load_component_from_file`), so the table
shows how the overhead splits between loading the document and running the
steps.  Whole-process wall times are shown too, and the machine's load
average, since other processes on a small machine move these numbers.

Cached re-run.  A chain of 100 shell container steps is run once, then again
with everything in the cache; the second run is timed as a whole `ptflow run`
process and as the runner reports it (without interpreter start-up).

    .venv/bin/python benchmarks/runner_overhead.py
    .venv/bin/python benchmarks/runner_overhead.py --short 5 --long 45 --cached-steps 100 --repeat 5

Run it by hand on a quiet machine; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def lightweight_chain(steps: int, path: Path) -> Path:
    """A kfp-compiled chain of `steps` lightweight Python components."""
    script = textwrap.dedent(f"""
        from kfp import compiler, dsl

        @dsl.component(base_image="python:3.11", install_kfp_package=False)
        def add_one(x: int) -> int:
            return x + 1

        @dsl.pipeline(name="chain")
        def chain(x: int = 0):
            task = add_one(x=x)
            for _ in range({steps} - 1):
                task = add_one(x=task.output)

        compiler.Compiler().compile(chain, {str(path)!r})
    """)
    source = path.with_suffix(".py")  # kfp reads a component's source from its file
    source.write_text(script)
    subprocess.run([sys.executable, str(source)], check=True)
    return path


def shell_chain(steps: int, path: Path) -> Path:
    """A chain of `steps` trivial shell container steps, as KFP v2 IR."""
    components, executors, tasks = {}, {}, {}
    for index in range(steps):
        name = f"step-{index}"
        components[f"comp-{name}"] = {
            "executorLabel": f"exec-{name}",
            "inputDefinitions": {"parameters": {"x": {"parameterType": "NUMBER_INTEGER"}}},
            "outputDefinitions": {"parameters": {"out": {"parameterType": "NUMBER_INTEGER"}}},
        }
        executors[f"exec-{name}"] = {
            "container": {
                "image": "alpine:3",
                "command": [
                    "sh",
                    "-c",
                    'echo $(($0 + 1)) > "$1"',
                    "{{$.inputs.parameters['x']}}",
                    "{{$.outputs.parameters['out'].output_file}}",
                ],
            }
        }
        source = (
            {"runtimeValue": {"constant": 0}}
            if index == 0
            else {"taskOutputParameter": {"producerTask": f"step-{index - 1}", "outputParameterKey": "out"}}
        )
        tasks[name] = {
            "componentRef": {"name": f"comp-{name}"},
            "taskInfo": {"name": name},
            "cachingOptions": {"enableCache": True},
            "inputs": {"parameters": {"x": source}},
            **({"dependentTasks": [f"step-{index - 1}"]} if index else {}),
        }
    spec = {
        "pipelineInfo": {"name": f"shell-chain-{steps}"},
        "schemaVersion": "2.1.0",
        "sdkVersion": "benchmark",
        "components": components,
        "deploymentSpec": {"executors": executors},
        "root": {"dag": {"tasks": tasks}},
    }
    path.write_text(json.dumps(spec))  # JSON is YAML
    return path


def environment() -> dict:
    """This venv's python3 first on PATH, for both runners."""
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


# Counts the lifetime of every process the runner starts, and the time spent loading the document (whatever
# the run code passes through `loading`); printed as JSON at the end.
_HARNESS = textwrap.dedent("""
    import json, subprocess, sys, time
    inside = [0.0]
    loaded = [0.0]

    def loading(function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                loaded[0] += time.perf_counter() - started
        return timed

    class TimedPopen(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            self._born = time.perf_counter()
            super().__init__(*args, **kwargs)

        def wait(self, timeout=None):
            code = super().wait(timeout)
            if not getattr(self, "_counted", False):
                self._counted = True
                inside[0] += time.perf_counter() - self._born
            return code

    subprocess.Popen = TimedPopen
""")


def measured(run_code: str, imports: str, folder: Path) -> dict:
    """Run `run_code` in a fresh, instrumented process; its run time and the time inside step processes."""
    script = (
        _HARNESS
        + imports
        + textwrap.dedent(f"""
        started = time.perf_counter()
        {run_code}
        run = time.perf_counter() - started
        print("BENCH " + json.dumps({{"run": run, "inside": inside[0], "loading": loaded[0]}}))
    """)
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, env=environment(), capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"a benchmark run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    line = next(text for text in result.stdout.splitlines() if text.startswith("BENCH "))
    return dict(json.loads(line[len("BENCH ") :]), wall=wall, output=result.stdout)


def run_ptflow_measured(ir: Path, folder: Path) -> dict:
    imports = (
        "import io\n"
        "from ptflow.runtime.runner import preflight, spec\n"
        "from ptflow.runtime.runner.engine import RunOptions\n"
        "from ptflow.runtime.runner.execute import run_file\n"
        "from ptflow.runtime.runner.progress import Progress\n"
        "spec.load, preflight.check = loading(spec.load), loading(preflight.check)\n"
    )
    code = (
        f"outcome = run_file({str(ir)!r}, {{}}, options=RunOptions(use_cache=False, parallelism=1), "
        f"store_dir={str(folder / 'store')!r}, progress=Progress(sys.stdout)); "
        "assert outcome.ok, outcome.report or outcome.diagnostics"
    )
    return measured(code, imports, folder)


def run_kfp_local_measured(ir: Path, folder: Path) -> dict:
    imports = "from kfp import components, local\n"
    code = (
        f"local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root={str(folder / 'root')!r}); "
        f"loading(components.load_component_from_file)({str(ir)!r})(x=0)"
    )
    return measured(code, imports, folder)


def run_ptflow(ir: Path, folder: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(folder / "store"), *extra],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"ptflow run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=int, default=5, help="steps in the short chain (default 5)")
    parser.add_argument("--long", type=int, default=25, help="steps in the long chain (default 25)")
    parser.add_argument("--cached-steps", type=int, default=100, help="steps of the cached re-run (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; medians are kept")
    parser.add_argument(
        "--folder",
        metavar="DIR",
        default=None,
        help="where stores and outputs go (default: the system temp folder; /dev/shm takes disk "
        "latency out of both runners' numbers)",
    )
    args = parser.parse_args()

    runners = (("ptflow", run_ptflow_measured), ("kfp.local", run_kfp_local_measured))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ptflow-bench-", dir=args.folder) as temporary:
        root = Path(temporary)
        chains = {steps: lightweight_chain(steps, root / f"chain-{steps}.yaml") for steps in (args.short, args.long)}
        results: dict[tuple[str, int], list[dict]] = {}
        for attempt in range(args.repeat):  # interleaved, so both runners see the same machine load
            for steps, ir in chains.items():
                for runner, measure in runners:
                    folder = root / f"{runner}-{steps}-{attempt}"
                    folder.mkdir()
                    results.setdefault((runner, steps), []).append(measure(ir, folder))

        cached_ir = shell_chain(args.cached_steps, root / "shell-chain.json")
        cached_folder = root / "cached"
        cached_folder.mkdir()
        first, _ = run_ptflow(cached_ir, cached_folder)
        rerun_samples, reported = [], []
        for _ in range(args.repeat):
            seconds, output = run_ptflow(cached_ir, cached_folder)
            if f"{args.cached_steps} cached" not in output:
                raise SystemExit(f"the re-run was not fully cached:\n{output[-1500:]}")
            rerun_samples.append(seconds)
            reported.append(float(re.search(r"succeeded in ([0-9.]+)s", output).group(1)))

    def median(runner: str, steps: int, key) -> float:
        return statistics.median(key(sample) for sample in results[(runner, steps)])

    load_after = os.getloadavg()
    print(
        f"Per-step overhead: the same kfp-compiled chains of lightweight Python components "
        f"({args.short} and {args.long} steps), medians of {args.repeat} fresh processes, files in "
        f"{args.folder or tempfile.gettempdir()}; {os.cpu_count()} CPUs, load average (1 min) "
        f"{load_before[0]:.2f} before and {load_after[0]:.2f} after\n"
    )
    print("| runner | steps | whole process | run | inside steps | runner's own time |")
    print("| --- | --- | --- | --- | --- | --- |")
    overhead, loading = {}, {}
    for runner, _ in runners:
        for steps in (args.short, args.long):
            print(
                f"| {runner} | {steps} | {median(runner, steps, lambda s: s['wall']):.2f} s | "
                f"{median(runner, steps, lambda s: s['run']):.3f} s | "
                f"{median(runner, steps, lambda s: s['inside']):.3f} s | "
                f"{median(runner, steps, lambda s: s['run'] - s['inside']) * 1000:.0f} ms |"
            )
        spent = {steps: median(runner, steps, lambda s: s["run"] - s["inside"]) for steps in (args.short, args.long)}
        overhead[runner] = (spent[args.long] - spent[args.short]) / (args.long - args.short)
        loads = {steps: median(runner, steps, lambda s: s["loading"]) for steps in (args.short, args.long)}
        loading[runner] = (loads[args.long] - loads[args.short]) / (args.long - args.short)
    print()
    print("| runner | overhead per step | of which loading the document | of which running the steps |")
    print("| --- | --- | --- | --- |")
    for runner, seconds in overhead.items():
        print(
            f"| {runner} | {seconds * 1000:.2f} ms | {loading[runner] * 1000:.2f} ms | "
            f"{(seconds - loading[runner]) * 1000:.2f} ms |"
        )
    ratio = overhead["ptflow"] / overhead["kfp.local"]
    print(
        f"\nptflow / kfp.local overhead per step: {ratio:.2f} (goal: at most 0.33 -> "
        f"{'met' if ratio <= 1 / 3 else 'NOT met'})"
    )
    # How much the machine moved the numbers: the ratio from each round of runs alone (all four runs of a round
    # ran back to back, so they saw about the same load).
    rounds = []
    for attempt in range(args.repeat):
        per_step = {}
        for runner, _ in runners:
            short, long = (results[(runner, steps)][attempt] for steps in (args.short, args.long))
            per_step[runner] = ((long["run"] - long["inside"]) - (short["run"] - short["inside"])) / (
                args.long - args.short
            )
        rounds.append(per_step["ptflow"] / per_step["kfp.local"])
    print(f"the same ratio from each round alone: {', '.join(f'{r:.2f}' for r in rounds)}")
    print(
        f"\nCached re-run of a {args.cached_steps}-step pipeline (first run {first:.2f} s), median of {args.repeat}\n"
    )
    print("| measurement | seconds |")
    print("| --- | --- |")
    print(f"| whole `ptflow run` process | {statistics.median(rerun_samples):.2f} |")
    print(f"| the run itself, as ptflow reports it | {statistics.median(reported):.2f} |")
    print(f"\ngoal: under 1 s -> {'met' if statistics.median(rerun_samples) < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
