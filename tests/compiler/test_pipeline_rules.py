"""Rules of the checker (mostly the pipeline checker) that only mutation testing showed untested
(tools/mutation.py).

Each test is a mistake (or a correct file) a user can write, with the code, place and message
`ptflow check` gives, or what the compiled document then says.
"""

from ptflow.compiler.api import check_file, compile_file
from tests.support.diagnose import codes_at, diagnose, only

COMPONENTS = """\
component make(rows: int = 10) -> (data: Dataset, count: int, names: list[str]) {
    image = "alpine"
    command = ["make", rows, data.path, count.path, names.path]
}
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
component status_of(status: Status) {
    image = "alpine"
    command = ["echo", status]
}
component fit(lr: float) {
    image = "alpine"
    command = ["fit", lr]
}
"""
P = len(COMPONENTS.splitlines()) + 1  # the line a pipeline written after the components starts on


def check(tmp_path, body: str):
    return diagnose(COMPONENTS + body.strip("\n") + "\n", tmp_path)


# ------------------------------------------------------------------ names


def test_a_parameter_named_like_a_component_is_reported_at_the_parameter(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q(make: int = 1) {\n    s = say(msg: "hi")\n}')
    d = only(diagnostics, "PTF205")
    assert (d.span.line, d.span.column) == (P, 12)
    assert d.message == "parameter `make` has the name of an import or definition of this file"


def test_a_parameter_named_like_a_builtin_is_reported_at_the_parameter(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q(importer: str = "x") {\n    s = say(msg: importer)\n}')
    d = only(diagnostics, "PTF205")
    assert (d.span.line, d.span.column) == (P, 12)
    assert d.message == "parameter `importer` has the name of an import or definition of this file"


def test_a_name_defined_twice_points_at_its_first_definition(tmp_path):
    diagnostics = check(tmp_path, 'component say(msg: str) {\n    image = "alpine"\n}\npipeline q() {}')
    d = only(diagnostics, "PTF205")
    assert (d.span.line, d.message) == (P, "`say` is defined twice in this file")
    assert [(r.span.line, r.message) for r in d.related] == [(5, "first defined here")]


def test_a_component_named_like_an_import_points_at_the_import(tmp_path):
    source = "import stdlib.torch as say\n" + COMPONENTS + "pipeline q() {}\n"
    d = only(diagnose(source, tmp_path), "PTF205")
    assert (d.span.line, d.message) == (6, "`say` is defined twice in this file")
    assert [(r.span.line, r.message) for r in d.related] == [(1, "first defined here")]


def test_an_unknown_output_of_a_step_without_outputs_says_it_has_none(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    s = say(msg: "hi")
    m = make()
    t = say(msg: s.text)
    u = say(msg: m.weights)
}""",
    )
    assert codes_at(diagnostics) == [("PTF202", P + 3, 20), ("PTF202", P + 4, 20)]
    no_outputs, misspelt = diagnostics
    assert no_outputs.message == "step `s` (`say`) has no output `text`"
    assert no_outputs.hint == "`say` has no outputs"
    assert misspelt.message == "step `m` (`make`) has no output `weights`"
    assert misspelt.hint == "its outputs are `data`, `count`, `names`"


def test_an_unknown_input_hint_lists_the_inputs_or_says_there_are_none(tmp_path):
    source = """
component none() {
    image = "alpine"
    command = ["true"]
}
pipeline q() {
    m = make(colour: 1)
    n = none(x: 1)
}"""
    diagnostics = check(tmp_path, source)
    assert [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in diagnostics] == [
        ("PTF203", P + 5, 14, "`make` has no input `colour`", "its inputs are `rows`"),
        ("PTF203", P + 6, 14, "`none` has no input `x`", "`none` takes no inputs"),
    ]


def test_a_wrong_type_points_at_its_producer_past_a_step_with_a_mistake(tmp_path):
    """`bad` has a mistake (so no task); looking for the producer of `m.names` passes over it."""
    source = "pipeline q() {\n    bad = say(msg: 1)\n    m = make()\n    f = fit(lr: m.names)\n}"
    diagnostics = check(tmp_path, source)
    assert codes_at(diagnostics) == [("PTF301", P + 1, 20), ("PTF301", P + 3, 17)]
    assert diagnostics[1].message == "input `lr` of `fit`: expected `float`, found `list[str]`"
    assert [(r.span.line, r.span.column, r.message) for r in diagnostics[1].related] == [
        (P + 2, 5, "the value comes from here"),
        (P - 4, 15, "input `lr` is declared here"),
    ]


def test_an_unknown_name_before_a_dot_is_an_unknown_name_not_a_pipeline_value(tmp_path):
    diagnostics = check(tmp_path, "pipeline q() {\n    m = make()\n    s = say(msg: mm.count)\n}")
    d = only(diagnostics, "PTF201")
    assert (d.span.line, d.span.column) == (P + 2, 18)
    assert d.message == "unknown name `mm`" and d.hint == "did you mean `m`?"


# ------------------------------------------------------------------ values


def test_a_list_or_a_dict_given_to_a_str_input_is_named_as_such(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q() {\n    f = say(msg: [1, 2])\n    g = say(msg: {"a": 1})\n}')
    assert codes_at(diagnostics) == [("PTF301", P + 1, 18), ("PTF301", P + 2, 18)]
    assert [d.message for d in diagnostics] == [
        "input `msg` of `say` is a `str`, but this is a list",
        "input `msg` of `say` is a `str`, but this is a dict",
    ]
    assert [(r.span.line, r.span.column, r.message) for r in diagnostics[0].related] == [
        (5, 15, "the input is declared here")
    ]


def test_a_step_output_of_the_wrong_type_points_at_the_step_that_makes_it(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q() {\n    s = say(msg: "x")\n    m = make()\n    f = fit(lr: m.names)\n}')
    d = only(diagnostics, "PTF301")
    assert (d.span.line, d.span.column) == (P + 3, 17)
    assert [(r.span.line, r.span.column, r.message) for r in d.related] == [
        (P + 2, 5, "the value comes from here"),
        (13, 15, "input `lr` is declared here"),
    ]


def test_a_long_string_given_to_a_number_input_is_not_quoted_whole(tmp_path):
    short, long = "x" * 39, "y" * 40
    diagnostics = check(tmp_path, f'pipeline q() {{\n    a = fit(lr: "{short}")\n    b = fit(lr: "{long}")\n}}')
    assert [d.message for d in diagnostics] == [
        f'input `lr` of `fit` is a `float`, but this is a str (`"{short}"`)',
        "input `lr` of `fit` is a `float`, but this is a str",
    ]


def test_a_mistake_on_the_line_of_a_syntax_error_is_not_reported_again(tmp_path):
    """The parser repaired `fit(: 0.5, ...)` with a guess; what the checker says about the guess would repeat it."""
    diagnostics = check(tmp_path, 'pipeline q() {\n    e = fit(: 0.5, lr: "a")\n    f = fit(lr: "b")\n}')
    assert codes_at(diagnostics) == [("PTF101", P + 1, 13), ("PTF301", P + 2, 17)]


def test_an_argument_without_its_name_leaves_the_next_arguments_checked(tmp_path):
    """After `: 0.5` (a syntax error), `lr` is still read: its own mistake, on a line of its own, is reported."""
    diagnostics = check(tmp_path, 'pipeline q() {\n    e = fit(\n        : 0.5,\n        lr: "a",\n    )\n}')
    assert codes_at(diagnostics) == [("PTF101", P + 1, 13), ("PTF301", P + 3, 13)]
    assert diagnostics[1].message == 'input `lr` of `fit` is a `float`, but this is a str (`"a"`)'


def test_an_input_passed_twice_leaves_the_arguments_after_it_checked(tmp_path):
    """`fit(lr: 0.1, lr: 0.2, rate: 3)`: the second `lr` is reported at itself, pointing at the first, and the
    unknown `rate` after it is still reported."""
    diagnostics = check(tmp_path, "pipeline q() {\n    e = fit(lr: 0.1, lr: 0.2, rate: 3)\n}")
    assert codes_at(diagnostics) == [("PTF205", P + 1, 22), ("PTF203", P + 1, 31)]
    assert diagnostics[0].message == "input `lr` is passed twice"
    assert diagnostics[0].related[0].span.column == 13
    assert diagnostics[1].message == "`fit` has no input `rate`"


def test_every_mistake_inside_one_f_string_is_reported(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q() {\n    m = make()\n    a = say(msg: f"{m.data} and {nope}")\n}')
    assert codes_at(diagnostics) == [("PTF312", P + 2, 21), ("PTF201", P + 2, 34)]
    assert diagnostics[0].message == "an f-string can only hold parameters, not `Dataset`"
    assert diagnostics[1].message == "unknown name `nope`"


def test_an_f_string_argument_is_compiled_into_the_steps_input(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + 'pipeline q(name: str = "x") {\n    s = say(msg: f"hello {name}!")\n}\n')
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    inputs = result.documents[0]["root"]["dag"]["tasks"]["s"]["inputs"]["parameters"]
    assert inputs["msg"] == {"runtimeValue": {"constant": "hello {{$.inputs.parameters['pipelinechannel--name']}}!"}}
    assert inputs["pipelinechannel--name"] == {"componentInputParameter": "name"}


def test_a_condition_on_a_list_is_reported_at_the_list_on_either_side(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q(flag: bool = true, tags: list[str] = ["a"]) {
    m = make()
    if flag == m.names {
        c = say(msg: "x")
    }
    if tags == flag {
        d = say(msg: "y")
    }
}""",
    )
    assert codes_at(diagnostics) == [("PTF311", P + 2, 16), ("PTF311", P + 5, 8)]
    assert diagnostics[0].message == "can't compare a `list[str]` in a condition; compare strings, numbers or booleans"


# ------------------------------------------------------------------ loops


def test_a_field_the_loops_dicts_lack_is_reported_and_one_they_have_is_not(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    for row in [{"name": "a", "size": 1}, {"name": "b", "size": 2}] {
        ok = say(msg: row.name)
        bad = say(msg: row.colour)
    }
}""",
    )
    d = only(diagnostics, "PTF202")
    assert (d.span.line, d.span.column) == (P + 3, 28)
    assert d.message == "the items of this loop have no field `colour`"
    assert d.hint == "fields: `name`, `size`"


def test_a_field_of_one_type_in_every_dict_keeps_that_type_and_a_mixed_one_takes_any(tmp_path):
    source = """
pipeline q() {
    for row in [{"n": "x", "m": 1}, {"n": "y", "m": "z"}] {
        f = fit(lr: row.n)
        g = fit(lr: row.m)
    }
}"""
    diagnostics = check(tmp_path, source)
    assert codes_at(diagnostics) == [("PTF301", P + 2, 21)]
    assert diagnostics[0].message == "input `lr` of `fit`: expected `float`, found `str`"


def test_a_loop_over_ints_and_floats_gives_floats(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    for x in [1, 2.5] {
        d = make(rows: x)
        e = fit(lr: x)
    }
}""",
    )
    d = only(diagnostics, "PTF301")
    assert (d.span.line, d.span.column) == (P + 2, 24)
    assert d.message == "input `rows` of `make`: expected `int`, found `float`"


