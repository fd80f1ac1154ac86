"""Several exit handlers (`try { } finally { }`) and named ones (`finally with { display_name: ... }`).

kfp's own pipelines with them are corpus twins (tests/kfp_corpus/twins/failing__pipeline_with_multiple_exit_handlers,
pipeline_with_task_final_status*); here: each wrong use at its place, and the kfp-v1 refusals.
"""

from ptflow.compiler.api import compile_file
from tests.support.diagnose import diagnose

COMPONENTS = """\
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
component status_of(status: Status) {
    image = "alpine:3"
    command = ["echo", status]
}
"""
FIRST = len(COMPONENTS.splitlines()) + 1  # the line a pipeline written after COMPONENTS starts on


def _found(tmp_path, body: str):
    return [(d.code, d.span.line, d.span.column, d.message) for d in diagnose(COMPONENTS + body, tmp_path)]


def test_two_try_blocks_each_with_its_own_named_or_unnamed_handler_check(tmp_path):
    body = """\
pipeline p() {
    try {
        a = say(text: "a")
    } finally with { display_name: "first" } {
        status_of(status: pipeline.status)
    }
    try {
        b = say(text: a.said)
    } finally {
        second = status_of(status: pipeline.status)
    }
}
"""
    assert _found(tmp_path, body) == [
        (
            "PTF403",
            FIRST + 7,
            23,
            "`a.said` is made inside a `try`; steps after it can't use it",
        )
    ]


def test_try_inside_a_block_or_beside_a_whole_body_finally_is_misplaced(tmp_path):
    body = """\
pipeline p(go: bool = true) {
    if go {
        try {
            a = say(text: "a")
        } finally {
            status_of(status: pipeline.status)
        }
    }
    try {
        b = say(text: "b")
    } finally {
        s2 = status_of(status: pipeline.status)
    }
    finally {
        s3 = status_of(status: pipeline.status)
    }
}
"""
    assert _found(tmp_path, body) == [
        ("PTF107", FIRST + 2, 9, "`try` is allowed only at the top level of a pipeline body: exit handlers don't nest"),
        (
            "PTF107",
            FIRST + 8,
            5,
            "`try` is allowed inside a pipeline whose whole body a `finally` already guards: exit handlers don't nest",
        ),
    ]


def test_an_exit_handler_takes_only_a_display_name(tmp_path):
    body = """\
pipeline p() {
    a = say(text: "a")
    finally with { display: "x", display_name: 3 } {
        status_of(status: pipeline.status)
    }
}
"""
    assert _found(tmp_path, body) == [
        (
            "PTF210",
            FIRST + 2,
            20,
            "an exit handler has no option `display`; it takes only `display_name`",
        ),
        ("PTF309", FIRST + 2, 48, "`display_name` must be a non-empty string"),
    ]


def test_an_empty_display_name_leaves_the_options_after_it_checked(tmp_path):
    body = """\
pipeline p() {
    a = say(text: "a")
    finally with { display_name: "", display: "x" } {
        status_of(status: pipeline.status)
    }
}
"""
    assert _found(tmp_path, body) == [
        ("PTF309", FIRST + 2, 34, "`display_name` must be a non-empty string"),
        ("PTF210", FIRST + 2, 38, "an exit handler has no option `display`; it takes only `display_name`"),
    ]


def test_kfp_v1_refuses_a_second_handler_a_partial_try_and_a_name(tmp_path):
    body = """\
pipeline p() {
    before = say(text: "before")
    try {
        a = say(text: "a")
    } finally with { display_name: "first" } {
        status_of(status: pipeline.status)
    }
    try {
        b = say(text: "b")
    } finally {
        second = status_of(status: pipeline.status)
    }
}
"""
    path = tmp_path / "p.ptflow"
    path.write_text(COMPONENTS + body)
    result = compile_file(str(path), target="kfp-v1")
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == [
        (
            "PTF501",
            FIRST + 2,
            'naming an exit handler (`display_name: "first"`) is not supported by kfp-v1 (KFP 1.x / Argo)',
        ),
        (
            "PTF501",
            FIRST + 7,
            "a second exit handler (`try { } finally { }`) is not supported by kfp-v1 (KFP 1.x / Argo)",
        ),
    ]
