"""The entrypoint as a cluster calls it: real `python -m ptflow.runtime` subprocesses.

These use `torch.prepare_images` on the offline digits (about a second) as the
step under test, since it is the cheapest real step.
"""

from __future__ import annotations

import json

from tests.runtime.steps import executor_input, run_step


def test_an_unknown_step_lists_the_known_ones():
    result = run_step("torch.prepare_imges")
    assert result.returncode == 2
    assert "unknown step `torch.prepare_imges`; did you mean `torch.prepare_images`?" in result.stderr
    assert "known steps:" in result.stderr and "torch.train" in result.stderr


def test_without_a_step_the_entrypoint_lists_the_steps():
    result = run_step("--help")
    assert result.returncode == 0
    assert "torch.prepare_text" in result.stdout and "hpo.generate" in result.stdout


def test_a_step_explains_its_flags():
    result = run_step("torch.prepare_images", "--help")
    assert result.returncode == 0
    assert "--seed VALUE  (int, default 42)" in result.stdout
    assert "--folder PATH  (Artifact?, default None)" in result.stdout
    assert "--data PATH  (Dataset)" in result.stdout


def test_a_bad_value_names_the_flag_and_its_type(tmp_path):
    result = run_step("torch.prepare_images", "--seed", "forty-two", "--outputs-dir", tmp_path)
    assert result.returncode == 2
    assert "--seed: expected int, got 'forty-two'" in result.stderr
    assert not (tmp_path / "data").exists()


def test_an_unknown_flag_gets_a_suggestion(tmp_path):
    result = run_step("torch.prepare_images", "--sed", "1", "--outputs-dir", tmp_path)
    assert result.returncode == 2
    assert "has no input or output `sed`; did you mean --seed?" in result.stderr


def test_a_missing_input_path_is_named_before_any_work(tmp_path):
    result = run_step("torch.prepare_images", "--folder", tmp_path / "nowhere", "--outputs-dir", tmp_path)
    assert result.returncode == 2
    assert f"--folder: input artifact `folder` is missing: nothing at {tmp_path / 'nowhere'}" in result.stderr


def test_missing_output_paths_are_listed(tmp_path):
    result = run_step("torch.prepare_images", "--data", tmp_path / "d")
    assert result.returncode == 2
    assert "missing output path: --summary PATH" in result.stderr


def test_a_value_that_starts_with_dashes_is_a_value(tmp_path):
    # Every flag takes exactly one value, whatever it looks like.
    result = run_step("torch.prepare_images", "--dataset", "--digits", "--outputs-dir", tmp_path)
    assert result.returncode == 2
    assert "unknown image dataset '--digits'" in result.stderr


def test_kfp_v2_gets_the_executor_output_with_the_artifacts_uris(tmp_path):
    document = executor_input(tmp_path, {"data": "system.Dataset", "summary": "system.Markdown"})
    run_step(
        "torch.prepare_images",
        "--executor-input",
        json.dumps(document),
        "--data",
        tmp_path / "gcs" / "data",
        "--summary",
        tmp_path / "gcs" / "summary",
        "--max_samples",
        "200",
    ).check()
    output = json.loads((tmp_path / "executor_output.json").read_text())
    data = output["artifacts"]["data"]["artifacts"][0]
    assert data["uri"] == "gs://bucket/root/run/data"
    assert data["name"] == "projects/p/artifacts/data"
    assert data["metadata"]["classes"] == 10
    assert data["metadata"]["train_count"] + data["metadata"]["val_count"] + data["metadata"]["test_count"] == 200


def test_kfp_v1_gets_the_summary_inline_in_its_ui_metadata(tmp_path):
    run_step(
        "torch.prepare_images",
        "--outputs-dir",
        tmp_path,
        "--max_samples",
        "100",
        "--mlpipeline-ui-metadata",
        tmp_path / "ui.json",
        "--mlpipeline-metrics",
        tmp_path / "metrics.json",
    ).check()
    ui = json.loads((tmp_path / "ui.json").read_text())
    (entry,) = ui["outputs"]
    assert entry["type"] == "markdown" and entry["storage"] == "inline"
    assert entry["source"] == (tmp_path / "summary").read_text()
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"metrics": []}
