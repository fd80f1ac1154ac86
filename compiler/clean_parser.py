"""Parsing text that has no syntax error straight into tree nodes, without lark's parse loop or its tree.

Most text the compiler reads is a valid program, and on a valid program
lark's general machinery is most of the parse: its lexer makes a `Token` for
every keyword and bracket, its LALR loop calls a callback per rule that builds
a `lark.Tree` and works out its position, and the builder then walks that
tree again to make `tree` nodes (on a 1 MB program, about 210,000 tokens and
275,000 reductions).

`CleanParser` runs the same LALR tables, the same lexer regex and the same
tree-shaping rules (which children a rule keeps, where `[x]` leaves a None,
which `?rule` passes its only child up), all read from the lark parser, but
calls the builder's method for each rule as the rule is reduced, with the
node's position worked out the way `lark_positions.py` does.  It gives up on
the first thing that is not plain: a character the lexer refuses, a token the
parser refuses, nesting past the parser's limits (`_TokenCounter`,
`MAX_NESTING`).  The caller then parses the text again with lark and its error
recovery, so every diagnostic of a broken file comes from one place, as
before; a clean parse reports only what the builder reports.

Why the result is the same: the token stream is lark's (its compiled
alternation of terminals, first match wins, keywords retyped from NAME by
their exact text, whitespace and comments skipped), and the parser takes the
actions lark's `feed_token` takes on those tokens, so the rules are reduced in
the order lark reduces them, which is the order the builder's walk of lark's
tree visits them (children left to right, then the node).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ptflow.compiler.records import record

if TYPE_CHECKING:
    from lark import Lark


class NotClean(Exception):
    """The text has something the clean parse does not handle: parse it with lark's error recovery.

    `resume` is where that parse may start instead of at the beginning: the last point where a whole file's
    parse had reduced every declaration before it (see `ResumePoint`); None if there is none."""

    def __init__(self, why: str):
        super().__init__(why)
        self.resume: ResumePoint | None = None


@record
class ResumePoint:
    """The parser between two top-level declarations, the ones before built.

    The LALR parser there has only two states on its stack (the start state, and the one after the list of
    declarations) and lark's parse has the list there as one node, holding no token: what comes next is
    parsed the same whatever the declarations before were.  So lark's parse of a text with a syntax error
    can start at the declaration that has it, from this stack, and the clean parse's work on the
    declarations before is kept.
    """

    offset: int  # where the next declaration's first token starts
    tokens: int  # how many tokens came before it
    states: list[int]  # the parser's state stack there
    items_rule: str  # the name of the rule of the list of declarations (lark's `item*` helper)
    items: list  # the declarations before it, built
    start: int  # the offsets they cover
    end: int
    depth: int  # the deepest of them, in tree levels
    reports: int  # how many diagnostics the builder had reported by then (`builder.reported()`)


class Leaf(str):
    """A token the tree keeps (a name, a string, a number), with only its offsets: the builder of a clean parse
    works out lines and columns from the file's line table.  It has the attributes of lark's `Token` that the
    builder reads, without being one: a clean parse never imports lark (see `parser_tables.py`)."""

    __slots__ = ("type", "value", "start_pos", "end_pos", "line", "column", "end_line", "end_column")
    type: str
    value: str
    start_pos: int
    end_pos: int
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None


def _leaf(kind: str, value: str, start: int, end: int) -> Leaf:
    leaf = str.__new__(Leaf, value)
    leaf.type = kind
    leaf.value = value
    leaf.start_pos = start
    leaf.end_pos = end
    leaf.line = leaf.column = leaf.end_line = leaf.end_column = None
    return leaf


# How a reduction shapes its node (from the rule's lark callback).
_BUILD = 0  # a new node: the builder's method of the rule, called with the kept children
_PASS_UP = 1  # a `?rule` with one child kept: that child, its container grown to the rule's tokens
_SPLICE = 2  # a `_rule` (lark's `x*` helpers): its kept children, spliced into the rule above


class _Reduction:
    """What reducing one grammar rule does."""

    __slots__ = (
        "size",
        "origin",
        "shape",
        "picks",
        "plain",
        "method_name",
        "method",
        "passed",
        "passed_is_token",
        "unit",
    )

    def __init__(self, size, origin, shape, picks, plain, method_name, method, passed, passed_is_token):
        self.size = size  # how many stack entries the rule takes
        self.origin = origin  # the nonterminal it makes (for the goto)
        self.shape = shape
        # The children to keep: (index, splice it, Nones before it), then the count of Nones at the end.
        self.picks = picks
        self.plain = plain  # the indices kept, when nothing is spliced and no None is added; else None
        self.method_name = method_name  # the rule's name, whose builder's method it calls (_BUILD)
        self.method = method
        self.passed = passed  # the index of the child passed up (_PASS_UP)
        self.passed_is_token = passed_is_token
        # One child passed up as it is: reducing only changes the state on top of the stack.
        self.unit = size == 1 and shape == _PASS_UP


_DEPTH = itemgetter(3)


class CleanParser:
    """The clean parse of a lark LALR parser's grammar; `of` returns None where lark is not laid out as expected."""

    def __init__(
        self, lexer_regex, keywords, ignored, kept, max_nesting, table, gotos, starts, ends, reductions, items_rule
    ):
        # Everything here but `max_nesting` and the builder's methods is read from lark, and kept on disk by
        # `to_data`/`from_data` (`parser_tables.py`), so a clean parse needs no lark at all.
        self._items_rule = items_rule  # the rule of the list of top-level declarations (see ResumePoint)
        self._lexer_regex = lexer_regex
        self._keywords = keywords  # keyword text -> its terminal (lexed as NAME first)
        self._ignored = ignored  # the terminals skipped (whitespace, comments)
        self._kept = kept  # the terminals some rule keeps as a child
        self._max_nesting = max_nesting
        self._table = table  # state -> {terminal: action}; action >= 0 shifts to that state, < 0 reduces ~action
        self._gotos = gotos  # state -> {nonterminal: state}
        self._starts = starts
        self._ends = ends
        self._reductions = reductions

    @classmethod
    def of(cls, parser: Lark, methods: dict[str, Callable], max_nesting: int) -> CleanParser | None:
        try:
            return cls._of(parser, methods, max_nesting)
        except (AttributeError, TypeError, ValueError, KeyError, AssertionError):
            return None  # another lark version: the lark parse does everything, as it did before

    @classmethod
    def _of(cls, parser: Lark, methods: dict[str, Callable], max_nesting: int) -> CleanParser | None:
        from lark.parsers.lalr_analysis import Shift

        from ptflow.compiler.lark_positions import _Positions

        frontend = parser.parser
        lalr = frontend.parser.parser
        lexer = getattr(frontend.lexer, "lexer", frontend.lexer)
        scanner = lexer.scanner
        if len(scanner._mres) != 1 or set(lexer.callback) - {"NAME"} or lexer.g_regex_flags:
            return None
        keywords = {}
        if "NAME" in lexer.callback:
            for terminal in lexer.callback["NAME"].scanner.terminals:
                if terminal.pattern.type != "str" or terminal.pattern.flags:
                    return None
                keywords[terminal.pattern.value] = terminal.name
        ignored = frozenset(lexer.ignore_types)
        lexer_regex = scanner._mres[0]  # lark's own alternation of the terminals, in its order

        table_source = lalr.parse_table
        reductions: list[_Reduction] = []
        index_of_rule: dict[Any, int] = {}
        kept: set[str] = set()
        for rule, callback in lalr.callbacks.items():
            if type(callback) is not _Positions:
                return None
            reduction = _reduction_of(rule, callback.build, methods)
            if reduction is None:
                return None
            index_of_rule[rule] = len(reductions)
            reductions.append(reduction)
            for index, _splice, _nones in reduction.picks[0]:
                symbol = rule.expansion[index]
                if symbol.is_term:
                    kept.add(symbol.name)
        table: dict[int, dict[str, int]] = {}
        gotos: dict[int, dict[str, int]] = {}
        for state, actions in table_source.states.items():
            table[state] = {}
            gotos[state] = {}
            for symbol, (kind, argument) in actions.items():
                if symbol.isupper() or symbol == "$END":
                    table[state][symbol] = argument if kind is Shift else ~index_of_rule[argument]
                elif kind is Shift:
                    gotos[state][symbol] = argument
        # `start: item*` is lark's `start: __start_star_0` (a list rule spliced into `start`), or empty.
        items_rules = [
            rule.expansion[0].name
            for rule, reduction in zip(lalr.callbacks, reductions, strict=True)
            if rule.origin.name == "start" and reduction.plain is None and len(rule.expansion) == 1
        ]
        return cls(
            lexer_regex,
            keywords,
            ignored,
            frozenset(kept),
            max_nesting,
            table,
            gotos,
            dict(table_source.start_states),
            dict(table_source.end_states),
            reductions,
            items_rules[0] if len(items_rules) == 1 else None,
        )

    def to_data(self) -> tuple:
        """What `from_data` makes this parser again from: plain values only (strings, numbers, tuples, lists,
        dicts), so `marshal` writes it."""
        pattern = self._lexer_regex
        reductions = [
            (r.size, r.origin, r.shape, (r.picks[0], r.picks[1]), r.plain, r.method_name, r.passed, r.passed_is_token)
            for r in self._reductions
        ]
        return _plain(
            (pattern.pattern, pattern.flags),
            self._keywords,
            sorted(self._ignored),
            sorted(self._kept),
            self._table,
            self._gotos,
            self._starts,
            self._ends,
            reductions,
            self._items_rule,
        )

    @classmethod
    def from_data(cls, data: tuple, methods: dict[str, Callable], max_nesting: int) -> CleanParser:
        """The parser `to_data` gave `data` of; raises (KeyError, ValueError, TypeError, ...) on data that is not
        what it gives, or that names a builder method `methods` lacks."""
        (pattern, flags), keywords, ignored, kept, table, gotos, starts, ends, reductions, items_rule = data
        built = []
        for size, origin, shape, (include, nones_at_end), plain, method_name, passed, passed_is_token in reductions:
            include = [(int(index), bool(splice), int(nones)) for index, splice, nones in include]
            method = methods[method_name] if shape == _BUILD else None
            built.append(
                _Reduction(
                    size, origin, shape, (include, nones_at_end), plain, method_name, method, passed, passed_is_token
                )
            )
        for state_actions in (*table.values(), *gotos.values()):
            if not isinstance(state_actions, dict):
                raise TypeError("a parse table's state is not a dict")
        return cls(
            re.compile(pattern, flags),
            dict(keywords),
            frozenset(ignored),
            frozenset(kept),
            max_nesting,
            dict(table),
            dict(gotos),
            dict(starts),
            dict(ends),
            built,
            items_rule,
        )

    def same_tables(self, other: CleanParser) -> bool:
        """Whether `other` has the same states, numbered the same, and the same rules in the same order."""
        return (self._table, self._gotos, self._starts, self._ends) == (
            other._table,
            other._gotos,
            other._starts,
            other._ends,
        ) and [reduction.origin for reduction in self._reductions] == [
            reduction.origin for reduction in other._reductions
        ]

    def parse(self, text: str, start: str, builder, max_nesting: int | None = None) -> Any:
        """The built tree of `text` from rule `start`; raises NotClean where lark's parse would report something.

        `builder` has a method per rule, called as `method(builder, (start, end) or None, *children)` with the
        offsets the node covers (None for an empty rule), and `reported()`, how many diagnostics it has
        reported so far.  `max_nesting`, if given, is a tighter limit than the parser's own (for text that will
        sit inside other nodes)."""
        resume: list = []  # the last ResumePoint passed, as (offset, tokens, states, entry)
        limit = self._max_nesting if max_nesting is None else min(max_nesting, self._max_nesting)
        try:
            return self._parse(text, start, builder, resume, limit)
        except NotClean as not_clean:
            if resume:
                offset, tokens, states, (items, items_start, items_end, depth), reports = resume[0]
                not_clean.resume = ResumePoint(
                    offset, tokens, states, self._items_rule, items, items_start, items_end, depth, reports
                )
            raise

    def _parse(self, text: str, start: str, builder, resume: list, limit: int) -> Any:
        table = self._table
        gotos = self._gotos
        reductions = self._reductions
        keywords = self._keywords
        kept = self._kept
        ignored = self._ignored
        end_state = self._ends[start]
        states = [self._starts[start]]
        items_rule = self._items_rule if start == "start" else None
        tokens = 0
        # One entry per state above the first: (value, start offset, end offset, depth). The offsets are the
        # entry's "container" (a passed-up child grows to the tokens around it); -1 for an empty rule. The
        # depth counts tree nodes, as `parser._too_deep` does, so the same text is refused.
        stack: list[tuple] = []
        position = 0
        brackets = dots = nots = 0
        nesting_tokens, openers, closers = _NESTING_TOKENS, _OPENERS, _CLOSERS
        for match in self._lexer_regex.finditer(text):
            token_start, token_end = match.span()
            if token_start != position:
                raise NotClean("a character the lexer refuses")
            position = token_end
            kind = match.lastgroup
            if kind in ignored:
                continue
            tokens += 1
            if kind == "NAME":
                kind = keywords.get(match.group(), "NAME")
                nots = 0
            elif kind in nesting_tokens:
                # The token counter's limits (`parser._TokenCounter`), counted the same way.
                if kind in openers:
                    brackets += 1
                    if brackets > limit:
                        raise NotClean("brackets nested too deeply")
                elif kind in closers:
                    if brackets:
                        brackets -= 1
                if kind == "DOT":
                    dots += 1
                    if dots > limit:
                        raise NotClean("a chain of `.` too long")
                else:
                    dots = 0
                if kind == "NOT":
                    nots += 1
                    if nots > limit:
                        raise NotClean("`not` repeated too often")
                else:
                    nots = 0
            else:
                dots = nots = 0
            entry = (
                _leaf(kind, match.group(), token_start, token_end) if kind in kept else None,
                token_start,
                token_end,
                0,
            )
            while True:
                action = table[states[-1]].get(kind)
                if action is None:
                    raise NotClean("a token the parser refuses")
                if action >= 0:
                    states.append(action)
                    stack.append(entry)
                    break
                reduction = reductions[~action]
                if reduction.unit:
                    # The commonest reduction (`?value: postfix`, `?postfix: atom`): the child is the node, and
                    # its container is its own, so only the state changes.
                    states[-1] = gotos[states[-2]][reduction.origin]
                else:
                    _reduce(reduction, states, stack, gotos, builder, limit)
                    if reduction.origin == items_rule:
                        # Between two declarations: this token starts the next one.
                        resume[:] = [(token_start, tokens - 1, list(states), stack[-1], builder.reported())]
        if position != len(text):
            raise NotClean("a character the lexer refuses")
        while states[-1] != end_state:
            action = table[states[-1]].get("$END")
            if action is None or action >= 0:
                raise NotClean("the text ends too early")
            _reduce(reductions[~action], states, stack, gotos, builder, limit)
        return stack[-1][0]


