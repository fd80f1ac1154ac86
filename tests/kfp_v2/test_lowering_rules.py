"""What the KFP v2 lowering decides that only mutation testing showed untested (tools/mutation.py).

Each test compiles a small pipeline and checks what a user gets: the compiled IR, or what the
lowering's source map sends back to the `.ptflow` file (Vertex's CustomJob wrapping and
`ptflow run`'s failure report both find a task's step through it).
"""

from ptflow.compiler.api import compile_file

COMPONENTS = """\
component make_data() -> (data: Dataset) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", data.path]
}
component train(data: Dataset) -> (model: Model) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", data.path, model.path]
}
"""


def compiled(tmp_path, body: str, target: str = "kfp-v2", pipeline: str | None = None):
    path = tmp_path / "main.ptflow"
    path.write_text(COMPONENTS + body.strip("\n") + "\n")
    result = compile_file(str(path), target, pipeline=pipeline)
    assert result.ok, [str(d) for d in result.diagnostics]
    return result


def lines_of(tmp_path, *names: str) -> list[int]:
    """The line of main.ptflow on which each of the steps `names` is written."""
    text = (tmp_path / "main.ptflow").read_text().splitlines()
    return [
        next(number for number, line in enumerate(text, 1) if line.strip().startswith(f"{name} = ")) for name in names
    ]


NESTED = """
pipeline training() -> (model: Model) {
    prep = make_data()
    fit = train(data: prep.data) with { vertex_custom_job: { machine_type: "n1-standard-8" } }
    return (model: fit.model)
}
pipeline outer() {
    first = training()
    second = training()
    last = make_data()
}
"""


def test_the_steps_of_a_called_pipeline_are_mapped_to_their_lines(tmp_path):
    """A failure in a called pipeline's step is reported at that step's line, for each call (and nothing else
    is mapped: the step after the calls has no tasks of its own)."""
    result = compiled(tmp_path, NESTED, pipeline="outer")
    lines = {key: span.line for key, span in result.source_map.items()}
    prep, fit, first, second, last = lines_of(tmp_path, "prep", "fit", "first", "second", "last")
    assert lines == {
        ("root", "first"): first,
        ("root", "second"): second,
        ("root", "last"): last,
        ("comp-first", "prep"): prep,
        ("comp-first", "fit"): fit,
        ("comp-second", "prep"): prep,
        ("comp-second", "fit"): fit,
    }


def test_a_custom_job_inside_a_called_pipeline_is_wrapped_in_each_call(tmp_path):
    document = compiled(tmp_path, NESTED, target="vertex", pipeline="outer").documents[0]
    components, executors = document["components"], document["deploymentSpec"]["executors"]
    for call in ("comp-first", "comp-second"):
        fit = components[components[call]["dag"]["tasks"]["fit"]["componentRef"]["name"]]
        prep = components[components[call]["dag"]["tasks"]["prep"]["componentRef"]["name"]]
        # the CustomJob takes the step's container as its worker pool; the step before it is left alone
        (pool,) = fit["inputDefinitions"]["parameters"]["worker_pool_specs"]["defaultValue"]
        assert pool["machine_spec"] == {"machine_type": "n1-standard-8"}
        assert pool["container_spec"]["image_uri"] == "alpine:3.19"
        assert executors[fit["executorLabel"]]["container"]["command"][:3] == [
            "python3",
            "-u",
            "-m",
        ]
        assert executors[prep["executorLabel"]]["container"]["image"] == "alpine:3.19"


def test_the_steps_of_a_pipeline_called_in_finally_are_mapped_to_their_lines(tmp_path):
    source = """
pipeline tidy() {
    wipe = make_data()
}
pipeline main() {
    work = make_data()
    finally {
        cleanup = tidy()
    }
}
"""
    result = compiled(tmp_path, source, pipeline="main")
    wipe, cleanup = lines_of(tmp_path, "wipe", "cleanup")
    lines = {key: span.line for key, span in result.source_map.items()}
    assert lines[("root", "cleanup")] == cleanup
    assert lines[("comp-cleanup", "wipe")] == wipe


def test_two_called_pipelines_with_a_step_of_the_same_name_each_run_their_own_component(tmp_path):
    """Both `fit` steps become `comp-fit`; the second call's copy is renamed, and its task must follow."""
    source = """
component train_b(data: Dataset) -> (model: Model) {
    image = "python:3.12"
    command = ["python", "-c", "print('b')", data.path, model.path]
}
pipeline a() {
    prep = make_data()
    fit = train(data: prep.data)
}
pipeline b() {
    prep = make_data()
    fit = train_b(data: prep.data)
}
pipeline both() {
    first = a()
    second = b()
}
"""
    document = compiled(tmp_path, source, pipeline="both").documents[0]
    components, executors = document["components"], document["deploymentSpec"]["executors"]

    def image_of_fit(call: str) -> str:
        fit = components[components[call]["dag"]["tasks"]["fit"]["componentRef"]["name"]]
        return executors[fit["executorLabel"]]["container"]["image"]

    assert image_of_fit("comp-first") == "alpine:3.19"
    assert image_of_fit("comp-second") == "python:3.12"


