"""`stdlib.k8s` create_pvc / delete_pvc as kfp 1.8's `dsl.VolumeOp` and `dsl.ResourceOp(action="delete")`.

On KFP v2 these steps are kfp-kubernetes' CreatePVC and DeletePVC, which KFP's
driver carries out.  KFP 1.x has no driver: kfp 1.8 writes an Argo `resource`
template, whose `manifest` (the claim, as `yaml.dump` writes it) Argo applies
with kubectl.  The created claim's name, manifest and size come out as output
parameters read from the object (`jsonPath`); a step mounting the claim reads
the name as an input parameter (kfp_v1_container.py).

compiler/targets/kfp_v1_support.py refuses what VolumeOp can't be given here
(arguments known only at run time, container settings on these steps).
"""

from __future__ import annotations

from ptflow import __version__
from ptflow.compiler import dag
from ptflow.compiler.targets.kfp_v1_container import KFP, SDK_VERSION_KEY, ContainerBuilder

CREATE_IMAGE = "argostub/createpvc"
DELETE_IMAGE = "argostub/deletepvc"
# VolumeOp's outputs and where Argo reads them in the created object (kfp 1.8 writes all three).
CREATED_OUTPUTS = {"manifest": "{}", "name": "{.metadata.name}", "size": "{.status.capacity.storage}"}
# The options a resource template keeps; kfp_v1_support.py refuses the others on these steps.
RESOURCE_STEP_OPTIONS = ("after", "cache", "display_name")


def is_resource_step(task: dag.Task) -> bool:
    return dag.kubernetes_resource_step(task) is not None


def creates_claim(task: dag.Task) -> bool:
    container = task.component.container
    return is_resource_step(task) and container is not None and container.image == CREATE_IMAGE


class ResourceBuilder(ContainerBuilder):
    """A create_pvc or delete_pvc task's `resource` template (the container builder's value routing, reused)."""

    def build(self) -> dict:
        task = self.task
        if creates_claim(task):
            resource: dict = {"action": "create", "manifest": _manifest(self._claim())}
        else:
            claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": self._text("pvc_name")}}
            resource = {"action": "delete", "flags": ["--wait=false"], "manifest": _manifest(claim)}
        template: dict = {"name": self.lowering.name_of(task), "resource": resource}
        if self.input_parameters:
            template["inputs"] = {"parameters": [{"name": name} for name in sorted(self.input_parameters)]}
        metadata: dict = {
            "labels": {
                SDK_VERSION_KEY: __version__,
                f"{KFP}/pipeline-sdk-type": "kfp",
                f"{KFP}/enable_caching": "true" if task.options.cache else "false",
            }
        }
        if task.options.display_name:
            metadata["annotations"] = {f"{KFP}/task_display_name": task.options.display_name}
        template["metadata"] = metadata
        return template

    def outputs(self) -> dict:
        if not creates_claim(self.task):
            return {}  # kfp 1.8's delete has no outputs
        return {
            "parameters": [
                {"name": f"{self.task.name}-{output}", "valueFrom": {"jsonPath": path}}
                for output, path in CREATED_OUTPUTS.items()
            ]
        }

    def _argument(self, name: str):
        """An input's value (a `dag.Value`), its default when the step leaves it out, None when it has neither."""
        value = self.task.arguments.get(name)
        if value is None:
            port = self.spec.input(name)
            if port is not None and port.has_default and port.default is not None:
                value = dag.Constant(port.default, port.type)
        return value

    def _constant(self, name: str):
        value = self._argument(name)
        assert value is None or isinstance(value, dag.Constant), "kfp_v1_support refused run-time arguments"
        return None if value is None else value.value

    def _text(self, name: str) -> str:
        value = self._argument(name)
        assert value is not None, "pvc_name is a required input"
        return self.value_text(value)

    def _claim(self) -> dict:
        """The PersistentVolumeClaim VolumeOp writes: `{{workflow.name}}` and the suffix, or the name given."""
        name, suffix = self._constant("pvc_name"), self._constant("pvc_name_suffix")
        metadata: dict = {"name": name if name is not None else f"{{{{workflow.name}}}}{suffix}"}
        annotations = self._constant("annotations")
        if annotations:
            metadata["annotations"] = dict(annotations)
        spec: dict = {
            "accessModes": list(self._constant("access_modes")),
            "resources": {"requests": {"storage": self._constant("size")}},
            # kfp-kubernetes' default "" is a statically bound claim: written, as VolumeOp(storage_class="") does.
            "storageClassName": self._constant("storage_class_name"),
        }
        data_source = self._constant("data_source")
        if data_source:
            spec["dataSource"] = dict(data_source)
        volume_name = self._constant("volume_name")
        if volume_name:
            spec["volumeName"] = volume_name
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec}


def _manifest(resource: dict) -> str:
    """The object as kfp 1.8 writes a resource template's manifest: PyYAML's block style, keys sorted."""
    import yaml  # only pipelines that create or delete claims pay for it

    return yaml.safe_dump(resource, default_flow_style=False)
