"""Where every name in a file is defined and used: the index editors need.

Built from the syntax trees and the checker's scopes after a check, it answers
"what is at line L, column C", "where is it defined", "where is it used" and
"what could be written here" — the questions behind hover, go to definition,
find references, rename and completion.  Nothing here re-parses or re-checks,
and nothing here knows about the Language Server Protocol: positions are the
compiler's (1-based lines and columns, in characters).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from ptflow.compiler import dag
from ptflow.compiler import tree
from ptflow.compiler.checker import ComponentSymbol, ModuleScope, ModuleSymbol, PipelineSymbol
from ptflow.compiler.components import COMPONENT_PROPERTIES, RUNTIME_PLACEHOLDERS
from ptflow.compiler.options import STEP_OPTIONS
from ptflow.compiler.pipeline_checker import BUILTINS, PIPELINE_PROPERTIES, PIPELINE_VALUES
from ptflow.compiler.source import Span

KEYWORDS = ("import", "as", "component", "pipeline", "for", "in", "parallel", "if", "elif", "else", "finally",
            "with", "return", "and", "or", "not", "true", "false", "null")
VALUE_KEYWORDS = ("true", "false", "null")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What an artifact input or output offers after a `.` inside a component's command.
ARTIFACT_MEMBERS = {"path": "the local path of the file", "uri": "the artifact's URI",
                    "metadata": "the artifact's metadata (a dict)"}
OUTPUT_PARAMETER_MEMBERS = {"path": "the file the component writes this output to"}


@dataclass(eq=False)
class Definition:
    """Something a name can mean.

    kind: component, pipeline, module, parameter, step, loop, input, output.
    `span` is the name at its definition (None for things without a source,
    such as inputs of a compiled YAML component).  For a module, `target` is
    the file it imports.
    """

    kind: str
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


@dataclass
class Occurrence:
    span: Span
    definition: Definition
    is_definition: bool = False


@dataclass
class LoopScope:
    """A loop variable and the block it is visible in."""

    definition: Definition
    body: Span
    pipeline: str


@dataclass
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
    keyword = "pipeline" if spec.kind in ("pipeline", "ir-graph") else "component"
    return f"{keyword} {spec.name}({inputs})" + (f" -> ({outputs})" if outputs else "")


def _port(port: dag.Port, with_default: bool = False) -> str:
    text = f"{port.name}: {port.type}"
    if with_default and port.has_default:
        text += " = " + _default_text(port.default)
    return text


def _default_text(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _name_span(span: Span | None, name: str) -> Span | None:
    """The span of `name` at the start of `span` (a parameter's span starts with its name)."""
    if span is None:
        return None
    return Span(span.file, span.line, span.column, span.line, span.column + len(name), span.start,
                span.start + len(name))


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
        module_tree = self.scope.tree
        if module_tree is None:
            return self.index
        for node in module_tree.imports:
            self._import(node)
        for component in module_tree.components:
            symbol = self.scope.symbols.get(component.name.name)
            detail = component_signature(symbol.spec) if isinstance(symbol, ComponentSymbol) else ""
            definition = self._define("component", component.name.name, component.name.span, detail, component.doc)
            self._module_definitions.setdefault(component.name.name, definition)
            self._component_body(component)
        for pipeline in module_tree.pipelines:
            graph = self.scope.graphs.get(pipeline.name.name)
            detail = component_signature(_pipeline_spec(pipeline.name.name, graph)) if graph else \
                f"pipeline {pipeline.name.name}"
            definition = self._define("pipeline", pipeline.name.name, pipeline.name.span, detail, pipeline.doc)
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
        detail = f'import "{node.path}"' if node.kind == "file" else f"import {node.path}"
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
        kind = "component" if isinstance(symbol, ComponentSymbol) else "module"
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
            names[param.name.name] = self._define("input", param.name.name, param.name.span,
                                                  f"{param.name.name}: {type_text(param.type)}", param.doc, name)
        for output in component.outputs:
            names[output.name.name] = self._define("output", output.name.name, output.name.span,
                                                   f"{output.name.name}: {type_text(output.type)}", output.doc,
                                                   name)
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
            names.setdefault(param.name.name, self._define(
                "parameter", param.name.name, param.name.span, f"{param.name.name}: {type_text(param.type)}",
                param.doc, name))
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
                definition = self._define("step", statement.name.name, statement.name.span, detail, doc, name)
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
                            self.index.occurrences.append(Occurrence(argument.name.span, _port_definition(
                                "input", port, spec.name)))
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
                detail = f"{statement.var.name}: {item_type}" if item_type is not None else \
                    f"for {statement.var.name} in ..."
                definition = self._define("loop", statement.var.name, statement.var.span, detail, None, pipeline)
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
            elif isinstance(node, tree.Member) and isinstance(node.obj, tree.Name) and node.obj.id in steps \
                    and node.obj.id not in loops:
                definition, spec = steps[node.obj.id]
                port = spec.output(node.attr.name) if spec is not None else None
                if port is not None:
                    self.index.occurrences.append(Occurrence(node.attr.span, _port_definition("output", port,
                                                                                               spec.name)))

    # -- callees
    def _callee_spec(self, func) -> dag.ComponentSpec | None:
        return _spec_of(self._callee_symbol(func))

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
                kind = "pipeline" if isinstance(symbol, PipelineSymbol) else "component"
                self.index.occurrences.append(Occurrence(func.attr.span, Definition(kind, func.attr.name, span,
                                                                                    detail, doc)))


def _port_definition(kind: str, port: dag.Port, owner: str) -> Definition:
    """A component's input or output as a definition, pointing at its name where it was declared."""
    return Definition(kind, port.name, _name_span(port.span, port.name), f"{port.name}: {port.type}", port.doc, owner)


def _spec_of(symbol) -> dag.ComponentSpec | None:
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
    return dag.ComponentSpec(name=name, kind="pipeline", inputs=graph.inputs if graph else [],
                           outputs=graph.outputs if graph else [], pipeline=graph,
                           description=graph.description if graph else None)


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
    return {group.span: group.item_type for group in graph.root.groups()
            if isinstance(group, dag.LoopGroup) and group.item_type is not None}


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


# ------------------------------------------------------------------ completion


@dataclass
class Completion:
    label: str
    kind: str  # keyword, component, pipeline, module, parameter, step, loop, input, output, option, property, value,
    #            file
    detail: str = ""
    doc: str | None = None
    insert: str | None = None
    sort: str | None = None  # orders items that a client would otherwise sort by label


@dataclass
class CursorContext:
    """Where the cursor is, judged from the text before it.

    kind: "call_name" (where a call's argument name goes), "call_value", "with_key", "with_value", "after"
    (a step list of `after:`), or "body".
    """

    kind: str
    callee: str | None = None
    given: tuple[str, ...] = ()
    key: str | None = None


def complete(scope: ModuleScope, index: FileIndex, text: str, line: int, column: int) -> list[Completion]:
    """What may be written at a 1-based position, judged from the text before it.

    `scope` and `index` may be a little older than `text` (an editor asks while
    the user types); everything positional is read from `text`.
    """
    offset = offset_of(text, line, column)
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    import_match = re.match(r"\s*import\s+(\"[^\"]*|'[^']*|[A-Za-z0-9_.]*)$", before)
    if import_match:
        return _import_completions(scope.path, import_match.group(1))
    context = cursor_context(text, offset)
    if context.kind == "string":
        return []
    dotted = _dotted_prefix(before)
    if dotted is not None:
        return _member_completions(scope, index, dotted, line)
    if context.kind == "with_key":
        return [Completion(key, "option", "execution option", insert=f"{key}: ") for key in STEP_OPTIONS
                if key not in context.given]
    if context.kind == "after":
        names = index.pipeline_names.get(index.pipeline_at(line) or "", {})
        return [Completion(n, "step", d.detail, d.doc) for n, d in names.items() if d.kind == "step"]
    if context.kind == "call_name":
        spec = _callee_from_text(scope, context.callee or "")
        if spec is not None:
            return _input_completions(spec, set(context.given))
    return _name_completions(scope, index, line, column, context, text[:offset])


def _input_completions(spec: dag.ComponentSpec, given: set[str]) -> list[Completion]:
    """A call's remaining inputs, required ones first, each with its type and default."""
    items = []
    for position, port in enumerate(spec.inputs):
        if port.name in given:
            continue
        if port.has_default:
            detail = f"{port.type} = {_default_text(port.default)}"
        elif port.type.optional:
            detail = f"{port.type} (optional)"
        else:
            detail = f"{port.type} (required)"
        group = "0" if port.required else "1"
        items.append(Completion(port.name, "input", detail, port.doc, insert=f"{port.name}: ",
                                sort=f"{group}{position:04d}"))
    return items


def _name_completions(scope, index, line, column, context, prefix_text) -> list[Completion]:
    in_value = context.kind in ("call_value", "with_value")
    if in_value:  # an argument's or option's value: names of values and literals, no declarations
        items = [Completion(k, "keyword") for k in VALUE_KEYWORDS]
    else:
        items = [Completion(k, "keyword") for k in KEYWORDS]
    for name, symbol in scope.symbols.items():
        if in_value:
            break
        if isinstance(symbol, ModuleSymbol):
            items.append(Completion(name, "module", f"module {symbol.node.path}"))
        elif isinstance(symbol, ComponentSymbol):
            items.append(Completion(name, "component", component_signature(symbol.spec), symbol.spec.description))
        else:
            items.append(Completion(name, "pipeline", f"pipeline {name}", symbol.definition.doc))
    pipeline = index.pipeline_at(line)
    component = index.component_at(line) if pipeline is None else None
    if pipeline is not None:
        for name, definition in index.pipeline_names.get(pipeline, {}).items():
            items.append(Completion(name, definition.kind, definition.detail, definition.doc))
        for loop in index.loops_at(line, column):
            items.append(Completion(loop.definition.name, "loop", loop.definition.detail))
        items.append(Completion("pipeline", "value", "the running pipeline: pipeline.job_name, ..."))
        if context.kind == "body":
            items.append(Completion("importer", "component", "importer(uri: str, type: ArtifactType, metadata: dict)"))
            items.extend(Completion(p, "property", "pipeline property", insert=f"{p} = ") for p in PIPELINE_PROPERTIES)
    elif component is not None or _inside_component(prefix_text):
        for name, definition in index.component_names.get(component or "", {}).items():
            items.append(Completion(name, definition.kind, definition.detail, definition.doc))
        items.extend(Completion(p, "value", f"{p}.{', '.join(v)}") for p, v in RUNTIME_PLACEHOLDERS.items())
        if context.kind == "body":
            items.extend(Completion(p, "property", "component property", insert=f"{p} = ")
                         for p in COMPONENT_PROPERTIES)
    return items


def _import_completions(importer: str, written: str) -> list[Completion]:
    """Module paths after `import `, files after `import "`."""
    from ptflow.compiler.modules import STDLIB_PREFIX, stdlib_directory

    if written[:1] in ("'", '"'):
        return _file_completions(importer, written[1:])
    parts = written.split(".")
    if parts[0] == STDLIB_PREFIX and len(parts) > 1:
        return _module_files(stdlib_directory().joinpath(*parts[1:-1]), "standard-library module")
    items = [Completion(STDLIB_PREFIX, "module", "the ptflow standard library")]
    if len(parts) == 1:
        items += _module_files(os.path.dirname(importer) or ".", "module next to this file")
    return items


def _sorted_entries(directory: str) -> list:
    """The folder's entries by name; none when it can't be read (a path still being typed)."""
    try:
        return sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []


def _module_files(directory, detail: str) -> list[Completion]:
    items = []
    for entry in _sorted_entries(directory):
        stem, suffix = os.path.splitext(entry.name)
        if entry.is_file() and suffix == ".ptflow" and NAME.fullmatch(stem):
            items.append(Completion(stem, "module", detail))
        elif entry.is_dir() and NAME.fullmatch(entry.name) and not entry.name.startswith("_") and \
                any(name.endswith(".ptflow") for name in os.listdir(entry.path)):
            items.append(Completion(entry.name, "module", "folder of modules"))
    return items


def _file_completions(importer: str, written: str) -> list[Completion]:
    folder = os.path.dirname(written)
    directory = os.path.join(os.path.dirname(importer) or ".", folder)
    items = []
    for entry in _sorted_entries(directory):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            items.append(Completion(entry.name + "/", "file", "folder"))
        elif os.path.splitext(entry.name)[1] in (".ptflow", ".yaml", ".yml", ".json") and \
                os.path.normpath(entry.path) != os.path.normpath(importer):
            items.append(Completion(entry.name, "file", "ptflow module" if entry.name.endswith(".ptflow")
                                    else "KFP component"))
    return items


def _dotted_prefix(before: str) -> str | None:
    match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z0-9_]*$", before)
    return match.group(1) if match else None


