"""A KFP v1 `component.yaml` → a ptflow `component`.

The project already reads v1 component files for `import "x.yaml" as x`
(compiler/component_yaml.py); this turns what that reader builds back into
source.  `{inputValue: x}` becomes `x`, `{inputPath: x}`/`{outputPath: y}`
become `x.path`/`y.path` (a v1 file output of a parameter type is a ptflow
parameter output written through `.path`), `concat`/`if isPresent` become
`concat(...)`/`if_present(...)`.  Top-level fields other than the ones v1
defines are refused.
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.importer.errors import CANT_EXPRESS, NOT_KFP, ImportRefused
from ptflow.compiler.importer.from_ir import snake
from ptflow.compiler.importer.model import Component, Module, Port
from ptflow.compiler.importer.writer import literal

# `metadata` (annotations, labels) is ignorable: it describes the file, not what runs.
_V1_FIELDS = {"name", "description", "inputs", "outputs", "implementation", "metadata"}


def import_v1_component(document: dict, text: str, origin: str) -> Module:
    from ptflow.compiler.component_yaml import ComponentFileError, load_component_text

    unknown = set(document) - _V1_FIELDS
    if unknown:
        raise ImportRefused(CANT_EXPRESS, min(unknown), "a KFP v1 component field ptflow does not know")
    try:
        spec = load_component_text(text, origin, "component")
    except ComponentFileError as error:
        raise ImportRefused(NOT_KFP, "implementation", str(error)) from None
    return Module(origin, components=[component_model(spec, "implementation")])


def component_model(spec, where: str) -> Component:
    """A component read by compiler/component_yaml.py (a `dag.ComponentSpec`) as the import model's component."""
    container = spec.container
    if container is None:
        raise ImportRefused(CANT_EXPRESS, where, "a KFP v1 component without a container")
    component = Component(
        name=snake(spec.name),
        inputs=[_port(p, with_default=True) for p in spec.inputs],
        outputs=[_port(p, with_default=False) for p in spec.outputs],
        image=literal(container.image),
        command=[_argument(a) for a in container.command],
        args=[_argument(a) for a in container.args],
        env={name: literal(value) for name, value in container.env.items()},
        doc=spec.description or "",
    )
    # An input without a `type` is whatever it is given; read as text on the command line it is a string
    # (compiler/component_yaml.py reads every untyped port as an artifact, which suits files).
    read_as_text = _read_by_value(list(container.command) + list(container.args))
    for port in component.inputs:
        if (
            port.name in untyped_ports(spec, "inputs")
            and port.name in read_as_text
            and port.type.startswith("Artifact")
        ):
            port.type = "str" + ("?" if port.type.endswith("?") else "")
    return component


def untyped_ports(spec, side: str) -> set[str]:
    """The (sanitized) names of the v1 component's inputs or outputs declared without a `type`."""
    from ptflow.compiler.component_yaml import sanitize_input_name

    declared = (spec.v1_spec or {}).get(side) or []
    return {sanitize_input_name(p["name"]) for p in declared if isinstance(p, dict) and "type" not in p and "name" in p}


def _read_by_value(arguments) -> set[str]:
    names: set[str] = set()
    for argument in arguments:
        if isinstance(argument, dag.InputValue):
            names.add(argument.input)
        elif isinstance(argument, dag.Concat):
            names |= _read_by_value(argument.parts)
        elif isinstance(argument, dag.IfPresent):
            names |= _read_by_value(list(argument.then) + list(argument.otherwise or ()))
    return names


def _port(port: dag.Port, with_default: bool) -> Port:
    default = literal(port.default) if with_default and port.has_default else None
    return Port(port.name, str(port.type), default, port.doc or "")


def _argument(argument) -> str:
    if isinstance(argument, str):
        return literal(argument)
    if isinstance(argument, dag.InputValue):
        return argument.input
    if isinstance(argument, dag.InputPath):
        return f"{argument.input}.path"
    if isinstance(argument, dag.OutputPath):
        return f"{argument.output}.path"
    if isinstance(argument, dag.InputUri):
        return f"{argument.input}.uri"
    if isinstance(argument, dag.OutputUri):
        return f"{argument.output}.uri"
    if isinstance(argument, dag.Concat):
        return "concat(" + ", ".join(_argument(part) for part in argument.parts) + ")"
    if isinstance(argument, dag.IfPresent):
        text = f"if_present({argument.input}, [" + ", ".join(_argument(a) for a in argument.then) + "]"
        if argument.otherwise is not None:
            text += ", [" + ", ".join(_argument(a) for a in argument.otherwise) + "]"
        return text + ")"
    raise ImportRefused(CANT_EXPRESS, "implementation.container", f"the placeholder {argument!r}")
