"""The standard library in a pipeline: compiled from .ptflow and run here with `ptflow run`.

Prepare digits, search the learning rate with Ax over two trials in a parallel
loop, gather their accuracies (fan-in), train with the best parameters and the
profiler, and show the logs; then `ptflow tensorboard RUN` finds the run's
logs through the store.  Every step runs through `python -m ptflow.runtime`
exactly as in the compiled KFP v2 spec.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.stdlib.tensorboard_client import get_json, profiler_runs, ptflow_tensorboard

PIPELINE = """
import stdlib.torch as torch
import stdlib.hpo as hpo

pipeline tune_digits(epochs: int = 2) {
    data = torch.prepare_images(max_samples: 400)
    search = hpo.generate(parameters: [{"name": "lr", "type": "range", "bounds": [0.0005, 0.01], "log_scale": true}],
                          objective: "val_accuracy", num_trials: 2)
    for trial in search.trials parallel 2 {
        run = torch.train(data: data.data, hparams: trial.params, max_epochs: epochs, batch_size: 32)
    }
    done = hpo.complete(experiment: search.experiment, results: run.val_accuracy)
    final = torch.train(data: data.data, hparams: done.best, max_epochs: epochs, batch_size: 32, profiler: "pytorch")
    board = torch.tensorboard(logs: final.tensorboard)
}
"""


def ptflow(*arguments, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "ptflow", *map(str, arguments)], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    (root / "tune.ptflow").write_text(PIPELINE)
    result = ptflow("run", root / "tune.ptflow", "--store", root / "store")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    shown = ptflow("show", "latest", "--store", root / "store", "--json")
    assert shown.returncode == 0, shown.stderr
    return root, json.loads(shown.stdout)


def test_the_search_trains_each_trial_and_the_best_parameters_train_the_final_model(finished_run):
    _, run = finished_run
    steps = {step["task"]: step for step in run["steps"]}
    assert all(step["status"] == "SUCCEEDED" for step in steps.values()), {k: s["status"] for k, s in steps.items()}
    trials = steps["search"]["outputs"]["trials"]
    # Trials are chosen on the validation split; the final model is reported on the test split.
    accuracies = [steps[f"for-loop-1[{i}]/run"]["outputs"]["val_accuracy"] for i in range(2)]
    best = steps["done"]["outputs"]["best"]
    assert 0.0005 <= best["lr"] <= 0.01
    assert best == trials[accuracies.index(max(accuracies))]["params"]
    assert steps["done"]["outputs"]["best_value"] == max(accuracies)
    final = steps["final"]
    assert final["inputs"]["hparams"] == best
    assert final["output_artifacts"]["metrics"][0]["metadata"]["accuracy"] == final["outputs"]["accuracy"] > 0.5
    assert len(final["output_artifacts"]["confusion"][0]["metadata"]["confusionMatrix"]["rows"]) == 10


def test_ptflow_tensorboard_opens_a_runs_logs_from_the_store(finished_run):
    root, run = finished_run
    # Several steps' logs are gathered in the temporary directory: keep that copy in this test's folder.
    with ptflow_tensorboard(run["id"], "--store", root / "store", env={"TMPDIR": str(root)}) as (_, url):
        deadline = time.monotonic() + 60
        assert profiler_runs(url, deadline) == ["final/profiler"]
        # named as the .ptflow file names the steps: the loop's `run` step, one per iteration
        assert sorted(get_json(f"{url}/data/runs", deadline)) == ["final", "run_0", "run_1"]
    assert (root / "ptflow-tensorboard" / run["id"] / "final" / "profiler").is_dir()
    with ptflow_tensorboard("latest", "--store", root / "store", "--step", "final") as (_, url):
        assert profiler_runs(url, time.monotonic() + 60) == ["profiler"]


def test_a_step_without_logs_is_named(finished_run):
    root, _ = finished_run
    result = ptflow("tensorboard", "latest", "--store", root / "store", "--step", "data")
    assert (
        result.returncode == 1
        and "step `data` of run" in result.stderr
        and "no output with TensorBoard logs" in result.stderr
    )
