"""The checker: every kind of mistake, with its exact code, position and message."""

import pytest

from ptflow.compiler.api import compile_file
from tests.support.diagnose import codes_at, diagnose, only

PRELUDE = """
component make(rows: int = 10) -> (data: Dataset, count: int, names: list[str]) {
    image = "alpine"
    command = ["make", rows, data.path, count.path, names.path]
}
component fit(data: Dataset, max_epochs: int, lr: float = 0.1, note: str?) -> (model: Model, accuracy: float) {
    image = "alpine"
    command = ["fit", data.path, max_epochs, lr, model.path, accuracy.path]
}
component use_model(model: Model) {
    image = "alpine"
    command = ["use", model.path]
}
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
"""
# The prelude is 16 lines; pipelines written after it start on line 17.
P = len(PRELUDE.strip("\n").splitlines()) + 1


def check(tmp_path, body: str, files=None):
    return diagnose(PRELUDE.strip("\n") + "\n" + body.strip("\n") + "\n", tmp_path, files)


def test_a_correct_file_has_no_diagnostics(tmp_path):
    assert (
        check(
            tmp_path,
            """
pipeline ok(rows: int = 5) {
    m = make(rows: rows)
    f = fit(data: m.data, max_epochs: 2)
    use = use_model(model: f.model)
}""",
        )
        == []
    )


# ------------------------------------------------------------------ names


def test_unknown_name_with_suggestion(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p(rows: int = 5) {
    m = make(rows: rwos)
}""",
        ),
        "PTF201",
    )
    assert (d.span.line, d.span.column) == (P + 1, 20)
    assert d.message == "unknown name `rwos`" and d.hint == "did you mean `rows`?"


def test_unknown_component_and_unknown_member(tmp_path):
    diagnostics = check(
        tmp_path,
        """
import stdlib.nope as nope
pipeline p() {
    m = mkae()
    f = make()
    g = say(msg: f.dta)
}""",
    )
    assert codes_at(diagnostics) == [("PTF207", P, 8), ("PTF201", P + 2, 9), ("PTF202", P + 4, 20)]
    assert diagnostics[1].hint == "did you mean `make`?"
    assert diagnostics[2].message == "step `f` (`make`) has no output `dta`"
    assert diagnostics[2].hint == "did you mean `data`?"


def test_misspelled_input_gets_a_suggestion_and_a_fix(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    m = make()
    f = fit(data: m.data, max_epoch: 2)
}""",
        ),
        "PTF203",
    )
    assert (d.span.line, d.span.column) == (P + 2, 27)
    assert d.message == "`fit` has no input `max_epoch`"
    assert d.hint == "did you mean `max_epochs`?"
    assert d.fix.replacement == "max_epochs"
    # ... and the required input it was meant to be is reported missing too.
    missing = only(
        check(
            tmp_path,
            """
pipeline p() {
    m = make()
    f = fit(data: m.data)
}""",
        ),
        "PTF204",
    )
    assert missing.message == "`fit` needs input `max_epochs` (`int`)"
    assert missing.related[0].span.line == 5  # where the input is declared


def test_duplicate_steps_and_kubernetes_collisions(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    m = make()
    m = make()
    train_model = say(msg: "a")
    Train__Model = say(msg: "b")
}""",
    )
    assert codes_at(diagnostics) == [("PTF205", P + 2, 5), ("PTF206", P + 4, 5)]
    assert diagnostics[0].related[0].span.line == P + 1
    assert diagnostics[1].message == "steps `train_model` and `Train__Model` both become the task name `train-model`"


def test_unknown_option_and_unknown_property(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    descripton = "x"
    m = make() with { memroy: "1Gi" }
}""",
    )
    assert codes_at(diagnostics) == [("PTF213", P + 1, 5), ("PTF210", P + 2, 23)]
    assert diagnostics[0].hint == "did you mean `description`?"
    assert diagnostics[1].hint == "did you mean `memory`?"


def test_positional_arguments_are_refused(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    s = say("hi")
}""",
        ),
        "PTF212",
    )
    assert d.message == "inputs of `say` are passed by name" and d.hint.startswith("write `msg: ...`")


def test_import_cycle_and_invalid_component_yaml(tmp_path):
    diagnostics = check(
        tmp_path,
        """
