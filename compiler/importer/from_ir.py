"""KFP v2 IR (a PipelineSpec, optionally with the kfp-kubernetes platform document) → the import model.

Each DAG is walked from the root.  A task's inputs are resolved to ptflow values
by following channels to their source: a pipeline parameter, a step output (through
loop and condition groups: fan-in), a loop item, a constant or an f-string.  Groups
become `for`, `if`/`elif`/`else` and `finally`; any other DAG component is a nested
pipeline.  Every field read is checked against the fields this module knows;
anything else is refused with its path.
"""

from __future__ import annotations

import json
import re

from ptflow.compiler import tree, types
from ptflow.compiler.importer import cel_reader
from ptflow.compiler.importer.errors import CANT_EXPRESS, ImportRefused, path_of
from ptflow.compiler.importer.model import (
    Component,
    IfChain,
    Loop,
    Module,
    Pipeline,
    Port,
    Step,
    TryFinally,
)
from ptflow.compiler.importer.writer import literal
from ptflow.compiler.ir_collected import collected_outputs
from ptflow.compiler.names import k8s_name

CHANNEL = "pipelinechannel--"
_PARAMETER_TYPES = {ir: name for name, ir in types.PARAMETER_TYPES.items()}
_PARAMETER_TYPES["TASK_FINAL_STATUS"] = "Status"
_PLACEHOLDER = re.compile(
    r"\{\{\$(?:\.(?P<side>inputs|outputs)\.(?P<kind>parameters|artifacts)\['(?P<name>[^']+)'\]"
    r"(?:\.(?P<attr>path|uri|metadata|output_file))?|(?P<run>\.[a-z_]+)?)\}\}"
)
_RUN_INFO = {
    None: "executor.input",
    ".outputs.output_file": "executor.output_file",
    ".pipeline_job_name": "pipeline.job_name",
    ".pipeline_job_uuid": "pipeline.job_id",
    ".pipeline_task_name": "pipeline.task_name",
    ".pipeline_task_uuid": "pipeline.task_id",
    ".pipeline_root": "pipeline.root",
    ".pipeline_job_resource_name": "pipeline.job_resource_name",
    ".pipeline_job_create_time_utc": "pipeline.job_create_time",
    ".pipeline_job_schedule_time_utc": "pipeline.job_schedule_time",
    ".workspace_path": "pipeline.workspace_path",
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")
# Names an imported step or parameter can't have: the keywords, and the built-ins it would shadow (pipeline_checker's
# BUILTINS, not imported here: that module is the checker's, and heavy).
_KEYWORDS = frozenset(tree.KEYWORDS) | {"importer", "oneof", "collect"}
_TASK_FIELDS = {
    "componentRef",
    "inputs",
    "dependentTasks",
    "taskInfo",
    "cachingOptions",
    "retryPolicy",
    "triggerPolicy",
    "parameterIterator",
    "artifactIterator",
    "iteratorPolicy",
}
_CONTAINER_FIELDS = {"image", "command", "args", "env", "resources"}
_PLATFORM_FIELDS = {
    "secretAsEnv",
    "secretAsVolume",
    "pvcMount",
    "nodeSelector",
    "tolerations",
    "podMetadata",
    "imagePullPolicy",
    "activeDeadlineSeconds",
    "configMapAsEnv",
    "configMapAsVolume",
    "fieldPathAsEnv",
    "emptyDirMounts",
    "imagePullSecret",
    "nodeAffinity",
    "genericEphemeralVolume",
    "securityContext",
}
# kfp-kubernetes' resource steps (their `argostub/` images) and the stdlib.k8s steps that write them.
_KUBERNETES_RESOURCE_STEPS = {"argostub/createpvc": "k8s.create_pvc", "argostub/deletepvc": "k8s.delete_pvc"}
_K8S_IMPORT = "import stdlib.k8s as k8s"
# The inputs kfp adds to a task whose resources are known only at run time (`set_cpu_limit(task.output)`).
_RESOURCE_INPUTS = frozenset(
    {"cpu_request", "cpu_limit", "memory_request", "memory_limit", "accelerator_type", "accelerator_count"}
)
_DEFAULT_RETRY = {"backoffDuration": "0s", "backoffFactor": 2.0, "backoffMaxDuration": "3600s"}


def snake(name: str) -> str:
    text = re.sub(r"[^0-9A-Za-z]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)).strip("_").lower()
    if not text or text[0].isdigit():
        text = "s_" + text
    return text + "_" if text in _KEYWORDS else text


class Names:
    """Unique identifiers in one namespace."""

    def __init__(self, taken=()):
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self.taken:
            name, n = f"{wanted}_{n}", n + 1
        self.taken.add(name)
        return name


def _type_text(definition: dict, artifact: bool, where: str) -> str:
    if artifact:
        schema = definition.get("artifactType", {}).get("schemaTitle", "system.Artifact")
        version = definition.get("artifactType", {}).get("schemaVersion", types.DEFAULT_SCHEMA_VERSION)
        suffix = "" if version == types.DEFAULT_SCHEMA_VERSION else f"@{version}"
        name = (not suffix and types.SCHEMA_TITLE_NAMES.get(schema)) or f'Artifact<"{schema}{suffix}">'
        return f"list[{name}]" if definition.get("isArtifactList") else name
    kind = definition.get("parameterType")
    if kind not in _PARAMETER_TYPES:
        raise ImportRefused(
            CANT_EXPRESS, path_of(where, "parameterType"), f"parameter type {kind!r} has no ptflow type"
        )
    return _PARAMETER_TYPES[kind]


def _default_text(type_text: str, value) -> str:
    if type_text == "int" and isinstance(value, float) and value.is_integer():
        value = int(value)
    if type_text == "list[int]":
        value = [int(v) for v in value]
    return literal(value)


def _whole_number_list(value) -> bool:
    """A LIST default of whole numbers only: kfp's `list[int]` (protobuf writes them as 1.0, 2.0)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() for v in value)
    )


def _ports(definitions: dict | None, where: str, with_defaults: bool) -> list[Port]:
    ports = []
    for kind in ("parameters", "artifacts"):
        for name, definition in (definitions or {}).get(kind, {}).items():
            at = path_of(where, kind, name)
            if not _IDENTIFIER.match(name) or name in _KEYWORDS:
                raise ImportRefused(CANT_EXPRESS, at, f"the port name {name!r} is not a ptflow identifier")
            type_text = _type_text(definition, kind == "artifacts", at)
            default = None
            if with_defaults and "defaultValue" in definition:
                if type_text == "list" and _whole_number_list(definition["defaultValue"]):
                    type_text = "list[int]"  # its items compare as numbers in conditions, as kfp's list[int]
                default = _default_text(type_text, definition["defaultValue"])
            elif with_defaults and definition.get("isOptional") and type_text != "Status":
                type_text += "?"
            ports.append(Port(name, type_text, default, definition.get("description", "")))
    return ports


def item_name(items_text: str) -> str:
    """The loop variable: `number` for `for ... in numbers`, else `item`."""
    if (
        _IDENTIFIER.match(items_text)
        and items_text.endswith("s")
        and len(items_text) > 3
        and not items_text.endswith("ss")
        and items_text[:-1] not in _KEYWORDS
    ):
        return items_text[:-1]
    return "item"


def _in_dependency_order(tasks: dict) -> list[str]:
    """Task names with every task after the tasks it depends on (otherwise in document order).

    Iterative, so a chain of many thousand steps needs no deep recursion; a cycle
    (which kfp never writes) is broken where it is found."""
    done: list[str] = []
    state: dict[str, str] = {}  # name -> "open" while its dependencies are visited, "done" after
    for first in tasks:
        stack = [(first, iter(tasks[first].get("dependentTasks", [])))] if first not in state else []
        if stack:
            state[first] = "open"
        while stack:
            name, dependencies = stack[-1]
            for dependency in dependencies:
                if dependency in tasks and dependency not in state:
                    state[dependency] = "open"
                    stack.append((dependency, iter(tasks[dependency].get("dependentTasks", []))))
                    break
            else:
                stack.pop()
                state[name] = "done"
                done.append(name)
    return done


class _Scope:
    """A DAG reached from the root: the task that runs it (in the parent scope) and its loop items."""

    def __init__(self, component_name: str, component: dict, parent, caller: dict | None, where: str):
        self.component_name = component_name
        self.component = component
        self.parent = parent
        self.caller = caller
        self.where = where
        self.items: dict[str, str] = {}  # channel name of a loop item -> ptflow variable
        self.tasks = component.get("dag", {}).get("tasks", {})


class IrImporter:
    def __init__(self, spec: dict, platform: dict, origin: str, workspace: dict | None = None):
        self.spec = spec
        self.workspace = workspace  # the platform spec's pipelineConfig.workspace
        self.components = spec.get("components", {})
        self.executors = spec.get("deploymentSpec", {}).get("executors", {})
        self.platform = platform
        self.module = Module(origin)
        self.component_names = Names()
        self.by_key: dict[tuple, str] = {}
        self.by_ref: dict[str, str] = {}
        self.pipeline_by_ref: dict[str, str] = {}
        self.step_names: dict[tuple[int, str], str] = {}

    # ----------------------------------------------------------------- pipelines
    def run(self) -> Module:
        info = self.spec.get("pipelineInfo", {})
        name = snake(info.get("name", "pipeline"))  # the pipeline's name is in the document: it is kept
        self._pipeline("root", self.spec["root"], name, info.get("description", ""), info.get("displayName"))
        root_pipeline = next(p for p in self.module.pipelines if p.name == self.pipeline_by_ref["root"])
        root_pipeline.pipeline_root = self.spec.get("defaultPipelineRoot")
        if self.workspace:
            root_pipeline.workspace = {"size": self.workspace.get("size")}
            patch = (self.workspace.get("kubernetes") or {}).get("pvcSpecPatch")
            if patch:
                root_pipeline.workspace["pvc_spec_patch"] = patch
        if "name" in info and k8s_name(root_pipeline.name) != info["name"]:
            root_pipeline.given_name = info["name"]  # a keyword (`pipeline`) or a name taken by a component
        return self.module

    def _pipeline(self, ref: str, component: dict, name: str, doc: str, display_name=None) -> str:
        where = ref if ref == "root" else path_of("components", ref)
        pipeline_name = self.component_names.claim(name)
        self.pipeline_by_ref[ref] = pipeline_name
        inputs = _ports(component.get("inputDefinitions"), path_of(where, "inputDefinitions"), True)
        outputs = _ports(component.get("outputDefinitions"), path_of(where, "outputDefinitions"), False)
        names = Names([p.name for p in inputs] + [p.name for p in outputs])
        scope = _Scope(ref, component, None, None, path_of(where, "dag"))
        pipeline = Pipeline(
            pipeline_name, inputs, outputs, [], doc=doc or component.get("description", ""), display_name=display_name
        )
        pipeline.body = self._dag(scope, names, top=True)
        if len(pipeline.body) == 1 and isinstance(pipeline.body[0], TryFinally):
            # One exit handler around the whole body: the pipeline's own `finally`.
            (handler,) = pipeline.body
            pipeline.body, pipeline.finally_body, pipeline.finally_name = (
                handler.body,
                handler.finally_body,
                handler.finally_name,
            )
        collected = collected_outputs(self.components, component)
        for kind in ("parameters", "artifacts"):
            for output, source in component.get("dag", {}).get("outputs", {}).get(kind, {}).items():
                value = self._dag_output(scope, kind, output, source)
                # kfp's `dsl.Collected` of a step inside an `if`, in no loop (compiler/ir_collected.py)
                is_collected = output in (collected.parameters if kind == "parameters" else collected.artifacts)
                pipeline.returns[output] = f"collect({value})" if is_collected else value
        self.module.pipelines.append(pipeline)
        return pipeline_name

    def _dag(self, scope: _Scope, names: Names, top: bool = False) -> list:
        # Claim every step's name first: a value may point at a step written later.
        for task_name, task in scope.tasks.items():
            if not self._is_group(task):
                self.step_names[(id(scope.component), task_name)] = names.claim(snake(task_name))
        body: list[Step | Loop | IfChain | TryFinally] = []
        handlers: dict[str, TryFinally] = {}  # exit-handler-N -> its `try` block
        for task_name in _in_dependency_order(scope.tasks):
            task = scope.tasks[task_name]
            at = path_of(scope.where, "tasks", task_name)
            unknown = set(task) - _TASK_FIELDS
            if unknown:
                raise ImportRefused(CANT_EXPRESS, path_of(at, min(unknown)), "a task field ptflow does not know")
            trigger = task.get("triggerPolicy", {})
            if self._runs_after_failure(scope, task):
                body.append(self._step(scope, task_name, task, at))  # `ignore_upstream_failure: true`
                continue
            if trigger.get("strategy") == "ALL_UPSTREAM_TASKS_COMPLETED":
                guarded = [d for d in task.get("dependentTasks", []) if d in handlers]
                if not top or len(guarded) != 1:
                    raise ImportRefused(
                        CANT_EXPRESS, path_of(at, "triggerPolicy"), "an exit task that does not follow one exit handler"
                    )
                handlers[guarded[0]].finally_body.append(self._step(scope, task_name, task, at))
                continue
            if self._is_group(task):
                ref = task["componentRef"]["name"]
                child = _Scope(ref, self.components[ref], scope, task, path_of("components", ref, "dag"))
                if task_name.startswith("exit-handler"):
                    if not top:
                        raise ImportRefused(CANT_EXPRESS, at, "a nested exit handler")
                    display = task.get("taskInfo", {}).get("name", task_name)
                    handler = TryFinally(
                        self._dag(child, names), finally_name=None if display == task_name else display
                    )
                    handlers[task_name] = handler
                    body.append(handler)
                elif _is_loop(task):
                    body.append(self._loop(child, task, at, names))
                elif task_name.startswith("condition-branches"):
                    body.append(self._branches(child, names))
                elif "condition" in trigger:
                    body.append(IfChain([(self._condition(scope, task, at), self._dag(child, names))]))
                else:
                    raise ImportRefused(CANT_EXPRESS, at, "a group kind ptflow does not know")
                self._group_after(scope, task, at, [body[-1]])
            else:
                body.append(self._step(scope, task_name, task, at))
        return body

    def _runs_after_failure(self, scope: _Scope, task: dict) -> bool:
        """A task that runs when its upstream is done, even failed, without being an exit handler's task:
        kfp's `.ignore_upstream_failure()` (it neither waits for an exit handler nor takes a final status)."""
        if task.get("triggerPolicy", {}).get("strategy") != "ALL_UPSTREAM_TASKS_COMPLETED":
            return False
        if any("taskFinalStatus" in binding for binding in task.get("inputs", {}).get("parameters", {}).values()):
            return False
        for dependency in task.get("dependentTasks", []):
            producer = scope.tasks.get(dependency)
            if producer is not None and self._is_group(producer) and dependency.startswith("exit-handler"):
                return False
        return bool(task.get("dependentTasks"))

    def _is_group(self, task: dict) -> bool:
        ref = task.get("componentRef", {}).get("name", "")
        component = self.components.get(ref, {})
        if "dag" not in component:
            return False
        task_name = task.get("taskInfo", {}).get("name", "")
        return (
            ref.startswith(("comp-for-loop-", "comp-condition-", "comp-exit-handler-"))
            and not task_name.startswith("comp-")
        ) or _is_loop(task)

    def _loop(self, scope: _Scope, task: dict, at: str, names: Names) -> Loop:
        kind = "parameterIterator" if "parameterIterator" in task else "artifactIterator"
        iterator = task[kind]
        items = iterator.get("items", {})
        if "raw" in items:
            items_text = literal(json.loads(items["raw"]))
        elif "inputParameter" in items:
            items_text = self._resolve(
                scope.parent, task["inputs"]["parameters"][items["inputParameter"]], path_of(at, "inputs")
            )
        elif "inputArtifact" in items:  # a list of artifacts: one iteration per artifact
            items_text = self._resolve(
                scope.parent, task["inputs"]["artifacts"][items["inputArtifact"]], path_of(at, "inputs")
            )
        else:
            raise ImportRefused(CANT_EXPRESS, path_of(at, kind, "items"), "a loop over this kind of items")
        variable = names.claim(item_name(items_text))
        scope.items[iterator["itemInput"]] = variable
        parallel = task.get("iteratorPolicy", {}).get("parallelismLimit")
        return Loop(variable, items_text, parallel, self._dag(scope, names))

    def _condition(self, scope: _Scope, task: dict, at: str, tree=None) -> str:
        if tree is None:
            tree = self._parse_condition(task, at)
        return cel_reader.to_ptflow(tree, lambda name: self._channel(scope, task, name, at))

    def _parse_condition(self, task: dict, at: str):
        try:
            return cel_reader.parse(task["triggerPolicy"]["condition"])
        except cel_reader.CelError as error:
            raise ImportRefused(
                CANT_EXPRESS, path_of(at, "triggerPolicy", "condition"), f"a condition ptflow can't read: {error}"
            ) from None

    def _channel(self, scope: _Scope, task: dict, name: str, at: str) -> str:
        binding = task.get("inputs", {}).get("parameters", {}).get(name)
        if binding is None:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(at, "triggerPolicy", "condition"),
                f"the condition reads {name!r}, which the task is not given",
            )
        return self._resolve(scope, binding, path_of(at, "inputs", "parameters", name))

    def _branches(self, scope: _Scope, names: Names) -> IfChain:
        arms: list = []
        earlier: list = []  # the conditions of the arms so far, as CEL trees
        for task_name, task in sorted(scope.tasks.items(), key=lambda named: _group_number(named[0])):
            at = path_of(scope.where, "tasks", task_name)
            child = _Scope(
                task["componentRef"]["name"],
                self.components[task["componentRef"]["name"]],
                scope,
                task,
                path_of("components", task["componentRef"]["name"], "dag"),
            )
            clauses = cel_reader.conjuncts(self._parse_condition(task, at))
            excluded = [c.operand for c in clauses[: len(earlier)] if isinstance(c, cel_reader.Not)]
            if excluded != earlier[: len(excluded)] or len(excluded) != len(earlier):
                raise ImportRefused(
                    CANT_EXPRESS,
                    path_of(at, "triggerPolicy", "condition"),
                    "a branch whose condition does not exclude the earlier ones (no elif form)",
                )
            own = clauses[len(earlier) :]
            condition = None if not own else self._condition(scope, task, at, cel_reader.join_and(own))
            if own:
                earlier.append(cel_reader.join_and(own))
            arms.append((condition, self._dag(child, names)))
        return IfChain(arms)

    # ----------------------------------------------------------------- values
    def _resolve(self, scope: _Scope, binding: dict, at: str) -> str:
        selector = binding.get("parameterExpressionSelector")
        text = self._resolve_source(scope, binding, at)
        if selector:
            field = re.fullmatch(r'parseJson\(string_value\)\["([A-Za-z_][A-Za-z_0-9]*)"\]', selector)
            if not field:
                raise ImportRefused(
                    CANT_EXPRESS, path_of(at, "parameterExpressionSelector"), f"the selector {selector!r}"
                )
            text += "." + field.group(1)
        return text

    def _resolve_source(self, scope: _Scope, binding: dict, at: str) -> str:
        for key in ("componentInputParameter", "componentInputArtifact"):
            if key in binding:
                name = binding[key]
                if name in scope.items:
                    return scope.items[name]
                if scope.caller is None:
                    return name
                kind = "parameters" if key == "componentInputParameter" else "artifacts"
                outer = scope.caller.get("inputs", {}).get(kind, {}).get(name)
                if outer is None:
                    raise ImportRefused(CANT_EXPRESS, at, f"the group input {name!r} is not passed to the group")
                return self._resolve(scope.parent, outer, at)
        if "taskOutputParameter" in binding:
            source = binding["taskOutputParameter"]
            return self._task_output(scope, source["producerTask"], source["outputParameterKey"], "parameters")
        if "taskOutputArtifact" in binding:
            source = binding["taskOutputArtifact"]
            return self._task_output(scope, source["producerTask"], source["outputArtifactKey"], "artifacts")
        if "taskFinalStatus" in binding:
            return "pipeline.status"
        if "runtimeValue" in binding:
            return self._constant(binding["runtimeValue"].get("constant"), None, None, at)
        raise ImportRefused(CANT_EXPRESS, at, f"an input binding of kind {sorted(binding)} ptflow does not know")

    def _task_output(self, scope: _Scope, producer: str, key: str, kind: str) -> str:
        task = scope.tasks.get(producer)
        if task is None:
            raise ImportRefused(
                CANT_EXPRESS, path_of(scope.where, "tasks"), f"no task {producer!r} to read {key!r} from"
            )
        if not self._is_group(task):
            return f"{self.step_names[(id(scope.component), producer)]}.{key}"
        ref = task["componentRef"]["name"]
        child = _Scope(ref, self.components[ref], scope, task, path_of("components", ref, "dag"))
        source = child.component.get("dag", {}).get("outputs", {}).get(kind, {}).get(key, {})
        return self._dag_output(child, kind, key, source)

    def _dag_output(self, scope: _Scope, kind: str, key: str, source: dict) -> str:
        """One output of a DAG as the value it surfaces: a step's output, or `oneof(...)` of the arms'.

        kfp writes `dsl.OneOf` as a `condition-branches-N` output that selects one
        value per arm (`valueFromOneof.parameterSelectors`, or several `artifactSelectors`)."""
        selectors = (
            source.get("valueFromOneof", {}).get("parameterSelectors")
            or source.get("artifactSelectors")
            or [source.get("valueFromParameter")]
        )
        if not all(selectors):
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(scope.where, "outputs", kind, key),
                f"a DAG output of kind {sorted(source)} ptflow does not know",
            )
        values = [
            self._task_output(
                scope,
                selector["producerSubtask"],
                selector.get("outputParameterKey") or selector.get("outputArtifactKey"),
                kind,
            )
            for selector in selectors
        ]
        if len(values) == 1:
            return values[0]
        if not scope.component_name.startswith("comp-condition-branches-"):
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(scope.where, "outputs", kind, key),
                "a value chosen from several outside an if chain",
            )
        return "oneof(" + ", ".join(values) + ")"

    def _constant(self, value, task_inputs, scope, at) -> str:
        if not isinstance(value, str) and "{{$" in json.dumps(value):
            # kfp's list or dict argument holding pipeline channels: each placeholder is a value again
            return self._structure(value, lambda m: self._placeholder_in_value(m, at))
        if not isinstance(value, str) or "{{$" not in value:
            return literal(value)
        return self._fstring(value, lambda m: self._placeholder_in_value(m, at))

    def _structure(self, value, placeholder) -> str:
        """A list or dict constant with placeholders inside, as a ptflow list or dict of values: a string that is
        one placeholder becomes its value, a string with some an f-string, a key holding one a bracketed key."""
        if isinstance(value, str):
            return self._fstring(value, placeholder)
        if isinstance(value, list):
            return "[" + ", ".join(self._structure(item, placeholder) for item in value) + "]"
        if isinstance(value, dict):
            entries = []
            for key, item in value.items():
                if _PLACEHOLDER.search(key):
                    key_text = "[" + self._fstring(key, placeholder) + "]"
                else:
                    key_text = json.dumps(key, ensure_ascii=False)
                entries.append(f"{key_text}: {self._structure(item, placeholder)}")
            return "{" + ", ".join(entries) + "}"
        return literal(value)

    def _placeholder_in_value(self, match, at) -> str:
        if match.group("side") is None and match.group("run") in _RUN_INFO:
            return _RUN_INFO[match.group("run")]
        # a channel inside a constant: resolved by the caller through the task's own inputs
        if match.group("side") == "inputs" and match.group("kind") == "parameters" and not match.group("attr"):
            return self._current_channel(match.group("name"), at)
        raise ImportRefused(CANT_EXPRESS, at, f"the placeholder {match.group(0)!r} in a constant")

    def _fstring(self, text: str, placeholder) -> str:
        parts: list[str] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()].replace("{", "{{").replace("}", "}}"))
            parts.append("{" + placeholder(match) + "}")
            position = match.end()
        parts.append(text[position:].replace("{", "{{").replace("}", "}}"))
        joined = "".join(parts)
        whole = _PLACEHOLDER.fullmatch(text)
        if whole:
            return placeholder(whole)
        if not _PLACEHOLDER.search(text):
            return literal(text)
        return "f" + json.dumps(joined, ensure_ascii=False)

    # ----------------------------------------------------------------- steps
    def _step(self, scope: _Scope, task_name: str, task: dict, at: str) -> Step:
        ref = task["componentRef"]["name"]
        component = self.components.get(ref)
        if component is None:
            raise ImportRefused(CANT_EXPRESS, path_of(at, "componentRef"), f"no component {ref!r}")
        name = self.step_names.get((id(scope.component), task_name)) or snake(task_name)
        if "dag" in component:
            callee = self.pipeline_by_ref.get(ref) or self._pipeline(
                ref, component, snake(ref.removeprefix("comp-")), ""
            )
            declared = component.get("inputDefinitions", {})
        else:
            executor_label = component.get("executorLabel")
            executor = self.executors.get(executor_label, {})
            if "importer" in executor:
                return self._importer(scope, name, task, executor["importer"], at, executor_label)
            callee = self._component(ref, component, executor, path_of("deploymentSpec", "executors", executor_label))
            declared = component.get("inputDefinitions", {})
        arguments = {}
        self._task_inputs = (scope, task, at)
        for kind in ("parameters", "artifacts"):
            for input_name, binding in task.get("inputs", {}).get(kind, {}).items():
                if input_name not in declared.get(kind, {}):
                    if input_name.startswith(CHANNEL) or (kind == "parameters" and input_name in _RESOURCE_INPUTS):
                        # kfp's extra inputs for a placeholder in a constant, or for a resource known at
                        # run time: read where the constant or the resource is
                        continue
                    raise ImportRefused(
                        CANT_EXPRESS, path_of(at, "inputs", kind, input_name), "an input the component does not declare"
                    )
                value = binding.get("runtimeValue", {}).get("constant")
                declared_type = declared[kind][input_name].get("parameterType")
                if declared_type == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
                    arguments[input_name] = str(int(value))  # protobuf writes every number as a double
                else:
                    arguments[input_name] = self._resolve(scope, binding, path_of(at, "inputs", kind, input_name))
        options = self._options(scope, task, task_name, at, component)
        return Step(name, callee, arguments, options)

    def _current_channel(self, name: str, at: str) -> str:
        scope, task, task_at = self._task_inputs
        binding = task.get("inputs", {}).get("parameters", {}).get(name)
        if binding is None:
            raise ImportRefused(CANT_EXPRESS, at, f"the constant reads {name!r}, which the task is not given")
        return self._resolve(scope, binding, path_of(task_at, "inputs", "parameters", name))

    def _importer(self, scope, name, task, spec, at, executor_label) -> Step:
        self._task_inputs = (scope, task, at)
        uri = spec.get("artifactUri", {})
        if "constant" in uri:
            uri_text = literal(uri["constant"])
        elif "runtimeParameter" in uri:
            uri_text = self._resolve(
                scope, task["inputs"]["parameters"][uri["runtimeParameter"]], path_of(at, "inputs")
            )
        else:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of("deploymentSpec", "executors", executor_label, "importer", "artifactUri"),
                "an importer URI of this kind",
            )
        type_text = _type_text({"artifactType": spec.get("typeSchema", {})}, True, at)
        arguments = {"uri": uri_text, "type": type_text}
        metadata_at = path_of("deploymentSpec", "executors", executor_label, "importer", "metadata")
        if "{{$" in json.dumps(spec.get("metadata", {})):
            # Built from run-time values: each placeholder names one of the importer task's `metadata-N` inputs.
            arguments["metadata"] = self._structure(
                spec["metadata"], lambda m: self._placeholder_in_value(m, metadata_at)
            )
        elif spec.get("metadata"):
            arguments["metadata"] = literal(spec["metadata"])
        if spec.get("reimport"):
            arguments["reimport"] = "true"
        if spec.get("downloadToWorkspace"):
            arguments["download_to_workspace"] = "true"
        return Step(name, "importer", arguments, self._options(scope, task, name, at, {}))

    def _options(self, scope: _Scope, task: dict, task_name: str, at: str, component: dict) -> dict[str, str]:
        options: dict[str, str] = {}
        if self._runs_after_failure(scope, task):
            options["ignore_upstream_failure"] = "true"
        caching = task.get("cachingOptions")
        if caching is not None and not caching.get("enableCache"):
            if caching.get("cacheKey"):  # ptflow refuses a key that is never used (`cache_key` with `cache: false`)
                raise ImportRefused(
                    CANT_EXPRESS,
                    path_of(at, "cachingOptions", "cacheKey"),
                    "a cache key on a task whose caching is off (`set_caching_options(False, cache_key=...)`), "
                    "which KFP never uses: remove the key, or turn caching on",
                )
            options["cache"] = "false"
        elif caching is not None and caching.get("cacheKey"):
            options["cache_key"] = literal(caching["cacheKey"])
        retry = task.get("retryPolicy")
        if retry:
            rest = {k: v for k, v in retry.items() if k != "maxRetryCount"}
            if rest == _DEFAULT_RETRY or not rest:
                options["retries"] = str(retry.get("maxRetryCount", 0))
            else:
                entries = {
                    "max": retry.get("maxRetryCount", 0),
                    "backoff": rest.get("backoffDuration"),
                    "factor": rest.get("backoffFactor"),
                    "max_backoff": rest.get("backoffMaxDuration"),
                }
                options["retry"] = (
                    "{" + ", ".join(f"{k}: {literal(v)}" for k, v in entries.items() if v is not None) + "}"
                )
        display = task.get("taskInfo", {}).get("name")
        if display and display != task_name:
            options["display_name"] = literal(display)
        # A secret or PVC named by a step's output waits for that step (ptflow writes the dependency itself).
        after = self._after(
            scope, task, at, _platform_producers(self.platform.get(component.get("executorLabel") or "", {}))
        )
        if after:
            options["after"] = "[" + ", ".join(after) + "]"
        executor_label = component.get("executorLabel")
        if executor_label:
            options.update(self._resources(executor_label))
            options.update(self._platform_options(executor_label, scope))
        return options

    def _after(self, scope: _Scope, task: dict, at: str, implied: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """The steps a task waits for beyond the producers of its inputs: its `after`."""
        implied = set(implied)
        for kind, key in (("parameters", "taskOutputParameter"), ("artifacts", "taskOutputArtifact")):
            for binding in task.get("inputs", {}).get(kind, {}).values():
                if key in binding:
                    implied.add(binding[key]["producerTask"])
                if "taskFinalStatus" in binding:
                    implied.add(binding["taskFinalStatus"]["producerTask"])
        after: list[str] = []
        for dependency in task.get("dependentTasks", []):
            if dependency in implied:
                continue
            producer = scope.tasks.get(dependency)
            if producer is None or self._is_group(producer):
                if task.get("triggerPolicy", {}).get("strategy") and dependency.startswith("exit-handler"):
                    continue
                step = self._step_in_loop(producer) if producer is not None else None
                if step is None:
                    raise ImportRefused(
                        CANT_EXPRESS,
                        path_of(at, "dependentTasks"),
                        f"`after` a group ({dependency!r}) has no ptflow form",
                    )
            else:
                step = self.step_names[(id(scope.component), dependency)]
            if step not in after:
                after.append(step)
        return after

    def _group_after(self, scope: _Scope, task: dict, at: str, body: list) -> None:
        """A loop or condition group that waits for steps (kfp lifts a `.after()` inside it to the group):
        its first step gets the `after`, which ptflow lifts to the group again."""
        after = self._after(scope, task, at)
        if not after:
            return
        step = _first_step(body)
        if step is None:
            raise ImportRefused(CANT_EXPRESS, path_of(at, "dependentTasks"), "a group that waits but has no step")
        known = step.options.get("after", "[]")[1:-1]
        names = [n for n in known.split(", ") if n] + [n for n in after if n not in known.split(", ")]
        step.options["after"] = "[" + ", ".join(names) + "]"

    def _step_in_loop(self, group: dict) -> str | None:
        """A step of a loop, outside any condition there: `after` it waits for the whole loop
        (ptflow's `after: [step]` depends on the outermost group around the step that the waiting
        step is not in, as kfp's `.after(loop)` does). None for a condition or exit handler group."""
        if not _is_loop(group):
            return None
        component = self.components[group["componentRef"]["name"]]
        for task_name, task in component.get("dag", {}).get("tasks", {}).items():
            if not self._is_group(task):
                return self.step_names[(id(component), task_name)]
            step = self._step_in_loop(task)
            if step is not None:
                return step
        return None

    def _resources(self, executor_label: str) -> dict[str, str]:
        resources = self.executors[executor_label].get("container", {}).get("resources", {})
        where = path_of("deploymentSpec", "executors", executor_label, "container", "resources")
        options = {}
        for option, names in (
            ("cpu", ("resourceCpuLimit", "cpuLimit")),
            ("cpu_request", ("resourceCpuRequest", "cpuRequest")),
            ("memory", ("resourceMemoryLimit", "memoryLimit")),
            ("memory_request", ("resourceMemoryRequest", "memoryRequest")),
        ):
            for key in names:
                if key in resources:
                    options[option] = self._resource(resources[key], path_of(where, key))
                    break
        accelerator = resources.get("accelerator", {})
        count = accelerator.get("resourceCount", accelerator.get("count"))
        if count is not None:
            options["gpus"] = (
                self._resource(count, path_of(where, "accelerator", "resourceCount"))
                if isinstance(count, str) and "{{$" in count
                else str(int(count))
            )
        kind = accelerator.get("resourceType", accelerator.get("type"))
        if kind:
            options["accelerator"] = self._resource(kind, path_of(where, "accelerator", "resourceType"))
        return options

    def _resource(self, value, at: str) -> str:
        """A resource quantity: a constant, or a placeholder for the parameter or step output it is read from."""
        if isinstance(value, str) and "{{$" in value:
            return self._constant(value, None, None, at)  # the channel is one of the current task's inputs
        return literal(value if isinstance(value, str) else str(value))

    def _object_uses(self, scope: _Scope, config: dict, where: str, prefix: str, key_field: str) -> list[str]:
        """`secrets`/`config_maps` entries (ptflow text) from kfp-kubernetes' `<prefix>AsEnv`/`<prefix>AsVolume`."""
        uses = []
        for field, what in ((f"{prefix}AsEnv", "env"), (f"{prefix}AsVolume", "mount_path")):
            for index, entry in enumerate(config.get(field, [])):
                name = self._object_name(scope, entry, f"{prefix}Name", path_of(where, field, index))
                if what == "env":
                    env = ", ".join(f"{e['envVar']}: {literal(e[key_field])}" for e in entry.get("keyToEnv", []))
                    setting = f"env: {{{env}}}"
                else:
                    setting = f"mount_path: {literal(entry['mountPath'])}"
                optional = ", optional: true" if entry.get("optional") else ""
                uses.append(f"{{name: {name}, {setting}{optional}}}")
        return uses

    def _object_name(self, scope: _Scope, entry: dict, field: str, where: str) -> str:
        """A secret's or PVC's name: a constant, or the run-time value its `...NameParameter` binds."""
        constant = entry.get(field) if field != "pvcName" else entry.get("constant")
        parameter = entry.get(f"{field}Parameter", {})
        if constant is None and "constant" in parameter.get("runtimeValue", {}):
            constant = parameter["runtimeValue"]["constant"]
        if isinstance(constant, str):
            return literal(constant)
        return self._resolve(scope, parameter, path_of(where, f"{field}Parameter"))

    def _json_option(self, scope: _Scope, binding: dict, where: str) -> str:
        """A kfp-kubernetes `*Json` value: a constant (whole numbers as ptflow writes them) or a parameter."""
        if "runtimeValue" in binding:
            return literal(_whole_numbers(binding["runtimeValue"].get("constant")))
        return self._resolve(scope, binding, where)

    def _affinity_options(self, scope: _Scope, config: dict, where: str) -> dict[str, str]:
        options = {}
        terms = []
        for index, entry in enumerate(config.get("nodeAffinity", [])):
            if "nodeAffinityJson" in entry:
                options["node_affinity_json"] = self._json_option(
                    scope, entry["nodeAffinityJson"], path_of(where, "nodeAffinity", index, "nodeAffinityJson")
                )
                continue
            fields: dict = {}
            for key, name in (("matchExpressions", "match_expressions"), ("matchFields", "match_fields")):
                if entry.get(key):
                    fields[name] = [
                        {
                            "key": r["key"],
                            "operator": r["operator"],
                            **({"values": r["values"]} if r.get("values") else {}),
                        }
                        for r in entry[key]
                    ]
            if "weight" in entry:
                fields["weight"] = int(entry["weight"])
            terms.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}")
        if terms:
            options["node_affinity"] = "[" + ", ".join(terms) + "]"
        return options

    def _platform_options(self, executor_label: str, scope: _Scope) -> dict[str, str]:
        config = self.platform.get(executor_label)
        if not config:
            return {}
        where = path_of("platforms", "kubernetes", "deploymentSpec", "executors", executor_label)
        unknown = set(config) - _PLATFORM_FIELDS
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of(where, min(unknown)), "a kfp-kubernetes setting ptflow has no option for"
            )
        options = {}
        for option, prefix, key_field in (
            ("secrets", "secret", "secretKey"),
            ("config_maps", "configMap", "configMapKey"),
        ):
            uses = self._object_uses(scope, config, where, prefix, key_field)
            if uses:
                options[option] = "[" + ", ".join(uses) + "]"
        if config.get("fieldPathAsEnv"):
            options["field_env"] = (
                "{" + ", ".join(f"{e['name']}: {literal(e['fieldPath'])}" for e in config["fieldPathAsEnv"]) + "}"
            )
        empty_dirs = []
        for entry in config.get("emptyDirMounts", []):
            fields = {"name": entry["volumeName"], "mount_path": entry["mountPath"]}
            fields.update({k: entry[f] for k, f in (("medium", "medium"), ("size_limit", "sizeLimit")) if f in entry})
            empty_dirs.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}")
        if empty_dirs:
            options["empty_dirs"] = "[" + ", ".join(empty_dirs) + "]"
        pull_secrets = [
            self._object_name(scope, entry, "secretName", path_of(where, "imagePullSecret", index))
            for index, entry in enumerate(config.get("imagePullSecret", []))
        ]
        if pull_secrets:
            options["image_pull_secrets"] = "[" + ", ".join(pull_secrets) + "]"
        options.update(self._affinity_options(scope, config, where))
        ephemeral = []
        for entry in config.get("genericEphemeralVolume", []):
            fields = {
                "name": entry["volumeName"],
                "mount_path": entry["mountPath"],
                "access_modes": entry.get("accessModes", []),
                "size": entry["size"],
            }
            if entry.get("storageClassName"):
                fields["storage_class"] = entry["storageClassName"]
            for key in ("labels", "annotations"):
                if entry.get("metadata", {}).get(key):
                    fields[key] = entry["metadata"][key]
            ephemeral.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}")
        if ephemeral:
            options["ephemeral_volumes"] = "[" + ", ".join(ephemeral) + "]"
        if "securityContext" in config:
            context = config["securityContext"]
            fields = {
                snake(key): (int(value) if key in ("runAsUser", "runAsGroup") else value)
                for key, value in context.items()
            }
            options["security_context"] = "{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}"
        volumes = []
        for index, entry in enumerate(config.get("pvcMount", [])):
            pvc = self._object_name(scope, entry, "pvcName", path_of(where, "pvcMount", index))
            sub_path = f", sub_path: {literal(entry['subPath'])}" if entry.get("subPath") else ""
            volumes.append("{pvc: " + pvc + ", mount_path: " + literal(entry["mountPath"]) + sub_path + "}")
        if volumes:
            options["volumes"] = "[" + ", ".join(volumes) + "]"
        if config.get("nodeSelector", {}).get("labels"):
            options["node_selector"] = literal(config["nodeSelector"]["labels"])
        if "nodeSelectorJson" in config.get("nodeSelector", {}):
            options["node_selector_json"] = self._json_option(
                scope, config["nodeSelector"]["nodeSelectorJson"], path_of(where, "nodeSelector", "nodeSelectorJson")
            )
        tolerations = []
        for index, entry in enumerate(config.get("tolerations", [])):
            if "tolerationJson" in entry:
                options["tolerations_json"] = self._json_option(
                    scope, entry["tolerationJson"], path_of(where, "tolerations", index, "tolerationJson")
                )
                continue
            fields = {
                ("seconds" if k == "tolerationSeconds" else k): (int(v) if k == "tolerationSeconds" else v)
                for k, v in entry.items()
            }
            tolerations.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}")
        if tolerations:
            options["tolerations"] = "[" + ", ".join(tolerations) + "]"
        metadata = config.get("podMetadata", {})
        if metadata.get("labels"):
            options["labels"] = literal(metadata["labels"])
        if metadata.get("annotations"):
            options["annotations"] = literal(metadata["annotations"])
        if "imagePullPolicy" in config:
            options["pull_policy"] = literal(config["imagePullPolicy"])
        if "activeDeadlineSeconds" in config:
            options["timeout"] = str(int(config["activeDeadlineSeconds"]))
        return options

    # ----------------------------------------------------------------- components
    def _component(self, ref: str, component: dict, executor: dict, where: str) -> str:
        if ref in self.by_ref:
            return self.by_ref[ref]
        container = executor.get("container")
        if container is None:
            raise ImportRefused(
                CANT_EXPRESS, where, f"an executor of kind {sorted(executor)} (only containers and importers)"
            )
        resource_step = _KUBERNETES_RESOURCE_STEPS.get(container.get("image"))
        if resource_step is not None and set(container) == {"image"}:
            # kfp-kubernetes' CreatePVC / DeletePVC: the standard library's steps of the same interface.
            if _K8S_IMPORT not in self.module.imports:
                self.module.imports.append(_K8S_IMPORT)
            self.by_ref[ref] = resource_step
            return resource_step
        unknown = set(container) - _CONTAINER_FIELDS
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of(where, "container", min(unknown)), "a container field ptflow does not know"
            )
        if not container.get("command") and not container.get("args"):
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(where, "container"),
                "a container with neither command nor args (kfp-kubernetes' resource steps such as CreatePVC)",
            )
        at = path_of("components", ref)
        inputs = _ports(component.get("inputDefinitions"), path_of(at, "inputDefinitions"), True)
        outputs = _ports(component.get("outputDefinitions"), path_of(at, "outputDefinitions"), False)
        model = Component(
            "", inputs, outputs, literal(container.get("image", "")), doc=component.get("description", "")
        )
        for part in ("command", "args"):
            values = [
                self._command_item(item, path_of(where, "container", part, i))
                for i, item in enumerate(container.get(part, []))
            ]
            setattr(model, part, values)
        for entry in container.get("env", []):
            model.env[entry["name"]] = literal(entry.get("value", ""))
        key = model.body_key()
        if key not in self.by_key:
            wanted = snake(ref.removeprefix("comp-"))
            if wanted in self.pipeline_by_ref.values():
                wanted += "_op"  # a single component compiled by kfp: its pipeline has the same name
            model.name = self.component_names.claim(wanted)
            self.by_key[key] = model.name
            self.module.components.append(model)
        self.by_ref[ref] = self.by_key[key]
        return self.by_ref[ref]

    def _command_item(self, item, at: str) -> str:
        if isinstance(item, dict):
            if "IfPresent" in item:
                spec = item["IfPresent"]
                name = spec["InputName"]
                then = "[" + ", ".join(self._command_item(v, at) for v in spec.get("Then", [])) + "]"
                text = f"if_present({name}, {then}"
                if spec.get("Else"):
                    text += ", [" + ", ".join(self._command_item(v, at) for v in spec["Else"]) + "]"
                return text + ")"
            if "Concat" in item:
                return "concat(" + ", ".join(self._command_item(v, at) for v in item["Concat"]) + ")"
            raise ImportRefused(CANT_EXPRESS, at, f"the command placeholder {sorted(item)}")
        if isinstance(item, str) and item.startswith("{") and item.strip().startswith('{"'):
            try:
                return self._command_item(json.loads(item), at)
            except ValueError:
                pass
        if not isinstance(item, str):
            return literal(str(item))
        return self._fstring(item, lambda m: self._component_placeholder(m, at))

    def _component_placeholder(self, match, at: str) -> str:
        if match.group("side") is None:
            if match.group("run") in _RUN_INFO:
                return _RUN_INFO[match.group("run")]
            raise ImportRefused(CANT_EXPRESS, at, f"the placeholder {match.group(0)!r}")
        name, attr = match.group("name"), match.group("attr")
        if match.group("side") == "outputs":
            return f"{name}.path" if attr in ("path", "output_file") else f"{name}.{attr}"
        if match.group("kind") == "artifacts":
            return f"{name}.{attr}" if attr else name
        return name


