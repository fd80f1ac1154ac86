"""The Compute Engine machine Vertex AI deploys a model on, picked from Kubernetes-style resources.

`serve.deploy` asks for `cpu`, `memory`, `gpus` and a GKE accelerator label, as
KServe takes them; Vertex AI's ModelDeployOp takes a machine type.
`machine_for` picks the smallest machine that fits.  Both sides use it: the
vertex target (compiler/targets/vertex.py) picks the machine at compile time
when the resources are constants, and the `serve.vertex_model` step
(stdlib/serving/vertex.py) picks it at run time when they come from
parameters.  It is pure data and arithmetic, so it lives in the compiler, the
lower layer, which the container-side code may import but not the other way
round; it raises `MachineError`, which each side turns into its own error.
"""

from __future__ import annotations

from ptflow.compiler.names import GKE_ACCELERATOR_LABEL
from ptflow.compiler.quantities import cpu_error, cpu_in_cores, memory_error, memory_in_gb
from ptflow.compiler.records import record


class MachineError(ValueError):
    """Vertex AI has no machine for these resources; the message says which flag and why."""


# n1-standard-N: N vCPUs, 3.75 GB per vCPU; takes T4, V100, P100 and P4 GPUs.
_N1_SIZES = (2, 4, 8, 16, 32, 64, 96)
_N1_GPUS = {"NVIDIA_TESLA_T4", "NVIDIA_TESLA_V100", "NVIDIA_TESLA_P100", "NVIDIA_TESLA_P4"}
# GPUs that come built into their machine family: {type: {GPU count: machine type}}.
_GPU_MACHINES = {
    "NVIDIA_TESLA_A100": {1: "a2-highgpu-1g", 2: "a2-highgpu-2g", 4: "a2-highgpu-4g", 8: "a2-highgpu-8g"},
    "NVIDIA_A100_80GB": {1: "a2-ultragpu-1g", 2: "a2-ultragpu-2g", 4: "a2-ultragpu-4g", 8: "a2-ultragpu-8g"},
    "NVIDIA_L4": {1: "g2-standard-8", 2: "g2-standard-24", 4: "g2-standard-48", 8: "g2-standard-96"},
    "NVIDIA_H100_80GB": {1: "a3-highgpu-1g", 2: "a3-highgpu-2g", 4: "a3-highgpu-4g", 8: "a3-highgpu-8g"},
}


@record(frozen=True)
class Machine:
    """What ModelDeployOp's `dedicated_resources_*` inputs take."""

    machine_type: str
    accelerator_type: str  # "" without GPUs
    accelerator_count: int


def accelerator_type(gpus: int, node_selector: dict) -> str:
    """Vertex AI's name for the GPU that `node_selector` asks GKE for (`nvidia-tesla-t4` → `NVIDIA_TESLA_T4`)."""
    if gpus == 0:
        return ""
    label = node_selector.get(GKE_ACCELERATOR_LABEL)
    if not label:
        raise MachineError(
            f"--gpus {gpus}: Vertex AI needs the GPU type; give it as serve.deploy's node_selector "
            f'{{"{GKE_ACCELERATOR_LABEL}": "nvidia-tesla-t4"}} (the same label KServe on GKE uses)'
        )
    name = str(label).strip().upper().replace("-", "_")
    if name not in _N1_GPUS and name not in _GPU_MACHINES:
        known = ", ".join(sorted(t.lower().replace("_", "-") for t in (*_N1_GPUS, *_GPU_MACHINES)))
        raise MachineError(
            f"{GKE_ACCELERATOR_LABEL}: {label!r} is not a GPU that ptflow can deploy on Vertex AI (known: {known})"
        )
    return name


def machine_for(cpu: str, memory: str, gpus: int, node_selector: dict) -> Machine:
    """The smallest machine with at least `cpu` cores, `memory` and `gpus` GPUs of the selected type."""
    for flag, _value, error in (("cpu", cpu, cpu_error(cpu)), ("memory", memory, memory_error(memory))):
        if error:
            raise MachineError(f"--{flag}: {error}")
    if gpus < 0:
        raise MachineError(f"--gpus {gpus}: can't be negative")
    cores, gigabytes = cpu_in_cores(cpu), memory_in_gb(memory)
    gpu = accelerator_type(gpus, node_selector)
    if gpu in _GPU_MACHINES:
        by_count = _GPU_MACHINES[gpu]
        if gpus not in by_count:
            raise MachineError(
                f"--gpus {gpus}: Vertex AI machines with {gpu} have {', '.join(map(str, by_count))} GPUs"
            )
        return Machine(by_count[gpus], gpu, gpus)
    for size in _N1_SIZES:
        if size >= cores and size * 3.75 >= gigabytes:
            return Machine(f"n1-standard-{size}", gpu, gpus)
    raise MachineError(
        f"--cpu {cpu} --memory {memory}: more than the largest n1-standard machine "
        f"({_N1_SIZES[-1]} vCPUs, {_N1_SIZES[-1] * 3.75:g} GB)"
    )
