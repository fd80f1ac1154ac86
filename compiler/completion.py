"""What may be written at a position: completion items for editors.

Reads the enclosing context from the text (compiler/cursor.py) and the names
in scope from the index and the checker's scopes (compiler/index.py): the
keywords, components, pipelines and steps in scope, a call's inputs, a
`with { }`'s options, members after a `.`, and module paths after `import`.
Nothing here knows about the Language Server Protocol (ptflow/lsp/completion.py
converts the items).
"""

from __future__ import annotations

import os
import re

from ptflow.compiler import dag
from ptflow.compiler.checker import ComponentSymbol, ModuleScope, ModuleSymbol, PipelineSymbol
from ptflow.compiler.components import COMPONENT_PROPERTIES, RUNTIME_PLACEHOLDERS
from ptflow.compiler.cursor import CursorPlace, cursor_context, offset_of
from ptflow.compiler.index import KEYWORDS, NAME, DefinitionKind, FileIndex, component_signature, default_text, spec_of
from ptflow.compiler.options import OPTIONS
from ptflow.compiler.pipeline_checker import PIPELINE_PROPERTIES, PIPELINE_VALUES
from ptflow.compiler.records import record
from ptflow.compiler.types import Type, assignable

VALUE_KEYWORDS = ("true", "false", "null")
# What an artifact input or output offers after a `.` inside a component's command.
ARTIFACT_MEMBERS = {
    "path": "the local path of the file",
    "uri": "the artifact's URI",
    "metadata": "the artifact's metadata (a dict)",
}
OUTPUT_PARAMETER_MEMBERS = {"path": "the file the component writes this output to"}


@record
class Completion:
    label: str
    kind: str  # keyword, component, pipeline, module, parameter, step, loop, input, output, option, property, value,
    #            file
    detail: str = ""
    doc: str | None = None
    insert: str | None = None
    sort: str | None = None  # orders items that a client would otherwise sort by label
    # How well a value fits the input the cursor's argument goes to: 2 its very type (`train.model_file` where a
    # Model goes), 1 a type that may be passed there (an Artifact, an int for a float), 0 neither or unknown.
    fit: int = 0


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
    if context.kind == CursorPlace.STRING:
        return []
    expected = _expected_type(scope, context)
    dotted = _dotted_prefix(before)
    if dotted is not None:
        return _member_completions(scope, index, dotted, line, expected)
    if context.kind == CursorPlace.WITH_KEY:
        return [
            Completion(option.name, "option", option.value, option.doc, insert=f"{option.name}: ")
            for option in OPTIONS
            if option.name not in context.given
        ]
    if context.kind == CursorPlace.AFTER:
        names = index.pipeline_names.get(index.pipeline_at(line) or "", {})
        return [Completion(n, "step", d.detail, d.doc) for n, d in names.items() if d.kind == DefinitionKind.STEP]
    if context.kind == CursorPlace.CALL_NAME:
        spec = _callee_from_text(scope, context.callee or "")
        if spec is not None:
            return _input_completions(spec, set(context.given))
    return _name_completions(scope, index, line, column, context, text[:offset], expected)


def _expected_type(scope: ModuleScope, context) -> Type | None:
    """The type of the call input whose value is being written (`data` in `train(data: |`), if known."""
    if context.kind != CursorPlace.CALL_VALUE or not context.given:
        return None
    spec = _callee_from_text(scope, context.callee or "")
    port = spec.input(context.given[-1]) if spec is not None else None
    return port.type if port is not None else None


def _fit(value: Type, expected: Type | None) -> int:
    if expected is None or assignable(value, expected) is not None:
        return 0
    return 2 if value.as_optional(False) == expected.as_optional(False) else 1


def _input_completions(spec: dag.ComponentSpec, given: set[str]) -> list[Completion]:
    """A call's remaining inputs, required ones first, each with its type and default."""
    items = []
    for position, port in enumerate(spec.inputs):
        if port.name in given:
            continue
        if port.has_default:
            detail = f"{port.type} = {default_text(port.default)}"
        elif port.type.optional:
            detail = f"{port.type} (optional)"
        else:
            detail = f"{port.type} (required)"
        group = "0" if port.required else "1"
        items.append(
            Completion(port.name, "input", detail, port.doc, insert=f"{port.name}: ", sort=f"{group}{position:04d}")
        )
    return items


def _name_completions(scope, index, line, column, context, prefix_text, expected=None) -> list[Completion]:
    in_value = context.kind in (CursorPlace.CALL_VALUE, CursorPlace.WITH_VALUE, CursorPlace.RETURN_VALUE)
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
        fitting = _names_that_fit(scope.graphs.get(pipeline), expected, line)
        for name, definition in index.pipeline_names.get(pipeline, {}).items():
            items.append(Completion(name, definition.kind, definition.detail, definition.doc, fit=fitting.get(name, 0)))
        for loop in index.loops_at(line, column):
            items.append(Completion(loop.definition.name, "loop", loop.definition.detail))
        items.append(Completion("pipeline", "value", "the running pipeline: pipeline.job_name, ..."))
        if context.kind in (CursorPlace.CALL_VALUE, CursorPlace.RETURN_VALUE):
            items.append(
                Completion("oneof", "value", "oneof(a.out, b.out): the output of the if/elif/else arm that ran")
            )
        if context.kind == CursorPlace.RETURN_VALUE:
            items.append(
                Completion("collect", "value", "collect(step.out): the values a step inside an `if` made (0 or 1)")
            )
        if context.kind == CursorPlace.BODY:
            items.append(Completion("importer", "component", "importer(uri: str, type: ArtifactType, metadata: dict)"))
            items.extend(Completion(p, "property", "pipeline property", insert=f"{p} = ") for p in PIPELINE_PROPERTIES)
    elif component is not None or _inside_component(prefix_text):
        for name, definition in index.component_names.get(component or "", {}).items():
            items.append(Completion(name, definition.kind, definition.detail, definition.doc))
        items.extend(Completion(p, "value", f"{p}.{', '.join(v)}") for p, v in RUNTIME_PLACEHOLDERS.items())
        if context.kind == CursorPlace.BODY:
            items.extend(
                Completion(p, "property", "component property", insert=f"{p} = ") for p in COMPONENT_PROPERTIES
            )
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
        elif (
            entry.is_dir()
            and NAME.fullmatch(entry.name)
            and not entry.name.startswith("_")
            and any(name.endswith(".ptflow") for name in os.listdir(entry.path))
        ):
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
        elif os.path.splitext(entry.name)[1] in (".ptflow", ".yaml", ".yml", ".json") and os.path.normpath(
            entry.path
        ) != os.path.normpath(importer):
            items.append(
                Completion(entry.name, "file", "ptflow module" if entry.name.endswith(".ptflow") else "KFP component")
            )
    return items


