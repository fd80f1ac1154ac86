"""Timeouts: `set_timeout` gives the template `activeDeadlineSeconds` (an int)."""

from kfp import components, dsl

slow = components.load_component_from_text("""
name: slow
inputs:
- {name: seconds, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [sleep, {inputValue: seconds}]
""")


@dsl.pipeline(name="timeouts")
def pipeline(seconds: int = 5):
    slow(seconds=seconds).set_timeout(7200)
