"""Re-parsing only the top-level declarations an edit touched (the language server's parser).

A file is cut into pieces at the lines that start a top-level declaration
(`import`, `component` or `pipeline` at the start of a line, outside strings
and comments).  Each piece is parsed on its own, positioned as in the file,
and kept; the next parse of the file reuses every piece whose text, offset
and line are unchanged, so a keystroke re-parses the declaration it is in
(and builds the declarations below it again when it moved them).

Why the pieces give exactly the whole parse, when every piece parses without
a syntax error: the lexer has no state, and each piece starts at the start of
a line, after a newline that ends a comment or is blank space, so the tokens
of the whole text are the pieces' tokens one after another (a string that
runs across a cut would leave its piece unterminated, a syntax error); and
`start: item*` accepts any sequence of declarations, so the whole parse is
the pieces' declarations one after another.  A piece starts a line, so its
lark tree, parsed alone, has the file's columns, and its lines and offsets
move by a plain addition: a piece that only moved (an edit above it added a
character or a line) is built again from its lark tree, not parsed again.  When any piece has a syntax
error, the whole text is parsed as `parse_module` always does, because error
recovery may reach across declarations.

Statements, not whole pipelines: a pipeline piece that changed is cut once
more, into its header (up to the body's `{`) and stretches of its body that
start at lines beginning a statement (`name =`, `name(`, `a.b(`, `for`, `if`,
`try`, `return`, at the body's own bracket depth), and each stretch is parsed
on its own with the clean parser (`parser.parse_clean_at`), so a keystroke
in a 2,000-line pipeline re-parses the statement it is in, not the pipeline.
Why that is exactly the whole parse: the tokens are the same (the same
argument as above), each stretch parsed as `statement*`, and the grammar is
LALR(1), so unambiguous: the one parse of the body's tokens as `statement*`
is the stretches' statements one after another.  A stretch that does not
parse on its own (a cut inside a statement, say an `if` whose condition runs
onto a line starting with a name, or a syntax error) sends the piece down
the whole-piece path above, as does nesting near the parser's limit (each
stretch is parsed with a limit tighter by more than the levels its place in
the file adds).  A stretch whose text the last parse had at another line (a
line added or removed above it) is not parsed again: its statements are
copied with their positions moved.

Moved, not built again (the language server's diagnostics while typing): a
piece whose text is unchanged and that starts on the same line as before (the
edit above it added or removed characters, not lines) keeps its lines and
columns, and only its character offsets are off, by the same amount for all
of it.  With `keep_moved` naming the file, such a piece keeps its previous
declarations, the very objects, offsets and all: the re-check then reuses
their checks.  Only lines and columns of those declarations are right, so the
parse says which files it did this for (`moved_kept`); the language server
publishes only what needs lines and columns from such a parse (its
diagnostics, with their offsets worked out again from lines and columns,
`compiler/recheck.py`'s `with_offsets_of`), and parses the text again without
`keep_moved` for anything that needs the tree itself.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from ptflow.compiler import tree
from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.parser import (
    build_declarations,
    finish_module,
    parse_clean_at,
    parse_declarations,
    parse_module,
    parse_module_with_lark,
)
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText, Span

# Strings and comments (the lexer's own patterns, so both skip the same text; an f-string's `f` is left to be
# skipped as a character, which keeps the first characters of every alternative plain, so the regex engine
# jumps between candidates instead of trying each at every character), or a declaration's keyword at the start
# of a line: only the last is a cut.
_CUTS = re.compile(
    r'"""(?:[^\\]|\\[\s\S])*?"""'
    r"|'''(?:[^\\]|\\[\s\S])*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
    r"|\n(?P<cut>import|component|pipeline)(?![A-Za-z0-9_])",
)
_SURROGATE = re.compile("[\ud800-\udfff]")

# In a pipeline piece: strings and comments (skipped, as above), brackets, and the start of a line that begins a
# statement (a name followed by `=`, `(` or `.`, or a statement's keyword).
_STATEMENT_CUTS = re.compile(
    r'"""(?:[^\\]|\\[\s\S])*?"""'
    r"|'''(?:[^\\]|\\[\s\S])*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
    r"|(?P<open>[{(\[])|(?P<close>[})\]])"
    r"|\n[ \t]*(?P<statement>(?:for|if|try|return)(?![A-Za-z0-9_])|[A-Za-z_][A-Za-z0-9_]*(?=[ \t]*(?:=(?!=)|\(|\.)))",
)
_PIPELINE_PIECE = re.compile(r"(?:\s|#[^\n]*)*pipeline(?![A-Za-z0-9_])")
_ONLY_SPACE_AND_COMMENTS = re.compile(r"(?:\s|#[^\n]*)*")
# The levels a statement of a pipeline body sits under in the whole file's tree (the file, the pipeline, and
# lark's helper lists), and a few more: a stretch nested within this of the limit is parsed with the piece.
_STATEMENT_NESTING_MARGIN = 8


class _Piece(NamedTuple):
    """A piece of a file (or a stretch of a pipeline body): a tuple, so that looking it up is hashing a tuple."""

    text: str
    start: int  # offset in the file
    line: int  # 1-based line of `start`


@record
class _Parsed:
    items: list[tree.Import | tree.ComponentDef | tree.PipelineDef]
    diagnostics: list[Diagnostic]
    parse_tree: object  # lark's tree of the piece's text, parsed alone
    shift: int = 0  # the offsets in `items` and `diagnostics` are this much short of the file's (a kept move)
    # A pipeline parsed by stretches, some of them kept from a move: some of its offsets are short (by their own
    # amounts), though it did not move itself.
    moved_inside: bool = False
    stretches: dict | None = None  # a pipeline parsed by stretches: them, for the next parse (`_Stretches`)

    @property
    def kept_moved(self) -> bool:
        """Whether some of its offsets are not the file's (only lines and columns are right)."""
        return self.shift != 0 or self.moved_inside


