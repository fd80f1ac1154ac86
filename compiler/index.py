"""Where every name in a file is defined and used: the index editors need.

Built from the syntax trees and the checker's scopes after a check, it answers
"what is at line L, column C", "where is it defined", "where is it used" and
"what could be written here" — the questions behind hover, go to definition,
find references, rename and completion.  Nothing here re-parses or re-checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ptflow.compiler import graph as g
from ptflow.compiler import tree as t
from ptflow.compiler.checker import ComponentSymbol, ModuleScope, ModuleSymbol, PipelineSymbol
from ptflow.compiler.declarations import COMPONENT_PROPERTIES, RUNTIME_PLACEHOLDERS
from ptflow.compiler.options import STEP_OPTIONS
from ptflow.compiler.pipelines import PIPELINE_PROPERTIES, PIPELINE_VALUES
from ptflow.compiler.source import Span

KEYWORDS = ("import", "as", "component", "pipeline", "for", "in", "parallel", "if", "elif", "else", "finally",
            "with", "return", "and", "or", "not", "true", "false", "null")


@dataclass(eq=False)
class Definition:
    """Something a name can mean.

    kind: component, pipeline, module, parameter, step, loop, input, output.
    `span` is the name at its definition (None for things without a source,
    such as inputs of a compiled YAML component).
    """

    kind: str
    name: str
    span: Span | None
    detail: str = ""  # a signature or type, for hover and completion
    doc: str | None = None
    owner: str | None = None  # the pipeline or component it belongs to
    references: list[Span] = field(default_factory=list)


@dataclass
class Occurrence:
    span: Span
    definition: Definition
    is_definition: bool = False


class FileIndex:
    """Definitions and occurrences in one file."""

    def __init__(self, path: str):
        self.path = path
        self.occurrences: list[Occurrence] = []
        self.definitions: list[Definition] = []
        # Per pipeline: the names visible in its body.
        self.pipeline_names: dict[str, dict[str, Definition]] = {}
        self.pipeline_spans: dict[str, Span] = {}

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence under a 1-based position (the cursor may sit right after the name)."""
        best = None
        for occurrence in self.occurrences:
            span = occurrence.span
            if span.line == line == span.end_line and span.column <= column <= span.end_column:
                if best is None or span.column > best.span.column:
                    best = occurrence
        return best

    def pipeline_at(self, line: int) -> str | None:
        for name, span in self.pipeline_spans.items():
            if span.line <= line <= span.end_line:
                return name
        return None


# ------------------------------------------------------------------ signatures


def component_signature(spec: g.ComponentSpec) -> str:
    inputs = ", ".join(_port(p, with_default=True) for p in spec.inputs)
    outputs = ", ".join(_port(p) for p in spec.outputs)
    keyword = "pipeline" if spec.kind in ("pipeline", "ir-graph") else "component"
    return f"{keyword} {spec.name}({inputs})" + (f" -> ({outputs})" if outputs else "")


def _port(port: g.Port, with_default: bool = False) -> str:
    text = f"{port.name}: {port.type}"
    if with_default and port.has_default:
        import json

        text += " = " + ("null" if port.default is None else json.dumps(port.default))
    return text


# ------------------------------------------------------------------ building


