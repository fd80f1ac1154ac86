"""kfp-v1 lowering of what kfp 1.8 had no way to write, and of the examples.

There is no kfp 1.8 golden for these: each compiled workflow must pass the
Argo validator and Argo's JSON schema made strict, and the parts that carry
the construct are checked field by field.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file
from ptflow.compiler.validate.argo import validate_workflow
from tests.compiler.test_examples import NOT_FOR_KFP_V1
from tests.support.argo_schema import schema_available, schema_errors

HERE = Path(__file__).parent
REPO = HERE.parents[1]


def compile_v1(path: Path) -> dict:
    result = compile_file(str(path), "kfp-v1")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    (document,) = result.documents
    assert [(d.code, d.message) for d in validate_workflow(document)] == []
    if schema_available():
        assert schema_errors(document) == []
    return document


def templates(document: dict) -> dict[str, dict]:
    return {t["name"]: t for t in document["spec"]["templates"]}


def tasks(template: dict) -> dict[str, dict]:
    return {t["name"]: t for t in template["dag"]["tasks"]}


@pytest.fixture(scope="module")
def beyond() -> dict:
    return compile_v1(HERE / "beyond" / "beyond_kfp.ptflow")


def test_fan_in_surfaces_the_loop_output_for_argo_to_gather(beyond):
    loop = templates(beyond)["for-loop-2"]
    assert loop["outputs"] == {
        "parameters": [{"name": "t-score", "valueFrom": {"parameter": "{{tasks.t.outputs.parameters.t-score}}"}}]
    }
    consumer = tasks(templates(beyond)["exit-handler-1"])["s"]
    assert consumer["dependencies"] == ["for-loop-2"]
    assert consumer["arguments"]["parameters"] == [
        {"name": "t-score", "value": "{{tasks.for-loop-2.outputs.parameters.t-score}}"}
    ]
    assert templates(beyond)["s"]["container"]["command"] == ["echo", "scores: {{inputs.parameters.t-score}}"]


def test_loop_over_dicts_from_a_step_output_with_an_artifact_brought_in(beyond):
    call = tasks(templates(beyond)["exit-handler-1"])["for-loop-2"]
    assert call["withParam"] == "{{tasks.m.outputs.parameters.m-configs}}"
    assert call["dependencies"] == ["m"]
    assert {"name": "m-configs-loop-item-subvar-lr", "value": "{{item.lr}}"} in call["arguments"]["parameters"]
    assert call["arguments"]["artifacts"] == [{"name": "m-data", "from": "{{tasks.m.outputs.artifacts.m-data}}"}]
    inner = tasks(templates(beyond)["for-loop-2"])["t"]
    assert inner["arguments"]["artifacts"] == [{"name": "m-data", "from": "{{inputs.artifacts.m-data}}"}]
    assert templates(beyond)["for-loop-2"]["parallelism"] == 2


def test_elif_and_else_negate_the_earlier_arms(beyond):
    body = tasks(templates(beyond)["exit-handler-1"])
    first = (
        '({{tasks.m.outputs.parameters.m-n}} > 3) && ("{{inputs.parameters.deploy}}" == "true" || '
        '"{{inputs.parameters.deploy}}" == "True")'
    )
    assert body["condition-3"]["when"] == first
    assert body["condition-4"]["when"] == f'!({first}) && ("{{{{tasks.m.outputs.parameters.m-n}}}}" == "3")'
    assert body["condition-5"]["when"] == f'!({first}) && !("{{{{tasks.m.outputs.parameters.m-n}}}}" == "3")'
    assert all(body[name]["dependencies"] == ["m"] for name in ("condition-3", "condition-4", "condition-5"))


def test_f_strings_run_information_and_optional_inputs(beyond):
    train = templates(beyond)["t"]
    assert train["container"]["command"] == [
        "train",
        "/tmp/inputs/data/data",
        "{{inputs.parameters.m-configs-loop-item-subvar-lr}}",
        "run-{{workflow.uid}}-{{inputs.parameters.m-configs-loop-item-subvar-name}}",
        "/tmp/outputs/score/data",
    ]
    assert train["container"]["image"] == "{{inputs.parameters.image}}"


DEFAULTS = """
component greet(name: str, times: int = 3, tag: str?) {
    image = "alpine:3.19"
    command = ["echo", name, times]
}

pipeline hello() {
    g = greet(name: "ana")
}
"""


def test_a_components_defaults_and_optional_inputs_are_in_its_component_spec(tmp_path):
    """The KFP 1.x UI shows a step's component from its `component_spec` annotation (no golden has a default)."""
    source = tmp_path / "defaults.ptflow"
    source.write_text(DEFAULTS)
    template = templates(compile_v1(source))["g"]
    spec = json.loads(template["metadata"]["annotations"]["pipelines.kubeflow.org/component_spec"])
    inputs = {port["name"]: port for port in spec["inputs"]}
    assert inputs["name"] == {"name": "name", "type": "String"}
    assert inputs["times"]["default"] == "3"
    assert inputs["tag"] == {"name": "tag", "type": "String", "optional": True}