import "a.ptflow" as a
import "broken.yaml" as broken
import "notacomponent.yaml" as other
pipeline p() { s = say(msg: "x") }""",
        files={
            "a.ptflow": 'import "b.ptflow" as b\n',
            "b.ptflow": 'import "a.ptflow" as a\n',
            "broken.yaml": "name: [unclosed\n",
            "notacomponent.yaml": "just: a mapping\n",
        },
    )
    cycle = only(diagnostics, "PTF208")
    assert cycle.message == "import cycle: a.ptflow → b.ptflow → a.ptflow"
    assert cycle.span.file.endswith("b.ptflow") and cycle.span.line == 1
    invalid = [d for d in diagnostics if d.code == "PTF209"]
    assert [(d.span.line, d.span.column) for d in invalid] == [(P + 1, 8), (P + 2, 8)]
    assert "not valid YAML at line 2" in invalid[0].message
    assert "neither a KFP v1 component.yaml" in invalid[1].message


def test_imported_yaml_components_are_checked_like_others(tmp_path):
    diagnostics = check(
        tmp_path,
        """
import "count.yaml" as count
pipeline p() {
    m = make()
    c = count(input_txt: m.data)
}""",
        files={
            "count.yaml": """
name: Count
inputs: [{name: Input text, type: Dataset}]
implementation: {container: {image: alpine, command: [wc, {inputPath: Input text}]}}
"""
        },
    )
    assert codes_at(diagnostics) == [("PTF204", P + 3, 9), ("PTF203", P + 3, 15)]
    assert diagnostics[1].hint == "did you mean `input_text`?"


# ------------------------------------------------------------------ types


def test_parameter_passed_as_artifact_and_the_reverse(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(path: str = "x") {
    m = make()
    f = fit(data: path, max_epochs: m.data)
}""",
    )
    assert codes_at(diagnostics) == [("PTF302", P + 2, 19), ("PTF302", P + 2, 37)]
    assert diagnostics[0].message == (
        "input `data` of `fit`: a parameter (`str`) is passed where an artifact (`Dataset`) is expected"
    )
    assert diagnostics[1].message == (
        "input `max_epochs` of `fit`: an artifact (`Dataset`) is passed where a parameter (`int`) is expected"
    )
    # Both ends of the edge are named: where the value comes from, where the input is declared.
    assert [r.message for r in diagnostics[1].related] == [
        "the value comes from here",
        "input `max_epochs` is declared here",
    ]
    assert [r.span.line for r in diagnostics[1].related] == [P + 1, 5]


def test_wrong_parameter_types_and_defaults(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(epochs: int = "three", lr: float = 0.1, flag: bool = 1, name: str = null) {
    m = make(rows: "ten")
    f = fit(data: m.data, max_epochs: lr)
}""",
    )
    assert codes_at(diagnostics) == [
        ("PTF308", P, 26),
        ("PTF308", P, 65),
        ("PTF308", P, 80),
        ("PTF301", P + 1, 20),
        ("PTF301", P + 2, 39),
    ]
    assert diagnostics[0].message == 'default "three" of `epochs` is not a `int`'
    assert diagnostics[2].hint == "declare `name: str?` to allow null"
    assert diagnostics[3].message == 'input `rows` of `make` is a `int`, but this is a str (`"ten"`)'
    assert diagnostics[4].message == "input `max_epochs` of `fit`: expected `int`, found `float`"


def test_artifact_type_mismatch(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    m = make()
    u = use_model(model: m.data)
}""",
        ),
        "PTF303",
    )
    assert d.message == "input `model` of `use_model`: expected `Model`, found `Dataset`"
    assert (d.span.line, d.span.column) == (P + 2, 26)


def test_whole_step_passed_where_an_output_is_meant(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    m = make()
    f = fit(data: m, max_epochs: 1)
}""",
        ),
        "PTF304",
    )
    assert d.message == "`m` is a whole step; pass one of its outputs"
    assert d.hint == "did you mean `m.data`?"


def test_optional_output_from_an_if_used_unguarded(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(go: bool = true) {
    m = make()
    if go {
        f = fit(data: m.data, max_epochs: 1)
        inside = use_model(model: f.model)
    }
    outside = use_model(model: f.model)
}""",
    )
    d = only(diagnostics, "PTF305")
    assert (d.span.line, d.span.column) == (P + 6, 32)
    assert d.message == "`f.model` is produced inside an `if`, so it may not exist here"
    assert [r.message for r in d.related] == ["the condition", "the producer"]


