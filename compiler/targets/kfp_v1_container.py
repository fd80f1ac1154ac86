"""One task's Argo container template, as kfp 1.8's `_op_to_template` writes it.

compiler/targets/kfp_v1.py lowers the DAG and names everything; this module
writes each task's container: its command line with inputs and outputs as
Argo placeholders and file paths, environment, volumes, resources (with
values from pipeline parameters going to `podSpecPatch`), tolerations, retry
strategy and kfp 1.8's metadata annotations.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ptflow import __version__
from ptflow.compiler import dag
from ptflow.compiler.names import GKE_ACCELERATOR_LABEL, k8s_name
from ptflow.compiler.targets.kfp_v1_channels import Channel, ChannelKind
from ptflow.compiler.targets.runtime_command import runtime_command

if TYPE_CHECKING:  # the lowering calls the builder; the builder only names its types
    from ptflow.compiler.targets.kfp_v1 import Lowering

SDK_VERSION_KEY = "pipelines.kubeflow.org/kfp_sdk_version"
KFP = "pipelines.kubeflow.org"
UI_OUTPUTS = ("mlpipeline-ui-metadata", "mlpipeline-metrics")
INPUTS_DIR = "/tmp/inputs"
OUTPUTS_DIR = "/tmp/outputs"
# `pipeline.*` run information, as Argo spells it (kfp 1.8's dsl.RUN_ID_PLACEHOLDER is `{{workflow.uid}}`).
RUNTIME_VARIABLES = {
    "job_name": "{{workflow.name}}",
    "job_id": "{{workflow.uid}}",
    "task_name": "{{pod.name}}",
    "task_id": "{{pod.name}}",
}
STATUS_VARIABLE = "{{workflow.status}}"
DEFAULT_GPU_RESOURCE = "nvidia.com/gpu"


class ContainerBuilder:
    """One task's container template, as kfp 1.8's `_op_to_template` writes it."""

    def __init__(self, lowering: Lowering, task: dag.Task):
        self.lowering = lowering
        self.task = task
        self.spec = task.component
        self.input_parameters: dict[str, Channel] = {}
        self.input_artifacts: dict[str, str] = {}  # channel name -> path
        self.consumed_by_value: dict[str, str] = {}  # component input -> its resolved text
        self.group = lowering.graph.root if task.in_finally else task.group

    def build(self) -> dict:
        task, spec = self.task, self.spec
        command, args = self._command_line()
        container: dict = {"args": self.render_list(args), "command": self.render_list(command)}
        env = self._env()
        if env:
            container["env"] = env
        image = task.options.image if task.options.image is not None else spec.running_container().image
        container["image"] = self.value_text(image) if isinstance(image, dag.PipelineInput) else image
        if task.options.pull_policy:
            container["imagePullPolicy"] = task.options.pull_policy
        if task.options.security_context is not None:
            container["securityContext"] = _security_context(task.options.security_context)
        mounts = self._volume_mounts()
        volumes = self._volumes()  # before `inputs`: a claim's name may be an input parameter
        if mounts:
            container["volumeMounts"] = mounts
        template: dict = {"name": self.lowering.name_of(task), "container": container}
        resources, node_selector, patch = self._resources()
        if resources is not None:
            container["resources"] = resources
        inputs: dict = {}
        if self.input_parameters:
            inputs["parameters"] = [{"name": name} for name in sorted(self.input_parameters)]
        if self.input_artifacts:
            inputs["artifacts"] = [{"name": name, "path": path} for name, path in sorted(self.input_artifacts.items())]
        if inputs:
            template["inputs"] = inputs
        if node_selector is not None:
            template["nodeSelector"] = node_selector
        tolerations = [_toleration(t) for t in task.options.tolerations]
        if tolerations:
            template["tolerations"] = tolerations
        node_affinity = _node_affinity(task.options.node_affinity, task.options.node_affinity_json)
        if node_affinity:
            template["affinity"] = {"nodeAffinity": node_affinity}
        template["metadata"] = self._metadata()
        retry = task.options.retry
        if retry is not None and retry.max_retries:
            template["retryStrategy"] = _retry_strategy(retry)
        if task.options.timeout_seconds:
            template["activeDeadlineSeconds"] = int(task.options.timeout_seconds)
        if volumes:
            template["volumes"] = volumes
        if patch:
            template["podSpecPatch"] = json.dumps(patch)
        return template

    # -- the command line
    def _command_line(self) -> tuple[list, list]:
        container = self.spec.running_container()
        if container.runtime_step:
            return v1_runtime_command(self.spec)
        return list(container.command), list(container.args)

    def render(self, arg) -> str:
        if isinstance(arg, str):
            return arg
        if isinstance(arg, dag.InputValue):
            return self.input_value(arg.input)
        if isinstance(arg, dag.InputPath):
            return self.input_path(arg.input)
        if isinstance(arg, dag.OutputPath):
            return output_path(arg.output)
        if isinstance(arg, (dag.Concat, dag.Template)):
            return "".join(self.render(part) for part in arg.parts)
        if isinstance(arg, dag.RuntimePlaceholder):
            return RUNTIME_VARIABLES[arg.which]
        raise TypeError(f"kfp-v1 can't render {arg!r}")  # check_support reported it

    def render_list(self, args) -> list[str]:
        out = []
        for arg in args:
            if isinstance(arg, dag.IfPresent):
                present = self.task.arguments.get(arg.input) is not None
                out.extend(self.render_list(arg.then if present else (arg.otherwise or ())))
            else:
                out.append(self.render(arg))
        return out

    def input_value(self, name: str) -> str:
        value = self.task.arguments.get(name)
        if value is None:
            port = self.spec.input(name)
            value = dag.Constant(port.default, port.type) if port is not None and port.has_default else None
        text = self.value_text(value) if value is not None else ""
        self.consumed_by_value[name] = text
        return text

    def value_text(self, value: dag.Value) -> str:
        """A value as it appears in the command line: constants inline, the rest as input parameters."""
        if isinstance(value, dag.Constant):
            return serialize(value.value)
        if isinstance(value, dag.Interpolation):
            return "".join(part if isinstance(part, str) else self.value_text(part) for part in value.parts)
        if isinstance(value, dag.Structured):
            # kfp 1.8 writes the JSON of the list or dict, keys sorted, each run-time value its Argo
            # parameter reference in a string.
            return json.dumps(value.render(self.value_text), sort_keys=True)
        if isinstance(value, dag.FinalStatus):
            return STATUS_VARIABLE
        if isinstance(value, dag.RuntimeValue):
            return RUNTIME_VARIABLES.get(value.which, "")
        channel = self.lowering._channel_of(value)
        if channel.kind in (ChannelKind.TASK, ChannelKind.GATHERED):
            self.lowering.by_value.add(channel.task_output())
        self._bring(channel)
        self.input_parameters[channel.name] = channel
        return f"{{{{inputs.parameters.{channel.name}}}}}"

    def _bring(self, channel: Channel) -> None:
        lowering = self.lowering
        if self.task.in_finally:
            return  # the exit handler receives spec.arguments by name (only pipeline parameters reach it)
        reference = lowering._bring(channel, self.task, self.group)
        lowering._arguments_of(self.task).setdefault(channel.name, (reference, channel.artifact))

    def input_path(self, name: str) -> str:
        path = f"{INPUTS_DIR}/{name}/data"
        value = self.task.arguments.get(name)
        if isinstance(value, dag.TaskOutput):
            channel = self.lowering._channel_of(value, artifact=True)
            self._bring(channel)
            self.input_artifacts[channel.name] = path
        return path

    # -- outputs
    def outputs(self) -> dict:
        """Output artifacts, and parameters for what is read by value (known once every task is built)."""
        parameters, artifacts = [], []
        for port in self.spec.outputs:
            path = output_path(port.name)
            sanitized = k8s_name(port.name)
            if sanitized in UI_OUTPUTS:
                artifacts.append({"name": sanitized, "path": path})
                continue
            name = f"{self.task.name}-{port.name}"
            artifacts.append({"name": name, "path": path})
            if (self.task.name, port.name) in self.lowering.by_value:
                parameters.append({"name": name, "valueFrom": {"path": path}})
        if self.spec.running_container().runtime_step:
            artifacts += [{"name": name, "path": output_path(name)} for name in UI_OUTPUTS]
        ui = [a for a in artifacts if a["name"] in UI_OUTPUTS]
        rest = sorted((a for a in artifacts if a["name"] not in UI_OUTPUTS), key=lambda a: a["name"])
        outputs: dict = {}
        if parameters:
            outputs["parameters"] = sorted(parameters, key=lambda p: p["name"])
        if ui or rest:
            outputs["artifacts"] = ui + rest
        return outputs

    # -- environment, volumes, secrets
    def _env(self) -> list[dict]:
        env: list[dict] = [{"name": name, "value": value} for name, value in self.spec.running_container().env.items()]
        for name, value in self.task.options.env.items():
            env.append({"name": name, "value": self.value_text(value)})
        for secret in self.task.options.secrets:
            for variable, key in secret.env.items():
                reference: dict = {"key": key, "name": secret.secret}
                if secret.optional:
                    reference["optional"] = True
                env.append({"name": variable, "valueFrom": {"secretKeyRef": reference}})
        for config_map in self.task.options.config_maps:
            for variable, key in config_map.env.items():
                reference = {"key": key, "name": config_map.config_map}
                if config_map.optional:
                    reference["optional"] = True
                env.append({"name": variable, "valueFrom": {"configMapKeyRef": reference}})
        for variable, field_path in self.task.options.field_env.items():
            env.append({"name": variable, "valueFrom": {"fieldRef": {"fieldPath": field_path}}})
        return env

    def _volume_mounts(self) -> list[dict]:
        mounts: list[dict] = [
            {"mountPath": s.mount_path, "name": s.secret} for s in self.task.options.secrets if s.mount_path
        ]
        mounts += [
            {"mountPath": c.mount_path, "name": c.config_map} for c in self.task.options.config_maps if c.mount_path
        ]
        for volume in self.task.options.volumes:
            mount: dict = {"mountPath": volume.mount_path, "name": self._volume_name(volume)}
            if volume.sub_path:
                mount["subPath"] = volume.sub_path
            mounts.append(mount)
        mounts += [{"mountPath": e.mount_path, "name": e.name} for e in self.task.options.empty_dirs]
        mounts += [{"mountPath": e.mount_path, "name": e.name} for e in self.task.options.ephemeral_volumes]
        return mounts

    @staticmethod
    def _volume_name(volume: dag.VolumeUse) -> str:
        """A claim's volume is named after it; one a `create_pvc` step makes (the only run-time name
        kfp_v1_support lets through) after that step, as kfp 1.8 names a VolumeOp's volume."""
        if isinstance(volume.pvc, dag.TaskOutput):
            return volume.pvc.task
        assert isinstance(volume.pvc, str), "kfp_v1_support refused other run-time names"
        return volume.pvc

    def _volumes(self) -> list[dict]:
        volumes: list[dict] = [
            {"name": s.secret, "secret": {"secretName": s.secret, **({"optional": True} if s.optional else {})}}
            for s in self.task.options.secrets
            if s.mount_path
        ]
        volumes += [
            {"name": c.config_map, "configMap": {"name": c.config_map, **({"optional": True} if c.optional else {})}}
            for c in self.task.options.config_maps
            if c.mount_path
        ]
        for volume in self.task.options.volumes:
            claim = volume.pvc if isinstance(volume.pvc, str) else self.value_text(volume.pvc)
            entry: dict = {"name": self._volume_name(volume), "persistentVolumeClaim": {"claimName": claim}}
            if entry not in volumes:  # a claim mounted at two paths is one volume
                volumes.append(entry)
        volumes += [{"name": e.name, "emptyDir": _empty_dir_source(e)} for e in self.task.options.empty_dirs]
        volumes += [{"name": e.name, "ephemeral": _ephemeral_source(e)} for e in self.task.options.ephemeral_volumes]
        return sorted(volumes, key=lambda v: v["name"])

    # -- resources
    def _resources(self) -> tuple[dict | None, dict | None, dict]:
        """(container resources, template nodeSelector, podSpecPatch) as kfp 1.8 splits them."""
        options = self.task.options
        limits: dict = {}
        requests: dict = {}
        patch_limits: dict = {}
        patch_requests: dict = {}
        for target, patch_target, key, value in (
            (limits, patch_limits, "cpu", options.cpu_limit),
            (limits, patch_limits, "memory", options.memory_limit),
            (requests, patch_requests, "cpu", options.cpu_request),
            (requests, patch_requests, "memory", options.memory_request),
        ):
            if value is None:
                continue
            if isinstance(value, (dag.PipelineInput, dag.TaskOutput)):  # known at run time: kfp 1.8's pod patch
                patch_target[key] = self.value_text(value)
            else:
                target[key] = str(value)
        node_selector: dict = {}
        patch_selector: dict = {}
        accelerator = options.accelerator
        gpu_resource = DEFAULT_GPU_RESOURCE
        if isinstance(accelerator, str):
            if "/" in accelerator:
                gpu_resource = accelerator
            else:
                node_selector[GKE_ACCELERATOR_LABEL] = k8s_name(accelerator)
        if options.gpus is not None:
            if isinstance(options.gpus, (dag.PipelineInput, dag.TaskOutput)):
                patch_limits[gpu_resource] = self.value_text(options.gpus)
            else:
                limits[gpu_resource] = options.gpus
        # A constant `node_selector_json` adds its labels as `add_node_selector_constraint` would, one by one (one
        # from a pipeline parameter was refused: kfp 1.8 takes one label's value at a time, not a whole dict).
        json_selector = options.node_selector_json if isinstance(options.node_selector_json, dict) else {}
        for key, value in [*options.node_selector.items(), *json_selector.items()]:
            if isinstance(value, dag.PipelineInput):
                patch_selector[key] = self.value_text(value)
            else:
                node_selector[key] = str(value)
        patch: dict = {}
        if patch_selector:
            patch["nodeSelector"] = patch_selector
        if patch_limits or patch_requests:
            resources: dict = {}
            if patch_limits:
                resources["limits"] = patch_limits
            if patch_requests:
                resources["requests"] = patch_requests
            patch["containers"] = [{"name": "main", "resources": resources}]
        container_resources = None
        if limits or requests or patch_limits or patch_requests:
            container_resources = {}
            if limits:
                container_resources["limits"] = limits
            if requests:
                container_resources["requests"] = requests
        selector = node_selector if (node_selector or patch_selector) else None
        return container_resources, selector, patch

    # -- metadata
    def _metadata(self) -> dict:
        options = self.task.options
        labels = dict(options.labels)
        labels.update(
            {
                SDK_VERSION_KEY: __version__,
                f"{KFP}/pipeline-sdk-type": "kfp",
                f"{KFP}/enable_caching": "true" if options.cache else "false",
            }
        )
        annotations = dict(options.annotations)
        if options.display_name:
            annotations[f"{KFP}/task_display_name"] = options.display_name
        annotations[f"{KFP}/component_spec"], annotations[f"{KFP}/component_ref"] = self.lowering.component_annotations(
            self.spec
        )
        if self.consumed_by_value:
            annotations[f"{KFP}/arguments.parameters"] = json.dumps(self.consumed_by_value, sort_keys=True)
        if options.max_cache_staleness:
            annotations[f"{KFP}/max_cache_staleness"] = options.max_cache_staleness
        return {"labels": labels, "annotations": annotations}


