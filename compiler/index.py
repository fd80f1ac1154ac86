"""Where every name in a file is defined and used: the index editors need.

Built from the syntax trees and the checker's scopes after a check, it answers
"what is at line L, column C", "where is it defined", "where is it used" and
"what could be written here" — the questions behind hover, go to definition,
find references, rename and completion (compiler/completion.py, with its
cursor scanner in compiler/cursor.py; rename checks in compiler/rename.py,
both built on this index).  Nothing here re-parses or re-checks,
and nothing here knows about the Language Server Protocol: positions are the
compiler's (1-based lines and columns, in characters).
"""

from __future__ import annotations

import enum
import json
import os
import re
from dataclasses import field

from ptflow.compiler import dag, tree
from ptflow.compiler.checker import ComponentSymbol, ModuleScope, ModuleSymbol, PipelineSymbol
from ptflow.compiler.records import record
from ptflow.compiler.source import Span

KEYWORDS = tree.KEYWORDS  # completion, rename and the cursor read it from here
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DefinitionKind(enum.StrEnum):
    COMPONENT = "component"
    PIPELINE = "pipeline"
    MODULE = "module"  # an imported module's alias
    PARAMETER = "parameter"  # a pipeline's input
    STEP = "step"
    LOOP = "loop"  # a loop variable
    INPUT = "input"  # a component's input
    OUTPUT = "output"  # a component's output


@record(eq=False)
class Definition:
    """Something a name can mean.

    `span` is the name at its definition (None for things without a source,
    such as inputs of a compiled YAML component).  For a module, `target` is
    the file it imports.
    """

    kind: DefinitionKind
    name: str
    span: Span | None
    detail: str = ""  # a signature or type, for hover and completion
    doc: str | None = None
    owner: str | None = None  # the pipeline or component it belongs to
    references: list[Span] = field(default_factory=list)
    target: str | None = None

    @property
    def key(self) -> tuple:
        """Identifies what this definition means, equal across the indexes of different files."""
        if self.span is not None:
            return (os.path.normcase(os.path.normpath(self.span.file)), self.span.start, self.span.end)
        return (self.kind, self.owner, self.name)


@record
class Occurrence:
    span: Span
    definition: Definition
    is_definition: bool = False


@record
class LoopScope:
    """A loop variable and the block it is visible in."""

    definition: Definition
    body: Span
    pipeline: str


@record
class ImportLink:
    """An import's path as written, and the file it resolves to (None when it doesn't)."""

    span: Span
    target: str | None


