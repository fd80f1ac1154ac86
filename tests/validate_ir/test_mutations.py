"""Each kind of mistake, made in a copy of a kfp-compiled IR file, is reported with its exact
code, message and position (the offending key or value in the YAML file)."""

from __future__ import annotations

import signal
import subprocess
import sys
from contextlib import contextmanager

from ptflow.compiler.diagnostics import Severity

A = "artifacts_and_outputs"


def only(diagnostics):
    assert len(diagnostics) == 1, [f"{d.code} {d.message}" for d in diagnostics]
    return diagnostics[0]


def at(diagnostic) -> tuple[int, int]:
    return diagnostic.span.line, diagnostic.span.column


# ------------------------------------------------------------- layer 1: schema


def test_unknown_field_is_reported_at_its_key_with_a_suggestion(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["componentRef"] = {"nme": "comp-consume"}
    problems = ir.validate()
    unknown = [d for d in problems if d.code == "PTF510"]
    assert len(unknown) == 1
    assert unknown[0].message == "root.dag.tasks.consume.componentRef.nme: unknown field `nme` in ComponentRef"
    assert unknown[0].hint == "did you mean `name`?"
    assert at(unknown[0]) == ir.position("nme:")
    # without its name the task has no component: said once, by the semantic layer
    assert [d.code for d in problems if d.code != "PTF510"] == ["PTF515"]


def test_bad_enum_value_suggests_the_closest(ir_file):
    ir = ir_file(A)
    ir.spec["components"]["comp-echo"]["inputDefinitions"]["parameters"]["msg"]["parameterType"] = "STRIN"
    problem = only(ir.validate())
    assert problem.code == "PTF511"
    assert problem.message.startswith(
        "components.comp-echo.inputDefinitions.parameters.msg.parameterType: 'STRIN' is not one of "
    )
    assert problem.hint == "did you mean `STRING`?"
    assert at(problem) == ir.position("STRIN\n")


def test_text_for_an_integer_field(ir_file):
    ir = ir_file("exit_handler")
    task = next(t for t in ir.spec["components"]["comp-exit-handler-1"]["dag"]["tasks"].values() if "retryPolicy" in t)
    task["retryPolicy"]["maxRetryCount"] = "three"
    problem = only(ir.validate())
    assert problem.code == "PTF511"
    assert problem.message == (
        "components.comp-exit-handler-1.dag.tasks.echo.retryPolicy.maxRetryCount: "
        "expected an integer, got the string 'three'"
    )
    assert at(problem) == ir.position("three")


def test_scalar_where_a_list_belongs(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["dependentTasks"] = "produce"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF511",
        "root.dag.tasks.consume.dependentTasks: expected a list, got the string 'produce'",
    )
    assert at(problem) == ir.position("dependentTasks: produce", skip=len("dependentTasks: "))


def test_duration_without_unit(ir_file):
    ir = ir_file("exit_handler")
    task = next(t for t in ir.spec["components"]["comp-exit-handler-1"]["dag"]["tasks"].values() if "retryPolicy" in t)
    task["retryPolicy"]["backoffDuration"] = "30"
    problem = only(ir.validate())
    assert problem.code == "PTF511"
    assert problem.message == (
        "components.comp-exit-handler-1.dag.tasks.echo.retryPolicy.backoffDuration: "
        'not a valid Duration: Duration must end with letter "s": 30'
    )
    assert at(problem) == ir.position("'30'")


def test_deployment_spec_is_parsed_as_its_own_message(ir_file):
    """PipelineSpec holds deploymentSpec as an untyped Struct: ParseDict of the spec alone misses these."""
    ir = ir_file("kubernetes_options")
    container = ir.executor("exec-echo")["container"]
    container["resources"]["cpuLimit"] = "abc"
    container["imagePullPolicy"] = "Always"
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        (
            "PTF510",
            "deploymentSpec.executors.exec-echo.container.imagePullPolicy: unknown field `imagePullPolicy` "
            "in PipelineContainerSpec",
        ),
        (
            "PTF511",
            "deploymentSpec.executors.exec-echo.container.resources.cpuLimit: expected a number, got the string 'abc'",
        ),
    ]
    assert at(problems[0]) == ir.position("imagePullPolicy")
    assert at(problems[1]) == ir.position("abc")


def test_dag_and_executor_label_together(ir_file):
    ir = ir_file(A)
    ir.spec["components"]["comp-echo"]["dag"] = {"tasks": {}}
    problem = only(ir.validate())
    assert problem.code == "PTF512"
    assert problem.message == (
        "components.comp-echo.executorLabel: `executorLabel` and `dag` are alternatives "
        "(`implementation` of ComponentSpec); give only one"
    )
    assert at(problem) == ir.position("executorLabel: exec-echo\n")


def test_kubernetes_executor_config_and_pipeline_config_are_checked(ir_file):
    ir = ir_file("kubernetes_options")
    kubernetes = ir.platforms["platforms"]["kubernetes"]
    kubernetes["deploymentSpec"]["executors"]["exec-echo"]["tolerations"][0]["efect"] = "NoExecute"
    kubernetes["pipelineConfig"] = {"resourceTtlOnCompletion": "soon"}
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        (
            "PTF510",
            "platforms.kubernetes.deploymentSpec.executors.exec-echo.tolerations[0].efect: unknown field "
            "`efect` in Toleration",
        ),
        (
            "PTF511",
            "platforms.kubernetes.pipelineConfig.resourceTtlOnCompletion: expected an integer, got the string 'soon'",
        ),
    ]
    assert [at(d) for d in problems] == [ir.position("efect"), ir.position("soon")]
    assert problems[0].hint == "did you mean `effect`?"


