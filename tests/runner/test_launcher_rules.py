"""The KFP launcher's rules the runner reproduces: value text, output parsing, placeholders, CEL, commands."""

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptflow.runtime.runner import values
from ptflow.runtime.runner.cel import CelError, evaluate_condition, select
from ptflow.runtime.runner.commands import CommandNotFound, is_runtime_command, plan
from ptflow.runtime.runner.placeholders import JobNames, Resolver, UnresolvedPlaceholder, resolve_value_references

NAMES = JobNames("job-1", "uuid-1", "train", "task-uuid", "/store/artifacts")


@pytest.mark.parametrize(
    "value, text",
    [
        (3, "3"),
        (3.0, "3"),
        (0.5, "0.5"),
        (1e21, "1000000000000000000000"),
        (1e-7, "0.0000001"),
        (-2.25, "-2.25"),
        (True, "true"),
        (False, "false"),
        ("as is ", "as is "),
        ([1, "a", 2.5], '[1,"a",2.5]'),
        ({"b": 1, "a": [True, None]}, '{"a":[true,null],"b":1}'),
    ],
)
def test_parameter_text_is_the_launchers(value, text):
    # Go: strconv.FormatFloat(v, 'f', -1, 64), strconv.FormatBool, protojson for lists and structs.
    assert values.to_text(values.as_protobuf(value)) == text


@pytest.mark.parametrize(
    "text, parameter_type, value",
    [
        ("heads\n", values.STRING, "heads\n"),  # strings are taken as written, newline and all
        (" 42\n", values.INTEGER, 42.0),
        ("0.25", values.DOUBLE, 0.25),
        ("True", values.BOOLEAN, True),
        ("0", values.BOOLEAN, False),
        ("[1, 2]", values.LIST, [1.0, 2.0]),
        ('{"a": 1}', values.STRUCT, {"a": 1.0}),
    ],
)
def test_output_files_are_read_like_text_to_pb_value(text, parameter_type, value):
    assert values.from_text(text, parameter_type) == value


@pytest.mark.parametrize(
    "text, parameter_type",
    [
        ("4.5", values.INTEGER),
        ("yes", values.BOOLEAN),
        ("{}", values.LIST),
        ("[", values.STRUCT),
    ],
)
def test_output_files_of_the_wrong_type_are_errors(text, parameter_type):
    with pytest.raises(values.ValueTypeError):
        values.from_text(text, parameter_type)


def _executor_input() -> dict:
    return {
        "inputs": {
            "parameterValues": {"epochs": 3.0, "lr": 0.001, "name": "resnet", "opt": None},
            "artifacts": {
                "data": {
                    "artifacts": [
                        {
                            "name": "data",
                            "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                            "uri": "/store/a/1/data",
                            "metadata": {"rows": 10.0},
                        }
                    ]
                }
            },
        },
        "outputs": {
            "parameters": {"acc": {"outputFile": "/store/r/x/outputs/acc"}},
            "artifacts": {
                "model": {
                    "artifacts": [
                        {
                            "name": "model",
                            "type": {"schemaTitle": "system.Model", "schemaVersion": "0.0.1"},
                            "uri": "/store/staging/model",
                            "metadata": {},
                        }
                    ]
                }
            },
            "outputFile": "/store/r/x/executor_output.json",
        },
    }


def test_placeholders_of_every_kind():
    resolver = Resolver(_executor_input(), NAMES)
    command = resolver.command(
        [
            "--epochs={{$.inputs.parameters['epochs']}}",
            "{{$.inputs.parameters['lr']}}",
            "{{$.inputs.artifacts['data'].path}}",
            "{{$.inputs.artifacts['data'].uri}}",
            "{{$.inputs.artifacts['data'].metadata}}",
            "{{$.outputs.parameters['acc'].output_file}}",
            "{{$.outputs.artifacts['model'].path}}",
            "{{$.outputs.artifacts['model'].uri}}",
            "{{$.outputs.output_file}}",
            "{{$.pipeline_job_name}}/{{$.pipeline_job_uuid}}",
            "{{$.pipeline_task_name}}:{{$.pipeline_task_uuid}}",
            "{{$.pipeline_root}}",
            "{{$.inputs.artifacts['data']}}",
        ]
    )
    assert command[:-1] == [
        "--epochs=3",
        "0.001",
        "/store/a/1/data",
        "/store/a/1/data",
        '{"rows":10}',
        "/store/r/x/outputs/acc",
        "/store/staging/model",
        "/store/staging/model",
        "/store/r/x/executor_output.json",
        "job-1/uuid-1",
        "train:task-uuid",
        "/store/artifacts",
    ]
    # A list-of-artifacts placeholder is the JSON of the input's ArtifactList.
    assert json.loads(command[-1]) == {
        "artifacts": [
            {
                "name": "data",
                "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                "uri": "/store/a/1/data",
                "metadata": {"rows": 10},
            }
        ]
    }