class IndexBuilder:
    """Walks a checked module's tree and records every definition and use."""

    def __init__(self, scope: ModuleScope, modules: dict[str, ModuleScope]):
        self.scope = scope
        self.modules = modules
        self.index = FileIndex(scope.path)
        self._module_definitions: dict[str, Definition] = {}

    def build(self) -> FileIndex:
        tree = self.scope.tree
        if tree is None:
            return self.index
        for node in tree.imports:
            symbol = self.scope.symbols.get(node.alias.name)
            detail = f'import "{node.path}"' if node.kind == "file" else f"import {node.path}"
            if isinstance(symbol, ComponentSymbol):
                detail = component_signature(symbol.spec)
            definition = self._define("module" if isinstance(symbol, ModuleSymbol) else "component",
                                      node.alias.name, node.alias.span, detail,
                                      symbol.spec.description if isinstance(symbol, ComponentSymbol) else None)
            self._module_definitions[node.alias.name] = definition
        for component in tree.components:
            symbol = self.scope.symbols.get(component.name.name)
            detail = component_signature(symbol.spec) if isinstance(symbol, ComponentSymbol) else ""
            definition = self._define("component", component.name.name, component.name.span, detail, component.doc)
            self._module_definitions[component.name.name] = definition
            self._component_body(component)
        for pipeline in tree.pipelines:
            graph = self.scope.graphs.get(pipeline.name.name)
            detail = component_signature(_pipeline_spec(pipeline.name.name, graph)) if graph else \
                f"pipeline {pipeline.name.name}"
            definition = self._define("pipeline", pipeline.name.name, pipeline.name.span, detail, pipeline.doc)
            self._module_definitions[pipeline.name.name] = definition
        for pipeline in tree.pipelines:
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

    # -- components
    def _component_body(self, component: t.ComponentDef) -> None:
        names = {}
        for param in component.params:
            names[param.name.name] = self._define("input", param.name.name, param.name.span,
                                                  f"{param.name.name}: {_type_text(param.type)}", param.doc,
                                                  component.name.name)
        for output in component.outputs:
            names[output.name.name] = self._define("output", output.name.name, output.name.span,
                                                   f"{output.name.name}: {_type_text(output.type)}", output.doc,
                                                   component.name.name)
        for prop in component.properties:
            for expr in t.walk_expr(prop.value):
                if isinstance(expr, t.Name) and expr.id in names:
                    self._use(expr.span, names[expr.id])

    # -- pipelines
    def _pipeline(self, pipeline: t.PipelineDef) -> None:
        name = pipeline.name.name
        self.index.pipeline_spans[name] = pipeline.span
        names: dict[str, Definition] = {}
        for param in pipeline.params:
            names[param.name.name] = self._define("parameter", param.name.name, param.name.span,
                                                  f"{param.name.name}: {_type_text(param.type)}", param.doc, name)
        steps: dict[str, tuple[Definition, g.ComponentSpec | None]] = {}
        graph = self.scope.graphs.get(name)
        for statement in t.walk_statements(pipeline.body):
            if isinstance(statement, t.Step) and statement.name is not None and not statement.name.missing:
                spec = self._callee_spec(statement.call.func)
                detail = f"{statement.name.name} = {spec.name}(...)" if spec else statement.name.name
                if spec is not None and spec.outputs:
                    detail += " -> (" + ", ".join(_port(p) for p in spec.outputs) + ")"
                definition = self._define("step", statement.name.name, statement.name.span, detail, None, name)
                steps[statement.name.name] = (definition, spec)
                names[statement.name.name] = definition
        self.index.pipeline_names[name] = names
        self._statements(pipeline.body, names, steps, {}, graph)

    def _statements(self, statements, names, steps, loops, graph) -> None:
        for statement in statements:
            if isinstance(statement, t.Step):
                self._callee_use(statement.call.func)
                spec = self._callee_spec(statement.call.func)
                for argument in statement.call.args:
                    if argument.name is not None and spec is not None:
                        port = spec.input(argument.name.name)
                        if port is not None:
                            self.index.occurrences.append(Occurrence(
                                argument.name.span, Definition("input", port.name, port.span,
                                                               f"{port.name}: {port.type}", port.doc, spec.name)))
                    self._expression(argument.value, names, steps, loops)
                if statement.options is not None:
                    for entry in statement.options.entries:
                        if entry.key.name == "after":
                            for item in (entry.value.items if isinstance(entry.value, t.ListExpr) else [entry.value]):
                                if isinstance(item, t.Name) and item.id in steps:
                                    self._use(item.span, steps[item.id][0])
                        else:
                            self._expression(entry.value, names, steps, loops)
            elif isinstance(statement, t.For):
                self._expression(statement.iterable, names, steps, loops)
                inner = dict(loops)
                inner[statement.var.name] = self._define("loop", statement.var.name, statement.var.span,
                                                         f"for {statement.var.name} in ...")
                self._statements(statement.body.body, names, steps, inner, graph)
            elif isinstance(statement, t.If):
                for branch in statement.branches:
                    if branch.condition is not None:
                        self._expression(branch.condition, names, steps, loops)
                    self._statements(branch.body.body, names, steps, loops, graph)
            elif isinstance(statement, t.Finally):
                self._statements(statement.body.body, names, steps, loops, graph)
            elif isinstance(statement, t.Return):
                for argument in statement.args:
                    self._expression(argument.value, names, steps, loops)

    def _expression(self, expr, names, steps, loops) -> None:
        for node in t.walk_expr(expr):
            if isinstance(node, t.Name):
                if node.id in loops:
                    self._use(node.span, loops[node.id])
                elif node.id in names:
                    self._use(node.span, names[node.id])
            elif isinstance(node, t.Member) and isinstance(node.obj, t.Name) and node.obj.id in steps:
                definition, spec = steps[node.obj.id]
                port = spec.output(node.attr.name) if spec is not None else None
                if port is not None:
                    self.index.occurrences.append(Occurrence(
                        node.attr.span, Definition("output", port.name, port.span, f"{port.name}: {port.type}",
                                                   port.doc, spec.name)))

    # -- callees
    def _callee_spec(self, func) -> g.ComponentSpec | None:
        symbol = self._callee_symbol(func)
        if isinstance(symbol, ComponentSymbol):
            return symbol.spec
        if isinstance(symbol, PipelineSymbol):
            graph = symbol.scope.graphs.get(symbol.definition.name.name)
            return _pipeline_spec(symbol.definition.name.name, graph) if graph else None
        return None

    def _callee_symbol(self, func):
        if isinstance(func, t.Name):
            return self.scope.symbols.get(func.id)
        if isinstance(func, t.Member) and isinstance(func.obj, t.Name):
            module = self.scope.symbols.get(func.obj.id)
            if isinstance(module, ModuleSymbol):
                return module.scope.symbols.get(func.attr.name)
        return None

    def _callee_use(self, func) -> None:
        if isinstance(func, t.Name) and func.id in self._module_definitions:
            self._use(func.span, self._module_definitions[func.id])
        elif isinstance(func, t.Member) and isinstance(func.obj, t.Name):
            if func.obj.id in self._module_definitions:
                self._use(func.obj.span, self._module_definitions[func.obj.id])
            symbol = self._callee_symbol(func)
            if symbol is not None:
                span, doc, detail = _symbol_location(symbol)
                self.index.occurrences.append(Occurrence(
                    func.attr.span, Definition("component", func.attr.name, span, detail, doc)))