def test_every_problem_is_reported_not_just_the_first(ir_file):
    ir = ir_file(A)
    ir.spec["pipelineInfo"]["nmae"] = "x"
    ir.root_tasks["produce"]["cachingOptions"]["enableCache"] = "yes"
    ir.root_tasks["consume"]["componentRef"]["name"] = "comp-consum"
    ir.spec["schemaVersion"] = "9.9.9"
    codes = sorted(d.code for d in ir.validate())
    assert codes == ["PTF510", "PTF511", "PTF513", "PTF516"]


# ------------------------------------------------------- layer 2: backend rules


def test_schema_version_must_be_2_1_0(ir_file):
    ir = ir_file(A)
    ir.spec["schemaVersion"] = "9.9.9"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF513",
        "schemaVersion: schemaVersion '9.9.9' is not supported: KFP only accepts 2.1.0",
    )
    assert at(problem) == ir.position("9.9.9")


def test_missing_schema_version(ir_file):
    ir = ir_file(A)
    del ir.spec["schemaVersion"]
    problem = only(ir.validate())
    assert problem.code == "PTF513"
    assert problem.message == "(document): no schemaVersion: KFP only accepts 2.1.0"
    assert at(problem) == (1, 1)


def test_pipeline_name_must_not_be_empty(ir_file):
    ir = ir_file(A)
    ir.spec["pipelineInfo"]["name"] = ""
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF514",
        "pipelineInfo.name: the pipeline has no name (pipelineInfo.name)",
    )
    assert at(problem) == ir.position("name: ''", skip=len("name: "))


def test_root_must_be_present(ir_file):
    ir = ir_file(A)
    del ir.spec["root"]
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems if d.code == "PTF515"] == [
        ("PTF515", "(document): the pipeline has no `root` component")
    ]


# -------------------------------------------------------- layer 3: references


