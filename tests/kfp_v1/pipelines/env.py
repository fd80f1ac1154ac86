"""Environment variables: from the component's `env`, and set on the task."""

from kfp import components, dsl
from kubernetes import client as k8s

run = components.load_component_from_text("""
name: run
inputs:
- {name: level, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'echo "$LOG_LEVEL $PYTHONUNBUFFERED $0"', {inputValue: level}]
    env:
      PYTHONUNBUFFERED: "1"
""")


@dsl.pipeline(name="env")
def pipeline(level: str = "debug"):
    task = run(level=level)
    task.container.add_env_variable(k8s.V1EnvVar(name="LOG_LEVEL", value="debug"))
