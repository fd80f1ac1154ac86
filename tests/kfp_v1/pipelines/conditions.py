"""Conditions: `==` and `!=` quote both sides, numeric comparisons don't; nesting.

Each condition becomes a `condition-N` DAG called by a task with `when:`;
a condition on a step output adds a dependency on that step.
"""

from kfp import components, dsl

flip = components.load_component_from_text("""
name: flip
outputs:
- {name: side, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo heads > "$0"', {outputPath: side}]
""")

say = components.load_component_from_text("""
name: say
inputs:
- {name: message, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: message}]
""")


@dsl.pipeline(name="conditions")
def pipeline(threshold: int = 5, mode: str = "full"):
    coin = flip()
    with dsl.Condition(coin.outputs["side"] == "heads"):
        say(message="heads")
        with dsl.Condition(threshold > 3):
            say(message="heads and above three")
    with dsl.Condition(mode != "quick"):
        say(message="not quick")