def test_dangling_component_ref(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["componentRef"]["name"] = "comp-consum"
    problem = only(ir.validate())
    assert problem.code == "PTF516"
    assert problem.message == "root.dag.tasks.consume.componentRef.name: no component named `comp-consum`"
    assert problem.hint == "did you mean `comp-consume`?"
    assert at(problem) == ir.position("comp-consum\n")


def test_dangling_executor_label(ir_file):
    ir = ir_file(A)
    ir.spec["components"]["comp-echo"]["executorLabel"] = "exec-ecoh"
    problems = ir.validate()
    assert [(d.code, d.message, d.hint) for d in problems] == [
        (
            "PTF517",
            "components.comp-echo.executorLabel: no executor named `exec-ecoh` in deploymentSpec.executors",
            "did you mean `exec-echo`?",
        ),
        ("PTF536", "deploymentSpec.executors.exec-echo: executor `exec-echo` is not used by any component", None),
    ]
    assert at(problems[0]) == ir.position("exec-ecoh")
    assert problems[1].severity is Severity.WARNING


def test_dangling_producer_task(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["parameters"]["size"]["taskOutputParameter"]["producerTask"] = "prodce"
    problem = only(ir.validate())
    assert problem.code == "PTF518"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.parameters.size.taskOutputParameter.producerTask: "
        "no task named `prodce` in the root DAG"
    )
    assert problem.hint == "did you mean `produce`?"
    assert at(problem) == ir.position("prodce")


def test_dangling_dependent_task(ir_file):
    ir = ir_file(A)
    ir.root_tasks["echo"]["dependentTasks"] = ["consume", "cleanup"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF518",
        "root.dag.tasks.echo.dependentTasks[1]: no task named `cleanup` in the root DAG",
    )
    assert at(problem) == ir.position("cleanup")


def test_dangling_output_parameter_key(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["parameters"]["size"]["taskOutputParameter"]["outputParameterKey"] = "sise"
    problem = only(ir.validate())
    assert problem.code == "PTF519"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.parameters.size.taskOutputParameter."
        "outputParameterKey: task `produce` (`comp-produce`) has no output parameter `sise`"
    )
    assert problem.hint == "did you mean `size`?"
    assert at(problem) == ir.position("sise")


def test_dangling_output_artifact_key(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["artifacts"]["data"]["taskOutputArtifact"]["outputArtifactKey"] = "dataset"
    problem = only(ir.validate())
    assert problem.code == "PTF519"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.artifacts.data.taskOutputArtifact.outputArtifactKey: "
        "task `produce` (`comp-produce`) has no output artifact `dataset`"
    )
    assert at(problem) == ir.position("dataset")


def test_dangling_producer_subtask_of_a_dag_output(ir_file):
    ir = ir_file("nested_and_importer")
    selector = ir.spec["components"]["comp-inner"]["dag"]["outputs"]["artifacts"]["Output"]["artifactSelectors"][0]
    selector["producerSubtask"] = "producer"
    problem = only(ir.validate())
    assert problem.code == "PTF518"
    assert problem.message == (
        "components.comp-inner.dag.outputs.artifacts.Output.artifactSelectors[0]."
        "producerSubtask: no task named `producer` in the DAG of `comp-inner`"
    )
    assert problem.hint == "did you mean `produce`?"
    assert at(problem) == ir.position("producerSubtask: producer", skip=len("producerSubtask: "))


def test_dangling_component_input_parameter(ir_file):
    ir = ir_file(A)
    ir.root_tasks["produce"]["inputs"]["parameters"]["rows"]["componentInputParameter"] = "row"
    problem = only(ir.validate())
    assert problem.code == "PTF520"
    assert problem.message == (
        "root.dag.tasks.produce.inputs.parameters.rows.componentInputParameter: `root` has no input parameter `row`"
    )
    assert problem.hint == "did you mean `rows`?"
    assert at(problem) == ir.position("row\n")


def test_dangling_component_input_artifact(ir_file):
    ir = ir_file("nested_and_importer")
    tasks = ir.spec["components"]["comp-inner"]["dag"]["tasks"]
    tasks["consume"]["inputs"]["artifacts"]["data"] = {"componentInputArtifact": "dataset"}
    problem = only(ir.validate())
    assert problem.code == "PTF520"
    assert problem.message == (
        "components.comp-inner.dag.tasks.consume.inputs.artifacts.data."
        "componentInputArtifact: `comp-inner` has no input artifact `dataset`"
    )
    assert at(problem) == ir.position("componentInputArtifact: dataset", skip=len("componentInputArtifact: "))


def test_dependency_cycle_lists_the_cycle(ir_file):
    ir = ir_file(A)
    ir.root_tasks["produce"]["dependentTasks"] = ["echo"]
    problem = only(ir.validate())
    assert problem.code == "PTF521"
    assert problem.message == "root.dag.tasks.consume: dependency cycle: consume → echo → produce → consume"
    assert at(problem) == ir.position("\n      consume:\n", skip=len("\n      "))
    assert [(r.span.line, r.span.column) for r in problem.related] == [
        ir.position("\n      echo:\n", skip=len("\n      ")),
        ir.position("\n      produce:\n", skip=len("\n      ")),
    ]
    assert [r.message for r in problem.related] == ["in the cycle", "in the cycle"]


def test_task_depending_on_itself(ir_file):
    ir = ir_file(A)
    ir.root_tasks["echo"]["dependentTasks"] = ["consume", "echo"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == ("PTF521", "root.dag.tasks.echo: dependency cycle: echo → echo")


# ------------------------------------------------------------ layer 3: inputs


def test_required_input_not_supplied(ir_file):
    ir = ir_file(A)
    del ir.root_tasks["consume"]["inputs"]["parameters"]
    problem = only(ir.validate())
    assert problem.code == "PTF522"
    assert problem.message == (
        "root.dag.tasks.consume.inputs: required input parameter `size` of `comp-consume` is not supplied"
    )
    assert at(problem) == ir.position("inputs:", after="\n      consume:\n")


def test_optional_inputs_may_be_left_out(ir_file):
    ir = ir_file(A)
    assert "tag" not in ir.root_tasks["optional-flags"]["inputs"]["parameters"]
    assert ir.validate() == []


def test_undeclared_input(ir_file):
    ir = ir_file(A)
    ir.root_tasks["produce"]["inputs"]["parameters"]["row"] = {"runtimeValue": {"constant": 3}}
    problem = only(ir.validate())
    assert problem.code == "PTF523"
    assert (
        problem.message == "root.dag.tasks.produce.inputs.parameters.row: `comp-produce` has no input parameter `row`"
    )
    assert problem.hint == "did you mean `rows`?"
    assert at(problem) == ir.position("row:", after="\n      produce:\n")


def test_sdk_added_inputs_are_allowed(ir_file):
    ir = ir_file(A)
    ir.root_tasks["produce"]["inputs"]["parameters"]["pipelinechannel--rows"] = {"componentInputParameter": "rows"}
    ir.root_tasks["produce"]["inputs"]["parameters"]["cpu_limit"] = {"runtimeValue": {"constant": "2"}}
    assert ir.validate() == []


def test_artifact_output_wired_to_a_parameter(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["parameters"]["size"]["taskOutputParameter"]["outputParameterKey"] = "data"
    problem = only(ir.validate())
    assert problem.code == "PTF524"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.parameters.size.taskOutputParameter."
        "outputParameterKey: `data` is an artifact output of task `produce` "
        "(`comp-produce`), not a parameter"
    )
    assert problem.hint == "wire it under inputs.artifacts with taskOutputArtifact"
    assert at(problem) == ir.position("outputParameterKey: data", skip=len("outputParameterKey: "))


def test_parameter_output_wired_to_an_artifact(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["artifacts"]["data"]["taskOutputArtifact"]["outputArtifactKey"] = "size"
    problem = only(ir.validate())
    assert problem.code == "PTF524"
    assert problem.message.endswith("`size` is a parameter output of task `produce` (`comp-produce`), not an artifact")


def test_parameter_input_given_under_artifacts(ir_file):
    ir = ir_file(A)
    inputs = ir.root_tasks["consume"]["inputs"]
    inputs["artifacts"]["size"] = {"taskOutputArtifact": {"producerTask": "produce", "outputArtifactKey": "data"}}
    del inputs["parameters"]
    problem = only(ir.validate())
    assert problem.code == "PTF524"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.artifacts.size: `size` is a parameter input of "
        "`comp-consume`, but is wired as an artifact"
    )
    assert at(problem) == ir.position("size:", after="\n      consume:\n")


def test_type_mismatch_between_producer_and_consumer(ir_file):
    ir = ir_file(A)
    ir.spec["components"]["comp-produce"]["outputDefinitions"]["parameters"]["size"]["parameterType"] = "STRING"
    problem = only(ir.validate())
    assert problem.code == "PTF533"
    assert problem.message == (
        "root.dag.tasks.consume.inputs.parameters.size.taskOutputParameter."
        "outputParameterKey: output `size` of task `produce` is a STRING, "
        "but the input expects a NUMBER_INTEGER"
    )


def test_artifact_type_mismatch(ir_file):
    ir = ir_file(A)
    artifact = ir.spec["components"]["comp-consume"]["inputDefinitions"]["artifacts"]["data"]
    artifact["artifactType"]["schemaTitle"] = "system.Model"
    problem = only(ir.validate())
    assert problem.code == "PTF533"
    assert problem.message.endswith(
        "output `data` of task `produce` is a system.Dataset, but the input expects a system.Model"
    )


# ------------------------------------------------------ layer 3: placeholders


def _arg_index(ir, label: str, needle: str) -> int:
    return next(i for i, a in enumerate(ir.executor(label)["container"]["args"]) if needle in a)


def test_placeholder_naming_an_undeclared_input_parameter(ir_file):
    ir = ir_file(A)
    args = ir.executor("exec-produce")["container"]["args"]
    args[0] = "{{$.inputs.parameters['rowz']}}"
    problem = only(ir.validate())
    assert problem.code == "PTF525"
    assert problem.message == (
        "deploymentSpec.executors.exec-produce.container.args[0]: "
        "`{{$.inputs.parameters['rowz']}}` names `rowz`, but `comp-produce` has no "
        "input parameter of that name"
    )
    assert problem.hint == "did you mean `rows`?"
    assert at(problem) == ir.position("'{{$.inputs.parameters[''rowz'']}}'")


def test_placeholders_naming_undeclared_artifacts_and_outputs(ir_file):
    ir = ir_file(A)
    args = ir.executor("exec-produce")["container"]["args"]
    args[1] = "{{$.outputs.artifacts['dataset'].path}}"
    args[2] = "{{$.outputs.parameters['count'].output_file}}"
    args.append("{{$.inputs.artifacts['raw'].uri}}")
    problems = ir.validate()
    assert [(d.code, d.message.split(": ", 1)[1]) for d in problems] == [
        (
            "PTF525",
            "`{{$.outputs.artifacts['dataset'].path}}` names `dataset`, but `comp-produce` has no output "
            "artifact of that name",
        ),
        (
            "PTF525",
            "`{{$.outputs.parameters['count'].output_file}}` names `count`, but `comp-produce` has no "
            "output parameter of that name",
        ),
        (
            "PTF525",
            "`{{$.inputs.artifacts['raw'].uri}}` names `raw`, but `comp-produce` has no input artifact of that name",
        ),
    ]


def test_placeholder_reading_a_parameter_as_an_artifact(ir_file):
    ir = ir_file(A)
    ir.executor("exec-produce")["container"]["args"][0] = "{{$.inputs.artifacts['rows'].path}}"
    problem = only(ir.validate())
    assert problem.code == "PTF524"
    assert problem.message.endswith(
        "reads `rows` as an input artifact, but `comp-produce` declares it among its inputs.parameters"
    )


def test_if_present_and_concat_names_are_checked(ir_file):
    ir = ir_file(A)
    args = ir.executor("exec-optional-flags")["container"]["args"]
    args[0] = args[0].replace('"InputName": "tag"', '"InputName": "tags"')
    args[1] = args[1].replace("parameters['name']", "parameters['nam']")
    problems = ir.validate()
    assert [(d.code, d.message.split(": ", 1)[1], d.hint) for d in problems] == [
        (
            "PTF525",
            '`IfPresent InputName "tags"` names `tags`, but `comp-optional-flags` has no input of that name',
            "did you mean `tag`?",
        ),
        (
            "PTF525",
            "`{{$.inputs.parameters['nam']}}` names `nam`, but `comp-optional-flags` has no input parameter "
            "of that name",
            "did you mean `name`?",
        ),
    ]


def test_malformed_placeholders(ir_file):
    ir = ir_file(A)
    args = ir.executor("exec-produce")["container"]["args"]
    args[0] = "--rows={{$.inputs.parameters[nope"
    args[3] = "{{$.outputs.artifacts['metrics'].location}}"
    ir.executor("exec-optional-flags")["container"]["args"][1] = '{"Concat": ["name=", }'
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        (
            "PTF526",
            "deploymentSpec.executors.exec-optional-flags.container.args[1]: malformed Concat placeholder: "
            "Expecting value at character 21",
        ),
        (
            "PTF526",
            "deploymentSpec.executors.exec-produce.container.args[0]: placeholder "
            "`{{$.inputs.parameters[nope` is not closed with `}}`",
        ),
        (
            "PTF526",
            "deploymentSpec.executors.exec-produce.container.args[3]: "
            "`{{$.outputs.artifacts['metrics'].location}}` is not a KFP placeholder",
        ),
    ]
    assert at(problems[0]) == ir.position("""'{"Concat": ["name=", }'""")
    assert at(problems[1]) == ir.position("--rows={{$.inputs.parameters[nope")


def test_fstring_constant_placeholders_name_the_tasks_own_inputs(ir_file):
    ir = ir_file(A)
    del ir.root_tasks["echo"]["inputs"]["parameters"]["pipelinechannel--rows"]
    problem = only(ir.validate())
    assert problem.code == "PTF525"
    assert problem.message == (
        "root.dag.tasks.echo.inputs.parameters.msg.runtimeValue.constant: "
        "`{{$.inputs.parameters['pipelinechannel--rows']}}` names `pipelinechannel--rows`, "
        "which is not an input parameter of this task"
    )


def test_container_without_image(ir_file):
    ir = ir_file(A)
    del ir.executor("exec-echo")["container"]["image"]
    ir.executor("exec-consume")["container"]["image"] = ""
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        ("PTF527", "deploymentSpec.executors.exec-consume.container.image: container has no image"),
        ("PTF527", "deploymentSpec.executors.exec-echo.container: container has no image"),
    ]


