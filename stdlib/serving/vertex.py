"""Vertex AI serving: the model to upload and the machine to deploy it on (`serve.vertex_model`).

On `--target vertex`, `serve.deploy` becomes google-cloud-pipeline-components'
ModelUploadOp, EndpointCreateOp and ModelDeployOp, preceded by
`serve.vertex_model`, which this module implements.  Vertex AI's prebuilt
PyTorch prediction containers run TorchServe on a model folder that holds one
archive named `model.mar`; the upload takes that folder as a
`google.UnmanagedContainerModel` artifact whose metadata names the serving
image.  The deployment takes a Compute Engine machine type, not Kubernetes
quantities: `machine_for` picks the smallest one that fits what
`serve.deploy` asked for, so one `.ptflow` file deploys on KServe and on
Vertex AI alike.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ptflow.compiler.targets.vertex_machines import Machine, MachineError
from ptflow.compiler.targets.vertex_machines import machine_for as _machine_for
from ptflow.runtime.contract import UsageError

# Vertex AI's prebuilt PyTorch prediction containers (TorchServe inside), for CPU and GPU machines.
PREBUILT_CPU_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/pytorch-cpu.2-4:latest"
PREBUILT_GPU_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/pytorch-gpu.2-4:latest"
# The file name the prebuilt containers load.
MODEL_FILE = "model.mar"


def machine_for(cpu: str, memory: str, gpus: int, node_selector: dict) -> Machine:
    """The smallest machine with at least `cpu` cores, `memory` and `gpus` GPUs of the selected type.

    The table is in compiler/targets/vertex_machines.py, shared with the vertex
    target's compile-time check; here a misfit is the step's usage error.
    """
    try:
        return _machine_for(cpu, memory, gpus, node_selector)
    except MachineError as error:
        raise UsageError(str(error)) from None


def model_folder(archive: Path, destination: Path) -> str:
    """Copy the archive's one `.mar` into `destination` as `model.mar`; returns the archive's model name."""
    from ptflow.stdlib.serving.archive import read_mar_manifest

    archives = [archive] if archive.is_file() else sorted((archive / "model-store").glob("*.mar"))
    if len(archives) != 1:
        raise UsageError(
            f"--archive: {archive} holds {len(archives)} .mar archives under model-store/; "
            "give serve.archive's `archive` output (exactly one)"
        )
    name = str(read_mar_manifest(archives[0])["model"]["modelName"])
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(archives[0], destination / MODEL_FILE)
    return name


def container_spec(image: str) -> dict:
    """The `containerSpec` metadata ModelUploadOp reads from an UnmanagedContainerModel.

    The prebuilt containers set their own routes and port; a custom image is
    expected to honour AIP_HTTP_PORT, AIP_PREDICT_ROUTE and AIP_HEALTH_ROUTE.
    """
    return {"imageUri": image}
