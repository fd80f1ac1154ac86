"""Hover text: a component's signature and docs, a name's type, a step's outputs, an option's doc."""

from __future__ import annotations

import re

from ptflow.compiler.cursor import CursorPlace, cursor_context, offset_of
from ptflow.compiler.index import Definition, DefinitionKind, FileIndex, Occurrence
from ptflow.compiler.options import OPTIONS_BY_NAME, Option
from ptflow.compiler.source import Span
from ptflow.compiler.targets.registry import TARGET_NAMES

_KIND_LABELS = {
    "component": "component",
    "pipeline": "pipeline",
    "module": "module",
    "parameter": "pipeline parameter",
    "step": "step",
    "loop": "loop variable",
    "input": "input",
    "output": "output",
}


def hover_at(index: FileIndex, line: int, column: int) -> tuple[Occurrence, str] | None:
    """The occurrence under a position and its hover text (Markdown), or None."""
    occurrence = index.at(line, column)
    if occurrence is None:
        return None
    return occurrence, hover_markdown(occurrence.definition)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def option_hover_at(path: str, text: str, line: int, column: int) -> tuple[Span, str] | None:
    """The key of a `with { }` option under a position and its hover text (from the option table), or None.

    Read from the text, like completion, so it works while the file does not parse."""
    found = _word_at(path, text, line, column)
    if found is None:
        return None
    word, span, after = found
    if word in OPTIONS_BY_NAME and after.lstrip().startswith(":"):
        if cursor_context(text, span.start).kind == CursorPlace.WITH_KEY:
            return span, option_markdown(OPTIONS_BY_NAME[word])
    return None


# The built-in values written as calls: their form, what they are, and the code of their mistakes.
BUILTIN_VALUES = {
    "oneof": (
        "oneof(a.out, b.out, ...)",
        "The output of whichever arm of an `if`/`elif`/`else` ran (KFP's `dsl.OneOf`): one output of a step in "
        "each arm, the chain ending in `else`.",
        "PTF405",
    ),
    "collect": (
        "collect(step.out)",
        "The values a step inside an `if` made: a list of one value when the condition held, none when it did not "
        "(KFP's `dsl.Collected` of a task in no loop). Only a pipeline output: `return (out: collect(step.out))`.",
        "PTF406",
    ),
}


def builtin_hover_at(path: str, text: str, line: int, column: int) -> tuple[Span, str] | None:
    """`oneof` or `collect` called as a value under a position, and its hover text; None elsewhere.  Read from
    the text, like `option_hover_at`."""
    found = _word_at(path, text, line, column)
    if found is None:
        return None
    word, span, after = found
    if word in BUILTIN_VALUES and after.lstrip().startswith("("):
        if cursor_context(text, span.start).kind != CursorPlace.STRING:
            form, doc, code = BUILTIN_VALUES[word]
            markdown = (
                f"*built-in value*\n\n```ptflow\n{form}\n```\n\n{doc}\n\nMistakes: {code} (`ptflow explain {code}`)"
            )
            return span, markdown
    return None


def _word_at(path: str, text: str, line: int, column: int) -> tuple[str, Span, str] | None:
    """The name under a position (read from the text, so it works while the file does not parse): the name,
    its span, and the rest of its line after it; None where no name is."""
    offset = offset_of(text, line, column)
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_text = text[line_start : len(text) if line_end < 0 else line_end]
    for word in _WORD.finditer(line_text):
        start, end = line_start + word.start(), line_start + word.end()
        if start <= offset <= end:
            span = Span(path, line, word.start() + 1, line, word.end() + 1, start, end)
            return word.group(), span, line_text[word.end() :]
    return None


def option_markdown(option: Option) -> str:
    """An option's doc line, the values it accepts, and how each target writes it."""
    rows = []
    for name in TARGET_NAMES:
        lowering = option.lowering[name]
        rows.append(f"- {name}: {lowering.writes or 'not supported (PTF501)'}")
    return "\n\n".join(
        [
            f"*step option* `{option.name}`",
            option.doc[0].upper() + option.doc[1:] + ".",
            f"Values: {option.value}",
            "\n".join(rows),
        ]
    )


def hover_markdown(definition: Definition) -> str:
    label = _KIND_LABELS.get(definition.kind, definition.kind)
    if definition.owner and definition.kind in (DefinitionKind.INPUT, DefinitionKind.OUTPUT):
        label += f" of `{definition.owner}`"
    elif definition.owner and definition.kind in (DefinitionKind.PARAMETER, DefinitionKind.STEP, DefinitionKind.LOOP):
        label += f" in `{definition.owner}`"
    detail = wrap_signature(definition.detail or definition.name)
    parts = [f"*{label}*", f"```ptflow\n{detail}\n```"]
    if definition.kind == DefinitionKind.MODULE and definition.target:
        parts.append(f"`{definition.target}`")
    if definition.doc:
        parts.append(definition.doc.strip())
    return "\n\n".join(parts)


def wrap_signature(text: str, width: int = 80) -> str:
    """A long signature with one parameter per line: `f(\n    a: int,\n    b: str,\n) -> (...)`."""
    if len(text) <= width:
        return text
    out = []
    position = 0
    for start, end in _top_level_groups(text):
        items = _split_top_level(text[start + 1 : end])
        out.append(text[position : start + 1])
        if items and items != ["..."]:
            out.append("\n" + "".join(f"    {item},\n" for item in items))
        else:
            out.append(text[start + 1 : end])
        position = end
    out.append(text[position:])
    return "".join(out)


def _with_depth(text: str):
    """(index, char, depth) for every character: how many brackets enclose it (an opening or closing
    bracket counts as outside itself), or None inside a string literal."""
    depth, quote = 0, None
    for index, char in enumerate(text):
        if quote or char in "\"'":
            if not quote:
                quote = char
            elif char == quote and text[index - 1] != "\\":
                quote = None
            yield index, char, None
            continue
        if char in ")]}":
            depth -= 1
        yield index, char, depth
        if char in "([{":
            depth += 1


def _top_level_groups(text: str) -> list[tuple[int, int]]:
    """(open, close) indexes of each outermost `( ... )`, skipping brackets inside strings."""
    groups, start = [], 0
    for index, char, depth in _with_depth(text):
        if depth == 0 and char == "(":
            start = index
        elif depth == 0 and char == ")":
            groups.append((start, index))
    return groups


def _split_top_level(text: str) -> list[str]:
    """The comma-separated items of `text`, ignoring commas inside brackets and strings."""
    items, current = [], []
    for _, char, depth in _with_depth(text):
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items
