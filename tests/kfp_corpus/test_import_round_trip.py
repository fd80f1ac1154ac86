"""kfp's own corpus, compiled by the installed kfp at test time, through `ptflow import` and back.

Each entry either round-trips (import, compile for kfp-v2, the same pipeline up to names by the
channel-resolving comparator) or is a known gap below: the import must then refuse it with a
diagnostic naming that path (PTF921) or the checker code the imported source runs into. An entry
that starts round-tripping fails here until it is moved out of GAPS, so the count stays true.
"""

from __future__ import annotations

import pytest
import yaml

from ptflow.compiler.api import check_file, compile_file
from ptflow.compiler.importer import ImportRefused, import_text
from tests.kfp_corpus.corpus import ENTRIES
from tests.kfp_corpus.kfp_bugs import KFP_BUG_FIXES
from tests.support.ir_equivalence import assert_equivalent_ir

# entry id -> the IR path of the refused field, or the checker code the imported source gets (none left: every
# corpus file round-trips; a corpus update lists here what the import can't read yet)
GAPS: dict[str, str] = {}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_import_then_compile_gives_kfps_pipeline(kfp_corpus, entry, tmp_path):
    text = kfp_corpus.text(entry)
    try:
        source = import_text(text, str(kfp_corpus.path(entry)))
    except ImportRefused as refused:
        assert entry.id in GAPS, f"refused at {refused.where}: {refused.message}"
        assert refused.where == GAPS[entry.id] and refused.code == "PTF921", str(refused)
        return
    path = tmp_path / "imported.ptflow"
    path.write_text(source)
    if entry.id in GAPS:
        codes = [d.code for d in check_file(str(path)).diagnostics if d.is_error]
        assert GAPS[entry.id] in codes, f"expected {GAPS[entry.id]}, the checker says {codes}"
        return
    result = compile_file(str(path))
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    theirs = [d for d in yaml.safe_load_all(text) if d is not None]
    if entry.id in KFP_BUG_FIXES:
        KFP_BUG_FIXES[entry.id](theirs[0])  # ptflow writes what kfp should have written
    assert_equivalent_ir(result.documents, theirs)


def test_the_gaps_are_corpus_entries():
    assert set(GAPS) <= {entry.id for entry in ENTRIES}
