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

A step with the `vertex_custom_job` option runs as a Vertex AI CustomJob: after
the KFP v2 lowering, its component is wrapped in gcpc's CustomTrainingJobOp
the way gcpc's `create_custom_training_job_from_component` wraps one.

`check_support` reports, before anything is lowered, the uses of `serve.deploy`
that Vertex AI can't express (PTF501), the KServe-only inputs it ignores
(PTF504), `distributed.pytorchjob` (PTF501: no Kubeflow training operator) and
pod settings beside `vertex_custom_job` (PTF501: a CustomJob has no pod).
"""

from __future__ import annotations

import copy
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
# A Kubeflow PyTorchJob needs the training operator on a cluster; Vertex AI has none.
PYTORCHJOB_STEP = "distributed.pytorchjob"
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


def runs_step(task: dag.Task, runtime_step: str) -> bool:
    """Whether `task` runs the runtime step `runtime_step` (`serve.deploy`, ...)."""
    container = task.component.container
    return (
        task.component.kind == dag.ComponentKind.CONTAINER
        and container is not None
        and container.runtime_step == runtime_step
    )


def is_deploy(task: dag.Task) -> bool:
    return runs_step(task, DEPLOY_STEP)


# ---------------------------------------------------------------- checks


def check_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    """What KFP v2 IR can't express (vertex runs v2 IR), then the uses of serve.deploy Vertex AI can't run."""
    check_v2_support(graph, target, diagnostics)
    if graph.pipeline_root is not None and not graph.pipeline_root.startswith("gs://"):
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"the pipeline's default root `{graph.pipeline_root}` is not a Cloud Storage folder; vertex keeps "
            "pipeline artifacts in Cloud Storage only",
            graph.pipeline_root_span or graph.span,
            hint='give a `gs://` folder: `pipeline_root = "gs://BUCKET/pipeline-root"`',
        )
    _check_workspace(graph, diagnostics)
    for pipeline in graph.and_called_pipelines():
        for task in pipeline.tasks.values():
            if runs_step(task, PYTORCHJOB_STEP):
                diagnostics.report(
                    codes.NOT_SUPPORTED_BY_TARGET,
                    f"`{task.step}` is a Kubeflow PyTorchJob, which needs the training operator on a "
                    "Kubernetes cluster; vertex can't run it",
                    task.span,
                    hint='on Vertex AI, train with torch.train and strategy: "ddp" on one node, or compile '
                    "for kfp-v2 or kfp-v1 to run the PyTorchJob on Kubeflow",
                )
            action = dag.kubernetes_resource_step(task)
            if action is not None:
                diagnostics.report(
                    codes.NOT_SUPPORTED_BY_TARGET,
                    f"step `{task.step}` {action} on a Kubernetes cluster; vertex can't run it",
                    task.span,
                    hint="Vertex AI Pipelines has no Kubernetes cluster to make volumes in: compile for kfp-v2",
                )
            if task.options.vertex_custom_job is not None:
                _check_custom_job_pod_options(task, diagnostics)
        deploys = {task.name: task for task in pipeline.tasks.values() if is_deploy(task)}
        for task in deploys.values():
            _check_deploy(task, diagnostics)
        if deploys:
            _check_outputs_unused(pipeline, deploys, diagnostics)


def _check_workspace(graph: dag.PipelineGraph, diagnostics: Diagnostics) -> None:
    """The pipeline workspace is a volume on the cluster that KFP runs on; Vertex AI Pipelines has none."""
    hint = "Vertex AI Pipelines has no shared volume: pass files between steps as artifacts, or compile for kfp-v2"
    if graph.workspace is not None:
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            "the pipeline workspace (`workspace`) is a Kubernetes volume; vertex can't make it",
            graph.workspace.span or graph.span,
            hint=hint,
        )
    for pipeline in graph.and_called_pipelines():
        for task in pipeline.tasks.values():
            importer = task.component.importer
            if importer is not None and importer.download_to_workspace:
                diagnostics.report(
                    codes.NOT_SUPPORTED_BY_TARGET,
                    f"step `{task.step}` downloads into the pipeline workspace; vertex has none",
                    task.span,
                    hint=hint,
                )
            for value in task.arguments.values():
                if _reads_workspace_path(value):
                    diagnostics.report(
                        codes.NOT_SUPPORTED_BY_TARGET,
                        f"`pipeline.workspace_path` (step `{task.step}`): vertex has no pipeline workspace",
                        task.span,
                        hint=hint,
                    )


def _reads_workspace_path(value: dag.Value) -> bool:
    if isinstance(value, dag.Interpolation):
        return any(_reads_workspace_path(part) for part in value.parts if not isinstance(part, str))
    if isinstance(value, dag.Structured):
        return any(_reads_workspace_path(part) for part in value.run_time_values())
    return isinstance(value, dag.RuntimeValue) and value.which == "workspace_path"


# The options that set up the step's pod: a CustomJob step runs no pod of its own (gcpc keeps only the
# container's image, command, args and env), so `vertex_custom_job` chooses the machine instead.
POD_OPTIONS = (
    ("cpu_limit", "cpu"),
    ("cpu_request", "cpu_request"),
    ("memory_limit", "memory"),
    ("memory_request", "memory_request"),
    ("gpus", "gpus"),
    ("accelerator", "accelerator"),
    ("node_selector", "node_selector"),
    ("tolerations", "tolerations"),
    ("secrets", "secrets"),
    ("volumes", "volumes"),
    ("timeout_seconds", "timeout"),
    ("labels", "labels"),
    ("annotations", "annotations"),
    ("pull_policy", "pull_policy"),
    ("image_pull_secrets", "image_pull_secrets"),
    ("config_maps", "config_maps"),
    ("field_env", "field_env"),
    ("empty_dirs", "empty_dirs"),
    ("ephemeral_volumes", "ephemeral_volumes"),
    ("node_affinity", "node_affinity"),
    ("node_affinity_json", "node_affinity_json"),
    ("node_selector_json", "node_selector_json"),
    ("tolerations_json", "tolerations_json"),
    ("security_context", "security_context"),
)


def _check_custom_job_pod_options(task: dag.Task, diagnostics: Diagnostics) -> None:
    defaults = dag.TaskOptions()
    given = [name for field, name in POD_OPTIONS if getattr(task.options, field) != getattr(defaults, field)]
    if given:
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"step `{task.step}` runs as a Vertex AI CustomJob (`vertex_custom_job`), which has no pod "
            f"for {', '.join(f'`{name}`' for name in given)}; vertex can't apply them",
            task.span,
            hint="choose the machine in vertex_custom_job (machine_type, accelerator_type, accelerator_count)",
        )


def _given(task: dag.Task) -> dict[str, dag.Value]:
    """The step's arguments, without those given as `null` (the same as not given)."""
    return {k: v for k, v in task.arguments.items() if not (isinstance(v, dag.Constant) and v.value is None)}


