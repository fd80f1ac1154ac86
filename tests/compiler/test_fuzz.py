"""Property: whatever a user types, the compiler answers with diagnostics, never a crash.

Valid files are mutated at random (characters and tokens deleted, inserted,
duplicated, swapped); checking and compiling the result must never raise, and
every diagnostic must point inside the file it is about.
"""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptflow.compiler.api import check_file, compile_file
from tests.support.source_fuzzer import VOCABULARY

REPO = Path(__file__).resolve().parents[2]
SEEDS = [p.read_text() for p in sorted(REPO.glob("examples/**/*.ptflow"))]
# The source fuzzer's vocabulary (tests/support/source_fuzzer.py), and a run value.
TOKENS = [*VOCABULARY, "pipeline.status"]


@st.composite
def mutated_source(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "swap"]))
        if action == "delete":
            length = draw(st.integers(1, 12))
            text = text[:position] + text[position + length :]
        elif action == "insert":
            text = text[:position] + draw(st.sampled_from(TOKENS)) + text[position:]
        elif action == "duplicate":
            end = min(len(text), position + draw(st.integers(1, 40)))
            text = text[:end] + text[position:end] + text[end:]
        else:
            other = draw(st.integers(0, len(text)))
            low, high = sorted((position, other))
            if high - low > 1:
                text = text[:low] + text[high - 1] + text[low + 1 : high - 1] + text[low] + text[high:]
    return text


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=mutated_source())
def test_mutated_files_get_diagnostics_never_exceptions(tmp_path_factory, source):
    path = tmp_path_factory.mktemp("fuzz") / "mutated.ptflow"
    path.write_text(source)
    result = check_file(str(path))
    lines = source.split("\n")
    for diagnostic in result.diagnostics:
        assert diagnostic.code.startswith("PTF") and diagnostic.message
        if diagnostic.span is not None and diagnostic.span.file == str(path):
            assert 1 <= diagnostic.span.line <= len(lines) + 1
            assert diagnostic.span.column >= 1
    compiled = compile_file(str(path))
    assert compiled.ok == (not any(d.is_error for d in compiled.diagnostics))
