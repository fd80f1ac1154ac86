"""Source positions on lark's parse tree, computed with less work per node than lark's own.

The tree builder (`parser.py`) reads each rule's position from its lark `meta`
(line, column, end line, end column, start and end offset), so the parser is
built with `propagate_positions=True`.  lark's implementation of that option
(`PropagatePositions`) is general: it allows a node filter and foreign
children, sets six `container_*` attributes one by one and reads them back
through `getattr` with defaults.  On a 1 MB program it is a third of the
parse.  `use_fast_positions` swaps it, rule by rule, for `_Positions`, which
gives every node the same positions by the same rule:

- a node starts where its first child with a position starts and ends where
  its last one ends, counting the tokens that the tree leaves out (`(`, `,`);
- a node that was already positioned (a `?rule` that passed its only child up)
  keeps its own position, but its "container" (what its parent counts) grows
  to the tokens around it, so `(a)` as an argument spans its parentheses
  while the expression `a` inside keeps its own span.

The container is kept as two tuples, `container_start` and `container_end`
(line, column, offset), instead of lark's six attributes.
"""

from __future__ import annotations

from lark import Lark, Token, Tree
from lark.parse_tree_builder import PropagatePositions


class _Positions:
    """A rule's callback: build the node, then give it the position of the text it covers."""

    __slots__ = ("build",)

    def __init__(self, build):
        self.build = build

    def __call__(self, children):
        node = self.build(children)
        if not isinstance(node, Tree):
            return node
        start = None
        for child in children:
            if isinstance(child, Token):
                start = (child.line, child.column, child.start_pos)
                break
            if isinstance(child, Tree):
                meta = child._meta
                if meta is not None and not meta.empty:
                    start = meta.container_start
                    break
        if start is None:  # no child with a position (an empty rule): neither has the node
            return node
        for child in reversed(children):
            if isinstance(child, Token):
                end = (child.end_line, child.end_column, child.end_pos)
                break
            if isinstance(child, Tree):
                meta = child._meta
                if meta is not None and not meta.empty:
                    end = meta.container_end
                    break
        meta = node.meta
        if meta.empty:
            meta.line, meta.column, meta.start_pos = start
            meta.end_line, meta.end_column, meta.end_pos = end
            meta.empty = False
        meta.container_start = start
        meta.container_end = end
        return node


def use_fast_positions(parser: Lark) -> None:
    """Swap lark's position callbacks in a `propagate_positions=True` LALR parser for `_Positions`.

    Where lark's internals are not laid out as expected (another lark version),
    the parser is left as it is: slower, same result.
    """
    callbacks = getattr(getattr(getattr(parser.parser, "parser", None), "parser", None), "callbacks", None)
    if not isinstance(callbacks, dict):
        return
    for rule, callback in callbacks.items():
        if type(callback) is PropagatePositions and callback.node_filter is None:
            callbacks[rule] = _Positions(callback.node_builder)
