"""`withParam` over a step output, with a loop parallelism limit.

The loop task gets `withParam: '{{tasks.T.outputs.parameters.T-OUT}}'` and a
dependency on T; the loop DAG's input is named `T-OUT-loop-item`.
"""

from kfp import components, dsl

split = components.load_component_from_text("""
name: split
inputs:
- {name: parts, type: Integer}
outputs:
- {name: shards, type: JsonArray}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'seq -s , 1 "$0" | sed "s/^/[/; s/$/]/" > "$1"', {inputValue: parts}, {outputPath: shards}]
""")

work = components.load_component_from_text("""
name: work
inputs:
- {name: shard, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: shard}]
""")


@dsl.pipeline(name="loop-over-output")
def pipeline(parts: int = 4):
    made = split(parts=parts)
    with dsl.ParallelFor(made.outputs["shards"], parallelism=3) as shard:
        work(shard=shard)
