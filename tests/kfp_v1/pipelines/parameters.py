"""Pipeline parameters of every type, with and without defaults.

Shows the `pipelines.kubeflow.org/pipeline_spec` annotation (the UI's run
form), the string values kfp writes into `spec.arguments` (str() of the
Python default), and parameters without a default (no `value`).
"""

from kfp import components, dsl

show = components.load_component_from_text("""
name: show
inputs:
- {name: text, type: String}
- {name: count, type: Integer}
- {name: rate, type: Float}
- {name: flag, type: Boolean}
- {name: items, type: JsonArray}
- {name: config, type: JsonObject}
- {name: label, type: String}
- {name: size, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: text}, {inputValue: count}, {inputValue: rate}, {inputValue: flag},
              {inputValue: items}, {inputValue: config}, {inputValue: label}, {inputValue: size}]
""")


@dsl.pipeline(name="parameters", description="Every parameter type, with and without defaults")
def pipeline(
    label: str,
    size: int,
    text: str = "hello world",
    count: int = 3,
    rate: float = 0.5,
    flag: bool = True,
    items: list = ["a", "b"],
    config: dict = {"depth": 2, "name": "x"},
):
    show(text=text, count=count, rate=rate, flag=flag, items=items, config=config, label=label, size=size)
