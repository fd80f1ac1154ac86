"""What a lint rule sees: the checked file's syntax tree next to its checked DAGs.

Rules need both: the tree has the exact spans (the `memory:` entry, the image
string, a parameter's name) and the comments; the `PipelineGraph` knows what
each step calls and which values flow where.  `LintContext` pairs each step
statement with the task the checker built from it, so a rule never has to
match the two up itself.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import field
from typing import TYPE_CHECKING

from ptflow.compiler import tree
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, Fix, Related
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText, Span

if TYPE_CHECKING:  # the graph module imports networkx: not needed to explain a code
    from ptflow.compiler import dag
    from ptflow.compiler.api import CheckResult
    from ptflow.compiler.lint.registry import Rule


@record
class StepView:
    """One step statement and the task the checker built from it (None if it failed)."""

    node: tree.Step
    name: str
    name_span: Span
    task: dag.Task | None

    def option(self, key: str) -> tree.DictEntry | None:
        return self.node.options.get(key) if self.node.options is not None else None


@record
class PipelineView:
    definition: tree.PipelineDef
    graph: dag.PipelineGraph | None
    steps: list[StepView] = field(default_factory=list)
    names: set[str] | None = None  # what the body reads; see LintContext.names_in

    @property
    def name(self) -> str:
        return self.definition.name.name


class LintContext:
    """The checked file, as the rules read it, and the list they report into."""

    def __init__(self, result: CheckResult, target: str | None = None):
        self.result = result
        self.target = target
        scope = result.scope
        self.module: tree.Module | None = scope.syntax_tree if scope is not None else None
        self.text: str = scope.source.text if scope is not None and scope.source is not None else ""
        self.path: str = self.module.span.file if self.module is not None else result.path  # as spans name it
        self.diagnostics = Diagnostics()
        self.rule: Rule | None = None
        self._line_starts: list[int] | None = None
        self.pipelines: list[PipelineView] = self._pipeline_views() if self.module is not None else []

    # ---------------------------------------------------------- reading
    def _pipeline_views(self) -> list[PipelineView]:
        views = []
        assert self.result.scope is not None and self.module is not None, "only a parsed module has pipelines"
        graphs = self.result.scope.graphs
        for definition in self.module.pipelines:
            graph = graphs.get(definition.name.name)
            # A task's span is its statement's span object (looked up by identity: hashing ~600 spans of a big
            # pipeline on every edit was a tenth of the lint rules' time).
            by_span = {id(task.span): task for task in graph.tasks.values()} if graph is not None else {}
            view = PipelineView(definition, graph)
            for statement in tree.walk_statements(definition.body):
                if isinstance(statement, tree.Step):
                    name, name_span = step_name(statement)
                    view.steps.append(StepView(statement, name, name_span, by_span.get(id(statement.span))))
            views.append(view)
        return views

    def names_in(self, pipeline: PipelineView) -> set[str]:
        """The names a pipeline's body reads (computed once; several rules ask)."""
        if pipeline.names is None:
            pipeline.names = _names_in_body(pipeline.definition)
        return pipeline.names

    def components(self) -> list[tree.ComponentDef]:
        return self.module.components if self.module is not None else []

    # --------------------------------------------------------- reporting
    def report(
        self,
        message: str,
        span: Span | None,
        *,
        related: list[Related] | None = None,
        hint: str | None = None,
        fix: Fix | None = None,
    ) -> Diagnostic:
        """Report a finding of the rule that is running, with its code and default severity."""
        assert self.rule is not None, "report() is called from a rule's check()"
        return self.diagnostics.report(self.rule.code, message, span, related=related, hint=hint, fix=fix)

    def offsets(self, span: Span) -> tuple[int, int]:
        """`span`'s start and end offsets in the text, worked out from its lines and columns: the language
        server's parse while typing keeps moved declarations whose lines and columns are right but whose
        offsets are not (`incremental_parser.py`), so rules read offsets only through this."""
        if self._line_starts is None:
            self._line_starts = SourceText(self.path, self.text).line_starts
        starts = self._line_starts
        return starts[span.line - 1] + span.column - 1, starts[span.end_line - 1] + span.end_column - 1

    def insertion(self, offset: int) -> Span:
        """An empty span at `offset`: where a `Fix` inserts text."""
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Span(self.path, line, column, line, column, offset, offset)

    def text_span(self, start: int, end: int) -> Span:
        line = self.text.count("\n", 0, start) + 1
        column = start - (self.text.rfind("\n", 0, start) + 1) + 1
        end_line = self.text.count("\n", 0, end) + 1
        end_column = end - (self.text.rfind("\n", 0, end) + 1) + 1
        return Span(self.path, line, column, end_line, end_column, start, end)


def step_name(node: tree.Step) -> tuple[str, Span]:
    """A step's name as the checker gives it: the variable, or the callee for a bare call."""
    if node.name is not None:
        return node.name.name, node.name.span
    callee = node.call.func
    if isinstance(callee, tree.Member):
        return callee.attr.name, callee.span
    return getattr(callee, "id", "step"), callee.span


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that may hold other nodes (not its span), computed once per class."""
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls) if field.name != "span")
    return fields


def walk_nodes(node) -> Iterator:
    """Every syntax node under `node` (itself included, lists entered), depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
            continue
        fields = getattr(current, "__dataclass_fields__", None)
        if fields is None or isinstance(current, Span):
            continue
        yield current
        for name in _child_fields(type(current)):
            child = getattr(current, name)
            if isinstance(child, list) or hasattr(child, "__dataclass_fields__"):
                stack.append(child)


def names_used(node) -> set[str]:
    """Every bare name read anywhere under `node` (`x` in `x`, `x.y`, `f"{x}"`, `x(...)`)."""
    return {n.id for n in walk_nodes(node) if isinstance(n, tree.Name)}


# The names each recent statement of a pipeline body reads, by the statement object.  The language server's
# incremental parser hands back the same objects for the declarations, and the statements of a pipeline, that
# an edit didn't touch, and walking every body was most of the lint rules' time on each edit of a big file.
# Syntax trees are never changed once built.
_NAMES_IN_STATEMENT: dict[object, frozenset[str]] = {}
_NAMES_REMEMBERED = 32768
_NAMES_LOCK = threading.Lock()


def _names_in_body(definition: tree.PipelineDef) -> set[str]:
    names: set[str] = set()
    for statement in definition.body:
        in_statement = _NAMES_IN_STATEMENT.get(statement)
        if in_statement is None:
            in_statement = frozenset(names_used(statement))
            with _NAMES_LOCK:  # the language server lints in its check thread
                if len(_NAMES_IN_STATEMENT) >= _NAMES_REMEMBERED:
                    _NAMES_IN_STATEMENT.pop(next(iter(_NAMES_IN_STATEMENT)))  # the oldest: a dict keeps order
                _NAMES_IN_STATEMENT[statement] = in_statement
        names |= in_statement
    return names
