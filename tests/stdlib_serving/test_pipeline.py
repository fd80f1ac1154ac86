"""The serving, storage and distributed components in a pipeline: declared, compiled, and run here.

`ptflow run` trains digits, archives the model, uploads the archive to an S3
server on loopback (SeaweedFS), predicts and explains against the archive served
for each call, and runs a DDP program as a local PyTorchJob; then the same
file compiles for KFP v2 and v1.  Every step runs through
`python -m ptflow.runtime` exactly as in the compiled spec.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ptflow.compiler.parser import parse_module

STDLIB = Path(__file__).resolve().parents[2] / "stdlib"
MY_MODULES = ("serve.ptflow", "storage.ptflow", "distributed.ptflow")
DDP_PROGRAM = str(Path(__file__).with_name("ddp_program.py"))


@pytest.mark.parametrize("file_name", MY_MODULES)
def test_every_component_input_and_output_has_hover_text(file_name):
    module, diagnostics = parse_module((STDLIB / file_name).read_text(), file_name)
    assert not diagnostics
    assert module.components
    for component in module.components:
        assert component.doc, f"{component.name.name} has no ## doc comment"
        for item in [*component.params, *component.outputs]:
            assert item.doc, f"{component.name.name}.{item.name.name} has no ## doc comment"


def pipeline_source(image: list[float]) -> str:
    request = json.dumps({"instances": [image]})
    command = json.dumps(["python", DDP_PROGRAM, "--output", "{output}"])
    return f"""
import stdlib.torch as torch
import stdlib.serve as serve
import stdlib.storage as storage
import stdlib.distributed as distributed

pipeline serve_digits(endpoint: str = "minio-service.kubeflow:9000", bucket: str = "models") {{
    data = torch.prepare_images(max_samples: 300)
    train = torch.train(data: data.data, batch_size: 32)
    mar = serve.archive(model: train.model_file, name: "digits")
    up = storage.upload(source: mar.archive, endpoint: endpoint, secure: false, bucket: bucket,
                        prefix: "digits/v1", create_bucket: true)
    probe = serve.predict(archive: mar.archive, request: {request})
    why = serve.predict(archive: mar.archive, request: {request}, verb: "explain")
    ddp = distributed.pytorchjob(command: {command}, workers: 1)
    if train.accuracy > 2.0 {{
        isvc = serve.deploy(name: "digits", storage_uri: up.uri)
        remote = serve.predict(endpoint: isvc.endpoint, model_name: "digits", host: isvc.host,
                               request: {request})
    }}
}}
"""


def ptflow(*arguments, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "ptflow", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def pipeline_file(tmp_path_factory, digit_images):
    root = tmp_path_factory.mktemp("serving_pipeline")
    path = root / "serve_digits.ptflow"
    path.write_text(pipeline_source(digit_images[0].reshape(64).tolist()))
    return path


@pytest.mark.parametrize("target", ["kfp-v2", "kfp-v1"])
def test_the_pipeline_compiles(pipeline_file, tmp_path, target):
    result = ptflow("compile", pipeline_file, "--target", target, "-o", tmp_path / "out.yaml")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.yaml").read_text()
    for step in ("serve.archive", "storage.upload", "serve.predict", "distributed.pytorchjob", "serve.deploy"):
        assert step in text


def test_the_pipeline_runs_here(pipeline_file, tmp_path, in_process_model, seaweedfs):
    # A bucket of its own: the session's store is shared with the upload tests.
    result = ptflow(
        "run",
        pipeline_file,
        "--store",
        tmp_path / "store",
        "-p",
        f"endpoint={seaweedfs.endpoint}",
        "-p",
        "bucket=pipeline-models",
        env={**seaweedfs.credentials, "KUBERNETES_SERVICE_HOST": ""},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    objects = sorted(
        item.object_name
        for item in seaweedfs.client().list_objects(bucket_name="pipeline-models", prefix="digits/v1/", recursive=True)
    )
    assert objects == ["digits/v1/config/config.properties", "digits/v1/model-store/digits.mar"]

    shown = ptflow("show", "latest", "--store", tmp_path / "store", "--json")
    assert shown.returncode == 0, shown.stderr
    steps = {step["task"]: step for step in json.loads(shown.stdout)["steps"]}
    statuses = {name: step["status"] for name, step in steps.items()}
    # Everything ran but the deployment, whose condition (accuracy > 2) could not hold: the store records
    # its branch as skipped, with the condition.
    ran = {name: status for name, status in statuses.items() if status != "SKIPPED"}
    assert ran == dict.fromkeys(("data", "train", "mar", "up", "probe", "why", "ddp"), "SUCCEEDED")
    (skipped,) = [step for step in steps.values() if step["status"] == "SKIPPED"]
    assert re.fullmatch(r"train\.accuracy \([0-9.]+\) > 2(\.0)? is false", skipped["error"]), skipped["error"]
    assert steps["up"]["outputs"]["uri"] == "s3://pipeline-models/digits/v1"
    assert steps["ddp"]["outputs"]["state"] == "Succeeded"

    def artifact_file(step: str, output: str) -> Path:
        uri = steps[step]["output_artifacts"][output][0]["uri"]
        return Path(uri.removeprefix("file://"))

    (prediction,) = json.loads(artifact_file("probe", "response").read_text())["predictions"]
    (explanation,) = json.loads(artifact_file("why", "response").read_text())["explanations"]
    assert prediction["index"] == explanation["target"]
    assert len(explanation["attributions"]) == 64
    ranks = [torch.load(artifact_file("ddp", "output") / f"rank-{rank}.pt") for rank in (0, 1)]
    assert [rank["world_size"] for rank in ranks] == [2, 2]
