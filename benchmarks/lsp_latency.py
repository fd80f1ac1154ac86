"""Language-server latency, measured through the real server over stdio, as an editor sees it.

Starts `python -m ptflow lsp --stdio`, opens a generated file of about
100 and about 2,000 lines (standard-library training steps, local components,
loops, conditions, `with` options, comments), and measures:

- diagnostics: the time from sending a `didChange` to receiving the
  `publishDiagnostics` for that version, over repeated edits spaced apart so
  each is checked on its own (median and 90th percentile);
- completion: the time of a `textDocument/completion` request at a call's
  argument list, after `step.`, and at a plain name, over repeated requests.

    .venv/bin/python benchmarks/lsp_latency.py                 # 100 and 2000 lines, 30 edits each
    .venv/bin/python benchmarks/lsp_latency.py --sizes 100 2000 5000 --edits 50
    .venv/bin/python benchmarks/lsp_latency.py --breakdown     # also time the compiler's phases in-process
    .venv/bin/python benchmarks/lsp_latency.py --baseline /work/main/.venv/bin/python   # another checkout too

Each file comes in two shapes: `pipeline` (one pipeline of all the lines) and
`declarations` (the same steps as one pipeline per stage and a main pipeline
calling them); each edit either replaces a digit or types a digit and deletes
it again (which moves the text after it).  It also times the start: a fresh
server's answer to `initialize`, beside two floors: an empty Python, and
importing pygls (which the server does only after it has answered).

Goals: diagnostics p90 under 50 ms; completion under 30 ms; start under 300 ms.
Run it by hand; it is not part of the test suite.  On a shared machine,
compare the servers' CPU per edit and the ratio of two servers measured in one
run rather than absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

GOALS_MS = {"diagnostics": {100: 50, 2000: 50}, "completion": 30}

HEAD = """\
# A generated pipeline for the language-server benchmark.
import stdlib.torch as torch

## Square a number.
component square(x: int, scale: float = 1.0) -> (y: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $(($0 * $0)) > \\"$1\\"", x, y.path]
}

## Add up a list of numbers.
component add_up(xs: list[int], label: str = "sum") -> (sum: int) {
    image   = "python:3.11-slim"
    command = ["python3", "-c", "import json, sys; print(sum(json.loads(sys.argv[1])))", xs, sum.path]
}

## Keep a trained model.
component publish(model: Model, name: str) {
    image   = "python:3.11-slim"
    command = ["ls", model.path, name]
}

