"""A KFP 1.x pipeline (the Argo Workflow kfp 1.8 compiles) → the import model.

kfp 1.8 writes, on every container template, the component it ran as the
`pipelines.kubeflow.org/component_spec` annotation (a v1 component.yaml as
JSON) and the values its inputs were given as `arguments.parameters`; the
pipeline's parameters are in the workflow's `pipeline_spec` annotation.  The
components are read back from those annotations (compiler/component_yaml.py,
as `import "x.yaml"` reads them).  The DAG is walked from the entrypoint: a
value such as `{{inputs.parameters.x}}` is followed up through the callers'
arguments to where it comes from (a pipeline parameter, a step's output file
`{{tasks.T.outputs.parameters.T-y}}`, a loop item `{{item.k}}` or a constant);
DAG templates run with `withItems`/`withParam` become `for`, with `when`
become `if`, and `spec.onExit` becomes `finally`.  Template settings become
`with { }` options.  A field kfp 1.8 doesn't write (or ptflow can't express) is
refused with its path in the workflow; what runs but means something else on
KFP v2 is a warning (PTF922).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import field
from functools import partial

from ptflow.compiler import dag
from ptflow.compiler.importer import argo_when
from ptflow.compiler.importer.argo_options import TemplateOptions
from ptflow.compiler.importer.errors import CANT_EXPRESS, NOT_KFP, ImportRefused, MeaningChange, path_of
from ptflow.compiler.importer.from_ir import Names, item_name, snake
from ptflow.compiler.importer.from_v1_component import component_model, untyped_ports
from ptflow.compiler.importer.model import Component, IfChain, Loop, Module, Pipeline, Port, Step
from ptflow.compiler.importer.writer import literal
from ptflow.compiler.records import record

KFP = "pipelines.kubeflow.org"
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_OUTPUT_PATH = re.compile(r"^/tmp/outputs/(?P<name>[^/]+)/data$")
_INPUT_PATH = re.compile(r"^/tmp/inputs/(?P<name>[^/]+)/data$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_WORKFLOW_FIELDS = {"apiVersion", "kind", "metadata", "spec"}
_SPEC_FIELDS = {"entrypoint", "templates", "arguments", "serviceAccountName", "onExit", "imagePullSecrets"}
_METADATA_ANNOTATIONS = {f"{KFP}/kfp_sdk_version", f"{KFP}/pipeline_compilation_time", f"{KFP}/pipeline_spec"}
_CONTAINER_TEMPLATE_FIELDS = {
    "name",
    "container",
    "inputs",
    "outputs",
    "metadata",
    "retryStrategy",
    "activeDeadlineSeconds",
    "nodeSelector",
    "tolerations",
    "volumes",
    "podSpecPatch",
    "affinity",
}
_DAG_TEMPLATE_FIELDS = {"name", "inputs", "outputs", "dag", "parallelism"}  # outputs: fan-in, as ptflow writes it
_TASK_FIELDS = {"name", "template", "arguments", "dependencies", "when", "withItems", "withParam"}
# Argo's run variables and ptflow's run information; they name different things on KFP v2.
_RUN_VARIABLES = {
    "workflow.name": ("pipeline.job_name", "the Argo workflow's name; on KFP v2 the pipeline job's name"),
    "workflow.uid": ("pipeline.job_id", "the workflow's uid (kfp 1.8's RUN_ID_PLACEHOLDER); on KFP v2 the job's id"),
    "pod.name": ("pipeline.task_name", "the pod's name; on KFP v2 the task's name, not a pod"),
}
_V1_TYPES = {
    "integer": "int",
    "int": "int",
    "float": "float",
    "double": "float",
    "string": "str",
    "str": "str",
    "text": "str",
    "bool": "bool",
    "boolean": "bool",
    "list": "list",
    "jsonarray": "list",
    "dict": "dict",
    "jsonobject": "dict",
}


@record
class _Value:
    """A resolved value: ptflow expression text and its type (None when unknown), or a constant's text."""

    text: str
    type: str | None = None
    constant: str | None = None  # Argo's text of a constant, typed once the input it feeds is known

    def typed(self, type_text: str | None) -> str:
        return self.text if self.constant is None else _constant(self.constant, type_text)


