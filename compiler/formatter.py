"""`ptflow fmt`: print a .ptflow file in one canonical style, keeping every comment.

The style: 4-space indentation, one statement per line, `name: value` in
arguments and entries, `name = value` for properties and steps, a blank line
between top-level definitions (blank lines elsewhere are kept, at most one),
and brackets that hold everything on one line when it fits in 100 columns and
otherwise one item per line with a trailing comma.  Single-quoted strings
become double-quoted when that needs no new escapes; triple-quoted strings
are kept as written.

How it works: the syntax tree is turned into a small layout document (text,
line breaks that are a space or nothing when their group fits on one line,
indentation, groups), the classic Wadler/Prettier design, and the document is
printed at a width of 100 (the documents and their printer are in
compiler/layout_printer.py; this module is the ptflow-specific builder).
Comments are not in the tree; they are placed by
offset while the document is built, always in source order: an own-line
comment stays on its own line before the item that follows it, a comment at
the end of a line stays at the end of that item's line (and forces its
brackets to break, since nothing may follow it on the line).  A comment in a
place no list or block owns (`x = # here` `f(a)`) stays at the end of its
statement's line or goes above the statement, never out of order.

`format_source` checks its own result before returning it
(compiler/format_check.py): the output must parse to the same tree, with the same doc comments and the same comments in
the same order, or it raises `FormatterBug` instead of changing a file's
meaning.  The parser gives a `##` comment to every declaration on the line
below it (or on its own line), so where joining a signature onto one line or
splitting it would move a doc comment, the signature keeps the other layout;
where neither keeps every doc comment in place, `DocLayoutError` says so.
"""

from __future__ import annotations

import bisect
import gc
import re
from collections.abc import Callable

from ptflow.compiler import tree
from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.format_check import definitions_with_moved_docs, same_meaning_problem
from ptflow.compiler.layout_printer import (
    BREAK_PARENT,
    HARD_LINE,
    LINE,
    SOFT_LINE,
    Group,
    IfBroken,
    Indent,
    LineSuffix,
    flat_text,
    render,
)
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText

LINE_WIDTH = 100
INDENT = "    "
# `# ptflow: ignore[...]` and other directives read by `ptflow.compiler.lint`.
_DIRECTIVE = re.compile(r"#\s*ptflow\s*:")


class FormatError(Exception):
    """The text could not be formatted; `diagnostics` are the syntax errors, if that is why."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []


class FormatterBug(FormatError):
    """The formatter's output would not mean what its input meant (never written out)."""


class DocLayoutError(FormatError):
    """No layout of a signature keeps every `##` doc comment on the declaration it documents."""


def format_source(text: str, path: str = "<string>") -> str:
    """The canonical form of `text`; raises FormatError if it has syntax errors."""
    return format_and_parse(text, path)[0]


def format_and_parse(text: str, path: str = "<string>") -> tuple[str, tree.Module, list]:
    """The canonical form of `text`, with the parse of that form (tree and parse diagnostics).

    The self-check parses the formatted text anyway; a caller that checks the
    result next (`ptflow import`) hands this parse to the checker rather than
    parsing the same text a third time."""
    # Formatting parses twice and builds many small objects that all live
    # until it ends; the cyclic collector's scans of them cost a third of the
    # time on a 2,000-line file, for nothing to collect.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _format(text, path)
    finally:
        if was_enabled:
            gc.enable()


def _format(text: str, path: str) -> tuple[str, tree.Module, list]:
    from ptflow.compiler.parser import parse_module

    module, diagnostics = parse_module(text, path)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise FormatError(f"{path}: not formatted, it has syntax errors", errors)
    source = SourceText(path, text)
    # Doc comments are found by line (`##` on the line above, or at the end of
    # the line), so joining or splitting a signature can move one onto
    # another declaration.  Where the preferred layout does that, the
    # definition's signature is kept broken, or else on one line.
    layouts: dict[int, str] = {}
    for _ in range(len(_SIGNATURE_LAYOUTS) * 2):
        document = _Builder(source, module.comments, layouts).module(module)
        formatted = render(document, LINE_WIDTH, INDENT)
        reparsed, parse_diagnostics = _reparse(formatted, path)
        moved = definitions_with_moved_docs(module, reparsed)
        if not moved:
            problem = same_meaning_problem(module, reparsed)
            if problem:
                raise FormatterBug(f"{path}: {problem}; file left as it was")
            return formatted, reparsed, parse_diagnostics
        for index in moved:
            tried = _SIGNATURE_LAYOUTS.index(layouts.get(index, "preferred"))
            if tried + 1 == len(_SIGNATURE_LAYOUTS):
                definition = module.items[index]
                assert not isinstance(definition, tree.Import), "only components and pipelines carry doc comments"
                name = definition.name.name
                raise DocLayoutError(
                    f"{path}: cannot keep the doc comments of `{name}` and its inputs and outputs in any layout "
                    "(a `##` comment documents what is on the line below it or before it, so it depends on how "
                    "the signature is split into lines); put the whole signature on one line, or each input "
                    "on a line of its own, and format again. File left as it was"
                )
            layouts[index] = _SIGNATURE_LAYOUTS[tried + 1]
    raise FormatterBug(f"{path}: no layout keeps every doc comment in place; file left as it was")


