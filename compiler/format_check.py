"""The formatter's self-check: does the formatted text mean what the original meant?

`ptflow fmt` reparses its own output and compares the two syntax trees
without positions, the doc comments of every definition, and the comments
in order.  A difference is a formatter bug: compiler/formatter.py raises
`FormatterBug` (or tries another signature layout, for a moved doc comment)
and the file is left as it was.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from ptflow.compiler import tree


def _docs(definition) -> tuple:
    return (definition.doc, [p.doc for p in definition.params], [o.doc for o in definition.outputs])


def definitions_with_moved_docs(original: tree.Module, formatted: tree.Module) -> list[int]:
    """Indexes of the definitions whose doc comments (or their inputs' and outputs') differ."""
    if len(original.items) != len(formatted.items):
        return []  # not a doc problem: the full comparison reports it
    moved = []
    for index, (before, after) in enumerate(zip(original.items, formatted.items)):
        if isinstance(before, tree.Import) or type(before) is not type(after):
            continue
        if len(before.params) == len(after.params) and len(before.outputs) == len(after.outputs):
            if _docs(before) != _docs(after):
                moved.append(index)
    return moved


def same_meaning_problem(original: tree.Module, formatted: tree.Module) -> str | None:
    """What formatting would change besides layout (None when nothing): the tree, or the comments."""
    if _shape(formatted) != _shape(original):
        return "formatting would change what the file means"
    before = [c.text.rstrip() for c in original.comments]
    after = [c.text.rstrip() for c in formatted.comments]
    if before != after:
        return "formatting would lose or reorder comments"
    return None


def _shape(node):
    """A node as nested tuples without positions, for comparing two parses."""
    if isinstance(node, list):
        return tuple(_shape(item) for item in node)
    if isinstance(node, tree.Literal):
        return ("Literal", type(node.value).__name__, node.value)
    if isinstance(node, tree.Module):
        return ("Module", _shape(node.items))
    if isinstance(node, tree.FString):
        return ("FString", tuple(part if isinstance(part, str) else _shape(part) for part in node.parts))
    if is_dataclass(node):
        values = [type(node).__name__]
        for item in fields(node):
            if item.name in ("span", "path_span", "raw"):
                continue
            if item.name == "key" and isinstance(node, tree.DictEntry) and node.computed is not None:
                continue  # the bracketed key's source text, layout included: its meaning is `computed`
            values.append(_shape(getattr(node, item.name)))
        return tuple(values)
    return node