def test_any_field_of_a_list_of_dicts_parameter_is_accepted(tmp_path):
    """The fields of a `list[dict]` parameter's items are known only at run time."""
    source = "pipeline q(rows: list[dict]) {\n    for row in rows {\n        s = say(msg: row.anything)\n    }\n}"
    assert check(tmp_path, source) == []


def test_a_step_inside_a_loop_depends_on_the_step_its_items_come_from(tmp_path):
    """The loop's items make a dependency: waiting for a step of the loop closes a cycle."""
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    for n in m.names {
        s = say(msg: n)
    }
    m = make() with { after: [s] }
}""",
    )
    d = only(diagnostics, "PTF401")
    assert (d.span.line, d.span.column) == (P + 2, 9)
    assert d.message == "steps depend on each other in a cycle: s → m → s"


def test_a_loop_over_one_artifact_is_reported(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    m = make()
    for d in m.data {
        s = say(msg: "one")
    }
}""",
    )
    d = only(diagnostics, "PTF306")
    assert (d.span.line, d.span.column) == (P + 2, 14)
    assert d.message == "`for` needs a list, but this is a `Dataset`"


def test_an_if_between_two_loops_only_thins_the_gathered_lists(tmp_path):
    """Outside both loops the output is a list per outer item, whatever the `if` inside the outer loop said."""
    source = """
pipeline q(flag: bool = true) -> (counts: list[list[int]]) {
    for a in [1, 2] {
        if flag == true {
            for b in [3, 4] {
                m = make(rows: b)
            }
        }
    }
    return (counts: m.count)
}"""
    assert check(tmp_path, source) == []


