"""The exit handler: the body becomes `exit-handler-1`, the exit step `spec.onExit`."""

from kfp import components, dsl

say = components.load_component_from_text("""
name: say
inputs:
- {name: message, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: message}]
""")


@dsl.pipeline(name="exit-handler")
def pipeline(message: str = "working"):
    cleanup = say(message="cleaning up")
    with dsl.ExitHandler(cleanup):
        first = say(message=message)
        say(message="second").after(first)
