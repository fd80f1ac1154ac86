"""A kfp 1.8 container template's settings as `with { }` options: the inverse of compiler/targets/kfp_v1_container.py.

Retry strategy, `activeDeadlineSeconds`, resources (with the values kfp moves
to a JSON `podSpecPatch` when they come from pipeline parameters), node
selectors (the GKE accelerator label as `accelerator`), tolerations, env
(plain, from secrets, config maps and pod fields), volumes and their mounts,
pull policy, pod labels and annotations beside kfp's own, caching and display
names.  What has no option is refused with its path in the workflow.
"""

from __future__ import annotations

import json

from ptflow.compiler.importer.errors import CANT_EXPRESS, NOT_KFP, ImportRefused, MeaningChange, path_of
from ptflow.compiler.importer.writer import literal
from ptflow.compiler.records import record

KFP = "pipelines.kubeflow.org"
_CONTAINER_FIELDS = {
    "args",
    "command",
    "image",
    "env",
    "resources",
    "volumeMounts",
    "imagePullPolicy",
    "securityContext",
}
# Kubernetes' securityContext fields and the `security_context` keys that write them.
_SECURITY_CONTEXT = {"runAsUser": "run_as_user", "runAsGroup": "run_as_group", "runAsNonRoot": "run_as_non_root"}
_KFP_LABELS = {f"{KFP}/kfp_sdk_version", f"{KFP}/pipeline-sdk-type", f"{KFP}/enable_caching"}
_KFP_ANNOTATIONS = {
    f"{KFP}/component_spec",
    f"{KFP}/component_ref",
    f"{KFP}/arguments.parameters",
    f"{KFP}/task_display_name",
    f"{KFP}/max_cache_staleness",
}
_GKE_ACCELERATOR = "cloud.google.com/gke-accelerator"


