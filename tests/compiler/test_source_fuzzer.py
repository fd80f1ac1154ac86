"""The seeded mutation fuzzer of tests/support/source_fuzzer.py, as a test: 2,000 mutated examples and stdlib modules.

Every input is checked, compiled for every target when it checks clean, and
formatted when it parses; none may raise, report an internal error (PTF502)
or a code outside the catalogue.  The inputs are the same on every run (seed
SEED), in four shards so that a failure names a small range; a failure's
message holds the input's number, seed file and mutations, and

    .venv/bin/python benchmarks/fuzz_compiler.py --seed 2026 --start N --count 1 --show

prints the input.  The long run by hand is `benchmarks/fuzz_compiler.py --count 100000`.
"""

from __future__ import annotations

import pytest

from ptflow.compiler.modules import ModuleLoader
from tests.support.source_fuzzer import Mutator, judge, run

SEED = 2026
SHARD = 500


@pytest.mark.parametrize("shard", range(4))
def test_mutated_sources_get_diagnostics_never_exceptions_or_internal_errors(shard):
    failures = run(SEED, SHARD, start=shard * SHARD, loader_factory=ModuleLoader)
    assert not failures, "\n\n".join(
        f"input {f.index} ({f.seed_file}; {', '.join(f.mutations)}):\n{f.problem}" for f in failures[:5]
    )


def test_the_same_number_gives_the_same_input():
    assert Mutator(SEED).case(123) == Mutator(SEED).case(123)
    assert Mutator(SEED).case(123)[1] != Mutator(SEED).case(124)[1]


@pytest.mark.parametrize(
    "mutation", ["duplicate '[' x3000", "nest '[' x1000", "number 9*5000", "surrogate", "parenthesized callee"]
)
def test_the_reproducers_the_fuzzer_found_are_answered(mutation):
    """Each once crashed, hung or hit a formatter bug (issue 15); now each is a plain answer."""
    from tests.support.source_fuzzer import SEED_FILES

    seed_file = next(path for path in SEED_FILES if path.name == "control_flow.ptflow")
    text = seed_file.read_text()
    call = text.index("= say(msg:") + 2  # a step's call
    text = {
        "duplicate '[' x3000": text.replace("-> (", "-> (" + "[" * 3000, 1),
        "nest '[' x1000": text[:call] + "[" * 1000 + text[call:],
        "number 9*5000": text.replace("threshold: int = ", "threshold: int = " + "9" * 5000, 1),
        "surrogate": text[:call] + '"\ud800"' + text[call:],
        "parenthesized callee": text[:call] + "(((say)))" + text[call + len("say") :],
    }[mutation]
    assert judge(seed_file, text, ModuleLoader()) is None
