"""Re-checking only the declarations an edit touched (the language server's checker).

The incremental parser (`compiler/incremental_parser.py`) hands back the very
same syntax-tree objects for the top-level declarations an edit did not touch.
A `CheckReuse` remembers, for each such declaration object, what checking it
gave last time, and the `Checker` takes that instead of checking it again when
nothing it depends on changed:

- a component's spec and diagnostics depend only on its declaration (its
  positions included), the file's path and the default runtime image;
- a pipeline's graph and diagnostics depend on its declaration, the names the
  file defines, and the specs its steps call.  Before reusing a graph the
  checker resolves every callee again (which also checks, or reuses, a
  pipeline it calls) and reuses the graph only when each callee is the very
  spec it was last time, so editing a component re-checks every pipeline
  that calls it, and a pipeline that calls one of those.

A pipeline that is checked again (its declaration is new: an edit inside it) still takes, for each step
whose statement is the same node and whose surroundings are unchanged, that step's resolution from the
last build (`step_reuse.py`); those are kept here too, by file and pipeline name.

Resolving a callee reports into the check's diagnostics as it always does, so
what is remembered is only what the builders themselves reported.  A moved
declaration is a new object (its positions changed), so it is checked again.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import field

from ptflow.compiler import dag, tree
from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText, Span
from ptflow.compiler.step_reuse import NO_RESOLUTIONS, StepResolutions


@record
class ComponentCheck:
    """What checking one component declaration gave."""

    definition: tree.ComponentDef
    path: str
    runtime_image: str
    spec: dag.ComponentSpec
    diagnostics: list[Diagnostic]


@record
class PipelineCheck:
    """What building one pipeline's graph gave, and the callees it was built against."""

    definition: tree.PipelineDef
    global_names: frozenset[str]
    callees: list[tuple[tree.Expr, dag.ComponentSpec | None]]
    graph: dag.PipelineGraph | None
    source_map: dict
    diagnostics: list[Diagnostic]
    spec: dag.ComponentSpec | None = None  # the spec a caller sees, made once per graph


@record
class _Checks:
    components: dict[int, ComponentCheck] = field(default_factory=dict)  # id(definition) -> its check
    pipelines: dict[int, PipelineCheck] = field(default_factory=dict)
    resolutions: dict[tuple[str, str], StepResolutions] = field(default_factory=dict)  # (file, pipeline) -> its steps'


class CheckReuse:
    """The declarations' checks from the last check of each entry file, for the next check of that file.

    Each check of an entry file keeps only what it used, so a declaration that is gone (or moved) is
    forgotten with its syntax tree.  One check at a time uses it (the language server's check thread).
    """

    def __init__(self) -> None:
        self._by_entry: dict[str, _Checks] = {}
        self._previous = _Checks()
        self._current = _Checks()
        self._entry: str | None = None
        self.reused = 0  # declarations taken from the last check, in the current check (for tests and benchmarks)

    def begin(self, entry_path: str) -> None:
        self._entry = os.path.normpath(entry_path)
        self._previous = self._by_entry.get(self._entry, _Checks())
        self._current = _Checks()
        self.reused = 0

    def end(self) -> None:
        if self._entry is not None:
            self._by_entry[self._entry] = self._current
        self._entry = None

    def forget(self, entry_path: str) -> None:
        """Drop what the checks of `entry_path` left (its document was closed)."""
        self._by_entry.pop(os.path.normpath(entry_path), None)

    # ------------------------------------------------------------ components
    def component(self, definition: tree.ComponentDef, path: str, runtime_image: str) -> ComponentCheck | None:
        check = self._previous.components.get(id(definition)) or self._current.components.get(id(definition))
        if check is None or check.definition is not definition:
            return None
        if check.path != path or check.runtime_image != runtime_image:
            return None
        self._current.components[id(definition)] = check
        self.reused += 1
        return check

    def remember_component(self, check: ComponentCheck) -> None:
        self._current.components[id(check.definition)] = check

    # ------------------------------------------------------------- pipelines
    def pipeline(self, definition: tree.PipelineDef, global_names: frozenset[str]) -> PipelineCheck | None:
        """The last check of `definition`, if it was made with the same names (its callees are compared by
        the checker, which resolves them)."""
        check = self._previous.pipelines.get(id(definition))
        if check is None or check.definition is not definition or check.global_names != global_names:
            return None
        return check

    def reuse_pipeline(self, check: PipelineCheck) -> None:
        self._current.pipelines[id(check.definition)] = check
        self.reused += 1

    def remember_pipeline(self, check: PipelineCheck) -> None:
        self._current.pipelines[id(check.definition)] = check

    # ---------------------------------------------------- steps of a pipeline
    def last_resolutions(self, path: str, name: str) -> StepResolutions:
        """The step resolutions of the last build of pipeline `name` of `path` (none, for a pipeline not built
        before), kept for this check's build of it (a pipeline taken whole from the last check keeps them too)."""
        key = (os.path.normpath(path), name)
        resolutions = self._previous.resolutions.get(key)
        if resolutions is None:
            return NO_RESOLUTIONS
        self._current.resolutions[key] = resolutions
        return resolutions

    def remember_resolutions(self, path: str, name: str, resolutions: StepResolutions | None) -> None:
        key = (os.path.normpath(path), name)
        if resolutions is None:
            self._current.resolutions.pop(key, None)
        else:
            self._current.resolutions[key] = resolutions

    def pipeline_spec(self, definition: tree.PipelineDef, graph: dag.PipelineGraph) -> PipelineCheck | None:
        """The current check of `definition` if it made `graph` (where a caller's spec of it is kept)."""
        check = self._current.pipelines.get(id(definition))
        return check if check is not None and check.definition is definition and check.graph is graph else None


def same_callee(old: dag.ComponentSpec | None, new: dag.ComponentSpec | None) -> bool:
    """True if a step calls the very spec it called last time (the importer's is made anew each time)."""
    if old is new:
        return True
    return (
        old is not None
        and new is not None
        and old.kind == new.kind == dag.ComponentKind.IMPORTER_BUILTIN
        and old.name == new.name
    )


def with_offsets_of(diagnostics: list[Diagnostic], source: SourceText) -> list[Diagnostic]:
    """`diagnostics` with every span in `source`'s file given the offsets its line and column have there.

    After a parse that kept moved declarations (`incremental_parser.py`), their spans have the right lines and
    columns but offsets from the text before the edit; this puts right what they lead to.
    """
    path = os.path.normpath(source.path)
    lines = len(source.line_starts)

    def fixed(span: Span) -> Span:
        if os.path.normpath(span.file) != path or span.end_line > lines:
            return span  # another file's, or past the text's lines (a span no parse of this text makes)
        start, end = source.offset(span.line, span.column), source.offset(span.end_line, span.end_column)
        if (start, end) == (span.start, span.end):
            return span
        return dataclasses.replace(span, start=start, end=end)

    out = []
    for diagnostic in diagnostics:
        span = fixed(diagnostic.span) if diagnostic.span is not None else None
        related = [
            r if fixed(r.span) is r.span else dataclasses.replace(r, span=fixed(r.span)) for r in diagnostic.related
        ]
        fix = diagnostic.fix
        if fix is not None and fixed(fix.span) is not fix.span:
            fix = dataclasses.replace(fix, span=fixed(fix.span))
        unchanged = span is diagnostic.span and fix is diagnostic.fix
        if unchanged and all(new is old for new, old in zip(related, diagnostic.related)):
            out.append(diagnostic)
        else:
            out.append(dataclasses.replace(diagnostic, span=span, related=related, fix=fix))
    return out
