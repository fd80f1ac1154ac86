"""`oneof(a.out, b.out, ...)`: kfp's `dsl.OneOf`, checked, compiled as kfp 2.17 compiles it, refused by kfp-v1.

The corpus twins (tests/kfp_corpus/twins/*oneof*) cover the shapes of kfp's own test pipelines; the
differential tests here cover what they don't: a oneof read by a condition, inside a nested group,
under an outer `if`, twice from one chain, and returned through an exit handler's body.
"""

import pytest

from tests.support.diagnose import diagnose
from tests.support.ir_equivalence import assert_equivalent_ir
from tests.support.kfp_compare import compile_kfp, compile_ptflow

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

from tests.support.twin_components import READ, SAY_AND_WRITE, read, say, write  # noqa: E402

COMPONENTS = SAY_AND_WRITE + READ
# COMPONENTS is 12 lines: a pipeline after it starts on line 13.
FIRST = len(COMPONENTS.strip("\n").splitlines()) + 1


# ------------------------------------------------------------ kfp's IR


@dsl.pipeline(name="oneof-in-groups")
def oneof_in_groups(go: bool = True, repeat: str = "medium"):
    with dsl.If(go == True):  # noqa: E712 - kfp's condition syntax
        coin = say(text="heads")
        with dsl.If(coin.output == "heads"):
            a = write(text="from heads")
        with dsl.Else():
            b = write(text="from tails")
        chosen = dsl.OneOf(a.outputs["file"], b.outputs["file"])
        read(file=chosen)
        read(file=chosen)
    n = say(text="7")
    with dsl.If(n.output == "big"):
        t1 = say(text="big")
    with dsl.Elif(n.output == "medium"):
        t2 = say(text="medium")
    with dsl.Else():
        t3 = say(text="small")
    x = dsl.OneOf(t1.output, t2.output, t3.output)
    with dsl.If(x == repeat):
        with dsl.If(repeat == "medium"):
            say(text=x)


ONEOF_IN_GROUPS = (
    COMPONENTS
    + """
pipeline oneof_in_groups(go: bool = true, repeat: str = "medium") {
    if go == true {
        coin = say(text: "heads")
        if coin.said == "heads" {
            a = write(text: "from heads")
        } else {
            b = write(text: "from tails")
        }
        read(file: oneof(a.file, b.file))
        read_2 = read(file: oneof(a.file, b.file))
    }
    n = say(text: "7")
    if n.said == "big" {
        t1 = say(text: "big")
    } elif n.said == "medium" {
        t2 = say(text: "medium")
    } else {
        t3 = say(text: "small")
    }
    if oneof(t1.said, t2.said, t3.said) == repeat {
        if repeat == "medium" {
            say_2 = say(text: oneof(t1.said, t2.said, t3.said))
        }
    }
}
"""
)


def test_oneof_under_an_if_in_a_condition_and_in_a_nested_group_compiles_as_kfp_does(tmp_path):
    ours = compile_ptflow(ONEOF_IN_GROUPS, tmp_path)
    theirs = compile_kfp(oneof_in_groups, tmp_path)
    assert_equivalent_ir(ours, theirs)
    # The same oneof written twice is one output of its chain, as one dsl.OneOf object used twice is.
    chain = next(
        c
        for k, c in ours[0]["components"].items()
        if k.startswith("comp-condition-branches") and "artifacts" in c.get("outputDefinitions", {})
    )
    assert list(chain["outputDefinitions"]["artifacts"]) == ["pipelinechannel--condition-branches-2-oneof-1"]


def test_a_oneof_returned_from_a_pipeline_with_finally_is_read_through_the_exit_handler(tmp_path):
    source = (
        COMPONENTS
        + """
pipeline guarded(n: int = 1) -> (chosen: str) {
    if n > 2 {
        big = say(text: "big")
    } else {
        small = say(text: "small")
    }
    finally {
        done = say(text: "done")
    }
    return (chosen: oneof(big.said, small.said))
}
"""
    )
    root = compile_ptflow(source, tmp_path)[0]["root"]
    assert root["dag"]["outputs"]["parameters"]["chosen"] == {
        "valueFromParameter": {
            "outputParameterKey": "pipelinechannel--condition-branches-2-pipelinechannel--condition-branches-2-oneof-1",
            "producerSubtask": "exit-handler-1",
        }
    }