# ------------------------------------------------- layer 3: conditions, values


def test_condition_that_is_not_cel(ir_file):
    ir = ir_file("loops_and_conditions")
    tasks = ir.spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    tasks["condition-2"]["triggerPolicy"]["condition"] = (
        "inputs.parameter_values['pipelinechannel--flip-side'] = 'heads'"
    )
    problem = only(ir.validate())
    assert problem.code == "PTF528"
    assert problem.message == (
        "components.comp-condition-branches-1.dag.tasks.condition-2.triggerPolicy.condition: "
        "condition is not valid CEL: unexpected \"= 'heads'\" at character 55"
    )
    assert at(problem) == ir.position("inputs.parameter_values['pipelinechannel--flip-side'] = ")


def test_condition_reading_an_input_the_task_lacks(ir_file):
    ir = ir_file("loops_and_conditions")
    tasks = ir.spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    tasks["condition-2"]["triggerPolicy"]["condition"] = "inputs.parameter_values['pipelinechannel--flip-sid'] == 'x'"
    problem = only(ir.validate())
    assert problem.code == "PTF520"
    assert problem.message.endswith(
        "condition reads `pipelinechannel--flip-sid`, which is not an input parameter of this task"
    )
    assert problem.hint == "did you mean `pipelinechannel--flip-side`?"


