"""Does a `triggerPolicy.condition` parse as CEL?  cel-python's grammar decides.

`celpy.Environment().compile(text)` is a parse with cel-python's lark grammar,
but importing celpy (~40 ms) and building its LALR parser from scratch, as it
does in every process (~150 ms), cost most of a cold `ptflow compile` of a
pipeline with a condition.  So cel-python's grammar file is loaded here with
the parser options of `celpy.celparser.CELParser` plus lark's on-disk cache
(`cache=True`, as ptflow's own parser does): a few milliseconds after the
first process.  If that cannot be done (a cel-python laid out differently),
`celpy.Environment().compile` is used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable


def syntax_error(expression: str) -> str | None:
    """Why `expression` is not valid CEL, or None if it parses."""
    try:
        _parser()(expression)
    except Exception as error:  # lark's UnexpectedInput, celpy's CELParseError
        return _message(error, expression)
    return None


@functools.lru_cache(maxsize=1)
def _parser() -> Callable[[str], object]:
    try:
        return _cached_lark_parser().parse
    except Exception:  # a cel-python without cel.lark or CELParser: use its public API
        import celpy

        return celpy.Environment().compile


def _cached_lark_parser():
    """cel-python's grammar under `CELParser`'s options, found without importing `celpy`
    (its package init pulls in its evaluator and date libraries, ~40 ms)."""
    import importlib.util
    import re
    from pathlib import Path

    import lark

    spec = importlib.util.find_spec("celpy")
    directory = Path(next(iter(spec.submodule_search_locations)))
    grammar = (directory / "cel.lark").read_text()
    return lark.Lark(
        grammar,
        parser="lalr",
        start="expr",
        g_regex_flags=re.M,
        lexer_callbacks={"IDENT": _boolean_literal},
        propagate_positions=True,
        maybe_placeholders=False,
        priority="invert",
        cache=True,
    )


def _boolean_literal(token):
    """`true`/`false` lex as identifiers in cel.lark; cel-python's lexer callback makes them literals."""
    import lark

    if token.value in ("true", "false"):
        return lark.Token("BOOL_LIT", token.value)
    return token


def _message(error: Exception, expression: str) -> str:
    """Where the parser gave up, as a character position and the text from there."""
    if getattr(getattr(error, "token", None), "type", None) == "$END" or type(error).__name__ == "UnexpectedEOF":
        return "the expression ends too early"
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    if not isinstance(line, int) or not isinstance(column, int) or line < 1 or column < 1:
        return str(error).split("\n")[0] or type(error).__name__
    lines = expression.split("\n")
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    near = expression[offset : offset + 20]
    if not near.strip():
        return "the expression ends too early"
    return f"unexpected {near!r} at character {offset + 1}"
