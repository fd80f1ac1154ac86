"""`--target vertex`: KFP v2 IR in which `serve.deploy` is Vertex AI's own model deployment.

On KFP, `serve.deploy` applies a KServe InferenceService.  Vertex AI Pipelines
has no KServe; it serves models on Vertex AI endpoints, which
google-cloud-pipeline-components (gcpc) creates with three components.  So,
before the KFP v2 lowering, every `serve.deploy` step of the checked DAG is
replaced by four steps:

    <step>_model     serve.vertex_model: the archive's .mar as `model.mar`, with
                     the serving image (Vertex AI's prebuilt PyTorch container)
                     in its metadata, and the machine type for cpu/memory/gpus
    <step>_upload    gcpc ModelUploadOp      (the model folder -> a Vertex Model)
    <step>_endpoint  gcpc EndpointCreateOp   (a new endpoint, named like the model)
    <step>           gcpc ModelDeployOp      (the Model on the endpoint, on that machine)

The last keeps the step's own name, so `after: [deploy]` and the source map
still point at it.  The gcpc components are the ones gcpc itself defines,
compiled by kfp into vertex_components/ (tests/vertex/regenerate_components.py
writes them; a test fails when they drift from the pinned gcpc), and loaded
like any KFP v2 IR component, so compiling never imports gcpc or kfp.

`check_support` reports, before anything is lowered, the uses of `serve.deploy`
that Vertex AI can't express (PTF501) and the KServe-only inputs it ignores
(PTF504).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

from ptflow.compiler import dag, types
from ptflow.compiler.component_yaml import load_component_text
from ptflow.compiler.diagnostics import Diagnostics, codes
from ptflow.compiler.names import k8s_name, unique_name
from ptflow.compiler.options import OPTIONS
from ptflow.compiler.targets.kfp_v2_support import check_support as check_v2_support
from ptflow.compiler.targets.vertex_machines import MachineError, machine_for

COMPONENTS = Path(__file__).parent / "vertex_components"
DEPLOY_STEP = "serve.deploy"
VERTEX_MODEL = "vertex_model"  # the component in the module that declares serve.deploy (stdlib/serve.ptflow)
# serve.deploy's inputs that only KServe reads.
KSERVE_ONLY = ("namespace", "protocol", "canary_traffic_percent", "runtime_version", "annotations", "timeout")
# serve.deploy's inputs that serve.vertex_model takes as they are.
MACHINE_INPUTS = ("cpu", "memory", "gpus", "node_selector")

# Finds a component by the file that declares it and its name (the checker's modules).
ComponentLookup = Callable[[str, str], "dag.ComponentSpec | None"]


@cache
def gcpc_component(name: str) -> dag.ComponentSpec:
    """One of gcpc's components, as committed in vertex_components/ (`model_upload`, ...)."""
    path = COMPONENTS / f"{name}.yaml"
    return load_component_text(path.read_text(encoding="utf-8"), str(path), name)


def is_deploy(task: dag.Task) -> bool:
    container = task.component.container
    return (task.component.kind == dag.ComponentKind.CONTAINER and container is not None
            and container.runtime_step == DEPLOY_STEP)


# ---------------------------------------------------------------- checks


def check_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    """What KFP v2 IR can't express (vertex runs v2 IR), then the uses of serve.deploy Vertex AI can't run."""
    check_v2_support(graph, target, diagnostics)
    for pipeline in graph.and_called_pipelines():
        deploys = {task.name: task for task in pipeline.tasks.values() if is_deploy(task)}
        for task in deploys.values():
            _check_deploy(task, diagnostics)
        if deploys:
            _check_outputs_unused(pipeline, deploys, diagnostics)


def _given(task: dag.Task) -> dict[str, dag.Value]:
    """The step's arguments, without those given as `null` (the same as not given)."""
    return {k: v for k, v in task.arguments.items() if not (isinstance(v, dag.Constant) and v.value is None)}