def _platform_producers(config: dict) -> set[str]:
    """The tasks whose outputs name a secret or PVC in one executor's kfp-kubernetes config."""
    producers = set()
    for key in ("secretAsEnv", "secretAsVolume", "pvcMount"):
        for entry in config.get(key, []):
            for parameter in (entry.get("secretNameParameter"), entry.get("pvcNameParameter")):
                if parameter and "taskOutputParameter" in parameter:
                    producers.add(parameter["taskOutputParameter"]["producerTask"])
    return producers


def _whole_numbers(value):
    """protobuf's JSON writes every number as a float (100.0); a whole one is written back as 100."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    return value


def _first_step(items: list) -> Step | None:
    """The first step written in a body, looking inside its loops, ifs and try blocks."""
    for item in items:
        if isinstance(item, Step):
            return item
        inner = (
            item.body
            if isinstance(item, (Loop, TryFinally))
            else [i for _, arm in item.arms for i in arm]
            if isinstance(item, IfChain)
            else []
        )
        step = _first_step(inner)
        if step is not None:
            return step
    return None


def _is_loop(task: dict) -> bool:
    """A `dsl.ParallelFor` group: over parameters (a list, raw or from a value) or over a list of artifacts."""
    return "parameterIterator" in task or "artifactIterator" in task


def _group_number(task_name: str) -> int:
    """kfp numbers groups in the order they are written (`condition-9` before `condition-10`); the YAML
    lists them sorted as text."""
    number = task_name.rsplit("-", 1)[-1]
    return int(number) if number.isdigit() else 0
