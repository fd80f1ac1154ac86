"""Round trips through the real CLI: every example compiled to IR, imported, compiled again.

The second IR must be the same pipeline as the first up to names (the channel-resolving
comparator of tests/support/ir_equivalence.py), and importing it again must give the
same .ptflow text (idempotence), which `ptflow fmt --check` accepts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.ir_equivalence import assert_equivalent_ir

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(ROOT.glob("examples/*/*.ptflow"))


def ptflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *args], capture_output=True, text=True, cwd=ROOT)


def compile_to(source: Path, out: Path) -> list[dict]:
    result = ptflow("compile", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(out.read_text()))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_round_trips(example: Path, tmp_path: Path):
    original = compile_to(example, tmp_path / "original.yaml")
    imported = ptflow("import", str(tmp_path / "original.yaml"), "-o", str(tmp_path / "imported.ptflow"))
    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr
    again = compile_to(tmp_path / "imported.ptflow", tmp_path / "again.yaml")
    assert_equivalent_ir(again, original)

    # idempotence: ptflow's own output imports to the same text, already formatted
    second = ptflow("import", str(tmp_path / "again.yaml"), "-o", str(tmp_path / "second.ptflow"))
    assert second.returncode == 0, second.stderr
    first_text = (tmp_path / "imported.ptflow").read_text().splitlines()[1:]
    assert (tmp_path / "second.ptflow").read_text().splitlines()[1:] == first_text
    check = ptflow("fmt", "--check", str(tmp_path / "second.ptflow"))
    assert check.returncode == 0, check.stdout + check.stderr