def _symbol_location(symbol) -> tuple[Span | None, str | None, str]:
    if isinstance(symbol, ComponentSymbol):
        return symbol.span, symbol.spec.description, component_signature(symbol.spec)
    if isinstance(symbol, PipelineSymbol):
        graph = symbol.scope.graphs.get(symbol.definition.name.name)
        detail = component_signature(_pipeline_spec(symbol.definition.name.name, graph)) if graph else ""
        return symbol.definition.name.span, symbol.definition.doc, detail
    return None, None, ""


def _pipeline_spec(name: str, graph: g.PipelineGraph | None) -> g.ComponentSpec:
    return g.ComponentSpec(name=name, kind="pipeline", inputs=graph.inputs if graph else [],
                           outputs=graph.outputs if graph else [], pipeline=graph)


def _type_text(ref: t.TypeRef) -> str:
    text = ref.name.name
    if ref.args:
        text += "[" + ", ".join(_type_text(a) for a in ref.args) + "]"
    if ref.schema_title is not None:
        text += f'<"{ref.schema_title}">'
    return text + ("?" if ref.optional else "")


def build_index(scope: ModuleScope, modules: dict[str, ModuleScope]) -> FileIndex:
    return IndexBuilder(scope, modules).build()


# ------------------------------------------------------------------ completion


@dataclass
class Completion:
    label: str
    kind: str  # keyword, component, module, parameter, step, input, output, option, property, field, value
    detail: str = ""
    doc: str | None = None
    insert: str | None = None