def _names_that_fit(graph: dag.PipelineGraph | None, expected: Type | None, line: int) -> dict[str, int]:
    """How well each parameter fits the expected type, and each step by its best-fitting output (not the step
    being written on `line`: its own outputs can't be its inputs)."""
    if graph is None or expected is None:
        return {}
    fit = {port.name: _fit(port.type, expected) for port in graph.inputs}
    best_output: dict[int, int] = {}  # id(component) -> its best-fitting output's fit: a pipeline calls a few, often
    for task in graph.tasks.values():
        if task.span.line <= line <= task.span.end_line:
            continue
        best = best_output.get(id(task.component))
        if best is None:
            best = best_output[id(task.component)] = max(
                [0, *(_fit(port.type, expected) for port in task.component.outputs)]
            )
        fit[task.step] = max(fit.get(task.step, 0), best)
    return fit


def _dotted_prefix(before: str) -> str | None:
    match = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z0-9_]*$", before)
    return match.group(1) if match else None


def _member_completions(
    scope: ModuleScope, index: FileIndex, owner: str, line: int, expected: Type | None = None
) -> list[Completion]:
    symbol = scope.symbols.get(owner)
    if isinstance(symbol, ModuleSymbol):
        result = []
        for name, member in symbol.scope.symbols.items():
            if isinstance(member, ComponentSymbol):
                result.append(Completion(name, "component", component_signature(member.spec), member.spec.description))
            elif isinstance(member, PipelineSymbol):
                spec = spec_of(member)
                result.append(
                    Completion(
                        name,
                        "pipeline",
                        component_signature(spec) if spec else f"pipeline {name}",
                        member.definition.doc,
                    )
                )
        return result
    pipeline = index.pipeline_at(line)
    local = index.pipeline_names.get(pipeline or "", {})
    if owner in RUNTIME_PLACEHOLDERS and owner not in local:
        values = PIPELINE_VALUES if owner == "pipeline" and pipeline else RUNTIME_PLACEHOLDERS[owner]
        return [Completion(name, "value", f"{owner}.{name}") for name in values]
    definition = local.get(owner)
    if definition is not None and definition.kind == DefinitionKind.STEP:
        return _step_outputs(scope, pipeline, owner, expected)
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


def _step_outputs(scope: ModuleScope, pipeline: str | None, step: str, expected: Type | None) -> list[Completion]:
    graph = scope.graphs.get(pipeline or "")
    if graph is None:
        return []
    from ptflow.compiler.names import k8s_name

    task = graph.tasks.get(k8s_name(step))
    if task is None or task.step != step:
        task = next((candidate for candidate in graph.tasks.values() if candidate.step == step), None)
    if task is None:
        return []
    return [
        Completion(p.name, "output", str(p.type), p.doc, fit=_fit(p.type, expected)) for p in task.component.outputs
    ]


def _callee_from_text(scope: ModuleScope, dotted: str) -> dag.ComponentSpec | None:
    parts = dotted.split(".")
    if parts == ["importer"] and "importer" not in scope.symbols:
        return dag.ComponentSpec(
            name="importer",
            kind=dag.ComponentKind.IMPORTER,
            inputs=[
                dag.Port("uri", _type("str"), doc="where the artifact is: gs://, s3://, minio://, https://, ..."),
                dag.Port("type", _type("str"), doc="the artifact type: Model, Dataset, Artifact, ..."),
                dag.Port("metadata", _type("dict"), default={}, doc="metadata of the imported artifact"),
                dag.Port("reimport", _type("bool"), default=False, doc="import again even when the URI is unchanged"),
                dag.Port(
                    "download_to_workspace",
                    _type("bool"),
                    default=False,
                    doc="also copy it into the pipeline's workspace (needs `workspace = {...}`)",
                ),
            ],
        )
    symbol = scope.symbols.get(parts[0])
    if len(parts) == 2 and isinstance(symbol, ModuleSymbol):
        symbol = symbol.scope.symbols.get(parts[1])
    elif len(parts) != 1:
        return None
    return spec_of(symbol)


def _type(name: str):
    from ptflow.compiler.types import Type, TypeKind

    return Type(TypeKind.PARAM, name)


def _inside_component(prefix: str) -> bool:
    last_component = prefix.rfind("component ")
    last_pipeline = prefix.rfind("pipeline ")
    return last_component > last_pipeline and prefix.count("{", last_component) > prefix.count("}", last_component)
