"""Compiler positions (1-based, characters) <-> LSP positions (0-based, UTF-16 code units by default)."""

from lsprotocol import types

from ptflow.compiler.source import SourceText
from ptflow.lsp.positions import UTF8, UTF16, UTF32, PositionMap, encoding_name

# `🚀` is outside the Basic Multilingual Plane: 1 character, 2 UTF-16 units, 4 UTF-8 bytes.
TEXT = 'pipeline p() {\n    s = say(msg: "🚀 go", n: 1)\n}\n'


def span_of(name: str):
    start = TEXT.index(name)
    return SourceText("p.ptflow", TEXT).span(start, start + len(name))


def test_ascii_lines_convert_by_subtracting_one():
    positions = PositionMap(TEXT)
    assert positions.range(span_of("say")) == types.Range(types.Position(1, 8), types.Position(1, 11))


def test_columns_after_a_character_outside_the_bmp_count_utf16_units():
    span = span_of("n: 1")  # after the rocket on the same line
    assert span.column == 26  # the compiler counts characters
    assert PositionMap(TEXT, UTF16).range(span).start == types.Position(1, 26)
    assert PositionMap(TEXT, UTF8).range(span).start == types.Position(1, 28)
    assert PositionMap(TEXT, UTF32).range(span).start == types.Position(1, 25)


def test_client_positions_convert_back_to_the_same_character():
    for encoding, character in ((UTF16, 26), (UTF8, 28), (UTF32, 25)):
        positions = PositionMap(TEXT, encoding)
        line, column = positions.compiler_position(types.Position(1, character))
        assert (line, column) == (2, 26)
        assert TEXT[positions.offset(types.Position(1, character))] == "n"


def test_a_position_inside_a_surrogate_pair_stays_before_the_character():
    # UTF-16 unit 19 is the second half of the rocket: it maps to the rocket itself, never past it.
    positions = PositionMap(TEXT, UTF16)
    assert TEXT[positions.offset(types.Position(1, 19))] == "🚀"


def test_a_diagnostic_without_a_span_goes_to_the_start_and_the_end_is_after_the_last_character():
    positions = PositionMap(TEXT)
    assert positions.range(None) == types.Range(types.Position(0, 0), types.Position(0, 0))
    assert positions.end() == types.Position(3, 0)
    assert PositionMap("a\nbc").end() == types.Position(1, 2)


def test_encoding_names_default_to_utf16():
    assert encoding_name(types.PositionEncodingKind.Utf8) == UTF8
    assert encoding_name(None) == UTF16
    assert encoding_name("utf-32") == UTF32