_SIGNATURE_LAYOUTS = ("preferred", "broken", "flat")


# ==================================================================== comments


@record(slots=True)
class _Comment:
    start: int
    text: str
    trailing: bool  # code comes before it on its line


class _CommentQueue:
    """The file's comments not yet placed, in order, and a log of the ones placed."""

    def __init__(self, source: SourceText, comments: list[tree.Comment]):
        self.pending: list[_Comment] = []
        for comment in sorted(comments, key=lambda c: c.span.start):
            line_start = source.text.rfind("\n", 0, comment.span.start) + 1
            before = source.text[line_start : comment.span.start]
            self.pending.append(_Comment(comment.span.start, comment.text.rstrip(), bool(before.strip())))
        self.placed: list[int] = []  # offsets of the comments taken so far, in the order taken

    def take(self, low: int, high: int) -> list[_Comment]:
        """The pending comments that start in [low, high), now placed."""
        first = bisect.bisect_left(self.pending, low, key=lambda c: c.start)
        last = first
        while last < len(self.pending) and self.pending[last].start < high:
            last += 1
        taken = self.pending[first:last]
        del self.pending[first:last]
        self.placed.extend(c.start for c in taken)
        return taken


def _split_trailing(comments: list[_Comment]) -> tuple[_Comment | None, list[_Comment]]:
    """The comment that ends the current line (if any), and the ones that go on lines of their own.

    Only the first comment can stay on the line; once one has its own line,
    the rest follow it in order.
    """
    if comments and comments[0].trailing:
        return comments[0], comments[1:]
    return None, comments


def _trailing_doc(comment: _Comment | None) -> list:
    if comment is None:
        return []
    return [LineSuffix("  " + comment.text), BREAK_PARENT]


# ===================================================================== builder


def _past(pattern: re.Pattern[str], text: str, offset: int) -> int:
    """Where a run of `pattern` starting at `offset` ends (the skip patterns match the empty string too)."""
    match = pattern.match(text, offset)
    assert match is not None, "a skip pattern matches the empty string"
    return match.end()


@record(slots=True)
class _Item:
    """One element of a bracketed list or block: where it starts, and how to print it."""

    start: int
    end: int
    print: Callable[..., object]  # called with no arguments (the lambdas bind loop variables as defaults)
    comments_above: bool = True  # stray comments inside may move above it (not for declarations)


@record(slots=True)
class _Brackets:
    open: str
    close: str
    open_at: int  # offsets of the brackets in the source
    close_at: int
    separator: str = ","
    padded: bool = False  # `{ a: 1 }` rather than `{a: 1}` when flat
    block: bool = False  # statements: always broken, no separators


