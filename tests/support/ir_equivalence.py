"""Are two KFP v2 IR documents the same pipeline, whatever their tasks, components, executors and groups are named?

A text-level renaming (see kfp_compare.rename) must be told the name map, and
a comparison that blanks names out can call two pipelines equal when two
inputs are swapped.  This module instead resolves every value a task receives
to where it comes from:

- a pipeline input (by its name, which the user chose),
- an output of a producing task (by the producer's *identity*: what it runs,
  what it receives, and the groups it sits in, never its name),
- a constant, a loop item (of a loop described by its items), a field of one,
  a collected (fan-in) output, a OneOf, a task's final status.

Each document becomes a name-free tree: the root DAG's children, each a task
(its component's interface, its executor and Kubernetes config, its resolved
inputs, dependencies and options) or a group (its loop/condition/exit-handler
description with resolved values, and its own children), compared as
multisets.  Names that are the user's (pipeline inputs and outputs, component
input and output keys, display names that differ from the task key) are kept.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re

import yaml

CHANNEL = "pipelinechannel--"
_BINDING_KEYS = (
    "componentInputParameter",
    "taskOutputParameter",
    "runtimeValue",
    "taskFinalStatus",
    "componentInputArtifact",
    "taskOutputArtifact",
)
_CONDITION_INPUT = re.compile(r"""inputs\.parameter_values\[\s*'([^']*)'\s*\]""")
# The inputs kfp gives an importer for the run-time values of its metadata: `metadata`, `metadata-2`, ..., numbered
# in the order kfp met the values, which the IR (its metadata written with sorted keys) no longer shows.
_IMPORTER_METADATA_INPUT = re.compile(r"metadata(-[0-9]+)?")


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]


class _Scope:
    """One DAG as reached from the root: its component, and the task (in the parent scope) that runs it."""

    def __init__(self, component: dict, parent: _Scope | None, caller: dict | None, context: tuple):
        self.component = component
        self.parent = parent
        self.caller = caller  # the task spec in the parent DAG whose componentRef is this DAG
        self.context = context  # descriptions of the enclosing groups, outermost first
        self.tasks = component.get("dag", {}).get("tasks", {})


