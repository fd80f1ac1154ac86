"""A valid 1 MB program, checked: how long `ptflow check` takes on the largest file issue 15 asks for.

The program is the language-server benchmark's many-declarations file
(`lsp_latency.py`: local components, one pipeline per stage with standard-
library training steps, loops, conditions, `with` options and comments, and a
main pipeline calling every stage), grown to the size asked for.  Each
measurement runs in a fresh process of the given interpreter and times the
work alone (parse, then the whole check), not the interpreter's start; the
whole process of `ptflow check` is timed too.

    .venv/bin/python benchmarks/big_program.py                                   # 1 MB, this checkout
    .venv/bin/python benchmarks/big_program.py --baseline /work/main/.venv/bin/python --repeat 3
    .venv/bin/python benchmarks/big_program.py --profile                          # where the time goes
    .venv/bin/python benchmarks/big_program.py --syntax-error                     # the file, a typo at its end

Goal (issue 15): any file of at most 1 MB checked in under 2 s.  Run it by
hand; it is not part of the test suite.  On a shared machine compare CPU
times and the two checkouts' ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import declarations_source  # noqa: E402 (a sibling benchmark's generator)

_TIMED = """
import sys, time
from ptflow.compiler.api import check_file, garbage_collection_paused
from ptflow.compiler.parser import parse_module
text = open(sys.argv[1], encoding="utf-8").read()
started = time.process_time()
with garbage_collection_paused():  # as the check parses
    parse_module(text, sys.argv[1])
parsed = time.process_time()
result = check_file(sys.argv[1], text)
checked = time.process_time()
errors = sum(d.is_error for d in result.diagnostics)
print(parsed - started, checked - parsed, errors)
"""


def program(size: int) -> str:
    """A valid program of about `size` characters."""
    lines = 2000
    text = declarations_source(lines)
    while len(text) < size:
        lines = int(lines * size / len(text) * 1.01) + 1
        text = declarations_source(lines)
    return text


def timed(python: str, path: Path) -> tuple[float, float, int]:
    """CPU seconds of parsing alone and of the whole check (parse included), and the errors it found."""
    out = subprocess.run([python, "-c", _TIMED, str(path)], capture_output=True, text=True, check=True).stdout
    parse, check, errors = out.split()
    return float(parse), float(check), int(errors)


def whole_process(python: str, path: Path) -> float:
    """CPU seconds of `ptflow check FILE`, start to exit."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([python, "-m", "ptflow", "check", str(path)], capture_output=True, cwd=path.parent)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def profile(path: Path) -> None:
    """Profile `ptflow check FILE` in this process."""
    import cProfile
    import pstats

    from ptflow.cli import main as ptflow

    profiler = cProfile.Profile()
    try:
        profiler.runcall(ptflow, ["check", str(path)])
    except SystemExit:
        pass
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="PYTHON", help="also time the checkout this Python runs")
    parser.add_argument("--profile", action="store_true", help="profile one check in this process")
    parser.add_argument(
        "--syntax-error", action="store_true", help="end the file with a declaration that has a syntax error"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.ptflow"
        text = program(args.size)
        if args.syntax_error:  # what a typo costs: lark's error recovery parses (some of) the file
            text += "\npipeline broken(n: int {\n    a = f(n: n)\n}\n"
        path.write_text(text)
        print(f"{len(text):,} characters, {text.count(chr(10)):,} lines, {text.count('pipeline stage_'):,} pipelines")
        if args.profile:
            profile(path)
            return
        pythons = [sys.executable] + ([args.baseline] if args.baseline else [])
        print("| checkout | parse (CPU s) | check, parse included (CPU s) | `ptflow check` whole process (CPU s) |")
        print("|---|---|---|---|")
        for python in pythons:
            runs = [timed(python, path) for _ in range(args.repeat)]
            valid = all(errors == 0 for _, _, errors in runs)
            assert valid != args.syntax_error, f"{python}: the program should be valid only without --syntax-error"
            process = [whole_process(python, path) for _ in range(args.repeat)]
            parse = statistics.median(r[0] for r in runs)
            check = statistics.median(r[1] for r in runs)
            print(f"| {python} | {parse:.2f} | {check:.2f} | {statistics.median(process):.2f} |")


if __name__ == "__main__":
    main()
