"""The clean parser's tables on disk (`compiler/parser_tables.py`): a text without syntax errors is parsed
without importing lark once they are there; a missing, corrupt or stale file, or another grammar's, is
rebuilt through lark, never a traceback; a cache folder that can't be written only costs the speed."""

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.grammar_variants import GRAMMAR, workflow_grammar

# A fresh interpreter parses a program with the grammar file it is given and prints the parse's error count
# and whether lark was imported for it.
PROBE = """
import sys
from pathlib import Path
import ptflow.grammar
ptflow.grammar.GRAMMAR_PATH = Path(sys.argv[1])
from ptflow.compiler.parser import parse_module
module, diagnostics = parse_module(sys.argv[2])
print(len([d for d in diagnostics if d.is_error]), [item.name.name for item in module.items], "lark" in sys.modules)
"""

PIPELINE = "pipeline p() { x = f(a: [1, 2], b: {c: 'd'}) }\n"
WORKFLOW = PIPELINE.replace("pipeline", "workflow")


def parse(grammar: Path, text: str, cache_folder: Path) -> str:
    # The tables are kept where lark keeps its cache: the temporary folder.
    env = dict(os.environ, TMPDIR=str(cache_folder))
    run = subprocess.run([sys.executable, "-c", PROBE, str(grammar), text], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    return run.stdout.strip()


def contents(path: Path):
    """What a tables file holds (its bytes vary: marshal marks shared objects as the interpreter shares them)."""
    return marshal.loads(path.read_bytes())


def tables(folder: Path) -> set[Path]:
    return set(folder.glob(".ptflow_parser_tables_*.marshal"))


def test_tables_are_built_once_then_a_clean_parse_imports_no_lark(tmp_path):
    assert parse(GRAMMAR, PIPELINE, tmp_path) == "0 ['p'] True"  # built through lark, and kept
    (kept,) = tables(tmp_path)
    assert parse(GRAMMAR, PIPELINE, tmp_path) == "0 ['p'] False"
    # A syntax error still gets lark's parse and its recovery.
    assert parse(GRAMMAR, WORKFLOW, tmp_path) == "1 [] True"
    assert tables(tmp_path) == {kept}


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\xff not marshal at all", "truncated", "other data"],
    ids=["empty", "not marshal", "truncated", "a marshal file of other data"],
)
def test_a_corrupt_tables_file_is_rebuilt(tmp_path, garbage):
    parse(GRAMMAR, PIPELINE, tmp_path)
    (kept,) = tables(tmp_path)
    good = kept.read_bytes()
    expected = contents(kept)
    if garbage == "truncated":
        garbage = good[: len(good) // 2]
    elif garbage == "other data":
        garbage = marshal.dumps(("a key", [1, 2, {"three": None}]))
    kept.write_bytes(garbage)

    assert parse(GRAMMAR, PIPELINE, tmp_path) == "0 ['p'] True"  # rebuilt through lark
    assert contents(kept) == expected
    assert parse(GRAMMAR, PIPELINE, tmp_path) == "0 ['p'] False"


def test_tables_of_another_grammar_under_this_ones_name_are_not_used(tmp_path):
    """The file's name is a hash of its key, but the key in it is what counts: a file of the changed grammar's
    tables where the real grammar's belong (a stale file, or a hash collision) is rebuilt, not served."""
    changed = workflow_grammar(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    parse(GRAMMAR, PIPELINE, cache)
    (real,) = tables(cache)
    expected = contents(real)
    assert parse(changed, WORKFLOW, cache) == "0 ['p'] True"
    (other,) = tables(cache) - {real}
    real.write_bytes(other.read_bytes())

    assert parse(GRAMMAR, PIPELINE, cache) == "0 ['p'] True"
    assert contents(real) == expected


def test_a_changed_grammar_gets_its_own_tables(tmp_path):
    changed = workflow_grammar(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    assert parse(GRAMMAR, PIPELINE, cache) == "0 ['p'] True"
    (first,) = tables(cache)
    modified = first.stat().st_mtime_ns

    # The real grammar's tables are not served to the changed grammar: `workflow` is its keyword now.
    assert parse(changed, WORKFLOW, cache) == "0 ['p'] True"
    assert parse(changed, WORKFLOW, cache) == "0 ['p'] False"
    assert parse(changed, PIPELINE, cache) == "1 [] True"
    (second,) = tables(cache) - {first}

    # And back: the real grammar's are still there, untouched.
    assert parse(GRAMMAR, PIPELINE, cache) == "0 ['p'] False"
    assert first.stat().st_mtime_ns == modified


def test_a_cache_folder_that_does_not_exist_only_costs_speed(tmp_path):
    missing = tmp_path / "missing"
    for _ in range(2):
        assert parse(GRAMMAR, PIPELINE, missing) == "0 ['p'] True"
    assert not missing.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder: nothing to test as root")
def test_a_read_only_cache_folder_only_costs_speed(tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        for _ in range(2):
            assert parse(GRAMMAR, PIPELINE, read_only) == "0 ['p'] True"
        assert list(read_only.iterdir()) == []
    finally:
        read_only.chmod(0o755)


# Parses a text with a syntax error in its second declaration both ways: the clean parse gives up there and
# lark's parse resumes from the clean parser's stack (`ResumePoint`), or lark parses it all from the start.
RESUME_PROBE = """
import sys
from ptflow.compiler.parser import parse_module, parse_module_with_lark
text = "pipeline a() { x = f(a: 1) }\\npipeline b() { y = g(b: [1, 2) }\\npipeline c() {}\\n"
resumed, from_start = parse_module(text), parse_module_with_lark(text)
def reported(parsed):
    return [(d.message, d.span.line, d.span.column) for d in parsed[1]]
print(reported(resumed) == reported(from_start))
print([item.name.name for item in resumed[0].items], len(resumed[1]))
"""


def test_a_syntax_error_after_lark_rebuilt_its_parser_is_reported_as_before(tmp_path):
    """lark numbers its parser's states differently each time it builds it (they follow the per-process string
    hash), so once its own cache is gone, the states of the clean parser's tables on disk mean other states
    to it: lark's parse must not resume from the clean parser's stack then, and the tables are replaced."""

    def resume_probe(hash_seed: str) -> list[str]:
        env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONHASHSEED=hash_seed)
        run = subprocess.run([sys.executable, "-c", RESUME_PROBE], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        return run.stdout.split("\n")[:2]

    assert resume_probe("1") == ["True", "['a', 'b', 'c'] 1"]
    (kept,) = tables(tmp_path)
    written_by_first = contents(kept)
    for lark_cache in tmp_path.glob(".lark_cache*"):
        lark_cache.unlink()
    assert resume_probe("2") == ["True", "['a', 'b', 'c'] 1"]
    assert contents(kept) != written_by_first  # now those of lark's new parser, which is in lark's cache
    assert resume_probe("3") == ["True", "['a', 'b', 'c'] 1"]
