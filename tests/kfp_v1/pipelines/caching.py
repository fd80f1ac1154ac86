"""Caching: the `enable_caching` label, and `max_cache_staleness`."""

from kfp import components, dsl

fetch = components.load_component_from_text("""
name: fetch
inputs:
- {name: url, type: String}
implementation:
  container:
    image: alpine:3.19
    command: [wget, -q, {inputValue: url}]
""")


@dsl.pipeline(name="caching")
def pipeline(url: str = "https://example.com"):
    fetch(url=url)
    fetch(url=url).set_caching_options(False)
    fetch(url=url).execution_options.caching_strategy.max_cache_staleness = "P7D"
