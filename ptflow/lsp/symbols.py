"""The outline of a file: imports, components with their inputs and outputs, pipelines with their
parameters and steps (steps inside loops, conditions and `finally` included, in order)."""

from __future__ import annotations

from lsprotocol import types

from ptflow.compiler import tree
from ptflow.compiler.index import FileIndex, callee_text, type_text
from ptflow.lsp.positions import PositionMap

K = types.SymbolKind


def document_symbols(module: tree.Module, index: FileIndex, positions: PositionMap) -> list[types.DocumentSymbol]:
    details = {(d.kind, d.name, d.owner): d.detail for d in index.definitions}
    symbols = []
    for item in module.items or [*module.imports, *module.components, *module.pipelines]:
        if isinstance(item, tree.Import):
            symbols.append(
                _symbol(
                    item.alias.name,
                    K.Module,
                    item.span,
                    item.alias.span,
                    positions,
                    item.path if item.kind == "module" else f'"{item.path}"',
                )
            )
        elif isinstance(item, tree.ComponentDef) and not item.name.missing:
            children = [
                _symbol(p.name.name, K.Field, p.span, p.name.span, positions, type_text(p.type)) for p in item.params
            ]
            children += [
                _symbol(o.name.name, K.Property, o.span, o.name.span, positions, "-> " + type_text(o.type))
                for o in item.outputs
            ]
            symbols.append(
                _symbol(
                    item.name.name,
                    K.Function,
                    item.span,
                    item.name.span,
                    positions,
                    details.get(("component", item.name.name, None), ""),
                    children,
                )
            )
        elif isinstance(item, tree.PipelineDef) and not item.name.missing:
            children = [
                _symbol(p.name.name, K.Field, p.span, p.name.span, positions, type_text(p.type)) for p in item.params
            ]
            for statement in tree.walk_statements(item.body):
                if isinstance(statement, tree.Step) and statement.name is not None and not statement.name.missing:
                    children.append(
                        _symbol(
                            statement.name.name,
                            K.Variable,
                            statement.span,
                            statement.name.span,
                            positions,
                            callee_text(statement.call.func) + "(...)",
                        )
                    )
            symbols.append(_symbol(item.name.name, K.Class, item.span, item.name.span, positions, "pipeline", children))
    return symbols


def _symbol(
    name, kind, span, name_span, positions: PositionMap, detail: str = "", children=None
) -> types.DocumentSymbol:
    whole = positions.range(span)
    selection = positions.range(name_span)
    # LSP requires the selection inside the range; a recovered node may have a shorter span.
    if (selection.start.line, selection.start.character) < (whole.start.line, whole.start.character) or (
        selection.end.line,
        selection.end.character,
    ) > (whole.end.line, whole.end.character):
        whole = selection
    return types.DocumentSymbol(
        name=name, kind=kind, range=whole, selection_range=selection, detail=detail or None, children=children or None
    )