def test_loops_over_non_lists_and_non_boolean_conditions(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(n: int = 3, name: str = "x") {
    m = make()
    for x in n { s = say(msg: "a") }
    for y in m.names { t = say(msg: y) }
    if name { u = say(msg: "b") }
    if name > "a" { v = say(msg: "c") }
    if m.count == "ten" { w = say(msg: "d") }
}""",
    )
    assert codes_at(diagnostics) == [
        ("PTF306", P + 2, 14),
        ("PTF307", P + 4, 8),
        ("PTF311", P + 5, 8),
        ("PTF311", P + 6, 8),
    ]
    assert diagnostics[0].message == "`for` needs a list, but this is a `int`"
    assert diagnostics[2].message == "`>` compares numbers, not `str`"
    assert diagnostics[3].message == "can't compare `int` with `str`"


def test_invalid_resource_values(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    m = make() with { memory: "8GB", cpu: "two", gpus: -1, timeout: "soon", retries: 1.5 }
}""",
    )
    assert codes_at(diagnostics) == [
        ("PTF309", P + 1, 31),
        ("PTF309", P + 1, 43),
        ("PTF309", P + 1, 56),
        ("PTF309", P + 1, 69),
        ("PTF309", P + 1, 86),
    ]
    assert diagnostics[0].message == "`8GB`: Kubernetes has no `GB` unit; write `8G` or `8Gi`"
    assert diagnostics[1].message.startswith("`two` is not a CPU quantity")


def test_unknown_type_and_artifact_defaults(tmp_path):
    diagnostics = check(
        tmp_path,
        """
component c(x: Datset, y: Model = "m") { image = "a" command = ["c"] }
pipeline p() { s = say(msg: "x") }""",
    )
    assert codes_at(diagnostics) == [("PTF310", P, 16), ("PTF308", P, 35)]
    assert diagnostics[0].hint == "did you mean `Dataset`?"


def test_command_line_placeholders_are_checked(tmp_path):
    diagnostics = check(
        tmp_path,
        """
component c(data: Dataset, n: int) -> (out: Model) {
    image = "a"
    command = ["c", data, n.path, out, missing, data.size]
}""",
    )
    assert codes_at(diagnostics) == [
        ("PTF313", P + 2, 21),
        ("PTF313", P + 2, 27),
        ("PTF313", P + 2, 35),
        ("PTF201", P + 2, 40),
        ("PTF202", P + 2, 54),
    ]
    assert diagnostics[0].message == "`data` is an artifact: pass `data.path`, `data.uri` or `data.metadata`"


# ------------------------------------------------------------------ graph


def test_cycles_are_shown_with_every_step(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    a = fit(data: c.data, max_epochs: 1)
    b = use_model(model: a.model)
    c = make() with { after: [b] }
}""",
        ),
        "PTF401",
    )
    assert d.message == "steps depend on each other in a cycle: a → b → c → a"
    assert (d.span.line, d.span.column) == (P + 1, 5)
    assert [r.message for r in d.related] == ["`b`", "`c`"]


def test_after_must_name_another_step(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    a = make() with { after: [a, nothere] }
}""",
    )
    assert codes_at(diagnostics) == [("PTF402", P + 1, 31), ("PTF402", P + 1, 34)]


def test_finally_cannot_read_the_body(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    m = make()
    finally {
        s = say(msg: f"{m.count}")
    }
}""",
    )
    d = only(diagnostics, "PTF404")
    assert d.message == "`finally` steps can't use outputs of the body (`m.count`)"


def test_gathering_over_nested_loops_is_a_list_per_loop_for_parameters_and_one_list_for_artifacts(tmp_path):
    result = check(
        tmp_path,
        """
component total(counts: list[list[int]], tables: list[Dataset]) {
    image = "python:3.11-slim"
    command = ["echo", counts, tables]
}

pipeline p() {
    for i in [1, 2] {
        for j in [3, 4] {
            m = make(rows: j)
        }
    }
    t = total(counts: m.count, tables: m.data)
}""",
    )
    assert [d for d in result if d.is_error] == []


def test_gathering_over_nested_loops_into_a_flat_list_names_the_nested_type(tmp_path):
    d = only(
        check(
            tmp_path,
            """