def declaration_cuts(text: str) -> list[int]:
    """The offsets where the file's pieces start: 0, and each line that starts a top-level declaration."""
    cuts = [0]
    for match in _CUTS.finditer(text):
        if match.lastgroup == "cut":
            cuts.append(match.start("cut"))
    return cuts


class IncrementalParser:
    """Parses files like `parse_module`, re-parsing only the pieces of a file that changed since its last parse."""

    def __init__(self) -> None:
        self._pieces: dict[str, dict[_Piece, _Parsed]] = {}  # file -> its pieces at the last parse
        self._trees: dict[str, dict[str, object]] = {}  # file -> the lark tree of each piece's text
        self._statements: dict[str, dict[_Piece, _Parsed]] = {}  # file -> its pipelines' stretches of statements
        self.keep_moved: set[str] = set()  # files whose moved pieces keep their declarations (see the top)
        self.moved_kept: set[str] = set()  # files whose last parse kept a moved piece's declarations

    def parse(self, text: str, path: str = "<string>") -> tuple[tree.Module, list[Diagnostic]]:
        key = os.path.normpath(path)
        self.moved_kept.discard(key)
        if _SURROGATE.search(text) is not None:
            return parse_module(text, path)  # reported and replaced by the whole parse
        source = SourceText(path, text)
        previous = self._pieces.get(key, {})
        trees = self._trees.get(key, {})
        current: dict[_Piece, _Parsed] = {}
        current_trees: dict[str, object] = {}
        keep_moved = key in self.keep_moved
        # each previous piece by its text, for the pieces that only moved (a text twice: the last one)
        by_text = {piece.text: (piece, parsed) for piece, parsed in previous.items()} if keep_moved else {}
        statements = _Stretches(self._statements.get(key, {}), keep_moved)
        cuts = declaration_cuts(text)
        for start, end in zip(cuts, cuts[1:] + [len(text)]):
            piece = _Piece(text[start:end], start, source.position(start)[0])
            parsed = previous.get(piece)
            if parsed is not None and parsed.kept_moved and not keep_moved:
                parsed = None  # kept from a move: its offsets are off, so it is built again
            if parsed is None and keep_moved:
                parsed = _moved(piece, by_text.get(piece.text))
            if parsed is None and piece.text not in trees:
                parsed = statements.parse(piece, source)
            if parsed is not None and parsed.kept_moved:
                self.moved_kept.add(key)
            if parsed is not None and parsed.stretches:
                statements.current.update(parsed.stretches)  # a pipeline taken whole keeps its stretches
            if parsed is None:
                parse_tree = trees.get(piece.text)
                if parse_tree is None:
                    parse_tree = parse_declarations(piece.text)
                built = build_declarations(parse_tree, source, start) if parse_tree is not None else None
                if built is None:
                    # Keep the pieces that did parse: the edit that mends this one will find them.
                    self._pieces[key] = {**previous, **current}
                    self._trees[key] = {**trees, **current_trees}
                    self._statements[key] = {**statements.previous, **statements.current}
                    # The whole text has this piece's error too, so its clean parse would only give up there.
                    return parse_module_with_lark(text, path)
                parsed = _Parsed(*built, parse_tree)
            current[piece] = parsed
            if parsed.parse_tree is not None:
                current_trees[piece.text] = parsed.parse_tree
        self._pieces[key] = current
        self._trees[key] = current_trees
        self._statements[key] = statements.current
        return _module(source, list(current.values()))