def test_kfp_v1_refuses_oneof_at_its_place(tmp_path):
    source = """
pipeline p(n: int = 1) {
    if n > 2 {
        big = say(text: "big")
    } else {
        small = say(text: "small")
    }
    after = say(text: oneof(big.said, small.said))
}
"""
    path = tmp_path / "p.ptflow"
    path.write_text(COMPONENTS.strip("\n") + "\n" + source.strip("\n") + "\n")
    from ptflow.compiler.api import compile_file

    result = compile_file(str(path), target="kfp-v1")
    found = [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics if d.is_error]
    assert found == [
        (
            "PTF501",
            FIRST + 6,
            23,
            "`oneof(...)` (the output of whichever arm ran) is not supported by kfp-v1 (KFP 1.x / Argo)",
        )
    ]


# ------------------------------------------------------------ mistakes


CHAIN = """
pipeline p(n: int = 1) {
    if n > 5 {
        big = say(text: "big")
        big_file = write(text: "big")
    } elif n > 2 {
        medium = say(text: "medium")
        medium_file = write(text: "medium")
    } else {
        small = say(text: "small")
        small_file = write(text: "small")
    }
    %s
}
"""
USE = FIRST + 11  # the line of %s


def _mistake(tmp_path, use: str):
    diagnostics = diagnose(COMPONENTS.strip("\n") + "\n" + (CHAIN % use).strip("\n") + "\n", tmp_path)
    return [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics if d.is_error]


@pytest.mark.parametrize(
    ("use", "code", "column", "message"),
    [
        (
            "x = say(text: oneof(big.said, medium.said))",
            "PTF405",
            19,
            "the `else` arm at line 20 gives `oneof` no value: when that arm runs there would be none",
        ),
        (
            "x = say(text: oneof(big.said, medium.said, small.said, big.said))",
            "PTF405",
            60,
            "two values from the same `if` arm: each arm gives `oneof` exactly one",
        ),
        (
            "x = read(file: oneof(big_file.file, medium.said, small_file.file))",
            "PTF302",
            41,
            "the values of `oneof` must have one type: this is a `str`, the first a `Dataset`",
        ),
        (
            'x = say(text: oneof(big.said, medium.said, "small"))',
            "PTF312",
            48,
            "`oneof` chooses between step outputs (`step.output`), one from each arm of an `if`/`elif`/`else`",
        ),
        (
            "x = say(text: oneof(first: big.said, medium.said, small.said))",
            "PTF312",
            25,
            "`oneof` takes the outputs without names",
        ),
        (
            'x = say(text: f"{oneof(big.said, medium.said, small.said)}")',
            "PTF312",
            22,
            "`oneof(...)` can't be part of an f-string (KFP has no such placeholder)",
        ),
        (
            "x = oneof(big.said, medium.said, small.said)",
            "PTF312",
            9,
            "`oneof(...)` is a value, not a step: pass it to an input or return it",
        ),
        (
            "x = say(text: oneof(big.sad, medium.said, small.said))",
            "PTF202",
            29,
            "step `big` (`say`) has no output `sad`",
        ),
    ],
)
def test_each_wrong_oneof_is_reported_at_its_place(tmp_path, use, code, column, message):
    assert _mistake(tmp_path, use) == [(code, USE, column, message)]


def test_a_oneof_over_an_if_without_else_is_reported(tmp_path):
    source = """
pipeline p(n: int = 1) {
    if n > 5 {
        big = say(text: "big")
    }
    x = say(text: oneof(big.said))
}
"""
    diagnostics = diagnose(COMPONENTS.strip("\n") + "\n" + source.strip("\n") + "\n", tmp_path)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        (
            "PTF405",
            FIRST + 4,
            25,
            "`big` is in an `if` without `else`: when its condition is false there is no value",
        )
    ]


def test_a_oneof_inside_its_own_chain_or_outside_a_loop_around_it_is_reported(tmp_path):
    source = """
pipeline p(n: int = 1, items: list[int] = [1, 2]) {
    for i in items {
        if n > 5 {
            a = say(text: "a")
        } else {
            b = say(text: "b")
            inside = say(text: oneof(a.said, b.said))
        }
    }
    outside = say(text: oneof(a.said, b.said))
}
"""
    diagnostics = diagnose(COMPONENTS.strip("\n") + "\n" + source.strip("\n") + "\n", tmp_path)
    assert [(d.code, d.span.line, d.message) for d in diagnostics] == [
        (
            "PTF405",
            FIRST + 6,
            "`oneof` is used inside the `if`/`elif`/`else` it chooses from; use it after the chain",
        ),
        (
            "PTF403",
            FIRST + 9,
            "this `oneof` chooses inside a loop, so it exists once per iteration; use it inside the loop",
        ),
    ]
