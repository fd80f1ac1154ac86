"""`distributed.pytorchjob`: a Kubeflow PyTorchJob in the cluster, or the same command under torchrun here.

`mode` picks where the training runs:
- "cluster": create the PyTorchJob (kubernetes client: the pod's service
  account, or the kubeconfig), wait for Succeeded or Failed, delete it if asked;
- "local": run the command as (1 + workers) x nproc_per_node processes under
  `torchrun` on this machine (gloo on CPU), writing into the `output` artifact;
- "auto" (default): "cluster" inside a Kubernetes pod (a KFP step), "local"
  elsewhere (`ptflow run` on a workstation), so one pipeline runs in both.

`{output}` in the command stands for the directory rank 0 saves into: the
step's `output` artifact here, `output_dir` in the cluster (a path on the
shared volume, or a bucket URI the program can write to).  `{data}` stands
for the pipeline's dataset (the `data` input), which every rank reads: its
path here; in the cluster `data_dir`, where the step first copies it (on the
shared volume, which the step then mounts too), as the original sample's
"copy to PVC" step did.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

from ptflow.runtime.contract import Artifact, Outputs, StepError, UsageError, step

MODES = ("auto", "cluster", "local")


@step("distributed.pytorchjob", outputs={"output": Artifact, "job": Artifact, "state": str})
def pytorchjob(
    out: Outputs,
    command: list[str],
    mode: str = "auto",
    workers: int = 1,
    nproc_per_node: int = 1,
    image: str | None = None,
    gpus: int = 0,
    cpu: str | None = None,
    memory: str | None = None,
    env: dict = {},  # noqa: B006
    name: str | None = None,
    namespace: str | None = None,
    output_dir: str | None = None,
    pvc: str | None = None,
    mount_path: str = "/mnt/shared",
    active_deadline: int | None = None,
    backoff_limit: int | None = None,
    clean_pod_policy: str = "Running",
    ttl_after_finished: int | None = None,
    delete_after_done: bool = True,
    timeout: int = 3600,
    data: Artifact | None = None,
    data_dir: str | None = None,
) -> dict:
    """Run a distributed PyTorch training command: a Kubeflow PyTorchJob in the cluster, torchrun here.

    One master and `workers` workers, `nproc_per_node` processes each; the
    command finds its rank in the usual environment variables (RANK,
    WORLD_SIZE, MASTER_ADDR, ...).  Fails when the job fails or outlives
    `timeout` seconds.
    """
    from ptflow.stdlib.distributed_training import pytorchjob as job

    if mode not in MODES:
        raise UsageError(f"--mode {mode!r}: use auto, cluster or local")
    job.check_topology(command, workers, nproc_per_node, gpus)
    if job.uses_data(command) != (data is not None):
        raise UsageError(
            "--command uses {data} but no --data is given"
            if data is None
            else "--data is given but --command never reads it: put {data} where the program takes its dataset"
        )
    if timeout < 1:
        raise UsageError(f"--timeout {timeout}: seconds, at least 1")
    if mode == "auto":
        from ptflow.stdlib.serving.kubernetes_api import in_cluster

        mode = "cluster" if in_cluster() else "local"
    if mode == "local":
        if data is not None:
            command = job.substitute_data(command, str(data.path.resolve()))
        return _run_here(out, command, workers, nproc_per_node, env, timeout)
    if data is not None:
        command = job.substitute_data(command, _copy_for_the_replicas(data.path, data_dir))
    return _run_in_cluster(
        out,
        job,
        command,
        workers,
        nproc_per_node,
        image,
        gpus,
        cpu,
        memory,
        env,
        name,
        namespace,
        output_dir,
        pvc,
        mount_path,
        active_deadline,
        backoff_limit,
        clean_pod_policy,
        ttl_after_finished,
        delete_after_done,
        timeout,
    )


def _run_here(out: Outputs, command: list[str], workers: int, nproc_per_node: int, env: dict, timeout: int) -> dict:
    from ptflow.stdlib.distributed_training.local_run import run_locally
    from ptflow.stdlib.distributed_training.pytorchjob import substitute_output

    output = out["output"].path.resolve()  # the ranks may not share the step's working directory
    output.mkdir(parents=True, exist_ok=True)
    processes = (1 + workers) * nproc_per_node
    result = run_locally(substitute_output(command, str(output)), processes, env, timeout)
    record = {
        "mode": "local",
        "processes": processes,
        "command": result.command,
        "returncode": result.returncode,
        "elapsed_s": round(result.elapsed_s, 2),
        "log_tail": result.log_tail,
    }
    out["job"].path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    out["job"].metadata.update(mode="local", processes=processes, state="Succeeded")
    out["output"].metadata.update(world_size=processes)
    return {"state": "Succeeded"}


def _copy_for_the_replicas(data: Path, data_dir: str | None) -> str:
    """Copy the dataset where every replica can read it (the shared volume, mounted in this step too)."""
    if not data_dir:
        raise UsageError(
            "the cluster run reads {data} from --data_dir: a directory on the shared volume (--pvc) "
            "that this step mounts as well (`with { volumes: [...] }`), where it copies the dataset"
        )
    target = Path(data_dir)
    if not target.parent.is_dir():
        raise StepError(
            f"--data_dir {data_dir}: {target.parent} does not exist in this step; mount the volume the "
            "replicas share here too (`with { volumes: [{pvc: ..., mount_path: ...}] }`)"
        )
    if target.exists():
        shutil.rmtree(target)
    if data.is_dir():
        shutil.copytree(data, target)
    else:
        target.mkdir()
        shutil.copy2(data, target)
    return str(target)


def _run_in_cluster(
    out: Outputs,
    job,
    command: list[str],
    workers: int,
    nproc_per_node: int,
    image: str | None,
    gpus: int,
    cpu: str | None,
    memory: str | None,
    env: dict,
    name: str | None,
    namespace: str | None,
    output_dir: str | None,
    pvc: str | None,
    mount_path: str,
    active_deadline: int | None,
    backoff_limit: int | None,
    clean_pod_policy: str,
    ttl_after_finished: int | None,
    delete_after_done: bool,
    timeout: int,
) -> dict:
    import yaml

    from ptflow.compiler.image import runtime_image
    from ptflow.stdlib.serving.kubernetes_api import PYTORCH_JOB, Cluster

    if job.uses_output(command) and not output_dir:
        raise UsageError(
            "the command writes to {output}, so the cluster run needs --output_dir: a directory every "
            "replica can reach (on the --pvc volume, or a bucket URI)"
        )
    spec = job.PyTorchJobSpec(
        name=name or f"ptflow-{secrets.token_hex(4)}",
        namespace=namespace or "",
        image=image or runtime_image(),
        command=job.substitute_output(command, output_dir or ""),
        workers=workers,
        nproc_per_node=nproc_per_node,
        gpus=gpus,
        cpu=cpu,
        memory=memory,
        env=dict(env),
        pvc=pvc,
        mount_path=mount_path,
        active_deadline_s=active_deadline,
        backoff_limit=backoff_limit,
        clean_pod_policy=clean_pod_policy,
        ttl_after_finished_s=ttl_after_finished,
    )
    job.check(spec)  # before connecting: a bad input fails without a cluster
    cluster = Cluster.connect()
    spec = job.PyTorchJobSpec(**{**spec.__dict__, "namespace": namespace or cluster.default_namespace})
    body = job.build(spec)
    record = out["job"].path
    record.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")

    cluster.apply(PYTORCH_JOB, body)
    try:
        state, final = cluster.wait_for(
            PYTORCH_JOB, spec.namespace, spec.name, job.outcome, timeout, describe=job.describe_progress
        )
    except StepError:
        if delete_after_done:  # a job past the step's patience would hold its nodes on
            cluster.delete(PYTORCH_JOB, spec.namespace, spec.name)
        raise
    record.write_text(
        yaml.safe_dump(body, sort_keys=False)
        + "---\n# status when done\n"
        + yaml.safe_dump({"status": final.get("status", {})}, sort_keys=False),
        encoding="utf-8",
    )
    if delete_after_done:
        cluster.delete(PYTORCH_JOB, spec.namespace, spec.name)
    out["job"].metadata.update(mode="cluster", name=spec.name, namespace=spec.namespace, state=state)
    output = out["output"].path
    output.mkdir(parents=True, exist_ok=True)
    # The replicas wrote to output_dir; this artifact records where.
    (output / "location.json").write_text(json.dumps({"output_dir": output_dir, "pvc": pvc}) + "\n", encoding="utf-8")
    out["output"].metadata.update(output_dir=output_dir or "", world_size=spec.world_size)
    if state == "Failed":
        raise StepError(f"PyTorchJob {spec.namespace}/{spec.name} failed: {job.failure_reason(final)}")
    return {"state": state}
