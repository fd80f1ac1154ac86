"""Parse .ptflow text into the syntax tree of `tree.py`, recovering from errors.

The lark LALR parser is built once per process (and cached on disk by lark).
A text is first parsed clean (`clean_parser.py`: lark's tables and lexer,
with the builder below called at each reduction, no lark tree; the tables
come from their own cache, `parser_tables.py`, so lark is not even imported
unless the text has something to report); a text with
anything to report, a syntax error or nesting too deep, is parsed again from
the start by lark with the recovery below, and its tree built by `_Builder`.
Syntax errors do not stop that parse: the recovery inserts the closing
token or separator that makes the parse go on, or skips the offending token,
and reports each independent mistake once, with the tokens that would have
been accepted there.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
import threading
from bisect import bisect_right
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ptflow.compiler import parser_tables, tree
from ptflow.compiler.clean_parser import CleanParser, NotClean, ResumePoint
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, Related, codes
from ptflow.compiler.source import SourceText, Span
from ptflow.compiler.value_limits import INT_MAX, INT_MIN

# Tokens the recovery may invent, in order of preference: closers first, since
# a forgotten `)` or `}` is the most common mistake, then separators.
_INSERTABLE = ("RPAR", "RSQB", "RBRACE", "COMMA", "COLON", "EQUAL", "NAME")
_SEPARATOR_FIRST = ("COMMA", "COLON", "EQUAL", "RPAR", "RSQB", "RBRACE", "NAME")
# A token written where another was meant, read as the one meant.
_SUBSTITUTES = {"EQUAL": "COLON", "COLON": "EQUAL"}
_MAX_INSERTIONS = 4
# How deep the syntax tree may go (a `[` or a block is one level, a call three), and how many brackets may
# be open at once. The builder, the checker, the formatter and the language server walk trees recursively,
# so deeper text is reported (PTF108) instead of built.
MAX_NESTING = 100
# After an error, errors within this many tokens are taken as its echo.
_QUIET_TOKENS = 3
# After this many errors (echoes included) the parser stops: each costs a repair search, and a megabyte
# of `[` or unterminated strings is hundreds of thousands of them.
_MAX_RECOVERIES = 1000

_TOKEN_NAMES = {
    "NAME": "a name",
    "STRING": "a string",
    "FSTRING": "an f-string",
    "SIGNED_INT": "a number",
    "SIGNED_FLOAT": "a number",
    "OPTIONAL": "`?`",
    "ARTIFACT_OF": '`Artifact<"...">`',
    "$END": "end of file",
}
_EXPRESSION_START = {"NAME", "STRING", "SIGNED_INT", "LSQB", "LBRACE", "LPAR", "TRUE", "FALSE"}


class _TokenCounter:
    """A lark post-lexer that counts tokens, so recovery can tell an echo from a new error."""

    always_accept = ()

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.previous: Token | None = None  # the token before the one being parsed
        self.current: Token | None = None
        # Brackets open, and the length of the current `a.b.c` chain and `not not` run: each nests the tree
        # one level deeper, so a megabyte of `(` or `.b` is refused at the 101st, not parsed to its end.
        # Kept here, not in `process`, because lark starts a new token stream after each error.
        self.depth = 0
        self.dots = 0
        self.nots = 0

    def process(self, stream):
        for token in stream:
            self.count += 1
            self.previous, self.current = self.current, token
            kind = token.type
            if kind not in _NESTING_TOKENS:  # most tokens: only the runs of `.` and `not` end
                if kind != "NAME":
                    self.dots = 0
                self.nots = 0
                yield token
                continue
            if kind in _OPENERS:
                self.depth += 1
                if self.depth > MAX_NESTING:
                    raise _TooDeep(token, "brackets open here")
            elif kind in _CLOSERS and self.depth:
                self.depth -= 1
            if kind == "DOT":
                self.dots += 1
                if self.dots > MAX_NESTING:
                    raise _TooDeep(token, "`.` in one chain")
            elif kind != "NAME":
                self.dots = 0
            if kind == "NOT":
                self.nots += 1
                if self.nots > MAX_NESTING:
                    raise _TooDeep(token, "`not` in a row")
            else:
                self.nots = 0
            yield token


class _TooDeep(Exception):
    """Nesting past MAX_NESTING, seen by the token counter: the parse stops at `token`."""

    def __init__(self, token: Token, what: str):
        super().__init__(token)
        self.token = token
        self.what = what


_COUNTER = _TokenCounter()
_PARSE_LOCK = threading.Lock()


# lark is imported only where a text is parsed by lark: a syntax error to report, the language server's
# incremental parse, or the clean parser's tables to build (see `parser_tables.py`).  Until then its names
# below stand for nothing: no code raises `_LarkNotImported`, so `except UnexpectedInput` catches nothing
# before lark is loaded, as nothing can have raised lark's exceptions.  `get_parser` binds the real ones.
class _LarkNotImported(Exception):
    pass


if TYPE_CHECKING:
    import lark
    from lark import Token
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
    from lark.parsers.lalr_analysis import Shift
else:
    lark = Token = Shift = None
    UnexpectedCharacters = UnexpectedInput = UnexpectedToken = _LarkNotImported


def _import_lark() -> None:
    """Bind the module's lark names (above) to lark's."""
    import ptflow.compiler.lark_without_regex  # noqa: F401, I001 (before lark; see there)
    import lark as lark_module
    from lark import exceptions
    from lark.parsers import lalr_analysis

    globals().update(
        lark=lark_module,
        Token=lark_module.Token,
        Shift=lalr_analysis.Shift,
        UnexpectedCharacters=exceptions.UnexpectedCharacters,
        UnexpectedInput=exceptions.UnexpectedInput,
        UnexpectedToken=exceptions.UnexpectedToken,
    )


def _parse(text: str, start: str, on_error=None):
    """Parse with the shared parser; its token counter is shared too, so one parse at a time."""
    with _PARSE_LOCK:
        _COUNTER.reset()
        return get_parser().parse(text, start=start, on_error=on_error)


# How the lark parser is built (besides its post-lexer, `_COUNTER`); part of the key of the clean parser's tables.
_LARK_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "basic",
    "start": ["start", "value", "statements"],
    "propagate_positions": True,
    "maybe_placeholders": True,
    "cache": True,
}


@lru_cache(maxsize=1)
def _grammar_text() -> str:
    from ptflow.grammar import GRAMMAR_PATH

    return GRAMMAR_PATH.read_text()


@lru_cache(maxsize=1)
def get_parser() -> lark.Lark:
    """The LALR parser for the grammar, built once per process."""
    _import_lark()
    from ptflow.compiler.lark_positions import use_fast_positions

    parser = lark.Lark(_grammar_text(), postlex=_COUNTER, **_LARK_OPTIONS)
    use_fast_positions(parser)  # the same positions as lark's, at a fraction of the cost (see there)
    return parser


@lru_cache(maxsize=1)
def _terminal_text() -> dict[str, str]:
    """How each terminal is shown in "expected ..." messages."""
    shown = dict(_TOKEN_NAMES)
    for terminal in get_parser().terminals:
        if terminal.name not in shown and terminal.pattern.type == "str":
            shown[terminal.name] = f"`{terminal.pattern.value}`"
    return shown


_OPERATORS = {
    "EQ",
    "NE",
    "LESSTHAN",
    "MORETHAN",
    "LE",
    "GE",
    "AND",
    "OR",
    "DOT",
    "LSQB",
    "LPAR",
}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
_OPENERS = {"LPAR", "LSQB", "LBRACE"}
# The tokens the token counter does more for than end a run of `.` or `not`.
_NESTING_TOKENS = _OPENERS | _CLOSERS | {"DOT", "NOT"}


def describe_expected(accepts: set[str]) -> str:
    """A readable list of the tokens a parser state accepts.

    Operators that could continue the expression before the error are left
    out when a separator or closer is also possible: after `f(a: 1` the
    useful answer is "`,` or `)`", not every comparison operator.
    """
    names = set(accepts)
    if "$END" in names:
        names.discard("$END")
    if names & (_CLOSERS | {"COMMA"}) and not names >= _EXPRESSION_START:
        names -= _OPERATORS
    parts = []
    if _EXPRESSION_START <= names:
        parts.append("an expression")
        names -= _EXPRESSION_START | {"SIGNED_FLOAT", "FSTRING", "NULL", "NOT", "PIPELINE", "ARTIFACT_OF"}
    elif {"NAME", "ARTIFACT_OF"} <= names:  # where a type goes: `int`, `Model`, `Artifact<"...">`
        parts.append("a type")
        names -= {"NAME", "ARTIFACT_OF"}
    shown = _terminal_text()
    parts.extend(sorted({shown.get(name, name) for name in names}))
    if len(parts) == 1:
        return parts[0]
    return "one of " + ", ".join(parts)


def describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("NAME", "SIGNED_INT", "SIGNED_FLOAT"):
        return f"`{token.value}`"
    if token.type in ("STRING", "FSTRING"):
        return "a string"
    return f"`{token.value}`"


class _Recovery:
    """The `on_error` callback: report, then repair or skip, and go on."""

    def __init__(self, source: SourceText, diagnostics: Diagnostics):
        self.source = source
        self.diagnostics = diagnostics
        self.last_error_at = -_QUIET_TOKENS - 1
        self.recoveries = 0

    def __call__(self, error: UnexpectedInput) -> bool:
        self.recoveries += 1
        if self.recoveries > _MAX_RECOVERIES:
            # Text this broken is not a program being edited; reading on would only cost time.
            where = getattr(error, "pos_in_stream", None) or 0
            self.diagnostics.report(
                codes.SYNTAX_ERROR,
                f"more than {_MAX_RECOVERIES:,} syntax errors: the rest of the file was not read",
                self.source.span(where, min(where + 1, len(self.source.text))),
            )
            return False
        if isinstance(error, UnexpectedCharacters):
            return self._bad_character(error)
        if isinstance(error, UnexpectedToken):
            return self._bad_token(error)
        return False

    def _is_echo(self) -> bool:
        echo = _COUNTER.count - self.last_error_at <= _QUIET_TOKENS
        self.last_error_at = _COUNTER.count
        return echo

    def _bad_character(self, error: UnexpectedCharacters) -> bool:
        text = self.source.text
        # lark declares `pos_in_stream = None` on the base class; UnexpectedCharacters always sets the int position.
        offset: int = error.pos_in_stream  # type: ignore[assignment]
        char = text[offset]
        state = error.interactive_parser.lexer_thread.state
        assert state is not None, "a lexer that raised UnexpectedCharacters has a state"
        if char in "\"'" and self._triple_quote_before(offset):
            # `"""` never closed: the lexer read `""` as an empty string and stopped at the third quote. All
            # the rest of the file is inside the string, so nothing after it is reported.
            opener = offset - 2 - (text[offset - 3 : offset - 2] == "f")
            if not self._is_echo():
                self.diagnostics.report(
                    codes.UNTERMINATED_STRING,
                    f"unclosed `{char * 3}`: the file ends before the string's closing `{char * 3}`",
                    self.source.span(opener, offset + 1),
                    related=[Related(self.source.span(len(text), len(text)), "the file ends here")],
                    hint=f"close the text with `{char * 3}`",
                )
            state.line_ctr.feed(text[offset:])  # no token follows: what the parser says at the end is an echo
            return True
        if char in "\"'" or text.startswith(('f"', "f'"), offset):
            end = text.find("\n", offset)
            end = len(text) if end < 0 else end
            if not self._is_echo():
                self.diagnostics.report(
                    codes.UNTERMINATED_STRING,
                    "unterminated string",
                    self.source.span(offset, end),
                    hint='close the string on the same line, or use """...""" for text over several lines',
                )
            state.line_ctr.feed(text[offset:end])  # skip the rest of the line
            parser = error.interactive_parser
            if _DryRun.of(parser).accepts_token("STRING"):
                parser.feed_token(
                    Token("STRING", '""', offset, error.line, error.column, error.line, error.column, end)
                )
            return True
        if not self._is_echo():
            self.diagnostics.report(
                codes.UNEXPECTED_CHARACTER, f"unexpected character {char!r}", self.source.span(offset, offset + 1)
            )
        return True

    @staticmethod
    def _triple_quote_before(offset: int) -> bool:
        """Whether the quote at `offset` is the third of three, after the empty string the lexer made of two."""
        previous = _COUNTER.current
        return (
            previous is not None
            and previous.type in ("STRING", "FSTRING")
            and previous.end_pos == offset
            and previous.value.lstrip("f") in ('""', "''")
        )

    def _bad_token(self, error: UnexpectedToken) -> bool:
        parser = error.interactive_parser
        token = error.token
        # What the parser accepted here: only needed for a message, so only worked out for one (an echo of
        # the last error, such as each of 3,000 repeated tokens, costs no more than its repair).
        dry_run = _DryRun.of(parser)
        substitute = _SUBSTITUTES.get(token.type)
        if substitute is not None and dry_run.accepts_token(substitute):
            # `x = 1` where `x: 1` was meant (or the reverse): read it as meant.
            if not self._is_echo():
                self._report(parser, token, dry_run.accepts(), None)
            parser.feed_token(Token.new_borrow_pos(substitute, _invented(substitute, token).value, token))
            return True
        previous = _COUNTER.previous if _COUNTER.current is token else _COUNTER.current
        same_line = previous is not None and previous.end_line == token.line
        # A `{` that ends its line after a value opens a block (`for x in [a, b {`), not a dict item.
        block_opener = token.type == "LBRACE" and self._ends_line(token)
        repair = self._find_repair(parser, token, prefer_separator=same_line and not block_opener)
        if not self._is_echo():
            self._report(parser, token, dry_run.accepts(), repair)
        if repair is not None:
            for kind in repair:
                parser.feed_token(_invented(kind, token))
            if token.type == "$END":
                return True  # lark feeds $END itself when parsing resumes
            parser.feed_token(token)
            return True
        if token.type == "$END":
            return False  # nothing left to skip: give up on the rest
        return True  # skip the token

    def _ends_line(self, token: Token) -> bool:
        """Whether only blanks and a comment follow `token` on its line."""
        end = _token_offsets(token)[1]
        line_end = self.source.text.find("\n", end)
        rest = self.source.text[end : None if line_end < 0 else line_end]
        return not rest.split("#", 1)[0].strip()

    def _report(self, parser, token: Token, accepts: set[str], repair) -> None:
        span = _token_span(self.source, token)
        expected = describe_expected(accepts)
        previous = _COUNTER.previous if _COUNTER.current is token else _COUNTER.current
        # The bracket the parser gives up on: the innermost one still open, when the repair (or, at the end of
        # the file, what is accepted) is its closer. Naming it, and where it was opened, is the useful part:
        # the place the parser noticed can be lines below it.
        closer = repair[0] if repair else None
        if token.type == "$END" and closer is None:
            closer = next((kind for kind in ("RPAR", "RSQB", "RBRACE") if kind in accepts), None)
        unclosed = _innermost_unclosed(parser, closer) if closer in _CLOSERS else None
        if (
            repair is not None
            and previous is not None
            and token.type != "$END"
            and previous.end_line is not None
            and token.line is not None
            and token.line > previous.end_line
        ):
            # Something is missing at the end of a line: point there, not at
            # the first token of the next line.
            previous_end = _token_offsets(previous)[1]
            span = self.source.span(previous_end, previous_end)
            if repair[0] in _CLOSERS:
                shown = _terminal_text().get(repair[0], repair[0])
                message = f"expected {shown} after {describe_token(previous)}"
                if unclosed is not None:
                    message = f"unclosed {unclosed.shown}: {message}"
                self.diagnostics.report(
                    codes.SYNTAX_ERROR,
                    message,
                    span,
                    related=self._opened_here(unclosed),
                    hint=f"accepted here: {expected}",
                )
            else:
                message = f"expected {expected} after {describe_token(previous)}"
                self.diagnostics.report(codes.SYNTAX_ERROR, message, span)
            return
        hint = _hint_for(token, accepts)
        related = self._opened_here(unclosed)
        if token.type == "$END":
            closers = accepts & _CLOSERS
            message = f"unexpected end of file; expected {describe_expected(closers or accepts)}"
            if unclosed is not None:
                message = f"unclosed {unclosed.shown}: the file ends before its {unclosed.closer}"
                misplaced = self._misaligned_brace(unclosed.opener) if unclosed.opener.type == "LBRACE" else None
                if misplaced is not None:
                    # The parser can only name the outermost block left open; the indentation shows which
                    # inner block lost its `}`: the one whose `}` lines up with an outer block instead.
                    opener, closer = misplaced
                    assert opener.line is not None, "a lexed token has its line"
                    line = self.source.text.splitlines()[opener.line - 1].strip()
                    hint = (
                        f"the `}}` at line {closer.line} lines up with an outer block, not with `{_shorten(line)}` "
                        f"at line {opener.line}: is that block's `}}` missing?"
                    )
                    related = [*(related or []), Related(_token_span(self.source, opener), "this block's `{`")]
        else:
            message = f"unexpected {describe_token(token)}; expected {expected}"
            if unclosed is not None:
                message = f"unclosed {unclosed.shown}: {message}"
        self.diagnostics.report(codes.SYNTAX_ERROR, message, span, related=related, hint=hint)

    def _misaligned_brace(self, outer: Token) -> tuple[Token, Token] | None:
        """Inside the block opened by `outer`, the first `{ }` pair whose `}` starts its line left of the line
        the `{` is on: the `}` that probably belongs to an outer block, and that block's `{`."""
        lines = self.source.text.splitlines()
        after = _token_offsets(outer)[1]
        opened: list[Token] = []
        try:  # lexed again only here, at the end of a file with a block left open
            tokens = [t for t in _lex(self.source.text) if t.start_pos is not None and t.start_pos >= after]
        except UnexpectedInput:
            return None  # text the lexer refuses was reported already; no guess about it
        for token in tokens:
            if token.type == "LBRACE":
                opened.append(token)
            elif token.type == "RBRACE" and opened:
                opener = opened.pop()
                assert token.line is not None and opener.line is not None
                closer_line, opener_line = lines[token.line - 1], lines[opener.line - 1]
                if closer_line.strip().startswith("}") and _indent(closer_line) < _indent(opener_line):
                    return opener, token
        return None

    def _opened_here(self, unclosed: _Unclosed | None) -> list[Related] | None:
        if unclosed is None:
            return None
        return [Related(_token_span(self.source, unclosed.opener), f"{unclosed.shown} opened here")]

    @staticmethod
    def _find_repair(parser, token: Token, prefer_separator: bool = False) -> tuple[str, ...] | None:
        """The shortest run of invented tokens after which `token` is accepted.

        On the same line a missing separator is likelier than a missing
        closer (`[a b]`); at the start of a new line, a missing closer.
        """
        order = _SEPARATOR_FIRST if prefer_separator else _INSERTABLE
        frontier: list[tuple[tuple[str, ...], _DryRun]] = [((), _DryRun.of(parser))]
        for _ in range(_MAX_INSERTIONS):
            next_frontier = []
            for inserted, state in frontier:
                for kind in order:
                    if kind == "NAME" and "NAME" in inserted:
                        continue
                    trial = state.copy()
                    if not trial.feed(kind):
                        continue
                    sequence = inserted + (kind,)
                    if trial.accepts_token(token.type):
                        return sequence
                    next_frontier.append((sequence, trial))
            frontier = next_frontier[:32]
        return None


class _DryRun:
    """What the parser would do with some more tokens, worked out without touching it or copying its stack.

    Lark's own `accepts()` and `copy()` copy the whole parser stack for every
    token tried, so each error cost time in proportion to how deeply the text
    is nested there, and 3,000 unclosed `[` took half a minute.  A dry run
    reads the real stack below `base` (never changing it) and keeps what it
    pushes itself in `pushed`: trying a token costs only the reductions it
    triggers, and a copy costs only the few states pushed so far.
    """

    __slots__ = ("table", "end_state", "stack", "base", "pushed")

    def __init__(self, table: dict, end_state, stack: list, base: int, pushed: list):
        self.table = table
        self.end_state = end_state
        self.stack = stack
        self.base = base
        self.pushed = pushed

    @classmethod
    def of(cls, parser) -> _DryRun:
        state = parser.parser_state
        conf = state.parse_conf
        return cls(conf.parse_table.states, conf.end_state, state.state_stack, len(state.state_stack), [])

    def copy(self) -> _DryRun:
        return _DryRun(self.table, self.end_state, self.stack, self.base, list(self.pushed))

    def _top(self):
        return self.pushed[-1] if self.pushed else self.stack[self.base - 1]

    def feed(self, token_type: str) -> bool:
        """Shift `token_type` (after the reductions it causes); False, and a spoiled dry run, if it is refused."""
        table = self.table
        while True:
            action = table[self._top()].get(token_type)
            if action is None:
                return False
            kind, argument = action
            if kind is Shift:
                self.pushed.append(argument)
                return True
            size = len(argument.expansion)
            from_pushed = min(size, len(self.pushed))
            if from_pushed:
                del self.pushed[-from_pushed:]
            self.base -= size - from_pushed
            if self.base < 1:
                return False
            goto = table[self._top()].get(argument.origin.name)
            if goto is None:
                return False
            self.pushed.append(goto[1])
            if goto[1] == self.end_state:
                return True  # the whole input reduced: only `$END` gets here

    def accepts_token(self, token_type: str) -> bool:
        return self.copy().feed(token_type)

    def accepts(self) -> set[str]:
        """The terminals the parser would take next, as lark's `accepts()` gives them."""
        return {name for name in self.table[self._top()] if name.isupper() and self.accepts_token(name)}


_CLOSER_OF = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}
# The keywords whose `{` opens a block, as a message names the block.
_BLOCK_KEYWORDS = {
    "PIPELINE": "pipeline",
    "COMPONENT": "component",
    "IF": "`if`",
    "ELIF": "`elif`",
    "ELSE": "`else`",
    "FOR": "`for` loop",
    "FINALLY": "`finally`",
    "WITH": "`with` options",
}


class _Unclosed:
    """A bracket the parser has shifted and not seen closed: `(`, or the `{` of pipeline `train`."""

    def __init__(self, opener: Token, owner: str | None):
        self.opener = opener
        self.owner = owner
        self.closer = f"`{_invented(_CLOSER_OF[opener.type], opener).value}`"

    @property
    def shown(self) -> str:
        return f"`{self.opener.value}`" + (f" of {self.owner}" if self.owner else "")


def _innermost_unclosed(parser, closer: str | None) -> _Unclosed | None:
    """The innermost bracket still open in the parser's stack, when `closer` is what closes it.

    The stack holds the tokens shifted and not yet reduced into a rule: an opener there whose closer is not
    after it (at its own level) is open.  Read only after an error, so parsing pays nothing for it.
    """
    stack = parser.parser_state.value_stack
    open_at: list[int] = []
    for index, item in enumerate(stack):
        if isinstance(item, Token):
            if item.type in _OPENERS:
                open_at.append(index)
            elif item.type in _CLOSERS and open_at:
                open_at.pop()
    if not open_at:
        return None
    index = open_at[-1]
    opener = stack[index]
    if _CLOSER_OF[opener.type] != closer:
        return None
    return _Unclosed(opener, _block_owner(stack, index) if opener.type == "LBRACE" else None)


def _block_owner(stack: list, brace: int) -> str | None:
    """What the `{` at `stack[brace]` is the block of (`pipeline `p``, `` `if` ``), or None for a dict."""
    index = brace - 1
    while index >= 0:
        item = stack[index]
        if isinstance(item, Token):
            if item.type in _BLOCK_KEYWORDS:
                owner = _BLOCK_KEYWORDS[item.type]
                following = stack[index + 1] if index + 1 < len(stack) else None
                if item.type in ("PIPELINE", "COMPONENT") and isinstance(following, Token):
                    owner += f" `{following.value}`"
                return owner
            if item.type == "RPAR":  # a signature's `(...)`: step over it to the name and keyword
                depth = 0
                while index >= 0:
                    token = stack[index]
                    if isinstance(token, Token) and token.type == "RPAR":
                        depth += 1
                    elif isinstance(token, Token) and token.type == "LPAR":
                        depth -= 1
                        if depth == 0:
                            break
                    index -= 1
            elif item.type not in ("NAME", "IN", "PARALLEL"):
                return None  # `:`, `=`, `,`, `(`...: the `{` starts a dict value
        index -= 1
    return None


def _lex(text: str):
    """The tokens of `text`, without the token counter (its state belongs to the parse under way)."""
    from lark.lexer import LexerThread

    lexer = get_parser().parser.lexer
    lexer = getattr(lexer, "lexer", lexer)  # lark wraps the lexer with the post-lexer: unwrap it
    return LexerThread.from_text(lexer, text).lex(None)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _shorten(line: str, width: int = 40) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _invented(kind: str, at: Token) -> Token:
    value = {"RPAR": ")", "RSQB": "]", "RBRACE": "}", "COMMA": ",", "COLON": ":", "EQUAL": "="}.get(kind, tree.MISSING)
    return Token.new_borrow_pos(kind, value, at)


def _hint_for(token: Token, accepts: set[str]) -> str | None:
    if token.type == "COLON" and "LBRACE" in accepts and "COLON" not in accepts:
        # `if ready:`, `for x in xs:`, `else:` as Python writes them
        return "a block is written in `{ }`, not after `:` (`if ready { ... }`, `for x in xs { ... }`)"
    if token.type == "NAME" and token.value in ("def", "class"):
        return (
            "ptflow has no `def`: write `pipeline name(input: type) { ... }` or "
            "`component name(input: type) -> (output: type) { ... }`, with the body in `{ }`"
        )
    if token.type in ("EQ", "NE", "LESSTHAN", "MORETHAN", "LE", "GE", "AND", "OR"):
        return "comparisons and `and`/`or` belong in `if` conditions"
    if token.type == "EQUAL" and "COLON" in accepts:
        return "arguments and options are written `name: value`"
    if token.type == "NAME" and "COMMA" in accepts:
        return "separate items with `,`"
    if token.type in ("NAME", "STRING") and "EQUAL" in accepts and "LPAR" in accepts:
        return "a step is written `name = component(input: value)`"
    return None


def _token_span(source: SourceText, token: Token) -> Span:
    if token.type == "$END" or token.start_pos is None:
        end = len(source.text)
        return source.span(max(0, end - 1), end) if end else source.span(0, 0)
    return source.span(*_token_offsets(token))


def _token_offsets(token: Token) -> tuple[int, int]:
    """Where a token the lexer made starts and ends (lark types them Optional for tokens made by hand)."""
    assert token.start_pos is not None and token.end_pos is not None, f"token {token.type} without a position"
    return token.start_pos, token.end_pos


# ------------------------------------------------------------- the tree


def _decode_string(raw: str) -> str:
    """The value of a string token: escapes decoded; triple-quoted text dedented."""
    if raw.startswith(("'''", '"""')):
        body = raw[3:-3]
        if body.startswith("\n"):
            # A block that starts on the next line is dedented, so scripts can
            # be indented with the code around them.
            body = textwrap.dedent(body[1:])
            if body.endswith("\n") and body.strip() and body.rstrip(" \t").endswith("\n"):
                body = body.rstrip(" \t")
        return _unescape(body)
    return _unescape(raw[1:-1])


def _shown_number(text: str) -> str:
    """A number literal as a message shows it: a long one by its ends and its length."""
    return text if len(text) <= 30 else f"{text[:12]}…{text[-6:]} ({len(text.lstrip('-')):,} digits)"


_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "0": "\0", "$": "\\$"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)


class InvalidEscape(ValueError):
    def __init__(self, offset: int, escape: str):
        super().__init__(escape)
        self.offset = offset
        self.escape = escape


def _unescape(body: str) -> str:
    """Decode `\\n`, `\\t`, `\\"`, `\\xHH`, `\\uHHHH`, ...; anything else is an InvalidEscape."""
    if "\\" not in body:
        return body

    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code in _ESCAPES:
            return _ESCAPES[code]
        if len(code) > 1:
            return chr(int(code[1:], 16))
        raise InvalidEscape(match.start(), match.group(0))

    return _ESCAPE.sub(replace, body)


class _Builder:
    """Turns lark's parse tree into `tree` nodes with spans.

    Each grammar rule has a method taking the rule's `meta` (its position) and
    its children, already built.  It works as a lark `Transformer` with
    `v_args(meta=True, inline=True)` would, called directly: lark's wrappers
    cost a third of a parse.
    """

    def __init__(
        self,
        source: SourceText,
        diagnostics: Diagnostics,
        offset: int = 0,
        line_shift: int | None = None,
        clean: bool = True,
    ):
        self.source = source
        self.path = source.path
        self.diagnostics = diagnostics
        # Where the parsed text starts in the file: an f-string's `{expr}` and a
        # top-level declaration (`parse_declarations`) are parsed on their own,
        # and their positions are moved to the file's.
        self.offset = offset
        # For text that starts a line (a declaration): the lines before it.  Its
        # columns are the file's, so lark's positions move by plain addition.
        self.line_shift = line_shift
        # Whether an f-string's `{expr}` is parsed clean first (`clean_parser.py`), as it always is but where
        # a test compares the clean parse with lark's.
        self.clean = clean

    # -- helpers
    def _span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return self.source.span(0, 0)
        if self.line_shift is not None:
            shift, offset = self.line_shift, self.offset
            return Span(
                self.path,
                meta.line + shift,
                meta.column,
                meta.end_line + shift,
                meta.end_column,
                meta.start_pos + offset,
                meta.end_pos + offset,
            )
        if self.offset:
            return self.source.span(meta.start_pos + self.offset, meta.end_pos + self.offset)
        # lark already knows the positions; columns are 1-based in both.
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)

    def _tok_span(self, token: Token) -> Span:
        start, end = _token_offsets(token)
        if token.line is None or token.column is None or token.end_line is None or token.end_column is None:
            return self.source.span(start + self.offset, end + self.offset)
        if self.line_shift is not None:
            shift = self.line_shift
            return Span(
                self.path,
                token.line + shift,
                token.column,
                token.end_line + shift,
                token.end_column,
                start + self.offset,
                end + self.offset,
            )
        if self.offset:
            return self.source.span(start + self.offset, end + self.offset)
        return Span(self.path, token.line, token.column, token.end_line, token.end_column, start, end)

    def _ident(self, token: Token) -> tree.Identifier:
        return tree.Identifier(str(token), self._tok_span(token))

    def transform(self, node: lark.Tree):
        """The built form of `node`: its rule's method called with its built children (a rule without a
        method stays a lark tree, as with a `Transformer`)."""
        children = [self.transform(child) if type(child) is lark.Tree else child for child in node.children]
        method = _RULE_METHODS.get(node.data)
        # `_meta`, not the `meta` property, which makes an empty Meta where lark set none: `_span` reads None
        # as empty, and this is a call per node of the file.
        if method is None:
            return lark.Tree(node.data, children, node._meta)
        return method(self, node._meta, *children)

    # -- module
    def start(self, meta, *items):
        module = tree.Module(self._span(meta), self.source.path, [], [], [])
        for item in items:
            module.items.append(item)
            if isinstance(item, tree.Import):
                module.imports.append(item)
            elif isinstance(item, tree.ComponentDef):
                module.components.append(item)
            elif isinstance(item, tree.PipelineDef):
                module.pipelines.append(item)
        return module

    def import_module(self, meta, path, alias):
        dotted, path_span = path
        if alias is None:
            last = dotted.rsplit(".", 1)[-1]
            end = path_span.end
            alias = tree.Identifier(last, self.source.span(end - len(last), end))
        else:
            alias = self._ident(alias)
        return tree.Import(self._span(meta), tree.ImportKind.MODULE, dotted, path_span, alias)

    def import_file(self, meta, string, alias):
        return tree.Import(self._span(meta), tree.ImportKind.FILE, string.value, string.span, self._ident(alias))

    def module_path(self, meta, *names):
        return ".".join(str(n) for n in names), self._span(meta)

    # -- declarations
    def component_def(self, meta, name, params, returns, *properties):
        return tree.ComponentDef(self._span(meta), self._ident(name), params or [], returns or [], list(properties))

    def pipeline_def(self, meta, name, params, returns, *statements):
        return tree.PipelineDef(self._span(meta), self._ident(name), params or [], returns or [], list(statements))

    def params(self, meta, *items):
        return [p for p in items if p is not None]

    def param(self, meta, name, type_, default):
        return tree.Param(self._span(meta), self._ident(name), type_, default)

    def returns(self, meta, outputs):
        return outputs or []

    def outputs(self, meta, *items):
        return [o for o in items if o is not None]

    def output_decl(self, meta, name, type_):
        return tree.OutputDecl(self._span(meta), self._ident(name), type_)

    def type(self, meta, name, args, schema_title, optional):
        return tree.TypeRef(
            self._span(meta),
            self._ident(name),
            args or [],
            schema_title.value if schema_title is not None else None,
            optional is not None,
        )

    def type_args(self, meta, *types):
        return list(types)

    def schema_title(self, meta, string):
        return string

    def artifact_of_type(self, meta, opener, string, optional):
        """`Artifact<"title">`: the `Artifact<` token (see the grammar's ARTIFACT_OF), then the title."""
        start = _token_offsets(opener)[0] + self.offset
        name = tree.Identifier("Artifact", self.source.span(start, start + len("Artifact")))
        return tree.TypeRef(self._span(meta), name, [], string.value, optional is not None)

    def type_value(self, meta, opener, string):
        """A type where a value goes: an importer's `type: Artifact<"google.VertexDataset">`."""
        return tree.TypeExpr(self._span(meta), self.artifact_of_type(meta, opener, string, None))

    def property(self, meta, name, value):
        return tree.Property(self._span(meta), self._ident(name), value)

    # -- statements
    def assignment(self, meta, name, value, options):
        span = self._span(meta)
        if isinstance(value, tree.Call):
            return tree.Step(span, self._ident(name), value, options)
        if options is not None:
            self.diagnostics.report(
                codes.OPTIONS_ON_NON_STEP,
                "`with { ... }` options belong to a step, and this is not a call",
                options.span,
            )
        return tree.Property(span, self._ident(name), value)

    def call_statement(self, meta, func, arguments, options):
        span = self._span(meta)
        call_end = options.span.start if options is not None else span.end
        call = tree.Call(self.source.span(span.start, call_end), func, arguments or [])
        return tree.Step(span, None, call, options)

    def qualified_name(self, meta, *names):
        expr = tree.Name(self._tok_span(names[0]), str(names[0]))
        for name in names[1:]:
            expr = tree.Member(self.source.span(expr.span.start, name.end_pos + self.offset), expr, self._ident(name))
        return expr

    def with_options(self, meta, options):
        return options

    def for_stmt(self, meta, var, iterable, parallel, block):
        return tree.For(self._span(meta), self._ident(var), iterable, parallel, block)

    def parallel(self, meta, value):
        return value

    def if_stmt(self, meta, condition, block, *rest):
        span = self._span(meta)
        branches = [tree.Branch(self.source.span(span.start, block.span.end), "if", condition, block)]
        for clause in rest:
            if clause is not None:
                branches.append(clause)
        return tree.If(span, branches)

    def elif_clause(self, meta, condition, block):
        return tree.Branch(self._span(meta), "elif", condition, block)

    def else_clause(self, meta, block):
        return tree.Branch(self._span(meta), "else", None, block)

    def finally_stmt(self, meta, options, block):
        return tree.Finally(self._span(meta), block, options)

    def try_stmt(self, meta, block, final):
        return tree.Try(self._span(meta), block, final)

    def return_stmt(self, meta, arguments):
        return tree.Return(self._span(meta), arguments or [])

    def block(self, meta, *statements):
        return tree.Block(self._span(meta), list(statements))

    def statements(self, meta, *statements):
        return list(statements)

    # -- expressions
    def or_op(self, meta, left, right):
        return tree.BoolOp(self._span(meta), "or", left, right)

    def and_op(self, meta, left, right):
        return tree.BoolOp(self._span(meta), "and", left, right)

    def not_op(self, meta, operand):
        return tree.Not(self._span(meta), operand)

    def compare(self, meta, left, op, right):
        return tree.Compare(self._span(meta), op, left, right)

    def comp_op(self, meta, token):
        return str(token)

    def member(self, meta, obj, name):
        return tree.Member(self._span(meta), obj, self._ident(name))

    def index(self, meta, obj, index):
        return tree.Index(self._span(meta), obj, index)

    def call_expr(self, meta, func, arguments):
        return tree.Call(self._span(meta), func, arguments or [])

    def arguments(self, meta, *items):
        return [a for a in items if a is not None]

    def keyword_argument(self, meta, name, value):
        return tree.Argument(self._span(meta), self._ident(name), value)

    def positional_argument(self, meta, value):
        return tree.Argument(self._span(meta), None, value)

    def name(self, meta, token):
        return tree.Name(self._tok_span(token), str(token))

    def pipeline_name(self, meta):
        return tree.Name(self._span(meta), "pipeline")

    def integer(self, meta, token):
        text = str(token)
        span = self._tok_span(token)
        # Compare lengths first: Python refuses to convert more than 4,300 digits.
        if len(text.lstrip("-")) > len(str(INT_MAX)) or not INT_MIN <= int(text) <= INT_MAX:
            self.diagnostics.report(
                codes.NUMBER_OUT_OF_RANGE,
                f"integer {_shown_number(text)} is out of range: integers are 64-bit, from -2^63 to 2^63-1",
                span,
            )
            return tree.Literal(span, 0, text)
        return tree.Literal(span, int(text), text)

    def float(self, meta, token):
        text = str(token)
        span = self._tok_span(token)
        value = float(text)
        if math.isinf(value):
            self.diagnostics.report(
                codes.NUMBER_OUT_OF_RANGE,
                f"float {_shown_number(text)} is out of range: floats are at most about 1.8e308",
                span,
            )
            return tree.Literal(span, 0.0, text)
        return tree.Literal(span, value, text)

    def true(self, meta):
        return tree.Literal(self._span(meta), True, "true")

    def false(self, meta):
        return tree.Literal(self._span(meta), False, "false")

    def null(self, meta):
        return tree.Literal(self._span(meta), None, "null")

    def string(self, meta, token):
        span = self._tok_span(token)
        try:
            value = _decode_string(str(token))
        except InvalidEscape as error:
            raw = str(token)
            at = raw.find(error.escape)
            start = token.start_pos + self.offset + at
            where = self.source.span(start, start + len(error.escape)) if at >= 0 else span
            self.diagnostics.report(
                codes.INVALID_ESCAPE,
                f"invalid escape `{error.escape}` in string",
                where,
                hint="write `\\\\` for a backslash",
            )
            value = raw[1:-1]
        return tree.Literal(span, value, str(token))

    def fstring(self, meta, token):
        return _parse_fstring(token, self.source, self.diagnostics, self.offset, self.clean)

    def list(self, meta, *items):
        return tree.ListExpr(self._span(meta), [i for i in items if i is not None])

    def dict(self, meta, *entries):
        return tree.DictExpr(self._span(meta), [e for e in entries if e is not None])

    def entry(self, meta, key, value):
        if isinstance(key, tree.Literal):
            ident = tree.Identifier(str(key.value), key.span)
            return tree.DictEntry(self._span(meta), ident, value, quoted=True)
        return tree.DictEntry(self._span(meta), self._ident(key), value)

    def computed_entry(self, meta, key, value):
        # The key's text stands in as its name, so code that looks entries up by name never matches it.
        text = self.source.text[key.span.start : key.span.end]
        return tree.DictEntry(self._span(meta), tree.Identifier(f"[{text}]", key.span), value, computed=key)


# The builder's method of each rule, by the rule's name.
_RULE_METHODS = {
    name: function
    for name, function in vars(_Builder).items()
    if not name.startswith("_") and name != "transform" and callable(function)
}


class _CleanBuilder(_Builder):
    """The builder of a clean parse (`clean_parser.py`): a node's position comes as the (start, end) offsets it
    covers, and a token's as its offsets; lines and columns come from the file's line table."""

    def __init__(self, source: SourceText, diagnostics: Diagnostics, offset: int = 0):
        super().__init__(source, diagnostics, offset)
        self._line_starts = source.line_starts

    def _offsets_span(self, start: int, end: int) -> Span:
        line_starts = self._line_starts
        line = bisect_right(line_starts, start)
        end_line = bisect_right(line_starts, end)
        return Span(
            self.path,
            line,
            start - line_starts[line - 1] + 1,
            end_line,
            end - line_starts[end_line - 1] + 1,
            start,
            end,
        )

    def _span(self, meta) -> Span:
        if meta is None:
            return self.source.span(0, 0)
        offset = self.offset
        return self._offsets_span(meta[0] + offset, meta[1] + offset)

    def _tok_span(self, token: Token) -> Span:
        start, end = _token_offsets(token)
        return self._offsets_span(start + self.offset, end + self.offset)

    def reported(self) -> int:
        return len(self.diagnostics.items)


def _tables_key() -> tuple:
    return parser_tables.cache_key(_grammar_text(), repr(sorted(_LARK_OPTIONS.items())))


@lru_cache(maxsize=1)
def _clean_parser() -> CleanParser | None:
    """The clean parser, from its tables on disk where they are there and fresh, else read from lark's parser
    (and kept on disk for the next process)."""
    key = _tables_key()
    kept = parser_tables.load(key, _RULE_METHODS, MAX_NESTING)
    if kept is not None:
        return kept
    parser = CleanParser.of(get_parser(), _RULE_METHODS, MAX_NESTING)
    if parser is not None:
        parser_tables.store(key, parser)
    return parser


@lru_cache(maxsize=1)
def _lark_numbers_states_as_clean_parser() -> bool:
    """Whether a ResumePoint's parser states mean the same to lark's parser as to the clean parser.

    lark numbers the LALR states of a parser it builds differently from one process to the next (its tables
    come from sets, whose order follows the per-process string hash), so the clean parser's tables on disk
    match lark's parser only while lark loads the parser they were read from out of its own cache.  Where
    lark had to build it again (its cache removed, a new lark), they are compared here, once per process,
    and the tables on disk replaced by this parser's, so the next process resumes again."""
    clean = _clean_parser()
    from_lark = CleanParser.of(get_parser(), _RULE_METHODS, MAX_NESTING)
    if clean is None or from_lark is None:
        return False
    if clean.same_tables(from_lark):
        return True
    parser_tables.store(_tables_key(), from_lark)
    return False


def _parse_clean(text: str, start: str, source: SourceText, offset: int = 0):
    """The built tree of `text` and what building it reported, or None where the text needs lark's parse (a
    syntax error, nesting too deep): see `clean_parser.py`."""
    built, diagnostics, _ = _parse_clean_or_resume(text, start, source, offset)
    return None if built is None else (built, diagnostics)


def _parse_clean_or_resume(
    text: str, start: str, source: SourceText, offset: int = 0
) -> tuple[Any, Diagnostics, ResumePoint | None]:
    """`_parse_clean`, and where the text needs lark's parse, where that parse may start (see ResumePoint):
    (built tree or None, what the builder reported, the resume point or None)."""
    parser = _clean_parser()
    diagnostics = Diagnostics()
    if parser is None:
        return None, diagnostics, None
    try:
        return parser.parse(text, start, _CleanBuilder(source, diagnostics, offset)), diagnostics, None
    except NotClean as not_clean:
        return None, diagnostics, not_clean.resume


class _FromStack:
    """Stands in for lark's LALR parser in its error-handling loop (`LALR_Parser.parse`), so that lark's parse
    starts from a given stack: its inner parser takes one, its loop doesn't."""

    def __init__(self, states: list[int], values: list):
        self.lark_parser = get_parser().parser.parser.parser
        self.states = states
        self.values = values

    def parse(self, lexer, start: str):
        return self.lark_parser.parse(lexer, start, value_stack=self.values, state_stack=self.states)


def _parse_from(point: ResumePoint, text: str, recovery: _Recovery) -> lark.Tree:
    """lark's parse of `text` with error recovery, started at `point` instead of the beginning: the
    declarations before it, built by the clean parse, are one node of lark's stack there, as they would be
    in lark's parse from the beginning."""
    get_parser()  # imports lark (see `_import_lark`)
    from lark.lexer import LexerThread
    from lark.parsers.lalr_parser import LALR_Parser
    from lark.tree import Meta

    source = recovery.source
    meta = Meta()
    meta.line, meta.column = source.position(point.start)
    meta.end_line, meta.end_column = source.position(point.end)
    meta.start_pos, meta.end_pos = point.start, point.end
    meta.empty = False
    # What lark_positions.py reads of a node below the one it positions.
    meta.container_start = (meta.line, meta.column, meta.start_pos)  # type: ignore[attr-defined]
    meta.container_end = (meta.end_line, meta.end_column, meta.end_pos)  # type: ignore[attr-defined]
    declarations = lark.Tree(point.items_rule, list(point.items), meta)
    with _PARSE_LOCK:
        _COUNTER.reset()
        _COUNTER.count = point.tokens
        lexer = LexerThread.from_text(get_parser().parser.lexer, text)
        assert lexer.state is not None, "a lexer made from a text has its state"
        position = lexer.state.line_ctr
        position.char_pos = point.offset
        position.line, position.column = source.position(point.offset)
        position.line_start_pos = point.offset - position.column + 1
        loop = SimpleNamespace(parser=_FromStack(list(point.states), [declarations]))
        return LALR_Parser.parse(loop, lexer, "start", on_error=recovery)  # type: ignore[arg-type]


_FSTRING_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def _parse_fstring(
    token: Token, source: SourceText, diagnostics: Diagnostics, offset: int = 0, clean: bool = True
) -> tree.FString:
    """The f-string `token`, whose text starts `offset` characters into the file (see `_Builder.offset`)."""
    start, end = _token_offsets(token)
    try:
        return _fstring_parts(token, start + offset, source, diagnostics, clean)
    except InvalidEscape as error:
        diagnostics.report(
            codes.INVALID_ESCAPE,
            f"invalid escape `{error.escape}` in string",
            source.span(start + offset, end + offset),
            hint="write `\\\\` for a backslash",
        )
        return tree.FString(source.span(start + offset, end + offset), [str(token)[2:-1]])


def _fstring_parts(
    token: Token, token_start: int, source: SourceText, diagnostics: Diagnostics, clean: bool
) -> tree.FString:
    raw = str(token)
    quote = raw[1:4] if raw[1:4] in ('"""', "'''") else raw[1]
    body_start = 1 + len(quote)
    body = raw[body_start : -len(quote)]
    base = token_start + body_start
    dedent = _TripleQuotedDedent(body) if len(quote) == 3 else None
    parts: list = []
    text_buffer: list[str] = []
    position = 0
    for match in _FSTRING_FIELD.finditer(body):
        text_buffer.append(body[position : match.start()])
        position = match.end()
        piece = match.group(0)
        if piece in ("{{", "}}"):
            text_buffer.append(piece[0])
            continue
        if match.group(1) is None:  # a lone brace
            diagnostics.report(
                codes.INVALID_F_STRING,
                f"single `{piece}` in f-string; write `{piece * 2}` for a literal brace",
                source.span(base + match.start(), base + match.end()),
            )
            continue
        if text_buffer:
            parts.append(_fstring_text("".join(text_buffer), dedent, first=not parts, last=False))
            text_buffer = []
        inner = match.group(1)
        inner_start = base + match.start(1)
        parts.append(_parse_embedded_expr(inner, inner_start, source, diagnostics, clean))
    text_buffer.append(body[position:])
    tail = "".join(text_buffer)
    if tail:
        tail = _fstring_text(tail, dedent, first=not parts, last=True)
    if tail:
        parts.append(tail)
    return tree.FString(source.span(token_start, token_start + len(raw)), parts)


class _TripleQuotedDedent:
    """A triple-quoted f-string that starts with a newline is dedented like a plain one (`_decode_string`).

    The margin is measured on the whole body, placeholders counted as text, and taken off the start of each
    line of the literal pieces (a line always starts in a literal piece: a placeholder can't hold a newline
    the margin would care about).
    """

    def __init__(self, body: str):
        self.active = body.startswith("\n")
        lines = [line for line in body[1:].split("\n") if line.strip()] if self.active else []
        indents = [line[: len(line) - len(line.lstrip(" \t"))] for line in lines]
        self.margin = os.path.commonprefix(indents) if indents else ""

    def apply(self, text: str, *, first: bool, last: bool) -> str:
        if not self.active:
            return text
        if first:
            text = text[1:]  # the newline right after the opening quotes
            if self.margin and text.startswith(self.margin):
                text = text[len(self.margin) :]
        if self.margin:
            text = text.replace("\n" + self.margin, "\n")
        text = _BLANK_LINE_INDENT.sub("\n", text)
        if last and text.rstrip(" \t").endswith("\n"):
            text = text.rstrip(" \t")
        return text


_BLANK_LINE_INDENT = re.compile(r"\n[ \t]+(?=\n)")


def _fstring_text(raw: str, dedent: _TripleQuotedDedent | None, *, first: bool, last: bool) -> str:
    """A literal piece of an f-string: dedented (a triple-quoted block), then its escapes decoded."""
    if dedent is not None:
        raw = dedent.apply(raw, first=first, last=last)
    return _unescape(raw)


_DOTTED = re.compile(r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*")
_KEYWORDS = frozenset(tree.KEYWORDS)


def _dotted_name(text: str, offset: int, source: SourceText):
    """`{step.output}`, the usual placeholder, built without the parser (a parse per placeholder costs ~50 µs).

    The same tree the builder makes (a Name, then a Member per `.`); None for anything else, keywords included
    (`pipeline.job_id` and `true` have rules of their own), which the parser then reads.
    """
    match = _DOTTED.fullmatch(text)
    if match is None:
        return None
    names = match.group(1).split(".")
    if any(name in _KEYWORDS for name in names):
        return None
    start = offset + match.start(1)
    end = start + len(names[0])
    expr: tree.Name | tree.Member = tree.Name(source.span(start, end), names[0])
    for name in names[1:]:
        name_start = end + 1
        end = name_start + len(name)
        expr = tree.Member(source.span(start, end), expr, tree.Identifier(name, source.span(name_start, end)))
    return expr


def _parse_embedded_expr(text: str, offset: int, source: SourceText, diagnostics: Diagnostics, clean: bool):
    """Parse `{expr}` inside an f-string, with spans pointing into the file."""
    if not text.strip():
        diagnostics.report(codes.INVALID_F_STRING, "empty `{}` in f-string", source.span(offset - 1, offset + 1))
        return tree.ErrorExpr(source.span(offset - 1, offset + 1))
    dotted = _dotted_name(text, offset, source)
    if dotted is not None:
        return dotted
    # Parsed on its own (never the file up to here again, which made an
    # f-string with n placeholders cost n times the file); the builder moves
    # the positions to the file's.
    parsed_clean = _parse_clean(text, "value", source, offset) if clean else None
    if parsed_clean is not None:
        expression, built = parsed_clean
        diagnostics.extend(built.items)
        return expression
    try:
        parsed = _parse(text, "value")
    except _TooDeep as too_deep:
        _report_too_deep_text(too_deep, source, diagnostics, offset)
        return tree.ErrorExpr(source.span(offset, offset + len(text)))
    except UnexpectedInput as error:
        pos = offset + (getattr(error, "pos_in_stream", None) or 0)
        diagnostics.report(
            codes.INVALID_F_STRING, "invalid expression in f-string", source.span(pos, min(pos + 1, offset + len(text)))
        )
        return tree.ErrorExpr(source.span(offset, offset + len(text)))
    built = _build(parsed, source, diagnostics, offset, clean=clean)
    return built if built is not None else tree.ErrorExpr(source.span(offset, offset + len(text)))


def _too_deep(parse_tree: lark.Tree) -> lark.Tree | None:
    """The first subtree (in file order) more than MAX_NESTING levels down, or None; never recursive."""
    pending = [(parse_tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_NESTING:
            return node
        depth += 1
        for child in reversed(node.children):  # a plain loop: this visits every node of a 1 MB file
            if isinstance(child, lark.Tree):
                pending.append((child, depth))
    return None


def _report_too_deep(node: lark.Tree, source: SourceText, diagnostics: Diagnostics, offset: int = 0) -> None:
    start = offset + (getattr(node.meta, "start_pos", 0) or 0)
    diagnostics.report(
        codes.NESTED_TOO_DEEPLY,
        f"nested too deeply: more than {MAX_NESTING} levels of declarations, blocks, "
        "calls and brackets around this point",
        source.span(start, start + 1),
        hint="split the expression, or move nested data into a file the step reads",
    )


def _report_too_deep_text(too_deep: _TooDeep, source: SourceText, diagnostics: Diagnostics, offset: int = 0) -> None:
    token, what = too_deep.token, too_deep.what
    start = offset + (token.start_pos or 0)
    diagnostics.report(
        codes.NESTED_TOO_DEEPLY,
        f"nested too deeply: more than {MAX_NESTING} {what}",
        source.span(start, start + 1),
        hint="split the expression, or move nested data into a file the step reads",
    )


def _build(
    parse_tree,
    source: SourceText,
    diagnostics: Diagnostics,
    offset: int = 0,
    line_shift: int | None = None,
    clean: bool = True,
):
    """The `tree` of a lark tree; None (reported) if it nests deeper than MAX_NESTING."""
    deepest = _too_deep(parse_tree)
    if deepest is not None:
        _report_too_deep(deepest, source, diagnostics, offset)
        return None
    return _Builder(source, diagnostics, offset, line_shift, clean).transform(parse_tree)


# ------------------------------------------------------------- comments

# (An f-string's `f` is left out: the string is skipped from its quote, and every alternative starting with a
# plain character lets the regex engine jump between candidates.)
_COMMENT_SCAN = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'(?:[^\\]|\\.)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|(#[^\n]*)',
    re.S,
)


def scan_comments(source: SourceText) -> list[tree.Comment]:
    """Every `#` comment in the file (strings are skipped, so `"#"` is not one)."""
    comments = []
    for match in _COMMENT_SCAN.finditer(source.text):
        if match.group(1) is not None:
            comments.append(tree.Comment(source.span(match.start(1), match.end(1)), match.group(1)))
    return comments


def _attach_docs(module: tree.Module, source: SourceText) -> None:
    """Give declarations the text of their `##` doc comments.

    A doc comment is a run of `##` lines right above a declaration that starts
    its line, or a `##` comment at the end of a line, which documents the last
    declaration ending on that line.  So `## Count words.` above
    `component count(text: Artifact)` documents the component, not `text`.
    """
    own_line: dict[int, str] = {}
    trailing: dict[int, str] = {}
    for comment in module.comments:
        if not comment.text.startswith("##"):
            continue
        text = comment.text[2:].strip()
        line_text = source.line(comment.span.line)
        if line_text[: comment.span.column - 1].strip():
            trailing[comment.span.line] = text
        else:
            own_line[comment.span.line] = text

    declarations: list[tree.ComponentDef | tree.PipelineDef | tree.Param | tree.OutputDecl] = []
    definitions: list[tree.ComponentDef | tree.PipelineDef] = [*module.components, *module.pipelines]
    for definition in definitions:
        declarations.append(definition)
        declarations.extend(definition.params)
        declarations.extend(definition.outputs)
    # The declaration each end-of-line `##` belongs to: the last one ending on its line
    # (a component's or pipeline's first line counts as where it "ends" for this).
    trailing_owner: dict[int, tree.ComponentDef | tree.PipelineDef | tree.Param | tree.OutputDecl] = {}
    for declaration in declarations:
        span = declaration.span
        line = span.line if isinstance(declaration, (tree.ComponentDef, tree.PipelineDef)) else span.end_line
        if line in trailing:
            current = trailing_owner.get(line)
            if (
                current is None
                or span.end > current.span.end
                and not isinstance(declaration, (tree.ComponentDef, tree.PipelineDef))
            ):
                trailing_owner[line] = declaration

    def above(span: Span) -> list[str]:
        if source.line(span.line)[: span.column - 1].strip():
            return []  # the declaration doesn't start its line: a `##` above is someone else's
        lines = []
        line = span.line - 1
        while line in own_line:
            lines.append(own_line[line])
            line -= 1
        lines.reverse()
        return lines

    for declaration in declarations:
        lines = above(declaration.span)
        for line, owner in trailing_owner.items():
            if owner is declaration:
                lines.append(trailing[line])
        declaration.doc = "\n".join(lines) if lines else None


# ---------------------------------------------------------------- entry


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(source: SourceText, diagnostics: Diagnostics) -> str:
    """The text with each lone UTF-16 surrogate (reported) replaced by U+FFFD, so nothing downstream fails to encode it.

    A file read as UTF-8 never holds one, but text from an editor or the API can.
    """
    text = source.text
    if _SURROGATE.search(text) is None:
        return text
    for match in _SURROGATE.finditer(text):
        diagnostics.report(
            codes.UNEXPECTED_CHARACTER,
            f"unexpected character U+{ord(match.group()):04X}: a lone UTF-16 surrogate is not a character",
            source.span(match.start(), match.end()),
            hint="the text is not valid Unicode; retype or delete it",
        )
        if len(diagnostics) >= 20:
            break
    return _SURROGATE.sub("\ufffd", text)


def parse_module(text: str, path: str = "<string>") -> tuple[tree.Module, list[Diagnostic]]:
    """Parse a whole file. Always returns a module, however broken the text."""
    return _parse_module(text, path, clean=True)


def parse_module_with_lark(text: str, path: str = "<string>") -> tuple[tree.Module, list[Diagnostic]]:
    """`parse_module` without the clean parse: lark's parse, its tree and the error recovery, whatever the
    text.  The two give the same module and diagnostics (tests/compiler/test_clean_parser.py)."""
    return _parse_module(text, path, clean=False)


def _parse_module(text: str, path: str, clean: bool) -> tuple[tree.Module, list[Diagnostic]]:
    source = SourceText(path, text)
    diagnostics = Diagnostics()
    text = _without_surrogates(source, diagnostics)
    # Most files have no syntax error: parsed straight into tree nodes. Any other goes through lark's parse with
    # its error recovery, so every syntax error is reported by one parser: from the declaration the clean parse
    # gave up in, where it can, the ones before it already built.
    module, built, resume = _parse_clean_or_resume(text, "start", source) if clean else (None, Diagnostics(), None)
    if module is not None:
        diagnostics.extend(built.items)
        finish_module(module, source)
        return module, diagnostics.items
    if resume is not None and resume.depth >= MAX_NESTING:
        resume = None  # a declaration before is as deep as a tree may be: lark's tree is then too deep
    if resume is not None and not _lark_numbers_states_as_clean_parser():
        resume = None  # the resume point's states would mean other states to lark: parse from the start
    try:
        recovery = _Recovery(source, diagnostics)
        parse_tree = _parse(text, "start", on_error=recovery) if resume is None else _parse_from(resume, text, recovery)
    except _TooDeep as too_deep:
        _report_too_deep_text(too_deep, source, diagnostics)
        parse_tree = None
    except UnexpectedInput as error:
        # Recovery gave up (for example at the end of the file): keep what
        # was reported and return an empty module rather than nothing.
        if not diagnostics.has_errors:
            span = source.span(getattr(error, "pos_in_stream", 0) or 0, len(text))
            diagnostics.report(codes.SYNTAX_ERROR, "could not parse this file", span)
        parse_tree = None
    module = None
    if parse_tree is not None:
        if resume is not None and _too_deep(parse_tree) is None:
            # What building the declarations before the resume point reported, in the order of lark's build.
            diagnostics.extend(built.items[: resume.reports])
        module = _build(parse_tree, source, diagnostics, clean=clean)
    if module is None:
        module = tree.Module(source.span(0, len(text)), path, [], [], [])
    finish_module(module, source)
    return module, diagnostics.items


def finish_module(module: tree.Module, source: SourceText) -> None:
    """What a parse adds once the declarations are built: the file's comments, and the doc comments given
    to the declarations they document."""
    module.comments = scan_comments(source)
    _attach_docs(module, source)


def parse_declarations(text: str):
    """The lark tree of `text`, the top-level declarations of a piece of a file parsed on their own (the
    language server's incremental parse, `incremental_parser.py`); None if it has a syntax error or opens
    too many brackets.  `build_declarations` makes them tree nodes at their place in the file."""
    try:
        return _parse(text, "start")
    except (_TooDeep, UnexpectedInput):
        return None


def build_declarations(parse_tree, source: SourceText, start: int) -> tuple[list, list[Diagnostic]] | None:
    """The declarations of `parse_tree`, parsed from the text at `start` (a line start) in `source`, with the
    file's positions, and what building them reported; None if they nest too deeply."""
    diagnostics = Diagnostics()
    module = _build(parse_tree, source, diagnostics, start, source.position(start)[0] - 1)
    if module is None:
        return None
    return module.items, diagnostics.items


def parse_clean_at(text: str, rule: str, source: SourceText, start: int, nesting_margin: int = 0):
    """The built tree of `text`, a part of `source` at offset `start` that starts a line, from grammar rule
    `rule` (`start`: declarations; `statements`: a stretch of a pipeline body), and what building it reported;
    None if it needs anything but a clean parse: a syntax error, or nesting within `nesting_margin` levels of
    the limit (the levels the part's place in the file adds).  For the language server's parse of only what
    an edit touched (`incremental_parser.py`)."""
    parser = _clean_parser()
    if parser is None:
        return None
    diagnostics = Diagnostics()
    builder = _CleanBuilder(source, diagnostics, start)
    try:
        built = parser.parse(text, rule, builder, MAX_NESTING - nesting_margin)
    except NotClean:
        return None
    return built, diagnostics.items


def parse_expression(text: str, path: str = "<string>"):
    """Parse one expression (used by tests and the command line's `-p` values)."""
    return _parse_expression(text, path, clean=True)


def _parse_expression(text: str, path: str, clean: bool):
    source = SourceText(path, text)
    diagnostics = Diagnostics()
    text = _without_surrogates(source, diagnostics)
    parsed = _parse_clean(text, "value", source) if clean else None
    if parsed is not None:
        expression, built = parsed
        diagnostics.extend(built.items)
        return expression, diagnostics.items
    try:
        parse_tree = _parse(text, "value")
    except _TooDeep as too_deep:
        _report_too_deep_text(too_deep, source, diagnostics)
        return None, diagnostics.items
    except UnexpectedInput as error:
        pos = getattr(error, "pos_in_stream", 0) or 0
        diagnostics.report(codes.SYNTAX_ERROR, "invalid expression", source.span(pos, min(len(text), pos + 1)))
        return None, diagnostics.items
    return _build(parse_tree, source, diagnostics, clean=clean), diagnostics.items
