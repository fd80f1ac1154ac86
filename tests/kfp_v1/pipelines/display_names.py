"""Display names (`task_display_name` annotation), pod labels and annotations."""

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


@dsl.pipeline(name="display-names")
def pipeline():
    task = say(message="hi")
    task.set_display_name("Say hi to everyone")
    task.add_pod_label("team", "ml")
    task.add_pod_annotation("owner", "data-platform")
