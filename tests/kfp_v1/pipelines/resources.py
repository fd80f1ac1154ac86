"""Constant resources: cpu/memory requests and limits, a GPU limit, node selector, toleration.

`set_gpu_limit(1)` writes the int 1 under `nvidia.com/gpu` (which hera's
`Quantity: str` rejects, a false positive the validator handles).
"""

from kfp import components, dsl
from kubernetes import client as k8s

train = components.load_component_from_text("""
name: train
inputs:
- {name: epochs, type: Integer}
implementation:
  container:
    image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
    command: [python, -c, 'print("training")', {inputValue: epochs}]
""")


@dsl.pipeline(name="resources")
def pipeline(epochs: int = 2):
    task = train(epochs=epochs)
    task.set_cpu_request("2").set_cpu_limit("4")
    task.set_memory_request("8Gi").set_memory_limit("16Gi")
    task.set_gpu_limit(1)
    task.add_node_selector_constraint("cloud.google.com/gke-accelerator", "nvidia-tesla-t4")
    task.add_toleration(k8s.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule"))
