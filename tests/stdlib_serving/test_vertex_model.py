"""serve.vertex_model: what `--target vertex` runs before Vertex AI's model upload.

Vertex AI itself can't run here; what is checked is what the upload reads: a
folder holding the archive's .mar as `model.mar` (what Vertex AI's prebuilt
PyTorch containers serve), the serving image in the artifact's
`containerSpec` metadata, and a machine type that fits the requested
resources.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from ptflow.runtime.contract import UsageError
from ptflow.stdlib.serving import vertex
from tests.runtime.steps import executor_input, flags, run_step

T4 = {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}


def test_the_model_folder_holds_the_archive_as_model_mar_and_names_the_serving_image(tmp_path, digits_archive):
    document = executor_input(tmp_path, {"model": "google.UnmanagedContainerModel"})
    for name in ("machine_type", "accelerator_type", "accelerator_count"):
        document["outputs"].setdefault("parameters", {})[name] = {"outputFile": str(tmp_path / name)}
    run_step(
        "serve.vertex_model",
        "--executor-input",
        json.dumps(document),
        "--archive",
        digits_archive,
        *flags(cpu="4", memory="15Gi", gpus=1, node_selector=T4),
        "--model",
        tmp_path / "model",
        "--machine_type",
        tmp_path / "machine_type",
        "--accelerator_type",
        tmp_path / "accelerator_type",
        "--accelerator_count",
        tmp_path / "accelerator_count",
    ).check()

    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["model.mar"]
    with zipfile.ZipFile(tmp_path / "model" / "model.mar") as packed:
        assert json.loads(packed.read("MAR-INF/MANIFEST.json"))["model"]["modelName"] == "digits"
    # 15Gi is 16.1 GB: more than n1-standard-4's 15 GB.
    assert (tmp_path / "machine_type").read_text() == "n1-standard-8"
    assert (tmp_path / "accelerator_type").read_text() == "NVIDIA_TESLA_T4"
    assert (tmp_path / "accelerator_count").read_text() == "1"
    output = json.loads((tmp_path / "executor_output.json").read_text())
    metadata = output["artifacts"]["model"]["artifacts"][0]["metadata"]
    assert metadata["containerSpec"] == {"imageUri": vertex.PREBUILT_GPU_IMAGE}
    assert metadata["model_name"] == "digits"


def test_a_gpu_without_its_type_fails_before_copying_anything(tmp_path, digits_archive):
    result = run_step("serve.vertex_model", "--archive", digits_archive, *flags(gpus=1), "--outputs-dir", tmp_path)
    assert result.returncode != 0
    assert "Vertex AI needs the GPU type" in result.stderr and "cloud.google.com/gke-accelerator" in result.stderr
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize(
    "cpu, memory, gpus, selector, expected",
    [
        ("1", "2Gi", 0, {}, ("n1-standard-2", "", 0)),
        ("500m", "512Mi", 0, {}, ("n1-standard-2", "", 0)),
        ("4", "15G", 0, {}, ("n1-standard-4", "", 0)),
        ("4", "15Gi", 0, {}, ("n1-standard-8", "", 0)),
        ("2", "60G", 0, {}, ("n1-standard-16", "", 0)),
        (
            "8",
            "32G",
            2,
            {"cloud.google.com/gke-accelerator": "nvidia-tesla-v100"},
            ("n1-standard-16", "NVIDIA_TESLA_V100", 2),
        ),
        ("4", "16G", 1, {"cloud.google.com/gke-accelerator": "nvidia-l4"}, ("g2-standard-8", "NVIDIA_L4", 1)),
        (
            "4",
            "16G",
            4,
            {"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"},
            ("a2-highgpu-4g", "NVIDIA_TESLA_A100", 4),
        ),
    ],
)
def test_the_machine_is_the_smallest_that_fits(cpu, memory, gpus, selector, expected):
    machine = vertex.machine_for(cpu, memory, gpus, selector)
    assert (machine.machine_type, machine.accelerator_type, machine.accelerator_count) == expected


@pytest.mark.parametrize(
    "cpu, memory, gpus, selector, message",
    [
        ("2", "8GB", 0, {}, "Kubernetes has no `GB` unit"),
        ("200", "8G", 0, {}, "more than the largest n1-standard machine"),
        ("2", "8G", 3, {"cloud.google.com/gke-accelerator": "nvidia-tesla-a100"}, "have 1, 2, 4, 8 GPUs"),
        ("2", "8G", 1, {"cloud.google.com/gke-accelerator": "nvidia-gtx-1080"}, "not a GPU that ptflow can deploy"),
    ],
)
def test_resources_vertex_ai_has_no_machine_for_are_refused(cpu, memory, gpus, selector, message):
    with pytest.raises(UsageError, match=message):
        vertex.machine_for(cpu, memory, gpus, selector)
