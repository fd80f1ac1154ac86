"""Layer 3 of IR validation: what KFP itself never checks before a run starts.

kfp's loader and the backend's upload accept an IR whose tasks name missing
components, producers or outputs, whose DAGs have cycles, or whose commands
name inputs the component lacks; these surface (if at all) as a failed run.
This module walks every component's DAG and every executor once and reports
each such problem at its JSON path.

Every lookup tolerates a malformed document: layer 1 has already reported
wrong shapes, and this layer simply skips what it cannot read.
"""

from __future__ import annotations

import json
import re
from dataclasses import field
from typing import Any

from ptflow.compiler.diagnostics import codes, did_you_mean
from ptflow.compiler.records import record
from ptflow.compiler.validate import cel, placeholders
from ptflow.compiler.validate.placeholders import Use as PlaceholderUse  # the method `placeholders` hides the module
from ptflow.compiler.validate.yaml_source import Path, PathReport

# Task inputs the KFP SDK adds without the component declaring them: a container
# image or resource taken from a pipeline parameter (`pipeline_spec_builder`).
SDK_ADDED_INPUTS = frozenset(
    {
        "base_image",
        "cpu_limit",
        "cpu_request",
        "memory_limit",
        "memory_request",
        "accelerator_type",
        "accelerator_count",
    }
)
SDK_CHANNEL_PREFIX = "pipelinechannel--"

_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CONDITION_INPUT = re.compile(r"""inputs\.parameter_values\[\s*(?:'([^']*)'|"([^"]*)")\s*\]""")
_GENERIC_ARTIFACT = "system.Artifact"
# The driver hands a PipelineTaskFinalStatus to the task as a struct, so a component
# may pass its final-status input on to a STRUCT input (kfp's `pipeline_as_exit_task`).
_FINAL_STATUS_AS_STRUCT = {"TASK_FINAL_STATUS", "STRUCT"}
# kfp types the item of a loop over a list of unknown element type (`list`, an untyped
# output) as a STRING, yet passes it on to inputs of any type; the backend hands the
# item over as the JSON value it is, so only the run can tell whether it fits.
_UNTYPED_LOOP_ITEM = "STRING"


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list:
    return value if isinstance(value, list) else []


@record
class Interface:
    """A component's declared inputs and outputs, by kind."""

    input_parameters: dict[str, dict] = field(default_factory=dict)
    input_artifacts: dict[str, dict] = field(default_factory=dict)
    output_parameters: dict[str, dict] = field(default_factory=dict)
    output_artifacts: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def of(cls, component: Any) -> Interface:
        component = _mapping(component)
        inputs = _mapping(component.get("inputDefinitions"))
        outputs = _mapping(component.get("outputDefinitions"))
        return cls(
            {k: _mapping(v) for k, v in _mapping(inputs.get("parameters")).items()},
            {k: _mapping(v) for k, v in _mapping(inputs.get("artifacts")).items()},
            {k: _mapping(v) for k, v in _mapping(outputs.get("parameters")).items()},
            {k: _mapping(v) for k, v in _mapping(outputs.get("artifacts")).items()},
        )


def _optional(spec: dict) -> bool:
    return bool(spec.get("isOptional")) or "defaultValue" in spec


def value_matches(value: Any, parameter_type: Any) -> bool:
    """True if a JSON value can be a parameter of `parameter_type` (numbers arrive as doubles)."""
    if parameter_type == "STRING":
        return isinstance(value, str)
    if parameter_type == "NUMBER_INTEGER":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()
    if parameter_type == "NUMBER_DOUBLE":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if parameter_type == "BOOLEAN":
        return isinstance(value, bool)
    if parameter_type == "LIST":
        return isinstance(value, list)
    if parameter_type == "STRUCT":
        return isinstance(value, dict)
    return True  # unspecified, TASK_FINAL_STATUS, or a legacy `type:` — nothing to hold it to


def loop_item_inputs(spec: dict) -> dict[str, set[str]]:
    """Per component, its input parameters that hold a loop item: the item input of the loop task
    that calls it, and any input a caller wires from one of its own loop-item inputs (the item of an
    outer loop, handed down into a nested group).  A field read with `parameterExpressionSelector`
    is not the item itself and is left out."""
    components = _mapping(spec.get("components"))
    found: dict[str, set[str]] = {}
    pending: list[tuple[str, dict, frozenset[str]]] = [("root", _mapping(spec.get("root")), frozenset())]
    seen: set[tuple[str, frozenset]] = set()
    while pending:
        name, component, items = pending.pop()
        if (name, items) in seen:
            continue
        seen.add((name, items))
        for task in _mapping(_mapping(component.get("dag")).get("tasks")).values():
            task = _mapping(task)
            callee = _mapping(task.get("componentRef")).get("name")
            if not isinstance(callee, str) or callee not in components:
                continue
            callee_items = {
                item for item in (_mapping(task.get("parameterIterator")).get("itemInput"),) if isinstance(item, str)
            }
            for input_name, wiring in _mapping(_mapping(task.get("inputs")).get("parameters")).items():
                wiring = _mapping(wiring)
                source = wiring.get("componentInputParameter")
                if isinstance(source, str) and source in items and "parameterExpressionSelector" not in wiring:
                    callee_items.add(input_name)
            found.setdefault(callee, set()).update(callee_items)
            pending.append((callee, _mapping(components[callee]), frozenset(callee_items)))
    return found