def _member_completions(scope: ModuleScope, index: FileIndex, owner: str, line: int) -> list[Completion]:
    symbol = scope.symbols.get(owner)
    if isinstance(symbol, ModuleSymbol):
        result = []
        for name, member in symbol.scope.symbols.items():
            if isinstance(member, ComponentSymbol):
                result.append(Completion(name, "component", component_signature(member.spec), member.spec.description))
            elif isinstance(member, PipelineSymbol):
                spec = _spec_of(member)
                result.append(Completion(name, "pipeline", component_signature(spec) if spec else f"pipeline {name}",
                                         member.definition.doc))
        return result
    pipeline = index.pipeline_at(line)
    local = index.pipeline_names.get(pipeline or "", {})
    if owner in RUNTIME_PLACEHOLDERS and owner not in local:
        values = PIPELINE_VALUES if owner == "pipeline" and pipeline else RUNTIME_PLACEHOLDERS[owner]
        return [Completion(name, "value", f"{owner}.{name}") for name in values]
    definition = local.get(owner)
    if definition is not None and definition.kind == "step":
        return _step_outputs(scope, pipeline, owner)
    component = index.component_at(line)
    symbol = scope.symbols.get(component or "")
    if pipeline is None and isinstance(symbol, ComponentSymbol):
        return [Completion(name, "value", doc) for name, doc in _port_members(symbol.spec, owner).items()]
    return []


