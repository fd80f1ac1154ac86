"""Reading KFP component files: v1 `component.yaml` and compiled v2 IR.

Both become a `ComponentSpec`, so a step calls a YAML component exactly like
a component written in ptflow.  Input and output names are sanitized the way
kfp does (`Input data` → `input_data`), so a call uses the names kfp users
already know.  YAML is loaded with the safe loader; nothing in the file runs.
"""

from __future__ import annotations

import json
import re

from ptflow.compiler import dag, types

# v1 type names (lower-cased) that are parameters, and their ptflow type.
_V1_PARAMETER_TYPES = {
    "integer": "int",
    "int": "int",
    "double": "float",
    "float": "float",
    "string": "str",
    "str": "str",
    "text": "str",
    "bool": "bool",
    "boolean": "bool",
    "dict": "dict",
    "list": "list",
    "jsonobject": "dict",
    "jsonarray": "list",
}
_V1_ARTIFACT_TYPES = {name.lower(): title for name, title in types.ARTIFACT_TYPES.items()}
_IR_PARAMETER_TYPES = {ir: name for name, ir in types.PARAMETER_TYPES.items()}
_GOOGLE_TYPE = re.compile(r"^google\.[A-Za-z]+$")
# `{{$.inputs.parameters['x']}}` and friends, as kfp writes them in IR.
_PLACEHOLDER = re.compile(
    r"\{\{\$\.(?P<side>inputs|outputs)\.(?P<kind>parameters|artifacts)\['(?P<name>[^']+)'\]"
    r"(?:\.(?P<attr>path|uri|metadata|output_file))?\}\}"
)
_RUNTIME_PLACEHOLDERS = {
    "{{$}}": "executor_input",
    "{{$.outputs.output_file}}": "executor_output_file",
    "{{$.pipeline_job_name}}": "job_name",
    "{{$.pipeline_job_uuid}}": "job_id",
    "{{$.pipeline_task_name}}": "task_name",
    "{{$.pipeline_task_uuid}}": "task_id",
    "{{$.pipeline_root}}": "root",
    "{{$.pipeline_job_resource_name}}": "job_resource_name",
    "{{$.pipeline_job_create_time_utc}}": "job_create_time",
    "{{$.pipeline_job_schedule_time_utc}}": "job_schedule_time",
}


class ComponentFileError(Exception):
    """The file is not a KFP component; the message says why."""


def sanitize_input_name(name: str) -> str:
    """kfp's rule for turning a v1 input/output name into an identifier."""
    return re.sub(r"[^_0-9a-z]+", "_", name.lower()).strip("_")