def complete(scope: ModuleScope, index: FileIndex, text: str, line: int, column: int) -> list[Completion]:
    """What may be written at a 1-based position, judged from the text before it."""
    lines = text.split("\n")
    before = lines[line - 1][:column - 1] if 0 < line <= len(lines) else ""
    offset = sum(len(x) + 1 for x in lines[:line - 1]) + column - 1
    prefix_text = text[:offset]
    dotted = _dotted_prefix(before)
    if dotted is not None:
        return _member_completions(scope, index, dotted, line)
    context = _enclosing(prefix_text)
    if context and context[0] == "with":
        return [Completion(key, "option", "execution option") for key in STEP_OPTIONS]
    if context and context[0] == "call" and _at_argument_name(prefix_text):
        spec = _callee_from_text(scope, context[1])
        if spec is not None:
            given = set(context[2])
            return [Completion(p.name, "input", str(p.type) + ("" if p.required else " (optional)"), p.doc,
                               insert=f"{p.name}: ")
                    for p in spec.inputs if p.name not in given]
    items = [Completion(k, "keyword") for k in KEYWORDS]
    for name, symbol in scope.symbols.items():
        if isinstance(symbol, ModuleSymbol):
            items.append(Completion(name, "module", f"module {symbol.node.path}"))
        elif isinstance(symbol, ComponentSymbol):
            items.append(Completion(name, "component", component_signature(symbol.spec), symbol.spec.description))
        else:
            items.append(Completion(name, "pipeline", f"pipeline {name}", symbol.definition.doc))
    pipeline = index.pipeline_at(line)
    if pipeline is not None:
        for name, definition in index.pipeline_names.get(pipeline, {}).items():
            items.append(Completion(name, definition.kind, definition.detail, definition.doc))
        items.append(Completion("importer", "component", "importer(uri: str, type: ArtifactType, metadata: dict)"))
        items.extend(Completion(p, "property", "pipeline property") for p in PIPELINE_PROPERTIES)
    elif _inside_component(prefix_text):
        items.extend(Completion(p, "property", "component property") for p in COMPONENT_PROPERTIES)
    return items


def _dotted_prefix(before: str) -> str | None:
    import re

    match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z0-9_]*$", before)
    return match.group(1) if match else None


def _member_completions(scope: ModuleScope, index: FileIndex, owner: str, line: int) -> list[Completion]:
    symbol = scope.symbols.get(owner)
    if isinstance(symbol, ModuleSymbol):
        result = []
        for name, member in symbol.scope.symbols.items():
            if isinstance(member, ComponentSymbol):
                result.append(Completion(name, "component", component_signature(member.spec), member.spec.description))
            elif isinstance(member, PipelineSymbol):
                result.append(Completion(name, "pipeline", f"pipeline {name}", member.definition.doc))
        return result
    if owner in RUNTIME_PLACEHOLDERS and owner not in (index.pipeline_names.get(index.pipeline_at(line) or "", {})):
        values = PIPELINE_VALUES if owner == "pipeline" and index.pipeline_at(line) else RUNTIME_PLACEHOLDERS[owner]
        return [Completion(name, "value", f"{owner}.{name}") for name in values]
    pipeline = index.pipeline_at(line)
    definition = index.pipeline_names.get(pipeline or "", {}).get(owner)
    if definition is not None and definition.kind == "step":
        graph = scope.graphs.get(pipeline)
        task = None
        if graph is not None:
            from ptflow.compiler.names import k8s_name

            task = graph.tasks.get(k8s_name(owner))
        if task is not None:
            return [Completion(p.name, "output", str(p.type), p.doc) for p in task.component.outputs]
    return []


def _enclosing(prefix: str):
    """The innermost open call or `with {` before the cursor: ("call", callee, given) or ("with",)."""
    depth = 0
    i = len(prefix) - 1
    while i >= 0:
        char = prefix[i]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                head = prefix[:i].rstrip()
                if char == "{" and head.endswith("with"):
                    return ("with",)
                if char == "(":
                    import re

                    match = re.search(r"([A-Za-z_][A-Za-z0-9_.]*)\s*$", head)
                    if match:
                        inside = prefix[i + 1:]
                        given = re.findall(r"(?:^|[,(\s])([A-Za-z_][A-Za-z0-9_]*)\s*:", inside)
                        return ("call", match.group(1), given)
                return None
            depth -= 1
        i -= 1
    return None


def _at_argument_name(prefix: str) -> bool:
    import re

    return bool(re.search(r"[(,]\s*[A-Za-z_0-9]*$", prefix))


def _callee_from_text(scope: ModuleScope, dotted: str) -> g.ComponentSpec | None:
    parts = dotted.split(".")
    symbol = scope.symbols.get(parts[0])
    if len(parts) == 2 and isinstance(symbol, ModuleSymbol):
        symbol = symbol.scope.symbols.get(parts[1])
    if isinstance(symbol, ComponentSymbol):
        return symbol.spec
    if isinstance(symbol, PipelineSymbol):
        graph = symbol.scope.graphs.get(symbol.definition.name.name)
        return _pipeline_spec(symbol.definition.name.name, graph) if graph else None
    return None


def _inside_component(prefix: str) -> bool:
    import re

    last_component = prefix.rfind("component ")
    last_pipeline = prefix.rfind("pipeline ")
    return last_component > last_pipeline and prefix.count("{", last_component) > prefix.count("}", last_component)
