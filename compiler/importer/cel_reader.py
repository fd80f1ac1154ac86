"""Conditions: the CEL kfp writes in `triggerPolicy.condition`, read back into ptflow expressions.

Only the CEL kfp (and ptflow) write is accepted: channels
`inputs.parameter_values['x']` (bare, in `int(...)`/`double(...)`/`string(...)`,
or quoted as kfp quotes them for string comparisons), literals, the six
comparisons, `!`, `&&`, `||` and parentheses.  Anything else is refused.
"""

from __future__ import annotations

import re

from ptflow.compiler.records import record

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<channel>inputs\.parameter_values\[\s*'(?P<channel_name>[^']*)'\s*\])
  | (?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\))
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
""",
    re.VERBOSE,
)
_CASTS = {"int", "double", "string", "bool"}


class CelError(ValueError):
    """The text is not CEL of the form kfp writes."""


@record(frozen=True)
class Channel:
    name: str


@record(frozen=True)
class Literal:
    text: str  # already in ptflow syntax


@record(frozen=True)
class Compare:
    op: str
    left: object
    right: object


@record(frozen=True)
class Not:
    operand: object


@record(frozen=True)
class BoolOp:
    op: str  # "and" / "or"
    left: object
    right: object


def parse(text: str):
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise CelError(f"unexpected {text[position : position + 10]!r} at column {position + 1}")
        position = match.end()
        if match.lastgroup != "space":
            kind = "channel" if match.group("channel") else match.lastgroup
            tokens.append((kind, match.group("channel_name") if kind == "channel" else match.group(0)))
    parser = _Parser(tokens)
    tree = parser.disjunction()
    if parser.index != len(tokens):
        raise CelError(f"unexpected {tokens[parser.index][1]!r}")
    return tree


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else (None, None)

    def take(self, value=None):
        kind, text = self.peek()
        if kind is None or (value is not None and text != value):
            raise CelError(f"expected {value or 'more'}, found {text or 'the end'}")
        self.index += 1
        return kind, text

    def disjunction(self):
        left = self.conjunction()
        while self.peek()[1] == "||":
            self.take()
            left = BoolOp("or", left, self.conjunction())
        return left

    def conjunction(self):
        left = self.unary()
        while self.peek()[1] == "&&":
            self.take()
            left = BoolOp("and", left, self.unary())
        return left

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return Not(self.unary())
        if self.peek()[1] == "(":
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        left = self.operand()
        if self.peek()[1] in ("==", "!=", "<", "<=", ">", ">="):
            _, op = self.take()
            return Compare(op, left, self.operand())
        return left

    def operand(self):
        kind, text = self.take()
        if kind == "channel":
            return Channel(text)
        if kind == "name" and text in _CASTS and self.peek()[1] == "(":
            self.take("(")
            inner = self.operand()
            self.take(")")
            return inner
        if kind == "name" and text in ("true", "false"):
            return Literal(text)
        if kind == "number":
            return Literal(text)
        if kind == "string":
            body = text[1:-1]
            quoted_channel = re.fullmatch(r"inputs\.parameter_values\[\s*\\?'([^'\\]*)\\?'\s*\]", body)
            if quoted_channel:
                return Channel(quoted_channel.group(1))
            value = re.sub(r"\\(.)", r"\1", body)
            return Literal('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        raise CelError(f"unexpected {text!r}")


def conjuncts(tree) -> list:
    """The clauses of a top-level `a && b && c`, in order."""
    if isinstance(tree, BoolOp) and tree.op == "and":
        return conjuncts(tree.left) + conjuncts(tree.right)
    return [tree]


def join_and(clauses: list):
    tree = clauses[0]
    for clause in clauses[1:]:
        tree = BoolOp("and", tree, clause)
    return tree


def to_ptflow(tree, channel_text, top: bool = True) -> str:
    """The ptflow expression; `channel_text(name)` gives the ptflow value a channel stands for."""
    if isinstance(tree, Channel):
        return channel_text(tree.name)
    if isinstance(tree, Literal):
        return tree.text
    if isinstance(tree, Compare):
        return f"{to_ptflow(tree.left, channel_text)} {tree.op} {to_ptflow(tree.right, channel_text)}"
    if isinstance(tree, Not):
        return f"not ({to_ptflow(tree.operand, channel_text, top=True)})"
    left = _side(tree.left, tree.op, channel_text)
    right = _side(tree.right, tree.op, channel_text)
    text = f"{left} {tree.op} {right}"
    return text if top else f"({text})"


def _side(tree, parent_op, channel_text) -> str:
    if isinstance(tree, BoolOp):
        return to_ptflow(tree, channel_text, top=tree.op == parent_op)
    return to_ptflow(tree, channel_text)