component total(counts: list[int]) {
    image = "python:3.11-slim"
    command = ["echo", counts]
}

pipeline p() {
    for i in [1, 2] {
        for j in [3, 4] {
            m = make(rows: j)
        }
    }
    t = total(counts: m.count)
}""",
        ),
        "PTF301",
    )
    assert "found `list[list[int]]`" in d.message
    assert "list of every iteration's value" in d.hint


def test_an_output_made_under_an_if_inside_the_loop_can_be_gathered_but_not_one_outside_it(tmp_path):
    inside = check(
        tmp_path,
        """
pipeline p(n: int) {
    for i in [1, 2] {
        if i > n {
            m = make(rows: i)
        }
    }
    s = say(msg: f"{m.count}")
}""",
    )
    assert [d for d in inside if d.is_error] == []
    d = only(
        check(
            tmp_path,
            """
pipeline p(n: int) {
    if n > 1 {
        for i in [1, 2] {
            m = make(rows: i)
        }
    }
    s = say(msg: f"{m.count}")
}""",
        ),
        "PTF305",
    )
    assert d.message == "`m.count` is produced inside an `if`, so it may not exist here"


def test_pipeline_calling_itself(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline a() { x = b() }
pipeline b() { y = a() }""",
        ),
        "PTF401",
    )
    assert d.message == "pipelines call each other in a cycle: a → b → a"


# ------------------------------------------------------------------ all at once


def test_errors_in_every_phase_are_reported_together(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(n: int = "x") {
    m = make(rows: n)
    f = fit(data: m.dat, max_epochs: 1) with { memory: "1GB" }
    u = use_model(model: m.data)
    s = say(msg: "ok"
}""",
    )
    assert {d.code for d in diagnostics} == {"PTF308", "PTF202", "PTF309", "PTF303", "PTF101"}


@pytest.mark.parametrize("code", ["PTF101", "PTF203", "PTF302", "PTF401", "PTF501"])
def test_every_code_has_an_explanation(code):
    from ptflow.compiler.diagnostics.codes import CODES

    assert CODES[code].explanation and CODES[code].title


def test_a_loops_output_used_after_the_loop_says_it_is_the_fan_in_list_and_how_to_use_it(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(sizes: list[int] = [1, 2]) -> (best: Model) {
    for n in sizes {
        m = make(rows: n)
        f = fit(data: m.data, max_epochs: 1)
    }
    use = use_model(model: f.model)
    return (best: f.model)
}""",
    )
    assert codes_at(diagnostics) == [("PTF303", P + 5, 28), ("PTF303", P + 6, 19)]
    argument, output = diagnostics
    assert argument.message == "input `model` of `use_model`: expected `Model`, found `list[Model]`"
    assert argument.hint == (
        "`f.model` is used after the loop that makes it, so it is the list of every iteration's "
        "value (fan-in): use it inside the loop for one value, or give `use_model` an input "
        "`model: list[Model]` to take them all"
    )
    assert output.message == "output `best`: expected `Model`, found `list[Model]`"
    assert output.hint.endswith("or declare the output as `best: list[Model]` to take them all")


def test_a_plain_type_mismatch_has_no_fan_in_hint(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    m = make()
    use = use_model(model: m.data)
}""",
        ),
        "PTF303",
    )
    assert d.hint is None


def test_parallel_takes_zero_for_no_limit_but_not_a_negative_number(tmp_path):
    unlimited = check(
        tmp_path,
        """
pipeline p() {
    for i in [1, 2] parallel 0 {
        s = say(msg: "hi")
    }
}""",
    )
    assert [d for d in unlimited if d.is_error] == []
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    for i in [1, 2] parallel -1 {
        s = say(msg: "hi")
    }
}""",
        ),
        "PTF309",
    )
    assert d.message == "`parallel` takes a whole number: how many iterations run at once, 0 for no limit"
    assert (d.span.line, d.span.column) == (P + 1, 30)


def test_a_pipeline_name_must_leave_a_kubernetes_name(tmp_path):
    d = only(
        check(
            tmp_path,
            """
pipeline p() {
    name = "--"
    s = say(msg: "hi")
}""",
        ),
        "PTF312",
    )
    assert d.message == "`name` needs a letter or a digit: the compiled pipeline is named after it"


