"""`ptflow validate` accepts every pipeline of kfp's own corpus, as kfp 2.17 compiles it here."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.ir import validate_ir
from tests.kfp_corpus.corpus import BY_ID, ENTRIES


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_kfp_compiles_it_and_ptflow_validates_it_clean(kfp_corpus, entry):
    text = kfp_corpus.text(entry)
    diagnostics = validate_ir(list(yaml.safe_load_all(text)), SourceText(str(kfp_corpus.path(entry)), text))
    assert [f"{d.span.line if d.span else '?'}: {d.code} {d.message}" for d in diagnostics] == []


def test_the_cli_accepts_kfps_pipeline_with_loops(kfp_corpus):
    """Issue 10 bug 1: the loop item (STRING) fed to NUMBER_INTEGER/STRUCT inputs was rejected."""
    path = kfp_corpus.path(BY_ID["parallel_and_nested/pipeline_with_loops"])
    done = subprocess.run([sys.executable, "-m", "ptflow.cli", "validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
