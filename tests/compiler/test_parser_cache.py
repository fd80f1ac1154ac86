"""The parser's on-disk cache (lark's `cache=True`) follows the grammar: a changed grammar is never served a
stale parser, and an unchanged one is loaded from the cache instead of being rebuilt."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.grammar_variants import GRAMMAR, workflow_grammar

# A fresh interpreter parses two programs with the grammar file it is given and prints the error count of each.
PROBE = """
import sys
from pathlib import Path
import ptflow.grammar
ptflow.grammar.GRAMMAR_PATH = Path(sys.argv[1])
from ptflow.compiler.parser import parse_module
for text in sys.argv[2:]:
    print(len([d for d in parse_module(text)[1] if d.is_error]))
"""

PIPELINE = "pipeline p() {}\n"
WORKFLOW = "workflow p() {}\n"


def error_counts(grammar: Path, cache_folder: Path) -> list[int]:
    env = dict(os.environ, TMPDIR=str(cache_folder))  # lark keeps its cache in the temporary folder
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(grammar), PIPELINE, WORKFLOW], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    return [int(line) for line in run.stdout.split()]


def cache_files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir() if path.name.startswith(".lark_cache")}


def test_a_changed_grammar_gets_a_new_parser_and_the_old_one_stays_cached(tmp_path):
    cache_folder = tmp_path / "tmp"
    cache_folder.mkdir()
    assert error_counts(GRAMMAR, cache_folder) == [0, 1]
    (first,) = cache_files(cache_folder)

    changed = workflow_grammar(tmp_path)  # `pipeline` declarations spelt `workflow`
    assert error_counts(changed, cache_folder) == [1, 0]
    (second,) = cache_files(cache_folder) - {first}

    # Back to the real grammar: its cached parser is the one used, and nothing new is written.
    modified = (cache_folder / first).stat().st_mtime_ns
    assert error_counts(GRAMMAR, cache_folder) == [0, 1]
    assert cache_files(cache_folder) == {first, second}
    assert (cache_folder / first).stat().st_mtime_ns == modified
