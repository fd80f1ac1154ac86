"""Nested static loops; the inner step reads the outer item, the inner item and a parameter."""

from kfp import components, dsl

cell = components.load_component_from_text("""
name: cell
inputs:
- {name: row, type: String}
- {name: column, type: String}
- {name: tag, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: row}, {inputValue: column}, {inputValue: tag}]
""")


@dsl.pipeline(name="loop-nested")
def pipeline(tag: str = "grid"):
    with dsl.ParallelFor(["r1", "r2"]) as row:
        with dsl.ParallelFor(["c1", "c2", "c3"]) as column:
            cell(row=row, column=column, tag=tag)