SHOUT = """
component shout(msg: str) -> (msg: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf '%s!' \\"$0\\" > \\"$1\\"", msg, msg.path]
}
"""


def test_an_input_and_an_output_may_share_a_name(tmp_path):
    """The bare name is the input's value, `name.path` the output's file; a pipeline's outputs are only
    named in `return`, so there a shared name never means both."""
    source = tmp_path / "same.ptflow"
    source.write_text(
        SHOUT
        + """
pipeline loud(msg: str = "hi") -> (msg: str) {
    s = shout(msg: msg)
    t = shout(msg: s.msg)
    return (msg: t.msg)
}
"""
    )
    result = compile_file(str(source))
    assert result.ok, [d.message for d in result.diagnostics]
    spec = result.documents[0]
    for executor in spec["deploymentSpec"]["executors"].values():  # one per step
        assert executor["container"]["command"][-2:] == [
            "{{$.inputs.parameters['msg']}}",
            "{{$.outputs.parameters['msg'].output_file}}",
        ]
    assert spec["root"]["inputDefinitions"]["parameters"]["msg"]["parameterType"] == "STRING"
    assert spec["root"]["outputDefinitions"]["parameters"]["msg"]["parameterType"] == "STRING"
    assert spec["root"]["dag"]["outputs"]["parameters"]["msg"]["valueFromParameter"]["producerSubtask"] == "t"


def test_an_artifact_input_may_not_share_its_name_with_an_output(tmp_path):
    d = only(
        check(
            tmp_path,
            """
component copy(data: Dataset) -> (data: Dataset) {
    image = "python:3.11-slim"
    command = ["cp", data.path, data.path]
}""",
        ),
        "PTF205",
    )
    assert d.message == "`data` is an input artifact and an output of `copy`: `data.path` would name either file"
    assert (d.span.line, d.span.column) == (P, 35)


def test_an_input_declared_twice_is_still_a_duplicate(tmp_path):
    d = only(check(tmp_path, 'pipeline p(n: int, n: str) {\n    s = say(msg: "hi")\n}'), "PTF205")
    assert d.message == "`n` is declared twice in the inputs of `p`"


def test_an_importer_takes_any_schema_title_and_version_written_as_a_type(tmp_path):
    source = tmp_path / "imp.ptflow"
    source.write_text(
        """
component read(table: Artifact<"google.BQTable@0.0.0">) {
    image = "python:3.11-slim"
    command = ["cat", table.path]
}

pipeline p() {
    base = importer(uri: "bq://p.d.t", type: Artifact<"google.BQTable@0.0.0">)
    r = read(table: base.artifact)
}
"""
    )
    result = compile_file(str(source))
    assert result.ok, [d.message for d in result.diagnostics]
    [importer] = [e for e in result.documents[0]["deploymentSpec"]["executors"].values() if "importer" in e]
    assert importer["importer"]["typeSchema"] == {"schemaTitle": "google.BQTable", "schemaVersion": "0.0.0"}


def test_a_type_passed_to_a_step_is_not_a_value(tmp_path):
    d = only(check(tmp_path, 'pipeline p() {\n    s = say(msg: Artifact<"google.X">)\n}'), "PTF312")
    assert d.message == "a type is not a value; only an importer's `type:` takes one"
    assert (d.span.line, d.span.column) == (P + 1, 18)


def test_a_comparison_with_a_name_is_still_a_comparison(tmp_path):
    result = check(
        tmp_path, 'pipeline p(n: int, Artifacts: int) {\n    if n < Artifacts {\n        s = say(msg: "a")\n    }\n}'
    )
    assert [d for d in result if d.is_error] == []


# ------------------------------------------------------------------ component command lines


def container_of(tmp_path, source: str, component: str, runtime_image: str | None = None):
    """The checked container of `component` in `source`, and the diagnostics."""
    from ptflow.compiler.api import check_file

    path = tmp_path / "main.ptflow"
    path.write_text(source.strip("\n") + "\n")
    result = check_file(str(path), runtime_image=runtime_image)
    return result.scope.symbols[component].spec.container, result.diagnostics