def _check_deploy(task: dag.Task, diagnostics: Diagnostics) -> None:
    step = task.step
    given = _given(task)
    # An archive the checker already refused (say, a body output used in `finally`) is missing
    # here too; that error says why, so this one would only repeat it.
    refused_already = any(
        d.is_error
        and d.span is not None
        and d.span.file == task.span.file
        and task.span.start <= d.span.start < task.span.end
        for d in diagnostics
    )
    if "archive" not in given and ("storage_uri" in given or not refused_already):
        what = "deploys `storage_uri`" if "storage_uri" in given else "has no `archive`"
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"`{step}` {what}; on vertex, serve.deploy uploads its `archive` to Vertex AI, so it needs `archive`",
            task.span,
            hint="pass serve.archive's `archive` output as `archive`",
        )
    if task.in_finally:
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"`{step}` is in `finally`; vertex lowers serve.deploy to four steps, which `finally` can't order",
            task.span,
        )
    minimum = given.get("min_replicas")
    if isinstance(minimum, dag.Constant) and minimum.value == 0:
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET,
            f"`{step}` has min_replicas: 0; Vertex AI endpoints can't scale to zero",
            task.span,
            hint="use min_replicas: 1 or more",
        )
    _check_machine(task, given, diagnostics)
    for name in KSERVE_ONLY:
        if name in given:
            diagnostics.report(
                codes.INPUT_IGNORED_BY_TARGET, f"`{name}` of `{step}` is a KServe setting; vertex ignores it", task.span
            )


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
        diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET, f"`{task.step}` can't be deployed on Vertex AI: {error}", task.span
        )


def _check_outputs_unused(pipeline: dag.PipelineGraph, deploys: dict[str, dag.Task], diagnostics: Diagnostics) -> None:
    """serve.deploy's outputs (a KServe URL and manifest) have no value on Vertex AI."""

    def report(value: dag.Value, span) -> None:
        for used in _task_outputs(value):
            if used.task in deploys:
                diagnostics.report(
                    codes.NOT_SUPPORTED_BY_TARGET,
                    f"`{deploys[used.task].step}.{used.output}` is a KServe output; on vertex, serve.deploy "
                    "deploys to a Vertex AI endpoint and has no outputs",
                    span,
                    hint="call the endpoint with the Vertex AI SDK, or compile for kfp-v2 to deploy on KServe",
                )

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
    elif isinstance(value, dag.OneOf):
        yield from value.choices
    elif isinstance(value, dag.Interpolation):
        for part in value.parts:
            if not isinstance(part, str):
                yield from _task_outputs(part)
    elif isinstance(value, dag.Structured):
        for part in value.run_time_values():
            yield from _task_outputs(part)