@pytest.mark.parametrize(
    "template",
    [
        "{{$.inputs.parameters['undeclared']}}",
        "--x={{$.inputs.artifacts['nothing'].path}}",
        "{{$.inputs.artifacts['nothing']}}",
        "{{$.inputs.parameters['opt']}}",
        "{{$.no_such_thing}}",
    ],
)
def test_a_placeholder_that_names_nothing_is_an_error_naming_it(template):
    # KFP's launcher would pass the text on; the runner refuses the step instead of running it with it.
    with pytest.raises(UnresolvedPlaceholder) as raised:
        Resolver(_executor_input(), NAMES).command(["run", template])
    assert raised.value.placeholders == [template[template.index("{{") :]]
    assert template[template.index("{{") :] in str(raised.value)


def test_the_error_names_each_unresolved_placeholder_once_and_cuts_a_long_one():
    longest_shown = "{{$.inputs.parameters['" + "n" * 53 + "']}}"  # 80 characters: shown whole
    long = "{{$.inputs.parameters['" + "n" * 54 + "']}}"  # 81: cut
    assert (len(longest_shown), len(long)) == (80, 81)
    with pytest.raises(UnresolvedPlaceholder) as raised:
        Resolver(_executor_input(), NAMES).command(
            ["run", "{{$.no_such_thing}}", longest_shown, long, "{{$.no_such_thing}}"]
        )
    assert raised.value.placeholders == ["{{$.no_such_thing}}", longest_shown, long]
    assert str(raised.value) == (
        f"the command has placeholders that name no value of the task: {{{{$.no_such_thing}}}}, {longest_shown}, "
        + long[:77]
        + "... (an input without a value, or a form this runner does not know)"
    )
    with pytest.raises(UnresolvedPlaceholder) as raised:
        Resolver(_executor_input(), NAMES).text("{{$.no_such_thing}}", "the image")
    assert str(raised.value) == (
        "the image has a placeholder that names no value of the task: {{$.no_such_thing}} "
        "(an input without a value, or a form this runner does not know)"
    )


def test_executor_input_placeholder_is_the_whole_input_as_json():
    executor_input = _executor_input()
    [text] = Resolver(executor_input, NAMES).command(["{{$}}"])
    assert json.loads(text)["outputs"]["outputFile"] == "/store/r/x/executor_output.json"
    assert json.loads(text)["inputs"]["parameterValues"]["epochs"] == 3


def test_if_present_and_concat_structures():
    resolver = Resolver(_executor_input(), NAMES)
    if_present = json.dumps({"IfPresent": {"InputName": "lr", "Then": ["--lr", "{{$.inputs.parameters['lr']}}"]}})
    absent = json.dumps({"IfPresent": {"InputName": "opt", "Then": ["--opt"], "Else": ["--no-opt"]}})
    dropped = json.dumps({"IfPresent": {"InputName": "missing", "Then": ["--missing"]}})
    concat = json.dumps(
        {
            "Concat": [
                "run-",
                "{{$.inputs.parameters['name']}}",
                "-",
                {"IfPresent": {"InputName": "epochs", "Then": "e{{$.inputs.parameters['epochs']}}"}},
            ]
        }
    )
    assert resolver.command(["a", if_present, absent, dropped, concat, "z"]) == [
        "a",
        "--lr",
        "0.001",
        "--no-opt",
        "run-resnet-e3",
        "z",
    ]


def test_values_that_look_like_placeholders_are_not_substituted_again():
    executor_input = _executor_input()
    executor_input["inputs"]["parameterValues"]["name"] = "{{$.inputs.parameters['epochs']}}"
    assert Resolver(executor_input, NAMES).command(["{{$.inputs.parameters['name']}}"]) == [
        "{{$.inputs.parameters['epochs']}}"
    ]


def test_f_string_constants_are_filled_from_the_tasks_other_inputs():
    parameters = {
        "msg": "item {{$.inputs.parameters['pipelinechannel--x']}} of {{$.pipeline_job_name}}",
        "pipelinechannel--x": 2.0,
    }
    assert resolve_value_references(parameters, NAMES, {"msg"})["msg"] == "item 2 of job-1"


def test_only_constants_are_templates_and_values_are_never_expanded_again():
    # `-p "x=A{{$.inputs.parameters['x']}}B"`: a value from outside the document is data, not a template.
    parameters = {
        "x": "A{{$.inputs.parameters['x']}}B",
        "y": "{{$.inputs.parameters['x']}}",
        "msg": "x is {{$.inputs.parameters['x']}}",
    }
    resolved = resolve_value_references(parameters, NAMES, {"msg"})
    assert resolved == {
        "x": "A{{$.inputs.parameters['x']}}B",
        "y": "{{$.inputs.parameters['x']}}",
        "msg": "x is A{{$.inputs.parameters['x']}}B",
    }