def _port_members(spec: dag.ComponentSpec, name: str) -> dict[str, str]:
    """What may follow `name.` in a component's command: an artifact's path, URI and metadata, or the file
    an output parameter is written to."""
    port = spec.input(name)
    if port is not None:
        return ARTIFACT_MEMBERS if port.type.is_artifact else {}
    port = spec.output(name)
    if port is not None:
        return ARTIFACT_MEMBERS if port.type.is_artifact else OUTPUT_PARAMETER_MEMBERS
    return {}


def _step_outputs(scope: ModuleScope, pipeline: str | None, step: str) -> list[Completion]:
    graph = scope.graphs.get(pipeline or "")
    if graph is None:
        return []
    from ptflow.compiler.names import k8s_name

    task = graph.tasks.get(k8s_name(step))
    if task is None or task.step != step:
        task = next((candidate for candidate in graph.tasks.values() if candidate.step == step), None)
    if task is None:
        return []
    return [Completion(p.name, "output", str(p.type), p.doc) for p in task.component.outputs]


# Strings and comments (skipped), brackets and the separators inside them.
_CONTEXT_TOKENS = re.compile(r'[fF]?"""(?:[^\\]|\\.)*?(?:"""|$)|[fF]?\'\'\'(?:[^\\]|\\.)*?(?:\'\'\'|$)'
                             r'|[fF]?"(?:[^"\\\n]|\\.)*(?:"|$)|[fF]?\'(?:[^\'\\\n]|\\.)*(?:\'|$)'
                             r'|#[^\n]*|[()\[\]{},:]', re.S)