def test_each_name_after_lists_is_judged_on_its_own(tmp_path):
    """A step behind a condition does not hide the next name of the list: both mistakes are reported."""
    diagnostics = check(
        tmp_path,
        """
pipeline q(flag: bool = true) {
    if flag == true {
        s = say(msg: "x")
    }
    t = say(msg: "y") with { after: [s, nothing] }
}""",
    )
    assert codes_at(diagnostics) == [("PTF403", P + 4, 38), ("PTF402", P + 4, 41)]
    assert diagnostics[0].message == "`t` can't run after `s`, which is inside a condition that doesn't contain it"
    assert diagnostics[1].message == "`after` names `nothing`, which is not a step of this pipeline"


def test_a_step_with_a_mistake_does_not_hide_the_after_of_the_steps_below_it(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    s = sya(msg: "x")
    t = say(msg: "y") with { after: [nothing] }
}""",
    )
    assert codes_at(diagnostics) == [("PTF201", P + 1, 9), ("PTF402", P + 2, 38)]


# ------------------------------------------------------------------ finally, pipeline.status


def test_finally_before_a_step_is_reported_at_the_finally(tmp_path):
    diagnostics = check(
        tmp_path,
        """
pipeline q() {
    finally {
        bye = say(msg: "bye")
    }
    s = say(msg: "hi")
}""",
    )
    d = only(diagnostics, "PTF107")
    assert (d.span.line, d.span.column) == (P + 1, 5)
    assert d.message == "`finally` must be the last block of the pipeline body"


def test_finally_after_the_steps_and_before_properties_is_accepted(tmp_path):
    source = """
pipeline q() {
    s = say(msg: "hi")
    t = say(msg: "there")
    finally {
        st = status_of(status: pipeline.status)
    }
    description = "greets"
}"""
    assert check(tmp_path, source) == []


def test_pipeline_status_outside_finally_is_reported(tmp_path):
    diagnostics = check(tmp_path, "pipeline q() {\n    st = status_of(status: pipeline.status)\n}")
    d = only(diagnostics, "PTF312")
    assert (d.span.line, d.span.column) == (P + 1, 28)
    assert d.message == "`pipeline.status` exists only in `finally`"


def test_a_property_return_and_try_inside_a_loop_are_each_reported_where_written(tmp_path):
    source = """