@record
class _Scope:
    """A DAG template reached from the entrypoint: the task that runs it (in `parent`) and its loop variable."""

    template: dict
    where: str
    caller: dict | None = None
    parent: _Scope | None = None
    loop_variable: str | None = None
    steps: dict = field(default_factory=dict)  # task name -> ptflow step name
    groups: dict = field(default_factory=dict)  # task name -> the scope of the loop or condition it runs


def is_argo_workflow(document: dict) -> bool:
    return document.get("kind") == "Workflow" or str(document.get("apiVersion", "")).startswith("argoproj.io")


def _constant(text: str, type_text: str | None) -> str:
    """Argo's text of a constant (kfp 1.8 writes `str(value)`, JSON for lists and dicts) as a ptflow literal."""
    kind = (type_text or "str").rstrip("?")
    try:
        if kind == "int" and re.fullmatch(r"-?\d+", text.strip()):
            return str(int(text))
        if kind == "float" and _NUMBER.match(text.strip()):
            return repr(float(text))
        if kind == "bool" and text in ("True", "False", "true", "false"):
            return text.lower()
        if kind in ("list", "dict"):
            value = json.loads(text)
            if isinstance(value, (list, dict)):
                return literal(value)
    except ValueError:
        pass
    return literal(text)


def _json_annotation(annotations: dict, key: str, where: str):
    try:
        return json.loads(annotations[key])
    except (TypeError, ValueError):
        raise ImportRefused(NOT_KFP, path_of(where, key), "not the JSON kfp 1.8 writes here") from None


