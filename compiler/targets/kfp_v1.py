"""Lowering the checked DAG to KFP v1: the Argo Workflow that KFP SDK 1.8 writes.

The output must equal what kfp 1.8.22 writes (V1_LEGACY mode) for the
equivalent Python pipeline of container components, up to the names of
templates and tasks (tests/kfp_v1 holds its goldens), so this follows kfp
1.8's conventions:

- one container template per task, named after the task; one DAG template per
  group, named `exit-handler-N`, `condition-N`, `for-loop-N` with one
  pipeline-wide counter (a static loop's items take a number first:
  `loop-item-param-1`, `for-loop-2`); the root DAG is named after the pipeline;
- a value is passed by name: a template's input is named after what feeds it
  (`rows`, `make-count`, `loop-item-param-1`, `names-loop-item`), not after the
  component input, and every DAG between producer and consumer declares it
  ("punching holes"); constants are written into the command line;
- every output is an artifact `<task>-<output>`; only outputs read by value
  are also output parameters (kfp's pruning), and the two UI outputs are
  `mlpipeline-ui-metadata`/`mlpipeline-metrics`;
- `when` quotes both sides of `==`/`!=` and neither of the others; loops are
  `withItems`/`withParam` with `parallelism` (0: unlimited); `finally` is `onExit`;
- resources and node selectors taken from pipeline parameters go to `podSpecPatch`.

Where Argo can do more than kfp 1.8 did, this does: an output gathered after
a loop (fan-in) is surfaced as the loop DAG's output parameter, which Argo
collects into a JSON list; `elif`/`else` and `and`/`or`/`not` become `when`
expressions with `!`, `&&` and `||`.  What KFP 1.x can't express at all is
reported by `check_support` (PTF501, in kfp_v1_support.py) before lowering.
This module names everything and wires the DAGs; each task's container
template is written by kfp_v1_container.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import field

from ptflow import __version__
from ptflow.compiler import dag, types
from ptflow.compiler.names import k8s_name, unique_name
from ptflow.compiler.records import record
from ptflow.compiler.targets.kfp_v1_channels import Channel, ChannelKind
from ptflow.compiler.targets.kfp_v1_container import (
    KFP,
    RUNTIME_VARIABLES,
    SDK_VERSION_KEY,
    UI_OUTPUTS,
    ContainerBuilder,
    serialize,
    v1_runtime_command,
)
from ptflow.compiler.targets.kfp_v1_resource import ResourceBuilder, is_resource_step

MAX_GENERATE_NAME = 58  # Kubernetes' 63, less the 5 characters Argo appends
MAX_TEMPLATE_NAME = 128
_UNSAFE_KEY = re.compile(r"[^-_0-9A-Za-z]+")


def lower(graph: dag.PipelineGraph, parameter_overrides: dict | None = None) -> list[dict]:
    """The one YAML document of the compiled pipeline: an Argo Workflow."""
    return [Lowering(graph, parameter_overrides or {}).run()]


def lower_pipeline(graph: dag.PipelineGraph, parameter_overrides: dict, find_component) -> tuple[list[dict], dict]:
    """The target table's lowering (compiler/targets/registry.py): the documents, and the source map
    ((DAG key, task name) -> step span; Argo's DAG is flat, so every task is in "root")."""
    return lower(graph, parameter_overrides), {("root", task.name): task.span for task in graph.tasks.values()}


@record
class _DagTemplate:
    name: str
    group: dag.TaskGroup
    inputs: dict[str, Channel] = field(default_factory=dict)
    artifact_inputs: dict[str, Channel] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # output parameter -> `{{tasks...}}` reference
    # child (task or group) -> its DAG task being built
    tasks: dict[int, dict] = field(default_factory=dict)


class Lowering:
    def __init__(self, graph: dag.PipelineGraph, overrides: dict):
        self.graph = graph
        self.overrides = overrides
        self.pipeline_name = graph.display_name or k8s_name(graph.given_name or graph.name)
        self.root_name = k8s_name(self.pipeline_name) or "pipeline"
        self.names: dict[int, str] = {}  # id(task or group) -> template (and task) name
        self.item_channels: dict[int, str] = {}  # id(loop) -> the base name of its item channel
        self.parents: dict[int, list] = {}  # id(task or group) -> [root, ..., itself]
        self.dags: dict[int, _DagTemplate] = {}
        self.templates: list[dict] = []
        self.by_value: set[tuple[str, str]] = set()  # (task, output) read by value somewhere
        self.dependencies: dict[int, set[str]] = {}  # id(child) -> names of siblings it depends on
        # id(task or group) -> {argument name: (reference, is an artifact)} on the DAG task that calls it
        self.arguments: dict[int, dict[str, tuple[str, bool]]] = {}
        self.when: dict[int, str] = {}  # id(condition arm) -> its `when`
        self.loops: dict[int, dict] = {}  # id(loop) -> withItems/withParam and parallelism
        self.exit_inputs: dict[int, set[str]] = {}  # id(finally task) -> the pipeline parameters it reads
        self._component_annotations: dict[int, tuple[str, str]] = {}  # id(ComponentSpec) -> the two texts

    # ------------------------------------------------------------ run
    def run(self) -> dict:
        graph = self.graph
        self._name_everything()
        self.parents = dag.parent_chains(graph.root, skip_branches=True)
        body = [t for t in graph.tasks.values() if not t.in_finally]
        groups = [group for group in graph.root.groups() if not isinstance(group, dag.BranchesGroup)]
        for group in groups:
            self.dags[id(group)] = _DagTemplate(self.names[id(group)], group)
        for group in groups:
            self._wire_group(group)
        for task in body:
            self._wire_task(task)
        exit_tasks = [t for t in graph.tasks.values() if t.in_finally]
        # Every container first: reading an output by value (anywhere) makes it an output parameter.
        builders = [
            (ResourceBuilder if is_resource_step(task) else ContainerBuilder)(self, task) for task in body + exit_tasks
        ]
        containers = [builder.build() for builder in builders]
        for builder, template in zip(builders, containers):
            outputs = builder.outputs()
            if outputs:
                template["outputs"] = outputs
            if builder.task.in_finally:
                self.exit_inputs[id(builder.task)] = set(builder.input_parameters)
        for group in groups:
            self.templates.append(self._dag_template(self.dags[id(group)]))
        self.templates.extend(containers)
        spec: dict = {"entrypoint": self.root_name}
        on_exit = self._exit_handler(exit_tasks)
        self.templates.sort(key=lambda t: t["name"])
        spec["templates"] = self.templates
        spec["arguments"] = {"parameters": self._workflow_arguments()}  # kfp writes it even when empty
        spec["serviceAccountName"] = "pipeline-runner"
        pull_secrets = pipeline_image_pull_secrets(graph)
        if pull_secrets:
            spec["imagePullSecrets"] = [{"name": name} for name in pull_secrets]
        if on_exit:
            spec["onExit"] = on_exit
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {
                "generateName": f"{self.root_name}-",
                "annotations": {SDK_VERSION_KEY: __version__, f"{KFP}/pipeline_spec": self._pipeline_spec()},
                "labels": {SDK_VERSION_KEY: __version__},
            },
            "spec": spec,
        }

    # ------------------------------------------------------------ names
    def _name_everything(self) -> None:
        """Group names with kfp's one counter, in the order kfp's context managers are entered."""
        counter = [0]
        taken: set[str] = set()

        def next_id() -> int:
            counter[0] += 1
            return counter[0]

        def take(node, name: str) -> None:
            name = unique_name(name, taken)
            taken.add(name)
            self.names[id(node)] = name

        take(self.graph.root, self.root_name)
        for task in self.graph.tasks.values():
            take(task, task.name)

        def visit(group: dag.TaskGroup) -> None:
            for child in group.children:
                if not isinstance(child, dag.TaskGroup):
                    continue
                if isinstance(child, dag.ExitHandlerGroup):
                    take(child, f"exit-handler-{next_id()}")
                elif isinstance(child, dag.LoopGroup):
                    if isinstance(child.items, dag.Constant):
                        self.item_channels[id(child)] = f"loop-item-param-{next_id()}"
                    take(child, f"for-loop-{next_id()}")
                elif isinstance(child, dag.BranchesGroup):
                    pass  # its arms are condition tasks of the enclosing DAG
                elif isinstance(child, dag.ConditionGroup):
                    take(child, f"condition-{next_id()}")
                visit(child)

        visit(self.graph.root)
        for group in self.graph.root.groups():
            if isinstance(group, dag.LoopGroup) and id(group) not in self.item_channels:
                assert group.items is not None, "a checked loop has its items"
                self.item_channels[id(group)] = f"{self._items_source_name(group.items)}-loop-item"

    def _items_source_name(self, items: dag.Value) -> str:
        if isinstance(items, dag.PipelineInput):
            return items.name
        if isinstance(items, dag.TaskOutput):
            return f"{items.task}-{items.output}"
        if isinstance(items, dag.LoopItem):
            return self._channel_of(items).name
        return "items"

    def name_of(self, node) -> str:
        return self.names[id(node)]

    def dag_parent(self, node) -> dag.TaskGroup:
        """The group whose DAG holds the task that runs `node`."""
        return self.parents[id(node)][-2]

    # ------------------------------------------------------------ channels
    def _channel_of(self, value: dag.Value, artifact: bool = False) -> Channel:
        if isinstance(value, dag.PipelineInput):
            return Channel(value.name, value.name, ChannelKind.PARAM)
        if isinstance(value, dag.TaskOutput):
            name = f"{value.task}-{value.output}"
            if value.output in UI_OUTPUTS or k8s_name(value.output) in UI_OUTPUTS:
                name = k8s_name(value.output)
            kind = ChannelKind.GATHERED if value.gathered else ChannelKind.TASK
            return Channel(name, self.graph.tasks[value.task], kind, artifact, value.output)
        if isinstance(value, dag.LoopItem):
            base = self.item_channels[id(value.loop)]
            name = f"{base}-subvar-{value.field}" if value.field else base
            return Channel(name, value.loop, ChannelKind.ITEM, field=value.field)
        raise TypeError(f"no channel for {value!r}")

    def _source_group(self, channel: Channel) -> dag.TaskGroup:
        """The group in whose DAG the channel's value is directly available."""
        if channel.kind == ChannelKind.PARAM:
            return self.graph.root
        if channel.kind == ChannelKind.ITEM:
            return self.dag_parent(channel.source)
        if channel.kind == ChannelKind.GATHERED:
            producer_chain = self.parents[id(channel.source)]
            loop = next(group for group in reversed(producer_chain[:-1]) if isinstance(group, dag.LoopGroup))
            return self.dag_parent(loop)
        return self.dag_parent(channel.source)

    def _source_reference(self, channel: Channel, source_group: dag.TaskGroup) -> tuple[str, object | None]:
        """How the channel is referenced in its source group's DAG, and the sibling it comes from."""
        if channel.kind == ChannelKind.PARAM:
            return f"{{{{inputs.parameters.{channel.name}}}}}", None
        if channel.kind == ChannelKind.ITEM:
            return (f"{{{{item.{channel.field}}}}}" if channel.field else "{{item}}"), None
        if channel.kind == ChannelKind.GATHERED:
            sibling = self.parents[id(channel.source)][len(self.parents[id(source_group)])]
            return f"{{{{tasks.{self.name_of(sibling)}.outputs.parameters.{channel.name}}}}}", sibling
        kind = "artifacts" if channel.artifact else "parameters"
        return f"{{{{tasks.{self.name_of(channel.source)}.outputs.{kind}.{channel.name}}}}}", channel.source

    def _bring(self, channel: Channel, consumer, consumer_group: dag.TaskGroup) -> str:
        """Declare `channel` on every DAG from its source down to `consumer_group`; its reference there.

        `consumer` is the task or group (a child of `consumer_group`) that reads it; it gets a
        dependency on the producing sibling when the value comes straight from one.
        """
        source_group = self._source_group(channel)
        if channel.kind == ChannelKind.GATHERED:
            self._surface(channel, source_group)
        chain = self.parents[id(consumer_group)]
        start = next(i for i, group in enumerate(chain) if group is source_group)
        below = chain[start + 1 :]  # the groups between the source group and the consumer
        reference, sibling = self._source_reference(channel, source_group)
        local = f"{{{{inputs.{'artifacts' if channel.artifact else 'parameters'}.{channel.name}}}}}"
        for depth, group in enumerate(below):
            template = self.dags[id(group)]
            (template.artifact_inputs if channel.artifact else template.inputs)[channel.name] = channel
            caller_reference = reference if depth == 0 else local
            self._arguments_of(group).setdefault(channel.name, (caller_reference, channel.artifact))
        if sibling is not None:
            first = below[0] if below else consumer
            if first is not sibling:
                self.dependencies.setdefault(id(first), set()).add(self.name_of(sibling))
        if channel.kind == ChannelKind.PARAM:
            self.dags[id(self.graph.root)].inputs[channel.name] = channel
        return reference if not below else local

    def _surface(self, channel: Channel, source_group: dag.TaskGroup) -> None:
        """A gathered output: each DAG from the producer up to the source group outputs it."""
        chain = self.parents[id(channel.source)]
        start = next(i for i, group in enumerate(chain) if group is source_group)
        for position in range(len(chain) - 2, start, -1):
            group = chain[position]
            child = chain[position + 1]
            reference = f"{{{{tasks.{self.name_of(child)}.outputs.parameters.{channel.name}}}}}"
            self.dags[id(group)].outputs[channel.name] = reference
        self.by_value.add(channel.task_output())

    def _arguments_of(self, node) -> dict:
        return self.arguments.setdefault(id(node), {})

    # ------------------------------------------------------------ wiring
    def _wire_group(self, group: dag.TaskGroup) -> None:
        if group is self.graph.root:
            return
        if isinstance(group, dag.ConditionGroup):
            self.when[id(group)] = self._when(group)
        if isinstance(group, dag.LoopGroup):
            self.loops[id(group)] = self._loop(group)

    def _wire_task(self, task: dag.Task) -> None:
        for after in task.after:
            self._depend(task, self.graph.tasks[after])

    def _depend(self, consumer: dag.Task, producer: dag.Task) -> None:
        up, down = self.parents[id(producer)], self.parents[id(consumer)]
        index = 0
        while index < min(len(up), len(down)) and up[index] is down[index]:
            index += 1
        if index < len(up) and index < len(down):
            self.dependencies.setdefault(id(down[index]), set()).add(self.name_of(up[index]))

    # -- conditions
    def _when(self, group: dag.ConditionGroup) -> str:
        caller, caller_group = group, self.dag_parent(group)
        parts = [f"!({self._condition(c, caller, caller_group)})" for c in group.excluded]
        if group.condition is not None:
            text = self._condition(group.condition, caller, caller_group)
            parts.append(f"({text})" if parts else text)
        return " && ".join(parts)

    def _condition(self, condition: dag.Condition, caller, caller_group: dag.TaskGroup) -> str:
        if isinstance(condition, dag.Compare):
            left = self._operand(condition.left, caller, caller_group)
            right = self._operand(condition.right, caller, caller_group)
            if condition.op in ("==", "!="):
                return f'"{left}" {condition.op} "{right}"'
            return f"{left} {condition.op} {right}"
        if isinstance(condition, dag.BoolOp):
            joiner = " && " if condition.op == "and" else " || "
            return joiner.join(
                f"({self._condition(c, caller, caller_group)})" for c in (condition.left, condition.right)
            )
        if isinstance(condition, dag.Not):
            return f"!({self._condition(condition.operand, caller, caller_group)})"
        value = self._operand(condition.value, caller, caller_group)
        return f'"{value}" == "true" || "{value}" == "True"'

    def _operand(self, value: dag.Value, caller, caller_group: dag.TaskGroup) -> str:
        if isinstance(value, dag.Constant):
            return serialize(value.value)
        channel = self._channel_of(value)
        if channel.kind in (ChannelKind.TASK, ChannelKind.GATHERED):
            self.by_value.add(channel.task_output())
        return self._bring(channel, caller, caller_group)

    # -- loops
    def _loop(self, loop: dag.LoopGroup) -> dict:
        caller_group = self.dag_parent(loop)
        fields: dict = {}
        items = loop.items
        if isinstance(items, dag.Constant):
            fields["withItems"] = [_sanitize_item(item) for item in items.value]
        elif isinstance(items, dag.PipelineInput):
            fields["withParam"] = f"{{{{workflow.parameters.{items.name}}}}}"
        else:
            assert items is not None, "a checked loop has its items"
            channel = self._channel_of(items)
            if channel.kind in (ChannelKind.TASK, ChannelKind.GATHERED):
                self.by_value.add(channel.task_output())
            fields["withParam"] = self._bring(channel, loop, caller_group)
        fields["parallelism"] = loop.parallelism or 0
        return fields

    # ------------------------------------------------------------ DAGs
    def _dag_template(self, dag_template: _DagTemplate) -> dict:
        group = dag_template.group
        template: dict = {"name": dag_template.name}
        if isinstance(group, dag.LoopGroup):
            template["parallelism"] = self.loops[id(group)]["parallelism"]
        inputs: dict = {}
        if dag_template.inputs:
            inputs["parameters"] = [{"name": name} for name in sorted(dag_template.inputs)]
        if dag_template.artifact_inputs:
            inputs["artifacts"] = [{"name": name} for name in sorted(dag_template.artifact_inputs)]
        if inputs:
            template["inputs"] = inputs
        if dag_template.outputs:
            outputs = dag_template.outputs
            template["outputs"] = {
                "parameters": [{"name": name, "valueFrom": {"parameter": outputs[name]}} for name in sorted(outputs)]
            }
        tasks = []
        for child in self._dag_children(group):
            tasks.append(self._dag_task(child))
        template["dag"] = {"tasks": sorted(tasks, key=lambda t: t["name"])}
        return template

    def _dag_children(self, group: dag.TaskGroup):
        for child in group.children:
            if isinstance(child, dag.BranchesGroup):
                yield from child.children  # each arm is a condition task of this DAG
            elif isinstance(child, dag.Task) and child.in_finally:
                continue
            else:
                yield child

    def _dag_task(self, child) -> dict:
        name = self.name_of(child)
        task: dict = {"name": name, "template": name}
        if isinstance(child, dag.ConditionGroup):
            task["when"] = self.when[id(child)]
        dependencies = self.dependencies.get(id(child))
        if dependencies:
            task["dependencies"] = sorted(dependencies)
        arguments = self.arguments.get(id(child), {})
        parameters = [{"name": n, "value": ref} for n, (ref, artifact) in sorted(arguments.items()) if not artifact]
        artifacts = [{"name": n, "from": ref} for n, (ref, artifact) in sorted(arguments.items()) if artifact]
        if parameters or artifacts:
            task["arguments"] = {}
            if parameters:
                task["arguments"]["parameters"] = parameters
            if artifacts:
                task["arguments"]["artifacts"] = artifacts
        if isinstance(child, dag.LoopGroup):
            for key, value in self.loops[id(child)].items():
                if key != "parallelism":
                    task[key] = value
        return task

    # ------------------------------------------------------------ exit handler
    def _exit_handler(self, exit_tasks: list[dag.Task]) -> str | None:
        if not exit_tasks:
            return None
        if len(exit_tasks) == 1:
            return self.name_of(exit_tasks[0])
        # Several `finally` steps: one DAG runs them all (kfp 1.8 allows only one exit op).
        name = unique_name("exit-tasks", {t["name"] for t in self.templates})
        tasks = []
        for task in exit_tasks:
            entry: dict = {"name": self.name_of(task), "template": self.name_of(task)}
            used = sorted(self.exit_inputs.get(id(task), ()))
            if used:
                entry["arguments"] = {
                    "parameters": [{"name": n, "value": f"{{{{inputs.parameters.{n}}}}}"} for n in used]
                }
            dependencies = sorted(self.dependencies.get(id(task), ()))
            if dependencies:
                entry["dependencies"] = dependencies
            tasks.append(entry)
        template: dict = {"name": name}
        used = sorted({n for task in exit_tasks for n in self.exit_inputs.get(id(task), ())})
        if used:
            template["inputs"] = {"parameters": [{"name": n} for n in used]}
        template["dag"] = {"tasks": sorted(tasks, key=lambda t: t["name"])}
        self.templates.append(template)
        return name

    # ------------------------------------------------------------ workflow parameters
    def _parameter_value(self, port: dag.Port):
        if port.name in self.overrides:
            return self.overrides[port.name]
        return port.default if port.has_default else dag.NO_DEFAULT

    def _workflow_arguments(self) -> list[dict]:
        parameters = []
        for port in self.graph.inputs:
            if port.type.is_artifact:
                continue
            entry: dict = {"name": port.name}
            value = self._parameter_value(port)
            if value is not dag.NO_DEFAULT and value is not None:
                entry["value"] = serialize(value)
            parameters.append(entry)
        return parameters

    def component_annotations(self, spec: dag.ComponentSpec) -> tuple[str, str]:
        """The `component_spec` and `component_ref` annotations of a task running `spec`: the same for every
        task that calls the component, so written once per component (a JSON dump and a SHA-256 each)."""
        cached = self._component_annotations.get(id(spec))
        if cached is None:
            component, text = component_spec(spec)
            cached = self._component_annotations[id(spec)] = (
                json.dumps(component, sort_keys=True),
                json.dumps({"digest": hashlib.sha256(text.encode("utf-8")).hexdigest()}, sort_keys=True),
            )
        return cached

    def _pipeline_spec(self) -> str:
        spec: dict = {"name": self.pipeline_name}
        if self.graph.description:
            spec["description"] = self.graph.description
        inputs = []
        for port in self.graph.inputs:
            entry: dict = {"name": port.name, "type": v1_type(port.type)}
            value = self._parameter_value(port)
            if value is not dag.NO_DEFAULT and value is not None:
                entry["default"] = serialize(value)
                entry["optional"] = True
            elif port.type.optional:
                entry["optional"] = True
            inputs.append(entry)
        if inputs:
            spec["inputs"] = inputs
        return json.dumps(spec, sort_keys=True)


