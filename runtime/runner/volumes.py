"""Persistent volume claims in a local run: each claim is a folder of the store, `<store>/volumes/<name>`.

On Kubeflow, kfp-kubernetes' CreatePVC and DeletePVC (stdlib/k8s.ptflow's `create_pvc` and `delete_pvc`) are
carried out by KFP's driver, which recognises their `argostub/` images; no container runs.  Here the runner does
the same to a folder: `create_pvc` makes it and outputs the claim's name, `delete_pvc` removes it, and a claim the
pipeline does not create (a PVC that exists on the cluster, named by a constant or a parameter) is a folder that
stays between runs.  A step's `pvcMount` binds the folder (or its `subPath`) at the mount path when steps run in
containers (`--containers`); a step run on this machine can't have a folder at `/data`, and the run says so once.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptflow.runtime.runner import store as states
from ptflow.runtime.runner.failures import StepFailure
from ptflow.runtime.runner.launcher import ResolvedTask, StepResult

if TYPE_CHECKING:
    from ptflow.runtime.runner.engine import Run

CREATE_IMAGE = "argostub/createpvc"
DELETE_IMAGE = "argostub/deletepvc"
# A Kubernetes object name (RFC 1123 subdomain): what a claim may be called, and so a safe folder name.
_CLAIM_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


def is_claim_step(executor: dict) -> bool:
    """Whether an executor is kfp-kubernetes' CreatePVC or DeletePVC."""
    return (executor.get("container") or {}).get("image") in (CREATE_IMAGE, DELETE_IMAGE)


def claims_dir(store_root: Path) -> Path:
    return store_root / "volumes"


class ClaimError(Exception):
    """A claim name that can't be a folder here, or a sub path that leaves the claim."""


def claim_folder(store_root: Path, name: Any, sub_path: str = "") -> Path:
    """The folder of claim `name` (and of `sub_path` inside it), checked to stay inside the store."""
    if not isinstance(name, str) or not _CLAIM_NAME.fullmatch(name):
        raise ClaimError(f"`{name}` is not a Kubernetes name for a volume claim (lower-case letters, digits, - and .)")
    folder = claims_dir(store_root) / name
    if sub_path:
        inside = (folder / sub_path).resolve()
        if not inside.is_relative_to(folder.resolve()):
            raise ClaimError(f"the sub path `{sub_path}` leaves claim `{name}`")
        return inside
    return folder


def run_claim_step(run: Run, step: ResolvedTask) -> StepResult:
    """Create or delete a claim's folder, as KFP's driver creates or deletes the PVC."""
    image = step.executor["container"]["image"]
    try:
        if image == CREATE_IMAGE:
            name = _create(run, step)
            outputs = {"name": name}
        else:
            _delete(run, step)
            outputs = {}
    except ClaimError as error:
        return _failed(run, step, f"step `{step.path}`: {error}")
    run.store.record_execution(
        run.run_id,
        step.path,
        step.component_key,
        "container",
        states.SUCCEEDED,
        inputs=step.parameters,
        parameters=outputs,
    )
    run.progress.step_finished(step.path)
    return StepResult(states.SUCCEEDED, outputs)


def _create(run: Run, step: ResolvedTask) -> str:
    name, suffix = step.parameters.get("pvc_name"), step.parameters.get("pvc_name_suffix")
    if bool(name) == bool(suffix):
        raise ClaimError("give the claim either `pvc_name` or `pvc_name_suffix` (exactly one)")
    if not name:
        # KFP names it after the run's workflow; the run id plays that part here.
        name = f"{run.run_id.lower()}{suffix}"
    folder = claim_folder(run.store.root, name)
    if folder.exists():
        raise ClaimError(
            f"a volume claim named `{name}` already exists ({folder}); creating it fails on Kubernetes too: "
            "delete it with k8s.delete_pvc, or give the claim a `pvc_name_suffix`"
        )
    folder.mkdir(parents=True)
    return name


def _delete(run: Run, step: ResolvedTask) -> None:
    name = step.parameters.get("pvc_name")
    folder = claim_folder(run.store.root, name)
    if not folder.is_dir():
        raise ClaimError(f"there is no volume claim named `{name}` to delete")
    shutil.rmtree(folder)


def _failed(run: Run, step: ResolvedTask, message: str) -> StepResult:
    run.store.record_execution(
        run.run_id, step.path, step.component_key, "container", states.FAILED, inputs=step.parameters, error=message
    )
    run.progress.step_failed(step.path, message)
    return StepResult(states.FAILED, failure=StepFailure(step.path, step.dag_key, step.task_name, message))


def mount_folder(store_root: Path, name: Any, sub_path: str = "") -> Path:
    """The folder a `pvcMount` binds: the claim's (made on first use for a claim the pipeline does not create:
    a PVC that already exists on a cluster is, here, a folder kept between runs), or its sub path."""
    folder = claim_folder(store_root, name, sub_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
