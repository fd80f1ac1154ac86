"""`ignore_upstream_failure: true`: checked as kfp checks `.ignore_upstream_failure()`, compiled as kfp does.

The compiled form is compared with kfp's by the corpus twins
(tests/kfp_corpus/twins/*ignore_upstream_failure*) and the option table's tests (test_options.py).
"""

from tests.support.diagnose import diagnose

COMPONENTS = """\
component make() -> (out: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf made > \\"$0\\"", out.path]
}
component note(text: str, extra: str = "none", maybe: str?) {
    image = "alpine:3"
    command = ["echo", text, extra]
}
"""


def _errors(tmp_path, body: str):
    diagnostics = diagnose(COMPONENTS + body, tmp_path)
    return [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in diagnostics]


def test_an_input_fed_by_an_upstream_step_needs_a_default(tmp_path):
    body = """\
pipeline p() {
    m = make()
    n = note(text: m.out, extra: m.out, maybe: m.out) with { ignore_upstream_failure: true }
}
"""
    assert _errors(tmp_path, body) == [
        (
            "PTF305",
            11,
            20,
            "with `ignore_upstream_failure`, input `text` of `note` needs a default: it comes from `m`, which may "
            "fail without making it",
            "give `text` a default in `note`, or make it optional (`str?`)",
        )
    ]


def test_constants_and_parameters_need_no_default(tmp_path):
    body = """\
pipeline p(word: str = "w") {
    m = make()
    n = note(text: word, extra: m.out) with { after: m, ignore_upstream_failure: true }
    o = note(text: "constant") with { after: m, ignore_upstream_failure: true }
}
"""
    assert _errors(tmp_path, body) == []
