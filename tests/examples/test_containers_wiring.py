"""examples/cifar10_containers runs the original sample's images: each step's compiled command line must be one the
original program accepts, and the steps must hand each other what the programs actually write and read.

The images can't run here (no Docker daemon), so the command lines KFP would run are resolved from the compiled
KFP v2 document (parameters to the pipeline's defaults, `{{$.pipeline_job_uuid}}` to a run id, paths to
/tmp/...) and:

- parsed by a parser built from the original programs' recorded flags (tests/examples/original_command_lines.py):
  an unknown flag, a missing key in `--script_args`, or a value the program can't read fails here as it would
  fail in the pod;
- for the two `sh -c` components, run for real with `sh`, `curl` and `jq` against a local HTTP server on
  127.0.0.1 standing in for the KServe endpoint and the request's URL.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ptflow.compiler.api import compile_file
from tests.examples.original_command_lines import (
    KSERVE_TORCHSERVE_LAYOUT,
    POSITIONAL,
    PROGRAMS,
    TRAINED_ARCHIVE,
    TRAINED_CONFIG,
    parse_input_args,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cifar10_containers" / "cifar10_containers.ptflow"
RUN_ID = "5f0c-run-id"
PLACEHOLDER = re.compile(r"\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\['([^']+)'\](?:\.(path|output_file))?\}\}")


# --------------------------------------------------------------- the compiled command lines


@pytest.fixture(scope="module")
def document() -> dict:
    result = compile_file(str(EXAMPLE), target="kfp-v2")
    assert result.ok, result.diagnostics
    return result.documents[0]


@pytest.fixture(scope="module")
def steps(document) -> dict[str, dict]:
    """Each task by display name: its component's program, its resolved command line and its upstream tasks."""
    root = document["root"]
    pipeline_defaults = {name: p.get("defaultValue") for name, p in root["inputDefinitions"]["parameters"].items()}
    by_display_name = {}
    for task_name, task in root["dag"]["tasks"].items():
        component = document["components"][task["componentRef"]["name"]]
        container = document["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
        parameters = _resolved_parameters(task, component, pipeline_defaults)
        line = [_substitute(token, parameters, task_name) for token in container["command"] + container.get("args", [])]
        by_display_name[task["taskInfo"]["name"]] = {
            "task": task_name,
            "image": container["image"],
            "line": line,
            "after": set(task.get("dependentTasks", [])),
            "artifacts": {
                name: (source["taskOutputArtifact"]["producerTask"], source["taskOutputArtifact"]["outputArtifactKey"])
                for name, source in task.get("inputs", {}).get("artifacts", {}).items()
            },
        }
    return by_display_name


def _text(value) -> str:
    """A parameter value as KFP's launcher puts it on a command line (an integer is `1`, not the IR's `1.0`)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else json.dumps(value)


def _resolved_parameters(task: dict, component: dict, pipeline_defaults: dict) -> dict[str, str]:
    given = task.get("inputs", {}).get("parameters", {})
    channels = {
        name: _text(pipeline_defaults[source["componentInputParameter"]])
        for name, source in given.items()
        if "componentInputParameter" in source
    }
    resolved = dict(channels)
    for name, source in given.items():
        if "runtimeValue" in source:
            constant = _text(source["runtimeValue"]["constant"]).replace("{{$.pipeline_job_uuid}}", RUN_ID)
            resolved[name] = PLACEHOLDER.sub(lambda m: channels[m.group(3)], constant)
        elif "taskOutputParameter" in source:
            output = source["taskOutputParameter"]
            resolved[name] = f"<{output['producerTask']}.{output['outputParameterKey']}>"
    for name, definition in component.get("inputDefinitions", {}).get("parameters", {}).items():
        if name not in resolved and "defaultValue" in definition:
            resolved[name] = _text(definition["defaultValue"])
    return resolved


def _substitute(token: str, parameters: dict[str, str], task_name: str) -> str:
    def value(match: re.Match) -> str:
        direction, kind, name, _ = match.groups()
        if direction == "inputs" and kind == "parameters":
            return parameters[name]
        return f"/tmp/{task_name}/{direction}/{name}"

    return PLACEHOLDER.sub(value, token.replace("{{$.pipeline_job_uuid}}", RUN_ID))


def _parsed(step: dict, program: str) -> dict:
    contract = PROGRAMS[program]
    line = step["line"]
    assert tuple(line[: len(contract.command)]) == contract.command, f"{step['task']} runs {line[:3]}"
    return vars(contract.parser().parse_args(line[len(contract.command) :]))


# --------------------------------------------------------------- the programs accept their command lines


@pytest.mark.parametrize(
    ("display_name", "program"),
    [
        ("Preprocess & Transform", "preprocess"),
        ("Training", "train"),
        ("Tensorboard Events Pusher", "minio_upload"),
        ("checkpoint_dir Pusher", "minio_upload"),
        ("Mar Pusher", "minio_upload"),
        ("Config Pusher", "minio_upload"),
        ("Deployer", "kserve_deploy"),
    ],
)
def test_each_original_program_accepts_its_command_line(steps, display_name, program):
    arguments = _parsed(steps[display_name], program)
    for flag, keys in PROGRAMS[program].key_value_flags.items():
        pairs = parse_input_args(arguments[flag.lstrip("-")])
        assert set(keys) <= set(pairs), f"{flag} lacks {set(keys) - set(pairs)}: the script reads them"


def test_training_gets_a_confusion_matrix_url_in_the_log_bucket_and_its_trainer_flags(steps):
    arguments = _parsed(steps["Training"], "train")
    script = parse_input_args(arguments["script_args"])
    assert script == {
        "model_name": "resnet.pth",
        "confusion_matrix_url": f"minio://mlpipeline/confusion_matrix/{RUN_ID}/",
    }
    trainer = parse_input_args(arguments["ptl_args"])
    assert trainer == {"max_epochs": "1", "gpus": "0", "accelerator": "None", "profiler": "pytorch"}


def test_the_uploads_push_what_training_wrote_where_kserve_and_tensorboard_read_it(steps):
    training = steps["Training"]["task"]
    uploads = {name: _parsed(steps[name], "minio_upload") for name in steps if name.endswith("Pusher")}
    for name, arguments in uploads.items():
        (source,) = steps[name]["artifacts"].values()
        assert source[0] == training, f"{name} uploads {source}"
        assert arguments["bucket_name"] == "mlpipeline"
    assert steps["Tensorboard Events Pusher"]["artifacts"]["input_path"][1] == "tensorboard_root"
    assert uploads["Mar Pusher"]["filename"] == TRAINED_ARCHIVE
    assert uploads["Config Pusher"]["filename"] == TRAINED_CONFIG

    service = _parsed(steps["Deployer"], "kserve_deploy")["inferenceservice_yaml"]
    assert service["kind"] == "InferenceService"
    predictor = service["spec"]["predictor"]["pytorch"]
    storage = predictor["storageUri"]
    assert storage == f"s3://mlpipeline/mar/{RUN_ID}" and predictor["protocolVersion"] == "v2"
    bucket, _, prefix = storage.removeprefix("s3://").partition("/")
    pushed = {
        f"s3://{arguments['bucket_name']}/{arguments['folder_name']}/{arguments['filename']}"
        for arguments in uploads.values()
    }
    for folder, file in KSERVE_TORCHSERVE_LAYOUT.items():
        assert f"s3://{bucket}/{prefix}/{folder}/{file}" in pushed
    assert service["metadata"] == {"name": "torchserve", "namespace": "kubeflow-user-example-com"}

    # The deploy waits for both files it serves (the original waited for the archive only).
    assert {steps["Mar Pusher"]["task"], steps["Config Pusher"]["task"]} <= steps["Deployer"]["after"]
    # The TensorBoard viewer reads the folder the logs are pushed to.
    viewer_source = steps["Visualization"]["line"][4]
    logs = uploads["Tensorboard Events Pusher"]
    assert viewer_source == f"s3://{logs['bucket_name']}/{logs['folder_name']}"


def test_predict_and_explain_run_after_the_deploy_in_order(steps):
    assert steps["Deployer"]["task"] in steps["Prediction"]["after"]
    assert steps["Prediction"]["task"] in steps["Explanation"]["after"]


# --------------------------------------------------------------- the sh -c components, run for real


def _shell_arguments(step: dict, component: str) -> dict[str, str]:
    line = step["line"]
    assert line[:3] == ["sh", "-ex", "-c"]
    positional = line[4:]
    assert len(positional) == len(POSITIONAL[component]), f"{component} takes {POSITIONAL[component]}"
    return dict(zip(POSITIONAL[component], positional, strict=True))


def _run_script(step: dict, line: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(line, capture_output=True, text=True, cwd=tmp_path, timeout=60)


def test_the_tensorboard_viewer_writes_the_v1_ui_metadata_kfp_shows(steps, tmp_path):
    step = steps["Visualization"]
    arguments = _shell_arguments(step, "tensorboard_viewer")
    line = list(step["line"])
    positions = {name: 4 + index for index, name in enumerate(POSITIONAL["tensorboard_viewer"])}
    line[positions["log_dir_output"]] = str(tmp_path / "log_dir")
    line[positions["ui_metadata_output"]] = str(tmp_path / "ui" / "metadata.json")
    result = _run_script(step, line, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "log_dir").read_text() == f"s3://mlpipeline/tensorboard/logs/{RUN_ID}"
    (viewer,) = json.loads((tmp_path / "ui" / "metadata.json").read_text())["outputs"]
    assert viewer["type"] == "tensorboard" and viewer["source"] == arguments["log_dir_uri"]
    assert viewer["image"] == "public.ecr.aws/pytorch-samples/tboard:latest"
    env = {entry["name"]: entry for entry in viewer["pod_template_spec"]["spec"]["containers"][0]["env"]}
    assert env["S3_ENDPOINT"]["value"] == "http://minio-service.kubeflow:9000"
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": "mlpipeline-minio-artifact",
        "key": "secretkey",
    }


class _StandIn(BaseHTTPRequestHandler):
    """A local stand-in for the request's URL (GET) and the KServe v2 endpoint (POST)."""

    seen: list[dict] = []

    def do_GET(self):
        self._answer({"inputs": [{"name": "input-0", "shape": [1], "datatype": "BYTES", "data": ["kitten"]}]})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _StandIn.seen.append({"path": self.path, "host": self.headers["Host"], "cookie": self.headers["Cookie"]})
        self._answer({"model_name": "cifar10", "outputs": [{"name": "class", "data": ["cat"], "echo": body.decode()}]})

    def _answer(self, payload):
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _StandIn.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("display_name", "kind"), [("Prediction", "predict"), ("Explanation", "explain")])
def test_inference_posts_the_request_to_the_v2_endpoint_and_shows_both_as_markdown(
    steps, tmp_path, stand_in, display_name, kind
):
    for program in ("curl", "jq"):
        if shutil.which(program) is None:
            pytest.skip(f"`{program}` is not installed (make test installs it with apt-get)")
    step = steps[display_name]
    arguments = _shell_arguments(step, "inference")
    assert arguments["host_name"] == "torchserve.kubeflow-user-example-com.example.com"
    assert arguments["url"] == "http://istio-ingressgateway.istio-system.svc.cluster.local"
    assert arguments["inference_type"] == kind and arguments["model"] == "cifar10"
    line = list(step["line"])
    positions = {name: 4 + index for index, name in enumerate(POSITIONAL["inference"])}
    line[positions["input_request"]] = f"{stand_in}/cifar10_input/input.json"
    line[positions["url"]] = stand_in
    line[positions["ui_metadata_output"]] = str(tmp_path / "ui" / "metadata.json")
    result = _run_script(step, line, tmp_path)
    assert result.returncode == 0, result.stderr
    assert _StandIn.seen == [
        {
            "path": f"/v2/models/cifar10/{kind}",
            "host": arguments["host_name"],
            "cookie": arguments["cookie"],
        }
    ]
    request, response = json.loads((tmp_path / "ui" / "metadata.json").read_text())["outputs"]
    assert request["type"] == response["type"] == "markdown"
    assert request["source"].startswith("## Request:\n```json\n") and '"kitten"' in request["source"]
    assert response["source"].startswith("## Response:\n```json\n") and '"cat"' in response["source"]
