"""`ptflow submit`: against a local HTTP stand-in of the KFP API that records the calls (not a real server)."""

import subprocess
import sys
from pathlib import Path

from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow
from tests.runner.kfp_api_standin import KfpApiStandIn


@dsl.container_component
def say(text: str):
    return dsl.ContainerSpec(image="alpine:3", command=["echo", text])


@dsl.pipeline(name="to-submit")
def to_submit(text: str, times: int = 1):
    say(text=text)


def test_submit_to_kfp_standin_sends_the_pipeline_and_arguments(tmp_path: Path):
    ir = compile_kfp(to_submit, tmp_path / "pipeline.yaml")
    with KfpApiStandIn() as api:
        result = ptflow(
            "submit", str(ir), "--host", api.url, "-p", "text=hello", "-p", "times=2", "--experiment", "nightly"
        )
    assert result.returncode == 0, result.stderr
    assert "run run-42" in result.stdout
    created = [c for c in api.calls if c["method"] == "POST" and c["path"] == "/apis/v2beta1/experiments"]
    assert created and created[0]["body"]["display_name"] == "nightly"
    runs = [c for c in api.calls if c["method"] == "POST" and c["path"] == "/apis/v2beta1/runs"]
    assert len(runs) == 1
    body = runs[0]["body"]
    assert body["experiment_id"] == "exp-1" and body["display_name"] == "to-submit"
    assert body["pipeline_spec"]["pipelineInfo"]["name"] == "to-submit"
    assert body["runtime_config"]["parameters"] == {"text": "hello", "times": 2}


def test_submit_checks_parameters_before_sending_anything(tmp_path: Path):
    ir = compile_kfp(to_submit, tmp_path / "pipeline.yaml")
    with KfpApiStandIn() as api:
        result = ptflow("submit", str(ir), "--host", api.url, "-p", "times=two")
    assert result.returncode == 1 and "PTF902" in result.stderr and "PTF542" in result.stderr
    assert api.calls == []


def test_submit_reports_the_servers_refusal(tmp_path: Path):
    ir = compile_kfp(to_submit, tmp_path / "pipeline.yaml")
    with KfpApiStandIn(fail_runs=True) as api:
        result = ptflow("submit", str(ir), "--host", api.url, "-p", "text=x")
    assert result.returncode == 1 and "PTF914" in result.stderr


def test_submit_a_ptflow_file_compiles_it_in_memory(tmp_path: Path):
    source = tmp_path / "hello.ptflow"
    source.write_text(
        'component say(text: str) {\n    image = "alpine:3"\n    command = ["echo", text]\n}\n'
        'pipeline hello(text: str = "hi") {\n    s = say(text: text)\n}\n'
    )
    with KfpApiStandIn() as api:
        result = ptflow("submit", str(source), "--host", api.url)
    assert result.returncode == 0, result.stderr
    runs = [c for c in api.calls if c["path"] == "/apis/v2beta1/runs"]
    assert runs[0]["body"]["pipeline_spec"]["root"]["dag"]["tasks"]["s"]["componentRef"]["name"]


def test_submit_to_vertex_without_the_extra_says_what_to_install(tmp_path: Path):
    ir = compile_kfp(to_submit, tmp_path / "pipeline.yaml")
    # The test extra installs google-cloud-aiplatform (gcpc needs it): hide it, as on a machine without the extra.
    program = (
        "import sys\nsys.modules['google.cloud.aiplatform'] = None\n"
        "from ptflow.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            program,
            "submit",
            str(ir),
            "--vertex",
            "--project",
            "p",
            "--region",
            "europe-west4",
            "-p",
            "text=x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "PTF913" in result.stderr and "pip install 'ptflow[vertex]'" in result.stderr


def test_submit_to_vertex_compiles_a_ptflow_file_for_the_vertex_target():
    from ptflow.runtime.runner import spec

    example = Path(__file__).resolve().parents[2] / "examples" / "vertex_cifar10" / "vertex_cifar10.ptflow"
    for target, deploy_image in (
        ("vertex", "gcr.io/ml-pipeline/google-cloud-pipeline-components"),
        ("kfp-v2", "ghcr.io/ptflow/ptflow-runtime"),
    ):
        documents, _, _ = spec.load(str(example), target=target)
        image = documents[0]["deploymentSpec"]["executors"]["exec-deploy"]["container"]["image"]
        assert image.startswith(deploy_image), (target, image)
