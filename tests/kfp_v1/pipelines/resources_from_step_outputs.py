"""Resources taken from another step's outputs: `podSpecPatch` reading a template input.

kfp 1.8 gives the consuming template an input parameter per output it reads,
wires it from the producer in the DAG task (with a dependency on it), and
patches the pod's resources from `{{inputs.parameters.*}}`, as it does for
pipeline parameters (resources_from_parameters.py).
"""

from kfp import components, dsl

sizes = components.load_component_from_text("""
name: sizes
outputs:
- {name: cpu, type: String}
- {name: memory, type: String}
- {name: gpus, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo 2 > $0 && echo 8Gi > $1 && echo 1 > $2', {outputPath: cpu}, {outputPath: memory},
              {outputPath: gpus}]
""")

train = components.load_component_from_text("""
name: train
inputs:
- {name: epochs, type: Integer}
implementation:
  container:
    image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
    command: [python, -c, 'print("training")', {inputValue: epochs}]
""")


@dsl.pipeline(name="resources-from-step-outputs")
def pipeline(epochs: int = 2):
    size = sizes()
    task = train(epochs=epochs)
    task.set_cpu_limit(size.outputs["cpu"]).set_memory_limit(size.outputs["memory"])
    task.container.add_resource_limit("nvidia.com/gpu", size.outputs["gpus"])