_TOP_LEVEL = re.compile(r"^(?:pipeline|component|import)\b", re.M)


@dataclass
class _Open:
    char: str
    position: int
    keys: list[str] = field(default_factory=list)
    segment_start: int = 0
    in_value: bool = False


def cursor_context(text: str, offset: int) -> CursorContext:
    """What encloses `offset`: a call's arguments, a `with { }`, an `after: [...]` list, or nothing.

    Scans forward from the start of the top-level definition holding the
    cursor, skipping strings and comments, so a bracket inside a string
    changes nothing.
    """
    start = 0
    for match in _TOP_LEVEL.finditer(text, 0, offset):
        start = match.start()
    stack: list[_Open] = []
    for match in _CONTEXT_TOKENS.finditer(text, start, offset):
        token = match.group()
        char = token[0]
        if match.end() == offset and _inside_string(token):
            return CursorContext("string")
        if char in "([{":
            stack.append(_Open(char, match.start(), segment_start=match.end()))
        elif char in ")]}":
            if stack:
                stack.pop()
        elif char == "," and stack:
            stack[-1].in_value = False
            stack[-1].segment_start = match.end()
        elif char == ":" and stack and not stack[-1].in_value:
            key = text[stack[-1].segment_start:match.start()].strip().strip("\"'")
            stack[-1].keys.append(key)
            stack[-1].in_value = True
    if not stack:
        return CursorContext("body")
    innermost = stack[-1]
    head = text[start:innermost.position].rstrip()
    if innermost.char == "[" and len(stack) >= 2 and stack[-2].char == "{" and stack[-2].keys and \
            stack[-2].keys[-1] == "after" and _is_with(text, start, stack[-2].position):
        return CursorContext("after")
    if innermost.char == "{" and _ends_with_word(head, "with"):
        if innermost.in_value:
            key = innermost.keys[-1] if innermost.keys else None
            return CursorContext("after" if key == "after" else "with_value", key=key)
        return CursorContext("with_key", given=tuple(innermost.keys))
    if innermost.char == "(":
        callee = re.search(r"([A-Za-z_][A-Za-z0-9_.]*)\s*$", head)
        if callee and callee.group(1) not in KEYWORDS:
            kind = "call_value" if innermost.in_value else "call_name"
            return CursorContext(kind, callee=callee.group(1), given=tuple(innermost.keys))
    return CursorContext("body")


