"""Source positions: one `Span` type on every tree node and every diagnostic."""

from __future__ import annotations

from ptflow.compiler.records import record


@record(frozen=True, slots=True)
class Span:
    """A region of one source file.

    Lines and columns are 1-based, as compilers print them; `end_column` is
    exclusive.  `start`/`end` are character offsets into the file's text, used
    by the formatter and the language server to slice and replace text.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def contains(self, line: int, column: int) -> bool:
        """True if the 1-based position lies inside this span (end inclusive)."""
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) <= (self.end_line, self.end_column)

    def cover(self, other: Span) -> Span:
        """The smallest span holding both this span and `other`."""
        first, last = (self, other) if self.start <= other.start else (other, self)
        end = self if self.end >= other.end else other
        return Span(self.file, first.line, first.column, end.end_line, end.end_column, first.start, end.end)


def _init_span(
    span: Span, file: str, line: int, column: int, end_line: int, end_column: int, start: int = 0, end: int = 0
) -> None:
    """`Span.__init__`, setting the fields through their slots: a frozen dataclass's own __init__ sets each one
    with `object.__setattr__`, which made a Span twice as slow to create, and a parse creates one per node
    (170,000 for a 1 MB file).  Assigning to a field afterwards still raises FrozenInstanceError."""
    _SET_FILE(span, file)
    _SET_LINE(span, line)
    _SET_COLUMN(span, column)
    _SET_END_LINE(span, end_line)
    _SET_END_COLUMN(span, end_column)
    _SET_START(span, start)
    _SET_END(span, end)


_SET_FILE, _SET_LINE, _SET_COLUMN, _SET_END_LINE, _SET_END_COLUMN, _SET_START, _SET_END = (
    vars(Span)[name].__set__ for name in ("file", "line", "column", "end_line", "end_column", "start", "end")
)
_init_span.__qualname__ = "Span.__init__"  # as a wrong call's TypeError names it
Span.__init__ = _init_span  # type: ignore[method-assign, assignment]


def point_span(file: str, text: str, offset: int, length: int = 1) -> Span:
    """A span of `length` characters at `offset` in `text`."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    end = min(len(text), offset + length)
    end_line = text.count("\n", 0, end) + 1
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return Span(file, line, column, end_line, end_column, offset, end)


class SourceText:
    """The text of one file, with the line table needed to turn offsets into positions."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self._line_starts = [0]
        newline = text.find("\n")
        while newline >= 0:
            self._line_starts.append(newline + 1)
            newline = text.find("\n", newline + 1)

    @property
    def line_starts(self) -> list[int]:
        """The offset where each line starts (line 1 at index 0); read only."""
        return self._line_starts

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, without its newline."""
        if number < 1 or number > len(self._line_starts):
            return ""
        start = self._line_starts[number - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    def span(self, start: int, end: int) -> Span:
        """The span between two character offsets."""
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self.path, line, column, end_line, end_column, start, end)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based (line, column): the inverse of `position`."""
        return self._line_starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        import bisect

        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1
