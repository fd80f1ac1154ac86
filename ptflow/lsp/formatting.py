"""`textDocument/formatting` through the compiler's formatter (`ptflow fmt`'s canonical style)."""

from __future__ import annotations

from lsprotocol import types

from ptflow.lsp.positions import PositionMap


class NotFormatted(Exception):
    """The document can't be formatted (it has syntax errors); the message says why."""


def format_edits(text: str, path: str, positions: PositionMap) -> list[types.TextEdit]:
    """The edits that make `text` canonical: none when it already is, else one replacing the whole text."""
    from ptflow.compiler.formatter import FormatError, format_source

    try:
        formatted = format_source(text, path)
    except FormatError as error:
        raise NotFormatted(str(error)) from error
    if formatted == text:
        return []
    whole = types.Range(types.Position(0, 0), positions.end())
    return [types.TextEdit(whole, formatted)]
