"""`ptflow ui` page loads in a real browser: a 1,000-step run, and the runs list of a store with 10,000 runs.

    .venv/bin/python benchmarks/ui_bench.py
    .venv/bin/python benchmarks/ui_bench.py --steps 1000 --runs 10000 --repeat 7

Two stores are made in a temporary folder:

- a real `ptflow run` of a generated .ptflow pipeline with `--steps` shell
  steps (chains of ten `echo` steps side by side, each step reading the one
  before it), so the run page draws a DAG of that many boxes with their edges;
- a store with `--runs` runs of five executions each, written through the
  store's own schema (running ten thousand pipelines would take an hour).

Each page is loaded `--repeat` times in headless Chromium (Debian's, through
chromium-driver) and timed by the browser's own Navigation Timing: from the
start of navigation to the end of the load event, so the server's answer,
the transfer, parsing and drawing the inline SVG are all counted.  The first
load of the run page is reported on its own: it compiles the .ptflow source
for the picture (cached afterwards, per file version).

The peer is the command line on the same store: `ptflow show RUN` (the
1,000 steps as a table) and `ptflow runs --limit 50` (one page of runs), as
whole processes, so the ratio says how the page compares with what a user
would otherwise wait for.  Run it by hand on a quiet machine; not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ui.support import chromium_missing, new_browser, ptflow, ui_server


def many_steps_pipeline(steps: int, path: Path) -> Path:
    lines = [
        "component step(x: str) -> (out: str) {",
        '    image = "python:3.11-slim"',
        '    command = ["sh", "-c", "mkdir -p \\"$(dirname \\"$1\\")\\" && printf %s \\"$0.\\" > \\"$1\\"", '
        "x, out.path]",
        "}",
        "",
        "pipeline many_steps() {",
    ]
    chain_length = 10
    for index in range(steps):
        chain, position = divmod(index, chain_length)
        source = f'"c{chain}"' if position == 0 else f"s{chain}_{position - 1}.out"
        lines.append(f"    s{chain}_{position} = step(x: {source})")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")
    return path


def store_with_runs(store: Path, runs: int) -> None:
    """`runs` finished runs of 3 pipelines, five executions each, in the store's own schema."""
    from ptflow.runtime.runner.store import Store

    Store(store).close()  # the schema, exactly as the runner makes it
    now = time.time() - runs * 60
    db = sqlite3.connect(store / "ptflow.db")
    with db:
        run_rows, execution_rows = [], []
        for index in range(runs):
            run_id = f"bench-{index:06d}-{uuid.uuid4().hex[:6]}"
            status = "FAILED" if index % 17 == 0 else "SUCCEEDED"
            started = now + index * 60
            run_rows.append(
                (
                    run_id,
                    f"pipeline-{index % 3}",
                    "",
                    "",
                    json.dumps({"lr": 0.001 * (index % 10)}),
                    status,
                    started,
                    started + 30,
                    None,
                    None,
                    "{}",
                    None,
                )
            )
            for step in range(5):
                execution_rows.append(
                    (
                        uuid.uuid4().hex,
                        run_id,
                        f"step-{step}",
                        "comp",
                        "container",
                        "FAILED" if status == "FAILED" and step == 4 else "SUCCEEDED",
                        started + step,
                        started + step + 5,
                        1,
                        "{}",
                        "{}",
                    )
                )
        db.executemany(
            "INSERT INTO runs (id, pipeline, source, spec_digest, parameters, status, started, finished,"
            " pid, host, outputs, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            run_rows,
        )
        db.executemany(
            "INSERT INTO executions (uuid, run_id, task, component, kind, status, started, finished,"
            " attempts, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            execution_rows,
        )
    db.close()


def page_load_ms(browser, url: str) -> float:
    browser.get(url)
    return browser.execute_script(
        "var n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;"
    )


def command_ms(*args) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ptflow", *map(str, args)], check=True, capture_output=True)
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    why = chromium_missing()
    if why:
        print(f"cannot run the browser benchmark: {why}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ptflow-ui-bench-") as folder:
        root = Path(folder)
        source = many_steps_pipeline(args.steps, root / "many_steps.ptflow")
        started = time.perf_counter()
        ptflow("run", source, "--store", root / "steps-store", timeout=3600)
        print(f"ran a {args.steps}-step pipeline in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        run_id = json.loads(ptflow("runs", "--store", root / "steps-store", "--json").stdout)[0]["id"]
        started = time.perf_counter()
        store_with_runs(root / "runs-store", args.runs)
        print(f"wrote {args.runs} runs in {time.perf_counter() - started:.1f}s", file=sys.stderr)

        browser = new_browser()
        results = {}
        try:
            with ui_server(root / "steps-store") as server:
                url = f"{server.url}/runs/{run_id}"
                results["run page, first load (compiles the .ptflow)"] = [page_load_ms(browser, url)]
                results[f"run page, {args.steps} steps"] = [page_load_ms(browser, url) for _ in range(args.repeat)]
                nodes = browser.execute_script("return document.querySelectorAll('svg.dag g.node').length")
                assert nodes == args.steps, nodes
                size = len(browser.page_source)
            results[f"`ptflow show RUN` ({args.steps} steps)"] = [
                command_ms("show", run_id, "--store", root / "steps-store") for _ in range(args.repeat)
            ]
            with ui_server(root / "runs-store") as server:
                results[f"runs list, {args.runs} runs (page 1)"] = [
                    page_load_ms(browser, server.url + "/") for _ in range(args.repeat)
                ]
                results[f"runs list, {args.runs} runs (last page)"] = [
                    page_load_ms(browser, f"{server.url}/?page={args.runs // 50}") for _ in range(args.repeat)
                ]
                results[f"runs list, {args.runs} runs, filtered"] = [
                    page_load_ms(browser, f"{server.url}/?pipeline=pipeline-1&status=failed")
                    for _ in range(args.repeat)
                ]
            results["`ptflow runs --limit 50`"] = [
                command_ms("runs", "--store", root / "runs-store", "--limit", "50") for _ in range(args.repeat)
            ]
        finally:
            browser.quit()
    print(
        f"\nptflow ui page loads (headless Chromium, Navigation Timing start -> loadEventEnd; median of "
        f"{args.repeat}; load average {os.getloadavg()[0]:.2f}; run page HTML {size / 1024:.0f} KiB)\n"
    )
    print(f"{'what':58} {'median ms':>10} {'min ms':>8}")
    for what, samples in results.items():
        print(f"{what:58} {statistics.median(samples):10.0f} {min(samples):8.0f}")
    page = statistics.median(results[f"run page, {args.steps} steps"])
    show = statistics.median(results[f"`ptflow show RUN` ({args.steps} steps)"])
    listing = statistics.median(results[f"runs list, {args.runs} runs (page 1)"])
    runs_cli = statistics.median(results["`ptflow runs --limit 50`"])
    print(f"\nrun page / `ptflow show`: {page / show:.2f}; runs list / `ptflow runs`: {listing / runs_cli:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