# ---------------------------------------------------------------- lowering


def lower_pipeline(
    graph: dag.PipelineGraph, parameter_overrides: dict, find_component: ComponentLookup
) -> tuple[list[dict], dict]:
    """The target table's lowering (compiler/targets/registry.py): serve.deploy replaced, then KFP v2 IR."""
    from ptflow.compiler.targets import kfp_v2

    lower_deploys(graph, find_component)
    custom_jobs = {
        _span_key(task.span): task.options.vertex_custom_job
        for pipeline in graph.and_called_pipelines()
        for task in pipeline.tasks.values()
        if task.options.vertex_custom_job is not None
    }
    documents, source_map = kfp_v2.lower_with_source_map(graph, parameter_overrides)
    if custom_jobs:
        _wrap_custom_jobs(documents, source_map, custom_jobs)
    return documents, source_map


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

    def new_task(
        suffix: str, component: dag.ComponentSpec, arguments: dict, options: dag.TaskOptions, after: list[str]
    ) -> dag.Task:
        task_name = unique_name(k8s_name(f"{deploy.step}-{suffix}"), taken)
        taken.add(task_name)
        return dag.Task(
            task_name,
            f"{deploy.step}_{suffix}",
            component,
            arguments,
            options,
            deploy.group,
            deploy.span,
            after=list(after),
            in_finally=deploy.in_finally,
        )

    def output(task: dag.Task, key: str) -> dag.TaskOutput:
        port = task.component.output(key)
        assert port is not None, f"the deploy step `{task.component.name}` declares the output `{key}`"
        return dag.TaskOutput(task.name, key, port.type)

    model = new_task(
        "model",
        vertex_model,
        {"archive": args["archive"], **{k: args[k] for k in MACHINE_INPUTS if k in args}},
        _options_for(deploy.options, "model"),
        deploy.after,
    )
    upload = new_task(
        "upload",
        gcpc_component("model_upload"),
        {"display_name": name, "unmanaged_container_model": output(model, "model")},
        _options_for(deploy.options, "upload"),
        [],
    )
    endpoint = new_task(
        "endpoint",
        gcpc_component("endpoint_create"),
        {"display_name": name},
        _options_for(deploy.options, "endpoint"),
        deploy.after,
    )
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
    final = dag.Task(
        deploy.name,
        deploy.step,
        gcpc_component("model_deploy"),
        deploy_args,
        _options_for(deploy.options, "deploy"),
        deploy.group,
        deploy.span,
        after=[],
        in_finally=deploy.in_finally,
    )
    return [model, upload, endpoint, final]


def _options_for(options: dag.TaskOptions, step: str) -> dag.TaskOptions:
    """The deploy step's `with { }` as one of the steps that replace it (`model`, `upload`, `endpoint`, `deploy`).

    The option table says which steps keep each option (`deploy_steps` of its vertex lowering): resources
    and the container's settings go to `model`, the one step that runs a ptflow container; caching and
    retries to all four; the display name to `deploy`, which keeps the step's name.  The others get the
    option's default."""
    defaults = dag.TaskOptions()
    return replace(
        options,
        **{
            option.field: getattr(defaults, option.field)
            for option in OPTIONS
            if option.field is not None and step not in option.lowering["vertex"].deploy_steps
        },
    )


def _replace(pipeline: dag.PipelineGraph, deploy: dag.Task, steps: list[dag.Task]) -> None:
    """Put `steps` where `deploy` was: in its group, in the task table and in the dependency graph."""
    children = deploy.group.children
    index = next(i for i, child in enumerate(children) if child is deploy)
    children[index : index + 1] = steps
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


# ---------------------------------------------------------------- vertex_custom_job


def _span_key(span) -> tuple:
    return (span.file, span.start, span.end)


