"""The Kubeflow PyTorchJob (kubeflow.org/v1) that `distributed.pytorchjob` creates in a cluster.

One Master and `workers` Worker replicas run the same command in the same
image.  The training operator gives every pod MASTER_ADDR, MASTER_PORT,
WORLD_SIZE (pods) and RANK (the pod's rank); with more than one process per
pod the command is started under torchrun, which turns those into the usual
per-process RANK/LOCAL_RANK/WORLD_SIZE.  The job's run policy carries the
deadline, back-off limit, clean-up policy and TTL; the step itself waits for
Succeeded or Failed and deletes the job afterwards if asked to.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from ptflow.runtime.contract import UsageError
from ptflow.stdlib.serving.kubernetes_api import PYTORCH_JOB, condition

CLEAN_POD_POLICIES = ("Running", "All", "None")
JOB_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# The container name the training operator looks for.
CONTAINER = "pytorch"
# Istio sidecars never exit, so a pod with one never completes.
DEFAULT_ANNOTATIONS = {"sidecar.istio.io/inject": "false"}
OUTPUT_PLACEHOLDER = "{output}"
DATA_PLACEHOLDER = "{data}"


@dataclass(frozen=True)
class PyTorchJobSpec:
    name: str
    namespace: str
    image: str
    command: list[str]
    workers: int = 1
    nproc_per_node: int = 1
    gpus: int = 0
    cpu: str | None = None
    memory: str | None = None
    env: dict = field(default_factory=dict)
    pvc: str | None = None
    mount_path: str = "/mnt/shared"
    active_deadline_s: int | None = None
    backoff_limit: int | None = None
    clean_pod_policy: str = "Running"
    ttl_after_finished_s: int | None = None
    annotations: dict = field(default_factory=dict)

    @property
    def world_size(self) -> int:
        return (1 + self.workers) * self.nproc_per_node


def check_topology(command: list, workers: int, nproc_per_node: int, gpus: int) -> None:
    """What both modes need: a command, and a sensible number of replicas and processes."""
    if not command or not all(isinstance(part, str) and part for part in command):
        raise UsageError(
            "--command: the program to run, as a list of non-empty strings "
            '(e.g. ["python", "train.py", "--out", "{output}"])'
        )
    if workers < 0:
        raise UsageError(f"--workers {workers}: can't be negative (0 runs the master alone)")
    if nproc_per_node < 1:
        raise UsageError(f"--nproc_per_node {nproc_per_node}: at least 1")
    if gpus < 0:
        raise UsageError(f"--gpus {gpus}: can't be negative")


def check(spec: PyTorchJobSpec) -> None:
    check_topology(spec.command, spec.workers, spec.nproc_per_node, spec.gpus)
    if not JOB_NAME.match(spec.name):
        raise UsageError(
            f"--name {spec.name!r}: a job name is 1-63 lowercase letters, digits and `-`, starting and "
            "ending with a letter or digit"
        )
    if spec.clean_pod_policy not in CLEAN_POD_POLICIES:
        raise UsageError(f"--clean_pod_policy {spec.clean_pod_policy!r}: use one of {', '.join(CLEAN_POD_POLICIES)}")
    for flag, value in (
        ("active_deadline", spec.active_deadline_s),
        ("backoff_limit", spec.backoff_limit),
        ("ttl_after_finished", spec.ttl_after_finished_s),
    ):
        if value is not None and value < 0:
            raise UsageError(f"--{flag} {value}: can't be negative")
    if not spec.image:
        raise UsageError("--image is empty: the image every replica runs")


def container_command(spec: PyTorchJobSpec) -> list[str]:
    """The command of every pod: the user's, under torchrun when a pod runs several processes."""
    if spec.nproc_per_node == 1:
        return list(spec.command)
    # The operator's WORLD_SIZE and RANK count pods; torchrun makes them per process.
    launcher = (
        'exec python -m torch.distributed.run --nnodes "$WORLD_SIZE" --node_rank "$RANK" '
        '--master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT" '
        f'--nproc_per_node {spec.nproc_per_node} --no-python "$@"'
    )
    return ["sh", "-c", launcher, "ptflow-torchrun", *spec.command]


