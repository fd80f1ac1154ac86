"""Fixtures of the IR validator's tests: kfp-compiled reference files, and a way to break them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.ir import validate_ir


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory) -> Path:
    """Every reference pipeline of `kfp_reference`, compiled by kfp once per test session."""
    pytest.importorskip("kfp")
    from tests.validate_ir.kfp_reference import REFERENCE_PIPELINES, compile_reference, subvar_in_exit_handler

    directory = tmp_path_factory.mktemp("kfp-reference")
    for name, pipeline in REFERENCE_PIPELINES.items():
        compile_reference(pipeline, directory, name)
    compile_reference(subvar_in_exit_handler, directory, "subvar_in_exit_handler")
    return directory


@dataclass
class IRFile:
    """One IR file's documents, to be changed by a test and written back as kfp writes them."""

    documents: list
    path: Path

    @property
    def spec(self) -> dict:
        return self.documents[0]

    @property
    def platforms(self) -> dict:
        return self.documents[1]

    @property
    def root_tasks(self) -> dict:
        return self.spec["root"]["dag"]["tasks"]

    def executor(self, label: str) -> dict:
        return self.spec["deploymentSpec"]["executors"][label]

    def write(self) -> str:
        text = yaml.safe_dump_all(self.documents, sort_keys=True)  # as kfp writes IR
        self.path.write_text(text)
        return text

    def validate(self) -> list[Diagnostic]:
        text = self.write()
        return validate_ir(list(yaml.safe_load_all(text)), SourceText(str(self.path), text))

    def position(self, needle: str, occurrence: int = 1, skip: int = 0, after: str | None = None) -> tuple[int, int]:
        """1-based (line, column) of the `occurrence`-th `needle` (after the first `after`) in the written file,
        `skip` characters in."""
        text = self.path.read_text()
        offset = text.index(after) if after is not None else -1
        for _ in range(occurrence):
            offset = text.index(needle, offset + 1)
        offset += skip
        line = text.count("\n", 0, offset) + 1
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.fixture
def ir_file(reference_dir, tmp_path):
    """`ir_file("artifacts_and_outputs")`: a fresh, changeable copy of a reference file."""

    def load(name: str) -> IRFile:
        documents = list(yaml.safe_load_all((reference_dir / f"{name}.yaml").read_text()))
        return IRFile(documents, tmp_path / f"{name}.yaml")

    return load