pipeline q() -> (c: int) {
    for x in [1, 2] {
        description = "d"
        return (c: 1)
        try {
            s = say(msg: "a")
        } finally {
            b = say(msg: "b")
        }
    }
}"""
    diagnostics = check(tmp_path, source)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF216", P, 18, "output `c` is declared but never returned"),
        ("PTF107", P + 2, 9, "`description = ...` must be at the top of the pipeline body"),
        ("PTF107", P + 3, 9, "`return` must be at the top level of the pipeline body"),
        ("PTF107", P + 4, 9, "`try` is allowed only at the top level of a pipeline body: exit handlers don't nest"),
    ]


# ------------------------------------------------------------------ returns


def test_only_the_first_return_is_read_and_a_second_is_reported_alone(tmp_path):
    """A second `return` is one mistake (PTF107); what it returns is not checked as well."""
    diagnostics = check(
        tmp_path,
        """
pipeline q() -> (count: int) {
    m = make()
    return (count: m.count)
    return (cuont: m.count)
}""",
    )
    assert codes_at(diagnostics) == [("PTF107", P + 3, 5)]
    assert diagnostics[0].message == "a pipeline has one `return`"


def test_a_positional_return_value_leaves_the_named_ones_after_it_checked(tmp_path):
    """The positional value is reported, and so is the misspelt name after it."""
    diagnostics = check(
        tmp_path, "pipeline q() -> (count: int) {\n    m = make()\n    return (m.count, cuont: m.count)\n}"
    )
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF216", P, 18, "output `count` is declared but never returned"),
        ("PTF212", P + 2, 13, "outputs are returned by name: `return (model: train.model)`"),
        ("PTF216", P + 2, 22, "the pipeline declares no output `cuont`"),
    ]


# ------------------------------------------------------------------ the compiled description


def test_a_doc_comment_is_the_description_unless_the_pipeline_sets_one(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        COMPONENTS
        + """
## Says hello.
pipeline documented() {
    s = say(msg: "hi")
}

## Says hello, documented.
pipeline described() {
    description = "Greets the world"
    s = say(msg: "hi")
}
"""
    )
    documented = compile_file(str(path), "kfp-v2", pipeline="documented")
    described = compile_file(str(path), "kfp-v2", pipeline="described")
    assert documented.ok and described.ok
    assert documented.documents[0]["pipelineInfo"]["description"] == "Says hello."
    assert described.documents[0]["pipelineInfo"]["description"] == "Greets the world"


# ------------------------------------------------------------------ importer


def test_an_importers_positional_and_unknown_inputs_are_reported_where_written(tmp_path):
    diagnostics = check(
        tmp_path,
        'pipeline q() {\n    a = importer("gs://b/m", uri: "gs://b/m", type: Model, colour: 1)\n}',
    )
    assert codes_at(diagnostics) == [("PTF212", P + 1, 18), ("PTF203", P + 1, 60)]
    assert diagnostics[1].message == "importer has no input `colour`"
    assert diagnostics[1].hint == "its inputs are uri, type, metadata, reimport, download_to_workspace"


def test_an_importers_metadata_must_be_a_dict_written_in_the_call(tmp_path):
    d = only(check(tmp_path, 'pipeline q() {\n    b = importer(uri: "gs://b/m", metadata: "x")\n}'), "PTF312")
    assert (d.span.line, d.span.column) == (P + 1, 45)
    assert d.message == "importer `metadata` must be a dict written here"


def test_an_importers_metadata_reaches_the_compiled_importer(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        COMPONENTS + 'pipeline q() {\n    b = importer(uri: "gs://b/m", type: Model, metadata: {"k": "v"})\n}\n'
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    (executor,) = result.documents[0]["deploymentSpec"]["executors"].values()
    assert executor["importer"]["metadata"] == {"k": "v"}
    assert executor["importer"]["typeSchema"] == {"schemaTitle": "system.Model", "schemaVersion": "0.0.1"}


# ------------------------------------------------------------------ unsaved text


def test_the_text_given_is_checked_not_the_file_on_disk(tmp_path):
    """The language server checks the editor's unsaved buffer: a mistake only on disk is not reported."""
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + 'pipeline q() {\n    s = sya(msg: "on disk")\n}\n')
    buffer = COMPONENTS + "pipeline q() {\n    s = say(msg: 1)\n}\n"
    diagnostics = check_file(str(path), buffer).diagnostics
    assert codes_at(diagnostics) == [("PTF301", P + 1, 18)]


def test_an_imported_yaml_file_that_is_not_utf8_is_reported_at_the_import(tmp_path):
    (tmp_path / "bad.yaml").write_bytes(b"name: x\nimplementation: \xff\xfe\n")
    diagnostics = diagnose('import "bad.yaml" as bad\npipeline q() {\n    s = bad()\n}\n', tmp_path)
    d = only(diagnostics, "PTF207")
    assert (d.span.line, d.span.column) == (1, 8)
    assert d.message.startswith(f"can't read `{tmp_path / 'bad.yaml'}`: 'utf-8' codec can't decode byte 0xff")


def test_a_step_that_calls_a_member_of_a_member_is_told_what_a_step_calls(tmp_path):
    diagnostics = diagnose("import stdlib.torch as torch\npipeline q() {\n    s = torch.train.fit()\n}\n", tmp_path)
    d = only(diagnostics, "PTF211")
    assert (d.span.line, d.span.column) == (3, 9)
    assert d.message == "a step calls a component: `name(...)` or `module.name(...)`"


# ------------------------------------------------------- round 4 (seed 57)


