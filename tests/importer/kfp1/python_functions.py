"""Lightweight Python components (`create_component_from_func`), the most common kind in KFP 1.x."""

from kfp import components, dsl


def add(a: float, b: float) -> float:
    """Adds two numbers."""
    return a + b


def describe(total: float, label: str = "sum") -> str:
    text = f"{label}: {total}"
    print(text)
    return text


add_op = components.create_component_from_func(add, base_image="python:3.9")
describe_op = components.create_component_from_func(describe, base_image="python:3.9")


@dsl.pipeline(name="python-functions", description="Two lightweight Python steps.")
def pipeline(a: float = 1.5, b: float = 2.0):
    total = add_op(a, b)
    describe_op(total.output)