RESOURCES = """
pipeline q(cpus: str = "2", gpu_type: str = "NVIDIA_TESLA_T4") {
    two = make_data() with { gpus: 2, accelerator: "NVIDIA_TESLA_T4" }
    one = make_data() with { accelerator: "NVIDIA_TESLA_T4" }
    if cpus == "2" {
        sized = make_data() with { cpu: cpus, accelerator: gpu_type }
    }
}
"""


def test_an_accelerator_without_gpus_asks_for_one_and_with_gpus_for_that_many(tmp_path):
    executors = compiled(tmp_path, RESOURCES).documents[0]["deploymentSpec"]["executors"]
    assert executors["exec-two"]["container"]["resources"]["accelerator"] == {
        "resourceCount": "2",
        "count": "2",
        "resourceType": "NVIDIA_TESLA_T4",
        "type": "NVIDIA_TESLA_T4",
    }
    assert executors["exec-one"]["container"]["resources"]["accelerator"]["resourceCount"] == "1"


def test_resources_given_by_parameters_reach_a_step_inside_a_condition(tmp_path):
    """`accelerator: gpu_type` is not read by the condition, yet the step's DAG must be given it."""
    document = compiled(tmp_path, RESOURCES).documents[0]
    assert document["root"]["dag"]["tasks"]["condition-1"]["inputs"]["parameters"] == {
        "pipelinechannel--cpus": {"componentInputParameter": "cpus"},
        "pipelinechannel--gpu_type": {"componentInputParameter": "gpu_type"},
    }
    sized = document["components"]["comp-condition-1"]["dag"]["tasks"]["sized"]["inputs"]["parameters"]
    assert sized["accelerator_type"] == {
        "runtimeValue": {"constant": "{{$.inputs.parameters['pipelinechannel--gpu_type']}}"}
    }
    assert sized["pipelinechannel--gpu_type"] == {"componentInputParameter": "pipelinechannel--gpu_type"}


def test_nested_loops_over_step_outputs_hand_each_step_its_item_or_the_whole_list(tmp_path):
    source = """
component make_list() -> (names: list[str]) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", names.path]
}
component say(msg: str, also: str = "") {
    image = "alpine:3.19"
    command = ["echo", msg, also]
}
component say_all(msgs: list[str]) {
    image = "alpine:3.19"
    command = ["echo", msgs]
}
pipeline q() {
    m = make_list()
    for x in m.names {
        a = say(msg: f"item {x}", also: "!")
        b = say_all(msgs: m.names)
        k = make_list()
        for y in k.names {
            c = say(msg: x)
            d = say(msg: y)
        }
    }
}
"""
    components = compiled(tmp_path, source).documents[0]["components"]
    outer, inner = components["comp-for-loop-1"], components["comp-for-loop-2"]

    def given(component: dict, task: str) -> dict:
        return {
            name: binding.get("componentInputParameter") or binding["runtimeValue"]["constant"]
            for name, binding in component["dag"]["tasks"][task]["inputs"]["parameters"].items()
        }

    item, names = "pipelinechannel--m-names-loop-item", "pipelinechannel--m-names"
    assert given(outer, "a") == {
        "msg": "item {{$.inputs.parameters['pipelinechannel--m-names-loop-item']}}",
        item: item,
        "also": "!",
    }
    assert given(outer, "b") == {"msgs": names}
    assert given(inner, "c") == {"msg": item}
    assert given(inner, "d") == {"msg": "pipelinechannel--k-names-loop-item"}
    assert set(inner["inputDefinitions"]["parameters"]) == {
        item,
        "pipelinechannel--k-names",
        "pipelinechannel--k-names-loop-item",
    }