def sanitized_k8s_name(name: str) -> str:
    """The name kfp would have made of `name` (`dsl.utils.maybe_rename_for_k8s`)."""
    return re.sub(r"[^-0-9a-z]+", "-", name.lower()).strip("-") or "task"


@record(frozen=True)
class _User:
    """A component that runs an executor (its name for messages, and what it declares)."""

    name: str
    interface: Interface


@record
class _Scope:
    """What a task inside one DAG can see: the DAG's component, its sibling tasks."""

    component: str  # for messages: `root` or `comp-x`
    interface: Interface
    tasks: dict[str, Any]
    path: Path  # of the DAG's `tasks`


class Semantics:
    def __init__(self, report: PathReport, spec: dict, document: int, platforms: dict | None, platforms_document: int):
        self.report = report
        self.spec = spec
        self.document = document
        self.platforms = platforms
        self.platforms_document = platforms_document
        self.components = _mapping(spec.get("components"))
        self.executors = _mapping(_mapping(spec.get("deploymentSpec")).get("executors"))
        self._interfaces: dict[str, Interface] = {}
        self.executor_users: dict[str, list[_User]] = {}
        self.callers: dict[str, list[dict]] = {}
        self.loop_items = loop_item_inputs(spec)

    def add(self, code: str, path: Path, message: str, **options) -> None:
        self.report.add(code, self.document, path, message, **options)

    def interface(self, component: str) -> Interface:
        if component not in self._interfaces:
            self._interfaces[component] = Interface.of(self.components.get(component))
        return self._interfaces[component]

    # ------------------------------------------------------------ components

    def run(self) -> None:
        for name, component in self.components.items():
            self.component(("components", name), name, component)
        if isinstance(self.spec.get("root"), dict):
            self.component(("root",), "root", self.spec["root"])
        for label, executor in self.executors.items():
            self.executor(("deploymentSpec", "executors", label), label, executor)
        if self.platforms is not None:
            self.platform_executors(self.platforms)
        self.component_cycles()

    def component_cycles(self) -> None:
        """A DAG component whose tasks run it again, directly or through other components: it never ends
        (kfp's driver would expand it forever)."""
        calls: dict[tuple[str, str], Path] = {}  # (caller, callee) -> where the caller's task names the callee
        for caller, component in self.components.items():
            for task_name, task in _mapping(_mapping(_mapping(component).get("dag")).get("tasks")).items():
                callee = _mapping(_mapping(task).get("componentRef")).get("name")
                if isinstance(callee, str) and callee in self.components:
                    where = ("components", caller, "dag", "tasks", task_name, "componentRef", "name")
                    calls.setdefault((caller, callee), where)
        for cycle in _named_cycles(list(calls)):
            first = cycle[0]
            self.add(
                codes.IR_DEPENDENCY_CYCLE,
                calls[(cycle[-1], first)],
                f"component `{first}` runs itself: " + " → ".join(cycle + [first]),
            )

    def component(self, path: Path, name: str, component: Any) -> None:
        if not isinstance(component, dict):
            return
        interface = Interface.of(component) if path == ("root",) else self.interface(name)
        self.defaults(path, interface)
        dag, label = component.get("dag"), component.get("executorLabel")
        if dag is None and label is None:
            self.add(codes.IR_MISSING_FIELD, path, "component has neither `dag` nor `executorLabel`", part="key")
        if isinstance(label, str):
            self.executor_users.setdefault(label, []).append(_User(name, interface))
            if label not in self.executors and "deploymentSpec" in self.spec:  # else said once, for the document
                suggestion = did_you_mean(label, self.executors)
                self.add(
                    codes.IR_UNKNOWN_EXECUTOR,
                    path + ("executorLabel",),
                    f"no executor named `{label}` in deploymentSpec.executors",
                    suggestion=suggestion,
                )
        if isinstance(dag, dict):
            tasks = _mapping(dag.get("tasks"))
            scope = _Scope(name, interface, tasks, path + ("dag", "tasks"))
            for task_name, task in tasks.items():
                if isinstance(task, dict):
                    self.task(scope, task_name, task)
            self.cycles(scope)
            self.dag_outputs(path, dag, scope)

    def defaults(self, path: Path, interface: Interface) -> None:
        for name, spec in interface.input_parameters.items():
            if "defaultValue" in spec:
                self.value_type(
                    path + ("inputDefinitions", "parameters", name, "defaultValue"),
                    "default",
                    spec["defaultValue"],
                    spec.get("parameterType"),
                )

    def value_type(self, path: Path, what: str, value: Any, parameter_type: Any) -> None:
        if value is None or value_matches(value, parameter_type):
            return
        hint = None
        if isinstance(value, str) and parameter_type in ("NUMBER_INTEGER", "NUMBER_DOUBLE"):
            try:
                hint = f"write the number without quotes: {json.dumps(float(value))}"
            except ValueError:
                pass
        elif isinstance(value, str) and parameter_type == "BOOLEAN" and value.lower() in ("true", "false"):
            hint = f"write the boolean without quotes: {value.lower()}"
        self.add(codes.IR_VALUE_TYPE, path, f"{what} {json.dumps(value)} is not a {parameter_type}", hint=hint)

    # ----------------------------------------------------------------- tasks

    def task(self, scope: _Scope, name: str, task: dict) -> None:
        path = scope.path + (name,)
        if not _K8S_NAME.match(str(name)):
            self.add(
                codes.IR_BAD_TASK_NAME,
                path,
                f"task name `{name}` is not a valid Kubernetes name (lowercase letters, digits and `-`, "
                "starting and ending with a letter or digit)",
                part="key",
                hint=f"rename it `{sanitized_k8s_name(str(name))}`",
            )
        callee = self.callee(path, task)
        for index, dependency in enumerate(_sequence(task.get("dependentTasks"))):
            self.names_task(scope, path + ("dependentTasks", index), dependency, exclude=name)
        inputs = _mapping(task.get("inputs"))
        parameters = _mapping(inputs.get("parameters"))
        artifacts = _mapping(inputs.get("artifacts"))
        for input_name, spec in parameters.items():
            if isinstance(spec, dict):
                self.parameter_input(
                    scope, path + ("inputs", "parameters", input_name), input_name, spec, callee, parameters
                )
        for input_name, spec in artifacts.items():
            if isinstance(spec, dict):
                self.artifact_input(scope, path + ("inputs", "artifacts", input_name), input_name, spec, callee)
        item_inputs = self.iterators(path, task, callee, parameters, artifacts)
        if callee is not None:
            self.required_inputs(path, task, callee, parameters, artifacts, item_inputs)
        self.condition(path, task, parameters)

    def callee(self, path: Path, task: dict) -> tuple[str, Interface] | None:
        reference = _mapping(task.get("componentRef")).get("name")
        if not isinstance(reference, str) or not reference:
            self.add(codes.IR_MISSING_FIELD, path, "task has no `componentRef.name`", part="key")
            return None
        if reference not in self.components:
            suggestion = did_you_mean(reference, self.components)
            self.add(
                codes.IR_UNKNOWN_COMPONENT,
                path + ("componentRef", "name"),
                f"no component named `{reference}`",
                suggestion=suggestion,
            )
            return None
        self.callers.setdefault(reference, []).append(task)
        return reference, self.interface(reference)

    def is_name(self, path: Path, value: Any) -> bool:
        """True if `value` is a name to look up; a missing one is reported, one of another type was by layer 1."""
        if value is None:
            self.add(codes.IR_MISSING_FIELD, path, f"`{path[-1]}` is missing", part="key")
        return isinstance(value, str)

    def names_task(self, scope: _Scope, path: Path, value: Any, exclude: str | None = None) -> bool:
        """True if `value` names a task of the DAG in `scope`; reports it if not."""
        if not self.is_name(path, value):
            return False
        if value not in scope.tasks:
            self.unknown_task(path, value, scope, exclude)
            return False
        return True

    def unknown_task(self, path: Path, name: Any, scope: _Scope, exclude: str | None = None) -> None:
        candidates = [t for t in scope.tasks if t != exclude]
        suggestion = did_you_mean(str(name), candidates)
        where = "the root DAG" if scope.component == "root" else f"the DAG of `{scope.component}`"
        self.add(codes.IR_UNKNOWN_TASK, path, f"no task named `{name}` in {where}", suggestion=suggestion)

    def producer(self, scope: _Scope, task_name: Any) -> tuple[str, Interface] | None:
        reference = _mapping(_mapping(scope.tasks.get(task_name)).get("componentRef")).get("name")
        if isinstance(reference, str) and reference in self.components:
            return reference, self.interface(reference)
        return None

    def parameter_input(
        self,
        scope: _Scope,
        path: Path,
        name: str,
        spec: dict,
        callee: tuple[str, Interface] | None,
        task_parameters: dict,
    ) -> None:
        declared = None
        if callee is not None:
            reference, interface = callee
            declared = interface.input_parameters.get(name)
            if declared is None and name in interface.input_artifacts:
                self.add(
                    codes.IR_KIND_MISMATCH,
                    path,
                    f"`{name}` is an artifact input of `{reference}`, but is wired as a parameter",
                    part="key",
                    hint="move it under inputs.artifacts",
                )
            elif declared is None and not _sdk_added(name):
                suggestion = did_you_mean(name, interface.input_parameters)
                self.add(
                    codes.IR_UNDECLARED_INPUT,
                    path,
                    f"`{reference}` has no input parameter `{name}`",
                    part="key",
                    suggestion=suggestion,
                )
        expected_type = declared.get("parameterType") if declared else None
        selected = "parameterExpressionSelector" in spec  # a field of the value: its type is not the value's
        sources = [
            k
            for k in ("componentInputParameter", "taskOutputParameter", "runtimeValue", "taskFinalStatus")
            if k in spec
        ]
        if not sources:
            self.add(
                codes.IR_MISSING_FIELD,
                path,
                "input has no value: give one of componentInputParameter, "
                "taskOutputParameter, runtimeValue or taskFinalStatus",
                part="key",
            )
        if isinstance(spec.get("componentInputParameter"), str):
            parent_input = spec["componentInputParameter"]
            self.enclosing_parameter(
                scope, path + ("componentInputParameter",), parent_input, None if selected else expected_type
            )
        output = spec.get("taskOutputParameter")
        if isinstance(output, dict):
            self.task_output(
                scope, path + ("taskOutputParameter",), output, "parameter", None if selected else expected_type
            )
        final_status = spec.get("taskFinalStatus")
        if isinstance(final_status, dict):
            self.names_task(scope, path + ("taskFinalStatus", "producerTask"), final_status.get("producerTask"))
        runtime_value = _mapping(spec.get("runtimeValue"))
        if "constant" in runtime_value:
            constant = runtime_value["constant"]
            if expected_type is not None:
                self.value_type(path + ("runtimeValue", "constant"), "constant", constant, expected_type)
            if isinstance(constant, str):
                self.constant_placeholders(path + ("runtimeValue", "constant"), constant, task_parameters)

    def enclosing_parameter(self, scope: _Scope, path: Path, name: str, expected_type: Any) -> None:
        interface = scope.interface
        if name in interface.input_parameters:
            given = interface.input_parameters[name].get("parameterType")
            if given == _UNTYPED_LOOP_ITEM and name in self.loop_items.get(scope.component, ()):
                return  # an item of unknown type: any receiver may take it
            self.parameter_types(path, given, expected_type, f"input `{name}` of `{scope.component}`")
            return
        if name in interface.input_artifacts:
            self.add(
                codes.IR_KIND_MISMATCH,
                path,
                f"`{name}` is an artifact input of `{scope.component}`; read it under "
                "inputs.artifacts with componentInputArtifact",
            )
            return
        suggestion = did_you_mean(name, interface.input_parameters)
        self.add(
            codes.IR_UNKNOWN_INPUT, path, f"`{scope.component}` has no input parameter `{name}`", suggestion=suggestion
        )

    def task_output(self, scope: _Scope, path: Path, output: dict, kind: str, expected: Any) -> None:
        producer_task = output.get("producerTask")
        key_field = "outputParameterKey" if kind == "parameter" else "outputArtifactKey"
        key = output.get(key_field)
        if not self.names_task(scope, path + ("producerTask",), producer_task):
            return
        producer = self.producer(scope, producer_task)
        if producer is None:
            return  # its own componentRef is reported
        self.output_key(path + (key_field,), key, kind, producer, f"task `{producer_task}`", expected)

    def output_key(
        self,
        path: Path,
        key: Any,
        kind: str,
        producer: tuple[str, Interface],
        who: str,
        expected: Any,
        receiver: str = "the input",
    ) -> None:
        reference, interface = producer
        if not self.is_name(path, key):
            return
        same = interface.output_parameters if kind == "parameter" else interface.output_artifacts
        other = interface.output_artifacts if kind == "parameter" else interface.output_parameters
        if key in same:
            if kind == "parameter":
                self.parameter_types(
                    path, same[key].get("parameterType"), expected, f"output `{key}` of {who}", receiver
                )
            else:
                self.artifact_types(path, same[key], expected, f"output `{key}` of {who}", receiver)
            return
        if key in other:
            other_kind = "an artifact" if kind == "parameter" else "a parameter"
            self.add(
                codes.IR_KIND_MISMATCH,
                path,
                f"`{key}` is {other_kind} output of {who} (`{reference}`), not "
                f"{'a parameter' if kind == 'parameter' else 'an artifact'}",
                hint="wire it under inputs.artifacts with taskOutputArtifact"
                if kind == "parameter"
                else "wire it under inputs.parameters with taskOutputParameter",
            )
            return
        suggestion = did_you_mean(str(key), same)
        self.add(
            codes.IR_UNKNOWN_OUTPUT, path, f"{who} (`{reference}`) has no output {kind} `{key}`", suggestion=suggestion
        )

    def parameter_types(self, path: Path, given: Any, expected: Any, what: str, receiver: str = "the input") -> None:
        if (
            isinstance(given, str)
            and isinstance(expected, str)
            and given != expected
            and {given, expected} != _FINAL_STATUS_AS_STRUCT
        ):
            self.add(codes.IR_TYPE_MISMATCH, path, f"{what} is a {given}, but {receiver} expects a {expected}")

    def artifact_types(self, path: Path, given: dict, expected: Any, what: str, receiver: str = "the input") -> None:
        if not isinstance(expected, dict):
            return
        given_title = _mapping(given.get("artifactType")).get("schemaTitle")
        expected_title = _mapping(expected.get("artifactType")).get("schemaTitle")
        if not isinstance(given_title, str) or not isinstance(expected_title, str):
            return
        if _GENERIC_ARTIFACT in (given_title, expected_title) or given_title == expected_title:
            return
        self.add(codes.IR_TYPE_MISMATCH, path, f"{what} is a {given_title}, but {receiver} expects a {expected_title}")

    def artifact_input(
        self, scope: _Scope, path: Path, name: str, spec: dict, callee: tuple[str, Interface] | None
    ) -> None:
        declared = None
        if callee is not None:
            reference, interface = callee
            declared = interface.input_artifacts.get(name)
            if declared is None and name in interface.input_parameters:
                self.add(
                    codes.IR_KIND_MISMATCH,
                    path,
                    f"`{name}` is a parameter input of `{reference}`, but is wired as an artifact",
                    part="key",
                    hint="move it under inputs.parameters",
                )
            elif declared is None and not str(name).startswith(SDK_CHANNEL_PREFIX):
                suggestion = did_you_mean(name, interface.input_artifacts)
                self.add(
                    codes.IR_UNDECLARED_INPUT,
                    path,
                    f"`{reference}` has no input artifact `{name}`",
                    part="key",
                    suggestion=suggestion,
                )
        if not any(k in spec for k in ("componentInputArtifact", "taskOutputArtifact")):
            self.add(
                codes.IR_MISSING_FIELD,
                path,
                "input has no value: give componentInputArtifact or taskOutputArtifact",
                part="key",
            )
        parent_input = spec.get("componentInputArtifact")
        if isinstance(parent_input, str):
            interface = scope.interface
            if parent_input in interface.input_artifacts:
                self.artifact_types(
                    path + ("componentInputArtifact",),
                    interface.input_artifacts[parent_input],
                    declared,
                    f"input `{parent_input}` of `{scope.component}`",
                )
            elif parent_input in interface.input_parameters:
                self.add(
                    codes.IR_KIND_MISMATCH,
                    path + ("componentInputArtifact",),
                    f"`{parent_input}` is a parameter input of `{scope.component}`; read it under "
                    "inputs.parameters with componentInputParameter",
                )
            else:
                suggestion = did_you_mean(parent_input, interface.input_artifacts)
                self.add(
                    codes.IR_UNKNOWN_INPUT,
                    path + ("componentInputArtifact",),
                    f"`{scope.component}` has no input artifact `{parent_input}`",
                    suggestion=suggestion,
                )
        output = spec.get("taskOutputArtifact")
        if isinstance(output, dict):
            self.task_output(scope, path + ("taskOutputArtifact",), output, "artifact", declared)

    def constant_placeholders(self, path: Path, constant: str, task_parameters: dict) -> None:
        """An f-string constant reads the task's own inputs (`pipelinechannel--x`) through placeholders."""
        if "{{$" not in constant:
            return
        found = placeholders.scan(constant)
        for problem in found.problems:
            self.add(codes.IR_PLACEHOLDER_MALFORMED, path, problem)
        for use in found.uses:
            if use.kind == placeholders.INPUT_PARAMETER and use.name not in task_parameters:
                suggestion = did_you_mean(use.name, task_parameters)
                self.add(
                    codes.IR_PLACEHOLDER_UNKNOWN_NAME,
                    path,
                    f"`{use.text}` names `{use.name}`, which is not an input parameter of this task",
                    suggestion=suggestion,
                )

    def required_inputs(
        self,
        path: Path,
        task: dict,
        callee: tuple[str, Interface],
        parameters: dict,
        artifacts: dict,
        item_inputs: set[str],
    ) -> None:
        reference, interface = callee
        where = path + ("inputs",) if "inputs" in task else path
        for name, spec in interface.input_parameters.items():
            if _optional(spec) or name in parameters or name in item_inputs or name in artifacts:
                continue
            self.add(
                codes.IR_MISSING_INPUT,
                where,
                f"required input parameter `{name}` of `{reference}` is not supplied",
                part="key",
            )
        for name, spec in interface.input_artifacts.items():
            if _optional(spec) or name in artifacts or name in item_inputs or name in parameters:
                continue
            self.add(
                codes.IR_MISSING_INPUT,
                where,
                f"required input artifact `{name}` of `{reference}` is not supplied",
                part="key",
            )

    def iterators(
        self, path: Path, task: dict, callee: tuple[str, Interface] | None, parameters: dict, artifacts: dict
    ) -> set[str]:
        """Check a loop task's items and item input; return the inputs the iterator supplies."""
        item_inputs: set[str] = set()
        for field_name, kind, items_key, task_inputs in (
            ("parameterIterator", "parameter", "inputParameter", parameters),
            ("artifactIterator", "artifact", "inputArtifact", artifacts),
        ):
            iterator = task.get(field_name)
            if not isinstance(iterator, dict):
                continue
            here = path + (field_name,)
            items = _mapping(iterator.get("items"))
            source = items.get(items_key)
            if isinstance(source, str) and source not in task_inputs:
                suggestion = did_you_mean(source, task_inputs)
                self.add(
                    codes.IR_BAD_ITERATOR,
                    here + ("items", items_key),
                    f"loop items come from `{source}`, which is not an input {kind} of this task",
                    suggestion=suggestion,
                )
            if isinstance(items.get("raw"), str):
                self.raw_items(here + ("items", "raw"), items["raw"])
            if not items:
                self.add(codes.IR_BAD_ITERATOR, here, "loop has no `items`", part="key")
            item_input = iterator.get("itemInput")
            if not isinstance(item_input, str):
                self.add(codes.IR_BAD_ITERATOR, here, "loop has no `itemInput`", part="key")
                continue
            item_inputs.add(item_input)
            if callee is not None:
                reference, interface = callee
                declared = interface.input_parameters if kind == "parameter" else interface.input_artifacts
                if item_input not in declared:
                    self.add(
                        codes.IR_BAD_ITERATOR,
                        here + ("itemInput",),
                        f"loop item `{item_input}` is not an input {kind} of `{reference}`",
                    )
        return item_inputs

    def raw_items(self, path: Path, raw: str) -> None:
        try:
            items = json.loads(raw)
        except json.JSONDecodeError as error:
            self.add(codes.IR_BAD_ITERATOR, path, f"raw loop items are not JSON: {error.msg} at character {error.pos}")
            return
        if not isinstance(items, list):
            self.add(codes.IR_BAD_ITERATOR, path, "raw loop items must be a JSON list")

    def condition(self, path: Path, task: dict, parameters: dict) -> None:
        condition = _mapping(task.get("triggerPolicy")).get("condition")
        if not isinstance(condition, str) or not condition.strip():
            return
        here = path + ("triggerPolicy", "condition")
        problem = cel.syntax_error(condition)
        if problem is not None:
            self.add(codes.IR_BAD_CONDITION, here, f"condition is not valid CEL: {problem}")
        for match in _CONDITION_INPUT.finditer(condition):
            name = match.group(1) if match.group(1) is not None else match.group(2)
            if name not in parameters:
                suggestion = did_you_mean(name, parameters)
                self.add(
                    codes.IR_UNKNOWN_INPUT,
                    here,
                    f"condition reads `{name}`, which is not an input parameter of this task",
                    suggestion=suggestion,
                )

    # ------------------------------------------------------------------ DAGs

    def cycles(self, scope: _Scope) -> None:
        edges = [
            (producer, consumer)
            for consumer, task in scope.tasks.items()
            if isinstance(task, dict)
            for producer in _upstream(task)
            if producer in scope.tasks
        ]
        for cycle in _named_cycles(edges):
            related = [(self.document, scope.path + (name,), "in the cycle") for name in cycle[1:]]
            self.add(
                codes.IR_DEPENDENCY_CYCLE,
                scope.path + (cycle[0],),
                "dependency cycle: " + " → ".join(cycle + [cycle[0]]),
                part="key",
                related=related,
            )

    def dag_outputs(self, path: Path, dag: dict, scope: _Scope) -> None:
        outputs = _mapping(dag.get("outputs"))
        interface = scope.interface
        here = path + ("dag", "outputs")
        for kind, produced, declared, other in (
            ("parameter", _mapping(outputs.get("parameters")), interface.output_parameters, interface.output_artifacts),
            ("artifact", _mapping(outputs.get("artifacts")), interface.output_artifacts, interface.output_parameters),
        ):
            for name, spec in produced.items():
                key_path = here + (f"{kind}s", name)
                if name not in declared:
                    if name in other:
                        self.add(
                            codes.IR_KIND_MISMATCH,
                            key_path,
                            f"`{name}` is declared as "
                            f"{'an artifact' if kind == 'parameter' else 'a parameter'} output of "
                            f"`{scope.component}`",
                            part="key",
                        )
                    else:
                        suggestion = did_you_mean(name, declared)
                        self.add(
                            codes.IR_DAG_OUTPUT,
                            key_path,
                            f"DAG output {kind} `{name}` is not declared in outputDefinitions of `{scope.component}`",
                            part="key",
                            suggestion=suggestion,
                        )
                for selector_path, selector in _selectors(key_path, spec, kind):
                    self.selector(scope, selector_path, selector, kind, declared.get(name))
            for name in declared:
                if name not in produced:
                    self.add(
                        codes.IR_DAG_OUTPUT,
                        path + ("outputDefinitions", f"{kind}s", name),
                        f"output {kind} `{name}` is declared but the DAG never sets it in dag.outputs",
                        part="key",
                    )

    def selector(self, scope: _Scope, path: Path, selector: dict, kind: str, declared: dict | None) -> None:
        subtask = selector.get("producerSubtask")
        key_field = "outputParameterKey" if kind == "parameter" else "outputArtifactKey"
        if not self.names_task(scope, path + ("producerSubtask",), subtask):
            return
        producer = self.producer(scope, subtask)
        if producer is None:
            return
        expected = (declared or {}).get("parameterType") if kind == "parameter" else declared
        if expected == "LIST":
            expected = None  # a loop's collected output lists whatever its body produces
        self.output_key(
            path + (key_field,),
            selector.get(key_field),
            kind,
            producer,
            f"task `{subtask}`",
            expected,
            "the DAG output",
        )

    # ------------------------------------------------------------- executors

    def executor(self, path: Path, label: str, executor: Any) -> None:
        if not isinstance(executor, dict):
            return
        users = self.executor_users.get(label, [])
        if not users:
            self.add(codes.IR_UNUSED_EXECUTOR, path, f"executor `{label}` is not used by any component", part="key")
        container = executor.get("container")
        if isinstance(container, dict):
            self.container(path + ("container",), container, users)
        importer = executor.get("importer")
        if isinstance(importer, dict):
            self.importer(path + ("importer",), importer, users)

    def container(self, path: Path, container: dict, users: list[_User]) -> None:
        image = container.get("image")
        if not isinstance(image, str) or not image.strip():
            self.add(
                codes.IR_NO_IMAGE,
                path + ("image",) if "image" in container else path,
                "container has no image",
                part="value" if "image" in container else "key",
            )
        elements: list[tuple[Path, Any]] = [(path + ("image",), image)]
        for field_name in ("command", "args"):
            elements += [(path + (field_name, i), v) for i, v in enumerate(_sequence(container.get(field_name)))]
        pre_cache = _mapping(_mapping(container.get("lifecycle")).get("preCacheCheck"))
        for field_name in ("command", "args"):
            elements += [
                (path + ("lifecycle", "preCacheCheck", field_name, i), v)
                for i, v in enumerate(_sequence(pre_cache.get(field_name)))
            ]
        for element_path, element in elements:
            if isinstance(element, str):
                self.placeholders(element_path, element, users)

    def placeholders(self, path: Path, element: str, users: list[_User]) -> None:
        found = placeholders.scan(element)
        for problem in found.problems:
            self.add(codes.IR_PLACEHOLDER_MALFORMED, path, problem)
        for use in found.uses:
            for user in users:
                self.placeholder_use(path, use, user)

    def placeholder_use(self, path: Path, use: PlaceholderUse, user: _User) -> None:
        interface = user.interface
        inputs = {**interface.input_parameters, **interface.input_artifacts}
        table = {
            placeholders.INPUT_PARAMETER: (interface.input_parameters, interface.input_artifacts),
            placeholders.INPUT_ARTIFACT: (interface.input_artifacts, interface.input_parameters),
            placeholders.OUTPUT_PARAMETER: (interface.output_parameters, interface.output_artifacts),
            placeholders.OUTPUT_ARTIFACT: (interface.output_artifacts, interface.output_parameters),
            placeholders.ANY_INPUT: (inputs, {}),
        }
        same, other = table[use.kind]
        if use.name in same:
            return
        if use.kind == placeholders.INPUT_PARAMETER and use.name in self.supplied_by_callers(user.name):
            return  # e.g. an image from a parameter: `{{$.inputs.parameters['pipelinechannel--tag']}}`
        if use.name in other:
            right = "artifacts" if "artifact" not in use.kind else "parameters"
            direction = "inputs" if "input" in use.kind else "outputs"
            self.add(
                codes.IR_KIND_MISMATCH,
                path,
                f"`{use.text}` reads `{use.name}` as {_article(use.kind)}, but "
                f"`{user.name}` declares it among its {direction}.{right}",
            )
            return
        suggestion = did_you_mean(use.name, same)
        self.add(
            codes.IR_PLACEHOLDER_UNKNOWN_NAME,
            path,
            f"`{use.text}` names `{use.name}`, but `{user.name}` has no {use.kind} of that name",
            suggestion=suggestion,
        )

    def supplied_by_callers(self, component: str) -> set[str]:
        """Inputs every task calling `component` supplies beyond its declaration (SDK-added channels)."""
        callers = self.callers.get(component, [])
        supplied = None
        for task in callers:
            names = set(_mapping(_mapping(task.get("inputs")).get("parameters")))
            supplied = names if supplied is None else supplied & names
        return {name for name in supplied or () if _sdk_added(name)}

    def importer(self, path: Path, importer: dict, users: list[_User]) -> None:
        if "typeSchema" not in importer:
            self.add(codes.IR_MISSING_FIELD, path, "importer has no `typeSchema`", part="key")
        uri = _mapping(importer.get("artifactUri"))
        parameter = uri.get("runtimeParameter")
        if not isinstance(parameter, str):
            if not uri:
                self.add(codes.IR_MISSING_FIELD, path, "importer has no `artifactUri`", part="key")
            return
        for user in users:
            interface = user.interface
            if parameter not in interface.input_parameters:
                suggestion = did_you_mean(parameter, interface.input_parameters)
                self.add(
                    codes.IR_UNKNOWN_INPUT,
                    path + ("artifactUri", "runtimeParameter"),
                    f"importer reads `{parameter}`, but `{user.name}` has no input parameter of that name",
                    suggestion=suggestion,
                )

    def platform_executors(self, platforms: dict) -> None:
        kubernetes = _mapping(_mapping(platforms.get("platforms")).get("kubernetes"))
        executors = _mapping(_mapping(kubernetes.get("deploymentSpec")).get("executors"))
        for label in executors:
            if label not in self.executors and "deploymentSpec" in self.spec:  # else said once, for the document
                suggestion = did_you_mean(str(label), self.executors)
                self.report.add(
                    codes.IR_UNKNOWN_EXECUTOR,
                    self.platforms_document,
                    ("platforms", "kubernetes", "deploymentSpec", "executors", label),
                    f"no executor named `{label}` in the pipeline's deploymentSpec.executors",
                    part="key",
                    suggestion=suggestion,
                )