def _is_with(text: str, start: int, position: int) -> bool:
    return _ends_with_word(text[start:position].rstrip(), "with")


def _ends_with_word(text: str, word: str) -> bool:
    return text.endswith(word) and (len(text) == len(word) or not (text[-len(word) - 1].isalnum()
                                                                   or text[-len(word) - 1] == "_"))


def _inside_string(token: str) -> bool:
    """True if a string token runs to the cursor unclosed (an f-string's open `{` counts as code)."""
    is_fstring = token[0] in "fF"
    body = token[1:] if is_fstring else token
    if body[:1] not in ("'", '"'):
        return False
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    inner = body[len(quote):len(body) - len(quote)]
    escaped = (len(inner) - len(inner.rstrip("\\"))) % 2 == 1  # an odd run of backslashes escapes the quote
    closed = len(body) >= 2 * len(quote) and body.endswith(quote) and not escaped
    if closed:
        return False
    if is_fstring and body.rfind("{") > body.rfind("}"):
        return False
    return True


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based position (clamped to the line's end and the text)."""
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline < 0:
            return len(text)
        offset = newline + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    return min(offset + column - 1, end)


def _callee_from_text(scope: ModuleScope, dotted: str) -> dag.ComponentSpec | None:
    parts = dotted.split(".")
    if parts == ["importer"] and "importer" not in scope.symbols:
        return dag.ComponentSpec(name="importer", kind="importer", inputs=[
            dag.Port("uri", _type("str"), doc="where the artifact is: gs://, s3://, minio://, https://, ..."),
            dag.Port("type", _type("str"), doc="the artifact type: Model, Dataset, Artifact, ..."),
            dag.Port("metadata", _type("dict"), default={}, doc="metadata of the imported artifact"),
            dag.Port("reimport", _type("bool"), default=False, doc="import again even when the URI is unchanged"),
        ])
    symbol = scope.symbols.get(parts[0])
    if len(parts) == 2 and isinstance(symbol, ModuleSymbol):
        symbol = symbol.scope.symbols.get(parts[1])
    elif len(parts) != 1:
        return None
    return _spec_of(symbol)


def _type(name: str):
    from ptflow.compiler.types import Type

    return Type("param", name)


def _inside_component(prefix: str) -> bool:
    last_component = prefix.rfind("component ")
    last_pipeline = prefix.rfind("pipeline ")
    return last_component > last_pipeline and prefix.count("{", last_component) > prefix.count("}", last_component)


# ------------------------------------------------------------------ renaming


def rename_problem(index: FileIndex, scope: ModuleScope, definition: Definition, new_name: str) -> str | None:
    """Why `definition` can't be renamed to `new_name` (None when it can)."""
    from ptflow.compiler.names import k8s_name

    if definition.kind not in ("step", "parameter", "loop"):
        return f"only steps, pipeline parameters and loop variables can be renamed, not a {definition.kind}"
    if not NAME.fullmatch(new_name):
        return f"`{new_name}` is not a valid name: use letters, digits and `_`, not starting with a digit"
    if new_name in KEYWORDS or new_name == "pipeline":
        return f"`{new_name}` is a keyword"
    if new_name == definition.name:
        return None
    if new_name in BUILTINS or new_name in scope.symbols:
        return f"`{new_name}` is already an import or a definition of this file"
    pipeline = definition.owner or ""
    names = index.pipeline_names.get(pipeline, {})
    if new_name in names:
        return f"`{new_name}` is already a {_kind_label(names[new_name].kind)} of pipeline `{pipeline}`"
    outputs = _pipeline_outputs(scope, pipeline)
    if new_name in outputs:
        return f"`{new_name}` is already an output of pipeline `{pipeline}`"
    for loop in index.loops:
        if loop.pipeline == pipeline and loop.definition.name == new_name and loop.definition is not definition:
            return f"`{new_name}` is already a loop variable of pipeline `{pipeline}`"
    if definition.kind == "step":
        for other in names.values():
            if other.kind == "step" and other is not definition and k8s_name(other.name) == k8s_name(new_name):
                return (f"`{new_name}` and step `{other.name}` would have the same task name "
                        f"`{k8s_name(new_name)}` in the compiled pipeline")
    return None


def _kind_label(kind: str) -> str:
    return {"parameter": "parameter", "step": "step", "loop": "loop variable"}.get(kind, kind)


def _pipeline_outputs(scope: ModuleScope, pipeline: str) -> set[str]:
    for definition in scope.pipelines():
        if definition.name.name == pipeline:
            return {o.name.name for o in definition.outputs}
    return set()