class _Builder:
    """Builds the layout document of a module, visiting it in source order."""

    def __init__(self, source: SourceText, comments: list[tree.Comment], layouts: dict[int, str] | None = None):
        self.source = source
        self.text = source.text
        self.comments = _CommentQueue(source, comments)
        # Index of a definition in the module -> how to lay out its signature.
        self.layouts = layouts or {}
        # For each item being printed, how many comments had been placed when it began.
        self.item_marks: list[int] = []

    # ------------------------------------------------------------ helpers
    def _blank_before(self, offset: int) -> bool:
        """Whether an empty line separates `offset` from the code or comment before it."""
        text = self.text
        newlines = 0
        position = offset - 1
        while position >= 0 and text[position] in " \t\r\n":
            newlines += text[position] == "\n"
            position -= 1
        return newlines >= 2

    _SKIPPABLE = re.compile(r"(?:\s+|#[^\n]*|,)*")
    _CALLEE_CLOSERS = re.compile(r"(?:\s+|#[^\n]*|\))*")

    def _find(self, offset: int, char: str) -> int:
        """The offset of `char` after `offset`, past whitespace, comments and commas."""
        position = _past(self._SKIPPABLE, self.text, offset)
        if not self.text.startswith(char, position):
            raise FormatterBug(f"{self.source.path}: expected `{char}` at offset {position}")
        return position

    def _raw(self, span) -> str:
        return self.text[span.start : span.end]

    def _comment_lines(self, comments: list[_Comment]) -> list:
        """Own-line comments, each followed by a line break, keeping one blank line where there was one.

        A blank line before the first one is the caller's to decide.
        """
        parts: list = []
        for index, comment in enumerate(comments):
            if index > 0 and self._blank_before(comment.start):
                parts.append(HARD_LINE)
            parts.extend([comment.text, BREAK_PARENT, HARD_LINE])
        return parts

    def _leading(self, comments: list[_Comment], start: int) -> list:
        """The own-line comments above an item, and the blank line between them and it, if any."""
        parts = self._comment_lines(comments)
        if comments and self._blank_before(start):
            parts.append(HARD_LINE)
        return parts

    def sequence(
        self,
        items: list[_Item],
        leading: list[_Comment],
        low: int,
        end_at: int,
        *,
        between,
        separator: str | None,
        blank_line,
    ) -> tuple[list, list[_Comment]]:
        """Items with the comments around them; returns the document and the comments after the last item.

        `leading` are the own-line comments before the first item; comments
        are taken from `low` on.  `blank_line(index, commented, blank_in_source)`
        says whether an empty line goes before item `index` (and its comments).
        """
        body: list = []
        for index, item in enumerate(items):
            last = index == len(items) - 1
            if index > 0:
                body.append(between)
                blank_in_source = self._blank_before(leading[0].start if leading else item.start)
                if blank_line(index, bool(leading), blank_in_source):
                    body.append(HARD_LINE)
            body.extend(self._leading(leading, item.start))
            above_at = len(body)
            placed_before = len(self.comments.placed)
            self.item_marks.append(placed_before if item.comments_above else -1)
            body.append(item.print())
            self.item_marks.pop()
            if separator is not None:
                body.append(IfBroken(separator) if last else separator)
            # Comments inside the item that none of its lists or blocks took
            # (`x = # note` `f()`): those before every comment the item placed
            # go above it, the others after it, so the order never changes.
            # Declarations keep theirs below: above, they would come between
            # a `##` doc comment and what it documents.
            placed_inside = self.comments.placed[placed_before:]
            inside = self.comments.take(item.start, item.end)
            first_placed = min(placed_inside, default=len(self.text)) if item.comments_above else -1
            above = [c for c in inside if c.start < first_placed]
            below = [c for c in inside if c.start > first_placed]
            after = self.comments.take(low, end_at if last else items[index + 1].start)
            lone_trailing = (
                not placed_inside and len(above) == 1 and above[0].trailing and not (after and after[0].trailing)
            )
            if above and not lone_trailing:
                body[above_at:above_at] = self._comment_lines(above)
                above = []
            trailing, leading = _split_trailing(above + below + after)
            if trailing is not None and self._covers_first_line(trailing, item) and not placed_inside:
                # A `# ptflow: ignore[...]` comment covers the line it ends, and
                # a diagnostic belongs to the line where its statement starts:
                # if the item gets broken over lines, the comment stays on its first.
                body[above_at:above_at] = _trailing_doc(trailing)
            else:
                body.extend(_trailing_doc(trailing))
        return body, leading

    def _covers_first_line(self, comment: _Comment, item: _Item) -> bool:
        """Whether `comment` is a ptflow directive at the end of the line `item` starts on."""
        if not _DIRECTIVE.match(comment.text):
            return False
        return self.text.count("\n", item.start, comment.start) == 0

    def bracketed(self, brackets: _Brackets, items: list[_Item]) -> object:
        """`(a, b)`-like lists and `{ statements }` blocks, with the comments inside them."""
        # Comments before the opening bracket belong to the item this list is
        # part of (they go above it), unless that item has placed a comment
        # already: then this list takes everything after that comment.
        placed = self.comments.placed
        if self.item_marks and self.item_marks[-1] == len(placed):
            low = brackets.open_at
        else:
            low = placed[-1] + 1 if placed else -1
        first_start = items[0].start if items else brackets.close_at
        opener_comment, leading = _split_trailing(self.comments.take(low, first_start))
        if brackets.block:
            edge = between = HARD_LINE
        else:
            edge = LINE if brackets.padded else SOFT_LINE
            between = LINE
        body, dangling = self.sequence(
            items,
            leading,
            low,
            brackets.close_at,
            between=between,
            separator=None if brackets.block else brackets.separator,
            # Blank lines are kept between statements; in lists only next to
            # comments, where they separate a `##` doc from what follows.
            blank_line=lambda index, commented, blank: blank and (brackets.block or commented),
        )
        if dangling:  # comments after the last item, or in an empty list
            if items:
                body.append(HARD_LINE)
                if self._blank_before(dangling[0].start):
                    body.append(HARD_LINE)
            body.extend(self._comment_lines(dangling)[:-1])
        if not body and opener_comment is None:
            return [brackets.open, brackets.close]
        if not body:
            return Group([brackets.open, *_trailing_doc(opener_comment), edge, brackets.close])
        return Group(
            [
                brackets.open,
                *_trailing_doc(opener_comment),
                Indent([edge, *body]),
                edge,
                brackets.close,
            ]
        )

    # ------------------------------------------------------------- module
    def module(self, module: tree.Module) -> object:
        items = [
            _Item(
                item.span.start,
                item.span.end,
                (lambda index=index, item=item: self.item(item, self.layouts.get(index, "preferred"))),
                comments_above=isinstance(item, tree.Import),
            )
            for index, item in enumerate(module.items)
        ]

        def blank_line(index: int, commented: bool, blank: bool) -> bool:
            # One blank line between definitions; imports may be grouped.
            both_imports = isinstance(module.items[index - 1], tree.Import) and isinstance(
                module.items[index], tree.Import
            )
            return blank or not both_imports

        leading = self.comments.take(-1, items[0].start if items else len(self.text) + 1)
        parts, rest = self.sequence(
            items, leading, -1, len(self.text) + 1, between=HARD_LINE, separator=None, blank_line=blank_line
        )
        if rest:
            if items:
                parts.append(HARD_LINE)
                if self._blank_before(rest[0].start):
                    parts.append(HARD_LINE)
            parts.extend(self._comment_lines(rest)[:-1])
        if not parts:
            return ""
        return [*parts, HARD_LINE]

    def item(self, item, layout: str) -> object:
        if isinstance(item, tree.Import):
            return self.import_(item)
        if isinstance(item, tree.ComponentDef):
            return self.definition("component", item, item.properties, item.span.end - 1, layout)
        return self.definition("pipeline", item, item.body, item.span.end - 1, layout)

    def import_(self, node: tree.Import) -> object:
        if node.kind == tree.ImportKind.FILE:
            path = _normalize_string(self._raw(node.path_span))
        else:
            path = node.path
        explicit_alias = node.alias.span.start >= node.path_span.end
        return [
            "import ",
            path,
            f" as {node.alias.name}" if explicit_alias or node.kind == tree.ImportKind.FILE else "",
        ]

    def definition(self, keyword: str, node, body: list, close_at: int, layout: str) -> object:
        open_paren = self._find(node.name.span.end, "(")
        close_params = self._close_after(node.params, open_paren)
        header: list = [f"{keyword} {node.name.name}", self.signature(node.params, open_paren, close_params, layout)]
        after_header = close_params + 1
        if self.text.startswith("->", _past(self._SKIPPABLE, self.text, after_header)):
            arrow = self.text.index("->", after_header)
            open_outputs = self._find(arrow + 2, "(")
            close_outputs = self._close_after(node.outputs, open_outputs)
            if node.outputs:  # `-> ()` declares nothing and is left out
                header.extend([" -> ", self.signature(node.outputs, open_outputs, close_outputs, layout)])
            after_header = close_outputs + 1
        open_brace = self._find(after_header, "{")
        header.extend([" ", self.block(body, open_brace, close_at)])
        return header

    def _close_after(self, nodes: list, open_at: int) -> int:
        """The `)` closing a parameter or output list."""
        return self._find(nodes[-1].span.end if nodes else open_at + 1, ")")

    def signature(self, nodes: list, open_at: int, close_at: int, layout: str) -> object:
        items = [_Item(n.span.start, n.span.end, (lambda n=n: self.param(n)), comments_above=False) for n in nodes]
        document = self.bracketed(_Brackets("(", ")", open_at, close_at), items)
        if isinstance(document, Group) and nodes:
            document.broken = document.broken or layout == "broken"
            document.flat = layout == "flat"
        return document

    def param(self, node) -> object:
        parts = [node.name.name, ": ", self.type_ref(node.type)]
        default = getattr(node, "default", None)
        if default is not None:
            parts.extend([" = ", self.value(default)])
        return parts

    def type_ref(self, node: tree.TypeRef) -> object:
        parts: list = [node.name.name]
        if node.args:
            parts.extend(["[", ", ".join(flat_text(self.type_ref(a)) for a in node.args), "]"])
        if node.schema_title is not None:
            raw = self._raw(node.span)
            quote_at = raw.index("<") + 1
            match = _STRING_TOKEN.match(raw, _past(self._SKIPPABLE, raw, quote_at))
            assert match is not None, "the parser read a string after `<`"
            parts.extend(["<", _normalize_string(match.group(0)), ">"])
        if node.optional:
            parts.append("?")
        return parts

    # --------------------------------------------------------- statements
    def block(self, statements: list, open_at: int, close_at: int) -> object:
        items = [_Item(s.span.start, s.span.end, (lambda s=s: self.statement(s))) for s in statements]
        return self.bracketed(_Brackets("{", "}", open_at, close_at, block=True), items)

    def statement(self, node) -> object:
        if isinstance(node, tree.Property):
            return [node.name.name, " = ", self.value(node.value)]
        if isinstance(node, tree.Step):
            parts: list = []
            if node.name is not None:
                parts.extend([node.name.name, " = "])
            parts.append(self.call(node.call))
            if node.options is not None:
                parts.extend([" with ", self.dict_expr(node.options, padded=True)])
            return parts
        if isinstance(node, tree.For):
            parts = [f"for {node.var.name} in ", self.value(node.iterable)]
            if node.parallelism is not None:
                parts.extend([" parallel ", self.value(node.parallelism)])
            parts.extend([" ", self.block(node.body.body, node.body.span.start, node.body.span.end - 1)])
            return parts
        if isinstance(node, tree.If):
            parts = []
            for branch in node.branches:
                if branch.keyword == "else":
                    parts.append(" else ")
                else:
                    parts.extend([" elif " if parts else "if ", self.condition(branch.condition), " "])
                parts.append(self.block(branch.body.body, branch.body.span.start, branch.body.span.end - 1))
            return parts
        if isinstance(node, tree.Finally):
            parts = ["finally "]
            if node.options is not None:
                parts.extend(["with ", self.dict_expr(node.options, padded=True), " "])
            parts.append(self.block(node.body.body, node.body.span.start, node.body.span.end - 1))
            return parts
        if isinstance(node, tree.Try):
            return [
                "try ",
                self.block(node.body.body, node.body.span.start, node.body.span.end - 1),
                " ",
                self.statement(node.final),
            ]
        if isinstance(node, tree.Return):
            return [
                "return ",
                self.arguments(node.args, self._find(node.span.start + len("return"), "("), node.span.end - 1),
            ]
        raise FormatterBug(f"cannot format a {type(node).__name__}")

    # -------------------------------------------------------- expressions
    def value(self, node) -> object:
        """An expression where a value goes: conditions need parentheses here."""
        if isinstance(node, (tree.Compare, tree.BoolOp, tree.Not)):
            return ["(", self.condition(node), ")"]
        if isinstance(node, tree.Name):
            return node.id
        if isinstance(node, tree.Literal):
            if isinstance(node.value, str) or node.raw.startswith(("'", '"')):
                return _normalize_string(node.raw)
            return node.raw
        if isinstance(node, tree.FString):
            return _normalize_string(self._raw(node.span))
        if isinstance(node, tree.Member):
            return [self.value(node.obj), ".", node.attr.name]
        if isinstance(node, tree.Index):
            return [self.value(node.obj), "[", self.value(node.index), "]"]
        if isinstance(node, tree.Call):
            return self.call(node)
        if isinstance(node, tree.ListExpr):
            items = [_Item(i.span.start, i.span.end, (lambda i=i: self.value(i))) for i in node.items]
            return self.bracketed(_Brackets("[", "]", node.span.start, node.span.end - 1), items)
        if isinstance(node, tree.DictExpr):
            return self.dict_expr(node, padded=False)
        if isinstance(node, tree.TypeExpr):
            return self.type_ref(node.ref)
        raise FormatterBug(f"cannot format a {type(node).__name__}")

    def call(self, node: tree.Call) -> object:
        function = self.value(node.func)
        # Past the `)` of a parenthesized callee, `(say)(msg: ...)`, which the tree does not keep.
        open_paren = self._find(_past(self._CALLEE_CLOSERS, self.text, node.func.span.end), "(")
        close_at = self._find(node.args[-1].span.end if node.args else open_paren + 1, ")")
        return [function, self.arguments(node.args, open_paren, close_at)]

    def arguments(self, args: list[tree.Argument], open_at: int, close_at: int) -> object:
        items = [_Item(a.span.start, a.span.end, (lambda a=a: self.argument(a))) for a in args]
        return self.bracketed(_Brackets("(", ")", open_at, close_at), items)

    def argument(self, node: tree.Argument) -> object:
        if node.name is None:
            return self.value(node.value)
        return [node.name.name, ": ", self.value(node.value)]

    def dict_expr(self, node: tree.DictExpr, padded: bool) -> object:
        items = [_Item(e.span.start, e.span.end, (lambda e=e: self.entry(e))) for e in node.entries]
        return self.bracketed(_Brackets("{", "}", node.span.start, node.span.end - 1, padded=padded), items)

    def entry(self, node: tree.DictEntry) -> object:
        if node.computed is not None:
            return ["[", self.value(node.computed), "]: ", self.value(node.value)]
        key = _normalize_string(self._raw(node.key.span)) if node.quoted else node.key.name
        return [key, ": ", self.value(node.value)]

    # Precedence, loosest first: or, and, not, comparison, value.
    def condition(self, node, level: int = 0) -> object:
        own = _condition_level(node)
        if own < level:
            return ["(", self.condition(node, 0), ")"]
        if isinstance(node, tree.BoolOp):
            # Left-associative: the right operand binds one level tighter.
            return [self.condition(node.left, own), f" {node.op} ", self.condition(node.right, own + 1)]
        if isinstance(node, tree.Not):
            return ["not ", self.condition(node.operand, own)]
        if isinstance(node, tree.Compare):
            return [self.condition(node.left, 4), f" {node.op} ", self.condition(node.right, 4)]
        return self.value(node)


