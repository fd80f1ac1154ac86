"""Signatures and component definitions: the declaration half of the checker.

Turns `TypeRef`s into types, parameters into `Port`s (checking defaults
against their types), and `component` blocks into `ComponentSpec`s, with the
command line translated into KFP placeholders.
"""

from __future__ import annotations

from collections.abc import Callable

from ptflow.compiler import dag, tree, types
from ptflow.compiler.diagnostics import Diagnostics, codes, did_you_mean

_PARAMETER_NAMES = set(types.PARAMETER_TYPES)
_ALL_TYPE_NAMES = sorted([*types.PARAMETER_TYPES, *types.ARTIFACT_TYPES, types.STATUS])
COMPONENT_PROPERTIES = ("image", "command", "args", "description", "env", "runtime")
RUNTIME_PLACEHOLDERS = {
    "pipeline": {
        "job_name": "job_name",
        "job_id": "job_id",
        "root": "root",
        "task_name": "task_name",
        "task_id": "task_id",
        "job_resource_name": "job_resource_name",
        "job_create_time": "job_create_time",
        "job_schedule_time": "job_schedule_time",
    },
    "executor": {"input": "executor_input", "output_file": "executor_output_file"},
}
NOT_CONSTANT = object()


def resolve_type(ref: tree.TypeRef, diagnostics: Diagnostics) -> types.Type:
    """The type a `TypeRef` names; ERROR (reported) if it names none."""
    name = ref.name.name
    if ref.name.missing:
        return types.ERROR
    if name in _PARAMETER_NAMES:
        item = None
        if ref.args:
            if name != "list" or len(ref.args) != 1:
                diagnostics.report(
                    codes.UNKNOWN_TYPE,
                    f"`{name}` takes no type arguments"
                    if name != "list"
                    else "`list` takes one type argument: `list[int]`",
                    ref.span,
                )
            else:
                item = resolve_type(ref.args[0], diagnostics)
                if item.is_artifact:
                    result = item.as_list()
                    return result.as_optional(ref.optional)
        if ref.schema_title is not None:
            diagnostics.report(codes.UNKNOWN_TYPE, "only `Artifact` takes a schema title", ref.span)
        return types.Type(
            types.TypeKind.PARAM, name, item=item if item and not item.is_error else None, optional=ref.optional
        )
    if name in types.ARTIFACT_TYPES:
        title = types.ARTIFACT_TYPES[name]
        if ref.schema_title is not None:
            if name != "Artifact":
                diagnostics.report(
                    codes.UNKNOWN_TYPE, f"`{name}` is already `{title}`; only `Artifact` takes a schema title", ref.span
                )
            else:
                title = ref.schema_title
        if ref.args:
            diagnostics.report(codes.UNKNOWN_TYPE, f"`{name}` takes no type arguments", ref.span)
        # kfp's spelling of a schema version: `Artifact<"google.VertexDataset@0.0.0">` (0.0.1 when left out).
        title, _, version = title.partition("@")
        return types.artifact(title, version or types.DEFAULT_SCHEMA_VERSION).as_optional(ref.optional)
    if name == types.STATUS:
        return types.STATUS_TYPE
    diagnostics.report(
        codes.UNKNOWN_TYPE,
        f"unknown type `{name}`",
        ref.name.span,
        suggestion=did_you_mean(name, _ALL_TYPE_NAMES, at=ref.name.span),
        hint="parameter types are str, int, float, bool, list, dict; artifact types are "
        + ", ".join(types.ARTIFACT_TYPES),
    )
    return types.ERROR


def constant_value(expr: tree.Expr):
    """The Python value of a literal expression, or NOT_CONSTANT."""
    if isinstance(expr, tree.Literal):
        return expr.value
    if isinstance(expr, tree.ListExpr):
        values = [constant_value(item) for item in expr.items]
        return NOT_CONSTANT if any(v is NOT_CONSTANT for v in values) else values
    if isinstance(expr, tree.DictExpr):
        result = {}
        for entry in expr.entries:
            value = constant_value(entry.value)
            if value is NOT_CONSTANT or entry.computed is not None:
                return NOT_CONSTANT
            result[entry.key.name] = value
        return result
    return NOT_CONSTANT