def pipeline_image_pull_secrets(graph: dag.PipelineGraph) -> list[str]:
    """The workflow's `imagePullSecrets`: kfp 1.8 has them once per pipeline
    (`dsl.get_pipeline_conf().set_image_pull_secrets`), for every pod, so they are the list the steps that set
    `image_pull_secrets` share (kfp_v1_support.py refused different lists and names known at run time)."""
    for task in graph.tasks.values():
        if task.options.image_pull_secrets:
            return [str(name) for name in task.options.image_pull_secrets]
    return []


def v1_type(type_: types.Type) -> str:
    if type_.is_artifact:
        return types.SCHEMA_TITLE_NAMES.get(type_.name, type_.name)
    if type_.kind == types.TypeKind.STATUS:
        return "String"
    return types.V1_PARAMETER_TYPES.get(type_.name, "String")


def component_spec(spec: dag.ComponentSpec) -> tuple[dict, str]:
    """The component as a KFP v1 component.yaml (a dict), and the text its digest is taken of."""
    if spec.v1_spec is not None:
        document = spec.v1_spec
    else:
        document = {"name": spec.name}
        if spec.description:
            document["description"] = spec.description
        if spec.inputs:
            document["inputs"] = [_input_spec(port) for port in spec.inputs]
        if spec.outputs:
            document["outputs"] = [_output_spec(port) for port in spec.outputs]
        container = spec.running_container()
        if container.runtime_step:
            command, args = v1_runtime_command(spec)
            document.setdefault("outputs", []).extend(
                [
                    {"name": "mlpipeline-ui-metadata", "type": "UI_metadata"},
                    {"name": "mlpipeline-metrics", "type": "Metrics"},
                ]
            )
        else:
            command, args = container.command, container.args
        implementation: dict = {"image": container.image}
        if command:
            implementation["command"] = [_placeholder(a) for a in command]
        if args:
            implementation["args"] = [_placeholder(a) for a in args]
        if container.env:
            implementation["env"] = dict(container.env)
        document["implementation"] = {"container": implementation}
    # The digest kfp records is of the component.yaml text; ptflow's text is this JSON (which is YAML).
    return document, json.dumps(document, sort_keys=True)