class ArgoImporter:
    def __init__(self, workflow: dict, origin: str):
        self.workflow = workflow
        self.origin = origin
        self.module = Module(origin)
        self.warnings: list[MeaningChange] = []
        self.component_names = Names()
        self.by_key: dict[tuple, str] = {}
        self.step_names = Names()
        self.templates: dict[str, tuple[int, dict]] = {}
        self.parameters: dict[str, Port] = {}  # Argo's (sanitized) name -> the pipeline's port
        self.looped_outputs: set[tuple[str, str]] = set()
        self.expanding: set[str] = set()  # the DAG templates being read, outermost first: a cycle is recursion
        self.arm_trees: dict[int, list] = {}  # id(IfChain) -> the `when` tree of each arm (None: else)
        self.specs: dict[str, dag.ComponentSpec] = {}  # template name -> its component_spec annotation, read

    # ----------------------------------------------------------------- the workflow
    def run(self) -> tuple[Module, list[MeaningChange]]:
        workflow = self.workflow
        unknown = set(workflow) - _WORKFLOW_FIELDS
        if unknown:
            raise ImportRefused(NOT_KFP, min(unknown), "a field kfp 1.8 does not write on a Workflow")
        spec = workflow.get("spec")
        if not isinstance(spec, dict):
            raise ImportRefused(NOT_KFP, "spec", "an Argo Workflow without a spec")
        unknown = set(spec) - _SPEC_FIELDS
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of("spec", min(unknown)), "a workflow-wide Argo setting ptflow has no form for"
            )
        for index, template in enumerate(spec.get("templates") or []):
            if not isinstance(template, dict) or "name" not in template:
                raise ImportRefused(NOT_KFP, f"spec.templates[{index}]", "a template without a name")
            self.templates[template["name"]] = (index, template)
        self.looped_outputs = self._outputs_looped_over()
        pipeline = self._pipeline_signature(workflow.get("metadata") or {}, spec)
        entry = spec.get("entrypoint")
        if entry not in self.templates or "dag" not in self.templates[entry][1]:
            raise ImportRefused(NOT_KFP, "spec.entrypoint", f"{entry!r} names no DAG template")
        index, root = self.templates[entry]
        scope = _Scope(root, f"spec.templates[{index}]")
        self.expanding.add(entry)
        pipeline.body = self._dag(scope)
        if spec.get("onExit"):
            pipeline.finally_body = self._exit_handler(spec["onExit"], scope)
        self.module.pipelines.append(pipeline)
        return self.module, self.warnings

    def _outputs_looped_over(self) -> set[tuple[str, str]]:
        """(template, output) of every step output a `withParam` loop runs over: such an untyped output is a list."""
        looped = set()
        for _, template in self.templates.values():
            tasks = {t.get("name"): t for t in ((template.get("dag") or {}).get("tasks") or []) if isinstance(t, dict)}
            for task in tasks.values():
                match = re.fullmatch(
                    r"\{\{tasks\.([^.]+)\.outputs\.parameters\.([^}]+)\}\}", str(task.get("withParam", ""))
                )
                producer = tasks.get(match.group(1)) if match else None
                if match is None or producer is None or producer.get("template") not in self.templates:
                    continue
                produced = self.templates[producer["template"]][1]
                for entry in (produced.get("outputs") or {}).get("parameters") or []:
                    path = _OUTPUT_PATH.match(str((entry.get("valueFrom") or {}).get("path", "")))
                    if entry.get("name") == match.group(2) and path:
                        looped.add((producer["template"], _sanitize(path.group("name"))))
        return looped

    def _pipeline_signature(self, metadata: dict, spec: dict) -> Pipeline:
        annotations = metadata.get("annotations") or {}
        where = "metadata.annotations"
        if f"{KFP}/pipeline_spec" not in annotations:
            raise ImportRefused(
                NOT_KFP,
                path_of(where, f"{KFP}/pipeline_spec"),
                "an Argo Workflow that kfp 1.x did not write (no pipeline_spec annotation)",
            )
        unknown = set(annotations) - _METADATA_ANNOTATIONS
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(where, min(unknown)), "a workflow annotation ptflow can't set")
        pipeline_spec = _json_annotation(annotations, f"{KFP}/pipeline_spec", where)
        at = path_of(where, f"{KFP}/pipeline_spec")
        inputs = []
        for index, entry in enumerate(pipeline_spec.get("inputs") or []):
            name = entry.get("name", "")
            type_name = _V1_TYPES.get(str(entry.get("type", "String")).lower())
            if type_name is None:
                raise ImportRefused(
                    CANT_EXPRESS,
                    path_of(at, "inputs", index, "type"),
                    f"a pipeline parameter of type {entry['type']!r}",
                )
            default = _constant(entry["default"], type_name) if "default" in entry else None
            port = Port(snake(name), type_name, default, entry.get("description", ""))
            inputs.append(port)
            self.parameters[re.sub(r"[^-0-9a-z]+", "-", name.lower()).strip("-")] = port
            self.parameters.setdefault(name, port)
        self.step_names.taken.update(p.name for p in inputs)
        name = snake(pipeline_spec.get("name") or spec.get("entrypoint") or "pipeline")
        self.component_names.taken.add(name)
        return Pipeline(name, inputs, [], [], doc=pipeline_spec.get("description", ""))

    # ----------------------------------------------------------------- DAGs
    def _dag(self, scope: _Scope) -> list:
        tasks = scope.template["dag"].get("tasks") or []
        by_name = {}
        for index, task in enumerate(tasks):
            at = path_of(scope.where, "dag", "tasks", index)
            if not isinstance(task, dict) or "template" not in task:
                raise ImportRefused(NOT_KFP, at, "a DAG task without a template")
            unknown = set(task) - _TASK_FIELDS
            if unknown:
                raise ImportRefused(CANT_EXPRESS, path_of(at, min(unknown)), "a DAG task field ptflow does not know")
            by_name[task["name"]] = (index, task)
        for name, (_, task) in by_name.items():  # claim names first: a value may point at a later step
            if not self._is_dag(task["template"]):
                scope.steps[name] = self.step_names.claim(snake(name))
        body: list = []
        for name in _in_order(by_name):
            index, task = by_name[name]
            at = path_of(scope.where, "dag", "tasks", index)
            if self._is_dag(task["template"]):
                group = self._group(scope, task, at, body[-1] if body else None)
                if isinstance(group, _Inline):
                    body += group.body
                elif group is not None:  # None: an elif or else arm, added to the `if` before it
                    body.append(group)
            else:
                body.append(self._step(scope, task, at))
        return body

    def _is_dag(self, template_name: str) -> bool:
        return "dag" in self._template(template_name, "")[1]

    def _template(self, name: str, at: str) -> tuple[int, dict]:
        if name not in self.templates:
            raise ImportRefused(NOT_KFP, path_of(at, "template"), f"no template named {name!r}")
        return self.templates[name]

    def _group(self, scope: _Scope, task: dict, at: str, previous=None):
        index, template = self._template(task["template"], at)
        where = f"spec.templates[{index}]"
        unknown = set(template) - _DAG_TEMPLATE_FIELDS
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(where, min(unknown)), "a DAG template field ptflow does not know")
        self._check_dependencies(scope, task, at, group=True)
        if task["template"] in self.expanding:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(at, "template"),
                f"a recursive pipeline ({task['template']!r} runs itself, kfp 1.x's graph_component): no ptflow form",
            )
        child = _Scope(template, where, task, scope)
        scope.groups[task["name"]] = child
        self.expanding.add(task["template"])
        try:
            return self._group_kind(scope, child, task, template, at, previous)
        finally:
            self.expanding.discard(task["template"])

    def _group_kind(self, scope: _Scope, child: _Scope, task: dict, template: dict, at: str, previous):
        loops = [key for key in ("withItems", "withParam") if key in task]
        if loops:
            if "when" in task:
                raise ImportRefused(CANT_EXPRESS, path_of(at, "when"), "a loop with a condition on the loop itself")
            if loops == ["withItems"]:
                items = literal(task["withItems"])
            else:
                items = self._resolve(task["withParam"], scope, path_of(at, "withParam")).typed("list")
            child.loop_variable = self.step_names.claim(item_name(items))
            parallel = template.get("parallelism") or None
            return Loop(child.loop_variable, items, parallel, self._dag(child))
        if "when" in task:
            return self._if(task["when"], scope, child, path_of(at, "when"), previous)
        if task["name"].startswith("exit-handler-") and scope.caller is None:
            return _Inline(self._dag(child))
        raise ImportRefused(
            CANT_EXPRESS, at, "a DAG template run without a loop or condition (a graph component) has no ptflow form"
        )

    def _if(self, when: str, scope: _Scope, child: _Scope, at: str, previous) -> IfChain | None:
        """An `if`, or (returning None) the next arm of the `if` before it: ptflow's kfp-v1 output writes an
        `elif`/`else` arm as its own condition, `!(earlier arm) && ... && (its own test)`."""
        try:
            tree = argo_when.parse(when)
        except argo_when.WhenError as error:
            raise ImportRefused(CANT_EXPRESS, at, f"a condition ptflow can't read ({error}): {when!r}") from None
        parts = list(tree.parts) if isinstance(tree, argo_when.And) else [tree]
        excluded = []
        while parts and isinstance(parts[0], argo_when.Not):
            excluded.append(parts.pop(0).operand)
        arms = self.arm_trees.get(id(previous), []) if isinstance(previous, IfChain) else []
        if excluded and len(parts) <= 1 and arms and None not in arms and excluded == arms:
            own = parts[0] if parts else None
            previous.arms.append((None if own is None else self._condition(own, scope, at), self._dag(child)))
            arms.append(own)
            return None
        chain = IfChain([(self._condition(tree, scope, at), self._dag(child))])
        self.arm_trees[id(chain)] = [tree]
        return chain

    def _condition(self, tree, scope: _Scope, at: str) -> str:
        """A `when` tree as a ptflow condition."""
        truth = argo_when.truth_test(tree)
        if truth is not None:
            return self._resolve(truth.text, scope, at).typed("bool")
        if isinstance(tree, (argo_when.And, argo_when.Or)):
            joiner = " and " if isinstance(tree, argo_when.And) else " or "
            texts = []
            for part in tree.parts:
                text = self._condition(part, scope, at)
                grouped = isinstance(part, (argo_when.And, argo_when.Or)) and argo_when.truth_test(part) is None
                texts.append(f"({text})" if grouped else text)
            return joiner.join(texts)
        if isinstance(tree, argo_when.Not):
            return f"not ({self._condition(tree.operand, scope, at)})"
        left = self._operand(tree.left, scope, at)
        right = self._operand(tree.right, scope, at)
        left_text = left.typed(right.type) if left.constant is not None else left.text
        right_text = right.typed(left.type) if right.constant is not None else right.text
        return f"{left_text} {tree.op} {right_text}"

    def _operand(self, operand: argo_when.Operand, scope: _Scope, at: str) -> _Value:
        value = self._resolve(operand.text, scope, at)
        if value.constant is not None and not operand.quoted and _NUMBER.match(operand.text):
            value = _Value(operand.text, "float" if "." in operand.text else "int")
        return value

    # ----------------------------------------------------------------- values
    def _resolve(self, text: str, scope: _Scope | None, at: str, loop_task: dict | None = None) -> _Value:
        """Argo text in a DAG task of `scope` (or, with `loop_task`, in the arguments of that loop's task)."""
        text = str(text)
        parts = _PLACEHOLDER.split(text)
        if len(parts) == 1:
            return _Value("", "str", constant=text)
        if parts[0] == "" and parts[2] == "" and len(parts) == 3:
            return self._placeholder(parts[1].strip(), scope, at, loop_task)
        pieces = []
        for index, part in enumerate(parts):
            if index % 2:
                pieces.append("{" + self._placeholder(part.strip(), scope, at, loop_task).typed("str") + "}")
            else:
                pieces.append(part.replace("{", "{{").replace("}", "}}"))
        return _Value("f" + json.dumps("".join(pieces), ensure_ascii=False), "str")

    def _placeholder(self, name: str, scope: _Scope | None, at: str, loop_task: dict | None) -> _Value:
        if loop_task is not None and (name == "item" or name.startswith("item.")):
            variable = loop_task["variable"]
            return _Value(variable if name == "item" else f"{variable}.{name[5:]}", None)
        if name.startswith("inputs.parameters."):
            argument = name.removeprefix("inputs.parameters.")
            if scope is None or scope.caller is None:
                return self._parameter(argument, at)
            value = _argument(scope.caller, "parameters", argument)
            if value is None:
                raise ImportRefused(NOT_KFP, at, f"`{{{{{name}}}}}`: the caller passes no {argument!r}")
            inner_loop = {"variable": scope.loop_variable} if scope.loop_variable else None
            return self._resolve(value.get("value", ""), scope.parent, at, inner_loop)
        if name.startswith("workflow.parameters."):
            return self._parameter(name.removeprefix("workflow.parameters."), at)
        if name.startswith("tasks.") and ".outputs.parameters." in name:
            task_name, _, output = name.removeprefix("tasks.").partition(".outputs.parameters.")
            return self._task_output(scope, task_name, output, "parameters", at)
        if name == "workflow.status":
            self.warnings.append(
                MeaningChange(
                    at,
                    "`{{workflow.status}}` becomes `pipeline.status`: Argo's status text on kfp-v1, "
                    "a PipelineTaskFinalStatus (state, error, task name) on KFP v2",
                )
            )
            return _Value("pipeline.status", "str")
        if name in _RUN_VARIABLES:
            text, meaning = _RUN_VARIABLES[name]
            self.warnings.append(MeaningChange(at, f"`{{{{{name}}}}}` becomes `{text}`: {meaning}"))
            return _Value(text, "str")
        raise ImportRefused(CANT_EXPRESS, at, f"the Argo variable `{{{{{name}}}}}` has no ptflow form")

    def _parameter(self, argo_name: str, at: str) -> _Value:
        port = self.parameters.get(argo_name)
        if port is None:
            raise ImportRefused(NOT_KFP, at, f"{argo_name!r} is not a parameter of the pipeline (pipeline_spec)")
        return _Value(port.name, port.type)

    def _task_output(self, scope: _Scope | None, task_name: str, output: str, kind: str, at: str) -> _Value:
        if scope is None:  # the exit handler: kfp 1.8 passes it only the workflow's parameters
            raise ImportRefused(CANT_EXPRESS, at, f"the exit handler reads an output of {task_name!r}")
        if task_name in scope.groups:
            return self._group_output(scope.groups[task_name], output, kind, at)
        task = next((t for t in (scope.template["dag"].get("tasks") or []) if t.get("name") == task_name), None)
        if task is None or task_name not in scope.steps:
            raise ImportRefused(CANT_EXPRESS, at, f"an output of {task_name!r}, which is not a step of this DAG")
        _, template = self._template(task["template"], at)
        declared = next((o for o in (template.get("outputs") or {}).get(kind, []) if o.get("name") == output), None)
        path = (
            (declared or {}).get("valueFrom", {}).get("path") if kind == "parameters" else (declared or {}).get("path")
        )
        match = _OUTPUT_PATH.match(path or "")
        if not match:
            raise ImportRefused(NOT_KFP, at, f"{task_name!r} has no output {output!r} written to /tmp/outputs")
        spec = self._component_spec(template, at)
        name = _sanitize(match.group("name"))
        port = next((p for p in spec.outputs if p.name == name), None)
        return _Value(f"{scope.steps[task_name]}.{name}", str(port.type) if port else None)

    def _group_output(self, child: _Scope, output: str, kind: str, at: str) -> _Value:
        """An output of a loop's DAG template (ptflow's fan-in): the step output inside it, gathered."""
        declared = (child.template.get("outputs") or {}).get(kind) or []
        entry = next((o for o in declared if o.get("name") == output), None)
        source = (
            (entry or {}).get("valueFrom", {}).get("parameter") if kind == "parameters" else (entry or {}).get("from")
        )
        match = _PLACEHOLDER.fullmatch(str(source or "").strip())
        reference = match.group(1).strip() if match else ""
        task_name, _, inner = reference.removeprefix("tasks.").partition(f".outputs.{kind}.")
        if not reference.startswith("tasks.") or not inner:
            raise ImportRefused(CANT_EXPRESS, at, f"the group output {output!r} comes from no task in the group")
        value = self._task_output(child, task_name, inner, kind, at)
        gathered = value.type if value.type is None or child.loop_variable is None else f"list[{value.type}]"
        return _Value(value.text, gathered)

    # ----------------------------------------------------------------- steps
    def _component_spec(self, template: dict, at: str):
        from ptflow.compiler.component_yaml import ComponentFileError, load_component_text

        annotations = (template.get("metadata") or {}).get("annotations") or {}
        key = f"{KFP}/component_spec"
        if key not in annotations:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(at, "metadata", "annotations", key),
                "a step without kfp's component_spec annotation (a raw dsl.ContainerOp, or a template kfp did not "
                "write): ptflow reads each step's component from it. Load the component with "
                "`components.load_component_from_text` (or `create_component_from_func`) and compile again",
            )
        if template["name"] not in self.specs:
            try:
                spec = load_component_text(annotations[key], self.origin, template["name"])
            except ComponentFileError as error:
                raise ImportRefused(NOT_KFP, path_of(at, "metadata", "annotations", key), str(error)) from None
            self.specs[template["name"]] = spec
        return self.specs[template["name"]]

    def _component(self, template: dict, at: str, status_inputs: set) -> tuple[str, dag.ComponentSpec]:
        """The component's name in the module (written once however many templates run it).

        `status_inputs` are inputs given `{{workflow.status}}`: kfp-v1 writes a `Status` input as a
        String, so the type is read back from the value it gets."""
        spec = self._component_spec(template, at)
        model: Component = component_model(spec, path_of(at, "metadata", "annotations", f"{KFP}/component_spec"))
        for port in model.inputs:
            if port.name in status_inputs and port.type == "str":
                port.type = "Status"
        # An output without a `type` is a file; read by value downstream (an Argo output parameter) it is text,
        # or a list where a loop runs over it.
        by_value = {
            _sanitize(match.group("name"))
            for entry in (template.get("outputs") or {}).get("parameters") or []
            if (match := _OUTPUT_PATH.match(str((entry.get("valueFrom") or {}).get("path", ""))))
        }
        for port in model.outputs:
            if port.name in untyped_ports(spec, "outputs") and port.name in by_value:
                port.type = "list" if (template["name"], port.name) in self.looped_outputs else "str"
        key = model.body_key()
        if key not in self.by_key:
            for port in model.outputs:
                if port.name in ("mlpipeline_ui_metadata", "mlpipeline_metrics"):
                    self.warnings.append(
                        MeaningChange(
                            path_of(at, "metadata", "annotations", f"{KFP}/component_spec", "outputs", port.name),
                            f"the output `{port.name}` is a file the KFP 1.x UI shows; the KFP v2 UI reads "
                            "Metrics and Markdown/HTML artifacts instead, so on kfp-v2 it is an ordinary output",
                        )
                    )
            model.name = self.component_names.claim(model.name)
            self.by_key[key] = model.name
            self.module.components.append(model)
        return self.by_key[key], spec

    def _exit_handler(self, template_name: str, root: _Scope) -> list:
        """kfp 1.8's one exit step, or the DAG of several that ptflow's kfp-v1 output writes."""
        index, template = self._template(template_name, "spec.onExit")
        if "dag" in template:  # its inputs are the workflow's parameters, by name, as at the root
            return self._dag(_Scope(template, f"spec.templates[{index}]"))
        name = self.step_names.claim(snake(template_name))
        return [self._container_step(name, None, template, f"spec.templates[{index}]", root)]

    def _step(self, scope: _Scope, task: dict, at: str) -> Step:
        index, template = self._template(task["template"], at)
        step = self._container_step(scope.steps[task["name"]], task, template, f"spec.templates[{index}]", scope)
        after = self._check_dependencies(scope, task, at, group=False)
        if after:
            step.options["after"] = "[" + ", ".join(after) + "]"
        return step

    def _container_step(self, name: str, task: dict | None, template: dict, where: str, scope: _Scope) -> Step:
        if "resource" in template:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(where, "resource"),
                "a Kubernetes resource step (kfp 1.x VolumeOp/ResourceOp) has no ptflow form: create the "
                "volume claim outside the pipeline and mount it with the `volumes` option",
            )
        if "container" not in template:
            kind = next((k for k in ("script", "steps", "suspend") if k in template), "this kind")
            raise ImportRefused(CANT_EXPRESS, path_of(where, kind), f"a `{kind}` template has no ptflow form")
        unknown = set(template) - _CONTAINER_TEMPLATE_FIELDS
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(where, min(unknown)), "a template field ptflow does not know")
        spec = self._component_spec(template, where)
        declared = {p.name: str(p.type) for p in spec.inputs}
        annotations = (template.get("metadata") or {}).get("annotations") or {}

        def in_template(text: str, at: str) -> _Value:
            # `{{inputs.parameters.x}}` in a container template is the DAG task's argument x
            if task is None:  # the exit handler gets the workflow's arguments by name
                return self._resolve(str(text).replace("{{inputs.parameters.", "{{workflow.parameters."), None, at)
            return self._resolve(self._substitute(str(text), task, at), scope, at)

        arguments: dict[str, str] = {}
        if f"{KFP}/arguments.parameters" in annotations:
            at = path_of(where, "metadata", "annotations", f"{KFP}/arguments.parameters")
            for input_name, text in _json_annotation(annotations, f"{KFP}/arguments.parameters", at).items():
                port = _sanitize(input_name)
                if port not in declared:
                    raise ImportRefused(NOT_KFP, path_of(at, input_name), "an input the component does not declare")
                input_at = path_of(at, input_name)
                structured = None
                if declared[port].rstrip("?").startswith(("list", "dict")):
                    structured = _structured_argument(str(text), partial(in_template, at=input_at))
                arguments[port] = structured or in_template(text, input_at).typed(declared[port])
        for index, artifact in enumerate((template.get("inputs") or {}).get("artifacts") or []):
            at = path_of(where, "inputs", "artifacts", index)
            match = _INPUT_PATH.match(artifact.get("path", ""))
            if not match or _sanitize(match.group("name")) not in declared:
                raise ImportRefused(NOT_KFP, at, "an input file kfp 1.8 did not place at /tmp/inputs/NAME/data")
            port = _sanitize(match.group("name"))
            arguments[port] = self._artifact(task, scope, artifact["name"], at)
        callee, _ = self._component(template, where, {k for k, v in arguments.items() if v == "pipeline.status"})
        ordered = {p.name: arguments[p.name] for p in spec.inputs if p.name in arguments}
        options = TemplateOptions(template, where, in_template, spec, self.warnings).build()
        # kfp 1.8 sets image pull secrets once, for every pod: each step says so (kfp-v1 writes them back once).
        pull_secrets = [entry.get("name") for entry in self.workflow["spec"].get("imagePullSecrets") or []]
        if pull_secrets:
            options["image_pull_secrets"] = literal(pull_secrets)
        return Step(name, callee, ordered, options)

    def _substitute(self, text: str, task: dict, at: str) -> str:
        def replace(match):
            name = match.group(1).strip()
            if not name.startswith("inputs.parameters."):
                return match.group(0)
            value = _argument(task, "parameters", name.removeprefix("inputs.parameters."))
            if value is None or "value" not in value:
                raise ImportRefused(NOT_KFP, at, f"`{match.group(0)}`: the DAG task passes no such argument")
            return str(value["value"])

        return _PLACEHOLDER.sub(replace, text)

    def _artifact(self, task: dict | None, scope: _Scope | None, name: str, at: str) -> str:
        argument = _argument(task, "artifacts", name) if task else None
        if argument is None:
            raise ImportRefused(NOT_KFP, at, f"the DAG task passes no artifact {name!r}")
        if "from" not in argument:
            raise ImportRefused(
                CANT_EXPRESS,
                at,
                "a constant or parameter passed to a file input (a raw artifact): "
                "ptflow passes files only from step outputs or `importer(...)`",
            )
        source = _PLACEHOLDER.fullmatch(str(argument["from"]).strip())
        reference = source.group(1).strip() if source else ""
        if reference.startswith("inputs.artifacts.") and scope is not None and scope.caller is not None:
            return self._artifact(scope.caller, scope.parent, reference.removeprefix("inputs.artifacts."), at)
        if reference.startswith("tasks.") and ".outputs.artifacts." in reference:
            task_name, _, output = reference.removeprefix("tasks.").partition(".outputs.artifacts.")
            return self._task_output(scope, task_name, output, "artifacts", at).text
        raise ImportRefused(CANT_EXPRESS, at, f"an artifact from `{argument['from']}`")

    def _check_dependencies(self, scope: _Scope, task: dict, at: str, group: bool) -> list[str]:
        """The `after` steps: dependencies that no value of the task already implies."""
        implied = set(re.findall(r"\{\{\s*tasks\.([^.}]+)\.", json.dumps(task)))
        after = []
        for dependency in task.get("dependencies") or []:
            if dependency in implied:
                continue
            if group or dependency not in scope.steps:
                what = "a loop or condition that waits for" if group else "`after` a loop or condition group:"
                raise ImportRefused(
                    CANT_EXPRESS, path_of(at, "dependencies"), f"{what} {dependency!r} has no ptflow form"
                )
            after.append(scope.steps[dependency])
        return after