class TemplateOptions:
    """A container template's settings as `with { }` options (the inverse of kfp_v1_container.py)."""

    def __init__(self, template: dict, where: str, resolve, spec, warnings: list):
        self.warnings = warnings  # the import's MeaningChange list
        self.template = template
        self.where = where
        self.resolve = resolve
        self.spec = spec
        self.options: dict[str, str] = {}
        self._secret_env: dict[str, dict] = {}  # secret name -> {variable: key}, read from env, written with mounts
        self._config_map_env: dict[str, dict] = {}

    def build(self) -> dict[str, str]:
        self._metadata()
        self._retry()
        if "activeDeadlineSeconds" in self.template:
            self.options["timeout"] = str(int(self.template["activeDeadlineSeconds"]))
        container = self.template["container"]
        at = path_of(self.where, "container")
        unknown = set(container) - _CONTAINER_FIELDS
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(at, min(unknown)), "a container field ptflow does not know")
        if container.get("image") != (self.spec.container.image if self.spec.container else None):
            self.options["image"] = self.resolve(container.get("image", ""), path_of(at, "image")).typed("str")
        self._resources(container.get("resources") or {}, path_of(at, "resources"))
        self._env(container.get("env") or [], path_of(at, "env"))
        self._volumes(container.get("volumeMounts") or [], path_of(at, "volumeMounts"))
        if "imagePullPolicy" in container:
            self.options["pull_policy"] = literal(container["imagePullPolicy"])
        if "securityContext" in container:
            self._security_context(container["securityContext"] or {}, path_of(at, "securityContext"))
        self._affinity()
        return self.options

    def _security_context(self, context: dict, at: str) -> None:
        unknown = set(context) - set(_SECURITY_CONTEXT)
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of(at, min(unknown)), "a securityContext field ptflow has no option for"
            )
        fields = {_SECURITY_CONTEXT[key]: value for key, value in context.items()}
        self.options["security_context"] = "{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}"

    def _affinity(self) -> None:
        """A node affinity, written back as Kubernetes spells it (`node_affinity_json`)."""
        affinity = self.template.get("affinity")
        if affinity is None:
            return
        unknown = set(affinity) - {"nodeAffinity"}
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of(self.where, "affinity", min(unknown)), "a pod affinity ptflow has no option for"
            )
        self.options["node_affinity_json"] = literal(affinity["nodeAffinity"])

    def _metadata(self) -> None:
        metadata = self.template.get("metadata") or {}
        at = path_of(self.where, "metadata")
        unknown = set(metadata) - {"labels", "annotations"}
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(at, min(unknown)), "template metadata ptflow does not know")
        labels = metadata.get("labels") or {}
        annotations = metadata.get("annotations") or {}
        display = annotations.get(f"{KFP}/task_display_name")
        if display is not None:
            self.options["display_name"] = literal(display)
        if labels.get(f"{KFP}/enable_caching") == "false":
            self.options["cache"] = "false"
        if f"{KFP}/max_cache_staleness" in annotations:
            self.options["max_cache_staleness"] = literal(annotations[f"{KFP}/max_cache_staleness"])
            self.warnings.append(
                MeaningChange(
                    path_of(at, "annotations", f"{KFP}/max_cache_staleness"),
                    "`max_cache_staleness` has no KFP v2 form (v2 caches by inputs only): "
                    "kfp-v2 refuses it (PTF501); use `cache: false` there",
                )
            )
        own_labels = {k: v for k, v in labels.items() if k not in _KFP_LABELS}
        own_annotations = {k: v for k, v in annotations.items() if k not in _KFP_ANNOTATIONS}
        if own_labels:
            self.options["labels"] = literal(own_labels)
        if own_annotations:
            self.options["annotations"] = literal(own_annotations)

    def _retry(self) -> None:
        retry = self.template.get("retryStrategy")
        if not retry:
            return
        at = path_of(self.where, "retryStrategy")
        unknown = set(retry) - {"limit", "backoff", "retryPolicy"}
        if unknown:
            raise ImportRefused(CANT_EXPRESS, path_of(at, min(unknown)), "a retry setting ptflow has no form for")
        policy = retry.get("retryPolicy", "OnFailure")  # Argo's default, and what ptflow's kfp-v1 output relies on
        if policy != "OnFailure":
            self.warnings.append(
                MeaningChange(
                    path_of(at, "retryPolicy"),
                    f"`retryPolicy: {policy}` is dropped: ptflow retries a step that failed "
                    "(Argo's default, OnFailure; KFP v2 likewise)",
                )
            )
        limit = int(retry.get("limit", 0))
        backoff = retry.get("backoff")
        if not backoff:
            self.options["retries"] = str(limit)
            return
        entries = {
            "max": limit,
            "backoff": backoff.get("duration"),
            "factor": backoff.get("factor"),
            "max_backoff": backoff.get("maxDuration"),
        }
        self.options["retry"] = "{" + ", ".join(f"{k}: {literal(v)}" for k, v in entries.items() if v is not None) + "}"

    def _resources(self, resources: dict, at: str) -> None:
        limits = dict(resources.get("limits") or {})
        requests = dict(resources.get("requests") or {})
        selector = dict(self.template.get("nodeSelector") or {})
        patch = self._patch()
        patch_resources: dict = {}
        if patch.get("containers"):
            patch_resources = patch["containers"][0].get("resources") or {}
        limits.update({k: _Param(v) for k, v in (patch_resources.get("limits") or {}).items()})
        requests.update({k: _Param(v) for k, v in (patch_resources.get("requests") or {}).items()})
        selector.update({k: _Param(v) for k, v in (patch.get("nodeSelector") or {}).items()})
        if patch.get("nodeSelector"):
            self.warnings.append(
                MeaningChange(
                    path_of(self.where, "podSpecPatch"),
                    "a node selector taken from a pipeline parameter: kfp-kubernetes takes only constant "
                    "node selectors, so kfp-v2 refuses it (PTF501)",
                )
            )
        for option, source, key in (
            ("cpu", limits, "cpu"),
            ("memory", limits, "memory"),
            ("cpu_request", requests, "cpu"),
            ("memory_request", requests, "memory"),
        ):
            if key in source:
                self.options[option] = self._quantity(source.pop(key), at, "str")
        gpu_keys = [k for k in limits if k.endswith("/gpu") or k.endswith(".com/gpu")]
        if len(gpu_keys) > 1 or set(limits) - set(gpu_keys) or requests:
            extra = sorted(set(limits) - set(gpu_keys[:1])) or sorted(requests)
            raise ImportRefused(CANT_EXPRESS, path_of(at, "limits", extra[0]), "a resource ptflow has no option for")
        if gpu_keys:
            self.options["gpus"] = self._quantity(limits[gpu_keys[0]], at, "int")
            if gpu_keys[0] != "nvidia.com/gpu":
                self.options["accelerator"] = literal(gpu_keys[0])
        if _GKE_ACCELERATOR in selector and not isinstance(selector[_GKE_ACCELERATOR], _Param):
            self.options["accelerator"] = literal(selector.pop(_GKE_ACCELERATOR))
        if selector:
            self.options["node_selector"] = (
                "{" + ", ".join(f"{json.dumps(k)}: {self._quantity(v, at, 'str')}" for k, v in selector.items()) + "}"
            )
        tolerations = []
        for entry in self.template.get("tolerations") or []:
            fields = {("seconds" if k == "tolerationSeconds" else k): v for k, v in entry.items()}
            tolerations.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in fields.items()) + "}")
        if tolerations:
            self.options["tolerations"] = "[" + ", ".join(tolerations) + "]"

    def _patch(self) -> dict:
        text = self.template.get("podSpecPatch")
        if not text:
            return {}
        at = path_of(self.where, "podSpecPatch")
        try:
            patch = json.loads(text)
        except ValueError:
            raise ImportRefused(NOT_KFP, at, "a podSpecPatch that is not JSON") from None
        containers = patch.get("containers") or []
        if (
            set(patch) - {"containers", "nodeSelector"}
            or len(containers) > 1
            or any(set(c) - {"name", "resources"} for c in containers)
        ):
            raise ImportRefused(CANT_EXPRESS, at, "a podSpecPatch beyond what kfp 1.8 writes for resources")
        return patch

    def _quantity(self, value, at: str, type_text: str) -> str:
        if isinstance(value, _Param):
            return self.resolve(value.text, at).typed(type_text)
        if type_text == "int":
            return str(int(value))
        return literal(str(value))

    def _env(self, env: list, at: str) -> None:
        component_env = self.spec.container.env if self.spec.container else {}
        plain: dict[str, str] = {}
        secrets: dict[str, dict] = {}
        config_maps: dict[str, dict] = {}
        field_env: dict[str, str] = {}
        for index, entry in enumerate(env):
            name = entry.get("name")
            source = entry.get("valueFrom")
            if source is None:
                if name in component_env and component_env[name] == entry.get("value") and name not in plain:
                    continue  # the component's own env, written first
                plain[name] = self.resolve(entry.get("value", ""), path_of(at, index)).typed("str")
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                secrets.setdefault(ref["name"], {})[name] = ref["key"]
            elif "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                config_maps.setdefault(ref["name"], {})[name] = ref["key"]
            elif "fieldRef" in source:
                field_env[name] = source["fieldRef"]["fieldPath"]
            else:
                raise ImportRefused(
                    CANT_EXPRESS, path_of(at, index, "valueFrom"), "an env source ptflow has no option for"
                )
        if plain:
            self.options["env"] = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in plain.items()) + "}"
        if field_env:
            self.options["field_env"] = literal(field_env)
        self._secret_env = secrets
        self._config_map_env = config_maps

    def _volumes(self, mounts: list, at: str) -> None:
        volumes = {v.get("name"): v for v in self.template.get("volumes") or []}
        secrets = [f"{{name: {literal(n)}, env: {literal(e)}}}" for n, e in self._secret_env.items()]
        config_maps = [f"{{name: {literal(n)}, env: {literal(e)}}}" for n, e in self._config_map_env.items()]
        claims, empty_dirs, ephemeral = [], [], []
        for index, mount in enumerate(mounts):
            where = path_of(at, index)
            if set(mount) - {"name", "mountPath"}:
                raise ImportRefused(
                    CANT_EXPRESS,
                    path_of(where, min(set(mount) - {"name", "mountPath"})),
                    "a mount setting ptflow has no option for",
                )
            volume = volumes.pop(mount.get("name"), None)
            if volume is None:
                raise ImportRefused(
                    NOT_KFP, where, f"a mount of {mount.get('name')!r}, which no template volume defines"
                )
            path = literal(mount["mountPath"])
            if "secret" in volume:
                secrets.append(f"{{name: {literal(volume['secret']['secretName'])}, mount_path: {path}}}")
            elif "configMap" in volume:
                config_maps.append(f"{{name: {literal(volume['configMap']['name'])}, mount_path: {path}}}")
            elif "persistentVolumeClaim" in volume:
                claims.append(f"{{pvc: {literal(volume['persistentVolumeClaim']['claimName'])}, mount_path: {path}}}")
            elif "emptyDir" in volume:
                source = volume["emptyDir"] or {}
                entry = {"name": volume["name"], "mount_path": mount["mountPath"]}
                if "medium" in source:
                    entry["medium"] = source["medium"]
                if "sizeLimit" in source:
                    entry["size_limit"] = source["sizeLimit"]
                empty_dirs.append("{" + ", ".join(f"{k}: {literal(v)}" for k, v in entry.items()) + "}")
            elif "ephemeral" in volume:
                ephemeral.append(self._ephemeral_volume(volume, mount["mountPath"]))
            else:
                kind = next(iter(set(volume) - {"name"}), "?")
                raise ImportRefused(
                    CANT_EXPRESS, path_of(self.where, "volumes"), f"a `{kind}` volume ptflow has no option for"
                )
        if volumes:
            raise ImportRefused(
                CANT_EXPRESS, path_of(self.where, "volumes"), f"the volume {min(volumes)!r} is not mounted"
            )
        for option, entries in (
            ("secrets", secrets),
            ("config_maps", config_maps),
            ("volumes", claims),
            ("empty_dirs", empty_dirs),
            ("ephemeral_volumes", ephemeral),
        ):
            if entries:
                self.options[option] = "[" + ", ".join(entries) + "]"

    def _ephemeral_volume(self, volume: dict, mount_path: str) -> str:
        """A generic ephemeral volume's claim template as an `ephemeral_volumes` entry (the inverse of
        kfp_v1_container._ephemeral_source); fields the option has no key for are refused."""
        at = path_of(self.where, "volumes")
        template = (volume.get("ephemeral") or {}).get("volumeClaimTemplate") or {}
        spec, metadata = template.get("spec") or {}, template.get("metadata") or {}
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        extra = (
            (set(volume["ephemeral"]) - {"volumeClaimTemplate"})
            | (set(template) - {"spec", "metadata"})
            | (set(spec) - {"accessModes", "resources", "storageClassName"})
            | (set(metadata) - {"labels", "annotations"})
        )
        if extra or storage is None or not spec.get("accessModes"):
            raise ImportRefused(
                CANT_EXPRESS,
                at,
                f"the ephemeral volume {volume['name']!r} has settings `ephemeral_volumes` has no key for",
            )
        entry = {"name": volume["name"], "mount_path": mount_path, "access_modes": spec["accessModes"], "size": storage}
        if "storageClassName" in spec:
            entry["storage_class"] = spec["storageClassName"]
        for key in ("labels", "annotations"):
            if metadata.get(key):
                entry[key] = metadata[key]
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in entry.items()) + "}"


@record
class _Param:
    """A podSpecPatch value: Argo text with `{{inputs.parameters.x}}` in it."""

    text: str