def _plain(*values) -> tuple:
    """`values` with every string a plain `str`: lark names rules and terminals with its `Token`s (a `str`
    subclass) in a grammar it has just built, and `marshal` writes only plain values."""

    def plain(value):
        if isinstance(value, str):
            return str(value)
        if isinstance(value, tuple | list):
            return type(value)(plain(item) for item in value)
        if isinstance(value, dict):
            return {plain(key): plain(item) for key, item in value.items()}
        return value

    return tuple(plain(value) for value in values)


def _reduce(reduction: _Reduction, states: list, stack: list, gotos: dict, builder, limit: int) -> None:
    size = reduction.size
    if reduction.unit:
        states[-1] = gotos[states[-2]][reduction.origin]
        return
    if size:
        children = stack[-size:]
        del stack[-size:]
        del states[-size:]
        first = children[0]
        start = first[1]
        if start < 0:
            start = next((child[1] for child in children if child[1] >= 0), -1)
        last = children[-1]
        end = last[2]
        if end < 0:
            end = next((child[2] for child in reversed(children) if child[2] >= 0), -1)
    else:
        children = []
        start = end = -1
    shape = reduction.shape
    if shape == _PASS_UP:
        passed = children[reduction.passed]
        entry = passed if reduction.passed_is_token else (passed[0], start, end, passed[3])
    else:
        plain = reduction.plain
        if plain is not None:
            kept = [children[index][0] for index in plain]
        else:
            kept = _kept_children(reduction.picks, children)
        depth = max(map(_DEPTH, children)) if children else 0
        if shape == _SPLICE:
            entry = (kept, start, end, depth)
        else:
            depth += 1
            if depth > limit:
                raise NotClean("nested too deeply")
            entry = (reduction.method(builder, (start, end) if start >= 0 else None, *kept), start, end, depth)
    states.append(gotos[states[-1]][reduction.origin])
    stack.append(entry)