def test_several_finally_steps_run_from_one_exit_dag(beyond):
    assert beyond["spec"]["onExit"] == "exit-tasks"
    exit_dag = templates(beyond)["exit-tasks"]
    assert exit_dag["inputs"] == {"parameters": [{"name": "rows"}]}
    assert sorted(tasks(exit_dag)) == ["n1", "n2"]
    assert templates(beyond)["n1"]["container"]["command"] == [
        "notify",
        "{{workflow.status}}",
        "rows={{inputs.parameters.rows}}",
    ]
    root = templates(beyond)["beyond"]
    assert [t["name"] for t in root["dag"]["tasks"]] == ["exit-handler-1"]


@pytest.mark.parametrize(
    "example",
    sorted(
        p.relative_to(REPO / "examples").as_posix()
        for p in (REPO / "examples").glob("**/*.ptflow")
        if p.stem not in NOT_FOR_KFP_V1  # refused at check time: tests/compiler/test_examples.py
    ),
)
def test_example_compiles_to_a_valid_workflow(example):
    """Every example, validated by ptflow's own checks and by Argo's JSON schema made strict."""
    document = compile_v1(REPO / "examples" / example)
    assert document["spec"]["serviceAccountName"] == "pipeline-runner"


def test_ptflow_validate_recognizes_an_argo_workflow(tmp_path):
    """`ptflow validate` as a real subprocess, on a kfp-compiled golden and on a broken copy."""
    golden = HERE / "golden" / "conditions.yaml"
    ok = subprocess.run([sys.executable, "-m", "ptflow", "validate", str(golden)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(golden.read_text().replace("dependencies: [flip]", "dependencies: [flipp]"))
    bad = subprocess.run([sys.executable, "-m", "ptflow", "validate", str(broken)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"{broken}:40:" in bad.stdout + bad.stderr
    assert "PTF574" in bad.stdout + bad.stderr


def test_compile_cli_writes_tar_gz_and_zip_packages(tmp_path):
    import tarfile
    import zipfile

    source = HERE / "ptflow" / "conditions.ptflow"
    for name in ("p.tar.gz", "p.zip"):
        out = tmp_path / name
        run = subprocess.run(
            [sys.executable, "-m", "ptflow", "compile", str(source), "--target", "kfp-v1", "-o", str(out)],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        if name.endswith(".zip"):
            text = zipfile.ZipFile(out).read("pipeline.yaml").decode()
        else:
            text = tarfile.open(out).extractfile("pipeline.yaml").read().decode()
        assert yaml.safe_load(text)["spec"]["entrypoint"] == "conditions"


def test_standard_library_step_writes_the_v1_ui_files(tmp_path):
    """On KFP 1.x a runtime step gets `--mlpipeline-ui-metadata` and `--mlpipeline-metrics`, which the UI reads."""
    source = tmp_path / "std.ptflow"
    source.write_text(
        "import stdlib.torch as torch\n"
        "pipeline std(epochs: int = 1) {\n"
        "    data = torch.prepare_images(max_samples: 200)\n"
        "    model = torch.train(data: data.data, max_epochs: epochs)\n"
        "}\n"
    )
    train = templates(compile_v1(source))["model"]
    args = train["container"]["args"]
    assert args[-4:] == [
        "--mlpipeline-ui-metadata",
        "/tmp/outputs/mlpipeline-ui-metadata/data",
        "--mlpipeline-metrics",
        "/tmp/outputs/mlpipeline-metrics/data",
    ]
    assert args[args.index("--max_epochs") + 1] == "{{inputs.parameters.epochs}}"
    assert "--executor-input" not in args
    artifacts = train["outputs"]["artifacts"]
    assert artifacts[:2] == [
        {"name": "mlpipeline-ui-metadata", "path": "/tmp/outputs/mlpipeline-ui-metadata/data"},
        {"name": "mlpipeline-metrics", "path": "/tmp/outputs/mlpipeline-metrics/data"},
    ]
    assert train["inputs"]["artifacts"] == [{"name": "data-data", "path": "/tmp/inputs/data/data"}]


def test_compiling_to_kfp_v1_imports_neither_kfp_nor_torch():
    source = HERE / "ptflow" / "loop_over_output.ptflow"
    code = (
        "import sys; from ptflow.compiler.api import compile_file; "
        f"assert compile_file({str(source)!r}, 'kfp-v1').ok; "
        "print(sorted(m for m in ('kfp', 'torch') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# A fresh interpreter compiles an example to kfp-v1, then says whether hera was imported.
HERA_PROBE = """
import sys
from ptflow.cli import main
code = main(["compile", sys.argv[1], "--target", "kfp-v1", "-o", sys.argv[2]])
print(code, "hera" in sys.modules)
"""


def test_compiling_to_kfp_v1_leaves_hera_to_ptflow_validate(tmp_path):
    # The typed round trip through hera's models is `ptflow validate`'s (and this suite's, on every
    # example's output), not each compile's: importing hera is most of a cold kfp-v1 compile.
    example = REPO / "examples" / "hello" / "hello.ptflow"
    out = tmp_path / "hello.yaml"
    result = subprocess.run([sys.executable, "-c", HERA_PROBE, str(example), str(out)], capture_output=True, text=True)
    assert result.stdout.split()[-2:] == ["0", "False"], result.stdout + result.stderr
    validated = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom ptflow.cli import main\nmain(['validate', sys.argv[1]])\nprint('hera' in sys.modules)",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert validated.stdout.split()[-1] == "True", validated.stdout + validated.stderr


SPEC_ANNOTATIONS = """
pipeline hello(who: str = "ana") {
    description = "Greets someone"
    g = greet(name: who)
}

component greet(name: str, tag: str?) {
    image = "alpine:3.19"
    command = ["echo", name, if_present(tag, ["--tag", tag], ["--untagged"])]
}
"""


def test_the_spec_annotations_are_json_with_sorted_keys_as_kfp_writes_them(tmp_path):
    """kfp 1.8 writes `json.dumps(..., sort_keys=True)`; the goldens compare these as parsed JSON, so the text
    itself (what the KFP 1.x UI and a diff of two compiled workflows show) is checked here, `if_present` in it."""
    source = tmp_path / "annotated.ptflow"
    source.write_text(SPEC_ANNOTATIONS)
    document = compile_v1(source)
    assert document["metadata"]["annotations"]["pipelines.kubeflow.org/pipeline_spec"] == (
        '{"description": "Greets someone", "inputs": [{"default": "ana", "name": "who", "optional": true, '
        '"type": "String"}], "name": "hello"}'
    )
    template = templates(document)["g"]
    assert template["metadata"]["annotations"]["pipelines.kubeflow.org/component_spec"] == (
        '{"implementation": {"container": {"command": ["echo", {"inputValue": "name"}, {"if": {"cond": '
        '{"isPresent": "tag"}, "else": ["--untagged"], "then": ["--tag", {"inputValue": "tag"}]}}], '
        '"image": "alpine:3.19"}}, "inputs": [{"name": "name", "type": "String"}, '
        '{"name": "tag", "optional": true, "type": "String"}], "name": "greet"}'
    )


def test_a_parameter_given_at_compile_time_is_the_workflows_argument_and_default(tmp_path):
    """`ptflow compile --target kfp-v1 -p who=bob`: the workflow runs with `bob` unless the run says otherwise."""
    source = tmp_path / "annotated.ptflow"
    source.write_text(SPEC_ANNOTATIONS)
    result = compile_file(str(source), "kfp-v1", params={"who": "bob"})
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    (document,) = result.documents
    assert document["spec"]["arguments"]["parameters"] == [{"name": "who", "value": "bob"}]
    spec = json.loads(document["metadata"]["annotations"]["pipelines.kubeflow.org/pipeline_spec"])
    assert spec["inputs"] == [{"default": "bob", "name": "who", "optional": True, "type": "String"}]


def test_a_step_reading_a_ui_metadata_output_takes_the_artifact_kfp_names_for_the_ui(tmp_path):
    """kfp 1.8 names the outputs `mlpipeline_ui_metadata` and `mlpipeline_metrics` by their k8s names (the UI
    looks for them so); a step reading one takes that artifact, not `<task>-<output>`."""
    source = tmp_path / "ui.ptflow"
    source.write_text(
        (HERE / "ptflow" / "ui_metadata_and_metrics.ptflow").read_text() + "component show(view: Artifact) {\n"
        '    image = "alpine:3.19"\n'
        '    command = ["cat", view.path]\n'
        "}\n"
        "pipeline with_consumer(threshold: float = 0.8) {\n"
        "    e = evaluate(threshold: threshold)\n"
        "    s = show(view: e.mlpipeline_ui_metadata)\n"
        "}\n"
    )
    result = compile_file(str(source), "kfp-v1", pipeline="with_consumer")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    (document,) = result.documents
    assert validate_workflow(document) == []
    consumer = tasks(templates(document)["with-consumer"])["s"]
    assert consumer["arguments"]["artifacts"] == [
        {"name": "mlpipeline-ui-metadata", "from": "{{tasks.e.outputs.artifacts.mlpipeline-ui-metadata}}"}
    ]


def test_a_loop_over_a_field_of_an_outer_loops_item_reads_it_through_the_items_subvar(tmp_path):
    """kfp 1.8 names the inner loop's items after the outer item's field (`...-loop-item-subvar-members`) and
    its item after those (`...-subvar-members-loop-item`)."""
    source = tmp_path / "nested.ptflow"
    source.write_text(
        'component say(msg: str) {\n    image = "alpine:3.19"\n    command = ["echo", msg]\n}\n'
        "pipeline nested(groups: list[dict]) {\n"
        "    for group in groups {\n"
        "        for member in group.members {\n"
        "            s = say(msg: member)\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    document = compile_v1(source)
    outer = tasks(templates(document)["for-loop-1"])["for-loop-2"]
    assert outer["withParam"] == "{{inputs.parameters.groups-loop-item-subvar-members}}"
    assert [p["name"] for p in outer["arguments"]["parameters"]] == ["groups-loop-item-subvar-members-loop-item"]
