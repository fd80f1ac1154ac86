"""Lowering the checked DAG to KFP v2 IR (PipelineSpec), as kfp's compiler writes it.

The output must equal what kfp 2.17 writes for the equivalent Python pipeline,
so this module follows kfp's conventions closely (see docs/targets.md):

- Groups are named `exit-handler-N`, `condition-branches-N`, `condition-N` and
  `for-loop-N` with one counter per pipeline, numbered in the order kfp's
  context managers would be entered (an `if` that gets `elif`/`else` arms
  swaps its number with the wrapper, as kfp does).
- A value used inside a group it was not produced in is passed into that group
  as an input named `pipelinechannel--<producer>-<output>` (or
  `pipelinechannel--<parameter>`), on every group between the producer and the
  consumer ("punching holes" through the sub-DAGs).
- Outputs gathered after a loop are surfaced as loop-DAG outputs.
- A `oneof(...)` is an output of its `condition-branches-N` DAG
  (`valueFromOneof.parameterSelectors` / `artifactSelectors`), each arm
  surfacing its step's output (compiler/targets/kfp_v2_oneof.py).
- Components and executors are one per task, named after the task, made
  unique with `-2`, `-3`, ... in the order kfp visits them.

Unlike kfp's compiler, this works in one linear pass over precomputed parent
chains; it never rebuilds per-task lists, so it stays linear in pipeline size.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import field
from typing import Any, TypeGuard

from ptflow import __version__
from ptflow.compiler import dag, quantities, types
from ptflow.compiler.names import k8s_name, unique_name
from ptflow.compiler.records import record
from ptflow.compiler.targets.cel import condition_to_cel
from ptflow.compiler.targets.ir_placeholders import RUNTIME, input_parameter, render_arg
from ptflow.compiler.targets.kfp_v2_oneof import OneOfOutputs
from ptflow.compiler.targets.kfp_v2_oneof import selection as _selection
from ptflow.compiler.targets.kfp_v2_structured import IMPORTER_METADATA, importer_metadata, importer_metadata_inputs
from ptflow.compiler.targets.runtime_command import runtime_command
from ptflow.compiler.workspace import kfp_pipeline_config

SCHEMA_VERSION = "2.1.0"
PREFIX = "pipelinechannel--"
ROOT = "<root>"


class ChannelOrigin(enum.StrEnum):
    """Where a channel's value comes from."""

    PARAM = "param"  # a pipeline input
    TASK = "task"  # a task's (or group's) output
    ITEMS = "items"  # a with-items loop's item
    SUBVAR = "subvar"  # a field of a loop item, read by a condition


@record(frozen=True, eq=False)
class Channel:
    """A value that flows across group boundaries, named as kfp names it."""

    name: str  # kfp's "full name": `<task>-<output>`, `<param>`, `loop-item-param-3`, ...
    definition: tuple  # ("param", parameterType) or ("artifact", schemaTitle, schemaVersion, is_list)
    producer: str | None = None  # the task (or group) in whose DAG the value is an output
    key: str | None = None  # the output key on the producer
    origin: ChannelOrigin = ChannelOrigin.PARAM
    loop: dag.LoopGroup | None = None  # for loop items: the loop that defines them
    # For a field of a loop item read by a condition (`<item>-subvar-<field>`): the item's channel and the field.
    item: Channel | None = None
    field: str | None = None

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def is_artifact(self) -> bool:
        return self.definition[0] == "artifact"

    def __eq__(self, other) -> bool:
        return isinstance(other, Channel) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _is_raw_item_field(value: dag.Value) -> TypeGuard[dag.LoopItem]:
    """A field of the item of a loop over a constant list (`for kv in [{...}] { ... kv.a ... }`)."""
    return isinstance(value, dag.LoopItem) and value.field is not None and isinstance(value.loop.items, dag.Constant)


def parameter_type(type_: types.Type) -> str:
    if type_.kind == types.TypeKind.STATUS:
        return "TASK_FINAL_STATUS"
    if type_.name == "any":
        return "STRING"
    return types.PARAMETER_TYPES.get(type_.name, "STRING")


def _definition(type_: types.Type) -> tuple:
    if type_.is_artifact:
        return ("artifact", type_.name, type_.schema_version, type_.is_list)
    return ("param", parameter_type(type_))


def _artifact_type(type_: types.Type) -> dict:
    return {"schemaTitle": type_.name, "schemaVersion": type_.schema_version}