def test_condition_reading_an_input_in_double_quotes_is_checked_as_well(ir_file):
    """CEL takes either quote: `parameter_values["x"]` names an input as `parameter_values['x']` does."""
    ir = ir_file("loops_and_conditions")
    tasks = ir.spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    tasks["condition-2"]["triggerPolicy"]["condition"] = 'inputs.parameter_values["pipelinechannel--flip-sid"] == "x"'
    problem = only(ir.validate())
    assert (problem.code, problem.hint) == ("PTF520", "did you mean `pipelinechannel--flip-side`?")
    assert problem.message.endswith(
        "condition reads `pipelinechannel--flip-sid`, which is not an input parameter of this task"
    )


def test_string_default_for_an_integer(ir_file):
    ir = ir_file(A)
    ir.spec["root"]["inputDefinitions"]["parameters"]["rows"]["defaultValue"] = "abc"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF529",
        'root.inputDefinitions.parameters.rows.defaultValue: default "abc" is not a NUMBER_INTEGER',
    )
    assert at(problem) == ir.position("abc")


def test_quoted_number_default_gets_a_hint(ir_file):
    ir = ir_file(A)
    ir.spec["root"]["inputDefinitions"]["parameters"]["rows"]["defaultValue"] = "5"
    problem = only(ir.validate())
    assert problem.code == "PTF529"
    assert problem.hint == "write the number without quotes: 5.0"


def test_fraction_for_an_integer_and_mapping_for_a_string(ir_file):
    ir = ir_file("every_parameter_type")
    task = ir.root_tasks["all-parameters-2"]["inputs"]["parameters"]
    task["count"]["runtimeValue"]["constant"] = 2.5
    task["text"]["runtimeValue"]["constant"] = {"a": 1}
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        (
            "PTF529",
            "root.dag.tasks.all-parameters-2.inputs.parameters.count.runtimeValue.constant: "
            "constant 2.5 is not a NUMBER_INTEGER",
        ),
        (
            "PTF529",
            "root.dag.tasks.all-parameters-2.inputs.parameters.text.runtimeValue.constant: "
            'constant {"a": 1} is not a STRING',
        ),
    ]


def test_integers_written_as_doubles_are_integers(ir_file):
    ir = ir_file("every_parameter_type")
    assert ir.spec["root"]["inputDefinitions"]["parameters"]["count"]["defaultValue"] == 10.0
    assert ir.validate() == []


def test_loop_items_from_a_missing_input(ir_file):
    ir = ir_file("loops_and_conditions")
    loop = next(
        t for t in ir.root_tasks.values() if "inputParameter" in t.get("parameterIterator", {}).get("items", {})
    )
    loop["parameterIterator"]["items"]["inputParameter"] = "pipelinechannel--name"
    problem = only(ir.validate())
    assert problem.code == "PTF530"
    assert problem.message.endswith(
        "items.inputParameter: loop items come from `pipelinechannel--name`, which is "
        "not an input parameter of this task"
    )
    assert problem.hint == "did you mean `pipelinechannel--names`?"


def test_raw_loop_items_that_are_not_a_json_list(ir_file):
    ir = ir_file("loops_and_conditions")
    loop = next(t for t in ir.root_tasks.values() if t.get("parameterIterator", {}).get("items", {}).get("raw"))
    loop["parameterIterator"]["items"]["raw"] = "[1, 2,"
    problem = only(ir.validate())
    assert problem.code == "PTF530"
    assert problem.message.endswith("raw loop items are not JSON: Expecting value at character 6")


def test_task_name_that_is_not_a_kubernetes_name(ir_file):
    ir = ir_file(A)
    ir.root_tasks["Train_X"] = ir.root_tasks.pop("optional-flags")
    problem = only(ir.validate())
    assert problem.code == "PTF531"
    assert problem.message.startswith("root.dag.tasks.Train_X: task name `Train_X` is not a valid Kubernetes name")
    assert problem.hint == "rename it `train-x`"
    assert at(problem) == ir.position("Train_X:")


def test_platform_config_for_an_unknown_executor(ir_file):
    ir = ir_file("kubernetes_options")
    executors = ir.platforms["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    executors["exec-ehco"] = executors.pop("exec-echo")
    problem = only(ir.validate())
    assert problem.code == "PTF517"
    assert problem.message == (
        "platforms.kubernetes.deploymentSpec.executors.exec-ehco: no executor named "
        "`exec-ehco` in the pipeline's deploymentSpec.executors"
    )
    assert problem.hint == "did you mean `exec-echo`?"
    assert problem.span.line == ir.position("exec-ehco:")[0]


# ------------------------------------------------- found missing by mutation testing (tools/mutation.py)


def test_a_typed_loop_item_is_type_checked_against_its_receiver(ir_file):
    """kfp writes STRING for a loop item of unknown type (any receiver may take it); a typed item is checked."""
    ir = ir_file("loops_and_conditions")
    loop = next(
        c
        for c in ir.spec["components"].values()
        if "square" in c.get("dag", {}).get("tasks", {}) and "inputDefinitions" in c
    )
    [item] = [p for p in loop["inputDefinitions"]["parameters"] if "loop-item" in p]
    assert loop["inputDefinitions"]["parameters"][item]["parameterType"] == "NUMBER_INTEGER"
    loop["inputDefinitions"]["parameters"][item]["parameterType"] = "BOOLEAN"
    problem = only(ir.validate())
    assert problem.code == "PTF533"
    assert problem.message.endswith(
        f"input `{item}` of `comp-for-loop-7` is a BOOLEAN, but the input expects a NUMBER_INTEGER"
    )


def test_both_iterators_of_a_task_are_checked(ir_file):
    """A task with two iterators: the one without an itemInput does not hide the other's problems."""
    ir = ir_file("loops_and_conditions")
    task = next(
        t for t in ir.root_tasks.values() if t.get("parameterIterator", {}).get("items", {}).get("raw") == "[1, 2, 3]"
    )
    del task["parameterIterator"]["itemInput"]
    task["artifactIterator"] = {"items": {"inputArtifact": "nope"}, "itemInput": "x"}
    messages = [(d.code, d.message.split(": ", 1)[1]) for d in ir.validate()]
    assert ("PTF530", "loop has no `itemInput`") in messages
    assert ("PTF530", "loop items come from `nope`, which is not an input artifact of this task") in messages
    assert ("PTF530", "loop item `x` is not an input artifact of `comp-for-loop-7`") in messages


def test_an_ir_without_a_cycle_is_validated_without_networkx(reference_dir):
    """The cycle check asks networkx (~0.1 s to import) only when its own quick test finds a cycle."""
    script = (
        "import sys, yaml\n"
        "from ptflow.compiler.source import SourceText\n"
        "from ptflow.compiler.validate.ir import validate_ir\n"
        "text = open(sys.argv[1]).read()\n"
        "print(len(validate_ir(list(yaml.safe_load_all(text)), SourceText(sys.argv[1], text))))\n"
        "print('networkx' in sys.modules)\n"
    )
    path = reference_dir / "loops_and_conditions.yaml"  # tasks that depend on tasks, in nested DAGs
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "False"]