pipeline generated(numbers: list[int] = [1, 2, 3], seed: int = 1, epochs: int = 1, lr: float = 0.01) {
    description = "generated for benchmarks/lsp_latency.py"

"""


def stage(i: int) -> str:
    return f"""\
    # stage {i}: prepare, train, look at it, fan out and back in
    data_{i} = torch.prepare_images(seed: seed, max_samples: 200)
    train_{i} = torch.train(
        data: data_{i}.data,
        max_epochs: epochs,
        lr: lr,
        profiler: "pytorch",
    ) with {{
        cpu: "2",
        memory: "4Gi",
        retries: 2,
    }}
    board_{i} = torch.tensorboard(logs: train_{i}.tensorboard)
    keep_{i} = publish(model: train_{i}.model_file, name: "stage-{i}")
    for n in numbers parallel 2 {{
        sq_{i} = square(x: n)
    }}
    total_{i} = add_up(xs: sq_{i}.y, label: "stage {i}")
    if train_{i}.accuracy > 0.5 {{
        big_{i} = square(x: total_{i}.sum) with {{ cache: false }}
    }}

"""


def pipeline_source(lines: int) -> str:
    """A realistic pipeline of about `lines` lines (never fewer than one stage)."""
    parts = [HEAD]
    count = HEAD.count("\n") + 1
    i = 0
    while count + stage(i).count("\n") <= lines or i == 0:
        parts.append(stage(i))
        count += stage(i).count("\n")
        i += 1
    parts.append("}\n")
    return "".join(parts)


def declarations_source(lines: int) -> str:
    """The same work as `pipeline_source`, written as a realistic file of many declarations: each stage its
    own pipeline, called by the main pipeline at the end."""
    parts = [HEAD.split("pipeline generated(")[0]]
    count = parts[0].count("\n") + 1
    calls = []
    i = 0
    while count + stage(i).count("\n") + 4 <= lines or i == 0:
        body = stage(i)
        parts.append(
            f"## Stage {i}.\npipeline stage_{i}(numbers: list[int], seed: int, epochs: int, lr: float) {{\n{body}}}\n\n"
        )
        calls.append(f"    run_{i} = stage_{i}(numbers: numbers, seed: seed, epochs: epochs, lr: lr)\n")
        count += body.count("\n") + 4 + 1
        i += 1
    parts.append(
        "pipeline generated(numbers: list[int] = [1, 2, 3], seed: int = 1, epochs: int = 1, lr: float = 0.01) {\n"
        + "".join(calls)
        + "}\n"
    )
    return "".join(parts)


SHAPES = {"pipeline": pipeline_source, "declarations": declarations_source}


def position_after(text: str, marker: str, occurrence: int = 0) -> types.Position:
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(marker, offset + 1)
    offset += len(marker)
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


class Client:
    """A language client that records when each document version's diagnostics arrive."""

    def __init__(self) -> None:
        self.lsp = LanguageClient("lsp-latency-benchmark", "1")
        self.arrived: dict[tuple[str, int | None], float] = {}
        self.diagnostics: dict[str, list] = {}
        self._event = asyncio.Event()

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            self.arrived[(params.uri, params.version)] = time.perf_counter()
            self.diagnostics[params.uri] = params.diagnostics
            self._event.set()

    async def start(self, root: Path, python: str = sys.executable) -> float:
        """Start the server; returns the seconds from starting its process to `initialize` answered (and
        keeps the CPU seconds the server had used by then in `start_cpu`)."""
        started = time.perf_counter()
        # Started in the project folder, so `-m ptflow` finds the package `python` has installed, not a checkout.
        await self.lsp.start_io(python, "-m", "ptflow", "lsp", "--stdio", cwd=str(root))
        await self.lsp.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri(), process_id=None)
        )
        answered = time.perf_counter() - started
        self.start_cpu = self.server_cpu_seconds()
        self.lsp.initialized(types.InitializedParams())
        return answered

    def server_cpu_seconds(self) -> float | None:
        """CPU time the server process has used (Linux); unlike wall time, it barely depends on other load."""
        import os

        server = getattr(self.lsp, "_server", None)
        try:
            with open(f"/proc/{server.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (AttributeError, OSError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        await self.lsp.shutdown_async(None)
        self.lsp.exit(None)
        await self.lsp.stop()

    async def diagnostics_for(self, uri: str, version: int, timeout: float = 60) -> float:
        """When the diagnostics of `version` arrived (waiting for them)."""
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.arrived:
            self._event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for version {version} of {uri}")
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                pass
        return self.arrived[(uri, version)]


async def measure_size(
    client: Client, folder: Path, shape: str, lines: int, edits: int, completions: int, pause: float, kind: str
) -> dict:
    text = SHAPES[shape](lines)
    path = folder / f"generated_{shape}_{lines}_{kind}.ptflow"
    path.write_text(text)
    uri = path.as_uri()
    client.lsp.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="ptflow", version=1, text=text))
    )
    await client.diagnostics_for(uri, 1)
    problems = len(client.diagnostics.get(uri, []))

    # Edit a number in the middle of the file: each edit is one keystroke's change.  Replacing a digit
    # keeps the text after it where it was; typing a digit and deleting it again moves it along its line;
    # typing a newline at the end of that line and deleting it again moves everything below to other lines.
    target = position_after(text, "max_samples: ", text.count("max_samples: ") // 2)
    digit = types.Range(
        types.Position(target.line, target.character + 2), types.Position(target.line, target.character + 3)
    )
    after = types.Position(target.line, target.character + 3)
    line_end = types.Position(target.line, len(text.splitlines()[target.line]))
    latencies = []
    cpu_before = client.server_cpu_seconds()
    for version in range(2, edits + 2):
        await asyncio.sleep(pause)
        if kind == "replace":
            change = types.TextDocumentContentChangePartial(range=digit, text=str(version % 10))
        elif kind == "type" and version % 2 == 0:
            change = types.TextDocumentContentChangePartial(range=types.Range(after, after), text="7")
        elif kind == "type":
            typed = types.Range(after, types.Position(after.line, after.character + 1))
            change = types.TextDocumentContentChangePartial(range=typed, text="")
        elif version % 2 == 0:
            change = types.TextDocumentContentChangePartial(range=types.Range(line_end, line_end), text="\n")
        else:
            typed = types.Range(line_end, types.Position(line_end.line + 1, 0))
            change = types.TextDocumentContentChangePartial(range=typed, text="")
        sent = time.perf_counter()
        client.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change])
        )
        latencies.append(await client.diagnostics_for(uri, version) - sent)
    cpu_after = client.server_cpu_seconds()
    cpu_per_edit = (cpu_after - cpu_before) / edits if cpu_before is not None and cpu_after is not None else None

    document = types.TextDocumentIdentifier(uri)
    probes = {
        "inputs of a call": position_after(text, "torch.train(\n", text.count("torch.train(\n") // 2),
        "outputs after `step.`": position_after(text, "train_0.", 0),
        "names": position_after(text, "xs: ", text.count("xs: ") // 2),
    }
    completion_times: dict[str, list[float]] = {}
    counts = {}
    for name, where in probes.items():
        times = []
        for _ in range(completions):
            sent = time.perf_counter()
            result = await client.lsp.text_document_completion_async(
                types.CompletionParams(
                    text_document=document,
                    position=where,
                    context=types.CompletionContext(types.CompletionTriggerKind.Invoked),
                )
            )
            times.append(time.perf_counter() - sent)
        completion_times[name] = times
        counts[name] = len(result.items) if result else 0
    client.lsp.text_document_did_close(types.DidCloseTextDocumentParams(document))
    return {
        "shape": shape,
        "kind": kind,
        "lines": text.count("\n"),
        "problems": problems,
        "diagnostics": latencies,
        "cpu": cpu_per_edit,
        "completion": completion_times,
        "items": counts,
    }


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"{statistics.median(values) * 1000:.1f} ms (p90 {p90 * 1000:.1f})"


def breakdown(lines: int, shape: str, repeats: int = 5) -> str:
    """CPU time of each phase behind one check, in-process and with the collector paused, as the server runs
    them (its incremental parser and re-check): parse (the compiler's whole parser alone, for scale), check
    (the incremental parse included), lint rules, index."""
    from ptflow.compiler.api import check_file, garbage_collection_paused
    from ptflow.compiler.index import build_index
    from ptflow.compiler.modules import ModuleLoader
    from ptflow.compiler.parser import parse_module
    from ptflow.lsp.analysis import with_lint_findings

    try:
        from ptflow.compiler.recheck import CheckReuse

        reuse = {"reuse": CheckReuse()}
    except ImportError:  # a checkout from before the re-check
        reuse = {}
    text = SHAPES[shape](lines)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "generated.ptflow")
        loader = ModuleLoader(incremental=True)
        check_file(path, text, loader=loader, **reuse)
        phases: dict[str, list[float]] = {"parse": [], "check": [], "lint": [], "index": []}
        for k in range(repeats):
            edited = text.replace("max_samples: 200", f"max_samples: {300 + k}", 1)
            with garbage_collection_paused():
                started = time.process_time()
                parse_module(edited, path)
                parsed = time.process_time()
                result = check_file(path, edited, loader=loader, **reuse)
                checked = time.process_time()
                with_lint_findings(result)
                linted = time.process_time()
                build_index(result.scope)
                indexed = time.process_time()
            for name, seconds in (
                ("parse", parsed - started),
                ("check", checked - parsed),
                ("lint", linted - checked),
                ("index", indexed - linted),
            ):
                phases[name].append(seconds)
    return ", ".join(f"{name} {statistics.median(times) * 1000:.1f} ms" for name, times in phases.items())


async def run(
    python: str, shapes: list[str], sizes: list[int], edits: int, completions: int, pause: float, kinds: list[str]
) -> list[dict]:
    client = Client()
    with tempfile.TemporaryDirectory() as folder:
        await client.start(Path(folder), python)
        try:
            return [
                await measure_size(client, Path(folder), shape, size, edits, completions, pause, kind)
                for shape in shapes
                for size in sizes
                for kind in kinds
            ]
        finally:
            await client.stop()


async def start_times(python: str, starts: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds from starting the server's process to its answer to `initialize`, once per fresh
    process."""
    times, cpu = [], []
    for _ in range(starts):
        client = Client()
        with tempfile.TemporaryDirectory() as folder:
            times.append(await client.start(Path(folder), python))
            cpu.append(client.start_cpu or 0.0)
            await client.stop()
    return times, cpu


def process_times(command: list[str], starts: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of a whole process, `starts` times."""
    import resource
    import subprocess

    times, cpu = [], []
    for _ in range(starts):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=["pipeline", "declarations"])
    parser.add_argument(
        "--edits-kind",
        nargs="+",
        choices=["replace", "type", "line"],
        default=["replace", "type"],
        help="replace a digit (text after it stays put), type a digit and delete it (text after it moves along its"
        " line), and/or type a newline and delete it (text below moves to other lines)",
    )
    parser.add_argument("--edits", type=int, default=30, help="edits per size (default 30)")
    parser.add_argument("--completions", type=int, default=30, help="requests per completion probe (default 30)")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between edits (default 0.1)")
    parser.add_argument("--starts", type=int, default=5, help="fresh servers started to time `initialize`")
    parser.add_argument(
        "--baseline", metavar="PYTHON", help="also measure the server this Python runs (another checkout's venv)"
    )
    parser.add_argument("--breakdown", action="store_true", help="also time parse/check/lint/index in-process")
    args = parser.parse_args()

    pythons = [sys.executable] + ([args.baseline] if args.baseline else [])
    kinds = args.edits_kind
    results = {}
    starts = {}
    for python in pythons:
        starts[python] = asyncio.run(start_times(python, args.starts))
        results[python] = asyncio.run(
            run(python, args.shapes, args.sizes, args.edits, args.completions, args.pause, kinds)
        )
    floors = {
        "`python -c pass`": process_times([sys.executable, "-c", "pass"], args.starts),
        "`python -c 'import pygls.lsp.server'`": process_times(
            [sys.executable, "-c", "import pygls.lsp.server"], args.starts
        ),
    }

    print("| server | start: `initialize` answered (wall) | server CPU by then |")
    print("|---|---|---|")
    for python in pythons:
        print(f"| {python} | {summary(starts[python][0])} | {summary(starts[python][1])} |")
    for name, (wall, cpu) in floors.items():
        print(f"| floor: {name} | {summary(wall)} | {summary(cpu)} |")
    print()
    print(
        "| server | file | edit | diagnostics after didChange | server CPU per edit | goal"
        " | completion (inputs / outputs / names) | goal |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for python in pythons:
        for result in results[python]:
            goal = GOALS_MS["diagnostics"].get(min(GOALS_MS["diagnostics"], key=lambda n: abs(n - result["lines"])))
            completion = " / ".join(summary(times) for times in result["completion"].values())
            cpu = f"{result['cpu'] * 1000:.0f} ms" if result["cpu"] is not None else "n/a"
            edit = {"replace": "replace", "type": "type+delete", "line": "newline+delete"}[result["kind"]]
            print(
                f"| {python} | {result['lines']} lines, {result['shape']} | {edit} | {summary(result['diagnostics'])}"
                f" | {cpu} | < {goal} ms | {completion} | < {GOALS_MS['completion']} ms |"
            )
    for python in pythons:
        for result in results[python]:
            items = ", ".join(f"{name}: {count}" for name, count in result["items"].items())
            print(
                f"\n{result['lines']} lines ({result['shape']}): {result['problems']} diagnostics in the file; "
                f"completion items: {items}"
            )
    if args.breakdown:
        for size in args.sizes:
            for shape in args.shapes:
                print(f"\n{size} lines ({shape}), CPU in-process: {breakdown(size, shape)}")


if __name__ == "__main__":
    main()
