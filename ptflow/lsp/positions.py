"""Positions at the protocol boundary: compiler spans <-> LSP ranges.

The compiler counts 1-based lines and 1-based columns in characters (code
points).  LSP counts 0-based lines and 0-based columns in the code units of
the negotiated encoding: UTF-16 unless client and server agreed on UTF-8 or
UTF-32.  The two agree on every line that has only ASCII (the usual case), so
conversion works on a line's text only when the line has other characters.
"""

from __future__ import annotations

from lsprotocol import types

from ptflow.compiler.source import Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def code_units(text: str, encoding: str) -> int:
    """How many code units of `encoding` `text` takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))  # an editor may send a lone surrogate
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def characters_in(text: str, units: int, encoding: str) -> int:
    """How many characters of `text` the first `units` code units cover (clamped to the text)."""
    if encoding == UTF32 or text.isascii():
        return min(units, len(text))
    count = 0
    for index, char in enumerate(text):
        if encoding == UTF8:
            width = len(char.encode("utf-8", "surrogatepass"))
        else:
            width = 2 if ord(char) > 0xFFFF else 1
        if count + width > units:
            return index
        count += width
    return len(text)


class PositionMap:
    """One text's lines, for converting between compiler positions and LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16):
        self.text = text
        self.encoding = encoding
        self._ascii = text.isascii()
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def _line(self, index: int) -> str:
        lines = self.lines
        return lines[index] if 0 <= index < len(lines) else ""

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of a compiler (1-based, characters) position."""
        line0, column0 = max(line - 1, 0), max(column - 1, 0)
        if self._ascii or self.encoding == UTF32:
            return types.Position(line0, column0)
        return types.Position(line0, code_units(self._line(line0)[:column0], self.encoding))

    def range(self, span: Span | None) -> types.Range:
        """The LSP range of a span (the start of the text when there is none)."""
        if span is None:
            return types.Range(types.Position(0, 0), types.Position(0, 0))
        return types.Range(self.position(span.line, span.column), self.position(span.end_line, span.end_column))

    def compiler_position(self, position: types.Position) -> tuple[int, int]:
        """The compiler (1-based, characters) position of an LSP position."""
        if self._ascii or self.encoding == UTF32:
            return position.line + 1, position.character + 1
        return position.line + 1, characters_in(self._line(position.line), position.character, self.encoding) + 1

    def offset(self, position: types.Position) -> int:
        """The character offset in the text of an LSP position (clamped to its line)."""
        lines = self.lines
        line = min(max(position.line, 0), len(lines) - 1)
        start = sum(len(text) + 1 for text in lines[:line])
        return start + characters_in(lines[line], position.character, self.encoding)

    def end(self) -> types.Position:
        """The position just after the last character."""
        last = len(self.lines) - 1
        return types.Position(last, code_units(self.lines[last], self.encoding))


def encoding_name(kind) -> str:
    """The encoding name of a negotiated `PositionEncodingKind` (UTF-16 when none was)."""
    value = getattr(kind, "value", kind)
    return value if value in (UTF8, UTF16, UTF32) else UTF16
