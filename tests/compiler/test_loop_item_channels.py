"""Loop items in the KFP v2 IR (issue 10, bugs 1 and 2), compiled by ptflow and by kfp 2.17, validated and run.

Bug 1: the item of a loop over an untyped `list` is typed STRING by kfp, yet
kfp passes it to `int` and `dict` inputs and the backend runs that; ptflow's
validator rejected both kfp's output and ptflow's own.
Bug 2: a condition on a field of a loop item (`if item.A_a == "heads"`) reads
a `...-subvar-A_a` channel that the condition's task must receive, read out of
the item with `parameterExpressionSelector`, as kfp wires it.
"""

import copy

import pytest

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

from ptflow.compiler.validate.ir import validate_ir  # noqa: E402
from tests.runner.helpers import ptflow, show  # noqa: E402
from tests.support.kfp_compare import assert_same_ir, compile_kfp, compile_ptflow  # noqa: E402

IMAGE = "alpine:3.19"


@dsl.container_component
def emit(numbers: dsl.OutputPath(list), records: dsl.OutputPath(list)):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c", """echo '[2, 3]' > "$0"; echo '[{"k": 1}, {"k": 2}]' > "$1\"""", numbers, records],
    )


@dsl.container_component
def square(x: int, y: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo $(($0*$0)) > "$1"', x, y])


@dsl.container_component
def show_dict(d: dict, text: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", """printf '%s' "$0" > "$1\"""", d, text])


@dsl.container_component
def say(msg: str, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", """printf '%s' "$0" > "$1\"""", msg, out])


PARTS = r"""
component emit() -> (numbers: list, records: list) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo '[2, 3]' > \"$0\"; echo '[{\"k\": 1}, {\"k\": 2}]' > \"$1\"", numbers.path,
               records.path]
}
component square(x: int) -> (y: int) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $(($0*$0)) > \"$1\"", x, y.path]
}
component show_dict(d: dict) -> (text: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "printf '%s' \"$0\" > \"$1\"", d, text.path]
}
component say(msg: str) -> (out: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "printf '%s' \"$0\" > \"$1\"", msg, out.path]
}
"""

UNTYPED_LOOPS = (
    PARTS
    + """
pipeline untyped_loops() {
    emit = emit()
    for x in emit.numbers {
        square = square(x: x)
    }
    for r in emit.records {
        show_dict = show_dict(d: r)
    }
}
"""
)


@dsl.pipeline(name="untyped-loops")
def untyped_loops():
    e = emit()
    with dsl.ParallelFor(e.outputs["numbers"]) as x:
        square(x=x)
    with dsl.ParallelFor(e.outputs["records"]) as r:
        show_dict(d=r)


def _problems(documents):
    return [f"{d.code} {d.message}" for d in validate_ir(copy.deepcopy(documents))]


# ------------------------------------------------------------------ bug 1


def test_an_untyped_list_item_into_int_and_dict_inputs_compiles_as_kfp_writes_it(tmp_path):
    ours = compile_ptflow(UNTYPED_LOOPS, tmp_path)  # compile_ptflow fails on any error, PTF502 included
    theirs = compile_kfp(untyped_loops, tmp_path)
    assert_same_ir(ours, theirs)
    item = theirs[0]["components"]["comp-for-loop-1"]["inputDefinitions"]["parameters"]
    assert item["pipelinechannel--emit-numbers-loop-item"] == {"parameterType": "STRING"}  # kfp's typing
    assert _problems(theirs) == []


def test_a_typed_loop_item_of_the_wrong_type_is_still_rejected(tmp_path):
    """Only an item of unknown type (STRING) may go anywhere: a DOUBLE item into an INTEGER input is wrong."""
    documents = compile_kfp(untyped_loops, tmp_path)
    loop = documents[0]["components"]["comp-for-loop-1"]
    loop["inputDefinitions"]["parameters"]["pipelinechannel--emit-numbers-loop-item"]["parameterType"] = "NUMBER_DOUBLE"
    assert _problems(documents) == [
        "PTF533 components.comp-for-loop-1.dag.tasks.square.inputs.parameters.x.componentInputParameter: input "
        "`pipelinechannel--emit-numbers-loop-item` of `comp-for-loop-1` is a NUMBER_DOUBLE, but the input "
        "expects a NUMBER_INTEGER"
    ]