def _check_deploy(task: dag.Task, diagnostics: Diagnostics) -> None:
    step = task.step
    given = _given(task)
    # An archive the checker already refused (say, a body output used in `finally`) is missing
    # here too; that error says why, so this one would only repeat it.
    refused_already = any(d.is_error and d.span is not None and d.span.file == task.span.file
                          and task.span.start <= d.span.start < task.span.end for d in diagnostics)
    if "archive" not in given and ("storage_uri" in given or not refused_already):
        what = "deploys `storage_uri`" if "storage_uri" in given else "has no `archive`"
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"`{step}` {what}; on vertex, serve.deploy uploads its `archive` to Vertex AI, "
            "so it needs `archive`", task.span, hint="pass serve.archive's `archive` output as `archive`")
    if task.in_finally:
        diagnostics.report(codes.NOT_SUPPORTED_BY_TARGET,
                           f"`{step}` is in `finally`; vertex lowers serve.deploy to four steps, which "
                           "`finally` can't order", task.span)
    minimum = given.get("min_replicas")
    if isinstance(minimum, dag.Constant) and minimum.value == 0:
        diagnostics.report(codes.NOT_SUPPORTED_BY_TARGET,
                           f"`{step}` has min_replicas: 0; Vertex AI endpoints can't scale to zero",
                           task.span, hint="use min_replicas: 1 or more")
    _check_machine(task, given, diagnostics)
    for name in KSERVE_ONLY:
        if name in given:
            diagnostics.report(codes.INPUT_IGNORED_BY_TARGET,
                               f"`{name}` of `{step}` is a KServe setting; vertex ignores it", task.span)


def _check_machine(task: dag.Task, given: dict[str, dag.Value], diagnostics: Diagnostics) -> None:
    """When the resources are constants, pick the machine now, so a deployment Vertex AI has no
    machine for fails at compile time rather than after training.  The same function picks it at
    run time in serve.vertex_model (compiler/targets/vertex_machines.py), for values that come from parameters."""
    values = {}
    for name, default in (("cpu", "1"), ("memory", "2Gi"), ("gpus", 0), ("node_selector", {})):
        value = given.get(name)
        if value is not None and not isinstance(value, dag.Constant):
            return  # known only at run time
        values[name] = default if value is None else value.value
    try:
        machine_for(str(values["cpu"]), str(values["memory"]), values["gpus"], dict(values["node_selector"]))
    except MachineError as error:
        diagnostics.report(codes.NOT_SUPPORTED_BY_TARGET,
                           f"`{task.step}` can't be deployed on Vertex AI: {error}", task.span)


def _check_outputs_unused(pipeline: dag.PipelineGraph, deploys: dict[str, dag.Task], diagnostics: Diagnostics) -> None:
    """serve.deploy's outputs (a KServe URL and manifest) have no value on Vertex AI."""

    def report(value: dag.Value, span) -> None:
        for used in _task_outputs(value):
            if used.task in deploys:
                diagnostics.report(
                    codes.NOT_SUPPORTED_BY_TARGET,
                    f"`{deploys[used.task].step}.{used.output}` is a KServe output; on vertex, serve.deploy "
                    "deploys to a Vertex AI endpoint and has no outputs", span,
                    hint="call the endpoint with the Vertex AI SDK, or compile for kfp-v2 to deploy on KServe")

    for task in pipeline.tasks.values():
        for value in [*task.arguments.values(), *task.options.env.values()]:
            report(value, task.span)
    for group in pipeline.root.groups():
        if isinstance(group, dag.ConditionGroup) and group.condition is not None:
            for value in dag.condition_values(group.condition):
                report(value, group.span)
        if isinstance(group, dag.LoopGroup) and group.items is not None:
            report(group.items, group.span)
    for value in pipeline.returns.values():
        report(value, pipeline.span)


def _task_outputs(value: dag.Value):
    if isinstance(value, dag.TaskOutput):
        yield value
    elif isinstance(value, dag.Interpolation):
        for part in value.parts:
            if not isinstance(part, str):
                yield from _task_outputs(part)


# ---------------------------------------------------------------- lowering


def lower_pipeline(graph: dag.PipelineGraph, parameter_overrides: dict,
                   find_component: ComponentLookup) -> tuple[list[dict], dict]:
    """The target table's lowering (compiler/targets/registry.py): serve.deploy replaced, then KFP v2 IR."""
    from ptflow.compiler.targets import kfp_v2

    lower_deploys(graph, find_component)
    return kfp_v2.lower_with_source_map(graph, parameter_overrides)


def lower_deploys(graph: dag.PipelineGraph, find_component: ComponentLookup) -> None:
    """Replace every serve.deploy step (in `graph` and the pipelines it calls) by Vertex AI's steps.

    Rewrites the graphs in place: they are the ones this compilation checked.
    """
    for pipeline in graph.and_called_pipelines():
        for task in [t for t in pipeline.tasks.values() if is_deploy(t)]:
            vertex_model = find_component(task.component.source or "", VERTEX_MODEL)
            if vertex_model is None:  # a serve module without vertex_model: nothing to lower to
                raise LookupError(f"{task.component.source} declares no `{VERTEX_MODEL}`")
            _replace(pipeline, task, _vertex_steps(pipeline, task, vertex_model))