def test_every_unknown_name_of_one_f_string_is_reported(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q() {\n    s = say(msg: f"{nope} and {nada}")\n}')
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF201", P + 1, 21, "unknown name `nope`"),
        ("PTF201", P + 1, 32, "unknown name `nada`"),
    ]


def test_a_returned_value_after_a_wrong_one_is_still_checked(tmp_path):
    body = "pipeline q() -> (a: int, b: int) {\n    m = make()\n    return (a: m.nothing, b: m.names)\n}"
    diagnostics = check(tmp_path, body)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF202", P + 2, 18, "step `m` (`make`) has no output `nothing`"),
        ("PTF301", P + 2, 30, "output `b`: expected `int`, found `list[str]`"),
    ]


def test_a_field_of_a_loop_item_that_is_a_number_is_refused(tmp_path):
    body = "pipeline q(xs: list[int] = [1, 2]) {\n    for x in xs {\n        s = say(msg: x.field)\n    }\n}"
    d = only(check(tmp_path, body), "PTF202")
    assert (d.span.line, d.span.column) == (P + 2, 24)
    assert d.message == "the items of this loop are `int`, which has no fields"


def test_the_steps_of_finally_are_the_graphs_exit_tasks_and_a_wrong_one_is_not(tmp_path):
    source = COMPONENTS + (
        "pipeline q() {\n"
        '    s = say(msg: "body")\n'
        "    finally {\n"
        "        done = status_of(status: pipeline.status)\n"
        '        oops = shout(msg: "x")\n'
        "    }\n"
        "}\n"
    )
    path = tmp_path / "main.ptflow"
    path.write_text(source)
    result = check_file(str(path))
    assert [d.code for d in result.diagnostics] == ["PTF201"]  # `oops` calls an unknown component: it has no task
    assert [task.name for task in result.pipelines["q"].exit_tasks] == ["done"]


# ------------------------------------------------------- round 4 (seed 73)


def _said(diagnostics) -> list[tuple]:
    """(code, line in the pipeline, column, message) of each diagnostic."""
    return [(d.code, d.span.line - P + 1, d.span.column, d.message) for d in diagnostics]


def test_every_finally_after_the_first_is_reported_pointing_at_the_first(tmp_path):
    blocks = "".join(f'    finally {{\n        f{i} = say(msg: "{i}")\n    }}\n' for i in range(3))
    diagnostics = check(tmp_path, 'pipeline q() {\n    s = say(msg: "a")\n' + blocks + "}")
    assert _said(diagnostics) == [
        ("PTF107", 3, 5, "`finally` must be the last block of the pipeline body"),
        ("PTF107", 6, 5, "a pipeline has at most one `finally` block"),
        ("PTF107", 9, 5, "a pipeline has at most one `finally` block"),
    ]
    assert {(r.span.line - P + 1, r.message) for d in diagnostics for r in d.related} == {(3, "the first one is here")}


def test_a_missing_status_is_asked_for_in_finally_and_refused_in_the_body(tmp_path):
    in_finally = check(
        tmp_path, 'pipeline q() {\n    s = say(msg: "a")\n    finally {\n        d = status_of()\n    }\n}'
    )
    assert _said(in_finally) == [("PTF204", 4, 13, "`status_of` needs `status`")]
    assert in_finally[0].hint == "pass `status: pipeline.status`"
    in_body = check(tmp_path, "pipeline q() {\n    d = status_of()\n}")
    assert _said(in_body) == [
        (
            "PTF301",
            2,
            9,
            "`status_of` takes the pipeline's final status (`status: Status`), so it can only run in `finally`",
        )
    ]


def test_ignore_upstream_failure_with_a_positional_or_unknown_input_reports_them(tmp_path):
    options = "with { ignore_upstream_failure: true }"
    positional = check(tmp_path, f'pipeline q() {{\n    m = make()\n    s = say(m.names, msg: "x") {options}\n}}')
    assert _said(positional) == [("PTF212", 3, 13, "inputs of `say` are passed by name")]
    unknown = check(tmp_path, f'pipeline q() {{\n    m = make()\n    s = say(mesg: m.count, msg: "x") {options}\n}}')
    assert _said(unknown) == [("PTF203", 3, 13, "`say` has no input `mesg`")]


def test_ignore_upstream_failure_checks_every_input_after_one_with_a_default(tmp_path):
    body = (
        "component pair(a: int = 1, b: int) {\n"
        '    image = "alpine"\n'
        '    command = ["echo", a, b]\n'
        "}\n"
        "pipeline q() {\n"
        "    m = make()\n"
        "    s = pair(a: m.count, b: m.count) with { ignore_upstream_failure: true }\n"
        "}"
    )
    d = only(check(tmp_path, body), "PTF305")
    assert d.message.startswith("with `ignore_upstream_failure`, input `b` of `pair` needs a default")


def test_an_importer_uri_that_is_not_a_string_or_a_parameter_is_refused(tmp_path):
    message = "importer `uri` must be a string or a pipeline parameter"
    listed = check(tmp_path, 'pipeline q() {\n    d = importer(uri: ["a"], type: Dataset)\n}')
    assert _said(listed) == [("PTF312", 2, 23, message)]
    made = check(tmp_path, 'pipeline q() {\n    m = make()\n    d = importer(uri: f"{m.count}", type: Dataset)\n}')
    assert _said(made) == [("PTF312", 3, 23, message)]