def test_a_dag_artifact_output_is_type_checked_against_what_its_task_makes(ir_file):
    ir = ir_file("nested_and_importer")
    inner = ir.spec["components"]["comp-inner"]
    inner["outputDefinitions"]["artifacts"]["Output"]["artifactType"]["schemaTitle"] = "system.Model"
    assert [(d.code, d.message) for d in ir.validate()] == [
        (
            "PTF533",
            "components.comp-inner.dag.outputs.artifacts.Output.artifactSelectors[0].outputArtifactKey: output "
            "`data` of task `produce` is a system.Dataset, but the DAG output expects a system.Model",
        ),
        (
            "PTF533",
            "root.dag.tasks.show-dataset.inputs.artifacts.data.taskOutputArtifact.outputArtifactKey: output "
            "`Output` of task `inner` is a system.Model, but the input expects a system.Dataset",
        ),
    ]


def test_a_quoted_boolean_default_gets_a_hint(ir_file):
    ir = ir_file("every_parameter_type")
    ir.spec["root"]["inputDefinitions"]["parameters"]["flag"]["defaultValue"] = "True"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF529",
        'root.inputDefinitions.parameters.flag.defaultValue: default "True" is not a BOOLEAN',
    )
    assert problem.hint == "write the boolean without quotes: true"


def test_a_list_default_written_true_gets_no_boolean_hint(ir_file):
    ir = ir_file("every_parameter_type")
    ir.spec["root"]["inputDefinitions"]["parameters"]["items"]["defaultValue"] = "true"
    problem = only(ir.validate())
    assert (problem.code, problem.message, problem.hint) == (
        "PTF529",
        'root.inputDefinitions.parameters.items.defaultValue: default "true" is not a LIST',
        None,
    )


def test_a_oneof_selector_naming_an_output_its_branch_lacks_is_reported_at_the_key(ir_file):
    """`dsl.OneOf(...)` as a pipeline output: each of the condition-branches DAG's selectors is checked."""
    ir = ir_file("oneof_output")
    dag_outputs = ir.spec["components"]["comp-condition-branches-1"]["dag"]["outputs"]
    selectors = dag_outputs["parameters"]["pipelinechannel--condition-branches-1-oneof-1"]["valueFromOneof"]
    selectors["parameterSelectors"][1]["outputParameterKey"] = "pipelinechannel--flip-3-sid"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF519",
        "components.comp-condition-branches-1.dag.outputs.parameters.pipelinechannel--condition-branches-1-oneof-1"
        ".valueFromOneof.parameterSelectors[1].outputParameterKey: "
        "task `condition-3` (`comp-condition-3`) has no output parameter `pipelinechannel--flip-3-sid`",
    )
    assert problem.hint == "did you mean `pipelinechannel--flip-3-side`?"
    assert at(problem) == ir.position("pipelinechannel--flip-3-sid\n")


def test_a_dangling_component_ref_leaves_the_loop_items_after_it_known(ir_file):
    """Root's tasks are read in order; one that names no component must not hide the loops after it.  The loop
    over [1, 2, 3] gets an item typed STRING (as kfp types the items of a list it can't type): handed to
    `square`'s int input, that is fine for a loop item, so the one finding is the dangling reference."""
    ir = ir_file("loops_and_conditions")
    ir.spec["components"]["comp-for-loop-7"]["inputDefinitions"]["parameters"]["pipelinechannel--loop-item-param-6"][
        "parameterType"
    ] = "STRING"
    ir.root_tasks["condition-branches-1"]["componentRef"]["name"] = "comp-missing"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF516",
        "root.dag.tasks.condition-branches-1.componentRef.name: no component named `comp-missing`",
    )


def test_a_malformed_placeholder_in_an_f_string_constant_is_reported_at_the_constant(ir_file):
    ir = ir_file(A)
    runtime_value = ir.root_tasks["echo"]["inputs"]["parameters"]["msg"]["runtimeValue"]
    runtime_value["constant"] = "rows={{$.inputs.parameters['pipelinechannel--rows'}} job={{$.pipeline_job_name}}"
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF526",
        "root.dag.tasks.echo.inputs.parameters.msg.runtimeValue.constant: "
        "`{{$.inputs.parameters['pipelinechannel--rows'}}` is not a KFP placeholder",
    )
    assert at(problem) == ir.position("rows={{$", skip=0)


def test_a_cycle_made_by_data_alone_is_found(ir_file):
    """IR written by hand may leave `dependentTasks` out: reading a task's output is an edge too."""
    ir = ir_file(A)
    del ir.root_tasks["consume"]["dependentTasks"]  # consume still reads produce's outputs
    ir.root_tasks["produce"]["dependentTasks"] = ["consume"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF521",
        "root.dag.tasks.consume: dependency cycle: consume → produce → consume",
    )