def _sdk_added(name: str) -> bool:
    return isinstance(name, str) and (name.startswith(SDK_CHANNEL_PREFIX) or name in SDK_ADDED_INPUTS)


def _upstream(task: dict) -> list[str]:
    """Tasks this task runs after: `dependentTasks` and every producer it reads from."""
    names = [d for d in _sequence(task.get("dependentTasks")) if isinstance(d, str)]
    inputs = _mapping(task.get("inputs"))
    for spec in list(_mapping(inputs.get("parameters")).values()) + list(_mapping(inputs.get("artifacts")).values()):
        spec = _mapping(spec)
        for source in ("taskOutputParameter", "taskOutputArtifact", "taskFinalStatus"):
            producer = _mapping(spec.get(source)).get("producerTask")
            if isinstance(producer, str):
                names.append(producer)
    return names


def _named_cycles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """One cycle of each strongly connected set of nodes, from its alphabetically first node so that it reads
    the same each run.  networkx (~0.1 s to import) is only asked when the quick test finds a cycle."""
    if not _has_cycle(edges):
        return []
    import networkx as nx

    graph = nx.DiGraph(edges)
    found = []
    for members in nx.strongly_connected_components(graph):
        node = next(iter(members))
        if len(members) == 1 and not graph.has_edge(node, node):
            continue
        cycle = [edge[0] for edge in nx.find_cycle(graph.subgraph(members))]
        start = cycle.index(min(cycle))
        found.append(cycle[start:] + cycle[:start])
    return found