class _Stretches:
    """The stretches of pipeline bodies of one parse of a file, each parsed on its own (see the top), and those
    of the parse before, to reuse: a stretch whose text, offset and line are unchanged keeps its statements;
    with `keep_moved`, so does one that only moved along its line."""

    def __init__(self, previous: dict[_Piece, _Parsed], keep_moved: bool) -> None:
        self.previous = previous
        self.keep_moved = keep_moved
        self.current: dict[_Piece, _Parsed] = {}
        self._by_text: dict[str, tuple[_Piece, _Parsed]] | None = None  # the previous ones, made on first need

    def parse(self, piece: _Piece, source: SourceText) -> _Parsed | None:
        """The pipeline `piece` declares, parsed stretch by stretch, with what building it reported; None if the
        piece is not one pipeline whose stretches each parse cleanly (the caller parses it whole)."""
        layout = _pipeline_layout(piece.text)
        if layout is None:
            return None
        body_start, cuts, body_end = layout
        head = _parse_head(piece, body_start, source)
        if head is None:
            return None
        definition, diagnostics = head
        statements: list = []
        kept: dict[_Piece, _Parsed] = {}
        bounds = [body_start, *cuts, body_end]
        for start, end in zip(bounds, bounds[1:]):
            stretch = _Piece(piece.text[start:end], piece.start + start, source.position(piece.start + start)[0])
            parsed = self._stretch(stretch, source)
            if parsed is None:
                return None
            kept[stretch] = parsed
            statements.extend(parsed.items)
            diagnostics.extend(parsed.diagnostics)
        definition.span = source.span(definition.span.start, piece.start + body_end + 1)
        definition.body = statements
        moved_inside = any(parsed.shift for parsed in kept.values())
        return _Parsed([definition], diagnostics, None, moved_inside=moved_inside, stretches=kept)

    def _stretch(self, stretch: _Piece, source: SourceText) -> _Parsed | None:
        parsed = self.previous.get(stretch)
        if parsed is not None and parsed.shift and not self.keep_moved:
            parsed = None  # kept from a move: its offsets are off, so it is parsed again
        if parsed is not None:
            return parsed
        if self._by_text is None:
            self._by_text = {old.text: (old, parsed) for old, parsed in self.previous.items()}
        last = self._by_text.get(stretch.text)
        parsed = _moved(stretch, last) if self.keep_moved else None
        if parsed is None and last is not None:
            parsed = _relocated(stretch, *last)
        if parsed is not None:
            return parsed
        built = parse_clean_at(stretch.text, "statements", source, stretch.start, _STATEMENT_NESTING_MARGIN)
        return None if built is None else _Parsed(built[0], built[1], None)


def _relocated(stretch: _Piece, old: _Piece, parsed: _Parsed) -> _Parsed | None:
    """The statements the last parse had for the same text elsewhere (a line added or removed above moved them),
    copied with their positions moved rather than parsed again; only a stretch that reported nothing and whose
    offsets are exact is copied."""
    if parsed.shift or parsed.diagnostics:
        return None
    return _Parsed(_moved_copy(parsed.items, stretch.line - old.line, stretch.start - old.start), [], None)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _moved_copy(value, lines: int, offset: int):
    """A copy of syntax nodes (a node, a list of them, or a plain value inside one) with every span moved down
    `lines` lines and `offset` characters: text that starts a line and moved by whole lines keeps its columns."""
    if isinstance(value, list):
        return [_moved_copy(item, lines, offset) for item in value]
    if isinstance(value, Span):
        return Span(
            value.file,
            value.line + lines,
            value.column,
            value.end_line + lines,
            value.end_column,
            value.start + offset,
            value.end + offset,
        )
    kind = type(value)
    fields = _FIELDS.get(kind)
    if fields is None:
        if not hasattr(kind, "__dataclass_fields__"):
            return value  # a name, a number, a string: nodes hold plain values only
        fields = _FIELDS[kind] = tuple(kind.__dataclass_fields__)
    copy = object.__new__(kind)
    for name in fields:
        object.__setattr__(copy, name, _moved_copy(getattr(value, name), lines, offset))
    return copy


def _pipeline_layout(text: str) -> tuple[int, list[int], int] | None:
    """Where a piece that is one pipeline declaration has its body: the offset just after the body's `{`, the
    starts of the lines in it that begin a statement of the body itself, and the offset of its closing `}`;
    None for a piece that is anything else, or has brackets that don't match."""
    if _PIPELINE_PIECE.match(text) is None:
        return None
    depth = 0
    body_start = None
    cuts: list[int] = []
    for match in _STATEMENT_CUTS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth == 1 and body_start is None and match.group() == "{":
                body_start = match.end()
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0 and body_start is not None:
                if match.group() != "}" or _ONLY_SPACE_AND_COMMENTS.fullmatch(text, match.end()) is None:
                    return None
                return body_start, cuts, match.start()
        elif kind == "statement" and depth == 1 and body_start is not None:
            cuts.append(match.start() + 1)  # the line's start, after the newline
    return None


def _parse_head(piece: _Piece, body_start: int, source: SourceText) -> tuple[tree.PipelineDef, list] | None:
    """The pipeline's signature (up to its body's `{`), parsed as a pipeline with an empty body, and what building
    it reported."""
    built = parse_clean_at(piece.text[:body_start] + "}", "start", source, piece.start)
    if built is None:
        return None
    module, diagnostics = built
    items = module.items
    if len(items) != 1 or not isinstance(items[0], tree.PipelineDef):
        return None
    return items[0], list(diagnostics)


def _moved(piece: _Piece, last: tuple[_Piece, _Parsed] | None) -> _Parsed | None:
    """The previous declarations of `piece`'s text, kept, if that text only moved along its line."""
    if last is None or last[0].line != piece.line:
        return None
    moved_by = piece.start - last[0].start
    old = last[1]
    return _Parsed(old.items, old.diagnostics, old.parse_tree, old.shift + moved_by, old.moved_inside, old.stretches)


def _module(source: SourceText, pieces: list[_Parsed]) -> tuple[tree.Module, list[Diagnostic]]:
    """The module the pieces make, as the parser's builder would have made it from the whole text."""
    items = [item for piece in pieces for item in piece.items]
    # The whole parse's span runs from the first declaration's first token to the last one's last token.
    # (a kept move's offsets are short by its shift)
    first_shift = next((piece.shift for piece in pieces if piece.items), 0)
    last_shift = next((piece.shift for piece in reversed(pieces) if piece.items), 0)
    if items:
        span = source.span(items[0].span.start + first_shift, items[-1].span.end + last_shift)
    else:
        span = source.span(0, 0)
    module = tree.Module(span, source.path, [], [], [])
    for item in items:
        module.items.append(item)
        if isinstance(item, tree.Import):
            module.imports.append(item)
        elif isinstance(item, tree.ComponentDef):
            module.components.append(item)
        elif isinstance(item, tree.PipelineDef):
            module.pipelines.append(item)
    finish_module(module, source)
    return module, [d for piece in pieces for d in piece.diagnostics]