def _output_spec(port: dag.Port) -> dict:
    return {"name": port.name, "type": v1_type(port.type)}


def _input_spec(port: dag.Port) -> dict:
    """An input as kfp 1.8's component spec writes it: with its default, and `optional` where it may be left out."""
    entry = _output_spec(port)
    if port.has_default and port.default is not None:
        entry["default"] = serialize(port.default)
    if port.type.optional or (port.has_default and port.default is None):
        entry["optional"] = True
    return entry


def _placeholder(arg):
    if isinstance(arg, str):
        return arg
    if isinstance(arg, dag.InputValue):
        return {"inputValue": arg.input}
    if isinstance(arg, dag.InputPath):
        return {"inputPath": arg.input}
    if isinstance(arg, dag.OutputPath):
        return {"outputPath": arg.output}
    if isinstance(arg, (dag.Concat, dag.Template)):
        return {"concat": [_placeholder(part) for part in arg.parts]}
    if isinstance(arg, dag.IfPresent):
        body: dict = {"cond": {"isPresent": arg.input}, "then": [_placeholder(a) for a in arg.then]}
        if arg.otherwise:
            body["else"] = [_placeholder(a) for a in arg.otherwise]
        return {"if": body}
    if isinstance(arg, dag.RuntimePlaceholder):
        return RUNTIME_VARIABLES.get(arg.which, "")
    return str(arg)


def _sanitize_item(item):
    """Loop items as kfp writes them in `withItems` (dict keys made safe for `{{item.key}}`)."""
    if isinstance(item, dict):
        return {_sanitize_key(key): value for key, value in item.items()}
    return item


def _sanitize_key(key) -> str:
    return _UNSAFE_KEY.sub("_", str(key))
