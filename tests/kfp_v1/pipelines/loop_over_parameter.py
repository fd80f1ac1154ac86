"""`withParam` over a pipeline parameter.

kfp writes `withParam: '{{workflow.parameters.NAME}}'` (not
`inputs.parameters`), and the loop template still gets `parallelism: 0`.
"""

from kfp import components, dsl

shard = components.load_component_from_text("""
name: shard
inputs:
- {name: name, type: String}
- {name: prefix, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: prefix}, {inputValue: name}]
""")


@dsl.pipeline(name="loop-over-parameter")
def pipeline(names: list = ["a", "b", "c"], prefix: str = "shard"):
    with dsl.ParallelFor(names) as name:
        shard(name=name, prefix=prefix)