def value_fits(value, type_: types.Type) -> bool:
    """Whether a constant Python value is a valid value of a parameter type."""
    if value is None:
        return type_.optional
    name = type_.name
    if name == "any":
        return True
    if name == "str":
        return isinstance(value, str)
    if name == "bool":
        return isinstance(value, bool)
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "list":
        if not isinstance(value, list):
            return False
        return type_.item is None or all(value_fits(v, type_.item) for v in value)
    # dict, the last of the parameter types (types.py); no other name reaches here
    return name == "dict" and isinstance(value, dict)


def build_ports(params: list[tree.Param], diagnostics: Diagnostics, owner: str) -> list[dag.Port]:
    ports = []
    for param in params:
        type_ = resolve_type(param.type, diagnostics)
        default = dag.NO_DEFAULT
        if param.default is not None:
            default = constant_value(param.default)
            if default is NOT_CONSTANT:
                diagnostics.report(
                    codes.DEFAULT_TYPE_MISMATCH,
                    f"the default of `{param.name.name}` must be a literal value",
                    param.default.span,
                )
                default = dag.NO_DEFAULT
            elif type_.is_artifact or type_.kind == types.TypeKind.STATUS:
                diagnostics.report(
                    codes.DEFAULT_TYPE_MISMATCH,
                    f"`{param.name.name}` is an artifact (`{type_}`); artifacts have no default value",
                    param.default.span,
                )
                default = dag.NO_DEFAULT
            elif type_.is_param and not value_fits(default, type_):
                diagnostics.report(
                    codes.DEFAULT_TYPE_MISMATCH,
                    f"default {_show(default)} of `{param.name.name}` is not a `{type_.as_optional(False)}`",
                    param.default.span,
                    hint=None if default is not None else f"declare `{param.name.name}: {type_}?` to allow null",
                )
                default = dag.NO_DEFAULT
            elif type_.name == "float" and isinstance(default, int):
                default = float(default)
        ports.append(dag.Port(param.name.name, type_, default, param.doc, param.span))
    return ports


def _show(value) -> str:
    import json

    return "null" if value is None else json.dumps(value)


def check_unique_names(items, diagnostics: Diagnostics, what: str) -> None:
    """Report names declared twice among inputs and outputs of one signature."""
    seen: dict[str, tree.Identifier] = {}
    for ident in items:
        if ident.missing:
            continue
        if ident.name in seen:
            from ptflow.compiler.diagnostics import Related

            diagnostics.report(
                codes.DUPLICATE_NAME,
                f"`{ident.name}` is declared twice in {what}",
                ident.span,
                related=[Related(seen[ident.name].span, "first declared here")],
            )
        else:
            seen[ident.name] = ident


# What `port.path`, `.uri` and `.metadata` of a component's own input or output stand for on its command line.
_INPUT_PLACEHOLDERS: dict[str, Callable[[str], dag.Arg]] = {
    "path": dag.InputPath,
    "uri": dag.InputUri,
    "metadata": dag.InputMetadata,
}
_OUTPUT_PLACEHOLDERS: dict[str, Callable[[str], dag.Arg]] = {
    "path": dag.OutputPath,
    "uri": dag.OutputUri,
    "metadata": dag.OutputMetadata,
}