# ================================================================ helpers


def serialize(value) -> str:
    """A value as kfp 1.8 writes it into a command line or `spec.arguments`: str() of scalars, JSON of the rest,
    a dict's keys sorted at every depth (kfp 1.8 serializes with `sort_keys=True`, whatever order they were
    written in)."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def v1_runtime_command(spec: dag.ComponentSpec) -> tuple[list, list]:
    """A standard-library step's command line on KFP v1: its flags, and the two files the v1 UI reads."""
    command, args = runtime_command(spec, "kfp-v1")
    for name in UI_OUTPUTS:
        args = [*args, f"--{name}", dag.OutputPath(name)]
    return command, args


def output_path(name: str) -> str:
    return f"{OUTPUTS_DIR}/{name}/data"


def _toleration(toleration: dag.Toleration) -> dict:
    entry: dict = {}
    for key, value in (
        ("effect", toleration.effect),
        ("key", toleration.key),
        ("operator", toleration.operator),
        ("tolerationSeconds", toleration.seconds),
        ("value", toleration.value),
    ):
        if value is not None:
            entry[key] = value
    return entry


def _retry_strategy(retry: dag.Retry) -> dict:
    strategy: dict = {"limit": retry.max_retries}
    backoff: dict = {}
    if retry.backoff_seconds is not None:
        backoff["duration"] = _duration(retry.backoff_seconds)
    if retry.backoff_factor is not None:
        factor = retry.backoff_factor
        backoff["factor"] = int(factor) if float(factor).is_integer() else factor
    if retry.max_backoff_seconds is not None:
        backoff["maxDuration"] = _duration(retry.max_backoff_seconds)
    if backoff:
        strategy["backoff"] = backoff
    return strategy