def _condition_level(node) -> int:
    if isinstance(node, tree.BoolOp):
        return 0 if node.op == "or" else 1
    if isinstance(node, tree.Not):
        return 2
    if isinstance(node, tree.Compare):
        return 3
    return 4


# ===================================================================== strings

_STRING_TOKEN = re.compile(
    r'f?"""(?:[^\\]|\\.)*?"""|f?\'\'\'(?:[^\\]|\\.)*?\'\'\'|f?"(?:[^"\\\n]|\\.)*"|f?\'(?:[^\'\\\n]|\\.)*\'', re.S
)
_ESCAPE_OR_CHAR = re.compile(r"\\.|.", re.S)


def _normalize_string(raw: str) -> str:
    """`'text'` as `"text"` when the text holds no `"`; anything else as written."""
    prefix = "f" if raw.startswith("f") else ""
    quoted = raw[len(prefix) :]
    if quoted.startswith(("'''", '"""')) or not quoted.startswith("'"):
        return raw
    body = quoted[1:-1]
    if '"' in body:
        return raw
    # `\'` needs no escape between double quotes; every other escape stays as written.
    body = "".join("'" if piece == "\\'" else piece for piece in _ESCAPE_OR_CHAR.findall(body))
    return f'{prefix}"{body}"'


# ================================================================ safety net


def _reparse(formatted: str, path: str) -> tuple[tree.Module, list]:
    """The formatted text parsed again, for the self-check (compiler/format_check.py), and its warnings."""
    from ptflow.compiler.parser import parse_module

    module, diagnostics = parse_module(formatted, path)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        raise FormatterBug(f"{path}: the formatted text does not parse ({errors[0].message}); file left as it was")
    return module, diagnostics