def test_an_importers_run_time_metadata_is_its_argument_and_a_wrong_one_makes_no_task(tmp_path):
    good = COMPONENTS + (
        'pipeline q() {\n    m = make()\n    d = importer(uri: "gs://x", type: Dataset, metadata: {"n": m.count})\n}\n'
    )
    path = tmp_path / "main.ptflow"
    path.write_text(good)
    result = check_file(str(path))
    assert result.ok, result.diagnostics
    assert sorted(result.pipelines["q"].tasks["d"].arguments) == ["metadata", "uri"]
    bad = check(
        tmp_path,
        'pipeline q() {\n    m = make()\n    d = importer(uri: "gs://x", type: Dataset, metadata: {"k": m.data})\n}',
    )
    assert [d.code for d in bad] == ["PTF312"]


def test_a_oneof_inside_an_f_string_leaves_the_rest_of_it_checked(tmp_path):
    body = (
        "pipeline q(x: int = 1) {\n"
        "    if x > 0 {\n        a = make()\n    } else {\n        b = make()\n    }\n"
        '    s = say(msg: f"{oneof(a.count, b.count)} {nope}")\n'
        "}"
    )
    assert [(code, line) for code, line, _, _ in _said(check(tmp_path, body))] == [("PTF312", 7), ("PTF201", 7)]


def test_a_component_or_builtin_used_as_a_value_is_named_so(tmp_path):
    for name in ("make", "importer"):
        diagnostics = check(tmp_path, f"pipeline q() {{\n    s = say(msg: {name})\n}}")
        assert _said(diagnostics) == [("PTF312", 2, 18, f"`{name}` is a component or module, not a value")]


def test_returns_after_an_undeclared_or_built_one_are_still_checked(tmp_path):
    undeclared = check(tmp_path, "pipeline q() -> (a: int) {\n    m = make()\n    return (zz: m.count, a: m.names)\n}")
    assert [(code, column) for code, _, column, _ in _said(undeclared)] == [("PTF216", 13), ("PTF301", 29)]
    built = check(
        tmp_path, "pipeline q() -> (a: int, b: int) {\n    m = make()\n    return (a: [m.count], b: m.names)\n}"
    )
    assert [(code, column) for code, _, column, _ in _said(built)] == [("PTF312", 16), ("PTF301", 30)]


def test_a_list_of_ints_and_floats_with_run_time_parts_is_a_list_of_floats(tmp_path):
    d = only(check(tmp_path, "pipeline q(n: int = 1) {\n    s = say(msg: [n, 2.5])\n}"), "PTF301")
    assert d.message == "input `msg` of `say`: expected `str`, found `list[float]`"


# ------------------------------------------------------- round 5 (lines no test ran)


def test_a_vertex_pipeline_root_outside_cloud_storage_is_reported_at_the_property(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + 'pipeline q() {\n    pipeline_root = "s3://b/r"\n    s = say(msg: "hi")\n}\n')
    result = compile_file(str(path), "vertex")
    assert _said(result.diagnostics) == [
        (
            "PTF501",
            2,
            5,
            "the pipeline's default root `s3://b/r` is not a Cloud Storage folder; vertex keeps pipeline "
            "artifacts in Cloud Storage only",
        )
    ]


def test_a_loop_variable_named_like_a_parameter_or_an_outer_loop_variable_is_reported(tmp_path):
    body = (
        "pipeline q(n: int = 1) {\n"
        '    for n in [1] {\n        s = say(msg: "a")\n    }\n'
        '    for x in [1] {\n        for x in [2] {\n            t = say(msg: "b")\n        }\n    }\n'
        "}"
    )
    assert _said(check(tmp_path, body)) == [
        ("PTF205", 2, 9, "loop variable `n` hides another name"),
        ("PTF205", 6, 13, "loop variable `x` hides another name"),
    ]


def test_a_property_set_twice_is_reported_and_the_first_value_is_kept(tmp_path):
    source = COMPONENTS + 'pipeline q() {\n    description = "a"\n    description = "b"\n}\n'
    path = tmp_path / "main.ptflow"
    path.write_text(source)
    result = check_file(str(path))
    assert _said(result.diagnostics) == [("PTF205", 3, 5, "`description` is set twice")]
    assert [(r.span.line - P + 1, r.span.column, r.message) for r in result.diagnostics[0].related] == [
        (2, 5, "first set here")
    ]
    assert result.pipelines["q"].description == "a"


def test_a_step_name_without_letters_or_digits_is_reported_and_makes_no_task(tmp_path):
    source = COMPONENTS + 'pipeline q() {\n    _ = say(msg: "a")\n    __ = say(msg: "b")\n}\n'
    path = tmp_path / "main.ptflow"
    path.write_text(source)
    result = check_file(str(path))
    assert _said(result.diagnostics) == [
        ("PTF206", 2, 5, "step name `_` has no letters or digits for a task name"),
        ("PTF206", 3, 5, "step name `__` has no letters or digits for a task name"),
    ]
    assert result.pipelines["q"].tasks == {}


