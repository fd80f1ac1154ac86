""".ptflow twins of kfp's own test pipelines: each compiles to the pipeline kfp compiles from the Python file.

A twin (`twins/<id with / as __>.ptflow`) writes the pipeline of one corpus
file in ptflow and imports that file's components as kfp writes them
(`import "NAME.yaml" as NAME`, the YAML coming from `kfp_compile.py`), so the
comparison is of the pipeline itself: its steps, wiring, control flow and
options.  Both sides are compared up to names, with every channel resolved to
its source (tests/support/ir_equivalence.py).
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file
from tests.kfp_corpus.corpus import BY_ID
from tests.kfp_corpus.kfp_bugs import KFP_BUG_FIXES
from tests.support.ir_equivalence import assert_equivalent_ir
from tests.support.kfp_compare import assert_valid_ir

TWINS = Path(__file__).resolve().parent / "twins"


def twin_id(path: Path) -> str:
    return path.stem.replace("__", "/")


@pytest.mark.parametrize("twin", sorted(TWINS.glob("*.ptflow")), ids=twin_id)
def test_twin_compiles_to_what_kfp_compiles(kfp_corpus, twin, tmp_path):
    entry = BY_ID[twin_id(twin)]
    theirs = list(yaml.safe_load_all(kfp_corpus.text(entry)))
    # Next to the components it imports.
    folder = tmp_path / "twin"
    shutil.copytree(kfp_corpus.directory / "components" / entry.id, folder)
    source = folder / twin.name
    shutil.copy(twin, source)
    result = compile_file(str(source))
    errors = [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.ok, "ptflow reported errors:\n" + "\n".join(errors)
    assert_valid_ir(result.documents)  # the protobuf parse `ptflow compile` leaves out, as `ptflow validate` runs it
    theirs = [d for d in theirs if d is not None]
    if entry.id in KFP_BUG_FIXES:
        KFP_BUG_FIXES[entry.id](theirs[0])
    assert_equivalent_ir(result.documents, theirs)


def test_every_twin_names_a_corpus_file():
    unknown = [p.name for p in TWINS.glob("*.ptflow") if twin_id(p) not in BY_ID]
    assert unknown == []


def test_every_corpus_file_has_a_twin_or_a_reason_in_the_readme():
    """The README's table of missing features is the list of corpus files without a twin: no more, no less."""
    readme = (Path(__file__).resolve().parent / "README.md").read_text()
    readme = readme[readme.index("Corpus files without a twin") :]
    readme = readme[: readme.index("\n## ")]
    without_twin = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    with_twin = {twin_id(p) for p in TWINS.glob("*.ptflow")}
    assert with_twin & without_twin == set()
    assert with_twin | without_twin == set(BY_ID)


@pytest.mark.parametrize("corpus_id", sorted(KFP_BUG_FIXES))
def test_each_kfp_bug_fix_still_changes_kfps_output(kfp_corpus, corpus_id):
    """Once kfp fixes the bug, its fix here is a no-op and the entry should go."""
    theirs = [d for d in yaml.safe_load_all(kfp_corpus.text(BY_ID[corpus_id])) if d is not None]
    fixed = copy.deepcopy(theirs)
    KFP_BUG_FIXES[corpus_id](fixed[0])
    assert fixed != theirs
