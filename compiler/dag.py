"""The checked DAG: what a pipeline means, independent of any target.

The checker builds these objects from the syntax tree; the targets lower them
to KFP documents.  Nothing here refers to syntax any more (only spans, for
messages), and nothing here knows about a target format.

- A `ComponentSpec` is anything a step can call: a container component, a
  pipeline, the importer, or a component loaded from KFP YAML.
- A `PipelineGraph` holds the pipeline's tasks, their nesting in groups
  (loops, conditions, the exit handler) and a networkx graph of the
  dependencies between tasks.
- A `Value` is what flows into an input: a constant, a pipeline input, a task
  output, a loop item, an f-string or a list/dict holding those, or the
  pipeline's final status.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from ptflow.compiler.records import record
from ptflow.compiler.source import Span
from ptflow.compiler.types import Type

if TYPE_CHECKING:  # networkx is imported when `PipelineGraph.dag` is first read (see there)
    import networkx as nx

NO_DEFAULT = object()


# ------------------------------------------------------------- components


@record
class Port:
    """An input or output of a component or pipeline."""

    name: str
    type: Type
    default: Any = NO_DEFAULT  # a Python value; NO_DEFAULT when there is none
    doc: str | None = None
    span: Span | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT

    @property
    def required(self) -> bool:
        return not self.has_default and not self.type.optional


# Placeholders in a container's command and args.  A command is a list of
# `Arg`: plain strings, or one of these.


@record(frozen=True)
class InputValue:
    """The value of an input parameter, on the command line."""

    input: str


@record(frozen=True)
class InputPath:
    """The local path of an input artifact (or a parameter's file), on the command line."""

    input: str


@record(frozen=True)
class InputUri:
    """The URI of an input artifact, on the command line."""

    input: str


@record(frozen=True)
class InputMetadata:
    """The metadata of an input artifact, as JSON on the command line."""

    input: str


@record(frozen=True)
class InputArtifactList:
    """A list-of-artifacts input passed whole (kfp's InputListOfArtifactsPlaceholder)."""

    input: str


@record(frozen=True)
class OutputPath:
    """The file an output must be written to (the output_file of an output parameter)."""

    output: str


@record(frozen=True)
class OutputUri:
    """The URI where an output artifact goes, on the command line."""

    output: str


@record(frozen=True)
class OutputMetadata:
    """The path where the step writes an output artifact's metadata, on the command line."""

    output: str


@record(frozen=True)
class Concat:
    """KFP's Concat placeholder (written `concat(...)`): joins its parts at run time."""

    parts: tuple


@record(frozen=True)
class Template:
    """An f-string on a command line: one string with placeholders inside, as kfp writes f-strings."""

    parts: tuple


@record(frozen=True)
class IfPresent:
    """KFP's IfPresent placeholder: `then` when an optional input was given, else `otherwise`."""

    input: str
    then: tuple
    otherwise: tuple | None = None


@record(frozen=True)
class RuntimePlaceholder:
    """`pipeline.job_name` and friends, and the executor's own input/output files.

    which: job_name, job_id, root, task_name, task_id, executor_input,
    executor_output_file.
    """

    which: str


Arg = (
    str
    | InputValue
    | InputPath
    | InputUri
    | InputMetadata
    | InputArtifactList
    | OutputPath
    | OutputUri
    | OutputMetadata
    | Concat
    | Template
    | IfPresent
    | RuntimePlaceholder
)


@record
class ContainerSpec:
    """What a container step runs: its image, command, arguments and environment."""

    image: str
    command: list[Arg] = field(default_factory=list)
    args: list[Arg] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # Set for standard-library components: the runtime step that implements
    # them (`python -m ptflow.runtime STEP`); targets write the command.
    runtime_step: str | None = None


@record
class ImporterConfig:
    """What `importer(uri: ..., type: Model, metadata: {...})` brings in."""

    artifact_type: Type
    metadata: dict = field(default_factory=dict)
    reimport: bool = False
    download_to_workspace: bool = False  # copy it into the pipeline's workspace (compiler/workspace.py)


class ComponentKind(enum.StrEnum):
    """What a step calls."""

    CONTAINER = "container"
    PIPELINE = "pipeline"
    IMPORTER = "importer"  # a `dsl.importer` call, its inputs known
    IMPORTER_BUILTIN = "importer-builtin"  # the name `importer` before its call is checked
    IR_GRAPH = "ir-graph"  # a pipeline loaded from a compiled KFP v2 file, kept as the document it is


@record
class ComponentSpec:
    """Something a step can call."""

    name: str
    kind: ComponentKind
    inputs: list[Port] = field(default_factory=list)
    outputs: list[Port] = field(default_factory=list)
    description: str | None = None
    span: Span | None = None
    source: str | None = None  # the file it was defined in
    container: ContainerSpec | None = None
    pipeline: PipelineGraph | None = None
    ir_document: dict | None = None  # for "ir-graph": the PipelineSpec as loaded
    # A KFP v1 component.yaml loaded as-is, for the v1 target's annotations.
    v1_spec: dict | None = None
    importer: ImporterConfig | None = None

    def input(self, name: str) -> Port | None:
        for port in self.inputs:
            if port.name == name:
                return port
        return None

    def output(self, name: str) -> Port | None:
        for port in self.outputs:
            if port.name == name:
                return port
        return None

    def running_container(self) -> ContainerSpec:
        """The container spec of a component that runs a container (what the checker gave every such kind)."""
        assert self.container is not None, f"component `{self.name}` ({self.kind}) has no container spec"
        return self.container


# ------------------------------------------------------------------ values


@record(frozen=True)
class Constant:
    """A value written in the program, with its type."""

    value: Any
    type: Type


@record(frozen=True)
class PipelineInput:
    """A parameter or artifact of the pipeline itself."""

    name: str
    type: Type


@record(frozen=True)
class TaskOutput:
    """An output of a task; `gathered` is how many nested loops it is gathered over when it is used after
    them (fan-in; 0, false, when it is not).  `collected` is `collect(step.out)` of a step inside an `if`
    (KFP's `dsl.Collected` of a task in no loop): a list of zero or one values, returned by the pipeline."""

    task: str
    output: str
    type: Type
    gathered: int = 0
    collected: bool = False


@record(frozen=True)
class LoopItem:
    """The current item of a loop, or one field of it (`item.key`)."""

    loop: LoopGroup
    field: str | None
    type: Type


@record(frozen=True)
class Interpolation:
    """An f-string: text and values, rendered as one string."""

    parts: tuple
    type: Type


@record(frozen=True)
class Structured:
    """A list or dict written in the program with values known only at run time inside it:
    `[m.out, name, 1]`, `{"spec": {"machine": m.out}, [name]: "x"}` (kfp's list and dict arguments holding
    pipeline channels).

    `entries` are the items of a list, or the `(key, value)` pairs of a dict in the order written; a value is
    any `Value` (a nested list or dict is a `Structured` again, a constant a `Constant`), a key a `str` or a
    string-typed run-time value (`[name]: ...`).  kfp writes the whole as one constant in which every run-time
    value is a placeholder, each such value travelling in a task input of its own."""

    entries: tuple
    is_dict: bool
    type: Type

    def run_time_values(self):
        """The run-time values inside, depth first, a dict's key before its value: the order kfp meets them in."""
        for entry in self.entries:
            for part in entry if self.is_dict else (entry,):
                if isinstance(part, Structured):
                    yield from part.run_time_values()
                elif not isinstance(part, (str, Constant)):
                    yield part

    def render(self, leaf: Callable[[Value], Any]) -> Any:
        """The Python list or dict, each run-time value replaced by what `leaf` makes of it."""

        def one(part):
            if isinstance(part, Structured):
                return part.render(leaf)
            if isinstance(part, str):
                return part
            if isinstance(part, Constant):
                return part.value
            return leaf(part)

        if self.is_dict:
            return {one(key): one(value) for key, value in self.entries}
        return [one(item) for item in self.entries]


@record(frozen=True)
class FinalStatus:
    """`pipeline.status` in `finally`: how the body of the pipeline ended."""

    type: Type


@record(frozen=True)
class RuntimeValue:
    """`pipeline.job_name`, `pipeline.job_id`, ... passed as a value."""

    which: str
    type: Type


@record(frozen=True)
class OneOf:
    """`oneof(a.out, b.out, ...)`: the output of whichever arm of an if/elif/else ran (KFP's `dsl.OneOf`).

    `choices` are outputs of steps that sit directly in the arms of `branches`, one per arm, in the order
    written; two `oneof`s with the same choices are the same value (one output of the branches group).
    """

    branches: BranchesGroup
    choices: tuple[TaskOutput, ...]
    type: Type
    span: Span | None = field(default=None, compare=False)


Value = (
    Constant | PipelineInput | TaskOutput | LoopItem | Interpolation | Structured | FinalStatus | RuntimeValue | OneOf
)


def value_type(value: Value) -> Type:
    return value.type


# --------------------------------------------------------------- conditions


@record(frozen=True)
class Compare:
    """A comparison in a condition: `left op right`."""

    op: str  # == != < <= > >=
    left: Value
    right: Value


@record(frozen=True)
class BoolOp:
    """`and` or `or` of two conditions."""

    op: str  # and, or
    left: Condition
    right: Condition


@record(frozen=True)
class Not:
    """`not` of a condition."""

    operand: Condition


@record(frozen=True)
class Truth:
    """A boolean value used as a condition on its own."""

    value: Value


Condition = Compare | BoolOp | Not | Truth


def condition_values(condition: Condition):
    """Every value a condition reads, in the order it reads them."""
    if isinstance(condition, Compare):
        yield condition.left
        yield condition.right
    elif isinstance(condition, BoolOp):
        yield from condition_values(condition.left)
        yield from condition_values(condition.right)
    elif isinstance(condition, Not):
        yield from condition_values(condition.operand)
    else:
        yield condition.value


# ------------------------------------------------------------------- tasks


@record
class Retry:
    """How often a failed task is run again, and how long it waits between tries."""

    max_retries: int
    backoff_seconds: float | None = None
    backoff_factor: float | None = None
    max_backoff_seconds: float | None = None


# The name of a Kubernetes object a step uses (a secret, a ConfigMap, a PVC): a constant, or a string known at
# run time (a pipeline parameter, a step output, a loop item), as kfp-kubernetes' `*NameParameter` fields allow.
ObjectName = str | PipelineInput | TaskOutput | LoopItem


@record
class SecretUse:
    """A Kubernetes secret, as environment variables or as files."""

    secret: ObjectName
    env: dict[str, str] = field(default_factory=dict)  # VAR -> key
    mount_path: str | None = None
    optional: bool = False  # the pod starts without it when the secret does not exist


@record
class ConfigMapUse:
    """A Kubernetes ConfigMap, as environment variables or as files (the same shape as a secret's use)."""

    config_map: ObjectName
    env: dict[str, str] = field(default_factory=dict)  # VAR -> key
    mount_path: str | None = None
    optional: bool = False  # the pod starts without it when the ConfigMap does not exist


@record
class VolumeUse:
    """A persistent volume claim mounted into the container (`sub_path`: a folder of the volume, not its root)."""

    pvc: ObjectName
    mount_path: str
    sub_path: str | None = None


@record
class EmptyDirUse:
    """A fresh, empty volume that lives as long as the pod (Kubernetes' emptyDir)."""

    name: str
    mount_path: str
    medium: str | None = None  # None: the node's disk; "Memory": a tmpfs
    size_limit: str | None = None  # a memory quantity


@record
class EphemeralVolumeUse:
    """A generic ephemeral volume: a PVC made for the pod from a claim template, deleted with the pod."""

    name: str
    mount_path: str
    access_modes: list[str]
    size: str  # a memory quantity
    storage_class: str | None = None  # None: the cluster's default StorageClass
    labels: dict[str, str] = field(default_factory=dict)  # of the claim
    annotations: dict[str, str] = field(default_factory=dict)


@record
class SecurityContext:
    """The identity the container runs as (Kubernetes' securityContext fields kfp-kubernetes sets)."""

    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None


@record
class NodeRequirement:
    """One `matchExpressions`/`matchFields` entry of a node affinity term: `key operator values`."""

    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist, Gt, Lt
    values: list[str] = field(default_factory=list)


@record
class NodeAffinityTerm:
    """Nodes the pod must (no weight) or prefers to (weight 1-100) run on."""

    match_expressions: list[NodeRequirement] = field(default_factory=list)  # on node labels
    match_fields: list[NodeRequirement] = field(default_factory=list)  # on node fields (metadata.name)
    weight: int | None = None


@record
class Toleration:
    """A Kubernetes toleration: the node taints a task's pod may be scheduled despite."""

    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    seconds: int | None = None


# A resource or option value: a constant, or a pipeline input to read at run time.  Resources (cpu, memory,
# gpus, accelerator) may also be a step's output (kfp's `set_cpu_limit(task.output)`).
OptionValue = str | int | float | PipelineInput | TaskOutput
# A Kubernetes object written as JSON (node affinity, node selector, tolerations): a constant dict or list, or a
# pipeline parameter holding one (kfp-kubernetes' `*_json` functions).
JsonValue = dict | list | PipelineInput


@record(frozen=True)
class VertexCustomJob:
    """`vertex_custom_job: {...}`: run the step as a Vertex AI CustomJob (--target vertex).

    The defaults are those of gcpc's `create_custom_training_job_from_component`."""

    machine_type: str = "n1-standard-4"
    accelerator_type: str = ""  # e.g. NVIDIA_TESLA_T4; empty: no accelerator
    accelerator_count: int = 1  # only written with accelerator_type
    replica_count: int = 1  # the first in the master pool, the others in a second pool
    boot_disk_type: str = "pd-ssd"
    boot_disk_size_gb: int = 100
    service_account: str = ""
    network: str = ""


@record
class TaskOptions:
    """What `with { ... }` sets on a step (all optional)."""

    cpu_limit: OptionValue | None = None
    cpu_request: OptionValue | None = None
    memory_limit: OptionValue | None = None
    memory_request: OptionValue | None = None
    gpus: OptionValue | None = None
    accelerator: OptionValue | None = None
    node_selector: dict[str, OptionValue] = field(default_factory=dict)
    tolerations: list[Toleration] = field(default_factory=list)
    env: dict[str, Constant] = field(default_factory=dict)
    secrets: list[SecretUse] = field(default_factory=list)
    volumes: list[VolumeUse] = field(default_factory=list)
    retry: Retry | None = None
    timeout_seconds: int | None = None
    cache: bool = True
    max_cache_staleness: str | None = None
    # kfp's custom cache key: KFP reuses a result by (component, key) instead of by inputs, command and image.
    cache_key: str | None = None
    display_name: str | None = None
    image: OptionValue | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    pull_policy: str | None = None
    image_pull_secrets: list[ObjectName] = field(default_factory=list)  # Kubernetes secret names
    config_maps: list[ConfigMapUse] = field(default_factory=list)
    field_env: dict[str, str] = field(default_factory=dict)  # VAR -> a pod field path (the downward API)
    empty_dirs: list[EmptyDirUse] = field(default_factory=list)
    node_affinity: list[NodeAffinityTerm] = field(default_factory=list)
    vertex_custom_job: VertexCustomJob | None = None
    node_affinity_json: JsonValue | None = None
    node_selector_json: JsonValue | None = None
    tolerations_json: JsonValue | None = None
    ephemeral_volumes: list[EphemeralVolumeUse] = field(default_factory=list)
    security_context: SecurityContext | None = None
    # Run when the upstream steps are done even if one failed (kfp's `.ignore_upstream_failure()`).
    ignore_upstream_failure: bool = False

    def object_names(self) -> list[ObjectName]:
        """The names of the secrets, ConfigMaps and PVCs the step uses, constants included."""
        return (
            [use.secret for use in self.secrets]
            + [use.config_map for use in self.config_maps]
            + [use.pvc for use in self.volumes]
            + list(self.image_pull_secrets)
        )

    def resources(self) -> dict[str, OptionValue | None]:
        """The container's resources, by kfp's name for the input that carries one known at run time."""
        return {
            "cpu_request": self.cpu_request,
            "cpu_limit": self.cpu_limit,
            "memory_request": self.memory_request,
            "memory_limit": self.memory_limit,
            "accelerator_type": self.accelerator,
            "accelerator_count": self.gpus,
        }

    def resources_from_steps(self) -> list[TaskOutput]:
        """The resources taken from step outputs: the step runs after their producers."""
        return [value for value in self.resources().values() if isinstance(value, TaskOutput)]

    def run_time_values(self) -> list[Value]:
        """The values of these options known only at run time, other than resources: object names, and
        Kubernetes JSON taken from pipeline parameters."""
        values: list[Value] = [name for name in self.object_names() if not isinstance(name, str)]
        for json_value in (self.node_affinity_json, self.node_selector_json, self.tolerations_json):
            if isinstance(json_value, PipelineInput):
                values.append(json_value)
        return values


@record
class Task:
    """One step of a pipeline: a call of a component with its arguments."""

    name: str  # the task name in compiled documents: the step name, sanitized
    step: str  # the step name as written
    component: ComponentSpec
    arguments: dict[str, Value]
    options: TaskOptions
    group: TaskGroup
    span: Span
    after: list[str] = field(default_factory=list)  # task names from `after`
    in_finally: bool = False
    exit_handler: ExitHandlerGroup | None = None  # for a step in `finally`: the group it runs after

    @property
    def display_name(self) -> str:
        return self.options.display_name or self.name

    def upstream_tasks(self) -> set[str]:
        """Tasks whose outputs this task reads, directly or in its options."""
        names = set()
        for value in self.arguments.values():
            names.update(tasks_in_value(value))
        options = self.options
        for value in [*options.env.values(), *options.run_time_values(), *options.resources_from_steps()]:
            names.update(tasks_in_value(value))
        return names


# kfp-kubernetes' resource steps (stdlib/k8s.ptflow's create_pvc and delete_pvc, kfp's CreatePVC and DeletePVC):
# KFP's driver recognises their images and creates or deletes the object itself; their containers never run.
KUBERNETES_RESOURCE_IMAGES = {
    "argostub/createpvc": "creates a persistent volume claim",
    "argostub/deletepvc": "deletes a persistent volume claim",
}


def kubernetes_resource_step(task: Task) -> str | None:
    """What `task` does to the cluster if it is one of kfp-kubernetes' resource steps ("creates a ..."), else None."""
    container = task.component.container
    if task.component.kind != ComponentKind.CONTAINER or container is None:
        return None
    return KUBERNETES_RESOURCE_IMAGES.get(container.image)


def tasks_in_value(value: Value):
    if isinstance(value, TaskOutput):
        yield value.task
    elif isinstance(value, OneOf):
        for choice in value.choices:
            yield choice.task
    elif isinstance(value, Interpolation):
        for part in value.parts:
            if not isinstance(part, str):
                yield from tasks_in_value(part)
    elif isinstance(value, Structured):
        for part in value.run_time_values():
            yield from tasks_in_value(part)


# ------------------------------------------------------------------ groups


class GroupKind(enum.StrEnum):
    """What a task group is (its subclass says the same; the kind is what code switches on)."""

    ROOT = "root"  # the pipeline itself
    LOOP = "loop"
    CONDITION = "condition"  # one `if`/`elif`/`else` branch
    BRANCHES = "branches"  # the `if`/`elif`/`else` chain holding the branches
    EXIT_HANDLER = "exit_handler"  # what `finally` guards


@record(eq=False)
class TaskGroup:
    """A node of the nesting tree (KFP's task group): the pipeline itself, a loop, a condition, ..."""

    kind: GroupKind
    span: Span | None
    parent: TaskGroup | None = None
    children: list[Task | TaskGroup] = field(default_factory=list)

    def ancestors(self):
        """This group and every group above it, innermost first."""
        group = self
        while group is not None:
            yield group
            group = group.parent

    def tasks(self):
        """Every task in this group and the groups inside it."""
        for child in self.children:
            if isinstance(child, Task):
                yield child
            else:
                yield from child.tasks()

    def groups(self):
        """This group and every group inside it, outermost first."""
        yield self
        for child in self.children:
            if isinstance(child, TaskGroup):
                yield from child.groups()


def parent_chains(root: TaskGroup, skip_branches: bool = False) -> dict[int, list]:
    """{id(task or group): [root, ..., itself]} for everything below `root`.

    With `skip_branches`, an if/elif/else wrapper (BranchesGroup) is left out
    of the chains (KFP v1 has no such level; v2 has `condition-branches-N`).
    """
    chains: dict[int, list] = {}

    def visit(group: TaskGroup, chain: list) -> None:
        if not (skip_branches and isinstance(group, BranchesGroup)):
            chain = chain + [group]
            chains[id(group)] = chain
        for child in group.children:
            if isinstance(child, TaskGroup):
                visit(child, chain)
            else:
                chains[id(child)] = chain + [child]

    visit(root, [])
    return chains


@record(eq=False)
class LoopGroup(TaskGroup):
    """A `for` loop: the tasks run once per item of `items`, `parallelism` at a time."""

    var: str = ""
    items: Value | None = None  # a Constant list, a PipelineInput, a TaskOutput or a LoopItem
    parallelism: int | None = None
    item_type: Type | None = None
    # For a constant list of dicts: the type of each field (`item.key`).
    field_types: dict[str, Type] = field(default_factory=dict)


@record(eq=False)
class ConditionGroup(TaskGroup):
    """One arm of an if/elif/else.

    `condition` is the arm's own test; `excluded` are the tests of the arms
    before it, which must all be false (an `else` has only those).
    """

    condition: Condition | None = None
    excluded: list[Condition] = field(default_factory=list)
    keyword: str = "if"


@record(eq=False)
class BranchesGroup(TaskGroup):
    """An if with elif/else arms: holds one ConditionGroup per arm."""


@record(eq=False)
class ExitHandlerGroup(TaskGroup):
    """What a `finally` guards (the pipeline's body, or a `try` block): its finally steps run after it."""

    display_name: str | None = None  # `finally with { display_name: "..." }` (kfp's `ExitHandler(name=)`)


# ---------------------------------------------------------------- pipeline


@record
class PipelineGraph:
    """A checked pipeline: its inputs and outputs, and its tasks in nested groups."""

    name: str
    inputs: list[Port]
    outputs: list[Port]
    root: TaskGroup
    tasks: dict[str, Task]
    description: str | None = None
    display_name: str | None = None
    # The name the compiled pipeline goes by when it differs from the identifier (`name = "pipeline"`,
    # kfp's `@dsl.pipeline(name=...)`): any text, so also a keyword of the language.
    given_name: str | None = None
    pipeline_root: str | None = None  # where its artifacts go unless the run says otherwise (kfp's `pipeline_root`)
    pipeline_root_span: Span | None = None
    workspace: Any = None  # the volume its steps share: a compiler.workspace.Workspace (`workspace = {...}`)
    span: Span | None = None
    # Pipeline outputs: name -> the value returned for it.
    returns: dict[str, Value] = field(default_factory=dict)
    # Steps in `finally`, which run after the exit-handler group.
    exit_tasks: list[Task] = field(default_factory=list)
    exit_group: ExitHandlerGroup | None = None  # the whole body's, when the pipeline ends in `finally`
    exit_handlers: list[ExitHandlerGroup] = field(default_factory=list)  # every exit handler, that one included
    # The dependencies between tasks as the checker found them: every task's name, then
    # (producer, consumer, kind) edges, kind "data" (reads an output) or "after".
    dependency_nodes: list[str] = field(default_factory=list)
    dependency_edges: list[tuple[str, str, str]] = field(default_factory=list)
    _dag: nx.DiGraph | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def dag(self) -> nx.DiGraph:
        """The dependency graph (networkx), built from the checker's nodes and edges on first use.

        Built lazily because importing networkx costs more than checking or compiling a small
        pipeline, and `ptflow check`/`compile` need it only to name a cycle (the checker finds
        whether there is one with the standard library's graphlib).
        """
        if self._dag is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph.add_nodes_from(self.dependency_nodes)
            for producer, consumer, kind in self.dependency_edges:
                graph.add_edge(producer, consumer, kind=kind)
            self._dag = graph
        return self._dag

    def input(self, name: str) -> Port | None:
        for port in self.inputs:
            if port.name == name:
                return port
        return None

    def group_of(self, task_name: str) -> TaskGroup:
        return self.tasks[task_name].group

    def and_called_pipelines(self):
        """This pipeline and every pipeline its steps call, directly or not, each once."""
        seen: set[int] = set()
        pending = [self]
        while pending:
            current = pending.pop()
            if id(current) not in seen:
                seen.add(id(current))
                yield current
                pending.extend(
                    task.component.pipeline
                    for task in current.tasks.values()
                    if task.component.kind == ComponentKind.PIPELINE and task.component.pipeline is not None
                )