class _Canonical:
    def __init__(self, documents: list[dict]):
        self.spec = documents[0]
        platforms = documents[1] if len(documents) > 1 else {}
        kubernetes = platforms.get("platforms", {}).get("kubernetes", {})
        self.platform_executors = kubernetes.get("deploymentSpec", {}).get("executors", {})
        self.pipeline_config = kubernetes.get("pipelineConfig")
        self.components = self.spec.get("components", {})
        self.executors = self.spec.get("deploymentSpec", {}).get("executors", {})
        self._identities: dict[tuple[int, str], str] = {}
        self._descriptions: dict[int, dict] = {}  # id(scope) -> group description
        self._children: dict[tuple[int, str], _Scope] = {}

    # ------------------------------------------------------------ scopes
    def child_scope(self, scope: _Scope, task_name: str) -> _Scope | None:
        """The DAG a task runs, if its component is a DAG (a control-flow group or a nested pipeline)."""
        key = (id(scope), task_name)
        if key not in self._children:
            task = scope.tasks[task_name]
            component = self.components.get(task.get("componentRef", {}).get("name"), {})
            if "dag" not in component:
                return None
            self._children[key] = _Scope(
                component, scope, task, scope.context + (self.group_description(scope, task_name),)
            )
        return self._children[key]

    # ------------------------------------------------------------ values
    def resolve(self, scope: _Scope, binding: dict, task: dict | None = None):
        """Where a task input's value comes from, as a name-free JSON value."""
        source = self._resolve_unselected(scope, binding, task)
        selector = binding.get("parameterExpressionSelector")
        if selector is not None:
            return {"selected": selector, "of": source}
        return source

    def _resolve_unselected(self, scope: _Scope, binding: dict, task: dict | None):
        if "runtimeValue" in binding:
            return {"constant": binding["runtimeValue"].get("constant")}
        for key in ("componentInputParameter", "componentInputArtifact"):
            if key in binding:
                return self.enclosing_input(scope, binding[key])
        for key, field in (("taskOutputParameter", "outputParameterKey"), ("taskOutputArtifact", "outputArtifactKey")):
            if key in binding:
                producer = binding[key].get("producerTask")
                return self.task_output(scope, producer, binding[key].get(field))
        if "taskFinalStatus" in binding:
            return {"final_status_of": self.identity(scope, binding["taskFinalStatus"].get("producerTask"))}
        return {"unknown_binding": sorted(binding)}

    def enclosing_input(self, scope: _Scope, name: str):
        """An input of the DAG in `scope`: follow it out to the caller, or to a pipeline input at the root."""
        if scope.parent is None:
            return {"pipeline_input": name}
        caller = scope.caller
        for iterator_key in ("parameterIterator", "artifactIterator"):
            iterator = caller.get(iterator_key)
            if iterator and iterator.get("itemInput") == name:
                return {"item_of": self.loop_items(scope.parent, caller, iterator)}
        for kind in ("parameters", "artifacts"):
            binding = caller.get("inputs", {}).get(kind, {}).get(name)
            if binding is not None:
                return self.resolve(scope.parent, binding, caller)
        return {"unsupplied_input": name}  # an optional input of a nested pipeline, left to its default

    def loop_items(self, scope: _Scope, loop_task: dict, iterator: dict):
        items = iterator.get("items", {})
        if "raw" in items:
            return {"raw": json.loads(items["raw"]) if isinstance(items["raw"], str) else items["raw"]}
        name = items.get("inputParameter") or items.get("inputArtifact")
        for kind in ("parameters", "artifacts"):
            binding = loop_task.get("inputs", {}).get(kind, {}).get(name)
            if binding is not None:
                return self.resolve(scope, binding, loop_task)
        return {"missing_items": name}

    def task_output(self, scope: _Scope, producer: str, key: str):
        if producer not in scope.tasks:
            return {"missing_producer": producer, "key": key}
        inner = self.child_scope(scope, producer)
        if inner is None:
            return {"output_of": self.identity(scope, producer), "key": key}
        # An output of a DAG: follow it to the task inside that sets it.
        outputs = inner.component.get("dag", {}).get("outputs", {})
        collected = bool(
            scope.tasks[producer].get("parameterIterator") or scope.tasks[producer].get("artifactIterator")
        )
        if key in outputs.get("parameters", {}):
            selection = outputs["parameters"][key]
            if "valueFromParameter" in selection:
                value = selection["valueFromParameter"]
                found = self.task_output(inner, value.get("producerSubtask"), value.get("outputParameterKey"))
            else:
                found = {
                    "oneof": [
                        self.task_output(inner, s.get("producerSubtask"), s.get("outputParameterKey"))
                        for s in selection.get("valueFromOneof", {}).get("parameterSelectors", [])
                    ]
                }
        elif key in outputs.get("artifacts", {}):
            selectors = outputs["artifacts"][key].get("artifactSelectors", [])
            found = [self.task_output(inner, s.get("producerSubtask"), s.get("outputArtifactKey")) for s in selectors]
            found = found[0] if len(found) == 1 else {"oneof": found}
        else:
            return {"missing_output": key, "of": self.identity(scope, producer)}
        return {"collected": found} if collected else found

    # ---------------------------------------------------------- identities
    def identity(self, scope: _Scope, task_name: str) -> str:
        """A task's or group's name-free identity: a digest of its description and its enclosing groups."""
        key = (id(scope), task_name)
        if key not in self._identities:
            self._identities[key] = "pending"  # a cycle would otherwise recurse forever
            description = self.describe(scope, task_name, shallow=True)
            self._identities[key] = _digest({"context": scope.context, "task": description})
        return self._identities[key]

    def group_description(self, scope: _Scope, task_name: str) -> dict:
        task = scope.tasks[task_name]
        description: dict = {}
        inputs = self.resolved_inputs(scope, task)
        channel_tokens = {name: value for name, value in inputs.items() if name.startswith(CHANNEL)}
        description["inputs"] = {name: value for name, value in inputs.items() if not name.startswith(CHANNEL)}
        for iterator_key in ("parameterIterator", "artifactIterator"):
            iterator = task.get(iterator_key)
            if iterator:
                description["loop"] = {"kind": iterator_key, "items": self.loop_items(scope, task, iterator)}
        if "iteratorPolicy" in task:
            description["iteratorPolicy"] = task["iteratorPolicy"]
        trigger = copy.deepcopy(task.get("triggerPolicy"))
        if trigger and "condition" in trigger:
            trigger["condition"] = _CONDITION_INPUT.sub(
                lambda m: (
                    "inputs["
                    + json.dumps(channel_tokens.get(m.group(1), {"unknown": m.group(1)}), sort_keys=True)
                    + "]"
                ),
                trigger["condition"],
            )
        if trigger:
            description["triggerPolicy"] = trigger
        component = self.components.get(task.get("componentRef", {}).get("name"), {})
        description["interface"] = _interface_without_channels(component)
        display = task.get("taskInfo", {}).get("name")
        if display is not None and display != task_name:
            description["display_name"] = display
        return description

    def resolved_inputs(self, scope: _Scope, task: dict) -> dict:
        found = {}
        for kind in ("parameters", "artifacts"):
            for name, binding in task.get("inputs", {}).get(kind, {}).items():
                found[name] = self.resolve(scope, binding, task)
        return found

    def describe(self, scope: _Scope, task_name: str, shallow: bool = False) -> dict:
        """A task's full description; a group's includes its children unless `shallow`."""
        task = scope.tasks[task_name]
        inner = self.child_scope(scope, task_name)
        dependencies = sorted(self.identity(scope, d) for d in task.get("dependentTasks", []) if d in scope.tasks)
        common = {"dependentTasks": dependencies}
        for key in ("cachingOptions", "retryPolicy"):
            if key in task:
                common[key] = task[key]
        if inner is not None:
            description = {"group": self.group_description(scope, task_name), **common}
            if not shallow:
                description["children"] = self.children(inner)
            return description
        inputs = self.resolved_inputs(scope, task)
        component = self.components.get(task.get("componentRef", {}).get("name"), {})
        label = component.get("executorLabel")
        executor = self.executors.get(label)
        interface = {k: v for k, v in component.items() if k != "executorLabel"}
        if _is_kubernetes_resource_step(executor):
            interface = _without_descriptions(interface)
        description = {
            "component": interface,
            "executor": executor,
            "kubernetes": self.resolve_platform(scope, self.platform_executors.get(label)),
            "inputs": inputs,
            **common,
        }
        if "triggerPolicy" in task:
            description["triggerPolicy"] = task["triggerPolicy"]
        display = task.get("taskInfo", {}).get("name")
        if display != task_name:
            description["display_name"] = display
        # Inputs the SDK adds (`pipelinechannel--<task>-<output>` for f-strings, images, resources) are named after
        # tasks: replace each such name, wherever the task's text uses it, by a token of what it resolves to.
        text = json.dumps(description, sort_keys=True)
        for name in sorted((n for n in inputs if n.startswith(CHANNEL)), key=len, reverse=True):
            text = text.replace(name, "channel:" + _digest(inputs[name]))
        description = json.loads(text)
        if executor is not None and "importer" in executor:
            description = _importer_metadata_by_source(description, inputs)
        return description

    def resolve_platform(self, scope: _Scope, config):
        """kfp-kubernetes config may take names from task outputs or inputs: resolve those bindings too."""
        if isinstance(config, list):
            return [self.resolve_platform(scope, item) for item in config]
        if not isinstance(config, dict):
            return config
        if any(key in config for key in _BINDING_KEYS) and set(config) <= set(_BINDING_KEYS) | {
            "parameterExpressionSelector"
        }:
            return self.resolve(scope, config)
        resolved = {}
        for key, value in config.items():
            if key in _BINDING_KEYS:
                # kfp-kubernetes' deprecated `pvc_reference` oneof: a binding's key and value written beside the
                # mount's other fields (`taskOutputParameter: {...}, mountPath: ...`).
                resolved[key] = self.resolve(scope, {key: value})
            else:
                resolved[key] = self.resolve_platform(scope, value)
        return resolved

    def children(self, scope: _Scope) -> list:
        return sorted((self.describe(scope, name) for name in scope.tasks), key=lambda d: json.dumps(d, sort_keys=True))

    # ------------------------------------------------------------ document
    def document(self) -> dict:
        root = self.spec.get("root", {})
        scope = _Scope(root, None, None, ())
        outputs = {}
        for kind in ("parameters", "artifacts"):
            for key, selection in root.get("dag", {}).get("outputs", {}).get(kind, {}).items():
                if "valueFromParameter" in selection:
                    value = selection["valueFromParameter"]
                    outputs[key] = self.task_output(
                        scope, value.get("producerSubtask"), value.get("outputParameterKey")
                    )
                elif "valueFromOneof" in selection:
                    outputs[key] = {
                        "oneof": [
                            self.task_output(scope, s.get("producerSubtask"), s.get("outputParameterKey"))
                            for s in selection["valueFromOneof"].get("parameterSelectors", [])
                        ]
                    }
                else:
                    outputs[key] = [
                        self.task_output(scope, s.get("producerSubtask"), s.get("outputArtifactKey"))
                        for s in selection.get("artifactSelectors", [])
                    ]
        canonical = {
            key: self.spec[key] for key in ("pipelineInfo", "schemaVersion", "defaultPipelineRoot") if key in self.spec
        }
        canonical["inputDefinitions"] = root.get("inputDefinitions")
        canonical["outputDefinitions"] = root.get("outputDefinitions")
        canonical["outputs"] = outputs
        canonical["tasks"] = self.children(scope)
        if self.pipeline_config is not None:
            canonical["pipelineConfig"] = self.pipeline_config
        return canonical


