"""Reading an Argo `when` expression as kfp 1.8 and ptflow's kfp-v1 target write it.

    "{{tasks.flip.outputs.parameters.flip-side}}" == "heads"
    {{inputs.parameters.threshold}} > 3
    !({{a}} > 3) && ("{{b}}" == "x")                  an `elif` arm: the earlier arms negated
    "{{v}}" == "true" || "{{v}}" == "True"             a boolean value tested on its own

The result is a small tree of `Compare`, `And`, `Or`, `Not`; operands keep
their text and whether they were quoted (kfp quotes both sides of `==`/`!=`
and neither side of the ordering operators).
"""

from __future__ import annotations

import re

from ptflow.compiler.records import record


class WhenError(ValueError):
    pass


@record(frozen=True)
class Operand:
    text: str
    quoted: bool


@record(frozen=True)
class Compare:
    left: Operand
    op: str
    right: Operand


@record(frozen=True)
class And:
    parts: tuple


@record(frozen=True)
class Or:
    parts: tuple


@record(frozen=True)
class Not:
    operand: object


_TOKEN = re.compile(
    r'\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\))|(?P<bare>(?:\{\{[^{}]*\}\}|[^\s()!<>=&|"])+))'
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WhenError(f"unexpected text at {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise WhenError(f"expected {value or 'more'}, found {token[1] if token else 'the end'}")
        self.index += 1
        return token

    def expression(self):
        parts = [self.conjunction()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self):
        parts = [self.unary()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            self.take("(")
            inner = self.expression()
            self.take(")")
            return Not(inner)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expression()
            self.take(")")
            return inner
        left = self.operand()
        kind, op = self.take()
        if op not in ("==", "!=", "<", "<=", ">", ">="):
            raise WhenError(f"expected a comparison, found {op}")
        return Compare(left, op, self.operand())

    def operand(self) -> Operand:
        kind, text = self.take()
        if kind == "quoted":
            return Operand(text[1:-1].replace('\\"', '"'), True)
        if kind == "bare":
            return Operand(text, False)
        raise WhenError(f"expected a value, found {text}")


def parse(text: str):
    parser = _Parser(str(text))
    tree = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise WhenError(f"unexpected {rest[1]} after the condition")
    return tree


def truth_test(tree) -> Operand | None:
    """The value of `"{{v}}" == "true" || "{{v}}" == "True"` (a boolean tested on its own), else None."""
    if isinstance(tree, Or) and len(tree.parts) == 2 and all(isinstance(p, Compare) for p in tree.parts):
        first, second = tree.parts
        if (
            first.op == second.op == "=="
            and first.left == second.left
            and (first.right.text, second.right.text) == ("true", "True")
        ):
            return first.left
    return None