def load_component_text(text: str, path: str, name_hint: str) -> dag.ComponentSpec:
    import yaml  # only programs that import component files pay for it

    from ptflow.compiler.yaml_reader import load_documents

    try:
        documents = [d for d in load_documents(text) if d is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ComponentFileError(f"not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    if not documents or not isinstance(documents[0], dict):
        raise ComponentFileError("expected a YAML mapping (a KFP component or pipeline)")
    document = documents[0]
    if "implementation" in document:
        return _from_v1(document, path)
    if "root" in document and ("deploymentSpec" in document or "components" in document):
        return _from_ir(document, documents[1:], path, name_hint)
    raise ComponentFileError("neither a KFP v1 component.yaml (no `implementation`) nor a KFP v2 IR file (no `root`)")


# ------------------------------------------------------------------ v1


def _v1_type(type_, used_as_path: bool) -> types.Type:
    if isinstance(type_, str):
        lowered = re.sub(r"\[.*\]$", "", type_).lower()  # List[int] -> list
        if type_ == "PipelineTaskFinalStatus":
            return types.STATUS_TYPE
        if lowered in _V1_PARAMETER_TYPES and not used_as_path:
            return types.parameter(_V1_PARAMETER_TYPES[lowered])
        if _GOOGLE_TYPE.match(type_):
            return types.artifact(type_)
        if lowered in _V1_ARTIFACT_TYPES:
            return types.artifact(_V1_ARTIFACT_TYPES[lowered])
    return types.artifact("system.Artifact")


def _v1_placeholders(value, used_as_path: set[str]) -> None:
    """Collect the inputs a v1 command line reads as files."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("inputPath", "inputUri") and isinstance(inner, str):
                used_as_path.add(inner)
            else:
                _v1_placeholders(inner, used_as_path)
    elif isinstance(value, list):
        for inner in value:
            _v1_placeholders(inner, used_as_path)


def _check_default(name: str, default) -> None:
    """Refuse a default the compiled pipeline could not carry (a 400-digit integer, `.inf`)."""
    from ptflow.compiler.value_limits import unrepresentable

    problem = unrepresentable(default) if default is not dag.NO_DEFAULT else None
    if problem:
        raise ComponentFileError(f"the default of input `{name}` is {problem}")


def _v1_default(type_: types.Type, default):
    if default is None or not type_.is_param:
        return default
    if not isinstance(default, str):
        return default
    try:
        if type_.name == "int":
            return int(default)
        if type_.name == "float":
            return float(default)
        if type_.name == "bool":
            return default.strip().lower() in ("true", "1", "yes", "y", "t", "on")
        if type_.name in ("list", "dict"):
            return json.loads(default)
    except (ValueError, json.JSONDecodeError):
        raise ComponentFileError(f"default `{default}` is not a valid {type_}") from None
    return default


def _from_v1(document: dict, path: str) -> dag.ComponentSpec:
    container = (document.get("implementation") or {}).get("container")
    if not isinstance(container, dict):
        raise ComponentFileError("only container components are supported (no `implementation.container`)")
    if not container.get("image"):
        raise ComponentFileError("the container has no `image`")
    used_as_path: set[str] = set()
    _v1_placeholders(container.get("command", []), used_as_path)
    _v1_placeholders(container.get("args", []), used_as_path)
    inputs = []
    for spec in document.get("inputs") or []:
        if not isinstance(spec, dict) or "name" not in spec:
            raise ComponentFileError("every input needs a `name`")
        type_ = _v1_type(spec.get("type"), spec["name"] in used_as_path)
        optional = bool(spec.get("optional")) or "default" in spec
        default = _v1_default(type_, spec.get("default")) if "default" in spec else dag.NO_DEFAULT
        _check_default(spec["name"], default)
        if optional and default is dag.NO_DEFAULT:
            type_ = type_.as_optional()
        inputs.append(dag.Port(sanitize_input_name(spec["name"]), type_, default, spec.get("description")))
    outputs = []
    output_types = {}
    for spec in document.get("outputs") or []:
        if not isinstance(spec, dict) or "name" not in spec:
            raise ComponentFileError("every output needs a `name`")
        type_ = _v1_type(spec.get("type"), False)
        output_types[spec["name"]] = type_
        outputs.append(dag.Port(sanitize_input_name(spec["name"]), type_, doc=spec.get("description")))
    convert = _V1Converter(output_types)
    spec = dag.ComponentSpec(
        name=str(document.get("name") or "component"),
        kind=dag.ComponentKind.CONTAINER,
        inputs=inputs,
        outputs=outputs,
        description=document.get("description"),
        source=path,
        container=dag.ContainerSpec(
            image=str(container["image"]),
            command=[convert(a) for a in container.get("command") or []],
            args=[convert(a) for a in container.get("args") or []],
            env={str(k): str(v) for k, v in (container.get("env") or {}).items()},
        ),
        v1_spec=document,
    )
    return spec


class _V1Converter:
    def __init__(self, output_types: dict[str, types.Type]):
        self.output_types = output_types

    def __call__(self, arg):
        if isinstance(arg, (str, int, float)) and not isinstance(arg, bool):
            return str(arg)
        if not isinstance(arg, dict) or len(arg) != 1:
            raise ComponentFileError(f"unexpected command-line element {arg!r}")
        ((key, value),) = arg.items()
        if key == "inputValue":
            return dag.InputValue(sanitize_input_name(value))
        if key == "inputPath":
            return dag.InputPath(sanitize_input_name(value))
        if key == "inputUri":
            return dag.InputUri(sanitize_input_name(value))
        if key == "outputPath":
            if value not in self.output_types:
                raise ComponentFileError(f"`outputPath: {value}` names no declared output")
            return dag.OutputPath(sanitize_input_name(value))
        if key == "outputUri":
            return dag.OutputUri(sanitize_input_name(value))
        if key == "concat":
            return dag.Concat(tuple(self(part) for part in value))
        if key == "if":
            condition = (value or {}).get("cond") or {}
            present = condition.get("isPresent") if isinstance(condition, dict) else None
            if present is None:
                raise ComponentFileError("only `if: {cond: {isPresent: input}}` conditions are supported")
            then = tuple(self(a) for a in _as_list(value.get("then")))
            otherwise = tuple(self(a) for a in _as_list(value.get("else"))) if "else" in value else None
            return dag.IfPresent(sanitize_input_name(present), then, otherwise)
        raise ComponentFileError(f"unsupported placeholder `{key}`")


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------ v2 IR


def _ir_type(definition: dict, artifact: bool) -> types.Type:
    if artifact:
        schema = definition.get("artifactType") or {}
        type_ = types.artifact(schema.get("schemaTitle", "system.Artifact"), schema.get("schemaVersion", "0.0.1"))
        if definition.get("isArtifactList"):
            type_ = type_.as_list()
        return type_
    parameter_type = definition.get("parameterType")
    if parameter_type == "TASK_FINAL_STATUS":
        return types.STATUS_TYPE
    if parameter_type not in _IR_PARAMETER_TYPES:
        raise ComponentFileError(f"unknown parameterType `{parameter_type}`")
    return types.parameter(_IR_PARAMETER_TYPES[parameter_type])


def _ir_ports(definitions: dict, with_defaults: bool) -> list[dag.Port]:
    ports = []
    for kind in ("parameters", "artifacts"):
        for name, definition in (definitions.get(kind) or {}).items():
            type_ = _ir_type(definition or {}, kind == "artifacts")
            default = dag.NO_DEFAULT
            if with_defaults and "defaultValue" in (definition or {}):
                default = definition["defaultValue"]
                _check_default(name, default)
                if type_.name == "int" and isinstance(default, float) and default.is_integer():
                    default = int(default)
            elif with_defaults and (definition or {}).get("isOptional") and type_.kind != types.TypeKind.STATUS:
                type_ = type_.as_optional()
            ports.append(dag.Port(name, type_, default, (definition or {}).get("description")))
    return ports


def _parse_ir_arg(text: str):
    """Turn one IR command-line string back into placeholders."""
    if text.startswith('{"IfPresent"') or text.startswith('{"Concat"'):
        try:
            structure = json.loads(text)
        except json.JSONDecodeError:
            return text
        if "Concat" in structure:
            return dag.Concat(tuple(_parse_ir_arg(part) for part in structure["Concat"]))
        present = structure["IfPresent"]
        then = tuple(_parse_ir_arg(a) for a in _as_list(present.get("Then")))
        otherwise = tuple(_parse_ir_arg(a) for a in _as_list(present.get("Else"))) if "Else" in present else None
        return dag.IfPresent(present["InputName"], then, otherwise)
    if text in _RUNTIME_PLACEHOLDERS:
        return dag.RuntimePlaceholder(_RUNTIME_PLACEHOLDERS[text])
    parts = []
    position = 0
    for match in re.finditer(r"\{\{\$[^}]*\}\}", text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(_parse_single_placeholder(match.group(0)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    if len(parts) == 1:
        return parts[0]
    return dag.Template(tuple(parts)) if parts else text


def _parse_single_placeholder(text: str):
    if text in _RUNTIME_PLACEHOLDERS:
        return dag.RuntimePlaceholder(_RUNTIME_PLACEHOLDERS[text])
    match = _PLACEHOLDER.fullmatch(text)
    if not match:
        return text
    side, kind, name, attr = match["side"], match["kind"], match["name"], match["attr"]
    if side == "inputs" and kind == "parameters":
        return dag.InputValue(name)
    if side == "inputs" and attr is None and kind == "artifacts":
        return dag.InputArtifactList(name)
    if side == "inputs":
        return {"uri": dag.InputUri, "metadata": dag.InputMetadata}.get(attr, dag.InputPath)(name)
    if kind == "parameters":
        return dag.OutputPath(name)
    return {"uri": dag.OutputUri, "metadata": dag.OutputMetadata}.get(attr, dag.OutputPath)(name)


def _passes_straight_through(root: dict, task_name: str, task: dict) -> bool:
    """Whether the one task's inputs are the root's inputs of the same names, and the root's outputs its outputs
    of the same names: only then is the task's container the component (a pipeline `inner(rows) -> Output` that
    returns its task's `data` is not: its container writes `data`, the component promises `Output`)."""
    given = task.get("inputs") or {}
    for kind, key in (("parameters", "componentInputParameter"), ("artifacts", "componentInputArtifact")):
        for name, source in (given.get(kind) or {}).items():
            if source.get(key) != name:
                return False
    outputs = (root.get("dag") or {}).get("outputs") or {}
    for name, source in (outputs.get("parameters") or {}).items():
        selected = source.get("valueFromParameter") or {}
        if selected.get("producerSubtask") != task_name or selected.get("outputParameterKey") != name:
            return False
    for name, source in (outputs.get("artifacts") or {}).items():
        selectors = source.get("artifactSelectors") or []
        if len(selectors) != 1:
            return False
        if selectors[0].get("producerSubtask") != task_name or selectors[0].get("outputArtifactKey") != name:
            return False
    return True


def _from_ir(document: dict, extra_documents: list, path: str, name_hint: str) -> dag.ComponentSpec:
    root = document.get("root") or {}
    inputs = _ir_ports(root.get("inputDefinitions") or {}, with_defaults=True)
    outputs = _ir_ports(root.get("outputDefinitions") or {}, with_defaults=False)
    name = (document.get("pipelineInfo") or {}).get("name") or name_hint
    description = (document.get("pipelineInfo") or {}).get("description")
    tasks = ((root.get("dag") or {}).get("tasks")) or {}
    executors = ((document.get("deploymentSpec") or {}).get("executors")) or {}
    # A component compiled on its own is a one-task pipeline whose task passes
    # the root inputs straight through: use its container directly, as kfp does.
    if len(tasks) == 1 and not extra_documents:
        ((task_name, task),) = tasks.items()
        component = (document.get("components") or {}).get((task.get("componentRef") or {}).get("name"), {})
        executor = executors.get(component.get("executorLabel"), {})
        if "container" in executor and _passes_straight_through(root, task_name, task):
            container = executor["container"]
            return dag.ComponentSpec(
                name=name,
                kind=dag.ComponentKind.CONTAINER,
                inputs=inputs,
                outputs=outputs,
                description=description,
                source=path,
                container=dag.ContainerSpec(
                    image=str(container.get("image", "")),
                    command=[_parse_ir_arg(str(a)) for a in container.get("command") or []],
                    args=[_parse_ir_arg(str(a)) for a in container.get("args") or []],
                    env={e["name"]: e.get("value", "") for e in container.get("env") or []},
                ),
            )
    return dag.ComponentSpec(
        name=name,
        kind=dag.ComponentKind.IR_GRAPH,
        inputs=inputs,
        outputs=outputs,
        description=description,
        source=path,
        ir_document=document,
    )
