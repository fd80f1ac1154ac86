"""The bundled .ptflow files, and ugly re-layouts of them, as inputs for the formatter's tests.

A re-layout changes only whitespace between tokens (never inside a string or
a comment), so it is the same program, with one exception: `##` doc comments
become plain `#` comments.  Which declaration a doc comment documents depends
on the lines around it, so moving one between lines would change the program
(test_comments.py covers doc comments).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/**/*.ptflow"))
STDLIB = sorted(REPO.glob("stdlib/*.ptflow"))
UGLY = sorted((Path(__file__).parent / "ugly").glob("*.ptflow"))

# Strings (triple-quoted first), comments, then any other run of non-space characters.
_PIECE = re.compile(
    r'f?"""(?:[^\\]|\\.)*?"""|f?\'\'\'(?:[^\\]|\\.)*?\'\'\'|f?"(?:[^"\\\n]|\\.)*"|f?\'(?:[^\'\\\n]|\\.)*\''
    r"|#[^\n]*|->|==|!=|<=|>=|-?[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?|[A-Za-z_][A-Za-z0-9_.]*|\S",
    re.S,
)


def pieces(text: str) -> list[str]:
    """The tokens, strings and comments of `text`; a comment that had a line of its own starts with a newline."""
    result = []
    for match in _PIECE.finditer(text):
        piece = match.group(0)
        if piece.startswith("#"):
            if piece.startswith("##"):
                piece = "#" + piece.lstrip("#")
            line_start = text.rfind("\n", 0, match.start()) + 1
            if not text[line_start : match.start()].strip():
                piece = "\n" + piece
        result.append(piece)
    return result


def _relayout(text: str, gaps: list[str]) -> str:
    """The pieces of `text` joined by `gaps` in turn; a comment still ends its line, and one
    that ended a line of code still does."""
    tokens = pieces(text)
    out = []
    for index, token in enumerate(tokens):
        out.append(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token.lstrip("\n").startswith("#"):
            out.append("\n")
        elif following.startswith("#"):
            out.append(" ")
        else:
            out.append(gaps[index % len(gaps)])
    return "".join(out)


def squashed(text: str) -> str:
    """Every token one space apart."""
    return _relayout(text, [" "])


def one_token_per_line(text: str) -> str:
    return _relayout(text, ["\n"])


def ragged(text: str) -> str:
    """Tabs, runs of blank lines and odd indentation, in turn."""
    return _relayout(text, ["\t", " \n\n\n  ", "   ", "\n\t\t", " "])


RELAYOUTS = {"squashed": squashed, "one_token_per_line": one_token_per_line, "ragged": ragged}