def test_a_standard_library_step_without_an_image_runs_in_the_runtime_image(tmp_path):
    container, diagnostics = container_of(
        tmp_path,
        'component t(n: int) {\n    runtime = "train"\n}',
        "t",
        runtime_image="registry.example/ptflow-runtime:9",
    )
    assert diagnostics == []
    assert container.image == "registry.example/ptflow-runtime:9"
    assert container.env["PTFLOW_RUNTIME_IMAGE"] == "registry.example/ptflow-runtime:9"
    named, _ = container_of(tmp_path, 'component t(n: int) {\n    runtime = "train"\n    image = "mine:1"\n}', "t")
    assert named.image == "mine:1"  # an image of its own wins


def test_concat_and_if_present_become_their_placeholders(tmp_path):
    from ptflow.compiler import dag

    container, diagnostics = container_of(
        tmp_path,
        """
component c(n: int, note: str?) -> (out: Model) {
    image = "a"
    command = ["c", concat("--n=", n), if_present(note, ["--note", note], ["--quiet"])]
}""",
        "c",
    )
    assert diagnostics == []
    assert container.command == [
        "c",
        dag.Concat(("--n=", dag.InputValue("n"))),
        dag.IfPresent("note", ("--note", dag.InputValue("note")), ("--quiet",)),
    ]


def test_wrong_concat_and_if_present_calls_are_refused_where_they_are(tmp_path):
    diagnostics = check(
        tmp_path,
        """
component c(n: int, note: str?) {
    image = "a"
    command = ["c", concat("--n=", missing), if_present(n, ["x"]), if_present(note, then: ["x"])]
}""",
    )
    assert codes_at(diagnostics) == [("PTF201", P + 2, 36), ("PTF313", P + 2, 57), ("PTF313", P + 2, 68)]
    assert diagnostics[1].message == "`n` is always present: declare it optional (`n: int?`) or give it a default"
    assert diagnostics[2].message == (
        "write `if_present(input, [then...])` or `if_present(input, [then...], [else...])`"
    )


def test_an_unknown_runtime_placeholder_lists_the_known_ones(tmp_path):
    diagnostics = check(
        tmp_path,
        """
component c() {
    image = "a"
    command = ["c", pipeline.xyz]
}""",
    )
    d = only(diagnostics, "PTF202")
    assert (d.span.line, d.span.column, d.message) == (P + 2, 30, "`pipeline` has no `xyz`")
    assert d.hint.startswith("`pipeline` has `job_name`, `job_id`, `root`, `task_name`, `task_id`")


def test_env_is_a_dict_of_names_to_strings(tmp_path):
    container, diagnostics = container_of(
        tmp_path,
        'component c() {\n    image = "a"\n    command = ["c"]\n    env = {"MODE": "fast", "WORKERS": 4}\n}',
        "c",
    )
    assert diagnostics == [] and container.env == {"MODE": "fast", "WORKERS": "4"}
    _, diagnostics = container_of(
        tmp_path, 'component c() {\n    image = "a"\n    command = ["c"]\n    env = ["MODE"]\n}', "c"
    )
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF312", 4, 11, "`env` must be a dict of names to string values")
    ]


def test_defaults_keep_their_type_and_a_float_input_takes_an_integer(tmp_path):
    from ptflow.compiler.api import check_file

    path = tmp_path / "main.ptflow"
    path.write_text(
        'component c(n: int = 3, lr: float = 1, opts: dict = {"a": 1}, bad: dict = [1]) {\n'
        '    image = "a"\n    command = ["c", n, lr]\n}\n'
        'component d(names: list[str] = ["a"], one: list[str] = "a") {\n    image = "a"\n    command = ["d"]\n}\n'
    )
    result = check_file(str(path))
    assert [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics] == [
        ("PTF308", 1, 75, "default [1] of `bad` is not a `dict`"),
        ("PTF308", 5, 56, 'default "a" of `one` is not a `list[str]`'),
    ]
    defaults = {port.name: port.default for port in result.scope.symbols["c"].spec.inputs}
    # repr: 3 and 3.0 compare equal, but the compiled default is written as one or the other
    assert repr(defaults["n"]) == "3" and repr(defaults["lr"]) == "1.0" and defaults["opts"] == {"a": 1}


def test_type_arguments_are_checked_and_list_items_are_typed(tmp_path):
    _, diagnostics = container_of(
        tmp_path,
        'component c(a: int[str], b: list[int, str], n: list[int] = ["a"]) {\n    image = "a"\n    command = ["c"]\n}',
        "c",
    )
    assert [(d.code, d.span.column, d.message) for d in diagnostics] == [
        ("PTF310", 16, "`int` takes no type arguments"),
        ("PTF310", 29, "`list` takes one type argument: `list[int]`"),
        ("PTF308", 60, 'default ["a"] of `n` is not a `list[int]`'),
    ]