def test_conditions_are_cel_over_protobuf_values():
    values_ = {"pipelinechannel--n": 7.0, "pipelinechannel--side": "heads", "pipelinechannel--ok": True}
    assert evaluate_condition("int(inputs.parameter_values['pipelinechannel--n']) > 5", values_, {})
    elif_arm = (
        "!(int(inputs.parameter_values['pipelinechannel--n']) > 10) && "
        "inputs.parameter_values['pipelinechannel--side'] == 'heads'"
    )
    assert evaluate_condition(elif_arm, values_, {})
    assert not evaluate_condition("inputs.parameter_values['pipelinechannel--ok'] == false", values_, {})
    with pytest.raises(CelError, match="no such key"):
        evaluate_condition("inputs.parameter_values['absent'] == 1", values_, {})
    with pytest.raises(CelError, match="does not parse"):
        evaluate_condition("inputs.parameter_values[", values_, {})


def test_a_condition_is_never_python():
    with pytest.raises(CelError):
        evaluate_condition("__import__('os').system('true') == 0", {}, {})


def test_parameter_expression_selector():
    assert select('parseJson(string_value)["a"]', {"a": 1, "b": "x"}) == 1.0
    assert select('parseJson(string_value)["b"]', {"a": 1, "b": "x"}) == "x"
    assert select("struct_value.b", {"a": 1, "b": "x"}) == "x"


def test_runtime_steps_run_in_this_python_and_others_on_the_host(tmp_path):
    runtime = plan(
        ["python", "-m", "ptflow.runtime", "torch.train", "--x", "1"], "any:image", {}, str(tmp_path), [], None
    )
    assert runtime.how == "runtime" and runtime.argv == [
        sys.executable,
        "-m",
        "ptflow.runtime",
        "torch.train",
        "--x",
        "1",
    ]
    assert is_runtime_command(["python3.11", "-m", "ptflow.runtime.entrypoint"])
    assert not is_runtime_command(["python", "-m", "ptflow_runtime_lookalike"])
    host = plan(["sh", "-c", "true"], "alpine", {"A": "1"}, str(tmp_path), [], None)
    assert host.how == "host" and host.argv[1:] == ["-c", "true"] and host.env["A"] == "1"
    with pytest.raises(CommandNotFound) as missing:
        plan(["no-such-command-ptflow"], "alpine", {}, str(tmp_path), [], None)
    assert missing.value.command == "no-such-command-ptflow"


def _go_shortest_fixed(number: float) -> str:
    """Go's FormatFloat(f, 'f', -1, 64), spelled out: the shortest round-trip digits, without an exponent."""
    from decimal import Decimal

    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=-(2**60), max_value=2**60).map(float)
    )
)
def test_number_text_matches_go_for_whole_and_fractional_numbers(number):
    # Whole numbers take a shortcut; above 2**53 it would print different digits than Go does.
    assert values.go_float_text(number) == _go_shortest_fixed(number)
    assert values.to_text(number) == _go_shortest_fixed(number)


def test_negative_zero_keeps_its_sign_as_in_go():
    assert values.go_float_text(-0.0) == "-0" and values.to_json(-0.0) == "-0"
    assert values.to_json(2.0**53 + 2) == "9007199254740994" and values.to_json(1e21) == "1e+21"


def test_two_unresolved_placeholders_are_named_in_the_plural():
    with pytest.raises(UnresolvedPlaceholder) as raised:
        Resolver(_executor_input(), NAMES).command(["run", "{{$.no_such_thing}}", "{{$.nor_this}}"])
    assert str(raised.value).startswith(
        "the command has placeholders that name no value of the task: {{$.no_such_thing}}, {{$.nor_this}} ("
    )


def test_an_artifact_placeholder_on_a_list_of_artifacts_reads_the_first_as_kfps_launcher_does():
    """`data.uri` of a `list[Dataset]` input (a gathered list): KFP's launcher fills the placeholder from the
    list's first artifact; so does the runner."""
    executor_input = _executor_input()
    first = executor_input["inputs"]["artifacts"]["data"]["artifacts"][0]
    second = {**first, "uri": "/store/a/2/data", "metadata": {"rows": 20.0}}
    executor_input["inputs"]["artifacts"]["data"]["artifacts"].append(second)
    resolver = Resolver(executor_input, NAMES)
    assert resolver.command(["{{$.inputs.artifacts['data'].uri}}", "{{$.inputs.artifacts['data'].metadata}}"]) == [
        "/store/a/1/data",
        '{"rows":10}',
    ]