def _importer_metadata_by_source(description: dict, inputs: dict) -> dict:
    """An importer's `metadata-N` inputs named by what they resolve to, in its interface, its inputs and the
    placeholders of its executor's metadata, so two importers reading the same values in another order compare
    equal (and two reading them swapped do not)."""
    names = {name: "channel:" + _digest(inputs[name]) for name in inputs if _IMPORTER_METADATA_INPUT.fullmatch(name)}
    if not names:
        return description
    text = json.dumps(description, sort_keys=True)
    for name, token in names.items():
        text = text.replace(f"parameters['{name}']", f"parameters['{token}']")
    description = json.loads(text)
    description["inputs"] = {names.get(key, key): value for key, value in description["inputs"].items()}
    declared = description["component"].get("inputDefinitions", {}).get("parameters")
    if declared is not None:
        description["component"]["inputDefinitions"]["parameters"] = {
            names.get(key, key): value for key, value in declared.items()
        }
    return description


def _interface_without_channels(component: dict) -> dict:
    """A group's declared inputs and outputs, less the SDK's `pipelinechannel--` ones (resolved where used)."""
    interface = {}
    for section in ("inputDefinitions", "outputDefinitions"):
        for kind, entries in component.get(section, {}).items():
            kept = {k: v for k, v in entries.items() if not k.startswith(CHANNEL)}
            if kept:
                interface.setdefault(section, {})[kind] = kept
    return interface


