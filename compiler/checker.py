"""The checker: resolves imports and names, and builds the checked DAGs.

One `Checker` checks one program: the entry file and everything it imports.
Every problem goes into one `Diagnostics` list; a mistake in one place never
stops the checks elsewhere.  Modules are checked once each; pipelines are
turned into graphs on first use, so a pipeline called by another is built
before its caller needs its outputs.
"""

from __future__ import annotations

import os
from dataclasses import field

from ptflow.compiler import dag, tree
from ptflow.compiler.component_yaml import ComponentFileError, load_component_text
from ptflow.compiler.components import ComponentBuilder
from ptflow.compiler.diagnostics import Diagnostics, Related, codes, did_you_mean
from ptflow.compiler.image import DEFAULT_RUNTIME_IMAGE
from ptflow.compiler.modules import FileKind, ModuleLoader, SourceFile
from ptflow.compiler.pipeline_checker import BUILTINS, PipelineBuilder
from ptflow.compiler.recheck import CheckReuse, ComponentCheck, PipelineCheck, same_callee
from ptflow.compiler.records import record
from ptflow.compiler.source import Span


def default_runtime_image() -> str:
    return DEFAULT_RUNTIME_IMAGE


# The built-in values written as calls (`oneof(...)`, `collect(...)`), called where a step is: what to say.
_BUILTIN_VALUES_CALLED_AS_STEPS = {
    "oneof": (
        "`oneof(...)` is a value, not a step: pass it to an input or return it",
        "write `show(text: oneof(a.out, b.out))` or `return (out: oneof(a.out, b.out))`",
    ),
    "collect": (
        "`collect(...)` is a value, not a step: return it from the pipeline",
        "write `return (out: collect(step.out))`",
    ),
}


# ---------------------------------------------------------------- symbols


@record
class ModuleSymbol:
    """A name bound by an import of a .ptflow module."""

    scope: ModuleScope
    node: tree.Import


@record
class ComponentSymbol:
    """A name bound to a component (declared, imported from YAML)."""

    spec: dag.ComponentSpec
    span: Span | None


@record
class PipelineSymbol:
    """A name bound to a pipeline declared in a module."""

    scope: ModuleScope
    definition: tree.PipelineDef


Symbol = ModuleSymbol | ComponentSymbol | PipelineSymbol


@record
class ModuleScope:
    """One checked .ptflow file: its names and what they stand for."""

    path: str
    source: SourceFile | None
    symbols: dict[str, Symbol] = field(default_factory=dict)
    graphs: dict[str, dag.PipelineGraph | None] = field(default_factory=dict)
    source_maps: dict[str, dict] = field(default_factory=dict)  # pipeline -> task -> span
    _names_key: frozenset[str] | None = field(default=None, repr=False)

    @property
    def syntax_tree(self) -> tree.Module | None:
        return self.source.tree if self.source else None

    def pipelines(self) -> list[tree.PipelineDef]:
        return self.syntax_tree.pipelines if self.syntax_tree else []

    def names_key(self) -> frozenset[str]:
        """The file's names as one value (the re-check reuses a pipeline only while they stay the same); made
        once per set of names, not once per pipeline."""
        if self._names_key is None or len(self._names_key) != len(self.symbols):
            self._names_key = frozenset(self.symbols)
        return self._names_key