class ComponentBuilder:
    """Builds the `ComponentSpec` of a `component` block."""

    def __init__(self, definition: tree.ComponentDef, path: str, diagnostics: Diagnostics, runtime_image: str):
        self.definition = definition
        self.path = path
        self.diagnostics = diagnostics
        self.runtime_image = runtime_image

    def build(self) -> dag.ComponentSpec:
        definition = self.definition
        check_unique_names(
            [p.name for p in definition.params], self.diagnostics, f"the inputs of `{definition.name.name}`"
        )
        check_unique_names(
            [o.name for o in definition.outputs], self.diagnostics, f"the outputs of `{definition.name.name}`"
        )
        inputs = build_ports(definition.params, self.diagnostics, definition.name.name)
        outputs = []
        for output in definition.outputs:
            type_ = resolve_type(output.type, self.diagnostics)
            if type_.optional:
                self.diagnostics.report(codes.UNKNOWN_TYPE, "outputs can't be optional", output.type.span)
                type_ = type_.as_optional(False)
            if type_.kind == types.TypeKind.STATUS:
                self.diagnostics.report(codes.UNKNOWN_TYPE, "`Status` is an input type only", output.type.span)
            outputs.append(dag.Port(output.name.name, type_, doc=output.doc, span=output.span))
        self.inputs = {p.name: p for p in inputs}
        self.outputs = {p.name: p for p in outputs}
        self._check_shared_names(definition)
        properties = self._properties()
        description = self._string_property(properties, "description")
        spec = dag.ComponentSpec(
            name=definition.name.name,
            kind=dag.ComponentKind.CONTAINER,
            inputs=inputs,
            outputs=outputs,
            description=description or definition.doc,
            span=definition.span,
            source=self.path,
        )
        spec.container = self._container(properties)
        return spec

    def _check_shared_names(self, definition: tree.ComponentDef) -> None:
        """An input and an output may share a name when the input is a parameter: on the command line the bare
        name is the input's value and `name.path` (`.uri`, `.metadata`) the output, as a parameter input has no
        members.  An artifact input's `name.path` would mean either, so that pair is refused (PTF205)."""
        for output in definition.outputs:
            port = self.inputs.get(output.name.name)
            if port is None or not port.type.is_artifact:
                continue
            from ptflow.compiler.diagnostics import Related

            self.diagnostics.report(
                codes.DUPLICATE_NAME,
                f"`{port.name}` is an input artifact and an output of `{definition.name.name}`: "
                f"`{port.name}.path` would name either file",
                output.name.span,
                related=[Related(port.span or definition.span, "the input")],
                hint="rename one of them; an input may share its name with an output only when it is a parameter",
            )

    # -- properties
    def _properties(self) -> dict[str, tree.Property]:
        found: dict[str, tree.Property] = {}
        for prop in self.definition.properties:
            key = prop.name.name
            if key not in COMPONENT_PROPERTIES:
                self.diagnostics.report(
                    codes.UNKNOWN_PROPERTY,
                    f"components have no property `{key}`",
                    prop.name.span,
                    suggestion=did_you_mean(key, COMPONENT_PROPERTIES, at=prop.name.span),
                    hint="component properties are " + ", ".join(COMPONENT_PROPERTIES),
                )
                continue
            if key in found:
                from ptflow.compiler.diagnostics import Related

                self.diagnostics.report(
                    codes.DUPLICATE_NAME,
                    f"`{key}` is set twice",
                    prop.name.span,
                    related=[Related(found[key].name.span, "first set here")],
                )
                continue
            found[key] = prop
        return found

    def _string_property(self, properties, key: str) -> str | None:
        prop = properties.get(key)
        if prop is None:
            return None
        value = constant_value(prop.value)
        if not isinstance(value, str):
            self.diagnostics.report(codes.INVALID_VALUE, f"`{key}` must be a string", prop.value.span)
            return None
        return value

    def _container(self, properties) -> dag.ContainerSpec:
        runtime = self._string_property(properties, "runtime")
        image = self._string_property(properties, "image")
        env = self._env(properties.get("env"))
        if runtime is not None:
            for key in ("command", "args"):
                if key in properties:
                    self.diagnostics.report(
                        codes.UNKNOWN_PROPERTY,
                        f"a `runtime` component gets its `{key}` from the ptflow runtime; remove `{key}`",
                        properties[key].name.span,
                    )
            image = image or self.runtime_image
            # The step can name the image it runs in (the TensorBoard viewer entry does), however
            # `--image` set it.
            env = {**env, "PTFLOW_RUNTIME_IMAGE": image}
            return dag.ContainerSpec(image=image, env=env, runtime_step=runtime)
        if image is None and "image" not in properties:
            self.diagnostics.report(
                codes.MISSING_IMAGE,
                f"component `{self.definition.name.name}` has no `image`",
                self.definition.name.span,
                hint='add `image = "python:3.11-slim"` (or `runtime = "..."` for a standard-library step)',
            )
        command = self._command_line(properties.get("command"))
        args = self._command_line(properties.get("args"))
        if "command" not in properties and "args" not in properties:
            self.diagnostics.report(
                codes.MISSING_IMAGE,
                f"component `{self.definition.name.name}` has no `command` or `args`",
                self.definition.name.span,
            )
        return dag.ContainerSpec(image=image or "", command=command, args=args, env=env)

    def _env(self, prop: tree.Property | None) -> dict[str, str]:
        if prop is None:
            return {}
        value = constant_value(prop.value)
        if not isinstance(value, dict) or not all(isinstance(v, (str, int, float)) for v in value.values()):
            self.diagnostics.report(
                codes.INVALID_VALUE, "`env` must be a dict of names to string values", prop.value.span
            )
            return {}
        return {str(k): str(v) for k, v in value.items()}

    # -- command lines
    def _command_line(self, prop: tree.Property | None) -> list[dag.Arg]:
        if prop is None:
            return []
        if not isinstance(prop.value, tree.ListExpr):
            self.diagnostics.report(codes.INVALID_VALUE, f"`{prop.name.name}` must be a list", prop.value.span)
            return []
        args = []
        for item in prop.value.items:
            arg = self._arg(item)
            if arg is not None:
                args.append(arg)
        return args

    def _arg(self, expr: tree.Expr) -> dag.Arg | None:
        if isinstance(expr, tree.Literal):
            if expr.value is None:
                self.diagnostics.report(codes.INVALID_PLACEHOLDER, "`null` can't appear on a command line", expr.span)
                return None
            if isinstance(expr.value, bool):
                return "true" if expr.value else "false"
            return str(expr.value)
        if isinstance(expr, tree.ErrorExpr):
            return None
        if isinstance(expr, tree.Name):
            return self._name_arg(expr)
        if isinstance(expr, tree.Member):
            return self._member_arg(expr)
        if isinstance(expr, tree.FString):
            parts: list[dag.Arg] = []
            for part in expr.parts:
                if isinstance(part, str):
                    parts.append(part)
                else:
                    arg = self._arg(part)
                    if arg is None:
                        return None
                    if isinstance(arg, (dag.IfPresent, dag.Concat, dag.Template)):
                        self.diagnostics.report(
                            codes.INVALID_PLACEHOLDER,
                            "f-strings can't contain if_present(...) or concat(...)",
                            part.span,
                        )
                        return None
                    parts.append(arg)
            if all(isinstance(p, str) for p in parts):
                return "".join(p for p in parts if isinstance(p, str))
            return dag.Template(tuple(parts))
        if isinstance(expr, tree.Call) and isinstance(expr.func, tree.Name) and expr.func.id == "if_present":
            return self._if_present(expr)
        if isinstance(expr, tree.Call) and isinstance(expr.func, tree.Name) and expr.func.id == "concat":
            return self._concat(expr)
        self.diagnostics.report(
            codes.INVALID_PLACEHOLDER,
            "a command line holds strings, numbers, inputs, `x.path`/`x.uri`/`x.metadata`, "
            "f-strings, concat(...) and if_present(...)",
            expr.span,
        )
        return None

    def _concat(self, call: tree.Call) -> dag.Arg | None:
        if not call.args or any(a.name is not None for a in call.args):
            self.diagnostics.report(codes.INVALID_PLACEHOLDER, "write `concat(part, part, ...)`", call.span)
            return None
        parts = [self._arg(a.value) for a in call.args]
        if any(p is None for p in parts):
            return None
        return dag.Concat(tuple(parts))

    def _name_arg(self, expr: tree.Name) -> dag.Arg | None:
        if expr.missing:
            return None
        if expr.id in self.inputs:
            port = self.inputs[expr.id]
            if port.type.is_artifact and port.type.is_list:
                return dag.InputArtifactList(expr.id)
            if port.type.is_artifact:
                self.diagnostics.report(
                    codes.INVALID_PLACEHOLDER,
                    f"`{expr.id}` is an artifact: pass `{expr.id}.path`, `{expr.id}.uri` or `{expr.id}.metadata`",
                    expr.span,
                    hint=f"`{expr.id}.path` is the local file the container reads",
                )
                return None
            return dag.InputValue(expr.id)
        if expr.id in self.outputs:
            self.diagnostics.report(
                codes.INVALID_PLACEHOLDER,
                f"`{expr.id}` is an output: pass `{expr.id}.path`, the file the container must write",
                expr.span,
            )
            return None
        candidates = [*self.inputs, *self.outputs]
        self.diagnostics.report(
            codes.UNKNOWN_NAME,
            f"unknown name `{expr.id}` in component `{self.definition.name.name}`",
            expr.span,
            suggestion=did_you_mean(expr.id, candidates, at=expr.span),
            hint=("the component's inputs and outputs are " + ", ".join(f"`{c}`" for c in candidates))
            if candidates
            else None,
        )
        return None

    def _member_arg(self, expr: tree.Member) -> dag.Arg | None:
        attr = expr.attr.name
        if not isinstance(expr.obj, tree.Name):
            self.diagnostics.report(codes.INVALID_PLACEHOLDER, "unsupported expression on a command line", expr.span)
            return None
        owner = expr.obj.id
        if owner in RUNTIME_PLACEHOLDERS and owner not in self.inputs and owner not in self.outputs:
            known = RUNTIME_PLACEHOLDERS[owner]
            if attr not in known:
                self.diagnostics.report(
                    codes.UNKNOWN_MEMBER,
                    f"`{owner}` has no `{attr}`",
                    expr.attr.span,
                    suggestion=did_you_mean(attr, known, at=expr.attr.span),
                    hint=f"`{owner}` has " + ", ".join(f"`{k}`" for k in known),
                )
                return None
            return dag.RuntimePlaceholder(known[attr])
        if owner in self.inputs and not (owner in self.outputs and self.inputs[owner].type.is_param):
            port = self.inputs[owner]
            if port.type.is_param:
                self.diagnostics.report(
                    codes.INVALID_PLACEHOLDER,
                    f"`{owner}` is a parameter: write `{owner}` for its value",
                    expr.span,
                    hint=f"to read a file, declare `{owner}` with an artifact type such as `Dataset`",
                )
                return None
            placeholder = _INPUT_PLACEHOLDERS.get(attr)
        elif owner in self.outputs:
            port = self.outputs[owner]
            if port.type.is_param and attr != "path":
                self.diagnostics.report(
                    codes.INVALID_PLACEHOLDER,
                    f"output parameter `{owner}` has only `.path`, the file to write its value to",
                    expr.attr.span,
                )
                return None
            placeholder = _OUTPUT_PLACEHOLDERS.get(attr)
        else:
            return self._name_arg(expr.obj)
        if placeholder is None:
            self.diagnostics.report(
                codes.UNKNOWN_MEMBER, f"`{owner}` has no `{attr}`; use `.path`, `.uri` or `.metadata`", expr.attr.span
            )
            return None
        return placeholder(owner)

    def _if_present(self, call: tree.Call) -> dag.Arg | None:
        positional = [a for a in call.args if a.name is None]
        if len(positional) not in (2, 3) or len(positional) != len(call.args):
            self.diagnostics.report(
                codes.INVALID_PLACEHOLDER,
                "write `if_present(input, [then...])` or `if_present(input, [then...], [else...])`",
                call.span,
            )
            return None
        subject = positional[0].value
        if not isinstance(subject, tree.Name) or subject.id not in self.inputs:
            self.diagnostics.report(
                codes.INVALID_PLACEHOLDER,
                "the first argument of if_present must be an input of this component",
                subject.span,
            )
            return None
        port = self.inputs[subject.id]
        if port.required:
            self.diagnostics.report(
                codes.INVALID_PLACEHOLDER,
                f"`{subject.id}` is always present: declare it optional "
                f"(`{subject.id}: {port.type}?`) or give it a default",
                subject.span,
            )

        def branch(expr: tree.Expr) -> tuple:
            items = expr.items if isinstance(expr, tree.ListExpr) else [expr]
            converted = [self._arg(item) for item in items]
            return tuple(a for a in converted if a is not None)

        then = branch(positional[1].value)
        otherwise = branch(positional[2].value) if len(positional) == 3 else None
        return dag.IfPresent(subject.id, then, otherwise)