def _vertex_steps(pipeline: dag.PipelineGraph, deploy: dag.Task, vertex_model: dag.ComponentSpec) -> list[dag.Task]:
    taken = set(pipeline.tasks)
    args = _given(deploy)
    name = args["name"]

    def new_task(suffix: str, component: dag.ComponentSpec, arguments: dict, options: dag.TaskOptions,
                 after: list[str]) -> dag.Task:
        task_name = unique_name(k8s_name(f"{deploy.step}-{suffix}"), taken)
        taken.add(task_name)
        return dag.Task(task_name, f"{deploy.step}_{suffix}", component, arguments, options, deploy.group, deploy.span,
                      after=list(after), in_finally=deploy.in_finally)

    def output(task: dag.Task, key: str) -> dag.TaskOutput:
        port = task.component.output(key)
        assert port is not None, f"the deploy step `{task.component.name}` declares the output `{key}`"
        return dag.TaskOutput(task.name, key, port.type)

    model = new_task("model", vertex_model,
                     {"archive": args["archive"], **{k: args[k] for k in MACHINE_INPUTS if k in args}},
                     _options_for(deploy.options, "model"), deploy.after)
    upload = new_task("upload", gcpc_component("model_upload"),
                      {"display_name": name, "unmanaged_container_model": output(model, "model")},
                      _options_for(deploy.options, "upload"), [])
    endpoint = new_task("endpoint", gcpc_component("endpoint_create"), {"display_name": name},
                        _options_for(deploy.options, "endpoint"), deploy.after)
    minimum = args.get("min_replicas", dag.Constant(1, types.parameter("int")))
    deploy_args = {
        "model": output(upload, "model"),
        "endpoint": output(endpoint, "endpoint"),
        "deployed_model_display_name": name,
        "dedicated_resources_machine_type": output(model, "machine_type"),
        "dedicated_resources_accelerator_type": output(model, "accelerator_type"),
        "dedicated_resources_accelerator_count": output(model, "accelerator_count"),
        "dedicated_resources_min_replica_count": minimum,
        "dedicated_resources_max_replica_count": args.get("max_replicas", minimum),
    }
    if "service_account" in args:
        deploy_args["service_account"] = args["service_account"]
    final = dag.Task(deploy.name, deploy.step, gcpc_component("model_deploy"), deploy_args,
                     _options_for(deploy.options, "deploy"), deploy.group, deploy.span, after=[],
                     in_finally=deploy.in_finally)
    return [model, upload, endpoint, final]


def _options_for(options: dag.TaskOptions, step: str) -> dag.TaskOptions:
    """The deploy step's `with { }` as one of the steps that replace it (`model`, `upload`, `endpoint`, `deploy`).

    The option table says which steps keep each option (`deploy_steps` of its vertex lowering): resources
    and the container's settings go to `model`, the one step that runs a ptflow container; caching and
    retries to all four; the display name to `deploy`, which keeps the step's name.  The others get the
    option's default."""
    defaults = dag.TaskOptions()
    return replace(options, **{option.field: getattr(defaults, option.field) for option in OPTIONS
                               if option.field is not None and step not in option.lowering["vertex"].deploy_steps})


def _replace(pipeline: dag.PipelineGraph, deploy: dag.Task, steps: list[dag.Task]) -> None:
    """Put `steps` where `deploy` was: in its group, in the task table and in the dependency graph."""
    children = deploy.group.children
    index = next(i for i, child in enumerate(children) if child is deploy)
    children[index:index + 1] = steps
    del pipeline.tasks[deploy.name]
    for task in steps:
        pipeline.tasks[task.name] = task
    successors = list(pipeline.dag.successors(deploy.name)) if deploy.name in pipeline.dag else []
    if deploy.name in pipeline.dag:
        pipeline.dag.remove_node(deploy.name)
    for task in steps:
        pipeline.dag.add_node(task.name)
        for producer in sorted(set(task.upstream_tasks()) | set(task.after)):
            if producer in pipeline.tasks:
                pipeline.dag.add_edge(producer, task.name)
    for successor in successors:
        pipeline.dag.add_edge(deploy.name, successor)

