"""Layout documents and their printer: the generic half of `ptflow fmt`, which knows no ptflow syntax.

A document is a str, a list of documents (concatenation), or one of the
nodes below: groups printed on one line when they fit and broken otherwise,
line breaks that print as a space or nothing inside a flat group,
indentation, text held to the end of the line (trailing comments).  Text
holds no newline except inside a triple-quoted string.  `render` prints a
document at a given width with Prettier's algorithm in its simplest form
(the classic Wadler/Prettier design); compiler/formatter.py builds the
documents from a .ptflow syntax tree.
"""

from __future__ import annotations

from ptflow.compiler.records import record


@record(eq=False, slots=True)
class Group:
    """Printed on one line if it fits, else with every `Line` directly inside it broken."""

    contents: object
    broken: bool = False  # set when something inside must break (a hard line, a comment)
    flat: bool = False  # printed on one line even if it does not fit (unless broken)


@record(frozen=True, slots=True)
class Indent:
    contents: object


@record(frozen=True, slots=True)
class Line:
    """A line break, or (in a group printed flat) `flat`: a space or nothing."""

    flat: str = " "
    hard: bool = False  # always a break; also breaks every enclosing group


@record(frozen=True, slots=True)
class IfBroken:
    """`broken` when the enclosing group is broken, else `flat` (trailing commas)."""

    broken: object
    flat: object = ""


@record(frozen=True, slots=True)
class LineSuffix:
    """Text held back until the end of the current line: a trailing comment."""

    text: str


class _BreakParent:
    """Breaks every group around it (put next to a trailing comment)."""


LINE = Line(" ")
SOFT_LINE = Line("")
HARD_LINE = Line("", hard=True)
BREAK_PARENT = _BreakParent()

_FLAT, _BREAK = 0, 1


def _propagate_breaks(document) -> bool:
    """Mark every group holding a hard line or a BREAK_PARENT; returns whether `document` holds one."""
    if isinstance(document, str):
        return False
    if isinstance(document, list):
        found = False
        for part in document:
            found = _propagate_breaks(part) or found
        return found
    if isinstance(document, Group):
        if _propagate_breaks(document.contents):
            document.broken = True
        return document.broken
    if isinstance(document, Indent):
        return _propagate_breaks(document.contents)
    if isinstance(document, Line):
        return document.hard
    if isinstance(document, IfBroken):
        return _propagate_breaks(document.broken) | _propagate_breaks(document.flat)
    return document is BREAK_PARENT


def render(document, width: int, indent: str) -> str:
    """Print a layout document `width` columns wide, `indent` per level (Prettier's algorithm, in its simplest form)."""
    _propagate_breaks(document)
    out: list[str] = []
    column = 0
    suffixes: list[str] = []
    stack = [(0, _BREAK, document)]
    while stack:
        level, mode, doc = stack.pop()
        if isinstance(doc, str):
            out.append(doc)
            newline = doc.rfind("\n")
            column = column + len(doc) if newline < 0 else len(doc) - newline - 1
        elif isinstance(doc, list):
            stack.extend((level, mode, part) for part in reversed(doc))
        elif isinstance(doc, Indent):
            stack.append((level + 1, mode, doc.contents))
        elif isinstance(doc, Group):
            if (mode == _FLAT or doc.flat) and not doc.broken:
                stack.append((level, _FLAT, doc.contents))
            elif not doc.broken and _fits((level, _FLAT, doc.contents), stack, width - column):
                stack.append((level, _FLAT, doc.contents))
            else:
                stack.append((level, _BREAK, doc.contents))
        elif isinstance(doc, IfBroken):
            stack.append((level, mode, doc.broken if mode == _BREAK else doc.flat))
        elif isinstance(doc, LineSuffix):
            suffixes.append(doc.text)
        elif isinstance(doc, Line):
            if mode == _FLAT and not doc.hard:
                out.append(doc.flat)
                column += len(doc.flat)
                continue
            if suffixes:
                # Trailing comments go out before the break that ends their line.
                stack.append((level, mode, doc))
                stack.extend((level, mode, text) for text in reversed(suffixes))
                suffixes = []
                continue
            _trim_trailing_spaces(out)
            out.append("\n" + indent * level)
            column = len(indent) * level
    if suffixes:
        out.extend(suffixes)
    _trim_trailing_spaces(out)
    return "".join(out)


def _fits(next_command, rest, width: int) -> bool:
    """Whether `next_command`, printed flat, and what follows it up to the next break fit in `width`."""
    commands = [next_command]
    rest_index = len(rest)
    while width >= 0:
        if not commands:
            if rest_index == 0:
                return True
            rest_index -= 1
            commands.append(rest[rest_index])
            continue
        level, mode, doc = commands.pop()
        if isinstance(doc, str):
            newline = doc.find("\n")
            if newline >= 0:  # a triple-quoted string: only its first line shares this line
                return width - newline >= 0
            width -= len(doc)
        elif isinstance(doc, list):
            commands.extend((level, mode, part) for part in reversed(doc))
        elif isinstance(doc, Indent):
            commands.append((level, mode, doc.contents))
        elif isinstance(doc, Group):
            commands.append((level, _BREAK if doc.broken else mode, doc.contents))
        elif isinstance(doc, IfBroken):
            commands.append((level, mode, doc.broken if mode == _BREAK else doc.flat))
        elif isinstance(doc, Line):
            if mode == _BREAK or doc.hard:
                return True
            width -= len(doc.flat)
    return False


def _trim_trailing_spaces(out: list[str]) -> None:
    while out:
        trimmed = out[-1].rstrip(" ")
        if trimmed:
            out[-1] = trimmed
            return
        out.pop()


def flat_text(document) -> str:
    """A document with no line breaks, as text (types never break)."""
    if isinstance(document, str):
        return document
    return "".join(flat_text(part) for part in document)