def test_a_loop_over_a_list_with_a_parameter_inside_or_an_empty_list_is_refused(tmp_path):
    with_parameter = check(
        tmp_path, 'pipeline q(n: int = 1) {\n    for x in [n, 2] {\n        s = say(msg: "a")\n    }\n}'
    )
    assert _said(with_parameter) == [
        (
            "PTF306",
            2,
            14,
            "a list to loop over must hold only constants; loop over a parameter or a step output for values "
            "known at run time",
        )
    ]
    # The step inside is not checked against items that don't exist (no `float` is made up for them).
    empty = check(tmp_path, "pipeline q() {\n    for x in [] {\n        s = say(msg: x)\n    }\n}")
    assert _said(empty) == [("PTF306", 2, 14, "the list to loop over is empty")]


def test_a_loop_over_oneof_is_refused_with_the_way_around(tmp_path):
    body = (
        "pipeline q(x: int = 1) {\n"
        "    if x > 0 {\n        a = make()\n    } else {\n        b = make()\n    }\n"
        "    for n in oneof(a.names, b.names) {\n        s = fit(lr: n)\n    }\n"
        "}"
    )
    diagnostics = check(tmp_path, body)
    # Only the loop is reported: its items have no type, so `fit` is not told they are `str`.
    assert _said(diagnostics) == [("PTF312", 7, 14, "a loop over `oneof(...)` is not supported")]
    assert diagnostics[0].hint == "pass the `oneof(...)` to a step that returns the list, and loop over that output"


def test_a_loop_over_a_parameter_of_an_unknown_type_reports_only_the_type(tmp_path):
    diagnostics = check(tmp_path, 'pipeline q(n: Foo) {\n    for i in n {\n        s = say(msg: "a")\n    }\n}')
    # The loop's items are of no known type either: no `for needs a list` is added to the type's mistake.
    assert [(code, line, column, message) for code, line, column, message in _said(diagnostics)] == [
        ("PTF310", 1, 15, "unknown type `Foo`")
    ]