def test_an_unknown_component_property_lists_the_known_ones(tmp_path):
    _, diagnostics = container_of(
        tmp_path, 'component c() {\n    image = "a"\n    command = ["c"]\n    zzz = 1\n}', "c"
    )
    [d] = diagnostics
    assert (d.code, d.span.line, d.span.column, d.message) == ("PTF213", 4, 5, "components have no property `zzz`")
    assert d.hint is not None and d.hint.startswith("component properties are image, ")


def test_a_definition_without_a_name_does_not_hide_the_ones_after_it(tmp_path):
    diagnostics = diagnose(
        """
component (msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
pipeline () {
    s = say(msg: "x")
}
pipeline second() {
    s = say(mgs: "x")
}
""",
        tmp_path,
    )
    assert codes_at(diagnostics) == [("PTF101", 1, 11), ("PTF101", 9, 10), ("PTF204", 13, 9), ("PTF203", 13, 13)]
    assert diagnostics[-1].message == "`say` has no input `mgs`"


def test_a_pipeline_calls_another_as_a_step(tmp_path):
    from ptflow.compiler import dag
    from ptflow.compiler.api import check_file

    path = tmp_path / "main.ptflow"
    path.write_text(
        PRELUDE.strip("\n")
        + "\npipeline inner(n: int = 3) -> (out: Dataset) {\n    m = make(rows: n)\n    return (out: m.data)\n}\n"
        + "pipeline outer() {\n    i = inner(n: 4)\n    f = fit(data: i.out, max_epochs: 1)\n}\n"
    )
    result = check_file(str(path))
    assert result.diagnostics == []
    step = result.pipelines["outer"].tasks["i"]
    assert step.component.kind == dag.ComponentKind.PIPELINE and step.component.name == "inner"


def test_a_module_without_the_component_lists_what_it_defines(tmp_path):
    lib = "".join(f'component {name}() {{\n    image = "a"\n    command = ["a"]\n}}\n' for name in ("alpha", "beta"))
    diagnostics = diagnose(
        'import "lib.ptflow" as lib\npipeline p() {\n    s = lib.zzz()\n}\n', tmp_path, files={"lib.ptflow": lib}
    )
    d = only(diagnostics, "PTF202")
    assert (d.span.line, d.span.column, d.message) == (3, 13, "module `lib` has no component `zzz`")
    assert d.hint == "it defines `alpha`, `beta`"


def test_a_file_that_cannot_be_read_is_ptf901_without_a_place(tmp_path):
    from ptflow.compiler.api import check_file

    (tmp_path / "folder.ptflow").mkdir()
    for name, reason in (("missing.ptflow", "No such file or directory"), ("folder.ptflow", "Is a directory")):
        path = str(tmp_path / name)
        [d] = check_file(path).diagnostics
        assert (d.code, d.span, d.message) == ("PTF901", None, f"can't read `{path}`: {reason}")


def test_a_component_named_like_a_built_in_is_refused(tmp_path):
    diagnostics = diagnose('component importer() {\n    image = "a"\n    command = ["a"]\n}\n', tmp_path)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF205", 1, 11, "`importer` is a built-in name; choose another")
    ]


def test_the_arguments_of_an_unknown_component_are_still_checked(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p(rows: int = 5) {
    m = mkae(rows: rwos, type: Dataset)
}""",
    )
    assert codes_at(diagnostics) == [("PTF201", P + 1, 9), ("PTF201", P + 1, 20)]
    assert [d.message for d in diagnostics] == ["unknown component `mkae`", "unknown name `rwos`"]


def test_the_importer_needs_a_uri_and_gives_an_artifact_of_its_type(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline p() {
    data = importer(uri: "gs://bucket/data", type: Dataset)
    f = fit(data: data.artifact, max_epochs: 1)
    m = importer(type: Model)
}""",
    )
    assert codes_at(diagnostics) == [("PTF204", P + 3, 9)]
    assert diagnostics[0].message == "importer needs `uri`"


