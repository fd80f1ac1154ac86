"""A skipped branch says why in the words of the `.ptflow` file, with the values its condition saw.

Not the compiled CEL (`inputs.parameter_values['pipelinechannel--train-accuracy'] >= ...`), cut off at
100 characters; a pipeline run from compiled IR has no `.ptflow` condition, and shows its CEL whole.
"""

import json
from pathlib import Path

from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, run_id_of

GATED = """\
component measure() -> (accuracy: float) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 0.96 > \\"$0\\"", accuracy.path]
}
component say(text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "echo \\"said $0\\"", text]
}
pipeline gated(min_accuracy: float = 0.99, n: int = 1) {
    train = measure()
    if train.accuracy >= min_accuracy {
        publish = say(text: "good")
    }
    if n > 5 {
        big = say(text: "big")
    } elif n > 2 and not (n == 4) {
        medium = say(text: "medium")
    } else {
        small = say(text: "small")
    }
}
"""


def _run(tmp_path: Path, store: Path, *params: str):
    source = tmp_path / "gated.ptflow"
    source.write_text(GATED)
    args = [arg for param in params for arg in ("-p", param)]
    result = ptflow("run", str(source), "--store", str(store), *args, check=True)
    return result, run_id_of(result.stdout)


def _skip_reasons(store: Path, run_id: str) -> list[str]:
    document = json.loads(ptflow("show", run_id, "--store", str(store), "--json", check=True).stdout)
    return sorted(step["error"] for step in document["steps"] if step["status"] == "SKIPPED")


def test_a_false_if_shows_the_ptflow_condition_and_its_values(tmp_path: Path, store: Path):
    result, run_id = _run(tmp_path, store)
    reason = "train.accuracy (0.96) >= min_accuracy (0.99) is false"
    assert reason in result.stdout  # as `ptflow run` reports it
    assert "pipelinechannel" not in result.stdout
    shown = ptflow("show", run_id, "--store", str(store), check=True).stdout
    assert f"skipped: {reason}" in shown
    assert reason in _skip_reasons(store, run_id)


def test_elif_and_else_say_which_earlier_branch_ran_or_what_was_false(tmp_path: Path, store: Path):
    _, run_id = _run(tmp_path, store, "n=7", "min_accuracy=0.5")
    assert _skip_reasons(store, run_id) == ["an earlier branch ran: n (7) > 5 is true"] * 2
    _, run_id = _run(tmp_path, store, "n=4", "min_accuracy=0.5")
    assert _skip_reasons(store, run_id) == ["n (4) > 2 and not (n (4) == 4) is false", "n (4) > 5 is false"]
    _, run_id = _run(tmp_path, store, "n=3", "min_accuracy=0.5")
    assert _skip_reasons(store, run_id) == [
        "an earlier branch ran: n (3) > 2 and not (n (3) == 4) is true",
        "n (3) > 5 is false",
    ]


@dsl.container_component
def say(text: str):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'echo "$0"', text])


@dsl.pipeline(name="long-condition")
def long_condition(a_rather_long_parameter_name: int = 1, another_rather_long_parameter_name: int = 2):
    with dsl.If(a_rather_long_parameter_name > another_rather_long_parameter_name):
        say(text="never")


def test_a_pipeline_from_compiled_ir_shows_its_cel_whole(tmp_path: Path, store: Path):
    ir = compile_kfp(long_condition, tmp_path / "long.yaml")
    result = ptflow("run", str(ir), "--store", str(store), check=True)
    cel = (
        "int(inputs.parameter_values['pipelinechannel--a_rather_long_parameter_name']) > "
        "int(inputs.parameter_values['pipelinechannel--another_rather_long_parameter_name'])"
    )
    assert len(cel) > 100
    assert f"condition is false: {cel}" in result.stdout
    assert _skip_reasons(store, run_id_of(result.stdout)) == [f"condition is false: {cel}"]
