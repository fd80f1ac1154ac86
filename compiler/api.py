"""The compiler's front door: check a file, compile it to a target.

This is what the command line, the language server and the local runner call.
Results carry every diagnostic (sorted), never raise for problems in the
user's files, and report which `.ptflow` line declared each compiled task.
"""

from __future__ import annotations

import json
from dataclasses import field

from ptflow.compiler import dag
from ptflow.compiler.checker import Checker, ModuleScope
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, codes, did_you_mean
from ptflow.compiler.gc_pause import garbage_collection_paused  # noqa: F401 (re-exported)
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.recheck import CheckReuse
from ptflow.compiler.records import record
from ptflow.compiler.source import Span
from ptflow.compiler.targets.registry import DEFAULT_TARGET, target_named
from ptflow.compiler.value_limits import unrepresentable


@record
class CheckResult:
    """What checking a file found: its diagnostics, its checked scope and its pipelines' graphs."""

    path: str
    diagnostics: list[Diagnostic]
    scope: ModuleScope | None
    pipelines: dict[str, dag.PipelineGraph] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


@record
class CompileResult:
    """What compiling a pipeline gave: the target's documents (None on errors) and the diagnostics."""

    path: str
    target: str
    pipeline: str | None
    documents: list[dict] | None  # None when there were errors
    diagnostics: list[Diagnostic]
    # (DAG component key, task name) -> the span of the step that declared it;
    # the key is "root" for the pipeline's own DAG.
    source_map: dict[tuple[str, str], Span] = field(default_factory=dict)
    graph: dag.PipelineGraph | None = None  # the checked pipeline (the runner words its conditions from it)

    @property
    def ok(self) -> bool:
        return self.documents is not None


def check_file(
    path: str,
    text: str | None = None,
    *,
    loader: ModuleLoader | None = None,
    runtime_image: str | None = None,
    reuse: CheckReuse | None = None,
) -> CheckResult:
    """Check a file and what it imports; with `reuse`, take the declarations an edit didn't touch from the
    last check of the file (`compiler/recheck.py`)."""
    with garbage_collection_paused():
        return _check_file(path, text, loader, runtime_image, reuse)


def _check_file(path, text, loader, runtime_image, reuse) -> CheckResult:
    checker = Checker(loader, runtime_image, reuse)
    scope = checker.check_file(path, text)
    pipelines = {name: graph for name, graph in scope.graphs.items() if graph is not None}
    return CheckResult(path, checker.diagnostics.sorted(), scope, pipelines)


def compile_file(
    path: str,
    target: str = DEFAULT_TARGET,
    *,
    pipeline: str | None = None,
    params: dict[str, str] | None = None,
    image: str | None = None,
    text: str | None = None,
    loader: ModuleLoader | None = None,
) -> CompileResult:
    """Check and compile one pipeline of a file to `target`'s documents (a name in the target table)."""
    target_named(target)  # a ValueError for a target that doesn't exist: a mistake of the caller, not the file
    with garbage_collection_paused():
        return _compile_file(path, target, pipeline, params, image, text, loader)


def _compile_file(path, target_name, pipeline, params, image, text, loader) -> CompileResult:
    target = target_named(target_name)
    checker = Checker(loader, image)
    scope = checker.check_file(path, text)
    diagnostics = checker.diagnostics
    graph = _choose_pipeline(scope, pipeline, diagnostics, path)
    overrides = _parameter_overrides(graph, params or {}, diagnostics) if graph else {}
    if graph is not None:
        target.check_support(graph, diagnostics)
    if diagnostics.has_errors or graph is None:
        return CompileResult(path, target_name, graph.name if graph else pipeline, None, diagnostics.sorted())
    documents, source_map = target.lower(graph, overrides, checker.component)
    from ptflow.compiler.targets.support import validate_documents

    validate_documents(documents, target_name, diagnostics)
    if diagnostics.has_errors:
        return CompileResult(path, target_name, graph.name, None, diagnostics.sorted(), source_map)
    return CompileResult(
        path, target_name, graph.name, documents, _unsuppressed(diagnostics.sorted(), scope), source_map, graph
    )


def _unsuppressed(diagnostics: list, scope: ModuleScope) -> list:
    """The diagnostics without the warnings a `# ptflow: ignore[...]` comment silences (as `ptflow check` does)."""
    if all(d.is_error for d in diagnostics):
        return diagnostics
    from ptflow.compiler.lint.engine import suppressions_in
    from ptflow.compiler.lint.suppression import apply_suppressions

    return apply_suppressions(diagnostics, suppressions_in(scope))


def _choose_pipeline(scope: ModuleScope, name: str | None, diagnostics: Diagnostics, path: str):
    pipelines = [d.name.name for d in scope.pipelines()]
    if name is not None:
        if name not in pipelines:
            diagnostics.report(
                codes.NO_PIPELINE,
                f"`{path}` has no pipeline `{name}`",
                None,
                suggestion=did_you_mean(name, pipelines),
                hint="its pipelines are " + ", ".join(pipelines) if pipelines else None,
            )
            return None
        return scope.graphs.get(name)
    if not pipelines:
        if scope.source is not None and not diagnostics.has_errors:  # a file that did not parse says so already
            diagnostics.report(codes.NO_PIPELINE, f"`{path}` defines no pipeline", None)
        return None
    if len(pipelines) > 1:
        # The last pipeline is the file's main one; the others are usually its parts.
        return scope.graphs.get(pipelines[-1])
    return scope.graphs.get(pipelines[0])


def parse_parameter_value(text: str, port: dag.Port):
    """A `-p name=value` string as a value of the parameter's type; raises ValueError."""
    value = _parse_parameter_value(text, port)
    problem = unrepresentable(value)
    if problem:
        raise ValueError(problem)
    return value


def _parse_parameter_value(text: str, port: dag.Port):
    kind = port.type.name
    if kind == "str":
        return text
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError("expected true or false")
    value = json.loads(text)
    if kind == "list" and not isinstance(value, list):
        raise ValueError("expected a JSON list")
    if kind == "dict" and not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _parameter_overrides(graph: dag.PipelineGraph, params: dict[str, str], diagnostics: Diagnostics) -> dict:
    overrides = {}
    for name, text in params.items():
        port = graph.input(name)
        if port is None:
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE,
                f"pipeline `{graph.name}` has no parameter `{name}`",
                None,
                suggestion=did_you_mean(name, [p.name for p in graph.inputs]),
            )
            continue
        if port.type.is_artifact:
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE, f"`{name}` is an artifact; only parameters can be set with -p", None
            )
            continue
        try:
            overrides[name] = parse_parameter_value(text, port)
        except (ValueError, RecursionError) as error:  # RecursionError: JSON nested past Python's limit
            shown = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a surrogate shown as \udcff
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE, f"`-p {name}={shown}`: not a valid `{port.type}` ({error})", None
            )
    return overrides