def _kept_children(picks, children: list) -> list:
    """The children a rule keeps, as lark's ChildFilter gives them: Nones for `[x]` left out, `_rule`s spliced."""
    include, nones_at_end = picks
    kept: list = []
    for index, splice, nones in include:
        if nones:
            kept.extend([None] * nones)
        if splice:
            kept.extend(children[index][0])
        else:
            kept.append(children[index][0])
    if nones_at_end:
        kept.extend([None] * nones_at_end)
    return kept


def _reduction_of(rule, build, methods: dict[str, Callable]) -> _Reduction | None:
    """How reducing `rule` shapes its node, read from lark's callback for it (`build`); None if not understood."""
    from lark.parse_tree_builder import ChildFilter, ChildFilterLALR_NoPlaceholders, ExpandSingleChild

    size = len(rule.expansion)
    include: list[tuple[int, bool, int]]
    nones_at_end = 0
    if isinstance(build, ChildFilter):
        if isinstance(build, ChildFilterLALR_NoPlaceholders):
            include = [(index, splice, 0) for index, splice in build.to_include]
        else:
            include = list(build.to_include)
            nones_at_end = build.append_none
        build = build.node_builder
    else:
        include = [(index, False, 0) for index in range(size)]
    picks = (include, nones_at_end)
    spliced = any(splice for _, splice, _ in include)
    added_nones = nones_at_end or any(nones for _, _, nones in include)
    plain = None if spliced or added_nones else [index for index, _, _ in include]
    origin = rule.origin.name
    if isinstance(build, ExpandSingleChild):
        if spliced:
            return None  # how many children are kept depends on the text: not in this grammar
        if len(include) + nones_at_end + sum(nones for _, _, nones in include) == 1 and include:
            passed = include[0][0]
            passed_is_token = rule.expansion[passed].is_term
            return _Reduction(size, origin, _PASS_UP, picks, plain, None, None, passed, passed_is_token)
        build = build.node_builder
    name = getattr(build, "args", (None,))[0]
    if getattr(build, "func", None) is None or not isinstance(name, str):
        return None
    if name.startswith("_"):
        return _Reduction(size, origin, _SPLICE, picks, plain, None, None, None, False)
    method = methods.get(name)
    if method is None:
        return None
    return _Reduction(size, origin, _BUILD, picks, plain, name, method, None, False)


_OPENERS = frozenset({"LPAR", "LSQB", "LBRACE"})
_CLOSERS = frozenset({"RPAR", "RSQB", "RBRACE"})
_NESTING_TOKENS = _OPENERS | _CLOSERS | {"DOT", "NOT"}
