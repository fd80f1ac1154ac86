"""`withItems` over raw lists: scalars (with parallelism) and dicts (`{{item.key}}`).

A static list of scalars passes `{{item}}`; a list of dicts passes one loop
input per key used (`loop-item-param-N-subvar-KEY`, `{{item.KEY}}`).  kfp
always writes `parallelism` on the loop template: the given limit, or 0
(unlimited) when none is set.
"""

from kfp import components, dsl

train = components.load_component_from_text("""
name: train
inputs:
- {name: lr, type: Float}
- {name: batch, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: lr}, {inputValue: batch}]
""")


@dsl.pipeline(name="loop-items")
def pipeline(batch: int = 32):
    with dsl.ParallelFor([0.1, 0.01, 0.001], parallelism=2) as lr:
        train(lr=lr, batch=batch)
    with dsl.ParallelFor([{"lr": 0.1, "batch": 16}, {"lr": 0.01, "batch": 64}]) as config:
        train(lr=config.lr, batch=config.batch)
