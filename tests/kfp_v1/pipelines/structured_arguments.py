"""Lists and dicts holding run-time values (a pipeline parameter, a step output) passed to a step.

kfp 1.8 writes the argument as the JSON of the list or dict with its keys
sorted, each run-time value its Argo parameter reference inside a string
(`"{{inputs.parameters.make-name}}"`, an int parameter quoted too); the values
become inputs of the consuming template, and the step depends on the producer.
A constant dict (`extra`) and a dict parameter's default (`settings`) are JSON
with sorted keys too, however they were written.
"""

from kfp import components, dsl

make = components.load_component_from_text("""
name: make
outputs:
- {name: name, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo n1-standard-4 > "$0"', {outputPath: name}]
""")

use = components.load_component_from_text("""
name: use
inputs:
- {name: specs, type: JsonArray}
- {name: conf, type: JsonObject}
- {name: extra, type: JsonObject}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: specs}, {inputValue: conf}, {inputValue: extra}]
""")


@dsl.pipeline(name="structured-arguments", description="Lists and dicts holding run-time values")
def pipeline(label: str = "x", count: int = 1, settings: dict = {"z": 1, "a": 2}):
    made = make()
    use(
        specs=[{"machine_type": made.outputs["name"], "replica_count": 1, "count": count, "settings": settings}],
        conf={"tags": [label, "fixed"], "depth": 2.5, "enabled": True},
        extra={"z": 1, "a": {"y": 1, "b": 2}},
    )
