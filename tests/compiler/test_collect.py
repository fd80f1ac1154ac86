"""`collect(step.out)`: kfp's `dsl.Collected` of a step inside an `if` and in no loop, as a pipeline output.

The corpus twin (tests/kfp_corpus/twins/conditional_producer_and_consumers.ptflow) covers kfp's own test pipeline;
the differential tests here cover what it doesn't: an artifact, and a step under two nested `if`s.  Each mistake
is reported at its place (PTF406); kfp-v1 has no pipeline outputs, so it refuses it.
"""

import pytest

from ptflow.compiler.api import compile_file
from tests.support.diagnose import diagnose, only
from tests.support.ir_equivalence import assert_equivalent_ir
from tests.support.kfp_compare import compile_kfp, compile_ptflow

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

from tests.support.twin_components import SAY_AND_WRITE, say, write  # noqa: E402

COMPONENTS = SAY_AND_WRITE
# COMPONENTS is 8 lines, then a blank line: a pipeline after it starts on line 10.
FIRST = len(COMPONENTS.strip("\n").splitlines()) + 1


def test_collect_of_an_artifact_and_under_nested_ifs_compiles_as_kfp_does(tmp_path):
    from typing import NamedTuple

    class Outputs(NamedTuple):
        texts: list[str]
        files: list[dsl.Dataset]

    @dsl.pipeline(name="collect-nested")
    def kfp_pipeline(n: int = 3) -> Outputs:
        with dsl.Condition(n > 1):
            with dsl.Condition(n > 2):
                deep = say(text="deep")
            file = write(text="file")
        return Outputs(texts=dsl.Collected(deep.outputs["said"]), files=dsl.Collected(file.outputs["file"]))

    ours = compile_ptflow(
        COMPONENTS
        + """
pipeline collect_nested(n: int = 3) -> (texts: list[str], files: list[Dataset]) {
    if n > 1 {
        if n > 2 {
            deep = say(text: "deep")
        }
        file = write(text: "file")
    }
    return (texts: collect(deep.said), files: collect(file.file))
}
""",
        tmp_path,
    )
    theirs = compile_kfp(kfp_pipeline, tmp_path)
    assert_equivalent_ir(ours, theirs)
    outputs = ours[0]["root"]["outputDefinitions"]
    assert outputs["parameters"]["texts"] == {"parameterType": "LIST"}
    assert outputs["artifacts"]["files"]["isArtifactList"] is True


def pipeline_with(body: str) -> str:
    return COMPONENTS + body


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            """
pipeline p(go: bool = true) {
    if go {
        a = say(text: "a")
    }
    b = say(text: ⟦collect(a.said)⟧)
}
""",
            "an input",
            "`collect(...)` can only be returned from the pipeline",
        ),
        (
            """
pipeline p() -> (out: list[str]) {
    a = say(text: "a")
    return (out: collect(⟦a.said⟧))
}
""",
            "not in an if",
            "`a` is not inside an `if`, so it always makes `said`: nothing to collect",
        ),
        (
            """
pipeline p(go: bool = true) -> (out: list[str]) {
    if go {
        for x in ["a", "b"] {
            a = say(text: x)
        }
    }
    return (out: collect(⟦a.said⟧))
}
""",
            "in a loop",
            "`a` is in a loop: `collect` is for a step inside an `if`",
        ),
        (
            """
pipeline p(go: bool = true) -> (out: list[str]) {
    if go {
        a = say(text: "a")
    }
    return (out: ⟦collect(a.said, a.said)⟧)
}
""",
            "two values",
            "`collect` takes one output of a step inside an `if`: `collect(step.out)`",
        ),
        (
            """
pipeline inner(go: bool = true) -> (out: list[str]) {
    if go {
        a = say(text: "a")
    }
    return (out: collect(a.said))
}
pipeline outer() {
    i = inner()
    s = say(text: ⟦i.out⟧)
}
""",
            "a called pipeline's collect",
            "`i.out` is a `collect(...)` of the pipeline `inner` calls",
        ),
        (
            """
pipeline inner() -> (all: list[str]) {
    for x in ["a", "b"] {
        a = say(text: x)
    }
    return (all: a.said)
}
pipeline outer(go: bool = true) -> (out: list[list[str]]) {
    if go {
        i = inner()
    }
    return (out: collect(⟦i.all⟧))
}
""",
            "a called pipeline's list",
            "`i.all` is gathered, collected or chosen inside `inner`: `collect` takes a value one step makes",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_each_misuse_of_collect_is_ptf406_where_it_is_written(tmp_path, body, where, message):
    start = body.index("⟦")
    line = FIRST + body[:start].count("\n")  # the body starts with a blank line after the components
    column = start - body.rindex("\n", 0, start)
    diagnostic = only(diagnose(pipeline_with(body.replace("⟦", "").replace("⟧", "")), tmp_path), "PTF406")
    assert message in diagnostic.message, where
    assert (diagnostic.span.line, diagnostic.span.column) == (line, column), where


def test_collect_written_as_a_step_says_it_is_a_value(tmp_path):
    source = pipeline_with(
        """
pipeline p(go: bool = true) {
    if go {
        a = say(text: "a")
    }
    b = collect(a.said)
}
"""
    )
    diagnostic = only(diagnose(source, tmp_path), "PTF312")
    assert diagnostic.message == "`collect(...)` is a value, not a step: return it from the pipeline"
    assert (diagnostic.span.line, diagnostic.span.column) == (FIRST + 5, 9)


def test_kfp_v1_refuses_collect_as_the_pipeline_output_it_is(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text(
        pipeline_with(
            """
pipeline p(go: bool = true) -> (out: list[str]) {
    if go {
        a = say(text: "a")
    }
    return (out: collect(a.said))
}
"""
        )
    )
    result = compile_file(str(path), "kfp-v1")
    assert not result.ok
    refusal = only(result.diagnostics, "PTF501")
    assert "pipeline outputs" in refusal.message and "kfp-v1" in refusal.message


def test_collect_of_a_step_in_nested_loops_points_at_the_outer_loop_and_the_producer(tmp_path):
    source = pipeline_with(
        """
pipeline p(go: bool = true) -> (out: list[str]) {
    if go {
        for x in ["a", "b"] {
            for y in ["c", "d"] {
                a = say(text: y)
            }
        }
    }
    return (out: collect(a.said))
}
"""
    )
    diagnostic = only(diagnose(source, tmp_path), "PTF406")
    assert [(r.span.line, r.span.column, r.message) for r in diagnostic.related] == [
        (FIRST + 3, 9, "the loop"),
        (FIRST + 5, 17, "the producer"),
    ]
