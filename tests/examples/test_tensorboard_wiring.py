"""The examples that train and deploy point TensorBoard at logs the cluster can read (issue 13, item 4).

Compiled for KFP v2 by `ptflow compile` (as a user would): on a cluster
(`serve_here: false`) the training's TensorBoard logs are uploaded to MinIO,
and the TensorBoard step gets the uploaded URI as `logs_uri` with a pod
template that gives the KFP v1 viewer the MinIO keys, as the original
sample's template did. What the step writes for that URI (the v1 viewer entry
in the runtime image, v2 Markdown with the command) is tested in
tests/stdlib/test_tensorboard.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def compiled_tasks(name: str, tmp_path: Path) -> dict[str, dict]:
    """Every task of the compiled pipeline, wherever it is nested, by name."""
    output = tmp_path / f"{name}.yaml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ptflow",
            "compile",
            str(REPO / "examples" / name / f"{name}.ptflow"),
            "-o",
            str(output),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    ir = next(yaml.safe_load_all(output.read_text()))
    tasks: dict[str, dict] = {}

    def walk(dag: dict) -> None:
        for task_name, task in dag.get("tasks", {}).items():
            tasks[task_name] = task
            component = ir["components"][task["componentRef"]["name"]]
            if "dag" in component:
                walk(component["dag"])

    walk(ir["root"]["dag"])
    return tasks


@pytest.mark.parametrize("name", ["bert", "cifar10"])
def test_on_a_cluster_the_viewer_reads_the_uploaded_logs(name, tmp_path):
    tasks = compiled_tasks(name, tmp_path)
    # Inside the else-branch the training's logs arrive as the branch's input.
    source = tasks["logs"]["inputs"]["artifacts"]["source"]
    assert source == {"componentInputArtifact": "pipelinechannel--train-tensorboard"}
    board = tasks["board-cluster"]["inputs"]["parameters"]
    assert board["logs_uri"]["taskOutputParameter"] == {"outputParameterKey": "uri", "producerTask": "logs"}
    (container,) = board["pod_template_spec"]["runtimeValue"]["constant"]["spec"]["containers"]
    environment = {item["name"]: item for item in container["env"]}
    assert environment["S3_ENDPOINT"]["value"] == "minio-service.kubeflow:9000"
    assert environment["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"]["name"] == "mlpipeline-minio-artifact"
    # Here (serve_here), TensorBoard shows the run's own logs.
    assert "logs_uri" not in tasks["board"]["inputs"].get("parameters", {})
