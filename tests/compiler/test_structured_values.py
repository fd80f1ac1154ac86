"""Lists, dicts and bracketed dict keys holding run-time values (issue 10): what the checker accepts, the type
it gives them, and the precise error at the span of each wrong part."""

import pytest

from tests.support.diagnose import diagnose

COMPONENTS = """
component name_of() -> (out: str, n: int, data: Dataset) {
    image = "alpine"
    command = ["sh", "-c", "echo", out.path, n.path, data.path]
}

component take(specs: list, conf: dict) {
    image = "alpine"
    command = ["echo", specs, conf]
}

component take_ints(numbers: list[int]) {
    image = "alpine"
    command = ["echo", numbers]
}
"""


def check(tmp_path, body: str):
    """The diagnostics of a pipeline using the components above, as (code, line, column, message) with the line
    counted from the pipeline's first line."""
    prelude = COMPONENTS.strip("\n") + "\n"
    offset = len(prelude.splitlines())
    diagnostics = diagnose(prelude + body.strip("\n") + "\n", tmp_path)
    return [(d.code, d.span.line - offset, d.span.column, d.message) for d in diagnostics if d.is_error]


def test_lists_dicts_and_bracketed_keys_may_hold_parameters_step_outputs_and_f_strings(tmp_path):
    body = """
pipeline p(name: str = "x", count: int = 1) {
    a = name_of()
    take(
        specs: [{"machine": a.out, "count": count, "tags": [name, f"v-{a.n}"]}],
        conf: {"who": name, "key": f"k-{count}"},
    )
    take_ints(numbers: [count, a.n, 3])
    data = importer(uri: "gs://b/x", type: Dataset, metadata: {"owner": name, [a.out]: [a.n, "fixed"]})
}
"""
    assert check(tmp_path, body) == []


@pytest.mark.parametrize(
    ("arguments", "code", "column", "message"),
    [
        (
            "specs: [a.data], conf: {}",
            "PTF312",
            18,
            "a list or dict can only hold parameters, not `Dataset`: KFP passes it as one JSON value",
        ),
        (
            'specs: [], conf: {"x": {"y": a.data}}',
            "PTF312",
            39,
            "a list or dict can only hold parameters, not `Dataset`: KFP passes it as one JSON value",
        ),
        ("specs: [a.missing], conf: {}", "PTF202", 20, "step `a` (`name_of`) has no output `missing`"),
    ],
)
def test_each_wrong_part_is_reported_at_its_own_span(tmp_path, arguments, code, column, message):
    body = f"""
pipeline p(name: str = "x", count: int = 1) {{
    a = name_of()
    take({arguments})
}}
"""
    assert check(tmp_path, body) == [(code, 3, column, message)]


@pytest.mark.parametrize(
    ("key", "code", "message"),
    [
        ("count", "PTF312", "a dict key must be a string, but this is `int`"),
        ("1", "PTF312", "a dict key must be a string, but this is an int (`1`)"),
        ("a.data", "PTF312", "a dict key must be a string, but this is `Dataset`"),
        ("nope", "PTF201", "unknown name `nope`"),
    ],
)
def test_a_bracketed_key_of_importer_metadata_must_be_a_string(tmp_path, key, code, message):
    body = f"""
pipeline p(count: int = 1) {{
    a = name_of()
    data = importer(uri: "gs://b/x", metadata: {{"fixed": 1, [{key}]: 1}})
}}
"""
    assert check(tmp_path, body) == [(code, 3, 62, message)]


def test_a_bracketed_key_in_a_steps_argument_is_refused_as_kfp_cannot_write_it(tmp_path):
    body = """
pipeline p(name: str = "x") {
    take(specs: [{"k": 1, [name]: 2}], conf: {})
}
"""
    assert check(tmp_path, body) == [
        (
            "PTF312",
            2,
            28,
            "a key known at run time can only be in an importer's `metadata`: "
            "kfp writes a step's dict arguments with their keys fixed",
        )
    ]


def test_a_number_key_gets_the_f_string_fix(tmp_path):
    body = """
pipeline p(count: int = 1) {
    data = importer(uri: "gs://b/x", metadata: {[count]: 1})
}
"""
    diagnostics = diagnose(COMPONENTS + body, tmp_path)
    [key] = [d for d in diagnostics if d.code == "PTF312"]
    assert key.hint == 'an f-string makes text of a parameter: `[f"{...}"]`'


def test_the_type_of_a_list_is_its_items_type(tmp_path):
    body = """
pipeline p(name: str = "x") {
    a = name_of()
    take_ints(numbers: [name, f"{a.n}"])
}
"""
    [(code, line, column, message)] = check(tmp_path, body)
    assert (code, line, column) == ("PTF301", 3, 24)
    assert message == "input `numbers` of `take_ints`: expected `list[int]`, found `list[str]`"


def test_oneof_and_the_final_status_stay_out_of_lists_and_dicts(tmp_path):
    body = """
pipeline p(flag: bool = true) {
    if flag { x = name_of() } else { y = name_of() }
    take(specs: [oneof(x.out, y.out)], conf: {})
    finally {
        last = take(specs: [], conf: {"status": pipeline.status})
    }
}
"""
    found = check(tmp_path, body)
    assert found == [
        ("PTF312", 3, 18, "`oneof(...)` can't be inside a list or dict (KFP has no such placeholder)"),
        (
            "PTF312",
            5,
            49,
            "a list or dict can only hold parameters, not `Status`: KFP passes it as one JSON value",
        ),
    ]


def test_importer_metadata_must_be_a_dict_written_in_the_call(tmp_path):
    body = """
pipeline p(meta: dict = {}) {
    data = importer(uri: "gs://b/x", type: Dataset, metadata: meta)
}
"""
    assert check(tmp_path, body) == [("PTF312", 2, 63, "importer `metadata` must be a dict written here")]


def test_a_bracketed_key_where_a_constant_dict_is_needed_says_so(tmp_path):
    body = """
pipeline p(name: str = "x") {
    workspace = {[name]: "10Gi"}
    a = name_of()
}
"""
    [(code, line, column, message)] = check(tmp_path, body)
    assert (code, line, message) == ("PTF312", 2, "`workspace` must be a constant dict")


def test_an_option_dict_refuses_a_bracketed_key_instead_of_reading_its_text(tmp_path):
    body = """
pipeline p(name: str = "x") {
    a = name_of() with { labels: {[name]: "v"}, node_selector: {"pool": "gpu"} }
}
"""
    assert check(tmp_path, body) == [
        ("PTF309", 2, 36, "`labels` needs its keys written in the file; a key in brackets is known only at run time")
    ]


@pytest.mark.parametrize("returned", ["[a.out, name]", '{"k": a.out}', 'f"{a.out}-x"'])
def test_a_pipeline_returns_outputs_as_they_are_not_values_built_from_them(tmp_path, returned):
    """KFP's pipeline outputs select a task's output (`dag.outputs`); before this check the compiler wrote a
    document whose output nothing set (PTF502)."""
    body = f"""
pipeline p(name: str = "x") -> (res: str) {{
    a = name_of()
    return (res: {returned})
}}
"""
    assert check(tmp_path, body) == [
        (
            "PTF312",
            3,
            18,
            "a pipeline returns step outputs as they are, not a list, dict or f-string built from them",
        )
    ]
