"""kfp's own test pipelines (upstream/, see README.md), compiled by the installed kfp once per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.kfp_corpus.corpus import CorpusEntry

# The vendored upstream files are data, not tests of this project.
collect_ignore = ["upstream"]

HERE = Path(__file__).resolve().parent


class CompiledCorpus:
    """What `kfp_compile.py` wrote: per entry, the YAML text, or the reason kfp failed."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, entry: CorpusEntry) -> Path:
        return self.directory / entry.compiled_path

    def text(self, entry: CorpusEntry) -> str:
        path = self.path(entry)
        if not path.exists():
            error = path.with_suffix(".error")
            reason = error.read_text().strip() if error.exists() else "no output at all"
            pytest.fail(f"kfp could not compile {entry.id}: {reason}")
        return path.read_text()


@pytest.fixture(scope="session")
def kfp_corpus(tmp_path_factory) -> CompiledCorpus:
    pytest.importorskip("kfp")
    pytest.importorskip("kfp.kubernetes")
    directory = tmp_path_factory.mktemp("kfp-corpus")
    done = subprocess.run(
        [sys.executable, str(HERE / "kfp_compile.py"), str(directory)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return CompiledCorpus(directory)
