"""How the runtime reads typed values and declarations (in-process: no step runs here)."""

from __future__ import annotations

import pytest

from ptflow.runtime.contract import (
    REQUIRED,
    Dataset,
    Metrics,
    Outputs,
    Port,
    PortType,
    UsageError,
    parse_value,
    render_parameter,
    step,
)
from ptflow.runtime.kfp_io import v1_metric_name


def port(type_text: str) -> Port:
    optional = type_text.endswith("?")
    name = type_text.rstrip("?")
    item = None
    if name.startswith("list["):
        name, item = "list", name[5:-1]
    return Port("x", PortType(name, item, optional))


@pytest.mark.parametrize(
    "type_text, text, value",
    [
        ("str", "-3", "-3"),
        ("str", "", ""),
        ("int", "3", 3),
        ("int", "-3", -3),
        ("int", "3.0", 3),  # KFP holds numbers as doubles
        ("float", "0.001", 0.001),
        ("float", "1e-4", 1e-4),
        ("bool", "true", True),  # v2
        ("bool", "False", False),  # v1
        ("list", '[1, "a"]', [1, "a"]),
        ("list[float]", "[1, 2.5]", [1.0, 2.5]),
        ("dict", '{"lr": 0.1}', {"lr": 0.1}),
    ],
)
def test_values_are_read_as_the_launchers_render_them(type_text, text, value):
    parsed = parse_value(text, port(type_text))
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "type_text, text, message",
    [
        ("int", "3.5", "--x: expected int, got '3.5' (not a whole number)"),
        ("int", "abc", "--x: expected int, got 'abc'"),
        ("float", "fast", "--x: expected float, got 'fast'"),
        ("bool", "yes", "--x: expected bool, got 'yes' (write true or false)"),
        ("dict", "[1]", "--x: expected dict, got '[1]' (JSON list, not dict)"),
        ("dict", "{lr: 1}", "--x: expected dict, got '{lr: 1}' (not JSON"),
        ("list[int]", "[1, 2.5]", "item 1 is 2.5, not int"),
    ],
)
def test_a_bad_value_names_the_flag_and_the_expected_type(type_text, text, message):
    with pytest.raises(UsageError) as error:
        parse_value(text, port(type_text))
    assert message in str(error.value)


def test_output_parameters_are_written_as_the_launchers_read_them():
    assert render_parameter("a b") == "a b"
    assert render_parameter(True) == "true"
    assert render_parameter(3) == "3"
    assert render_parameter([{"trial": 0, "params": {"lr": 0.1}}]) == '[{"trial": 0, "params": {"lr": 0.1}}]'


def test_a_step_declares_its_ports_with_annotations():
    @step("test.declared", outputs={"model": Dataset, "best": float})
    def declared(out: Outputs, data: Dataset, rate: float = 0.5, tags: list[str] | None = None) -> dict:
        return {}

    spec = declared.step_spec
    assert [(p.name, str(p.type), p.default) for p in spec.inputs] == [
        ("data", "Dataset", REQUIRED),
        ("rate", "float", 0.5),
        ("tags", "list[str]?", None),
    ]
    assert [(p.name, str(p.type)) for p in spec.outputs] == [("model", "Dataset"), ("best", "float")]


def test_a_declaration_that_cannot_be_expressed_is_refused_at_import():
    with pytest.raises(TypeError, match="share one namespace"):

        @step("test.clash", outputs={"data": Dataset})
        def clash(out: Outputs, data: Dataset) -> None: ...

    with pytest.raises(TypeError, match="annotate it `T | None`"):

        @step("test.none_default")
        def none_default(out: Outputs, rate: float = None) -> None: ...


def test_v1_metric_names_fit_the_pattern_kfp_v1_accepts():
    assert v1_metric_name("accuracy") == "accuracy"
    assert v1_metric_name("val acc@1") == "val-acc-1"
    assert v1_metric_name("1st") == "m-1st"
    assert len(v1_metric_name("a" * 100)) == 64


def test_metrics_refuse_values_kfp_cannot_record():
    metrics = Metrics("metrics", "/tmp/m")
    with pytest.raises(Exception, match="finite"):
        metrics.log_metric("loss", float("nan"))