@record
class _Inline:
    """An exit handler's body: its steps belong to the pipeline itself."""

    body: list


def _in_order(tasks: dict) -> list[str]:
    """Task names, each after the tasks it depends on; otherwise in kfp's creation order (its counters)."""

    def natural(name: str):
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]

    names = sorted(tasks, key=natural)
    done: list[str] = []
    seen: set[str] = set()
    for first in names:
        stack = [(first, iter(tasks[first][1].get("dependencies") or []))] if first not in seen else []
        seen.add(first)
        while stack:
            name, dependencies = stack[-1]
            for dependency in dependencies:
                if dependency in tasks and dependency not in seen:
                    seen.add(dependency)
                    stack.append((dependency, iter(tasks[dependency][1].get("dependencies") or [])))
                    break
            else:
                stack.pop()
                done.append(name)
    return done


def _structured_argument(text: str, resolve: Callable[[str], _Value]) -> str | None:
    """kfp 1.8's JSON text of a list or dict holding run-time values (`[{"m": "{{inputs.parameters.x}}"}]`) as a
    ptflow list or dict of values; None for any other text."""
    if "{{" not in text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, (list, dict)):
        return None

    def part(item) -> str:
        if isinstance(item, str):
            return resolve(item).typed("str")
        if isinstance(item, list):
            return "[" + ", ".join(part(inner) for inner in item) + "]"
        if isinstance(item, dict):
            entries = []
            for key, inner in item.items():
                key_text = f"[{resolve(key).text}]" if "{{" in key else json.dumps(key, ensure_ascii=False)
                entries.append(f"{key_text}: {part(inner)}")
            return "{" + ", ".join(entries) + "}"
        return literal(item)

    return part(value)


def _argument(task: dict, kind: str, name: str) -> dict | None:
    for entry in ((task or {}).get("arguments") or {}).get(kind) or []:
        if entry.get("name") == name:
            return entry
    return None


def _sanitize(name: str) -> str:
    from ptflow.compiler.component_yaml import sanitize_input_name

    return sanitize_input_name(name)