def test_a_dag_output_of_another_type_than_its_producers_is_reported_at_the_output_key(ir_file):
    ir = ir_file("oneof_output")
    declared = ir.spec["components"]["comp-condition-2"]["outputDefinitions"]["parameters"]
    declared["pipelinechannel--flip-2-side"]["parameterType"] = "NUMBER_INTEGER"
    messages = [(d.code, d.message) for d in ir.validate()]
    assert (
        "PTF533",
        "components.comp-condition-2.dag.outputs.parameters.pipelinechannel--flip-2-side.valueFromParameter."
        "outputParameterKey: output `side` of task `flip-2` is a STRING, but the DAG output expects a NUMBER_INTEGER",
    ) in messages


def test_a_dag_output_parameter_declared_as_an_artifact_is_a_kind_mismatch(ir_file):
    ir = ir_file("oneof_output")
    outputs = ir.spec["components"]["comp-condition-2"]["outputDefinitions"]
    del outputs["parameters"]
    outputs["artifacts"] = {
        "pipelinechannel--flip-2-side": {"artifactType": {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}}
    }
    first = ir.validate()[0]
    assert (first.code, first.message) == (
        "PTF524",
        "components.comp-condition-2.dag.outputs.parameters.pipelinechannel--flip-2-side: "
        "`pipelinechannel--flip-2-side` is declared as an artifact output of `comp-condition-2`",
    )
    assert at(first) == ir.position("pipelinechannel--flip-2-side:")


def test_a_text_input_handed_into_a_loop_is_no_loop_item_and_is_type_checked(ir_file):
    """Only a loop's item (kfp types it STRING when it can't tell) may feed any receiver; a STRING pipeline
    input handed down into the loop and on to an integer input is a mistake."""
    ir = ir_file("loops_and_conditions")
    ir.spec["root"]["inputDefinitions"]["parameters"]["threshold"] = {"defaultValue": "3", "parameterType": "STRING"}
    loop = ir.spec["components"]["comp-for-loop-7"]["inputDefinitions"]["parameters"]
    loop["pipelinechannel--threshold"]["parameterType"] = "STRING"
    problem = only(ir.validate())
    assert problem.code == "PTF533"
    assert problem.message.endswith(
        "input `pipelinechannel--threshold` of `comp-for-loop-7` is a STRING, but the input expects a NUMBER_INTEGER"
    )


@contextmanager
def fails_after(seconds: float):
    """Turns code under test that loops forever into a failing test instead of a hung run."""

    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_loop_body_that_runs_itself_again_ends_and_leaves_the_loops_after_it_known(ir_file):
    """A generator that names the enclosing loop's component for an inner loop makes a component that calls
    itself: that is reported (it would never end), and the search for loop items reads it once per set of
    items, so it ends too, and goes on to the loops still waiting.  One of those (for-loop-12) holds a loop
    whose item kfp typed STRING, as it does when it can't tell, handed to an integer input: fine for a loop
    item, so nothing more is reported."""
    ir = ir_file("loops_and_conditions")
    components = ir.spec["components"]
    assert (
        components["comp-for-loop-14"]["inputDefinitions"]["parameters"]["pipelinechannel--loop-item-param-13"][
            "parameterType"
        ]
        == "STRING"
    )
    components["comp-for-loop-12"]["dag"]["tasks"]["for-loop-14"]["parameterIterator"]["items"]["raw"] = "[1, 2]"
    components["comp-echo-6"]["inputDefinitions"]["parameters"]["msg"]["parameterType"] = "NUMBER_INTEGER"
    components["comp-for-loop-7"]["dag"]["tasks"]["repeat"] = {
        "componentRef": {"name": "comp-for-loop-7"},
        "inputs": {
            "parameters": {"pipelinechannel--threshold": {"componentInputParameter": "pipelinechannel--threshold"}}
        },
        "parameterIterator": {"itemInput": "pipelinechannel--loop-item-param-6", "items": {"raw": "[1]"}},
        "taskInfo": {"name": "repeat"},
    }
    with fails_after(30):
        problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF521",
        "components.comp-for-loop-7.dag.tasks.repeat.componentRef.name: "
        "component `comp-for-loop-7` runs itself: comp-for-loop-7 → comp-for-loop-7",
    )
    assert at(problem) == ir.position("name: comp-for-loop-7", skip=len("name: "), after="repeat:")


def test_components_that_run_each_other_in_a_circle_are_reported_once(ir_file):
    ir = ir_file("loops_and_conditions")
    components = ir.spec["components"]
    callee = {"componentRef": {"name": "comp-for-loop-12"}, "taskInfo": {"name": "back"}}
    components["comp-for-loop-14"]["dag"]["tasks"]["back"] = callee
    # (the task also lacks the loop's input: said on its own)
    (problem,) = [d for d in ir.validate() if d.code == "PTF521"]
    assert (problem.code, problem.message) == (
        "PTF521",
        "components.comp-for-loop-14.dag.tasks.back.componentRef.name: "
        "component `comp-for-loop-12` runs itself: comp-for-loop-12 → comp-for-loop-14 → comp-for-loop-12",
    )


def test_a_component_left_empty_is_reported_once_by_the_schema_and_seen_from_its_task_and_executor(ir_file):
    """`comp-echo:` with nothing after it: the semantic layer reads nothing of it (layer 1 says what it
    should be); its task then wires an input it can't have, and its executor is nobody's."""
    ir = ir_file(A)
    ir.spec["components"]["comp-echo"] = None
    problems = ir.validate()
    assert [(d.code, d.message) for d in problems] == [
        ("PTF511", "components.comp-echo: expected a mapping (ComponentSpec), got NoneType"),
        ("PTF536", "deploymentSpec.executors.exec-echo: executor `exec-echo` is not used by any component"),
        ("PTF523", "root.dag.tasks.echo.inputs.parameters.msg: `comp-echo` has no input parameter `msg`"),
    ]
    assert at(problems[0]) == ir.position("comp-echo: null", skip=len("comp-echo: "))