def _duration(seconds: float) -> str:
    """Seconds as an Argo duration, in the largest whole unit: 30s, 5m, 1h."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds}s"
    for unit, size in (("h", 3600), ("m", 60)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _empty_dir_source(empty_dir: dag.EmptyDirUse) -> dict:
    """A pod's `emptyDir` volume source: `{}` is the node's disk with no size limit."""
    source: dict = {}
    if empty_dir.medium:
        source["medium"] = empty_dir.medium
    if empty_dir.size_limit:
        source["sizeLimit"] = empty_dir.size_limit
    return source


def _security_context(context: dag.SecurityContext) -> dict:
    """The container's `securityContext`, as kfp 1.8 writes a V1SecurityContext (ints stay ints in YAML)."""
    entry: dict = {}
    for key, value in (
        ("runAsGroup", context.run_as_group),
        ("runAsNonRoot", context.run_as_non_root),
        ("runAsUser", context.run_as_user),
    ):
        if value is not None:
            entry[key] = value
    return entry


def _ephemeral_source(volume: dag.EphemeralVolumeUse) -> dict:
    """A generic ephemeral volume's source, as kfp 1.8 writes `V1Volume(ephemeral=...)`: a claim template whose
    `metadata` is there only with labels or annotations, and no `storageClassName` for the cluster's default."""
    spec: dict = {"accessModes": list(volume.access_modes), "resources": {"requests": {"storage": volume.size}}}
    if volume.storage_class is not None:
        spec["storageClassName"] = volume.storage_class
    template: dict = {"spec": spec}
    metadata = {
        key: dict(value) for key, value in (("annotations", volume.annotations), ("labels", volume.labels)) if value
    }
    if metadata:
        template["metadata"] = metadata
    return {"volumeClaimTemplate": template}


def _node_affinity(terms: list[dag.NodeAffinityTerm], written: dag.JsonValue | None) -> dict:
    """A pod's `nodeAffinity`, as kfp 1.8's `add_affinity` writes it: the terms without a weight are the
    required node selector terms (any one may match), the weighted ones the preferences.  A constant
    `node_affinity_json` (Kubernetes' own spelling) adds its terms after them (one from a pipeline parameter
    was refused at check time)."""

    def selector(term: dag.NodeAffinityTerm) -> dict:
        result: dict = {}
        for key, requirements in (("matchExpressions", term.match_expressions), ("matchFields", term.match_fields)):
            if requirements:
                result[key] = [
                    {"key": r.key, "operator": r.operator, **({"values": r.values} if r.values else {})}
                    for r in requirements
                ]
        return result

    affinity: dict = {}
    required = [selector(t) for t in terms if t.weight is None]
    preferred = [{"preference": selector(t), "weight": t.weight} for t in terms if t.weight is not None]
    if isinstance(written, dict):
        required += written.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
        preferred += written.get("preferredDuringSchedulingIgnoredDuringExecution", [])
    if required:
        affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred:
        affinity["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    return affinity
