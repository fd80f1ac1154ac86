"""The KServe InferenceService (serving.kserve.io/v1beta1) that `serve.deploy` applies.

A TorchServe predictor (`modelFormat: pytorch`) whose `storageUri` holds
`serve.archive`'s layout (`config/config.properties`, `model-store/*.mar`),
with its protocol, resources, GPUs, replicas, canary traffic and service
account (the one whose secret holds the object store's credentials).  Every
value is checked here, before anything is sent to the cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ptflow.runtime.contract import UsageError
from ptflow.stdlib.serving.kubernetes_api import INFERENCE_SERVICE, condition, unmet_conditions

# What KServe's storage initializer can fetch.
STORAGE_SCHEMES = ("s3", "gs", "pvc", "http", "https", "hdfs", "webhdfs", "oci", "hf")
PROTOCOLS = {"v1": "v1", "v2": "v2"}
# An InferenceService name becomes part of DNS names (<name>-predictor.<namespace>...).
ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


@dataclass(frozen=True)
class InferenceServiceSpec:
    name: str
    namespace: str
    storage_uri: str
    protocol: str = "v1"
    service_account: str | None = None
    cpu: str = "1"
    memory: str = "2Gi"
    gpus: int = 0
    canary_traffic_percent: int | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None
    runtime_version: str | None = None
    node_selector: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)


def check(spec: InferenceServiceSpec) -> None:
    """UsageError naming the first input the cluster would refuse."""
    if not ISVC_NAME.match(spec.name):
        raise UsageError(
            f"--name {spec.name!r}: an InferenceService name is 1-45 lowercase letters, digits and `-`, "
            "starting with a letter and not ending with `-` (it becomes a DNS name)"
        )
    scheme = urlparse(spec.storage_uri).scheme
    if scheme not in STORAGE_SCHEMES:
        where = "a local path" if not scheme or scheme == "file" else f"`{scheme}://`"
        raise UsageError(
            f"storage URI {spec.storage_uri!r} is {where}, which the cluster can't fetch; upload the "
            f"archive first (storage.upload gives an s3:// URI) or use one of "
            f"{', '.join(s + '://' for s in STORAGE_SCHEMES)}"
        )
    if spec.protocol not in PROTOCOLS:
        raise UsageError(f"--protocol {spec.protocol!r}: use v1 or v2")
    for flag, value in (("cpu", spec.cpu), ("memory", spec.memory)):
        if not QUANTITY.match(value):
            raise UsageError(f"--{flag} {value!r} is not a Kubernetes quantity (like 500m, 2, 4Gi)")
    if spec.gpus < 0:
        raise UsageError(f"--gpus {spec.gpus}: can't be negative")
    if spec.canary_traffic_percent is not None and not 0 <= spec.canary_traffic_percent <= 100:
        raise UsageError(f"--canary_traffic_percent {spec.canary_traffic_percent}: a percentage, 0 to 100")
    if spec.min_replicas is not None and spec.min_replicas < 0:
        raise UsageError(f"--min_replicas {spec.min_replicas}: can't be negative")
    if spec.max_replicas is not None and spec.max_replicas < max(1, spec.min_replicas or 0):
        raise UsageError(f"--max_replicas {spec.max_replicas}: must be at least 1 and at least min_replicas")


def build(spec: InferenceServiceSpec) -> dict:
    """The InferenceService object (checked first)."""
    check(spec)
    resources = {"cpu": spec.cpu, "memory": spec.memory}
    limits = dict(resources)
    if spec.gpus:
        limits["nvidia.com/gpu"] = str(spec.gpus)
    model: dict = {
        "modelFormat": {"name": "pytorch"},
        "protocolVersion": PROTOCOLS[spec.protocol],
        "storageUri": spec.storage_uri,
        "resources": {"requests": resources, "limits": limits},
    }
    if spec.runtime_version:
        model["runtimeVersion"] = spec.runtime_version
    predictor: dict = {"model": model}
    if spec.service_account:
        predictor["serviceAccountName"] = spec.service_account
    if spec.canary_traffic_percent is not None:
        predictor["canaryTrafficPercent"] = spec.canary_traffic_percent
    if spec.min_replicas is not None:
        predictor["minReplicas"] = spec.min_replicas
    if spec.max_replicas is not None:
        predictor["maxReplicas"] = spec.max_replicas
    if spec.node_selector:
        predictor["nodeSelector"] = {str(k): str(v) for k, v in spec.node_selector.items()}
    metadata: dict = {
        "name": spec.name,
        "namespace": spec.namespace,
        "labels": {"app.kubernetes.io/managed-by": "ptflow"},
    }
    if spec.annotations:
        metadata["annotations"] = {str(k): str(v) for k, v in spec.annotations.items()}
    return {
        "apiVersion": INFERENCE_SERVICE.api_version,
        "kind": INFERENCE_SERVICE.kind,
        "metadata": metadata,
        "spec": {"predictor": predictor},
    }


def storage_uri_for(artifact_uri: str) -> str:
    """The URI KServe fetches for a pipeline artifact's URI: KFP's `minio://` is S3 to KServe."""
    if artifact_uri.startswith("minio://"):
        return "s3://" + artifact_uri[len("minio://") :]
    return artifact_uri


def readiness(obj: dict) -> str | None:
    """ "Ready" once KServe says so; None while it is still rolling out."""
    ready = condition(obj, "Ready")
    if ready and ready.get("status") == "True":
        return "Ready"
    return None


def endpoint_of(obj: dict) -> str:
    """The service's URL: the external one, else the cluster-local address."""
    status = obj.get("status") or {}
    return str(status.get("url") or (status.get("address") or {}).get("url") or "")


def not_ready_reason(obj: dict) -> str:
    return unmet_conditions(obj)
