"""docs/targets.md's kfp-kubernetes coverage table: a row for every function of the installed kfp-kubernetes,
and every test a row cites exists (a twin under twins/, or a test file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TWINS = Path(__file__).resolve().parent / "twins"
SECTION = "## kfp-kubernetes 2.17.3 coverage"


def coverage_rows() -> dict[str, str]:
    """function name -> its row's test column."""
    text = (REPO / "docs" / "targets.md").read_text()
    assert SECTION in text, f"docs/targets.md has no section `{SECTION}`"
    section = text[text.index(SECTION) + len(SECTION) :]
    section = section.split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.fullmatch(r"\| `(\w+)` \| .+ \| (.+) \|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_installed_kfp_kubernetes_function_has_a_row():
    kubernetes = pytest.importorskip("kfp.kubernetes")
    rows = coverage_rows()
    assert sorted(set(kubernetes.__all__) - set(rows)) == [], "functions without a row in docs/targets.md"
    assert sorted(set(rows) - set(kubernetes.__all__)) == [], "rows for functions kfp-kubernetes does not have"


def test_every_cited_test_exists():
    for function, tests in coverage_rows().items():
        cited = re.findall(r"`([^`]+)`", tests)
        assert cited, f"`{function}` cites no test"
        for name in cited:
            if name.endswith(".py"):
                assert (REPO / name).is_file(), f"`{function}` cites {name}, which does not exist"
            else:
                twin = TWINS / (name.replace("/", "__") + ".ptflow")
                assert twin.is_file(), f"`{function}` cites the twin of {name}, which does not exist"
