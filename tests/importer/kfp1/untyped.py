"""Components declared without types, as many KFP 1.x component.yaml files are.

`produce` writes two untyped files: `items` is looped over (so it is read by
value, as JSON text) and `report` is passed on as a file; `show` reads its
untyped input on the command line, `read` as a file.
"""

from kfp import components, dsl

produce = components.load_component_from_text("""
name: produce
outputs:
- {name: items}
- {name: report}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo "[1, 2, 3]" > "$0"; echo done > "$1"', {outputPath: items}, {outputPath: report}]
""")

show = components.load_component_from_text("""
name: show
inputs:
- {name: value}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: value}]
""")

read = components.load_component_from_text("""
name: read
inputs:
- {name: file}
implementation:
  container:
    image: alpine:3.19
    command: [cat, {inputPath: file}]
""")


@dsl.pipeline(name="untyped")
def pipeline(greeting="hello"):
    made = produce()
    show(greeting)
    with dsl.ParallelFor(made.outputs["items"]) as item:
        show(item)
    read(made.outputs["report"])
