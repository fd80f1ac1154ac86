"""hpo.generate / hpo.complete with Ax: a real search over a function the test evaluates.

The objective is computed here from each trial's parameters (what a training
loop step would report), so the search is real and its answer checkable.
"""

from __future__ import annotations

import json
import math

import pytest

from ptflow.runtime.contract import UsageError
from ptflow.stdlib.steps.hpo import match_results
from ptflow.stdlib.tuning.space import ChoiceParameter, RangeParameter, parse_space
from tests.runtime.steps import executor_input, flags, run_step, run_step_without

SPACE = [
    {"name": "lr", "type": "range", "bounds": [0.0001, 0.1], "log_scale": True},
    {"name": "dropout", "type": "range", "bounds": [0.0, 0.5]},
]


def objective(params: dict) -> float:
    """Peaks at lr = 0.003, dropout = 0.2 (like a validation accuracy would, somewhere)."""
    return 1.0 - (math.log10(params["lr"]) - math.log10(0.003)) ** 2 / 4 - (params["dropout"] - 0.2) ** 2


def in_space(params: dict) -> bool:
    return 0.0001 <= params["lr"] <= 0.1 and 0.0 <= params["dropout"] <= 0.5 and set(params) == {"lr", "dropout"}


@pytest.fixture(scope="module")
def first_round(tmp_path_factory):
    root = tmp_path_factory.mktemp("hpo")
    document = executor_input(root, {"experiment": "system.Artifact"})
    run_step(
        "hpo.generate",
        "--executor-input",
        json.dumps(document),
        *flags(parameters=SPACE, num_trials=5),
        "--experiment",
        root / "experiment",
        "--trials",
        root / "trials",
    ).check()
    trials = json.loads((root / "trials").read_text())
    output = json.loads((root / "executor_output.json").read_text())
    return root, trials, output


def test_generate_proposes_trials_inside_the_space_for_a_parallel_loop(first_round):
    root, trials, output = first_round
    assert [trial["trial"] for trial in trials] == [0, 1, 2, 3, 4]
    assert all(in_space(trial["params"]) for trial in trials)
    assert len({json.dumps(trial["params"], sort_keys=True) for trial in trials}) == 5
    assert output["parameterValues"]["trials"] == trials  # KFP v2 reads the list from the executor output
    assert output["artifacts"]["experiment"]["artifacts"][0]["metadata"]["pending_trials"] == [0, 1, 2, 3, 4]


def test_complete_names_the_best_trial_which_beats_the_worst(tmp_path, first_round):
    root, trials, _ = first_round
    values = [objective(trial["params"]) for trial in trials]  # the loop's fan-in, in trial order
    document = executor_input(tmp_path, {"summary": "system.Markdown", "completed": "system.Artifact"})
    run_step(
        "hpo.complete",
        "--executor-input",
        json.dumps(document),
        "--experiment",
        root / "experiment",
        *flags(results=values),
        "--best",
        tmp_path / "best",
        "--best_value",
        tmp_path / "best_value",
        "--summary",
        tmp_path / "summary",
        "--completed",
        tmp_path / "completed",
    ).check()
    best = json.loads((tmp_path / "best").read_text())
    assert in_space(best)
    assert float((tmp_path / "best_value").read_text()) == max(values) > min(values)
    assert best == trials[values.index(max(values))]["params"]
    assert objective(best) > min(values)
    summary = (tmp_path / "summary").read_text()
    assert summary.startswith("# Hyperparameter search: maximize accuracy")
    assert f"| {values.index(max(values))} **best** |" in summary
    output = json.loads((tmp_path / "executor_output.json").read_text())
    assert output["parameterValues"]["best"] == best


def test_a_second_round_continues_the_experiment(tmp_path, first_round):
    root, trials, _ = first_round
    values = [objective(trial["params"]) for trial in trials]
    run_step(
        "hpo.complete",
        "--experiment",
        root / "experiment",
        *flags(results=values),
        "--outputs-dir",
        tmp_path / "round1",
    ).check()
    run_step(
        "hpo.generate",
        *flags(parameters=SPACE, num_trials=2),
        "--resume_from",
        tmp_path / "round1" / "completed",
        "--outputs-dir",
        tmp_path / "round2",
    ).check()
    second = json.loads((tmp_path / "round2" / "trials").read_text())
    assert [trial["trial"] for trial in second] == [5, 6] and all(in_space(t["params"]) for t in second)
    # Results as {trial, value} dicts, in any order, one of them a failed trial.
    results = [{"trial": 6, "value": None}, {"trial": 5, "value": objective(second[0]["params"])}]
    run_step(
        "hpo.complete",
        "--experiment",
        tmp_path / "round2" / "experiment",
        *flags(results=results),
        "--outputs-dir",
        tmp_path / "done",
    ).check()
    summary = (tmp_path / "done" / "summary").read_text()
    assert "| 6 | 2 |" in summary and summary.rstrip().endswith("failed |")
    best_value = float((tmp_path / "done" / "best_value").read_text())
    assert best_value == max(values + [objective(second[0]["params"])])


