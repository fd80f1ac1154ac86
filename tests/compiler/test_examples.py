"""Every bundled example checks clean and compiles for every target it is meant for."""

from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import check_file, compile_file

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/**/*.ptflow"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_clean(path):
    result = check_file(str(path))
    assert [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_compiles_to_kfp_v2(path):
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics]
    spec = result.documents[0]
    assert spec["schemaVersion"] == "2.1.0" and spec["root"]["dag"]["tasks"]
    # What ptflow writes is what it validates: a YAML round trip changes nothing.
    assert yaml.safe_load(yaml.safe_dump(spec)) == spec