def test_a_loop_over_a_list_of_artifacts_iterates_the_artifacts(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        "component many() -> (ds: list[Dataset]) {\n"
        '    image = "alpine"\n    command = ["x", ds.path]\n}\n'
        "component one(d: Dataset) {\n"
        '    image = "alpine"\n    command = ["x", d.path]\n}\n'
        "pipeline q() {\n    m = many()\n    for d in m.ds {\n        o = one(d: d)\n    }\n}\n"
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    loop = result.documents[0]["root"]["dag"]["tasks"]["for-loop-1"]
    assert loop["artifactIterator"] == {
        "itemInput": "pipelinechannel--m-ds-loop-item",
        "items": {"inputArtifact": "pipelinechannel--m-ds"},
    }


def test_an_importer_type_written_as_a_schema_title_and_reimport_reach_the_compiled_importer(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        COMPONENTS + 'pipeline q() {\n    d = importer(uri: "gs://x", type: "google.VertexModel", reimport: true)\n}\n'
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    (executor,) = result.documents[0]["deploymentSpec"]["executors"].values()
    assert executor["importer"]["typeSchema"]["schemaTitle"] == "google.VertexModel"
    assert executor["importer"]["reimport"] is True


def test_an_importer_type_that_is_a_number_or_a_uri_of_an_unknown_name_is_reported_once(tmp_path):
    number = check(tmp_path, 'pipeline q() {\n    e = importer(uri: "gs://x", type: 1)\n}')
    assert _said(number) == [
        ("PTF310", 2, 39, "importer `type` is an artifact type such as `Model`, or a schema title string")
    ]
    unknown = check(tmp_path, "pipeline q() {\n    f = importer(uri: nope)\n}")
    assert _said(unknown) == [("PTF201", 2, 23, "unknown name `nope`")]


def test_a_comparison_inside_a_comparison_is_not_a_value(tmp_path):
    body = 'pipeline q(n: int = 1) {\n    if (n > 1) == true {\n        s = say(msg: "a")\n    }\n}'
    assert _said(check(tmp_path, body)) == [("PTF312", 2, 9, "comparisons can only be used in `if` conditions")]


def test_an_importer_metadata_key_written_in_brackets_as_text_is_that_key(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(
        COMPONENTS + 'pipeline q(n: str = "a") {\n    d = importer(uri: "gs://x", metadata: {["k"]: n})\n}\n'
    )
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    (executor,) = result.documents[0]["deploymentSpec"]["executors"].values()
    assert executor["importer"]["metadata"] == {"k": "{{$.inputs.parameters['metadata']}}"}


def test_an_importer_metadata_key_of_null_or_a_bool_is_described_as_such(tmp_path):
    body = 'pipeline q(n: str = "a") {\n    d = importer(uri: "gs://x", metadata: {[null]: n, [true]: n})\n}'
    diagnostics = check(tmp_path, body)
    assert _said(diagnostics) == [
        ("PTF312", 2, 45, "a dict key must be a string, but this is null"),
        ("PTF312", 2, 56, "a dict key must be a string, but this is a bool (`true`)"),
    ]


def test_collect_of_an_unknown_output_or_of_a_finally_step_is_reported_once(tmp_path):
    body = (
        "pipeline q(n: int = 1) -> (a: int, b: list[str]) {\n"
        "    if n > 0 {\n        m = make()\n    }\n"
        "    return (a: collect(m.cnt), b: collect(f.names))\n"
        "    finally {\n        f = make()\n    }\n"
        "}"
    )
    assert _said(check(tmp_path, body)) == [
        ("PTF202", 5, 26, "step `m` (`make`) has no output `cnt`"),
        ("PTF404", 5, 43, "a pipeline returns outputs of its body, not of `finally` steps"),
    ]


def test_a_loop_variable_used_after_its_loop_is_unknown_and_said_to_be_a_loop_variable(tmp_path):
    body = 'pipeline q() {\n    for x in [1] {\n        s = say(msg: "a")\n    }\n    t = say(msg: x)\n}'
    diagnostics = check(tmp_path, body)
    assert _said(diagnostics) == [("PTF201", 5, 18, "unknown name `x`")]
    assert diagnostics[0].hint == "`x` is a loop variable, visible only inside its `for`"


def test_an_unknown_value_of_pipeline_lists_the_known_ones(tmp_path):
    diagnostics = check(tmp_path, "pipeline q() {\n    s = say(msg: pipeline.nme)\n}")
    assert _said(diagnostics) == [("PTF202", 2, 27, "`pipeline` has no `nme`")]
    assert diagnostics[0].hint == (
        "`pipeline` has `job_name`, `job_id`, `job_resource_name`, `job_create_time`, `job_schedule_time`, "
        "`task_name`, `task_id`, `root`, `status`, `workspace_path`"
    )


def test_a_finally_step_using_another_finally_steps_output_is_reported(tmp_path):
    body = (
        'pipeline q() {\n    s = say(msg: "a")\n'
        "    finally {\n        m = make()\n        t = say(msg: m.names)\n    }\n"
        "}"
    )
    assert _said(check(tmp_path, body)) == [
        ("PTF404", 5, 22, "steps in `finally` run independently and can't use each other's outputs")
    ]


def test_not_in_a_condition_is_compiled_as_a_negation(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + 'pipeline q(b: bool = true) {\n    if not b {\n        s = say(msg: "a")\n    }\n}\n')
    result = compile_file(str(path), "kfp-v2")
    assert result.ok, [str(d) for d in result.diagnostics]
    condition = result.documents[0]["root"]["dag"]["tasks"]["condition-1"]["triggerPolicy"]["condition"]
    assert condition == "!(inputs.parameter_values['pipelinechannel--b'] == true)"


def test_a_condition_that_is_a_constant_or_compares_two_constants_is_reported(tmp_path):
    body = (
        "pipeline q() {\n"
        '    if true {\n        t = say(msg: "b")\n    }\n'
        '    if 1 == "a" {\n        u = say(msg: "c")\n    }\n'
        "}"
    )
    source = COMPONENTS + body + "\n"
    path = tmp_path / "main.ptflow"
    path.write_text(source)
    result = check_file(str(path))
    assert _said(result.diagnostics) == [
        ("PTF307", 2, 8, "this condition is always the same; it must depend on a parameter or a step output"),
        ("PTF307", 5, 8, "this comparison is between two constants; it must depend on a parameter or a step output"),
    ]
    # Neither `if` is given a condition: the file has a mistake, and nothing is made of the wrong one.
    assert [group.condition for group in result.pipelines["q"].root.children] == [None, None]


def test_a_returned_constant_is_refused_and_not_returned(tmp_path):
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + "pipeline q() -> (a: int) {\n    m = make()\n    return (a: 3)\n}\n")
    result = check_file(str(path))
    assert _said(result.diagnostics) == [("PTF312", 3, 16, "a pipeline returns step outputs, not constants")]
    assert result.pipelines["q"].returns == {}


def test_the_items_of_a_loop_over_mixed_constants_are_any(tmp_path):
    """`any` items go to a `str` input unquestioned, but are still not a `Status`."""
    body = (
        'pipeline q() {\n    for x in [1, "a"] {\n        s = say(msg: x)\n        t = status_of(status: x)\n    }\n}'
    )
    assert _said(check(tmp_path, body)) == [
        ("PTF301", 4, 31, "input `status` of `status_of`: expected `Status`, found `any`")
    ]


def test_a_positional_argument_to_a_component_without_inputs_has_no_hint(tmp_path):
    body = 'component none() {\n    image = "alpine"\n    command = ["true"]\n}\npipeline q() {\n    n = none("x")\n}'
    diagnostics = check(tmp_path, body)
    assert _said(diagnostics) == [("PTF212", 6, 14, "inputs of `none` are passed by name")]
    assert diagnostics[0].hint is None


def test_an_unknown_input_next_to_every_known_one_still_gets_the_closest_as_a_suggestion(tmp_path):
    """The inputs not given yet are the likelier meaning; when every input is given, the closest of all is."""
    diagnostics = check(tmp_path, "pipeline q() {\n    e = fit(lr: 0.1, lrr: 0.2)\n}")
    assert codes_at(diagnostics) == [("PTF203", P + 1, 22)]
    assert diagnostics[0].hint == "did you mean `lr`?"