def test_ptflow_run_passes_each_untyped_item_to_int_and_dict_inputs(tmp_path):
    source = tmp_path / "loops.ptflow"
    source.write_text(UNTYPED_LOOPS)
    store = tmp_path / "store"
    ptflow("run", str(source), "--store", str(store), check=True)
    steps = show(store)["steps"]
    squares = sorted(s["outputs"]["y"] for s in steps if s["task"].endswith("/square"))
    shown = sorted(s["outputs"]["text"] for s in steps if s["task"].endswith("/show-dict"))
    assert squares == [4, 9]
    assert shown == ['{"k":1}', '{"k":2}']


# ------------------------------------------------------------------ bug 2


ITEM_FIELD_CONDITIONS = (
    PARTS
    + """
pipeline item_field_conditions(coins: list = [{"A_a": "heads"}, {"A_a": "tails"}]) {
    for item in [{"A_a": "heads", "B_b": "x"}, {"A_a": "tails", "B_b": "y"}] {
        if item.A_a == "heads" {
            say = say(msg: "raw")
        }
    }
    for coin in coins {
        if coin.A_a == "heads" {
            say_2 = say(msg: "parameter")
        }
    }
}
"""
)


@dsl.pipeline(name="item-field-conditions")
def item_field_conditions(coins: list = [{"A_a": "heads"}, {"A_a": "tails"}]):
    with dsl.ParallelFor([{"A_a": "heads", "B_b": "x"}, {"A_a": "tails", "B_b": "y"}]) as item:
        with dsl.If(item.A_a == "heads"):
            say(msg="raw")
    with dsl.ParallelFor(coins) as coin:
        with dsl.If(coin.A_a == "heads"):
            say(msg="parameter")


def test_a_condition_on_a_loop_item_field_receives_the_field_as_kfp_wires_it(tmp_path):
    ours = compile_ptflow(ITEM_FIELD_CONDITIONS, tmp_path)
    theirs = compile_kfp(item_field_conditions, tmp_path)
    assert_same_ir(ours, theirs)
    raw_condition = ours[0]["components"]["comp-for-loop-2"]["dag"]["tasks"]["condition-3"]
    assert raw_condition["inputs"]["parameters"] == {
        "pipelinechannel--loop-item-param-1-subvar-A_a": {
            "componentInputParameter": "pipelinechannel--loop-item-param-1",
            "parameterExpressionSelector": 'parseJson(string_value)["A_a"]',
        }
    }


def test_item_fields_read_by_nested_conditions_and_their_steps_compile_valid_and_run(tmp_path):
    """kfp 2.17.3 cannot compile this (an AssertionError: the inner group's task looks for the whole
    item, which kfp handed down only as fields); ptflow hands each field down and runs it."""
    source = tmp_path / "deep.ptflow"
    source.write_text(
        PARTS
        + """
pipeline deep() {
    for kv in [{"a": "h", "b": "x"}, {"a": "t", "b": "x"}, {"a": "h", "b": "z"}] {
        if kv.a == "h" {
            if kv.b == "x" {
                say = say(msg: kv.b)
            }
            say_2 = say(msg: kv.a)
        }
    }
}"""
    )
    documents = compile_ptflow(source.read_text(), tmp_path, name="deep.ptflow")
    assert _problems(documents) == []
    store = tmp_path / "store"
    ptflow("run", str(source), "--store", str(store), check=True)
    steps = show(store)["steps"]
    outer = sorted(s["outputs"]["out"] for s in steps if s["task"].endswith("/say-2"))
    inner = sorted(s["outputs"]["out"] for s in steps if s["task"].endswith("/say"))
    assert outer == ["h", "h"]
    assert inner == ["x"]


def test_ptflow_run_takes_the_branch_of_each_item_field(tmp_path):
    source = tmp_path / "conditions.ptflow"
    source.write_text(ITEM_FIELD_CONDITIONS)
    store = tmp_path / "store"
    ptflow("run", str(source), "--store", str(store), "-p", 'coins=[{"A_a": "heads"}, {"A_a": "heads"}]', check=True)
    steps = show(store)["steps"]
    ran = sorted(s["outputs"]["out"] for s in steps if "out" in s.get("outputs", {}))
    assert ran == ["parameter", "parameter", "raw"]