def _wrap_custom_jobs(documents: list[dict], source_map: dict, custom_jobs: dict) -> None:
    """Turn the component of each step with `vertex_custom_job` into gcpc's CustomTrainingJobOp around it.

    Done on the IR, as gcpc's `create_custom_training_job_from_component` does on the component's
    pipeline spec: the step's container (image, command, args, env) becomes the worker pools' container,
    and the step's inputs and outputs are added to the CustomJob component's, so the task's inputs and
    the steps reading its outputs are unchanged.  The step's pod settings (kfp-kubernetes platform
    config, executor resources) have no pod to apply to and are dropped; the check refuses them."""
    spec = documents[0]
    components, executors = spec["components"], spec["deploymentSpec"]["executors"]
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"] if len(documents) > 1 else {}
    for (dag_key, task_name), span in source_map.items():
        job = custom_jobs.get(_span_key(span))
        dag_spec = spec["root"] if dag_key == "root" else components.get(dag_key, {})
        task = dag_spec.get("dag", {}).get("tasks", {}).get(task_name)
        if job is None or task is None:
            continue
        component_name = task["componentRef"]["name"]
        executor_label = components[component_name]["executorLabel"]
        custom_job = _custom_job_component(
            components[component_name],
            executors[executor_label]["container"],
            job,
            display_name=component_name.removeprefix("comp-"),
        )
        custom_job["executorLabel"] = executor_label
        components[component_name] = custom_job
        executors[executor_label] = _custom_training_job()["deploymentSpec"]["executors"]["exec-custom-training-job"]
        platform.pop(executor_label, None)
    if len(documents) > 1 and not platform:
        del documents[1]


def _custom_job_component(component: dict, container: dict, job: dag.VertexCustomJob, display_name: str) -> dict:
    """gcpc's CustomTrainingJobOp with the defaults create_custom_training_job_from_component gives it."""
    custom_job = _custom_training_job()["components"]["comp-custom-training-job"]
    parameters = custom_job["inputDefinitions"]["parameters"]
    defaults = {
        "display_name": display_name,
        "worker_pool_specs": _worker_pool_specs(container, job),
        "timeout": "604800s",
        "restart_job_on_worker_restart": False,
        "strategy": "STANDARD",
        "max_wait_duration": "86400s",
        "service_account": job.service_account,
        "tensorboard": "",
        "enable_web_access": False,
        "network": job.network,
        "reserved_ip_ranges": None,
        "base_output_directory": "",
        "labels": None,
        "encryption_spec_key_name": "",
        "persistent_resource_id": "{{$.pipeline_persistent_resource_id}}",
        "psc_interface_config": None,
    }
    for name, value in defaults.items():
        if value is None:
            parameters[name].pop("defaultValue", None)
        else:
            parameters[name].update(defaultValue=value, isOptional=True)
    # gcpc rebuilds the component from its IR, which keeps no descriptions.
    for definitions in (custom_job["inputDefinitions"], custom_job["outputDefinitions"]):
        for definition in definitions.get("parameters", {}).values():
            definition.pop("description", None)
    inputs, outputs = component.get("inputDefinitions", {}), component.get("outputDefinitions", {})
    parameters.update(inputs.get("parameters", {}))
    custom_job["outputDefinitions"]["parameters"].update(outputs.get("parameters", {}))
    for definitions, own in ((custom_job["inputDefinitions"], inputs), (custom_job["outputDefinitions"], outputs)):
        definitions["artifacts"] = own.get("artifacts", {})
        if not definitions["artifacts"]:
            del definitions["artifacts"]
    return custom_job


def _worker_pool_specs(container: dict, job: dag.VertexCustomJob) -> list[dict]:
    """The master pool, and a pool of the other replicas when there are any; every replica the same."""

    def escaped(parts: list[str]) -> list[str]:
        # The executor input is a JSON object inside the CustomJob's JSON payload: it must be escaped.
        return ["{{$.json_escape[1]}}" if part == "{{$}}" else part for part in parts]

    # Numbers are doubles, as in every IR default value (gcpc's defaults pass through protobuf's Struct).
    machine: dict = {"machine_type": job.machine_type}
    if job.accelerator_type:
        machine.update(accelerator_type=job.accelerator_type, accelerator_count=float(job.accelerator_count))
    master = {
        "machine_spec": machine,
        "replica_count": 1.0,
        "container_spec": {
            "image_uri": container["image"],
            "command": escaped(container.get("command", [])),
            "args": escaped(container.get("args", [])),
            "env": container.get("env", []),
        },
        "disk_spec": {"boot_disk_type": job.boot_disk_type, "boot_disk_size_gb": float(job.boot_disk_size_gb)},
    }
    pools = [master]
    if job.replica_count > 1:
        pools.append({**master, "replica_count": float(job.replica_count - 1)})
    return pools


def _custom_training_job() -> dict:
    """gcpc's CustomTrainingJobOp compiled by kfp, as committed in vertex_components/ (a fresh copy)."""
    return copy.deepcopy(_custom_training_job_document())


@cache
def _custom_training_job_document() -> dict:
    import yaml  # only pipelines with a CustomJob pay for it

    return yaml.safe_load((COMPONENTS / "custom_training_job.yaml").read_text(encoding="utf-8"))