def _has_cycle(edges: list[tuple[str, str]]) -> bool:
    """Kahn's algorithm: a graph has a cycle iff repeatedly removing nodes without predecessors leaves some."""
    successors: dict[str, list[str]] = {}
    waiting_on: dict[str, int] = {}
    for producer, consumer in edges:
        successors.setdefault(producer, []).append(consumer)
        waiting_on[consumer] = waiting_on.get(consumer, 0) + 1
        waiting_on.setdefault(producer, 0)
    ready = [node for node, count in waiting_on.items() if count == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for consumer in successors.get(node, ()):
            waiting_on[consumer] -= 1
            if waiting_on[consumer] == 0:
                ready.append(consumer)
    return removed < len(waiting_on)


def _selectors(path: Path, spec: Any, kind: str) -> list[tuple[Path, dict]]:
    spec = _mapping(spec)
    if kind == "parameter":
        out = []
        if isinstance(spec.get("valueFromParameter"), dict):
            out.append((path + ("valueFromParameter",), spec["valueFromParameter"]))
        oneof = _mapping(spec.get("valueFromOneof"))
        for index, selector in enumerate(_sequence(oneof.get("parameterSelectors"))):
            if isinstance(selector, dict):
                out.append((path + ("valueFromOneof", "parameterSelectors", index), selector))
        return out
    return [
        (path + ("artifactSelectors", index), selector)
        for index, selector in enumerate(_sequence(spec.get("artifactSelectors")))
        if isinstance(selector, dict)
    ]


def _article(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind
