"""Where the cursor is in text that may not parse: inside a call, a `with { }`, an `after: [...]`.

Completion is asked for while the user types, so the text is usually
unfinished; this scanner reads only the text before the cursor, from the
start of the enclosing top-level definition, skipping strings and comments so
a bracket inside a string changes nothing.  Positions are the compiler's
(1-based lines and columns, in characters).
"""

from __future__ import annotations

import enum
import re
from dataclasses import field

from ptflow.compiler.index import KEYWORDS
from ptflow.compiler.records import record


class CursorPlace(enum.StrEnum):
    CALL_NAME = "call_name"  # where a call's argument name goes
    CALL_VALUE = "call_value"  # an argument's value
    RETURN_VALUE = "return_value"  # a pipeline output's value in `return (name: ...)`
    WITH_KEY = "with_key"  # an option name in `with { }`
    WITH_VALUE = "with_value"  # an option's value
    AFTER = "after"  # the step list of `after:`
    STRING = "string"  # inside a string: nothing to complete
    BODY = "body"  # anywhere else


@record
class CursorContext:
    """Where the cursor is, judged from the text before it."""

    kind: CursorPlace
    callee: str | None = None
    given: tuple[str, ...] = ()
    key: str | None = None


# Strings and comments (skipped), brackets and the separators inside them.
_CONTEXT_TOKENS = re.compile(
    r'[fF]?"""(?:[^\\]|\\.)*?(?:"""|$)|[fF]?\'\'\'(?:[^\\]|\\.)*?(?:\'\'\'|$)'
    r'|[fF]?"(?:[^"\\\n]|\\.)*(?:"|$)|[fF]?\'(?:[^\'\\\n]|\\.)*(?:\'|$)'
    r"|#[^\n]*|[()\[\]{},:]",
    re.S,
)
_TOP_LEVEL = re.compile(r"^(?:pipeline|component|import)\b", re.M)


@record
class _Open:
    char: str
    position: int
    keys: list[str] = field(default_factory=list)
    segment_start: int = 0
    in_value: bool = False


def cursor_context(text: str, offset: int) -> CursorContext:
    """What encloses `offset`: a call's arguments, a `with { }`, an `after: [...]` list, or nothing.

    Scans forward from the start of the top-level definition holding the
    cursor, skipping strings and comments, so a bracket inside a string
    changes nothing.
    """
    start = 0
    for match in _TOP_LEVEL.finditer(text, 0, offset):
        start = match.start()
    stack: list[_Open] = []
    for match in _CONTEXT_TOKENS.finditer(text, start, offset):
        token = match.group()
        char = token[0]
        if match.end() == offset and _inside_string(token):
            return CursorContext(CursorPlace.STRING)
        if char in "([{":
            stack.append(_Open(char, match.start(), segment_start=match.end()))
        elif char in ")]}":
            if stack:
                stack.pop()
        elif char == "," and stack:
            stack[-1].in_value = False
            stack[-1].segment_start = match.end()
        elif char == ":" and stack and not stack[-1].in_value:
            key = text[stack[-1].segment_start : match.start()].strip().strip("\"'")
            stack[-1].keys.append(key)
            stack[-1].in_value = True
    if not stack:
        return CursorContext(CursorPlace.BODY)
    innermost = stack[-1]
    head = text[start : innermost.position].rstrip()
    if (
        innermost.char == "["
        and len(stack) >= 2
        and stack[-2].char == "{"
        and stack[-2].keys
        and stack[-2].keys[-1] == "after"
        and _is_with(text, start, stack[-2].position)
    ):
        return CursorContext(CursorPlace.AFTER)
    if innermost.char == "{" and _ends_with_word(head, "with"):
        if innermost.in_value:
            value_key = innermost.keys[-1] if innermost.keys else None
            return CursorContext(CursorPlace.AFTER if value_key == "after" else CursorPlace.WITH_VALUE, key=value_key)
        return CursorContext(CursorPlace.WITH_KEY, given=tuple(innermost.keys))
    if innermost.char == "(" and innermost.in_value and _ends_with_word(head, "return"):
        return CursorContext(CursorPlace.RETURN_VALUE, given=tuple(innermost.keys))
    if innermost.char == "(":
        callee = re.search(r"([A-Za-z_][A-Za-z0-9_.]*)\s*$", head)
        if callee and callee.group(1) not in KEYWORDS:
            kind = CursorPlace.CALL_VALUE if innermost.in_value else CursorPlace.CALL_NAME
            return CursorContext(kind, callee=callee.group(1), given=tuple(innermost.keys))
    return CursorContext(CursorPlace.BODY)


def _is_with(text: str, start: int, position: int) -> bool:
    return _ends_with_word(text[start:position].rstrip(), "with")


def _ends_with_word(text: str, word: str) -> bool:
    return text.endswith(word) and (
        len(text) == len(word) or not (text[-len(word) - 1].isalnum() or text[-len(word) - 1] == "_")
    )


def _inside_string(token: str) -> bool:
    """True if a string token runs to the cursor unclosed (an f-string's open `{` counts as code)."""
    is_fstring = token[0] in "fF"
    body = token[1:] if is_fstring else token
    if body[:1] not in ("'", '"'):
        return False
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    inner = body[len(quote) : len(body) - len(quote)]
    escaped = (len(inner) - len(inner.rstrip("\\"))) % 2 == 1  # an odd run of backslashes escapes the quote
    closed = len(body) >= 2 * len(quote) and body.endswith(quote) and not escaped
    if closed:
        return False
    if is_fstring and body.rfind("{") > body.rfind("}"):
        return False
    return True


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based position (clamped to the line's end and the text)."""
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline < 0:
            return len(text)
        offset = newline + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return min(offset + column - 1, end)