def test_the_workspace_path_needs_the_pipeline_s_workspace(tmp_path):
    d = only(check(tmp_path, "pipeline p() {\n    s = say(msg: pipeline.workspace_path)\n}"), "PTF312")
    assert d.message == "`pipeline.workspace_path` needs a workspace: this pipeline has no `workspace` property"
    assert (d.span.line, d.span.column) == (P + 1, 18)
    assert d.hint == 'give the pipeline one: `workspace = {size: "10Gi"}`'


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"10Gi"', "`workspace` must be a constant dict"),
        ('{pvc_spec_patch: {storageClassName: "fast"}}', "`workspace` needs a `size`"),
        ('{size: "ten gigs"}', "`workspace` size `ten gigs` is not a Kubernetes quantity"),
        ('{size: "1Gi", sise: "2Gi"}', "`workspace` has no field `sise`"),
        (
            '{size: "1Gi", pvc_spec_patch: "standard"}',
            "`workspace` field `pvc_spec_patch` must be a dict of PersistentVolumeClaim spec fields",
        ),
    ],
)
def test_a_workspace_that_kfp_would_refuse_is_an_error_at_its_value(tmp_path, written, message):
    d = only(check(tmp_path, f'pipeline p() {{\n    workspace = {written}\n    s = say(msg: "hi")\n}}'), "PTF312")
    assert d.message == message
    assert (d.span.line, d.span.column) == (P + 1, 17)


def test_download_to_workspace_is_true_or_false(tmp_path):
    body = 'pipeline p() {\n    i = importer(uri: "gs://b/x", type: Dataset, download_to_workspace: "yes")\n}'
    d = only(check(tmp_path, body), "PTF312")
    assert d.message == "importer `download_to_workspace` must be true or false"


def test_an_artifact_input_named_like_an_output_is_reported_after_a_parameter_pair(tmp_path):
    """`n` (a parameter) may share its name with an output; `d` (an artifact) may not: reported at the output,
    pointing at the input."""
    diagnostics = diagnose(
        'component c(n: int, d: Dataset) -> (n: int, d: Model) {\n    image = "alpine"\n'
        '    command = ["cat", n, d.path, n.path, d.path]\n}\n',
        tmp_path,
    )
    d = only(diagnostics, "PTF205")
    assert (d.span.line, d.span.column) == (1, 45)
    assert d.message == "`d` is an input artifact and an output of `c`: `d.path` would name either file"
    assert [(r.span.line, r.span.column, r.message) for r in d.related] == [(1, 21, "the input")]


def test_an_f_string_in_a_command_reads_the_inputs_it_names(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        'component c(lr: float) {\n    image = "alpine"\n    command = ["fit", f"--lr={lr}"]\n}\n'
        "pipeline p() {\n    s = c(lr: 0.1)\n}\n"
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    (executor,) = result.documents[0]["deploymentSpec"]["executors"].values()
    assert executor["container"]["command"] == ["fit", "--lr={{$.inputs.parameters['lr']}}"]


def test_a_component_property_set_twice_points_at_its_first_setting(tmp_path):
    diagnostics = diagnose(
        'component c(a: str) {\n    image = "alpine"\n    image = "busybox"\n    command = ["echo", a]\n}\n', tmp_path
    )
    assert codes_at(diagnostics) == [("PTF205", 3, 5)]
    problem = only(diagnostics, "PTF205")
    assert problem.message == "`image` is set twice"
    assert [(r.message, r.span.line, r.span.column) for r in problem.related] == [("first set here", 2, 5)]


@pytest.mark.parametrize("call", ["concat()", "concat(part: a)"], ids=["no-parts", "a-named-part"])
def test_concat_takes_its_parts_unnamed_and_at_least_one(tmp_path, call):
    source = f'component c(a: str) {{\n    image = "alpine"\n    command = ["echo", {call}]\n}}\n'
    diagnostics = diagnose(source, tmp_path)
    assert codes_at(diagnostics) == [("PTF313", 3, 24)]
    assert only(diagnostics, "PTF313").message == "write `concat(part, part, ...)`"


def test_true_and_false_in_a_command_are_written_as_the_words(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        'component c() {\n    image = "alpine"\n    command = ["run", true, false]\n}\npipeline p() {\n    s = c()\n}\n'
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    (executor,) = result.documents[0]["deploymentSpec"]["executors"].values()
    assert executor["container"]["command"] == ["run", "true", "false"]
