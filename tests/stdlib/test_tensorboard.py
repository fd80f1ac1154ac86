"""Profiler traces in TensorBoard, the torch.tensorboard step, and `ptflow tensorboard`.

TensorBoard runs for real on 127.0.0.1 with the torch-tb-profiler plugin; the
tests ask its HTTP API which runs it lists, then stop it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ptflow.compiler.image import DEFAULT_RUNTIME_IMAGE
from tests.runtime.steps import executor_input, run_step
from tests.stdlib.tensorboard_client import get_json, profiler_runs, ptflow_tensorboard


@pytest.fixture(scope="module")
def profiled_logs(tmp_path_factory, small_digits):
    root = tmp_path_factory.mktemp("profiled")
    run_step(
        "torch.train", "--data", small_digits, "--outputs-dir", root, "--profiler", "pytorch", "--batch_size", "32"
    ).check()
    return root / "tensorboard"


def test_profiler_traces_open_in_tensorboards_profiler_plugin(profiled_logs):
    traces = list((profiled_logs / "profiler").glob("*.pt.trace.json"))
    assert traces and traces[0].name.startswith("rank0.")
    assert list(profiled_logs.glob("events.out.tfevents.*"))  # the scalars

    with ptflow_tensorboard(profiled_logs) as (process, url):
        deadline = time.monotonic() + 60
        assert profiler_runs(url, deadline) == ["profiler"]
        views = get_json(f"{url}/data/plugin/pytorch_profiler/views?run=profiler", deadline)
        assert "Overview" in views and "Trace" in views
        scalar_runs = get_json(f"{url}/data/plugin/scalars/tags", deadline)
        assert "val_loss" in scalar_runs["."] and "train_loss_step" in scalar_runs["."]
        assert process.poll() is None


def test_ptflow_tensorboard_listens_on_loopback_only(profiled_logs):
    with ptflow_tensorboard(profiled_logs) as (process, url):
        get_json(f"{url}/data/plugins_listing", time.monotonic() + 60)
        port = int(url.rsplit(":", 1)[1])
        with open(f"/proc/{process.pid}/net/tcp") as table:
            listening = [line.split()[1] for line in table.readlines()[1:] if line.split()[3] == "0A"]
        # 0100007F is 127.0.0.1 as /proc writes it; nothing listens on 0.0.0.0 for this port.
        assert f"0100007F:{port:04X}" in listening and f"00000000:{port:04X}" not in listening


def test_ptflow_tensorboard_names_what_it_cannot_find(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ptflow", "tensorboard", "run-that-isnt", "--store", str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run-that-isnt is not a directory, and there is no run store at" in result.stderr


def test_kfp_v1_gets_a_viewer_in_the_image_with_the_profiler_plugin(tmp_path, profiled_logs):
    run_step(
        "torch.tensorboard",
        "--logs",
        profiled_logs,
        "--logs_uri",
        "s3://bucket/logs/run-1",
        "--outputs-dir",
        tmp_path,
        "--mlpipeline-ui-metadata",
        tmp_path / "ui.json",
        "--pod_template_spec",
        '{"spec": {"serviceAccountName": "tb"}}',
    ).check()
    entries = json.loads((tmp_path / "ui.json").read_text())["outputs"]
    viewer = next(entry for entry in entries if entry["type"] == "tensorboard")
    assert viewer == {
        "type": "tensorboard",
        "source": "s3://bucket/logs/run-1",
        "image": DEFAULT_RUNTIME_IMAGE,
        "pod_template_spec": {"spec": {"serviceAccountName": "tb"}},
    }
    markdown = next(entry for entry in entries if entry["type"] == "markdown")
    assert "| `profiler` | profiler traces |" in markdown["source"]


def test_the_viewer_image_follows_the_image_the_pipeline_was_compiled_with(tmp_path, profiled_logs):
    run_step(
        "torch.tensorboard",
        "--logs",
        profiled_logs,
        "--logs_uri",
        "gs://b/logs",
        "--outputs-dir",
        tmp_path,
        "--mlpipeline-ui-metadata",
        tmp_path / "ui.json",
        env={"PTFLOW_RUNTIME_IMAGE": "registry.example/ptflow:dev"},
    ).check()
    entries = json.loads((tmp_path / "ui.json").read_text())["outputs"]
    assert next(e for e in entries if e["type"] == "tensorboard")["image"] == "registry.example/ptflow:dev"


def test_a_local_log_path_gets_no_broken_viewer(tmp_path, profiled_logs):
    result = run_step(
        "torch.tensorboard",
        "--logs",
        profiled_logs,
        "--outputs-dir",
        tmp_path,
        "--mlpipeline-ui-metadata",
        tmp_path / "ui.json",
    ).check()
    assert [e["type"] for e in json.loads((tmp_path / "ui.json").read_text())["outputs"]] == ["markdown"]
    assert "give logs_uri" in result.stderr
    assert "KFP v1 gets no viewer" in (tmp_path / "instructions").read_text()


def test_kfp_v2_gets_instructions_with_the_logs_uri(tmp_path, profiled_logs):
    document = executor_input(
        tmp_path,
        {"instructions": "system.Markdown"},
        inputs={
            "artifacts": {
                "logs": {"artifacts": [{"name": "logs", "uri": "gs://bucket/root/train/tensorboard", "metadata": {}}]}
            }
        },
    )
    run_step(
        "torch.tensorboard",
        "--executor-input",
        json.dumps(document),
        "--logs",
        profiled_logs,
        "--instructions",
        tmp_path / "instructions.md",
    ).check()
    text = (tmp_path / "instructions.md").read_text()
    assert "Logs: `gs://bucket/root/train/tensorboard`" in text
    assert "tensorboard --logdir gs://bucket/root/train/tensorboard" in text
    output = json.loads((tmp_path / "executor_output.json").read_text())
    assert (
        output["artifacts"]["instructions"]["artifacts"][0]["metadata"]["log_uri"]
        == "gs://bucket/root/train/tensorboard"
    )


def test_the_scalars_are_readable_by_tensorboards_event_reader(profiled_logs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(profiled_logs))
    events.Reload()
    assert {"val_loss", "val_acc", "train_loss_epoch"} <= set(events.Tags()["scalars"])
    assert os.path.getsize(next(profiled_logs.glob("events.out.tfevents.*"))) > 0