class FileIndex:
    """Definitions and occurrences in one file."""

    def __init__(self, path: str):
        self.path = path
        self.occurrences: list[Occurrence] = []
        self.definitions: list[Definition] = []
        # Per pipeline and per component: the names visible in its body, and where it is.
        self.pipeline_names: dict[str, dict[str, Definition]] = {}
        self.pipeline_spans: dict[str, Span] = {}
        self.component_names: dict[str, dict[str, Definition]] = {}
        self.component_spans: dict[str, Span] = {}
        self.loops: list[LoopScope] = []
        self.imports: list[ImportLink] = []

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence under a 1-based position (the cursor may sit right after the name)."""
        best = None
        for occurrence in self.occurrences:
            span = occurrence.span
            if span.line == line == span.end_line and span.column <= column <= span.end_column:
                if best is None or span.column > best.span.column:
                    best = occurrence
        return best

    def import_at(self, line: int, column: int) -> ImportLink | None:
        for link in self.imports:
            if link.span.contains(line, column):
                return link
        return None

    def pipeline_at(self, line: int) -> str | None:
        return _owner_at(self.pipeline_spans, line)

    def component_at(self, line: int) -> str | None:
        return _owner_at(self.component_spans, line)

    def loops_at(self, line: int, column: int) -> list[LoopScope]:
        """The loops whose body holds the position, outermost first."""
        return [loop for loop in self.loops if loop.body.contains(line, column)]

    def occurrences_of(self, key: tuple) -> list[Occurrence]:
        """Every occurrence (definition included) of the definition with this key."""
        return [o for o in self.occurrences if o.definition.key == key]


def _owner_at(spans: dict[str, Span], line: int) -> str | None:
    for name, span in spans.items():
        if span.line <= line <= span.end_line:
            return name
    return None


# ------------------------------------------------------------------ signatures


def component_signature(spec: dag.ComponentSpec) -> str:
    inputs = ", ".join(_port(p, with_default=True) for p in spec.inputs)
    outputs = ", ".join(_port(p) for p in spec.outputs)
    is_pipeline = spec.kind in (dag.ComponentKind.PIPELINE, dag.ComponentKind.IR_GRAPH)
    keyword = "pipeline" if is_pipeline else "component"
    return f"{keyword} {spec.name}({inputs})" + (f" -> ({outputs})" if outputs else "")


def _port(port: dag.Port, with_default: bool = False) -> str:
    text = f"{port.name}: {port.type}"
    if with_default and port.has_default:
        text += " = " + default_text(port.default)
    return text


def default_text(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _name_span(span: Span | None, name: str) -> Span | None:
    """The span of `name` at the start of `span` (a parameter's span starts with its name)."""
    if span is None:
        return None
    return Span(
        span.file, span.line, span.column, span.line, span.column + len(name), span.start, span.start + len(name)
    )


# ------------------------------------------------------------------ building


class IndexBuilder:
    """Walks a checked module's tree and records every definition and use."""

    def __init__(self, scope: ModuleScope):
        self.scope = scope
        self.index = FileIndex(scope.path)
        self._module_definitions: dict[str, Definition] = {}
        # A callee's signature and outputs are the same text at every call: worked out once each.
        self._locations: dict[int, tuple[Span | None, str | None, str]] = {}
        self._outputs: dict[int, str] = {}

    def build(self) -> FileIndex:
        module_tree = self.scope.syntax_tree
        if module_tree is None:
            return self.index
        for node in module_tree.imports:
            self._import(node)
        for component in module_tree.components:
            symbol = self.scope.symbols.get(component.name.name)
            detail = component_signature(symbol.spec) if isinstance(symbol, ComponentSymbol) else ""
            definition = self._define(
                DefinitionKind.COMPONENT, component.name.name, component.name.span, detail, component.doc
            )
            self._module_definitions.setdefault(component.name.name, definition)
            self._component_body(component)
        for pipeline in module_tree.pipelines:
            graph = self.scope.graphs.get(pipeline.name.name)
            detail = (
                component_signature(_pipeline_spec(pipeline.name.name, graph))
                if graph
                else f"pipeline {pipeline.name.name}"
            )
            definition = self._define(
                DefinitionKind.PIPELINE, pipeline.name.name, pipeline.name.span, detail, pipeline.doc
            )
            self._module_definitions.setdefault(pipeline.name.name, definition)
        for pipeline in module_tree.pipelines:
            self._pipeline(pipeline)
        return self.index

    # -- recording
    def _define(self, kind, name, span, detail="", doc=None, owner=None) -> Definition:
        definition = Definition(kind, name, span, detail, doc, owner)
        self.index.definitions.append(definition)
        if span is not None:
            self.index.occurrences.append(Occurrence(span, definition, is_definition=True))
        return definition

    def _use(self, span: Span, definition: Definition) -> None:
        definition.references.append(span)
        self.index.occurrences.append(Occurrence(span, definition))

    # -- imports
    def _import(self, node: tree.Import) -> None:
        symbol = self.scope.symbols.get(node.alias.name)
        detail = f'import "{node.path}"' if node.kind == tree.ImportKind.FILE else f"import {node.path}"
        target = None
        doc = None
        if isinstance(symbol, ModuleSymbol) and symbol.node is node:
            target = symbol.scope.path
            members = sorted(n for n, s in symbol.scope.symbols.items() if not isinstance(s, ModuleSymbol))
            if members:
                doc = "Defines " + ", ".join(f"`{n}`" for n in members) + "."
        elif isinstance(symbol, ComponentSymbol) and symbol.span is node.alias.span:
            target = symbol.spec.source
            detail = component_signature(symbol.spec)
            doc = symbol.spec.description
        kind = DefinitionKind.COMPONENT if isinstance(symbol, ComponentSymbol) else DefinitionKind.MODULE
        definition = self._define(kind, node.alias.name, node.alias.span, detail, doc)
        definition.target = target
        self._module_definitions.setdefault(node.alias.name, definition)
        self.index.imports.append(ImportLink(node.path_span, target))

    # -- components
    def _component_body(self, component: tree.ComponentDef) -> None:
        name = component.name.name
        self.index.component_spans[name] = component.span
        names = {}
        for param in component.params:
            names[param.name.name] = self._define(
                DefinitionKind.INPUT,
                param.name.name,
                param.name.span,
                f"{param.name.name}: {type_text(param.type)}",
                param.doc,
                name,
            )
        for output in component.outputs:
            names[output.name.name] = self._define(
                DefinitionKind.OUTPUT,
                output.name.name,
                output.name.span,
                f"{output.name.name}: {type_text(output.type)}",
                output.doc,
                name,
            )
        self.index.component_names[name] = names
        for prop in component.properties:
            for expr in tree.walk_expr(prop.value):
                if isinstance(expr, tree.Name) and expr.id in names:
                    self._use(expr.span, names[expr.id])

    # -- pipelines
    def _pipeline(self, pipeline: tree.PipelineDef) -> None:
        name = pipeline.name.name
        self.index.pipeline_spans[name] = pipeline.span
        names: dict[str, Definition] = {}
        for param in pipeline.params:
            names.setdefault(
                param.name.name,
                self._define(
                    DefinitionKind.PARAMETER,
                    param.name.name,
                    param.name.span,
                    f"{param.name.name}: {type_text(param.type)}",
                    param.doc,
                    name,
                ),
            )
        steps: dict[str, tuple[Definition, dag.ComponentSpec | None]] = {}
        graph = self.scope.graphs.get(name)
        for statement in tree.walk_statements(pipeline.body):
            if isinstance(statement, tree.Step) and statement.name is not None and not statement.name.missing:
                spec = self._callee_spec(statement.call.func)
                callee = callee_text(statement.call.func)
                detail = f"{statement.name.name} = {callee}(...)"
                if spec is not None and spec.outputs:
                    detail += self._outputs_text(spec)
                doc = spec.description if spec is not None else None
                definition = self._define(
                    DefinitionKind.STEP, statement.name.name, statement.name.span, detail, doc, name
                )
                steps.setdefault(statement.name.name, (definition, spec))
                names.setdefault(statement.name.name, definition)
        self.index.pipeline_names[name] = names
        self._loop_types = _loop_item_types(graph)
        self._statements(pipeline.body, names, steps, {}, graph, name)

    def _outputs_text(self, spec: dag.ComponentSpec) -> str:
        text = self._outputs.get(id(spec))
        if text is None:
            text = self._outputs[id(spec)] = " -> (" + ", ".join(_port(p) for p in spec.outputs) + ")"
        return text

    def _statements(self, statements, names, steps, loops, graph, pipeline) -> None:
        for statement in statements:
            if isinstance(statement, tree.Step):
                self._callee_use(statement.call.func)
                spec = self._callee_spec(statement.call.func)
                for argument in statement.call.args:
                    if argument.name is not None and spec is not None:
                        port = spec.input(argument.name.name)
                        if port is not None:
                            self.index.occurrences.append(
                                Occurrence(argument.name.span, _port_definition(DefinitionKind.INPUT, port, spec.name))
                            )
                    self._expression(argument.value, names, steps, loops)
                if statement.options is not None:
                    for entry in statement.options.entries:
                        if entry.key.name == "after":
                            items = entry.value.items if isinstance(entry.value, tree.ListExpr) else [entry.value]
                            for item in items:
                                if isinstance(item, tree.Name) and item.id in steps:
                                    self._use(item.span, steps[item.id][0])
                        else:
                            self._expression(entry.value, names, steps, loops)
            elif isinstance(statement, tree.For):
                self._expression(statement.iterable, names, steps, loops)
                inner = dict(loops)
                item_type = self._loop_types.get(statement.span)
                detail = (
                    f"{statement.var.name}: {item_type}"
                    if item_type is not None
                    else f"for {statement.var.name} in ..."
                )
                definition = self._define(
                    DefinitionKind.LOOP, statement.var.name, statement.var.span, detail, None, pipeline
                )
                inner[statement.var.name] = definition
                self.index.loops.append(LoopScope(definition, statement.body.span, pipeline))
                self._statements(statement.body.body, names, steps, inner, graph, pipeline)
            elif isinstance(statement, tree.If):
                for branch in statement.branches:
                    if branch.condition is not None:
                        self._expression(branch.condition, names, steps, loops)
                    self._statements(branch.body.body, names, steps, loops, graph, pipeline)
            elif isinstance(statement, tree.Finally):
                self._statements(statement.body.body, names, steps, loops, graph, pipeline)
            elif isinstance(statement, tree.Try):
                self._statements(statement.body.body, names, steps, loops, graph, pipeline)
                self._statements(statement.final.body.body, names, steps, loops, graph, pipeline)
            elif isinstance(statement, tree.Return):
                for argument in statement.args:
                    self._expression(argument.value, names, steps, loops)

    def _expression(self, expr, names, steps, loops) -> None:
        for node in tree.walk_expr(expr):
            if isinstance(node, tree.Name):
                if node.id in loops:
                    self._use(node.span, loops[node.id])
                elif node.id in names:
                    self._use(node.span, names[node.id])
            elif (
                isinstance(node, tree.Member)
                and isinstance(node.obj, tree.Name)
                and node.obj.id in steps
                and node.obj.id not in loops
            ):
                definition, spec = steps[node.obj.id]
                port = spec.output(node.attr.name) if spec is not None else None
                if port is not None:
                    output_definition = _port_definition(DefinitionKind.OUTPUT, port, spec.name)
                    self.index.occurrences.append(Occurrence(node.attr.span, output_definition))

    # -- callees
    def _callee_spec(self, func) -> dag.ComponentSpec | None:
        return spec_of(self._callee_symbol(func))

    def _callee_symbol(self, func):
        if isinstance(func, tree.Name):
            return self.scope.symbols.get(func.id)
        if isinstance(func, tree.Member) and isinstance(func.obj, tree.Name):
            module = self.scope.symbols.get(func.obj.id)
            if isinstance(module, ModuleSymbol):
                return module.scope.symbols.get(func.attr.name)
        return None

    def _callee_use(self, func) -> None:
        if isinstance(func, tree.Name) and func.id in self._module_definitions:
            self._use(func.span, self._module_definitions[func.id])
        elif isinstance(func, tree.Member) and isinstance(func.obj, tree.Name):
            if func.obj.id in self._module_definitions:
                self._use(func.obj.span, self._module_definitions[func.obj.id])
            symbol = self._callee_symbol(func)
            if symbol is not None and not isinstance(symbol, ModuleSymbol):
                location = self._locations.get(id(symbol))
                if location is None:
                    location = self._locations[id(symbol)] = _symbol_location(symbol)
                span, doc, detail = location
                kind = DefinitionKind.PIPELINE if isinstance(symbol, PipelineSymbol) else DefinitionKind.COMPONENT
                self.index.occurrences.append(
                    Occurrence(func.attr.span, Definition(kind, func.attr.name, span, detail, doc))
                )


def _port_definition(kind: DefinitionKind, port: dag.Port, owner: str) -> Definition:
    """A component's input or output as a definition, pointing at its name where it was declared."""
    return Definition(kind, port.name, _name_span(port.span, port.name), f"{port.name}: {port.type}", port.doc, owner)


def spec_of(symbol) -> dag.ComponentSpec | None:
    if isinstance(symbol, ComponentSymbol):
        return symbol.spec
    if isinstance(symbol, PipelineSymbol):
        graph = symbol.scope.graphs.get(symbol.definition.name.name)
        return _pipeline_spec(symbol.definition.name.name, graph) if graph else None
    return None


def _symbol_location(symbol) -> tuple[Span | None, str | None, str]:
    if isinstance(symbol, ComponentSymbol):
        return symbol.span, symbol.spec.description, component_signature(symbol.spec)
    if isinstance(symbol, PipelineSymbol):
        graph = symbol.scope.graphs.get(symbol.definition.name.name)
        detail = component_signature(_pipeline_spec(symbol.definition.name.name, graph)) if graph else ""
        return symbol.definition.name.span, symbol.definition.doc, detail
    return None, None, ""


def _pipeline_spec(name: str, graph: dag.PipelineGraph | None) -> dag.ComponentSpec:
    return dag.ComponentSpec(
        name=name,
        kind=dag.ComponentKind.PIPELINE,
        inputs=graph.inputs if graph else [],
        outputs=graph.outputs if graph else [],
        pipeline=graph,
        description=graph.description if graph else None,
    )


def callee_text(func) -> str:
    if isinstance(func, tree.Name):
        return func.id
    if isinstance(func, tree.Member):
        return f"{callee_text(func.obj)}.{func.attr.name}"
    return "..."


def _loop_item_types(graph: dag.PipelineGraph | None) -> dict:
    """The item type of each loop the checker worked one out for, by the loop's span."""
    if graph is None:
        return {}
    return {
        group.span: group.item_type
        for group in graph.root.groups()
        if isinstance(group, dag.LoopGroup) and group.item_type is not None
    }


def type_text(ref: tree.TypeRef) -> str:
    text = ref.name.name
    if ref.args:
        text += "[" + ", ".join(type_text(a) for a in ref.args) + "]"
    if ref.schema_title is not None:
        text += f'<"{ref.schema_title}">'
    return text + ("?" if ref.optional else "")


def build_index(scope: ModuleScope, modules: dict[str, ModuleScope] | None = None) -> FileIndex:
    """The index of one checked file (`modules` is accepted for compatibility; imports come from `scope`)."""
    return IndexBuilder(scope).build()


def imported_scopes(scope: ModuleScope) -> list[ModuleScope]:
    """Every module `scope` imports, directly or not, each once (standard library included)."""
    seen: dict[str, ModuleScope] = {}
    pending = [scope]
    while pending:
        current = pending.pop()
        for symbol in current.symbols.values():
            if isinstance(symbol, ModuleSymbol):
                key = os.path.normpath(symbol.scope.path)
                if key not in seen and symbol.scope is not scope:
                    seen[key] = symbol.scope
                    pending.append(symbol.scope)
    return list(seen.values())
