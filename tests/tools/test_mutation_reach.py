"""tools/mutation_reach.py: which tests reach which lines, as the mutation runs rely on it to skip and order tests.

A mutant is only skipped (survives without a run) on a line no test reaches, and only the tests that reach
its line run first: a line labelled with too few tests would turn killed mutants into survivors.  So the
labels are checked on a real coverage run of a small test file: in-process calls, a child process, a shared
fixture, and a test that never calls the code.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import mutation_reach  # noqa: E402  (tools/ is no package)

MODULE = "compiler/diagnostics/json_format.py"

PROBE_TESTS = """\
import subprocess
import sys

import pytest

from ptflow.compiler.diagnostics.json_format import _place


@pytest.fixture(scope="module")
def shared_place():
    return _place(None)


def test_in_process():
    assert _place(None)["line"] is None


def test_in_a_child():
    code = "from ptflow.compiler.diagnostics.json_format import _place; _place(None)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shared(shared_place):
    assert shared_place["file"] is None


def test_unrelated():
    assert True
"""


def _function_body_lines(name: str) -> range:
    source = (mutation_reach.ROOT / MODULE).read_text()
    (function,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == name]
    return range(function.body[0].lineno, function.end_lineno + 1)


@pytest.fixture(scope="module")
def reach(tmp_path_factory) -> mutation_reach.Reach:
    folder = tmp_path_factory.mktemp("probe")
    (folder / "test_probe.py").write_text(PROBE_TESTS)
    work = folder / "work"
    work.mkdir()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "test_probe.py")]
    result, found = mutation_reach.measure(MODULE, command, work)
    assert result.returncode == 0, result.stdout + result.stderr
    return found


def _short(tests: set[str]) -> set[str]:
    return {test.rsplit("::", 1)[-1] for test in tests}


def test_a_line_is_labelled_with_each_test_that_runs_it_in_process_or_in_a_child(reach):
    place = _function_body_lines("_place")
    tests = reach.tests_for(set(place))
    assert {"test_in_process", "test_in_a_child"} <= _short(tests)
    assert "test_unrelated" not in _short(tests)


def test_a_fixture_shared_between_tests_is_labelled_shared_so_its_mutants_meet_every_test(reach):
    assert mutation_reach.SHARED in reach.tests_for(set(_function_body_lines("_place")))


def test_a_function_no_test_calls_is_reached_by_none(reach):
    assert reach.tests_for(set(_function_body_lines("diagnostic_to_json"))) == set()


def test_lines_run_at_import_are_the_module_outside_function_bodies():
    source = textwrap.dedent(
        """\
        LIMIT = 3


        def f(x=LIMIT + 1):
            return x * 2


        class C:
            size = 4

            def g(self):
                return lambda: self
        """
    )
    assert mutation_reach.import_time_lines(source) == {1, 2, 3, 4, 6, 7, 8, 9, 10, 11}


def test_a_statement_over_several_lines_is_looked_up_on_all_of_them_and_a_compound_one_on_its_header():
    source = "def f(a):\n    total = g(\n        a,\n    )\n    if a:\n        return 1\n    return total\n"
    tree = ast.parse(source)
    assert list(mutation_reach.statement_lines(tree, 3)) == [2, 3, 4]
    assert list(mutation_reach.statement_lines(tree, 5)) == [5]
    assert list(mutation_reach.statement_lines(tree, 6)) == [6]


def test_the_changed_lines_of_a_mutant_are_numbered_as_in_the_original():
    original = "a = 1\nb = 2\nc = 3\n"
    assert mutation_reach.changed_lines(original, "a = 1\nb = 3\nc = 3\n") == {2}


def test_a_table_entry_keeps_its_options_for_the_tests_run_instead():
    paths, options = mutation_reach.split_table(["tests/a.py", "tests/b.py", "-k", "not slow", "-x"])
    assert (paths, options) == (["tests/a.py", "tests/b.py"], ["-k", "not slow", "-x"])


# as cosmic-ray writes one: the empty context line is a single space
DIFF = "\n".join(
    [
        "--- mutation diff ---",
        "--- a/m.py",
        "+++ b/m.py",
        "@@ -2,3 +2,3 @@",
        " def f(x):",
        "-    return x + 1",
        "+    return x - 1",
        " ",
        "",
    ]
)


def test_a_survivors_diff_is_applied_where_its_lines_are_now_or_not_at_all():
    """--retest-survivors after the module changed: lines added above the mutant move it, not lose it."""
    moved = "import os\n\n\ndef g():\n    pass\n\ndef f(x):\n    return x + 1\n\n"
    assert mutation_reach.apply_diff(moved, DIFF, near=3) == moved.replace("x + 1", "x - 1")
    rewritten = "def f(x):\n    return x + 2\n\n"
    assert mutation_reach.apply_diff(rewritten, DIFF, near=3) is None


def test_a_survivors_diff_whose_neighbour_line_changed_is_applied_to_its_own_line():
    neighbour_edited = "def f(x):\n    return x + 1\n# a comment now\n"
    assert mutation_reach.apply_diff(neighbour_edited, DIFF, near=3) == "def f(x):\n    return x - 1\n# a comment now\n"


def test_a_survivor_is_marked_unreached_only_on_a_line_no_test_runs(reach, tmp_path):
    """The survivors' list says "no test in the table reaches this line" for a function nobody calls, not for
    one the tests run, nor for a line run at import (its mutants meet the whole table)."""
    reach.save(mutation_reach.reach_file(tmp_path))
    unreached = mutation_reach.unreached_lines(MODULE, tmp_path)
    assert unreached(_function_body_lines("diagnostic_to_json")[-1])  # its last line, code (not a docstring)
    assert not unreached(_function_body_lines("_place")[-1])
    assert not unreached(1)  # the module's docstring: run at import
