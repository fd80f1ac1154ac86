"""Which tests reach which lines of a mutated module, so each mutant meets the tests that can notice it first.

tools/mutation.py runs a module's table of tests once under coverage (measure) with each line labelled by
the tests that ran it, child processes included (mutation_coverage/).  Then, for each mutant (run_mutant,
cosmic-ray's test command):

- a line no test reaches: the mutant survives without a run -- the tests run exactly as they did unmutated,
  so nothing can differ.  Not for the runner's modules, whose tests kill runners (SIGKILL) that then never
  save their coverage: there such a mutant meets the whole table;
- a line some tests reach: those tests run first (most mutants die in a second or two); if they all pass,
  the rest of the table runs too, so the outcome is the whole table's, only sooner;
- a line run at import (a `def`'s defaults, a module constant, a class body) or by code shared between tests
  (collection, a module- or session-scoped fixture): the whole table, as before.

So a mutant is killed or survives exactly as it would against the whole table; only the order and the
unreached lines' runs change.  `--whole-table` turns this off.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOOKS = Path(__file__).resolve().parent / "mutation_coverage"
SHARED = "(shared)"  # context_plugin.py's label for code run outside any one test
NO_TESTS_COLLECTED = 5  # pytest's exit status


def reach_file(work: Path) -> Path:
    return work / "reach.json"


def original_file(work: Path) -> Path:
    return work / "original.py"


def coverage_may_miss_lines(module: str) -> bool:
    """The runner's tests SIGKILL runners, whose coverage is then never saved: an unreached line is not proof."""
    return module.startswith("runtime/")


def import_time_lines(source: str) -> set[int]:
    """Lines that run when the module is imported: everything but function bodies.

    A `def`'s decorators, defaults and annotations run at import; so does a lambda's line (its body runs
    later, but on the same line).  Coverage labels such a line with whichever test imported the module first,
    which says nothing about the tests that use what it made.
    """
    tree = ast.parse(source)
    body_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body_lines.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    everything = set(range(1, len(source.splitlines()) + 1))
    return everything - body_lines


def statement_lines(tree: ast.Module, line: int) -> range:
    """The lines of the innermost statement on `line` (a compound statement's header only).

    Coverage may record a statement that spans lines under any one of them.
    """
    best: ast.stmt | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or (node.end_lineno or 0) - node.lineno <= (best.end_lineno or 0) - best.lineno:
                best = node
    if best is None:
        return range(line, line + 1)
    end = best.end_lineno or best.lineno
    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
        children = getattr(best, field, None)
        if children and children[0].lineno > line:
            end = min(end, children[0].lineno - 1)
    return range(best.lineno, end + 1)


def changed_lines(original: str, mutated: str) -> set[int]:
    """The original's line numbers (1-based) that the mutant changed."""
    old, new = original.splitlines(), mutated.splitlines()
    changed: set[int] = set()
    for tag, start, end, _, _ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.update(range(start + 1, max(end, start + 1) + 1))
    return changed


@dataclass
class Reach:
    """line -> the node ids of the tests that ran it (SHARED or "" for code run outside one test)."""

    lines: dict[int, set[str]]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({str(line): sorted(tests) for line, tests in sorted(self.lines.items())}))

    @classmethod
    def load(cls, path: Path) -> Reach:
        return cls({int(line): set(tests) for line, tests in json.loads(path.read_text()).items()})

    def tests_for(self, lines: set[int]) -> set[str]:
        found: set[str] = set()
        for line in lines:
            found |= self.lines.get(line, set())
        return found


def measure(module: str, command: list[str], work: Path) -> tuple[subprocess.CompletedProcess, Reach]:
    """Run the module's table once, unmutated, under coverage with each line labelled by its tests."""
    data = work / "coverage"
    data.mkdir(exist_ok=True)
    for old in data.glob("data*"):
        old.unlink()
    config = work / "coverage.ini"
    # No warnings: a child process that never imports the module would print one on its stderr, which tests of
    # what a command prints (an importer's error message) read.
    quiet = "no-data-collected, module-not-imported, module-not-measured, already-imported, no-ctracer"
    config.write_text(
        f"[run]\ndata_file = {data / 'data'}\nparallel = true\ninclude = {ROOT / module}\ndisable_warnings = {quiet}\n"
    )
    env = {
        **os.environ,
        "PTFLOW_MUTATION_COVERAGE": str(config),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HOOKS), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run([*command, "-p", "context_plugin"], cwd=ROOT, capture_output=True, text=True, env=env)
    import coverage  # only here: the mutants' runs do without it

    combined = coverage.Coverage(data_file=str(data / "data"), config_file=str(config))
    combined.combine(data_paths=[str(data)], keep=False)
    measured = combined.get_data()
    by_line = measured.contexts_by_lineno(str(ROOT / module))
    return result, Reach({line: set(tests) for line, tests in by_line.items()})


