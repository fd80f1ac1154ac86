"""Properties of the formatter over many programs hypothesis writes.

- Any valid program, in any layout, with `#` comments between any tokens:
  formatting it twice gives what formatting it once gave, and it compiles to
  the same documents before and after.
- Any bundled file with whitespace and comments inserted at random places
  (kept only when it still parses): the same, and no comment is lost.
"""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ptflow.compiler.api import check_file, compile_file
from ptflow.compiler.formatter import format_source
from ptflow.compiler.parser import parse_module
from tests.fmt.layouts import EXAMPLES, STDLIB
from tests.fmt.programs import programs

PATH = "generated.ptflow"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs())
def test_formatting_any_valid_program_twice_is_stable_and_compiles_the_same(source):
    assert check_file(PATH, source).ok, "the generator must write valid programs"
    once = format_source(source, PATH)
    assert format_source(once, PATH) == once
    before = compile_file(PATH, "kfp-v2", text=source)
    after = compile_file(PATH, "kfp-v2", text=once)
    assert before.ok and after.ok
    assert after.documents == before.documents


# `##` becomes `#`: a doc comment inserted at random would document whatever
# happens to be on the next line, which no layout can promise to keep.
SEEDS = [p.read_text().replace("##", "#") for p in EXAMPLES + STDLIB]
INSERTIONS = [" ", "\n", "\n\n\n", "\t", " # inserted\n", "\n# inserted on its own line\n"]


@st.composite
def disturbed(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 12))):
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(st.sampled_from(INSERTIONS)) + text[position:]
    return text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(source=disturbed())
def test_whitespace_and_comments_anywhere_format_stably_and_keep_every_comment(source):
    module, diagnostics = parse_module(source)
    assume(not any(d.is_error for d in diagnostics))
    once = format_source(source)
    assert format_source(once) == once
    formatted, _ = parse_module(once)
    assert [c.text.rstrip() for c in formatted.comments] == [c.text.rstrip() for c in module.comments]
