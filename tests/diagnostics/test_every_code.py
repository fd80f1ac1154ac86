"""Every code of the catalogue fires from a real input, where and as it says; `ptflow explain` knows each.

The inputs are in cases.py (one per code), the machinery in harness.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ptflow.compiler.lint  # noqa: F401  (enters the lint rules' codes, PTF6xx, into the catalogue)
from ptflow.compiler.diagnostics.codes import CODES
from tests.diagnostics.cases import CASES, UNCOVERED
from tests.diagnostics.harness import case_text


@pytest.mark.parametrize("code", sorted(set(CODES) - UNCOVERED))
def test_the_code_fires_at_its_place_with_its_message(code, tmp_path):
    assert code in CASES, f"{code} has no case in tests/diagnostics/cases.py: add the input that makes it fire"
    case = CASES[code]
    seen = case.produce(tmp_path)
    fired = [s for s in seen if s.code == code]
    assert fired, f"{code} did not fire; seen: {[(s.code, s.message) for s in seen]}"
    place = case.expected_place()
    matching = [s for s in fired if s.place == place and case.message in s.message]
    assert matching, (
        f"{code} fired, but not at {place} with {case.message!r}:\n"
        + "\n".join(f"  {s.place} {s.message!r}" for s in fired)
        + "\n"
        + case_text(case)
    )
    found = matching[0]
    if case.hint is not None:
        assert found.hint is not None and case.hint in found.hint
    if case.fix is not None:
        assert found.fix == case.fix


def test_the_codes_without_a_case_are_only_those_listed():
    """The list of codes no input here makes fire can only shrink: a new code needs a case."""
    assert set(CODES) - set(CASES) == UNCOVERED
    assert UNCOVERED <= set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_ptflow_explain_knows_the_code(code, capsys):
    from ptflow.cli import main

    assert main(["explain", code.lower()]) == 0
    entry = CODES[code]
    out = capsys.readouterr().out
    assert out.startswith(f"{code}: {entry.title} ({entry.severity.label})\n")
    assert entry.explanation in out


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("PTF999", "ptflow explain: unknown code `PTF999`; `ptflow explain --list` lists every code"),
        ("PTF2O3", "ptflow explain: unknown code `PTF2O3`; did you mean PTF203?"),  # a letter O for a zero
        ("PTF2100", "ptflow explain: unknown code `PTF2100`; did you mean PTF210?"),  # one digit too many
        ("PTF230", "ptflow explain: unknown code `PTF230`; `ptflow explain --list` lists every code"),  # 203 or 210?
        ("PTF0", "ptflow explain: unknown code `PTF0`; `ptflow explain --list` lists every code"),
    ],
)
def test_an_unknown_code_says_so_and_names_a_code_only_when_one_digit_is_off(typed, answer, capsys):
    from ptflow.cli import main

    assert main(["explain", typed]) == 2
    assert capsys.readouterr().err.strip() == answer


def test_ptflow_check_reports_a_component_without_an_image_at_its_name(tmp_path):
    """Without this check `ptflow check` said "no problems" and `ptflow compile` failed with PTF502."""
    (tmp_path / "p.ptflow").write_text(
        'component hello() {\n    command = ["echo", "hi"]\n}\npipeline p() { h = hello() }\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "ptflow", "check", "--format", "json", "p.ptflow"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    [found] = json.loads(result.stdout)
    assert (found["code"], found["line"], found["column"], found["end_column"], found["message"]) == (
        "PTF215",
        1,
        11,
        16,
        "component `hello` has no `image`",
    )
