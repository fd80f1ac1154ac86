"""Mutation testing: how many small wrong changes to a module its fast tests notice.

    .venv/bin/python tools/mutation.py                      # every module in MODULES
    .venv/bin/python tools/mutation.py compiler/yaml_writer.py compiler/diagnostics/sarif.py
    .venv/bin/python tools/mutation.py --max-mutants 100 compiler/formatter.py
    .venv/bin/python tools/mutation.py --max-mutants 100 --seed 41 compiler/formatter.py   # another sample
    .venv/bin/python tools/mutation.py --list               # the table, nothing run

Too slow for CI (a few seconds per mutant): run it by hand after changing a
module in the table or its tests.  The tool is cosmic-ray (pinned in
pyproject.toml's `test` extra).  It mutates the module IN PLACE, one mutant at
a time, because `ptflow.compiler` is imported through the editable install's
import hook from this checkout (a copy of the tree elsewhere, mutmut's way,
would not be the code the tests import).  This script keeps the original
bytes and writes them back when it ends, even on Ctrl-C; so do not edit a
module while it is being mutated.

Per module it runs only that module's FAST tests (MODULES below), never the
whole suite, and prints: mutants, killed, survived, equivalent (survivors
listed with their reason in tools/mutation_equivalent.toml), and the kill
rate = killed / (mutants - equivalent).  Each survivor that is not listed is
printed with its line, so it can be triaged: write the missing test, list it
as equivalent (with the reason), or delete the dead code.

Which mutants: cosmic-ray's operators, less the redundant ones (see
OPERATORS_LEFT_OUT): a comparison is only replaced by its negation (`==` by
`!=`, `<` by `>=`, ...), and an arithmetic operator by its counterpart
(`+` by `-`, ...), not by every other operator, which mostly repeats the same
mutant.  A module with more than --max-mutants mutants (default 400) is
sampled with a fixed seed (16; `--seed N` draws another sample, e.g. to
measure tests written against one sample on mutants they were not written
for), and the output says so.

Each mutant first meets the tests that reach its line (tools/mutation_reach.py: the table is run once under
coverage, each line labelled with its tests); a mutant on a line no test reaches survives without a run and
is listed as such.  The outcome is the whole table's, only sooner; `--whole-table` runs every mutant against
the whole table as before.

Work files go to .mutation/ (gitignored).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import random
import re
import shlex
import sqlite3
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import mutation_reach  # tools/ is this script's folder

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
EQUIVALENTS_FILE = ROOT / "tools" / "mutation_equivalent.toml"
DEFAULT_SEED = 16  # fixed: the same sample every run, so figures can be compared; --seed draws a fresh one
DEFAULT_MAX_MUTANTS = 400

# module (path in the repository) -> the fast tests that cover it (pytest arguments).
# A helper adding a module: pick tests that run in seconds and exercise what the
# module decides; check with `--baseline-only` that they pass and how long they take.
MODULES: dict[str, list[str]] = {
    # compiler side
    # the checkers: their unit tests, and the every-code cases for the codes each module emits
    "compiler/components.py": [
        "tests/compiler/test_checker.py",
        "tests/compiler/test_structured_values.py",  # constant lists and dicts (constant_value)
        "tests/diagnostics/test_every_code.py",
        "-k",
        "not test_every_code or (fires and (PTF2 or PTF3))",
    ],
    "compiler/checker.py": [
        "tests/compiler/test_checker.py",
        "tests/compiler/test_recheck.py",  # the language server's re-check reuses pipelines through the checker
        "tests/compiler/test_pipeline_rules.py",
        # the target looks a serve.deploy step's components up through the checker
        "tests/vertex/test_vertex_target.py::test_the_vertex_example_deploys_with_gcpc_inside_its_condition",
        "tests/diagnostics/test_every_code.py",
        "-k",
        "not test_every_code or (fires and (PTF2 or PTF4 or PTF9))",
    ],
    "compiler/pipeline_checker.py": [
        "tests/compiler/test_checker.py",
        "tests/compiler/test_pipeline_rules.py",
        "tests/compiler/test_ignore_upstream_failure.py",
        "tests/compiler/test_exit_handlers.py",  # `finally with {...}`'s options
        "tests/compiler/test_structured_values.py",  # lists and dicts of run-time values
        "tests/compiler/test_collect.py",
        "tests/compiler/test_step_reuse.py",  # the language server's reuse of a step's resolution
        "tests/diagnostics/test_every_code.py",
        "-k",
        "not test_every_code or (fires and (PTF1 or PTF2 or PTF3 or PTF4))",
    ],
    "compiler/formatter.py": [
        "tests/fmt/test_format_rules.py",
        "tests/fmt/test_style.py",
        "tests/fmt/test_comments.py",
        "tests/fmt/test_idempotence.py",
    ],
    "compiler/layout_printer.py": [
        "tests/fmt/test_layout_printer.py",
        "tests/fmt/test_style.py",
        "tests/fmt/test_comments.py",
        "tests/fmt/test_idempotence.py",
    ],
    "compiler/yaml_writer.py": ["tests/compiler/test_yaml_writer.py"],
    "compiler/diagnostics/sarif.py": ["tests/lint/test_sarif.py"],
    "compiler/diagnostics/json_format.py": ["tests/diagnostics/test_renderers.py"],
    "compiler/diagnostics/text.py": ["tests/diagnostics/test_renderers.py"],
    # runtime side: the runner's tests run tiny real steps (seconds each, so sample: --max-mutants 40); the
    # lowerings' and validators' tests compare whole documents or give exact findings.  test_interruption.py is
    # left out: its SIGTERM test timed out under a load of 13 on 2 cores, killing every mutant
    "runtime/runner/launcher.py": [
        "tests/runner/test_launcher_rules.py",
        "tests/runner/test_importer_runs.py",
        "tests/runner/test_launcher_runs.py",
        # a step started as the run stops: stopped by its own launcher, not taken for a timeout
        "tests/runner/test_interruption.py::test_a_step_started_as_the_run_stops_is_stopped_by_its_own_launcher",
        "tests/runner/test_placeholder_runs.py",
        "tests/runner/test_cache_invalidation.py",
        "tests/runner/test_custom_cache_key.py",  # a step's own cache key
        "tests/runner/test_run_basic.py",
        "tests/runner/test_failures.py",
        "tests/runner/test_logs.py",
    ],
    "runtime/runner/placeholders.py": [
        "tests/runner/test_launcher_rules.py",
        "tests/runner/test_placeholder_runs.py",
        "tests/runner/test_structured_values.py",  # lists and dicts of run-time values (resolve_value_references)
        "tests/runner/test_workspace.py",  # the workspace path placeholder
        "tests/runner/test_collect_runs.py",  # gathered artifact lists
        "tests/runner/test_importer_runs.py",  # an importer's URI and metadata placeholders
    ],
    "runtime/runner/store.py": [
        "tests/runner/test_store_rules.py",
        "tests/runner/test_cache_and_store.py",
        "tests/runner/test_store_growth.py",
        "tests/runner/test_cache_invalidation.py",
        "tests/runner/test_disk_full.py",  # skips without root (it mounts a tmpfs)
        # the next command records a SIGKILLed runner's run and removes what its steps staged
        "tests/runner/test_interruption.py::test_sigkill_of_the_runner_takes_its_steps_with_it_and_the_next_command_records_it",
        "tests/runner/test_logs.py",
        "tests/runner/test_run_basic.py",
    ],
    # the engine runs every step of every run: its table is every runner test (a few minutes); the mutants that
    # reach a test die in seconds, only survivors pay for the whole table
    "runtime/runner/engine.py": ["tests/runner"],
    # the v2 lowering: every test that compiles to KFP v2 IR and compares or reads it (kfp's own compiler at test
    # time, the kfp corpus, Vertex), about 45 s
    "compiler/targets/kfp_v2.py": [
        "tests/kfp_v2",
        "tests/kfp_corpus",
        "tests/vertex",
        "tests/compiler/test_targets.py",
        "tests/compiler/test_options.py",
        "tests/compiler/test_oneof.py",
        "tests/compiler/test_cli.py",
    ],
    "compiler/targets/kfp_v1.py": [
        "tests/kfp_v1/test_kfp_v1_lowering.py",
        "tests/kfp_v1/test_kfp_v1_goldens.py",
        "tests/kfp_v1/test_kfp_v1_support.py",
    ],
    # the IR validator: every test of `ptflow validate` (hand-edited IR, hostile YAML, the command line)
    "compiler/validate/ir_semantics.py": ["tests/validate_ir"],
    "compiler/validate/argo_rules.py": [
        "tests/kfp_v1",  # the validator's own tests and every lowering the v1 target checks with it
        "tests/importer/test_v1_workflow.py",  # `ptflow import` of an Argo Workflow validates it first
    ],
}

# Redundant mutations: for each comparison only its negation is kept, for each
# arithmetic/bitwise operator only its counterpart.  Unary replacements keep
# `not`-removal style mutants through AddNot instead.
_KEPT_COMPARISONS = {
    ("Eq", "NotEq"), ("NotEq", "Eq"), ("Lt", "GtE"), ("LtE", "Gt"), ("Gt", "LtE"), ("GtE", "Lt"),
    ("Is", "IsNot"), ("IsNot", "Is"),
}  # fmt: skip
_KEPT_BINARY = {
    ("Add", "Sub"), ("Sub", "Add"), ("Mul", "Div"), ("Div", "Mul"), ("FloorDiv", "Mul"), ("Mod", "FloorDiv"),
    ("Pow", "Mul"), ("BitOr", "BitAnd"), ("BitAnd", "BitOr"), ("BitXor", "BitOr"), ("LShift", "RShift"),
    ("RShift", "LShift"),
}  # fmt: skip


def operator_is_kept(name: str) -> bool:
    """Whether the cosmic-ray operator `name` (e.g. core/ReplaceComparisonOperator_Eq_Lt) is run."""
    pair = re.fullmatch(r"core/Replace(Comparison|Binary)Operator_(\w+?)_(\w+)", name)
    if pair:
        kind, old, new = pair.groups()
        return (old, new) in (_KEPT_COMPARISONS if kind == "Comparison" else _KEPT_BINARY)
    if name.startswith("core/ReplaceUnaryOperator_"):
        return name in ("core/ReplaceUnaryOperator_USub_UAdd", "core/ReplaceUnaryOperator_Delete_Not")
    # VariableReplacer/VariableInserter take arguments: cosmic-ray leaves them out unless configured.
    return True


OPERATORS_LEFT_OUT = "every comparison/arithmetic replacement but the negation/counterpart; unary but -x->+x, not x->x"


@dataclass(frozen=True)
class Mutant:
    job_id: str
    module: str
    operator: str
    line: int  # 1-based
    column: int
    function: str | None
    source_line: str  # stripped, as the module reads before mutation
    outcome: str | None  # killed / survived / incompetent / None (not run)
    diff: str

    @property
    def mutated_line(self) -> str:
        """The line as the mutant has it (from cosmic-ray's diff), stripped."""
        added = [
            line[1:].strip() for line in self.diff.splitlines() if line.startswith("+") and not line.startswith("+++")
        ]
        return " / ".join(added)


@dataclass
class Equivalent:
    module: str
    operator: str
    line: str
    reason: str
    function: str | None = None
    becomes: str | None = None  # the mutated line, where one line has several mutants of the operator
    used: bool = field(default=False, compare=False)

    def matches(self, mutant: Mutant) -> bool:
        return (
            self.module == mutant.module
            and self.operator == mutant.operator
            and self.line == mutant.source_line
            and (self.function is None or self.function == mutant.function)
            and (self.becomes is None or self.becomes == mutant.mutated_line)
        )


def load_equivalents() -> list[Equivalent]:
    """tools/mutation_equivalent.toml: [[equivalent]] module, operator, line (stripped source), reason."""
    if not EQUIVALENTS_FILE.exists():
        return []
    entries = tomllib.loads(EQUIVALENTS_FILE.read_text()).get("equivalent", [])
    found = []
    for number, entry in enumerate(entries, start=1):
        missing = {"module", "operator", "line", "reason"} - set(entry)
        if missing:
            sys.exit(f"{EQUIVALENTS_FILE.name}: entry {number} lacks {', '.join(sorted(missing))}")
        found.append(
            Equivalent(
                entry["module"],
                entry["operator"],
                entry["line"],
                entry["reason"],
                entry.get("function"),
                entry.get("becomes"),
            )
        )
    return found


PYTEST = [sys.executable, "-B", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
# -x: the first failing test kills the mutant; -p no:cacheprovider: no .pytest_cache writes per mutant


def test_command(module: str) -> list[str]:
    return [*PYTEST, *MODULES[module]]


def mutant_command(module: str, work: Path) -> list[str]:
    """What cosmic-ray runs per mutant: the reaching tests first where they are known, else the whole table."""
    if mutation_reach.reach_file(work).exists():
        return [sys.executable, "-B", str(Path(__file__).resolve()), "--test-mutant", module]
    return test_command(module)


def run_baseline(module: str, work: Path | None = None) -> float:
    """Run the module's fast tests once unmutated; they must pass.  Returns the seconds they took.

    With `work`, under coverage: which tests reach each line goes to the work folder for the mutants' runs.
    """
    started = time.monotonic()
    if work is None:
        result = subprocess.run(test_command(module), cwd=ROOT, capture_output=True, text=True)
    else:
        result, reach = mutation_reach.measure(module, test_command(module), work)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-15:])
        raise SystemExit(f"{module}: its fast tests fail without any mutation; fix them first:\n{tail}")
    if work is not None:
        reach.save(mutation_reach.reach_file(work))
        mutation_reach.original_file(work).write_bytes((ROOT / module).read_bytes())
    return seconds