class Checker:
    def __init__(
        self, loader: ModuleLoader | None = None, runtime_image: str | None = None, reuse: CheckReuse | None = None
    ):
        self.loader = loader or ModuleLoader()
        self.reuse = reuse  # the last check's declarations, to take those an edit didn't touch (language server)
        self.runtime_image = runtime_image or default_runtime_image()
        self.diagnostics = Diagnostics()
        self.modules: dict[str, ModuleScope] = {}
        self._import_stack: list[str] = []
        self._building: list[tuple[str, str]] = []
        self._pipeline_specs: dict[tuple[str, str], dag.ComponentSpec] = {}

    # ------------------------------------------------------------ entry
    def check_file(self, path: str, text: str | None = None) -> ModuleScope:
        """Check a file and everything it imports; build all its pipelines."""
        if text is not None:
            self.loader.set_overlay(path, text)
        if self.reuse is not None:
            self.reuse.begin(path)
        scope = self._module(path, import_node=None)
        for definition in scope.pipelines():
            self.pipeline_graph(scope, definition.name.name)
        if self.reuse is not None:
            self.reuse.end()
        self._drop_cascades()
        return scope

    def _drop_cascades(self) -> None:
        """Drop what later phases say about lines that have a syntax error.

        The parser already reported the mistake on such a line and repaired
        the tree with a guess; findings about the guess would only repeat it.
        """
        broken = {
            (d.span.file, d.span.line)
            for d in self.diagnostics.items
            if d.code.startswith("PTF1") and d.span is not None
        }
        if not broken:
            return
        self.diagnostics.items = [
            d
            for d in self.diagnostics.items
            if d.code.startswith("PTF1") or d.span is None or (d.span.file, d.span.line) not in broken
        ]

    def pipeline_graph(self, scope: ModuleScope, name: str) -> dag.PipelineGraph | None:
        if name in scope.graphs:
            return scope.graphs[name]
        symbol = scope.symbols.get(name)
        if not isinstance(symbol, PipelineSymbol):
            return None
        key = (scope.path, name)
        if key in self._building:
            return None  # a call cycle, reported by the caller
        self._building.append(key)
        try:
            graph = self._build_pipeline(scope, name, symbol.definition)
        finally:
            self._building.pop()
        scope.graphs[name] = graph
        return graph

    def _build_pipeline(self, scope: ModuleScope, name: str, definition: tree.PipelineDef) -> dag.PipelineGraph | None:
        if self.reuse is not None:
            global_names = scope.names_key()
            last = self.reuse.pipeline(definition, global_names)
            # Resolving each callee again reports what it always reports, and checks a pipeline it calls.
            if last is not None and all(
                same_callee(spec, self.resolve_callee(scope, expr)) for expr, spec in last.callees
            ):
                self.reuse.reuse_pipeline(last)
                self.reuse.last_resolutions(scope.path, name)  # kept for the next edit inside it
                self.diagnostics.extend(last.diagnostics)
                scope.source_maps[name] = last.source_map
                return last.graph
        callees: list[tuple[tree.Expr, dag.ComponentSpec | None]] = []

        def resolve(expr: tree.Expr) -> dag.ComponentSpec | None:
            spec = self.resolve_callee(scope, expr)
            callees.append((expr, spec))
            return spec

        own = Diagnostics()  # what the builder reports, kept apart to be remembered
        # A live view of the file's names, not a copy: a 1 MB file has a thousand pipelines.
        builder = PipelineBuilder(
            definition,
            own,
            resolve_callee=resolve,
            global_names=scope.symbols.keys(),
            last_resolutions=self.reuse.last_resolutions(scope.path, name) if self.reuse is not None else None,
        )
        graph = builder.build()
        self.diagnostics.extend(own.items)
        scope.source_maps[name] = builder.source_map
        if self.reuse is not None:
            self.reuse.remember_pipeline(
                PipelineCheck(definition, scope.names_key(), callees, graph, builder.source_map, own.items)
            )
            self.reuse.remember_resolutions(scope.path, name, builder.resolutions)
        return graph

    def component(self, path: str, name: str) -> dag.ComponentSpec | None:
        """The component `name` declared in `path`, a module this checker has checked."""
        scope = self.modules.get(os.path.normpath(path))
        symbol = scope.symbols.get(name) if scope is not None else None
        return symbol.spec if isinstance(symbol, ComponentSymbol) else None

    # ---------------------------------------------------------- modules
    def _module(self, path: str, import_node: tree.Import | None) -> ModuleScope:
        key = os.path.normpath(path)
        if key in self.modules:
            return self.modules[key]
        try:
            source = self.loader.load(path)
        except (OSError, UnicodeDecodeError) as error:
            span = import_node.path_span if import_node else None
            self.diagnostics.report(
                codes.CANNOT_READ_FILE if import_node is None else codes.IMPORT_NOT_FOUND,
                f"can't read `{path}`: {getattr(error, 'strerror', None) or error}",
                span,
            )
            scope = ModuleScope(path, None)
            self.modules[key] = scope
            return scope
        scope = ModuleScope(path, source)
        self.modules[key] = scope
        self.diagnostics.extend(source.parse_diagnostics)
        self._import_stack.append(key)
        try:
            self._declare(scope)
        finally:
            self._import_stack.pop()
        return scope

    def _declare(self, scope: ModuleScope) -> None:
        module_tree = scope.syntax_tree
        assert module_tree is not None, "only a parsed module is declared"
        for node in module_tree.imports:
            symbol = self._import(scope, node)
            if symbol is not None:
                self._bind(scope, node.alias.name, symbol, node.alias.span)
        for definition in module_tree.components:
            if definition.name.missing:
                continue
            spec = self._component_spec(scope, definition)
            self._bind(scope, definition.name.name, ComponentSymbol(spec, definition.name.span), definition.name.span)
        for pipeline_definition in module_tree.pipelines:
            if pipeline_definition.name.missing:
                continue
            self._bind(
                scope,
                pipeline_definition.name.name,
                PipelineSymbol(scope, pipeline_definition),
                pipeline_definition.name.span,
            )

    def _component_spec(self, scope: ModuleScope, definition: tree.ComponentDef) -> dag.ComponentSpec:
        if self.reuse is None:
            return ComponentBuilder(definition, scope.path, self.diagnostics, self.runtime_image).build()
        last = self.reuse.component(definition, scope.path, self.runtime_image)
        if last is not None:
            self.diagnostics.extend(last.diagnostics)
            return last.spec
        own = Diagnostics()
        spec = ComponentBuilder(definition, scope.path, own, self.runtime_image).build()
        self.diagnostics.extend(own.items)
        self.reuse.remember_component(ComponentCheck(definition, scope.path, self.runtime_image, spec, own.items))
        return spec

    def _bind(self, scope: ModuleScope, name: str, symbol: Symbol, span) -> None:
        if name in scope.symbols:
            first = scope.symbols[name]
            first_span = (
                getattr(first, "span", None)
                or getattr(getattr(first, "node", None), "span", None)
                or getattr(getattr(first, "definition", None), "span", None)
            )
            self.diagnostics.report(
                codes.DUPLICATE_NAME,
                f"`{name}` is defined twice in this file",
                span,
                related=[Related(first_span, "first defined here")] if first_span else None,
            )
            return
        if name in BUILTINS or name == "pipeline":
            self.diagnostics.report(codes.DUPLICATE_NAME, f"`{name}` is a built-in name; choose another", span)
            return
        scope.symbols[name] = symbol

    def _import(self, scope: ModuleScope, node: tree.Import) -> Symbol | None:
        resolved = self.loader.resolve(scope.path, node.kind, node.path)
        if resolved.kind == FileKind.MISSING:
            self.diagnostics.report(
                codes.IMPORT_NOT_FOUND, f"can't import `{node.path}`: {resolved.reason}", node.path_span
            )
            return None
        if resolved.kind == FileKind.YAML:
            return self._import_yaml(node, resolved.path)
        key = os.path.normpath(resolved.path)
        if key in self._import_stack:
            cycle = self._import_stack[self._import_stack.index(key) :] + [key]
            self.diagnostics.report(
                codes.IMPORT_CYCLE,
                "import cycle: " + " → ".join(os.path.basename(p) for p in cycle),
                node.path_span,
                hint="move what both files need into a third file that both import",
            )
            return None
        return ModuleSymbol(self._module(resolved.path, node), node)

    def _import_yaml(self, node: tree.Import, path: str) -> Symbol | None:
        try:
            text = self.loader.read_text(path)
        except (OSError, UnicodeDecodeError) as error:
            self.diagnostics.report(codes.IMPORT_NOT_FOUND, f"can't read `{path}`: {error}", node.path_span)
            return None
        try:
            spec = load_component_text(text, path, node.alias.name)
        except ComponentFileError as error:
            self.diagnostics.report(
                codes.INVALID_COMPONENT_FILE, f"`{node.path}` is not a usable KFP component: {error}", node.path_span
            )
            return None
        spec.span = node.span
        return ComponentSymbol(spec, node.alias.span)

    # ---------------------------------------------------------- callees
    def resolve_callee(self, scope: ModuleScope, expr: tree.Expr) -> dag.ComponentSpec | None:
        """The component or pipeline a step calls (reports why not, and returns None)."""
        if isinstance(expr, tree.Name):
            if expr.missing:
                return None
            symbol = scope.symbols.get(expr.id)
            if symbol is None:
                if expr.id == "importer":
                    return dag.ComponentSpec(name="importer", kind=dag.ComponentKind.IMPORTER_BUILTIN)
                if expr.id in _BUILTIN_VALUES_CALLED_AS_STEPS:
                    message, hint = _BUILTIN_VALUES_CALLED_AS_STEPS[expr.id]
                    self.diagnostics.report(codes.INVALID_VALUE, message, expr.span, hint=hint)
                    return None
                candidates = [n for n, s in scope.symbols.items() if not isinstance(s, ModuleSymbol)]
                self.diagnostics.report(
                    codes.UNKNOWN_NAME,
                    f"unknown component `{expr.id}`",
                    expr.span,
                    suggestion=did_you_mean(expr.id, candidates, at=expr.span),
                    hint="define it with `component`, or import it",
                )
                return None
            return self._spec_of(symbol, expr)
        if isinstance(expr, tree.Member) and isinstance(expr.obj, tree.Name):
            symbol = scope.symbols.get(expr.obj.id)
            if symbol is None:
                modules = [n for n, s in scope.symbols.items() if isinstance(s, ModuleSymbol)]
                self.diagnostics.report(
                    codes.UNKNOWN_NAME,
                    f"unknown module `{expr.obj.id}`",
                    expr.obj.span,
                    suggestion=did_you_mean(expr.obj.id, modules, at=expr.obj.span),
                )
                return None
            if not isinstance(symbol, ModuleSymbol):
                self.diagnostics.report(
                    codes.NOT_CALLABLE, f"`{expr.obj.id}` is a component, not a module", expr.obj.span
                )
                return None
            module = symbol.scope
            member = module.symbols.get(expr.attr.name)
            own = {n: s for n, s in module.symbols.items() if not isinstance(s, ModuleSymbol)}
            if member is None or isinstance(member, ModuleSymbol):
                self.diagnostics.report(
                    codes.UNKNOWN_MEMBER,
                    f"module `{expr.obj.id}` has no component `{expr.attr.name}`",
                    expr.attr.span,
                    suggestion=did_you_mean(expr.attr.name, own, at=expr.attr.span),
                    hint="it defines " + ", ".join(f"`{n}`" for n in sorted(own)) if own else None,
                )
                return None
            return self._spec_of(member, expr)
        self.diagnostics.report(
            codes.NOT_CALLABLE, "a step calls a component: `name(...)` or `module.name(...)`", expr.span
        )
        return None

    def _spec_of(self, symbol: Symbol, expr: tree.Expr) -> dag.ComponentSpec | None:
        if isinstance(symbol, ComponentSymbol):
            return symbol.spec
        if isinstance(symbol, ModuleSymbol):
            self.diagnostics.report(
                codes.NOT_CALLABLE,
                f"`{symbol.node.alias.name}` is a module; call one of its components: "
                f"`{symbol.node.alias.name}.name(...)`",
                expr.span,
            )
            return None
        key = (symbol.scope.path, symbol.definition.name.name)
        if key in self._pipeline_specs:
            return self._pipeline_specs[key]
        if key in self._building:
            chain = [name for _, name in self._building[self._building.index(key) :]] + [key[1]]
            self.diagnostics.report(
                codes.DEPENDENCY_CYCLE, "pipelines call each other in a cycle: " + " → ".join(chain), expr.span
            )
            return None
        graph = self.pipeline_graph(symbol.scope, symbol.definition.name.name)
        if graph is None:
            return None
        check = self.reuse.pipeline_spec(symbol.definition, graph) if self.reuse is not None else None
        if check is not None and check.spec is not None:
            self._pipeline_specs[key] = check.spec
            return check.spec
        spec = dag.ComponentSpec(
            name=graph.name,
            kind=dag.ComponentKind.PIPELINE,
            inputs=graph.inputs,
            outputs=graph.outputs,
            description=graph.description,
            span=symbol.definition.span,
            source=symbol.scope.path,
            pipeline=graph,
        )
        self._pipeline_specs[key] = spec
        if check is not None:
            check.spec = spec  # the same spec next time, so its callers can be reused too
        return spec
