"""The standard-library examples run end to end here with `ptflow run`, on their offline defaults.

Each example runs as a real `ptflow run` subprocess against a fresh store, and
the test checks what its user would: the run succeeded, the model's accuracy is
recorded, the served model answered, the search's best parameters lie in the
search space, the distributed job trained on two processes on the pipeline's
dataset, the BERT models explained themselves word by word.  Measured on the
project's 2-core machine when it was quiet: cifar10 15 s, cifar10_hpo 46 s,
vertex_cifar10 24 s (before issue 13).  With issue 13's changes, all five in
one run while the machine's load average was 10-12 (other work running):
cifar10 179 s, bert 521 s, cifar10_hpo 276 s, bert_distributed 151 s,
vertex_cifar10 841 s.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("pytorch_lightning")

REPO = Path(__file__).resolve().parents[2]


def run_example(name: str, store: Path, *params: str) -> dict:
    """Run examples/<name>/<name>.ptflow; return `ptflow show --json` of the run."""
    source = REPO / "examples" / name / f"{name}.ptflow"
    command = [sys.executable, "-m", "ptflow", "run", str(source), "--store", str(store)]
    for param in params:
        command += ["-p", param]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = subprocess.run(
        [sys.executable, "-m", "ptflow", "show", "latest", "--store", str(store), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    run = json.loads(shown.stdout)
    assert run["status"] == "SUCCEEDED"
    return run


def step(run: dict, suffix: str) -> dict:
    (found,) = [s for s in run["steps"] if s["task"] == suffix or s["task"].endswith("/" + suffix)]
    assert found["status"] in ("SUCCEEDED", "CACHED"), found
    return found


def artifact(found: dict, output: str) -> dict:
    (item,) = found["output_artifacts"][output]
    return item


def test_cifar10_trains_archives_and_the_served_model_predicts_and_explains(tmp_path):
    run = run_example("cifar10", tmp_path / "store")
    train = step(run, "train")
    metrics = artifact(train, "metrics")["metadata"]
    assert metrics["accuracy"] > 0.9 and train["outputs"]["accuracy"] == metrics["accuracy"]
    assert Path(artifact(train, "confusion")["uri"]).exists()
    predictions = json.loads(Path(artifact(step(run, "predict-here"), "response")["uri"]).read_text())
    (prediction,) = predictions["predictions"]  # the request is one digit "0"
    probabilities = prediction["probabilities"]
    assert len(probabilities) == 10 and math.isclose(sum(probabilities), 1.0, abs_tol=1e-3)
    assert prediction["index"] == probabilities.index(max(probabilities)) == 0
    explanation = json.loads(Path(artifact(step(run, "explain-here"), "response")["uri"]).read_text())
    assert explanation["explanations"]


def check_served_text_model(run: dict, label: str) -> None:
    """The archive served here predicted `label` and explained it word by word, drawn as a page."""
    (prediction,) = json.loads(Path(artifact(step(run, "predict-here"), "response")["uri"]).read_text())["predictions"]
    assert prediction["label"] == label
    explain = step(run, "explain-here")
    (explanation,) = json.loads(Path(artifact(explain, "response")["uri"]).read_text())["explanations"]
    assert explanation["method"] == "layer_integrated_gradients" and explanation["label"] == label
    assert len(explanation["tokens"]) == len(explanation["attributions"])
    page = Path(artifact(explain, "visualization")["uri"]).read_text()
    assert page.count("<mark ") >= 5 and label in page


def test_bert_trains_with_the_profiler_archives_serves_predicts_and_explains(tmp_path):
    run = run_example("bert", tmp_path / "store")
    train = step(run, "train")
    assert train["outputs"]["accuracy"] > 0.5  # four classes; chance is 0.25
    assert artifact(train, "tensorboard")["metadata"]["profiler_run"] == "profiler"
    assert step(run, "board")["status"] in ("SUCCEEDED", "CACHED")
    check_served_text_model(run, "Business")  # "The central bank raised interest rates as stock markets fell"
    # serve_here: the cluster arm (upload, deploy, predict through the endpoint) never ran.
    assert not {"upload", "isvc", "predict", "explain"} & {s["task"].rsplit("/", 1)[-1] for s in run["steps"]}


def test_cifar10_hpo_searches_in_parallel_then_trains_with_the_best_parameters(tmp_path):
    run = run_example("cifar10_hpo", tmp_path / "store")
    trials = [s for s in run["steps"] if "/run" in s["task"]]
    assert len(trials) >= 2 and all(s["status"] == "SUCCEEDED" for s in trials)
    best = step(run, "best")["outputs"]
    space = {p["name"]: p["bounds"] for p in run["parameters"].get("space", [])} or {
        "lr": [0.0001, 0.05],
        "weight_decay": [0.0001, 0.01],
        "eps": [1e-08, 0.01],
    }
    for name, (low, high) in space.items():
        assert low <= best["best"][name] <= high
    # Selected on the validation split, reported on the test split.
    accuracies = [s["outputs"]["val_accuracy"] for s in trials]
    assert best["best_value"] == max(accuracies) > min(accuracies)
    assert step(run, "final")["outputs"]["accuracy"] > 0.9


def test_bert_distributed_trains_with_ddp_on_the_pipelines_dataset_then_serves(tmp_path):
    run = run_example("bert_distributed", tmp_path / "store")
    ddp = step(run, "ddp")
    assert artifact(ddp, "job")["metadata"] == {"mode": "local", "processes": 2, "state": "Succeeded"}
    output = artifact(ddp, "output")
    assert output["metadata"]["world_size"] == 2
    # The ranks read the dataset the pipeline prepared: the model's classes and the job's command say so.
    prepared = Path(artifact(step(run, "data"), "data")["uri"])
    job = json.loads(Path(artifact(ddp, "job")["uri"]).read_text())
    assert str(prepared.resolve()) in " ".join(job["command"])
    manifest = json.loads((Path(output["uri"]) / "model_file" / "ptflow-model.json").read_text())
    assert manifest["classes"] == json.loads((prepared / "dataset.json").read_text())["classes"]
    assert list((Path(output["uri"]) / "tensorboard" / "profiler").glob("*.pt.trace.json"))  # the profiler ran
    assert step(run, "mar")["output_artifacts"]["archive"]
    check_served_text_model(run, "Sports")  # "The striker scored twice as the home team won the derby match"


def test_vertex_cifar10_trains_a_resnet_and_serves_it_here_instead_of_on_vertex(tmp_path):
    run = run_example("vertex_cifar10", tmp_path / "store")
    assert step(run, "train")["outputs"]["accuracy"] > 0.9  # ResNet-18, five epochs of digits
    predictions = json.loads(Path(artifact(step(run, "predict-here"), "response")["uri"]).read_text())
    (prediction,) = predictions["predictions"]  # the request is one digit "0"
    assert prediction["index"] == 0
    # serve_here: the deploy arm never ran (the store records it as skipped).
    ran = [s for s in run["steps"] if s["status"] != "SKIPPED"]
    assert sorted(s["task"].rsplit("/", 1)[-1] for s in ran) == ["data", "mar", "predict-here", "train"]
