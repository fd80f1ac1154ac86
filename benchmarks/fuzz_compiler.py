"""The long fuzz run by hand: N inputs of the seeded mutation fuzzer, with their figures.

    .venv/bin/python benchmarks/fuzz_compiler.py --count 100000                 # all of it
    .venv/bin/python benchmarks/fuzz_compiler.py --count 20000 --seed 7          # another stream
    .venv/bin/python benchmarks/fuzz_compiler.py --seed 2026 --start 1234 --count 1 --show   # one input

Each input is a mutated example or stdlib module (tests/support/source_fuzzer.py
says how), checked, compiled for kfp-v2, kfp-v1 and vertex when it checks
clean, and formatted when it parses.  A failure is an exception, an internal
error (PTF502) or an uncatalogued code; each is printed with the input's
number, seed file and mutations, and the run ends with the figures: inputs,
failures, inputs per second, how many checked clean and compiled, the slowest
input.  The exit code is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ptflow.compiler.modules import ModuleLoader  # noqa: E402
from tests.support.source_fuzzer import Mutator, judge  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--start", type=int, default=0, help="the first input's number")
    parser.add_argument("--show", action="store_true", help="print each input's text and mutations")
    parser.add_argument("--progress", type=int, default=1000, help="print a line every N inputs (0: never)")
    args = parser.parse_args(argv)

    mutator = Mutator(args.seed)
    loader = ModuleLoader()
    failures = 0
    slowest = (0.0, -1)
    started = time.perf_counter()
    for index in range(args.start, args.start + args.count):
        seed_file, text, done = mutator.case(index)
        if args.show:
            print(f"--- input {index}: {seed_file.relative_to(REPO)}; {', '.join(done)}\n{text}")
        before = time.perf_counter()
        problem = judge(seed_file, text, loader)
        slowest = max(slowest, (time.perf_counter() - before, index))
        if problem:
            failures += 1
            print(f"FAIL input {index} ({seed_file.relative_to(REPO)}; {', '.join(done)}):\n{problem}\n", flush=True)
        finished = index - args.start + 1
        if args.progress and finished % args.progress == 0:
            elapsed = time.perf_counter() - started
            print(f"{finished} inputs, {failures} failures, {finished / elapsed:.0f}/s", flush=True)
    elapsed = time.perf_counter() - started
    print(
        f"seed {args.seed}, inputs {args.start}..{args.start + args.count - 1}: {args.count} inputs, "
        f"{failures} failures (exceptions, PTF502, uncatalogued codes), {elapsed:.0f} s, "
        f"{args.count / elapsed:.0f} inputs/s; slowest input {slowest[1]} ({slowest[0]:.2f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
