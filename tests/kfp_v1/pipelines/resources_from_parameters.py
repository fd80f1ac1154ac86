"""Resources and node selectors taken from pipeline parameters: `podSpecPatch`.

Values that are `{{inputs.parameters.*}}` move out of the container's
`resources` and the template's `nodeSelector` into a JSON `podSpecPatch`,
leaving `resources: {}` and `nodeSelector: {}` behind.  The GPU limit uses
`add_resource_limit('nvidia.com/gpu', param)`: `set_gpu_limit(param)` is buggy
in kfp 1.8 (it writes the resource name `nvidia` and no podSpecPatch).
"""

from kfp import components, dsl

train = components.load_component_from_text("""
name: train
inputs:
- {name: epochs, type: Integer}
implementation:
  container:
    image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
    command: [python, -c, 'print("training")', {inputValue: epochs}]
""")


@dsl.pipeline(name="resources-from-parameters")
def pipeline(epochs: int = 2, cpu: str = "4", memory: str = "16Gi", gpus: int = 1, pool: str = "gpu-pool"):
    task = train(epochs=epochs)
    task.set_cpu_limit(cpu).set_memory_limit(memory)
    task.container.add_resource_limit("nvidia.com/gpu", gpus)
    task.add_node_selector_constraint("pool", pool)