def write_config(module: str, config: Path, timeout: float, work: Path) -> None:
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {tomllib_string(shlex.join(mutant_command(module, work)))}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def tomllib_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cosmic_ray(*args: str) -> None:
    binary = Path(sys.executable).with_name("cosmic-ray")
    if not binary.exists():  # the worktree venvs take their packages from the shared one
        binary = Path("/work/main/.venv/bin/cosmic-ray")
    command = [str(binary), *args] if binary.exists() else [sys.executable, "-m", "cosmic_ray.cli", *args]
    subprocess.run(command, cwd=ROOT, check=True)


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are, if `from __future__ import annotations` keeps them unevaluated.

    A mutant there (`str | None` -> `str & None`) changes nothing that runs: equivalent by construction.
    """
    tree = ast.parse(source)
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    if not postponed:
        return []
    annotations = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return [((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0)) for a in annotations]


def choose_mutants(session: Path, source: str, max_mutants: int, seed: int) -> tuple[int, int]:
    """Drop the left-out operators' mutants and those in annotations, then sample down to max_mutants.

    Returns (the mutants there are, the mutants to run)."""
    spans = annotation_spans(source)

    def in_annotation(row: int, col: int) -> bool:
        return any(start <= (row, col) < end for start, end in spans)

    with sqlite3.connect(session) as db:
        rows = db.execute("SELECT job_id, operator_name, start_pos_row, start_pos_col FROM mutation_specs").fetchall()
        dropped = [job for job, operator, row, col in rows if not operator_is_kept(operator) or in_annotation(row, col)]
        kept = sorted(
            job for job, operator, row, col in rows if operator_is_kept(operator) and not in_annotation(row, col)
        )
        if len(kept) > max_mutants:
            # sort by position first: job ids are random uuids, the sample must not depend on them
            order = {
                job: (row, col, op)
                for job, row, col, op in db.execute(
                    "SELECT job_id, start_pos_row, start_pos_col, operator_name FROM mutation_specs"
                )
            }
            kept.sort(key=order.__getitem__)
            sample = set(random.Random(seed).sample(kept, max_mutants))
            with (session.parent / "sampled").open("w") as marker:
                marker.write(f"{len(kept)} {seed}")
            dropped += [job for job in kept if job not in sample]
        for job in dropped:
            db.execute("DELETE FROM mutation_specs WHERE job_id = ?", (job,))
            db.execute("DELETE FROM work_items WHERE job_id = ?", (job,))
        remaining = db.execute("SELECT COUNT(*) FROM work_items").fetchone()[0]
    return len(kept), remaining


def read_mutants(session: Path, module: str, source_lines: list[str]) -> list[Mutant]:
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT m.job_id, m.operator_name, m.start_pos_row, m.start_pos_col, m.definition_name,"
            " lower(r.test_outcome), r.diff FROM mutation_specs m LEFT JOIN work_results r ON r.job_id = m.job_id"
            " ORDER BY m.start_pos_row, m.start_pos_col, m.operator_name"
        ).fetchall()
    return [
        Mutant(job, module, operator, row, col, function, source_lines[row - 1].strip(), outcome, diff or "")
        for job, operator, row, col, function, outcome, diff in rows
    ]


@dataclass
class Figures:
    module: str
    mutants: int
    killed: int
    survived: int
    equivalent: int
    sampled_from: int | None  # the number before sampling, when sampled
    seed: int  # the sample's seed (when sampled)

    @property
    def kill_rate(self) -> float:
        judged = self.mutants - self.equivalent
        return 100.0 * self.killed / judged if judged else 100.0


def read_sample_marker(work: Path) -> tuple[int | None, int]:
    """(the mutants there were, the seed) of a session that was sampled (choose_mutants' marker); else
    (None, the default seed)."""
    marker = work / "sampled"
    if not marker.exists():
        return None, DEFAULT_SEED
    count, _, seed = marker.read_text().partition(" ")
    return int(count), int(seed or DEFAULT_SEED)


def forget_survivors(session: Path) -> None:
    """Tests were added since: run the survivors again.  A killed mutant stays killed as tests are only added."""
    with sqlite3.connect(session) as db:
        db.execute("DELETE FROM work_results WHERE lower(test_outcome) = 'survived'")


def mutate_module(
    module: str,
    max_mutants: int,
    equivalents: list[Equivalent],
    reuse: bool,
    retest: bool = False,
    seed: int = DEFAULT_SEED,
    whole_table: bool = False,
) -> Figures:
    path = ROOT / module
    original = path.read_bytes()
    work = WORK / module.replace("/", "__")
    work.mkdir(parents=True, exist_ok=True)
    session = work / "session.sqlite"
    config = work / "config.toml"
    fingerprint = work / "source.sha256"  # the module the session's mutant positions refer to
    digest = hashlib.sha256(original).hexdigest()
    if reuse and session.exists() and fingerprint.exists() and fingerprint.read_text() != digest:
        if retest:
            return retest_moved_survivors(module, work, session, equivalents)
        raise SystemExit(
            f"{module} changed since its last session: its mutants' places are stale; run without --reuse, or "
            "with --retest-survivors to apply its survivors to the module as it is now"
        )
    if reuse and config.exists():
        # the table may name more tests since the session began: the survivors meet them all
        command_line = f"test-command = {tomllib_string(shlex.join(mutant_command(module, work)))}"
        config.write_text(re.sub(r"(?m)^test-command = .*$", lambda _: command_line, config.read_text()))
    if not (reuse and session.exists()):
        mutation_reach.reach_file(work).unlink(missing_ok=True)
        baseline = run_baseline(module, None if whole_table else work)
        measured = "" if whole_table else " (under coverage: which tests reach each line)"
        print(f"{module}: fast tests pass unmutated in {baseline:.1f} s{measured}", flush=True)
        # a mutant that makes the tests loop is killed once it takes 3x the baseline
        write_config(module, config, timeout=max(30.0, 3 * baseline), work=work)
        session.unlink(missing_ok=True)
        (work / "sampled").unlink(missing_ok=True)
        cosmic_ray("init", str(config), str(session))
        fingerprint.write_text(digest)
        (work / "session-source.py").write_bytes(original)
    available, to_run = choose_mutants(session, original.decode(), max_mutants, seed)
    sampled_from, marked_seed = read_sample_marker(work)  # a reused session was sampled when made, its own seed
    if sampled_from is not None:
        available, seed = max(available, sampled_from), marked_seed
    note = f" (a sample of {to_run} of {available}, seed {seed})" if to_run < available else ""
    print(f"{module}: {to_run} mutants{note}", flush=True)
    if retest:
        forget_survivors(session)
        if mutation_reach.reach_file(work).exists():
            # the table may have new tests since: which tests reach each line is measured again
            run_baseline(module, work)
    try:
        # exec runs only the mutants without a result yet (so --reuse finishes an interrupted run)
        cosmic_ray("exec", str(config), str(session))
    finally:
        if path.read_bytes() != original:
            path.write_bytes(original)
            print(f"{module}: restored the original source", flush=True)
    mutants = read_mutants(session, module, original.decode().splitlines())
    return summarise(module, mutants, equivalents, available if to_run < available else None, seed, work)


def retest_moved_survivors(module: str, work: Path, session: Path, equivalents: list[Equivalent]) -> Figures:
    """The module changed since its session (tests added, dead code deleted): apply each survivor's diff where
    its lines are now and run it against the table, reaching tests first.  Figures are the session's, with the
    survivors that now die counted as killed; a survivor whose lines are gone (the code was rewritten) is said."""
    path = ROOT / module
    current = path.read_bytes()
    seconds = run_baseline(module, work)
    print(f"{module}: changed since its session; fast tests pass in {seconds:.1f} s; survivors applied by diff")
    before = read_mutants(session, module, (work / "session-source.py").read_text().splitlines())
    retested: list[Mutant] = []
    try:
        for mutant in before:
            if mutant.outcome != "survived":
                retested.append(mutant)
                continue
            mutated = mutation_reach.apply_diff(current.decode(), mutant.diff, mutant.line)
            if mutated is None:  # left out of the figures: there is no such mutant any more
                print(f"  GONE {module}:{mutant.line} {mutant.source_line!r}: that code was rewritten or deleted")
                continue
            path.write_text(mutated)
            code = mutation_reach.run_mutant(module, PYTEST, MODULES[module], work, quiet=True)
            retested.append(replace(mutant, outcome="survived" if code == 0 else "killed"))
    finally:
        path.write_bytes(current)
    sampled_from, seed = read_sample_marker(work)
    # no reach marks: the survivors' line numbers are the session's, not the changed module's
    return summarise(module, retested, equivalents, sampled_from, seed)


def summarise(
    module: str,
    mutants: list[Mutant],
    equivalents: list[Equivalent],
    sampled: int | None,
    seed: int = DEFAULT_SEED,
    work: Path | None = None,
) -> Figures:
    killed = survived = equivalent = 0
    unexplained = []
    for mutant in mutants:
        if mutant.outcome != "survived":  # killed, incompetent (the mutant does not even import), or not run
            killed += mutant.outcome is not None
            continue
        match = next((e for e in equivalents if e.matches(mutant)), None)
        if match:
            match.used = True
            equivalent += 1
        else:
            survived += 1
            unexplained.append(mutant)
    unreached = mutation_reach.unreached_lines(module, work) if work is not None else (lambda line: False)
    for mutant in unexplained:
        no_test = unreached(mutant.line)
        print(
            f"  SURVIVED {module}:{mutant.line}:{mutant.column} [{mutant.operator}] in {mutant.function}"
            f"{'  (no test in the table reaches this line)' if no_test else ''}\n"
            f"      {mutant.source_line}\n   -> {mutant.mutated_line}"
        )
    not_run = sum(mutant.outcome is None for mutant in mutants)
    if not_run:
        print(f"  {not_run} mutants have no result (interrupted?): run again with --reuse to finish them")
    return Figures(module, len(mutants) - not_run, killed, survived, equivalent, sampled, seed)


def print_table(figures: list[Figures]) -> None:
    print(f"\n{'module':40} {'mutants':>8} {'killed':>7} {'survived':>9} {'equivalent':>11} {'kill rate':>10}")
    for f in figures:
        sampled = f"  (sampled from {f.sampled_from}, seed {f.seed})" if f.sampled_from else ""
        print(f"{f.module:40} {f.mutants:8} {f.killed:7} {f.survived:9} {f.equivalent:11} {f.kill_rate:9.1f}%{sampled}")
    print(f"operators left out: {OPERATORS_LEFT_OUT}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module paths from the table (default: all)")
    parser.add_argument("--max-mutants", type=int, default=DEFAULT_MAX_MUTANTS, help="sample above this many")
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"which sample of a module above --max-mutants (default {DEFAULT_SEED}); a reused session keeps its own",
    )
    parser.add_argument("--reuse", action="store_true", help="finish the last session's unrun mutants")
    parser.add_argument(
        "--retest-survivors", action="store_true", help="with the last session: run only its survivors again"
    )
    parser.add_argument("--list", action="store_true", help="print the module table and stop")
    parser.add_argument("--baseline-only", action="store_true", help="run each module's fast tests once, unmutated")
    parser.add_argument(
        "--whole-table",
        action="store_true",
        help="run every mutant against the module's whole table (no coverage run to order the tests first)",
    )
    parser.add_argument("--test-mutant", metavar="MODULE", help=argparse.SUPPRESS)  # cosmic-ray's test command
    args = parser.parse_args(argv)
    if args.test_mutant:
        work = WORK / args.test_mutant.replace("/", "__")
        return mutation_reach.run_mutant(args.test_mutant, PYTEST, MODULES[args.test_mutant], work)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"not in tools/mutation.py's MODULES table: {', '.join(unknown)}")
    modules = args.modules or list(MODULES)
    if args.list:
        for module in modules:
            print(f"{module}: {' '.join(MODULES[module])}")
        return 0
    if args.baseline_only:
        for module in modules:
            print(f"{module}: {run_baseline(module):.1f} s", flush=True)
        return 0
    os.nice(10)  # a shared machine: the mutants' test runs inherit this
    equivalents = load_equivalents()
    figures = [
        mutate_module(
            m,
            args.max_mutants,
            equivalents,
            args.reuse or args.retest_survivors,
            args.retest_survivors,
            args.seed,
            args.whole_table,
        )
        for m in modules
    ]
    print_table(figures)
    stale = [e for e in equivalents if e.module in modules and not e.used]
    for entry in stale:
        print(f"note: equivalent entry matched no survivor this run: {entry.module}: {entry.line!r} [{entry.operator}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