def test_an_artifact_input_wired_as_a_parameter_is_a_kind_mismatch_at_its_key(ir_file):
    ir = ir_file(A)
    inputs = ir.root_tasks["consume"]["inputs"]
    del inputs["artifacts"]
    inputs["parameters"]["data"] = {"taskOutputParameter": {"producerTask": "produce", "outputParameterKey": "size"}}
    problem = only(ir.validate())
    assert (problem.code, problem.message, problem.hint) == (
        "PTF524",
        "root.dag.tasks.consume.inputs.parameters.data: `data` is an artifact input of `comp-consume`, "
        "but is wired as a parameter",
        "move it under inputs.artifacts",
    )
    assert at(problem) == ir.position("data:", after="\n      consume:\n")


def test_an_artifact_input_of_the_enclosing_dag_read_as_a_parameter_is_one_kind_mismatch(ir_file):
    ir = ir_file("nested_and_importer")
    inner = ir.spec["components"]["comp-inner"]
    inner["inputDefinitions"]["artifacts"] = {
        "data": {"artifactType": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}, "isOptional": True}
    }
    inner["dag"]["tasks"]["produce"]["inputs"]["parameters"]["rows"] = {"componentInputParameter": "data"}
    problem = only(ir.validate())  # not also "has no input parameter `data`"
    assert (problem.code, problem.message) == (
        "PTF524",
        "components.comp-inner.dag.tasks.produce.inputs.parameters.rows.componentInputParameter: `data` is an "
        "artifact input of `comp-inner`; read it under inputs.artifacts with componentInputArtifact",
    )
    assert at(problem) == ir.position("componentInputParameter: data", skip=len("componentInputParameter: "))


def test_an_artifact_input_without_a_source_is_reported_at_its_key(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["artifacts"]["data"] = {}
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF515",
        "root.dag.tasks.consume.inputs.artifacts.data: input has no value: "
        "give componentInputArtifact or taskOutputArtifact",
    )
    assert at(problem) == ir.position("data: {}", after="\n      consume:\n")


def test_a_parameter_input_of_the_enclosing_dag_read_as_an_artifact_is_a_kind_mismatch(ir_file):
    ir = ir_file("nested_and_importer")
    consume = ir.spec["components"]["comp-inner"]["dag"]["tasks"]["consume"]
    consume["inputs"]["artifacts"]["data"] = {"componentInputArtifact": "rows"}
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF524",
        "components.comp-inner.dag.tasks.consume.inputs.artifacts.data.componentInputArtifact: `rows` is a "
        "parameter input of `comp-inner`; read it under inputs.parameters with componentInputParameter",
    )
    assert at(problem) == ir.position("componentInputArtifact: rows", skip=len("componentInputArtifact: "))


def test_a_loop_without_items_is_reported_at_its_iterator(ir_file):
    ir = ir_file("loops_and_conditions")
    del ir.root_tasks["for-loop-7"]["parameterIterator"]["items"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF530",
        "root.dag.tasks.for-loop-7.parameterIterator: loop has no `items`",
    )
    assert at(problem) == ir.position("parameterIterator:", after="\n      for-loop-7:\n")


def test_raw_loop_items_that_are_a_json_object_are_reported_at_the_value(ir_file):
    ir = ir_file("loops_and_conditions")
    ir.root_tasks["for-loop-7"]["parameterIterator"]["items"]["raw"] = '{"a": 1}'
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF530",
        "root.dag.tasks.for-loop-7.parameterIterator.items.raw: raw loop items must be a JSON list",
    )
    assert at(problem) == ir.position("""'{"a": 1}'""")


def test_an_importer_without_a_type_schema_is_reported_at_its_key(ir_file):
    ir = ir_file("nested_and_importer")
    del ir.executor("exec-importer")["importer"]["typeSchema"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF515",
        "deploymentSpec.executors.exec-importer.importer: importer has no `typeSchema`",
    )
    assert at(problem) == ir.position("      importer:", after="exec-importer:", skip=len("      "))


def test_an_importer_without_an_artifact_uri_is_reported_at_its_key(ir_file):
    ir = ir_file("nested_and_importer")
    del ir.executor("exec-importer-2")["importer"]["artifactUri"]
    problem = only(ir.validate())
    assert (problem.code, problem.message) == (
        "PTF515",
        "deploymentSpec.executors.exec-importer-2.importer: importer has no `artifactUri`",
    )
    assert at(problem) == ir.position("      importer:", after="exec-importer-2:", skip=len("      "))


def test_an_importer_reading_a_parameter_its_component_lacks_suggests_the_closest(ir_file):
    ir = ir_file("nested_and_importer")
    ir.executor("exec-importer")["importer"]["artifactUri"]["runtimeParameter"] = "url"
    problem = only(ir.validate())
    assert (problem.code, problem.message, problem.hint) == (
        "PTF520",
        "deploymentSpec.executors.exec-importer.importer.artifactUri.runtimeParameter: importer reads `url`, "
        "but `comp-importer` has no input parameter of that name",
        "did you mean `uri`?",
    )
    assert at(problem) == ir.position("runtimeParameter: url", skip=len("runtimeParameter: "))


def test_a_producer_task_that_is_a_list_is_one_type_error_not_a_crash(ir_file):
    ir = ir_file(A)
    ir.root_tasks["consume"]["inputs"]["parameters"]["size"]["taskOutputParameter"]["producerTask"] = ["produce"]
    problem = only(ir.validate())
    assert problem.code == "PTF511"
    assert problem.message.startswith(
        "root.dag.tasks.consume.inputs.parameters.size.taskOutputParameter.producerTask: "
    )
