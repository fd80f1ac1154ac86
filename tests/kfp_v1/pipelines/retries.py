"""Retries: a bare limit, and a limit with backoff (`limit` and `factor` stay ints)."""

from kfp import components, dsl

flaky = components.load_component_from_text("""
name: flaky
inputs:
- {name: attempt, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [echo, {inputValue: attempt}]
""")


@dsl.pipeline(name="retries")
def pipeline():
    flaky(attempt="plain").set_retry(2)
    flaky(attempt="backoff").set_retry(3, backoff_duration="30s", backoff_factor=2, backoff_max_duration="1h")