def build(spec: PyTorchJobSpec) -> dict:
    """The PyTorchJob object (checked first)."""
    check(spec)
    container: dict = {"name": CONTAINER, "image": spec.image, "command": container_command(spec)}
    if spec.env:
        container["env"] = [{"name": str(key), "value": str(value)} for key, value in spec.env.items()]
    requests = {key: value for key, value in (("cpu", spec.cpu), ("memory", spec.memory)) if value}
    limits = dict(requests)
    if spec.gpus:
        limits["nvidia.com/gpu"] = str(spec.gpus)
    if requests or limits:
        container["resources"] = {key: value for key, value in (("requests", requests), ("limits", limits)) if value}
    pod_spec: dict = {"containers": [container]}
    if spec.pvc:
        container["volumeMounts"] = [{"name": "shared", "mountPath": spec.mount_path}]
        pod_spec["volumes"] = [{"name": "shared", "persistentVolumeClaim": {"claimName": spec.pvc}}]
    template = {
        "metadata": {"annotations": {**DEFAULT_ANNOTATIONS, **{str(k): str(v) for k, v in spec.annotations.items()}}},
        "spec": pod_spec,
    }

    def replica(count: int) -> dict:
        return {"replicas": count, "restartPolicy": "OnFailure", "template": template}

    replicas = {"Master": replica(1)}
    if spec.workers:
        replicas["Worker"] = replica(spec.workers)
    run_policy: dict = {"cleanPodPolicy": spec.clean_pod_policy}
    if spec.active_deadline_s is not None:
        run_policy["activeDeadlineSeconds"] = spec.active_deadline_s
    if spec.backoff_limit is not None:
        run_policy["backoffLimit"] = spec.backoff_limit
    if spec.ttl_after_finished_s is not None:
        run_policy["ttlSecondsAfterFinished"] = spec.ttl_after_finished_s
    return {
        "apiVersion": PYTORCH_JOB.api_version,
        "kind": PYTORCH_JOB.kind,
        "metadata": {
            "name": spec.name,
            "namespace": spec.namespace,
            "labels": {"app.kubernetes.io/managed-by": "ptflow"},
        },
        "spec": {"runPolicy": run_policy, "pytorchReplicaSpecs": replicas},
    }


def outcome(obj: dict) -> str | None:
    """ "Succeeded" or "Failed" once the operator says so; None while the job runs."""
    for kind in ("Succeeded", "Failed"):
        found = condition(obj, kind)
        if found and found.get("status") == "True":
            return kind
    return None


def failure_reason(obj: dict) -> str:
    found = condition(obj, "Failed") or {}
    return ": ".join(part for part in (found.get("reason"), found.get("message")) if part) or "no reason given"


def describe_progress(obj: dict) -> str:
    """Replica counts and the latest condition, for a timeout message."""
    status = obj.get("status") or {}
    replicas = status.get("replicaStatuses") or {}
    parts = [
        f"{kind}: " + ", ".join(f"{count} {state}" for state, count in counts.items() if isinstance(count, int))
        for kind, counts in replicas.items()
        if isinstance(counts, dict)
    ]
    conditions = status.get("conditions") or []
    if conditions:
        latest = conditions[-1]
        parts.append(
            f"latest condition {latest.get('type')}={latest.get('status')}"
            + (f" ({latest.get('reason')})" if latest.get("reason") else "")
        )
    return "; ".join(parts) or "no status reported yet"


def substitute_output(command: list[str], output: str) -> list[str]:
    """`{output}` in each argument replaced (only that text, so JSON arguments keep their braces)."""
    return [part.replace(OUTPUT_PLACEHOLDER, output) for part in command]


def uses_output(command: list[str]) -> bool:
    return any(OUTPUT_PLACEHOLDER in part for part in command)


def substitute_data(command: list[str], data: str) -> list[str]:
    """`{data}` in each argument replaced by where the ranks read the pipeline's dataset."""
    return [part.replace(DATA_PLACEHOLDER, data) for part in command]


def uses_data(command: list[str]) -> bool:
    return any(DATA_PLACEHOLDER in part for part in command)


def shell_text(command: list[str]) -> str:
    return shlex.join(command)