def canonical_ir(documents: list[dict]) -> dict:
    """The name-free form of an IR file's documents (PipelineSpec, then the optional platform spec)."""
    documents = [d for d in documents if d is not None]
    return _Canonical(json.loads(json.dumps(documents))).document()


def assert_equivalent_ir(ours: list[dict], theirs: list[dict]) -> None:
    """Fail, with a diff of the name-free forms, unless the two IR files are the same pipeline up to names."""
    a, b = canonical_ir(ours), canonical_ir(theirs)
    if a != b:
        left = yaml.safe_dump(b, sort_keys=True, width=200).splitlines()
        right = yaml.safe_dump(a, sort_keys=True, width=200).splitlines()
        diff = "\n".join(difflib.unified_diff(left, right, "kfp", "ptflow", lineterm="", n=4))
        raise AssertionError("the two IR documents are different pipelines (names aside):\n" + diff[:20000])


def _is_kubernetes_resource_step(executor) -> bool:
    """kfp-kubernetes' CreatePVC and DeletePVC: steps KFP's driver carries out itself (their `argostub/` images
    never run)."""
    image = (executor or {}).get("container", {}).get("image", "")
    return isinstance(image, str) and image.startswith("argostub/")


def _without_descriptions(interface: dict) -> dict:
    """A component's interface without its inputs' and outputs' descriptions.  Used for kfp-kubernetes' resource
    steps only: kfp takes their descriptions from its docstrings, ptflow's stdlib/k8s.ptflow documents the same
    inputs in its own words; what the steps receive (names, types, defaults, optionality) is still compared."""
    result = copy.deepcopy(interface)
    for section in ("inputDefinitions", "outputDefinitions"):
        for kind in ("parameters", "artifacts"):
            for definition in result.get(section, {}).get(kind, {}).values():
                definition.pop("description", None)
    return result