def split_table(arguments: list[str]) -> tuple[list[str], list[str]]:
    """A table entry's (test paths, options): `-k EXPR` and flags stay with any node ids run instead."""
    paths: list[str] = []
    options: list[str] = []
    takes_value = False
    for argument in arguments:
        if takes_value:
            options.append(argument)
            takes_value = False
        elif argument.startswith("-"):
            options.append(argument)
            takes_value = argument in ("-k", "-m")
        else:
            paths.append(argument)
    return paths, options


def run_mutant(module: str, base: list[str], table: list[str], work: Path, quiet: bool = False) -> int:
    """cosmic-ray's test command: 0 when the tests pass against the mutant in place (it survives).

    `quiet`: pytest's output goes nowhere (cosmic-ray keeps it; a retest by tools/mutation.py need not)."""
    output = subprocess.DEVNULL if quiet else None

    def call(command: list[str]) -> int:
        return subprocess.call(command, cwd=ROOT, stdout=output, stderr=output)

    path = ROOT / module
    original = original_file(work).read_text()
    mutated = path.read_text()
    changed = changed_lines(original, mutated)
    tree = ast.parse(original)
    whole_table = [*base, *table]
    if changed & import_time_lines(original):
        return call(whole_table)
    looked_up: set[int] = set()
    for line in changed:
        looked_up.update(statement_lines(tree, line))
    tests = Reach.load(reach_file(work)).tests_for(looked_up)
    if "" in tests or SHARED in tests:
        return call(whole_table)
    if not tests:
        return call(whole_table) if coverage_may_miss_lines(module) else 0
    _, options = split_table(table)
    first = call([*base, *options, *sorted(tests)])
    if first == 1:  # a test failed: killed
        return 1
    if first != 0:  # pytest could not run those ids (exit 2-5): the whole table decides
        return call(whole_table)
    deselected = [part for test in sorted(tests) for part in ("--deselect", test)]
    rest = call([*whole_table, *deselected])
    return 0 if rest == NO_TESTS_COLLECTED else rest  # the tests that reach it were the whole table


def apply_diff(text: str, diff: str, near: int) -> str | None:
    """`text` with a mutant's one-hunk diff applied where its lines (context included, else the changed lines
    alone) still are, the place nearest to line `near` if they are in several; None if they are nowhere (the
    mutated code itself was rewritten or deleted)."""
    body = [line for line in diff.splitlines() if line[:1] in (" ", "-", "+") and not line.startswith(("---", "+++"))]
    before = [line[1:] for line in body if line[:1] in (" ", "-")]
    after = [line[1:] for line in body if line[:1] in (" ", "+")]
    lines = text.split("\n")
    starts = [i for i in range(len(lines) - len(before) + 1) if lines[i : i + len(before)] == before]
    if before and starts:
        start = min(starts, key=lambda i: abs(i + 1 - near))
        return "\n".join(lines[:start] + after + lines[start + len(before) :])
    # the lines around it changed (a neighbour edited): the changed lines alone, if they are still there
    removed = [line[1:] for line in body if line[:1] == "-"]
    added = [line[1:] for line in body if line[:1] == "+"]
    starts = [i for i in range(len(lines) - len(removed) + 1) if lines[i : i + len(removed)] == removed]
    if not removed or not starts:
        return None
    start = min(starts, key=lambda i: abs(i + 1 - near))
    return "\n".join(lines[:start] + added + lines[start + len(removed) :])


def unreached_lines(module: str, work: Path) -> Callable[[int], bool]:
    """Whether no test ran a mutant's line (for the survivors' list: a missing test, not a weak one); the module
    is parsed and the reach read once for every survivor asked about."""
    source = ROOT / module
    reach_path = reach_file(work)
    if not reach_path.exists() or not source.exists():
        return lambda line: False
    original = source.read_text()
    tree, at_import, reach = ast.parse(original), import_time_lines(original), Reach.load(reach_path)

    def unreached(line: int) -> bool:
        lines = set(statement_lines(tree, line))
        return not (lines & at_import) and not reach.tests_for(lines)

    return unreached


if __name__ == "__main__":
    sys.exit("run through tools/mutation.py")