def proto_value(value):
    """A Python value as protobuf's Value writes it in JSON: every number a float."""
    if isinstance(value, bool):  # a bool is an int to Python: kept true/false, not 1.0/0.0
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [proto_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): proto_value(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------ the result


@record
class LoweredPipeline:
    """A PipelineSpec being built: the parts kfp merges when pipelines nest."""

    components: dict = field(default_factory=dict)
    executors: dict = field(default_factory=dict)
    platform_executors: dict = field(default_factory=dict)
    root: dict = field(default_factory=dict)
    pipeline_info: dict = field(default_factory=dict)
    # (DAG component key, task name) -> the span of the step; "root" is the pipeline's own DAG.
    source_map: dict = field(default_factory=dict)


def lower_pipeline(graph: dag.PipelineGraph, parameter_overrides: dict, find_component) -> tuple[list[dict], dict]:
    """The target table's lowering (compiler/targets/registry.py): the documents and the source map."""
    return lower_with_source_map(graph, parameter_overrides)


def lower_with_source_map(graph: dag.PipelineGraph, parameter_overrides: dict | None = None) -> tuple[list[dict], dict]:
    """The documents, and where each task (by DAG component key and task name) was declared."""
    lowered = _Lowering(graph).run()
    spec: dict[str, Any] = {
        "components": lowered.components,
        "deploymentSpec": {"executors": lowered.executors},
        **({"defaultPipelineRoot": graph.pipeline_root} if graph.pipeline_root else {}),
        "pipelineInfo": lowered.pipeline_info,
        "root": lowered.root,
        "schemaVersion": SCHEMA_VERSION,
        "sdkVersion": f"ptflow-{__version__}",
    }
    if not lowered.components:
        del spec["components"]
    for name, value in (parameter_overrides or {}).items():
        definition = spec["root"].get("inputDefinitions", {}).get("parameters", {}).get(name)
        if definition is not None:
            definition["defaultValue"] = proto_value(value)
            definition["isOptional"] = True
    documents = [spec]
    kubernetes: dict[str, Any] = {}
    if lowered.platform_executors:
        kubernetes["deploymentSpec"] = {"executors": lowered.platform_executors}
    if graph.workspace is not None:
        kubernetes["pipelineConfig"] = kfp_pipeline_config(graph.workspace)
    if kubernetes:
        documents.append({"platforms": {"kubernetes": kubernetes}})
    return documents, lowered.source_map


def group_names(graph: dag.PipelineGraph) -> dict[int, str]:
    """{id(group): its KFP DAG name} (`for-loop-2`, `condition-4`, ...): the names in a run's task paths."""
    lowering = _Lowering(graph)
    lowering._name_groups()
    return lowering.group_names


# ----------------------------------------------------------- the lowering


class _Lowering:
    def __init__(self, graph: dag.PipelineGraph):
        self.graph = graph
        self.group_names: dict[int, str] = {}
        self.loop_items: dict[int, Channel] = {}  # loop -> its item channel
        self.parents: dict[int, list] = {}  # task or group -> [root, ..., itself]
        self.inputs: dict[str, dict[str, Channel]] = {}  # group -> the channels it takes, by name
        self.dag_outputs: dict[str, dict[str, dict]] = {}
        self.dependencies: dict[str, set[str]] = {}
        self._rendered: dict[int, tuple[list[str], list[str]]] = {}
        self._pending_inner_map: dict = {}
        self.oneofs = OneOfOutputs(self)
        self._guarded: dag.ExitHandlerGroup | None = None  # while an exit task is built: the group it runs after
        self.out = LoweredPipeline()

    # ------------------------------------------------------------ run
    def run(self) -> LoweredPipeline:
        graph = self.graph
        self._name_groups()
        self.parents = dag.parent_chains(graph.root)
        for task in self._body_tasks():
            self._collect_task(task)
        self._surface_returns()
        self.out.root = self._root_component()
        for group in graph.root.groups():
            self._build_group(group)
        self._build_exit_tasks()
        self._root_outputs()
        info = {"name": k8s_name(graph.given_name or graph.name)}
        if graph.description:
            info["description"] = graph.description
        if graph.display_name:
            info["displayName"] = graph.display_name
        self.out.pipeline_info = info
        return self.out

    def _body_tasks(self):
        return [task for task in self.graph.tasks.values() if not task.in_finally]

    # ----------------------------------------------------- group names
    def _name_groups(self) -> None:
        counter = [0]

        def next_id() -> int:
            counter[0] += 1
            return counter[0]

        def visit(group: dag.TaskGroup) -> None:
            for child in group.children:
                if not isinstance(child, dag.TaskGroup):
                    continue
                if isinstance(child, dag.ExitHandlerGroup):
                    self.group_names[id(child)] = f"exit-handler-{next_id()}"
                    visit(child)
                elif isinstance(child, dag.LoopGroup):
                    item_code = next_id() if isinstance(child.items, dag.Constant) else None
                    self.group_names[id(child)] = f"for-loop-{next_id()}"
                    self.loop_items[id(child)] = self._loop_item_channel(child, item_code)
                    visit(child)
                elif isinstance(child, dag.ConditionGroup):
                    self.group_names[id(child)] = f"condition-{next_id()}"
                    visit(child)
                elif isinstance(child, dag.BranchesGroup):
                    arms = _arms(child)
                    first = next_id()
                    visit(arms[0])
                    wrapper = next_id()
                    # kfp creates the wrapper when it meets the first elif/else and
                    # swaps numbers, so the wrapper reads before its arms.
                    self.group_names[id(child)] = f"condition-branches-{first}"
                    self.group_names[id(arms[0])] = f"condition-{wrapper}"
                    for arm in arms[1:]:
                        self.group_names[id(arm)] = f"condition-{next_id()}"
                        visit(arm)

        visit(self.graph.root)

    def _loop_item_channel(self, loop: dag.LoopGroup, item_code: int | None) -> Channel:
        item_type = loop.item_type or types.ANY_ITEM
        if item_code is not None:
            return Channel(
                f"loop-item-param-{item_code}", _definition(item_type), origin=ChannelOrigin.ITEMS, loop=loop
            )
        assert loop.items is not None, "a checked loop has its items"
        items_channel = self._items_channel(loop)
        assert items_channel is not None, "a loop over a value other than a constant list has an items channel"
        return Channel(
            f"{items_channel.name}-loop-item",
            _definition(item_type),
            producer=items_channel.producer,
            origin=items_channel.origin,
            loop=loop,
        )

    def name_of(self, node) -> str:
        if isinstance(node, dag.Task):
            return node.name
        if node is self.graph.root:
            return ROOT
        return self.group_names[id(node)]

    def _uncommon(self, upstream, downstream) -> tuple[list, list]:
        """The ancestor chains of two nodes below their lowest common group."""
        up, down = self.parents[id(upstream)], self.parents[id(downstream)]
        index = 0
        while index < min(len(up), len(down)) and up[index] is down[index]:
            index += 1
        return up[index:], down[index:]

    # -------------------------------------------------------- channels
    def _channel_of(self, value: dag.Value) -> Channel:
        """The channel a value travels in (loop items: the item channel)."""
        if isinstance(value, dag.PipelineInput):
            return Channel(value.name, _definition(value.type), origin=ChannelOrigin.PARAM)
        if isinstance(value, dag.TaskOutput):
            if value.gathered:
                surfaced = f"{PREFIX}{value.task}-{value.output}"
                loop = self._gathering_loop(value)
                loop_name = self.name_of(loop)
                return Channel(
                    f"{loop_name}-{surfaced}",
                    _definition(value.type),
                    producer=loop_name,
                    key=surfaced,
                    origin=ChannelOrigin.TASK,
                )
            return Channel(
                f"{value.task}-{value.output}",
                _definition(value.type),
                producer=value.task,
                key=value.output,
                origin=ChannelOrigin.TASK,
            )
        if isinstance(value, dag.LoopItem):
            return self.loop_items[id(value.loop)]
        if isinstance(value, dag.OneOf):
            return self.oneofs.channel(value)
        raise TypeError(f"no channel for {value!r}")

    def _gathering_loop(self, value: dag.TaskOutput) -> dag.LoopGroup:
        """The outermost loop a gathered output is gathered over: the group whose DAG output the consumer reads."""
        producer = self.graph.tasks[value.task]
        loops = [group for group in producer.group.ancestors() if isinstance(group, dag.LoopGroup)]
        if len(loops) < value.gathered:
            raise ValueError(f"{value.task} is not in {value.gathered} loops")
        return loops[value.gathered - 1]

    def _values_of(self, value: dag.Value):
        if isinstance(value, dag.Interpolation):
            for part in value.parts:
                if not isinstance(part, str):
                    yield from self._values_of(part)
        elif isinstance(value, dag.Structured):
            for part in value.run_time_values():
                yield from self._values_of(part)
        elif isinstance(value, (dag.PipelineInput, dag.TaskOutput, dag.LoopItem, dag.OneOf)):
            yield value

    def _task_values(self, task: dag.Task) -> list[dag.Value]:
        values = []
        for value in task.arguments.values():
            values.extend(self._values_of(value))
        for option in self._resource_parameters(task).values():
            values.append(option)
        values.extend(task.options.run_time_values())  # secret, ConfigMap and PVC names known at run time
        return values

    def _condition_values(self, node) -> list[dag.Value]:
        values: list[dag.Value] = []
        for group in self.parents[id(node)][:-1]:
            if isinstance(group, dag.ConditionGroup):
                for condition in [*group.excluded, group.condition]:
                    if condition is not None:
                        values.extend(v for v in dag.condition_values(condition) if not isinstance(v, dag.Constant))
        return values

    def _collect_task(self, task: dag.Task) -> None:
        """Record, for every group above `task`, the channels it must receive, and the dependencies."""
        task_values, condition_values = self._task_values(task), self._condition_values(task)
        values = task_values + condition_values
        for value in task_values:
            self._propagate(value, task)
        for value in condition_values:
            if isinstance(value, dag.LoopItem) and _is_raw_item_field(value):
                self._propagate_raw_item_field(value, task)
            else:
                self._propagate(value, task)
        upstream = set()
        for value in values:
            producer_name = self._producer_task(value)
            if producer_name is not None:
                upstream.add(producer_name)
        upstream.update(task.after)
        for value in values:
            if isinstance(value, dag.OneOf):
                # It waits for the chain, which is a sibling of the consumer or of a group holding it.
                up, down = self._uncommon(value.branches, task)
                self.dependencies.setdefault(self.name_of(down[0]), set()).add(self.name_of(up[0]))
                self.oneofs.surface(value)
        for name in sorted(upstream):
            up, down = self._uncommon(self.graph.tasks[name], task)
            self.dependencies.setdefault(self.name_of(down[0]), set()).add(self.name_of(up[0]))
        for value in values:
            if isinstance(value, dag.TaskOutput) and value.gathered:
                self._surface(value, task)

    def _producer_task(self, value: dag.Value) -> str | None:
        if isinstance(value, dag.TaskOutput):
            return value.task
        if isinstance(value, dag.LoopItem):
            items = value.loop.items
            return self._producer_task(items) if items is not None else None  # constant items: None below
        return None

    def _add_input(self, node, channel: Channel) -> None:
        self.inputs.setdefault(self.name_of(node), {}).setdefault(channel.name, channel)

    def _propagate(self, value: dag.Value, task: dag.Task) -> None:
        """Add a value's channel to the inputs of every group it must cross to reach `task`."""
        if isinstance(value, dag.LoopItem) and isinstance(value.loop.items, dag.Constant):
            # A constant loop's items come into being at the loop: from the
            # task up to the loop that defines them.
            channel = self.loop_items[id(value.loop)]
            for node in reversed(self.parents[id(task)]):
                self._add_input(node, channel)
                if node is value.loop:
                    break
            return
        chain = self._chain(value)
        producer_name = self._producer_task(value)
        producer: dag.TaskGroup | dag.Task | None
        if isinstance(value, dag.TaskOutput) and value.gathered:
            producer = self._gathering_loop(value)
        elif isinstance(value, dag.OneOf):
            producer = value.branches
        elif producer_name is not None:
            producer = self.graph.tasks[producer_name]
        else:
            producer = None
        walk = self.parents[id(task)] if producer is None else self._uncommon(producer, task)[1]
        for node in walk:
            self._add_input(node, chain[-1])
            if isinstance(node, dag.LoopGroup) and len(chain) > 1 and chain[-1] == self._items_source(node):
                chain.pop()

    def _propagate_raw_item_field(self, value: dag.LoopItem, task: dag.Task) -> None:
        """A condition on a field of a constant loop's item: kfp hands each group between the task and the
        loop the field itself (`...-subvar-<field>`), not the whole item."""
        channel = self._subvar_channel(value)
        for node in reversed(self.parents[id(task)]):
            if node is value.loop:
                break
            self._add_input(node, channel)

    def _subvar_channel(self, value: dag.LoopItem) -> Channel:
        """The channel of one field of a loop item, as kfp names it; typed as the field (kfp types it as the
        item's dict value type, `STRING` when unknown)."""
        item = self.loop_items[id(value.loop)]
        type_ = value.type if value.type is not None and value.type.name != "any" else None
        definition = _definition(type_) if type_ is not None else ("param", "STRING")
        return Channel(
            f"{item.name}-subvar-{value.field}",
            definition,
            origin=ChannelOrigin.SUBVAR,
            loop=value.loop,
            item=item,
            field=value.field,
        )

    def _items_channel(self, loop: dag.LoopGroup) -> Channel | None:
        """The channel a loop iterates: over a field of an outer loop's item, that field's own channel (kfp's
        `...-loop-item-subvar-<field>`), so that the outer item keeps its name inside the loop."""
        if loop.items is None or isinstance(loop.items, dag.Constant):
            return None
        if isinstance(loop.items, dag.LoopItem) and loop.items.field is not None:
            return self._subvar_channel(loop.items)
        return self._channel_of(loop.items)

    def _items_source(self, loop: dag.LoopGroup) -> Channel | None:
        """The channel a loop's items are read from: the outer item itself for a loop over one of its fields."""
        items = self._items_channel(loop)
        return items.item if items is not None and items.origin is ChannelOrigin.SUBVAR else items

    def _chain(self, value: dag.Value) -> list[Channel]:
        """The channels a value passes through, most specific first (kfp's `channels_to_add`)."""
        if isinstance(value, dag.LoopItem):
            chain = [self.loop_items[id(value.loop)]]
            items = value.loop.items
            if items is not None and not isinstance(items, dag.Constant):
                chain.extend(self._chain(items))
            return chain
        return [self._channel_of(value)]

    def _surface(self, value: dag.TaskOutput, consumer: dag.Task) -> None:
        """Expose a gathered output as an output of each group between the producer and the consumer."""
        producer = self.graph.tasks[value.task]
        up, _ = self._uncommon(producer, consumer)
        surfaced = f"{PREFIX}{value.task}-{value.output}"
        source_name, source_key = value.task, value.output
        for node in reversed(up[:-1]):
            outputs = self.dag_outputs.setdefault(self.name_of(node), {})
            outputs[surfaced] = {"producer": source_name, "key": source_key, "type": value.type}
            source_name, source_key = self.name_of(node), surfaced

    # ------------------------------------------------------ components
    def _root_component(self) -> dict:
        component = {}
        definitions = self._input_definitions(self.graph.inputs)
        if definitions:
            component["inputDefinitions"] = definitions
        outputs = self._output_definitions(self.graph.outputs)
        if outputs:
            component["outputDefinitions"] = outputs
        component["dag"] = {"tasks": {}}
        return component

    def _input_definitions(self, ports: list[dag.Port]) -> dict:
        return _definitions(ports, inputs=True)

    def _output_definitions(self, ports: list[dag.Port]) -> dict:
        return _definitions(ports, inputs=False)

    def _component_of(self, group: dag.TaskGroup) -> dict:
        if group is self.graph.root:
            return self.out.root
        return self.out.components[self._group_component_names[id(group)]]

    def _build_group(self, group: dag.TaskGroup) -> None:
        """Build the tasks of one DAG: its sub-groups first, then its tasks (kfp's order)."""
        if not hasattr(self, "_group_component_names"):
            self._group_component_names = {}
        component = self._component_of(group)
        dag_tasks = component.setdefault("dag", {}).setdefault("tasks", {})
        children: list[dag.Task | dag.TaskGroup] = [c for c in group.children if isinstance(c, dag.TaskGroup)]
        children += [c for c in group.children if isinstance(c, dag.Task) and not c.in_finally]
        siblings = {self.name_of(c) for c in children}
        parent_inputs = component.get("inputDefinitions", {})
        for child in children:
            if isinstance(child, dag.Task):
                task_spec, child_component = self._task(child, siblings, parent_inputs, group is self.graph.root)
            else:
                task_spec, child_component = self._group_task(child, siblings, group is self.graph.root, parent_inputs)
            name = self.name_of(child)
            dependencies = self.dependencies.get(name)
            if dependencies:
                task_spec["dependentTasks"] = sorted(dependencies)
            component_name = unique_name(f"comp-{name}", self.out.components)
            task_spec["componentRef"] = {"name": component_name}
            self.out.components[component_name] = child_component
            if isinstance(child, dag.TaskGroup):
                self._group_component_names[id(child)] = component_name
            else:
                self.out.source_map[(self._dag_key(group), name)] = child.span
                self._adopt_inner_source_map(component_name)
            dag_tasks[name] = task_spec

    # ----------------------------------------------------- group tasks
    def _group_channels(self, group: dag.TaskGroup) -> list[Channel]:
        channels = list(self.inputs.get(self.name_of(group), {}).values())
        if isinstance(group, dag.LoopGroup):
            items = self._items_channel(group)
            if items is not None:
                channels.append(items)
            channels.append(self.loop_items[id(group)])
        if isinstance(group, dag.ConditionGroup):
            for condition in [*group.excluded, group.condition]:
                if condition is None:
                    continue
                for value in dag.condition_values(condition):
                    if isinstance(value, dag.Constant):
                        continue
                    # A field of a loop item is read through its own input (kfp's "subvar"); a loop over a
                    # parameter or output also hands the condition the whole item, a constant loop does not.
                    if not _is_raw_item_field(value):
                        channels.append(self._channel_of(value))
                    if isinstance(value, dag.LoopItem) and value.field is not None:
                        channels.append(self._subvar_channel(value))
        unique: dict[str, Channel] = {}
        for channel in channels:
            unique.setdefault(channel.name, channel)
        return list(unique.values())

    def _group_task(
        self, group: dag.TaskGroup, siblings: set[str], parent_is_root: bool, parent_inputs: dict
    ) -> tuple[dict, dict]:
        name = self.name_of(group)
        channels = self._group_channels(group)
        component: dict = {}
        parameters: dict[str, dict] = {}
        artifacts: dict[str, dict] = {}
        for channel in channels:
            if channel.is_artifact:
                definition: dict[str, Any] = {
                    "artifactType": {"schemaTitle": channel.definition[1], "schemaVersion": channel.definition[2]}
                }
                if channel.definition[3]:
                    definition["isArtifactList"] = True
                artifacts[channel.input_name] = definition
            else:
                parameters[channel.input_name] = {"parameterType": channel.definition[1]}
        if artifacts or parameters:
            component["inputDefinitions"] = {}
            if artifacts:
                component["inputDefinitions"]["artifacts"] = artifacts
            if parameters:
                component["inputDefinitions"]["parameters"] = parameters
        outputs = self.dag_outputs.get(name, {})
        if outputs:
            dag_outputs: dict = {}
            definitions: dict = {}
            for key, output in outputs.items():
                type_ = output["type"]
                if "selectors" in output:
                    self.oneofs.write_output(key, output, dag_outputs, definitions)
                elif type_.is_artifact:
                    dag_outputs.setdefault("artifacts", {})[key] = {
                        "artifactSelectors": [
                            {"outputArtifactKey": output["key"], "producerSubtask": output["producer"]}
                        ]
                    }
                    output_definition: dict[str, Any] = {"artifactType": _artifact_type(type_)}
                    if type_.is_list:
                        output_definition["isArtifactList"] = True
                    definitions.setdefault("artifacts", {})[key] = output_definition
                else:
                    dag_outputs.setdefault("parameters", {})[key] = {
                        "valueFromParameter": {
                            "outputParameterKey": output["key"],
                            "producerSubtask": output["producer"],
                        }
                    }
                    definitions.setdefault("parameters", {})[key] = {"parameterType": parameter_type(type_)}
            component["dag"] = {"outputs": dag_outputs, "tasks": {}}
            component["outputDefinitions"] = definitions
        else:
            component["dag"] = {"tasks": {}}

        display_name = group.display_name if isinstance(group, dag.ExitHandlerGroup) else None
        task: dict = {"taskInfo": {"name": display_name or name}}
        inputs: dict = {}
        for channel in channels:
            kind = "artifacts" if channel.is_artifact else "parameters"
            if channel.item is not None and channel.input_name not in parent_inputs.get("parameters", {}):
                # The field, read out of the item this DAG receives.
                binding: dict[str, Any] = {
                    "componentInputParameter": channel.item.input_name,
                    "parameterExpressionSelector": f'parseJson(string_value)["{channel.field}"]',
                }
            elif channel.producer is not None and channel.producer in siblings:
                key = "taskOutputArtifact" if channel.is_artifact else "taskOutputParameter"
                key_field = "outputArtifactKey" if channel.is_artifact else "outputParameterKey"
                binding = {key: {key_field: channel.key, "producerTask": channel.producer}}
            else:
                key = "componentInputArtifact" if channel.is_artifact else "componentInputParameter"
                binding = {key: channel.name if parent_is_root else channel.input_name}
            inputs.setdefault(kind, {})[channel.input_name] = binding
        if isinstance(group, dag.LoopGroup):
            self._loop_iterator(group, task, inputs)
        if inputs:
            task["inputs"] = {k: v for k, v in inputs.items() if v}
            if not task["inputs"]:
                del task["inputs"]
        if isinstance(group, dag.ConditionGroup):
            task["triggerPolicy"] = {"condition": condition_to_cel(group, self._cel_channel)}
        return task, component

    def _cel_channel(self, value: dag.Value) -> str:
        channel = self._channel_of(value)
        if isinstance(value, dag.LoopItem) and value.field is not None:
            return f"{channel.input_name}-subvar-{value.field}"
        return channel.input_name

    def _loop_iterator(self, loop: dag.LoopGroup, task: dict, inputs: dict) -> None:
        item = self.loop_items[id(loop)]
        if isinstance(loop.items, dag.Constant):
            iterator = {"itemInput": item.input_name, "items": {"raw": json.dumps(loop.items.value, sort_keys=True)}}
            task["parameterIterator"] = iterator
        else:
            items = self._items_channel(loop)
            assert items is not None, "a loop over a value other than a constant list has an items channel"
            if items.is_artifact:
                task["artifactIterator"] = {"itemInput": item.input_name, "items": {"inputArtifact": items.input_name}}
            else:
                task["parameterIterator"] = {
                    "itemInput": item.input_name,
                    "items": {"inputParameter": items.input_name},
                }
        for kind in ("parameters", "artifacts"):
            inputs.get(kind, {}).pop(item.input_name, None)
        if loop.parallelism:
            task["iteratorPolicy"] = {"parallelismLimit": loop.parallelism}

    # ---------------------------------------------------------- tasks
    def _binding(self, value: dag.Value, siblings: set[str], parent_inputs: dict) -> tuple[str, dict]:
        """(kind, binding) of a value passed to a task input."""
        if isinstance(value, dag.Constant):
            return "parameters", {"runtimeValue": {"constant": proto_value(value.value)}}
        if isinstance(value, dag.RuntimeValue):
            return "parameters", {"runtimeValue": {"constant": RUNTIME[value.which]}}
        if isinstance(value, dag.FinalStatus):
            return "parameters", {"taskFinalStatus": {"producerTask": self.name_of(self._guarded)}}
        channel = self._channel_of(value)
        kind = "artifacts" if channel.is_artifact else "parameters"
        if isinstance(value, dag.LoopItem):
            key = "componentInputArtifact" if channel.is_artifact else "componentInputParameter"
            binding = {key: channel.input_name}
            if value.field is not None:
                binding["parameterExpressionSelector"] = f'parseJson(string_value)["{value.field}"]'
            return kind, binding
        if channel.producer is not None and channel.producer in siblings:
            if channel.is_artifact:
                return kind, {
                    "taskOutputArtifact": {"outputArtifactKey": channel.key, "producerTask": channel.producer}
                }
            return kind, {"taskOutputParameter": {"outputParameterKey": channel.key, "producerTask": channel.producer}}
        key = "componentInputArtifact" if channel.is_artifact else "componentInputParameter"
        declared = parent_inputs.get(kind, {})
        is_declared_input = channel.origin == ChannelOrigin.PARAM and channel.name in declared
        name = channel.name if is_declared_input else channel.input_name
        return kind, {key: name}

    def _interpolation(self, value: dag.Interpolation, inputs: dict, siblings, parent_inputs) -> str:
        text = []
        for part in value.parts:
            if isinstance(part, str):
                text.append(part)
            elif isinstance(part, dag.RuntimeValue):
                text.append(RUNTIME[part.which])
            elif isinstance(part, dag.Constant):
                text.append(str(part.value))
            else:
                channel = self._channel_of(part)
                name = channel.input_name
                if isinstance(part, dag.LoopItem) and part.field is not None:
                    name = f"{name}-subvar-{part.field}"
                text.append(input_parameter(name))
                _, binding = self._binding(part, siblings, parent_inputs)
                inputs.setdefault("parameters", {})[name] = binding
        return "".join(text)

    def _resource_parameters(self, task: dag.Task) -> dict[str, dag.PipelineInput | dag.TaskOutput]:
        """Resource options known at run time (pipeline parameters, step outputs), by kfp's injected input name."""
        options = task.options
        found = {}
        for key, value in (*options.resources().items(), ("base_image", options.image)):
            if isinstance(value, (dag.PipelineInput, dag.TaskOutput)):
                found[key] = value
        return found

    def _resource_channel(self, value: dag.PipelineInput | dag.TaskOutput) -> str:
        """The task input a run-time resource travels in: `pipelinechannel--<param>` or
        `pipelinechannel--<task>-<output>`, as kfp names it."""
        return self._channel_of(value).input_name

    def _task(self, task: dag.Task, siblings: set[str], parent_inputs: dict, parent_is_root: bool) -> tuple[dict, dict]:
        spec: dict = {"taskInfo": {"name": task.display_name}}
        spec["cachingOptions"] = {"enableCache": True} if task.options.cache else {}
        if task.options.cache_key is not None:
            spec["cachingOptions"]["cacheKey"] = task.options.cache_key
        if task.options.retry is not None:
            spec["retryPolicy"] = _retry_policy(task.options.retry)
        if task.options.ignore_upstream_failure:
            spec["triggerPolicy"] = {"strategy": "ALL_UPSTREAM_TASKS_COMPLETED"}
        inputs: dict = {}
        for name, value in task.arguments.items():
            if isinstance(value, dag.Interpolation):
                constant = self._interpolation(value, inputs, siblings, parent_inputs)
                inputs.setdefault("parameters", {})[name] = {"runtimeValue": {"constant": constant}}
                continue
            if isinstance(value, dag.Structured) and task.component.kind == dag.ComponentKind.IMPORTER:
                # Its values travel in inputs of its own, which the executor's `metadata` names.
                for part, input_name in importer_metadata_inputs(value).items():
                    inputs.setdefault("parameters", {})[input_name] = self._binding(part, siblings, parent_inputs)[1]
                continue
            if isinstance(value, dag.Structured):
                constant = value.render(
                    lambda leaf: self._interpolation(_as_interpolation(leaf), inputs, siblings, parent_inputs)
                )
                inputs.setdefault("parameters", {})[name] = {"runtimeValue": {"constant": proto_value(constant)}}
                continue
            kind, binding = self._binding(value, siblings, parent_inputs)
            inputs.setdefault(kind, {})[name] = binding
        for key, parameter in self._resource_parameters(task).items():
            channel_name = self._resource_channel(parameter)
            inputs.setdefault("parameters", {})[key] = {"runtimeValue": {"constant": input_parameter(channel_name)}}
            _, binding = self._binding(parameter, siblings, parent_inputs)
            inputs["parameters"][channel_name] = binding
        if inputs:
            spec["inputs"] = inputs
        component = self._task_component(task, lambda value: self._binding(value, siblings, parent_inputs)[1])
        return spec, component

    def _task_component(self, task: dag.Task, bind: Callable[[dag.Value], dict]) -> dict:
        spec = task.component
        if spec.kind == dag.ComponentKind.PIPELINE:
            assert spec.pipeline is not None, "a pipeline component carries its graph"
            return self._merge_pipeline(_Lowering(spec.pipeline).run())
        if spec.kind == dag.ComponentKind.IR_GRAPH:
            assert spec.ir_document is not None, "an IR-graph component carries its document"
            return self._merge_pipeline(_from_document(spec.ir_document))
        component: dict = {}
        definitions = self._input_definitions(spec.inputs + _importer_metadata_ports(task))
        if definitions:
            component["inputDefinitions"] = definitions
        outputs = self._output_definitions(spec.outputs)
        if outputs:
            component["outputDefinitions"] = outputs
        label = unique_name(f"exec-{task.name}", self.out.executors)
        component["executorLabel"] = label
        if spec.kind == dag.ComponentKind.IMPORTER:
            self.out.executors[label] = {"importer": _importer(spec, task)}
        else:
            self.out.executors[label] = {"container": self._container(task)}
            platform = _platform_config(task.options, bind)
            if platform:
                self.out.platform_executors[label] = platform
        return component

    def _command_line(self, spec: dag.ComponentSpec) -> tuple[list[str], list[str]]:
        """The rendered (command, args) of a component, once per component however many steps call it."""
        cached = self._rendered.get(id(spec))
        if cached is None:
            container_spec = spec.running_container()
            if container_spec.runtime_step:
                command, args = runtime_command(spec, "kfp-v2")
            else:
                command, args = container_spec.command, container_spec.args
            cached = ([render_arg(a, spec) for a in command], [render_arg(a, spec) for a in args])
            self._rendered[id(spec)] = cached
        return cached

    def _container(self, task: dag.Task) -> dict:
        spec = task.component
        container_spec = spec.running_container()
        command, args = self._command_line(spec)
        image = task.options.image
        if isinstance(image, dag.PipelineInput):
            image = input_parameter(PREFIX + image.name)
        container: dict = {}
        if args:
            container["args"] = list(args)
        if command:
            container["command"] = list(command)
        env = dict(container_spec.env)
        for name, value in task.options.env.items():
            env[name] = value.value
        if env:
            container["env"] = [{"name": k, "value": str(v)} for k, v in env.items()]
        container["image"] = image or container_spec.image
        resources = _resources(task.options, self._resource_channel)
        if resources:
            container["resources"] = resources
        return container

    # ------------------------------------------------- nested pipelines
    def _dag_key(self, group: dag.TaskGroup) -> str:
        return "root" if group is self.graph.root else self._group_component_names[id(group)]

    def _adopt_inner_source_map(self, component_name: str) -> None:
        """Tasks of a pipeline just merged in live in its component, now named `component_name`."""
        for (dag_name, task), span in self._pending_inner_map.items():
            self.out.source_map[(component_name if dag_name == "root" else dag_name, task)] = span
        self._pending_inner_map = {}

    def _merge_pipeline(self, inner: LoweredPipeline) -> dict:
        """Fold a lowered inner pipeline into this one, renaming as kfp does; returns its root."""
        executor_renames = {}
        for label, executor in inner.executors.items():
            new_label = unique_name(label, self.out.executors)
            executor_renames[label] = new_label
            self.out.executors[new_label] = executor
            if label in inner.platform_executors:
                self.out.platform_executors[new_label] = inner.platform_executors[label]
        component_renames: dict[str, str] = {}
        taken = list(self.out.components)
        for name in inner.components:
            new_name = unique_name(name, set(taken) | set(component_renames) | set(component_renames.values()))
            component_renames[name] = new_name
        root = json.loads(json.dumps(inner.root))
        renamed_components = {}
        for name, component in inner.components.items():
            component = json.loads(json.dumps(component))
            if "executorLabel" in component:
                component["executorLabel"] = executor_renames[component["executorLabel"]]
            _rename_refs(component, component_renames)
            renamed_components[component_renames[name]] = component
        _rename_refs(root, component_renames)
        self.out.components.update(renamed_components)
        self._pending_inner_map = {
            (component_renames.get(dag_name, dag_name), task): span
            for (dag_name, task), span in inner.source_map.items()
        }
        return root

    # ------------------------------------------------------ exit tasks
    def _build_exit_tasks(self) -> None:
        root_tasks = self.out.root["dag"]["tasks"]
        parent_inputs = self.out.root.get("inputDefinitions", {})
        for task in self.graph.exit_tasks:
            self._guarded = task.exit_handler or self.graph.exit_group
            spec, component = self._task(task, set(), parent_inputs, True)
            spec["dependentTasks"] = [self.name_of(self._guarded)]
            spec["triggerPolicy"] = {"strategy": "ALL_UPSTREAM_TASKS_COMPLETED"}
            component_name = unique_name(f"comp-{task.name}", self.out.components)
            spec["componentRef"] = {"name": component_name}
            self.out.components[component_name] = component
            self.out.source_map[("root", task.name)] = task.span
            self._adopt_inner_source_map(component_name)
            root_tasks[task.name] = spec

    def _surface_returns(self) -> None:
        """Gathered pipeline outputs are surfaced through every group above their producer."""
        for value in self.graph.returns.values():
            if isinstance(value, dag.OneOf):
                self.oneofs.surface_to_root(value)
                continue
            if not isinstance(value, dag.TaskOutput):
                continue
            if self.parents[id(self.graph.tasks[value.task])][1] is self.graph.tasks[value.task]:
                continue  # produced in the root DAG itself
            surfaced = f"{PREFIX}{value.task}-{value.output}"
            source_name, source_key = value.task, value.output
            for node in reversed(self.parents[id(self.graph.tasks[value.task])][1:-1]):
                self.dag_outputs.setdefault(self.name_of(node), {})[surfaced] = {
                    "producer": source_name,
                    "key": source_key,
                    "type": value.type,
                }
                source_name, source_key = self.name_of(node), surfaced

    def _root_outputs(self) -> None:
        if not self.graph.returns:
            return
        outputs: dict = {}
        for name, value in self.graph.returns.items():
            if isinstance(value, dag.OneOf):
                producer, key = self.oneofs.root_source(value)
                kind = "artifacts" if value.type.is_artifact else "parameters"
                outputs.setdefault(kind, {})[name] = _selection(value.type, producer, key)
                continue
            if not isinstance(value, dag.TaskOutput):
                continue
            producer, key = value.task, value.output
            if value.gathered:
                outermost = self.parents[id(self.graph.tasks[value.task])][1]
                producer, key = self.name_of(outermost), f"{PREFIX}{value.task}-{value.output}"
            else:
                outermost = self.parents[id(self.graph.tasks[value.task])][1]
                producer = self.name_of(outermost)
                if outermost is not self.graph.tasks[value.task]:
                    key = f"{PREFIX}{value.task}-{value.output}"
            if value.type.is_artifact:
                outputs.setdefault("artifacts", {})[name] = {
                    "artifactSelectors": [{"outputArtifactKey": key, "producerSubtask": producer}]
                }
            else:
                outputs.setdefault("parameters", {})[name] = {
                    "valueFromParameter": {"outputParameterKey": key, "producerSubtask": producer}
                }
        self.out.root["dag"]["outputs"] = outputs


# ------------------------------------------------------------- helpers


def _arms(branches: dag.BranchesGroup) -> list[dag.ConditionGroup]:
    """The `if`, `elif` and `else` arms of a branches group, typed as what they are."""
    arms = [arm for arm in branches.children if isinstance(arm, dag.ConditionGroup)]
    assert len(arms) == len(branches.children), "a branches group holds only its arms"
    return arms


def _definitions(ports: list[dag.Port], inputs: bool) -> dict:
    """A component's `inputDefinitions` or `outputDefinitions`, as kfp writes them."""
    parameters: dict[str, dict] = {}
    artifacts: dict[str, dict] = {}
    for port in ports:
        definition: dict[str, Any]
        if port.type.is_artifact:
            definition = {"artifactType": _artifact_type(port.type)}
            if port.type.is_list:
                definition["isArtifactList"] = True
            if inputs and (port.type.optional or port.has_default):
                definition["isOptional"] = True
        else:
            definition = {"parameterType": parameter_type(port.type)}
            if inputs and port.type.kind == types.TypeKind.STATUS:
                definition["isOptional"] = True
            elif inputs and (port.has_default or port.type.optional):
                definition["isOptional"] = True
                if port.has_default and port.default is not None:
                    definition["defaultValue"] = proto_value(port.default)
        if port.doc:
            definition["description"] = port.doc
        (artifacts if port.type.is_artifact else parameters)[port.name] = definition
    result = {}
    if artifacts:
        result["artifacts"] = artifacts
    if parameters:
        result["parameters"] = parameters
    return result


def _rename_refs(component: dict, renames: dict) -> None:
    for task in (component.get("dag") or {}).get("tasks", {}).values():
        reference = task.get("componentRef", {})
        if reference.get("name") in renames:
            reference["name"] = renames[reference["name"]]


def _from_document(document: dict) -> LoweredPipeline:
    """An imported KFP v2 pipeline file as a lowered pipeline, ready to merge."""
    lowered = LoweredPipeline()
    lowered.components = json.loads(json.dumps(document.get("components") or {}))
    lowered.executors = json.loads(json.dumps((document.get("deploymentSpec") or {}).get("executors") or {}))
    lowered.root = json.loads(json.dumps(document.get("root") or {}))
    return lowered


def _retry_policy(retry: dag.Retry) -> dict:
    return {
        "backoffDuration": f"{int(retry.backoff_seconds or 0)}s",
        "backoffFactor": float(retry.backoff_factor or 2.0),
        "backoffMaxDuration": f"{int(retry.max_backoff_seconds if retry.max_backoff_seconds is not None else 3600)}s",
        "maxRetryCount": retry.max_retries,
    }


def _resources(options: dag.TaskOptions, channel_of: Callable[[dag.PipelineInput | dag.TaskOutput], str]) -> dict:
    """The executor's `resources`; one known at run time reads the task input `channel_of` names."""
    resources: dict = {}
    run_time = (dag.PipelineInput, dag.TaskOutput)

    def quantity(value, string_key, number_key, to_number):
        if value is None:
            return
        if isinstance(value, run_time):
            resources[string_key] = input_parameter(channel_of(value))
            return
        resources[string_key] = str(value)
        resources[number_key] = to_number(str(value))

    quantity(options.cpu_request, "resourceCpuRequest", "cpuRequest", quantities.cpu_in_cores)
    quantity(options.cpu_limit, "resourceCpuLimit", "cpuLimit", quantities.cpu_in_cores)
    quantity(options.memory_request, "resourceMemoryRequest", "memoryRequest", quantities.memory_in_gb)
    quantity(options.memory_limit, "resourceMemoryLimit", "memoryLimit", quantities.memory_in_gb)
    # kfp's set_accelerator_type without set_accelerator_limit asks for one accelerator.
    gpus = options.gpus if options.gpus is not None or options.accelerator is None else 1
    if gpus is not None:
        accelerator: dict = {}
        if isinstance(gpus, run_time):
            accelerator["resourceCount"] = input_parameter(channel_of(gpus))
        else:
            accelerator["resourceCount"] = str(gpus)
            accelerator["count"] = str(gpus)
        if isinstance(options.accelerator, run_time):
            accelerator["resourceType"] = input_parameter(channel_of(options.accelerator))
        elif options.accelerator is not None:
            accelerator["resourceType"] = options.accelerator
            accelerator["type"] = options.accelerator
        resources["accelerator"] = accelerator
    return resources


def _as_interpolation(leaf: dag.Value) -> dag.Interpolation:
    """A run-time value inside a list or dict, as the one-part f-string whose text kfp writes in its place."""
    return leaf if isinstance(leaf, dag.Interpolation) else dag.Interpolation((leaf,), types.STR)


def _importer_metadata_ports(task: dag.Task) -> list[dag.Port]:
    """The inputs an importer declares for the run-time values of its metadata (none for other steps)."""
    metadata = task.arguments.get(IMPORTER_METADATA)
    if task.component.kind != dag.ComponentKind.IMPORTER or not isinstance(metadata, dag.Structured):
        return []
    return [dag.Port(name, value.type.as_optional(False)) for value, name in importer_metadata_inputs(metadata).items()]


def _importer(spec: dag.ComponentSpec, task: dag.Task) -> dict:
    config = spec.importer
    assert config is not None, "an importer component carries its configuration"
    uri = task.arguments.get("uri")
    importer: dict = {}
    if isinstance(uri, dag.Constant):
        importer["artifactUri"] = {"constant": uri.value}
    else:
        importer["artifactUri"] = {"runtimeParameter": "uri"}
    metadata = task.arguments.get(IMPORTER_METADATA)
    if isinstance(metadata, dag.Structured):
        importer["metadata"] = proto_value(importer_metadata(metadata))
    elif config.metadata:
        importer["metadata"] = proto_value(config.metadata)
    if config.reimport:
        importer["reimport"] = True
    if config.download_to_workspace:
        importer["downloadToWorkspace"] = True
    importer["typeSchema"] = _artifact_type(config.artifact_type)
    return importer


def _node_requirement(requirement: dag.NodeRequirement) -> dict:
    """A Kubernetes NodeSelectorRequirement; protobuf's JSON leaves out an empty `values`."""
    entry: dict = {"key": requirement.key, "operator": requirement.operator}
    if requirement.values:
        entry["values"] = list(requirement.values)
    return entry


def _object_name(name: dag.ObjectName, field: str, bind: Callable[[dag.Value], dict]) -> dict:
    """A secret's or ConfigMap's name as kfp-kubernetes writes it: a constant in both the plain field and the
    `...NameParameter`, a run-time value as its binding in the `...NameParameter` only."""
    if isinstance(name, str):
        return {field: name, f"{field}Parameter": {"runtimeValue": {"constant": name}}}
    return {f"{field}Parameter": bind(name)}


def _pvc_mount(volume: dag.VolumeUse, bind: Callable[[dag.Value], dict]) -> dict:
    """A PVC mount: kfp-kubernetes writes the claim's name twice, in the deprecated `pvc_reference` oneof
    (`constant`, or the run-time value's binding itself) and in `pvcNameParameter`."""
    if isinstance(volume.pvc, str):
        entry = {"constant": volume.pvc, "pvcNameParameter": {"runtimeValue": {"constant": volume.pvc}}}
    else:
        binding = bind(volume.pvc)
        entry = {**binding, "pvcNameParameter": binding}
    entry["mountPath"] = volume.mount_path
    if volume.sub_path:
        entry["subPath"] = volume.sub_path
    return entry


def _json_settings(options: dag.TaskOptions, bind: Callable[[dag.Value], dict], config: dict) -> None:
    """Node affinity, node selector and tolerations given as Kubernetes JSON (kfp-kubernetes' `*_json`): a
    constant, or the binding of the pipeline parameter holding it."""

    def value(json_value: dag.JsonValue) -> dict:
        if isinstance(json_value, dag.PipelineInput):
            return bind(json_value)
        return {"runtimeValue": {"constant": proto_value(json_value)}}

    if options.node_affinity_json is not None:
        config.setdefault("nodeAffinity", []).append({"nodeAffinityJson": value(options.node_affinity_json)})
    if options.node_selector_json is not None:
        config.setdefault("nodeSelector", {})["nodeSelectorJson"] = value(options.node_selector_json)
    if options.tolerations_json is not None:
        config.setdefault("tolerations", []).append({"tolerationJson": value(options.tolerations_json)})


def _ephemeral_volume(volume: dag.EphemeralVolumeUse) -> dict:
    """A generic ephemeral volume as kfp-kubernetes writes it (protobuf's JSON leaves out a false
    `defaultStorageClass` and empty metadata)."""
    entry: dict = {
        "accessModes": list(volume.access_modes),
        "mountPath": volume.mount_path,
        "size": volume.size,
        "volumeName": volume.name,
    }
    if volume.storage_class is None:
        entry["defaultStorageClass"] = True
    elif volume.storage_class:  # "": no class (protobuf's JSON leaves an empty string out)
        entry["storageClassName"] = volume.storage_class
    if volume.labels or volume.annotations:
        metadata = {}
        if volume.annotations:
            metadata["annotations"] = dict(volume.annotations)
        if volume.labels:
            metadata["labels"] = dict(volume.labels)
        entry["metadata"] = metadata
    return entry


def _security_context(context: dag.SecurityContext) -> dict:
    """runAsUser and runAsGroup are int64 fields: protobuf's JSON writes them as strings, as kfp-kubernetes does."""
    entry: dict = {}
    if context.run_as_user is not None:
        entry["runAsUser"] = str(context.run_as_user)
    if context.run_as_group is not None:
        entry["runAsGroup"] = str(context.run_as_group)
    if context.run_as_non_root is not None:
        entry["runAsNonRoot"] = context.run_as_non_root
    return entry


def _platform_config(options: dag.TaskOptions, bind: Callable[[dag.Value], dict]) -> dict:
    """The kfp-kubernetes executor config for one task, as kfp-kubernetes writes it; `bind` gives the binding of
    a run-time value where the task stands (the names of secrets, ConfigMaps and PVCs may be such values)."""
    config: dict = {}
    for secret in options.secrets:
        name = _object_name(secret.secret, "secretName", bind)
        if secret.env:
            config.setdefault("secretAsEnv", []).append(
                {
                    "keyToEnv": [{"envVar": var, "secretKey": key} for var, key in secret.env.items()],
                    "optional": secret.optional,
                    **name,
                }
            )
        if secret.mount_path:
            config.setdefault("secretAsVolume", []).append(
                {"mountPath": secret.mount_path, "optional": secret.optional, **name}
            )
    for config_map in options.config_maps:
        name = _object_name(config_map.config_map, "configMapName", bind)
        if config_map.env:
            config.setdefault("configMapAsEnv", []).append(
                {
                    **name,
                    "keyToEnv": [{"configMapKey": key, "envVar": var} for var, key in config_map.env.items()],
                    "optional": config_map.optional,
                }
            )
        if config_map.mount_path:
            config.setdefault("configMapAsVolume", []).append(
                {**name, "mountPath": config_map.mount_path, "optional": config_map.optional}
            )
    for variable, field_path in options.field_env.items():
        config.setdefault("fieldPathAsEnv", []).append({"fieldPath": field_path, "name": variable})
    for volume in options.volumes:
        config.setdefault("pvcMount", []).append(_pvc_mount(volume, bind))
    for empty_dir in options.empty_dirs:
        entry = {"mountPath": empty_dir.mount_path, "volumeName": empty_dir.name}
        if empty_dir.medium:
            entry["medium"] = empty_dir.medium
        if empty_dir.size_limit:
            entry["sizeLimit"] = empty_dir.size_limit
        config.setdefault("emptyDirMounts", []).append(entry)
    if options.node_selector:
        config["nodeSelector"] = {
            "labels": {k: v for k, v in options.node_selector.items() if not isinstance(v, dag.PipelineInput)}
        }
    for term in options.node_affinity:
        affinity: dict = {}
        if term.match_expressions:
            affinity["matchExpressions"] = [_node_requirement(r) for r in term.match_expressions]
        if term.match_fields:
            affinity["matchFields"] = [_node_requirement(r) for r in term.match_fields]
        if term.weight is not None:
            affinity["weight"] = term.weight
        config.setdefault("nodeAffinity", []).append(affinity)
    for toleration in options.tolerations:
        toleration_entry: dict[str, str | int] = {}
        for key, value in (
            ("effect", toleration.effect),
            ("key", toleration.key),
            ("operator", toleration.operator),
            ("tolerationSeconds", toleration.seconds),
            ("value", toleration.value),
        ):
            if value is not None:
                # tolerationSeconds is an int64: protobuf's JSON writes it as a string, as kfp-kubernetes does.
                toleration_entry[key] = str(value) if key == "tolerationSeconds" else value
        config.setdefault("tolerations", []).append(toleration_entry)
    if options.labels or options.annotations:
        metadata = {}
        if options.annotations:
            metadata["annotations"] = dict(options.annotations)
        if options.labels:
            metadata["labels"] = dict(options.labels)
        config["podMetadata"] = metadata
    if options.pull_policy:
        config["imagePullPolicy"] = options.pull_policy
    for secret_name in options.image_pull_secrets:
        config.setdefault("imagePullSecret", []).append(_object_name(secret_name, "secretName", bind))
    _json_settings(options, bind, config)
    for ephemeral in options.ephemeral_volumes:
        config.setdefault("genericEphemeralVolume", []).append(_ephemeral_volume(ephemeral))
    if options.security_context is not None:
        config["securityContext"] = _security_context(options.security_context)
    if options.timeout_seconds:
        # An int64 field: protobuf's JSON writes it as a string, as kfp-kubernetes' output has it.
        config["activeDeadlineSeconds"] = str(int(options.timeout_seconds))
    return config