def test_a_loop_over_a_step_output_inside_a_loop_over_constants_gets_the_list_through_the_outer_loop(tmp_path):
    source = """
component make_list() -> (names: list[str]) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", names.path]
}
component say(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}
pipeline q() {
    m = make_list()
    for round in [1, 2] {
        for y in m.names {
            s = say(msg: y)
        }
    }
}
"""
    document = compiled(tmp_path, source).documents[0]  # kfp numbers the outer loop 2: its item is param-1
    outer = document["root"]["dag"]["tasks"]["for-loop-2"]
    assert outer["inputs"]["parameters"] == {
        "pipelinechannel--m-names": {"taskOutputParameter": {"outputParameterKey": "names", "producerTask": "m"}}
    }
    inner = document["components"]["comp-for-loop-2"]["dag"]["tasks"]["for-loop-3"]
    assert inner["parameterIterator"] == {
        "itemInput": "pipelinechannel--m-names-loop-item",
        "items": {"inputParameter": "pipelinechannel--m-names"},
    }
    step = document["components"]["comp-for-loop-3"]["dag"]["tasks"]["s"]
    assert step["inputs"]["parameters"] == {"msg": {"componentInputParameter": "pipelinechannel--m-names-loop-item"}}


def test_a_condition_on_a_field_of_a_constant_loops_item_gets_the_field_typed_as_written(tmp_path):
    source = """
component say(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}
pipeline q() {
    for kv in [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}] {
        if kv.a > 1 {
            s = say(msg: kv.b)
        }
    }
}
"""
    condition = compiled(tmp_path, source).documents[0]["components"]["comp-condition-3"]
    assert condition["inputDefinitions"]["parameters"]["pipelinechannel--loop-item-param-1-subvar-a"] == {
        "parameterType": "NUMBER_INTEGER"
    }


def test_a_tolerations_seconds_are_written_as_a_string_as_kfp_kubernetes_does(tmp_path):
    """tolerationSeconds is an int64, which protobuf's JSON writes as a string; the other fields are as given."""
    source = """
pipeline q() {
    t = make_data() with { tolerations: [{key: "gpu", operator: "Exists", effect: "NoExecute", seconds: 3600}] }
}
"""
    platform = compiled(tmp_path, source).documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert platform["exec-t"]["tolerations"] == [
        {"effect": "NoExecute", "key": "gpu", "operator": "Exists", "tolerationSeconds": "3600"}
    ]


def test_a_condition_with_a_constant_first_reads_each_loop_item_field_after_it(tmp_path):
    """`if "a" == c.name and 2 < c.size`: each field is handed to the condition's task through its own input
    (kfp's "subvar"), the constants before them notwithstanding."""
    result = compiled(
        tmp_path,
        """
pipeline p(configs: list[dict]) {
    for c in configs {
        if "a" == c.name and 2 < c.size {
            d = make_data()
        }
    }
}
""",
    )
    loop = result.documents[0]["components"]["comp-for-loop-1"]["dag"]["tasks"]["condition-2"]
    inputs = loop["inputs"]["parameters"]
    assert {name: spec.get("parameterExpressionSelector") for name, spec in inputs.items()} == {
        "pipelinechannel--configs-loop-item": None,
        "pipelinechannel--configs-loop-item-subvar-name": 'parseJson(string_value)["name"]',
        "pipelinechannel--configs-loop-item-subvar-size": 'parseJson(string_value)["size"]',
    }
    assert loop["triggerPolicy"]["condition"] == (
        "'a' == inputs.parameter_values['pipelinechannel--configs-loop-item-subvar-name'] && "
        "'2' < inputs.parameter_values['pipelinechannel--configs-loop-item-subvar-size']"
    )


def test_an_optional_pipeline_output_is_declared_without_is_optional(tmp_path):
    """`isOptional` belongs to inputs: kfp's outputDefinitions never carry it, whatever the output's type."""
    result = compiled(
        tmp_path,
        """
pipeline p() -> (data: Dataset?) {
    made = make_data()
    return (data: made.data)
}
""",
    )
    outputs = result.documents[0]["root"]["outputDefinitions"]
    assert outputs == {
        "artifacts": {"data": {"artifactType": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}}}
    }


def test_a_condition_on_a_constant_loops_item_field_hands_the_field_only_to_the_groups_inside_the_loop(tmp_path):
    """kfp passes `...-subvar-a` from the loop down to the condition, and to nothing above the loop, which
    has no such item (here the loop sits in an `if`)."""
    result = compiled(
        tmp_path,
        """
pipeline p(flag: bool) {
    if flag {
        for kv in [{"a": 1}, {"a": 2}] {
            if kv.a == 1 {
                d = make_data()
            }
        }
    }
}
""",
    )
    components = result.documents[0]["components"]
    inputs = {name: sorted(c.get("inputDefinitions", {}).get("parameters", {})) for name, c in components.items()}
    assert inputs["comp-condition-1"] == ["pipelinechannel--flag"]
    assert inputs["comp-for-loop-3"] == ["pipelinechannel--flag", "pipelinechannel--loop-item-param-2"]
    assert inputs["comp-condition-4"] == ["pipelinechannel--flag", "pipelinechannel--loop-item-param-2-subvar-a"]