def test_resuming_an_experiment_that_awaits_results_is_refused(tmp_path, first_round):
    root, _, _ = first_round
    result = run_step(
        "hpo.generate", *flags(parameters=SPACE), "--resume_from", root / "experiment", "--outputs-dir", tmp_path
    )
    assert result.returncode == 2
    assert "trials [0, 1, 2, 3, 4] of that experiment still await results" in result.stderr


def test_the_wrong_number_of_results_is_refused_before_ax_loads(tmp_path, first_round):
    root, _, _ = first_round
    result = run_step_without(
        ["ax"],
        "hpo.complete",
        "--experiment",
        root / "experiment",
        *flags(results=[0.5, 0.6]),
        "--outputs-dir",
        tmp_path,
    )
    assert result.returncode == 2
    assert "--results: 2 value(s) for 5 trials ([0, 1, 2, 3, 4])" in result.stderr
    assert not (tmp_path / "completed").exists()


@pytest.mark.parametrize(
    "space, message",
    [
        ([{"name": "lr", "type": "range", "bounds": [0.1, 0.1]}], "parameter `lr`: the range [0.1, 0.1] is empty"),
        ([{"name": "lr", "type": "range", "bounds": [0.5, 0.1]}], "the range [0.5, 0.1] is empty"),
        ([], "the search space is empty"),
        ([{"name": "lr", "type": "range", "bounds": [0, 0.1], "log_scale": True}], "a log-scale range must be above 0"),
        ([{"name": "opt", "type": "choice", "values": ["adam"]}], "a choice needs at least two different values"),
        ([{"name": "lr", "type": "uniform", "bounds": [0, 1]}], 'type must be "range" or "choice"'),
        ([{"name": "lr", "type": "range", "bounds": [0, 1], "logscale": True}], "unknown key(s) logscale"),
        (
            [{"name": "x", "type": "range", "bounds": [0, 1]}, {"name": "x", "type": "choice", "values": [1, 2]}],
            "`x` is defined twice",
        ),
    ],
)
def test_a_bad_search_space_fails_fast_with_a_reason(tmp_path, space, message):
    # Ax (seconds to import) can't even be imported here: the refusal comes before it.
    result = run_step_without(["ax"], "hpo.generate", *flags(parameters=space), "--outputs-dir", tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "experiment").exists()


def test_space_types_are_explicit_not_guessed_from_bounds():
    lr, layers, opt, flag = parse_space(
        [
            {"name": "lr", "type": "range", "bounds": [0, 1]},  # whole-number bounds, still a float range
            {"name": "layers", "type": "range", "bounds": [1.0, 4.0], "value_type": "int"},
            {"name": "opt", "type": "choice", "values": ["adam", "sgd"]},
            {"name": "flag", "type": "choice", "values": [True, False]},
        ]
    )
    assert lr == RangeParameter("lr", 0, 1, "float")
    assert layers == RangeParameter("layers", 1, 4, "int") and isinstance(layers.low, int)
    assert opt == ChoiceParameter("opt", ("adam", "sgd"), "str", False)
    assert flag.value_type == "bool"


def test_results_are_matched_to_trials_by_position_or_by_trial():
    assert match_results([0.5, "0.25", None, float("nan")], [3, 4, 5, 6]) == {3: 0.5, 4: 0.25, 5: None, 6: None}
    assert match_results([{"trial": 4.0, "value": 1}, {"trial": 3, "value": 2}], [3, 4]) == {4: 1.0, 3: 2.0}
    with pytest.raises(UsageError, match=r"no value for trial\(s\) \[4\]"):
        match_results([{"trial": 3, "value": 2}], [3, 4])
    with pytest.raises(UsageError, match="result 1 \\(trial 4\\) is 'high', not a number"):
        match_results([1, "high"], [3, 4])
