"""Formatting a formatted file changes nothing: over every bundled file, the
hand-written ugly inputs, and ugly re-layouts of all of them."""

import pytest

from ptflow.compiler.formatter import LINE_WIDTH, format_source
from ptflow.compiler.parser import parse_module
from tests.fmt.layouts import EXAMPLES, RELAYOUTS, STDLIB, UGLY

FILES = EXAMPLES + STDLIB + UGLY


def file_id(path):
    return f"{path.parent.name}/{path.name}"


def test_there_is_something_to_format():
    assert len(EXAMPLES) >= 3 and STDLIB and len(UGLY) >= 3


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_formatting_twice_changes_nothing(path):
    once = format_source(path.read_text(), str(path))
    assert format_source(once, str(path)) == once


@pytest.mark.parametrize("relayout", RELAYOUTS, ids=str)
@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_an_ugly_relayout_formats_to_a_stable_result(path, relayout):
    ugly = RELAYOUTS[relayout](path.read_text())
    once = format_source(ugly, str(path))
    assert format_source(once, str(path)) == once


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_the_layout_a_file_was_written_in_does_not_matter(path):
    # Every re-layout of the same program formats to the same text (the
    # program with `##` turned into `#`, so that all of them mean the same).
    results = {name: format_source(relayout(path.read_text()), str(path)) for name, relayout in RELAYOUTS.items()}
    plain = format_source(RELAYOUTS["squashed"](path.read_text()), str(path))
    for name, formatted in results.items():
        # Blank lines are the one thing kept from the input's layout.
        assert _without_blank_lines(formatted) == _without_blank_lines(plain), name


@pytest.mark.parametrize("path", FILES, ids=file_id)
def test_formatted_lines_fit_in_the_width_unless_one_token_is_longer(path):
    formatted = format_source(path.read_text(), str(path))
    module, _ = parse_module(formatted)
    comment_lines = {c.span.line for c in module.comments}
    for number, line in enumerate(formatted.splitlines(), start=1):
        if len(line) <= LINE_WIDTH or number in comment_lines:
            continue
        # A line may only overflow when it holds a string that can't be split.
        assert any(len(piece) > 30 for piece in line.split('"')), f"line {number} is too long: {line}"


def _without_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.strip())
