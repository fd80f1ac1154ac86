"""`hpo.generate` and `hpo.complete`: an Ax/BoTorch search whose trials run as a parallel loop.

generate writes the experiment and a list of trials; the pipeline trains
once per trial in a `for` loop; complete takes the experiment and the loop's
gathered objectives (fan-in, in trial order) and names the best parameters.
Results travel as step outputs, never through a shared file, so parallel
trials can't race.  More rounds: pass complete's `completed` to the next
generate's `resume_from`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from ptflow.runtime.contract import Artifact, Markdown, Outputs, UsageError, step

log = logging.getLogger(__name__)
# Ax may hand out fewer trials than asked at the Sobol -> BoTorch switch; ask again this often.
GENERATION_ATTEMPTS = 5


@step("hpo.generate", outputs={"experiment": Artifact, "trials": list})
def generate(
    out: Outputs,
    parameters: list,
    objective: str = "accuracy",
    minimize: bool = False,
    num_trials: int = 4,
    seed: int = 0,
    resume_from: Artifact | None = None,
    name: str = "ptflow-hpo",
) -> dict:
    """Propose a batch of trials from a typed search space (or continue an experiment)."""
    from ptflow.stdlib.tuning import experiment, space

    parsed = space.parse_space(parameters)
    space.check_objective(objective)
    if num_trials < 1:
        raise UsageError(f"--num_trials: must be at least 1, got {num_trials}")
    if resume_from is not None:
        record = experiment.read_record(resume_from.path)
        _check_resumable(record, parameters, objective, minimize)
        client = experiment.load_client(resume_from.path)
    else:
        record = {
            "name": name,
            "objective": objective,
            "minimize": minimize,
            "space": parameters,
            "round": 0,
            "pending": [],
            "trials": {},
        }
        client = experiment.new_client(parsed, name, objective, minimize, seed, num_trials)

    proposed: dict[int, dict[str, Any]] = {}
    for _ in range(GENERATION_ATTEMPTS):
        batch = client.get_next_trials(max_trials=num_trials - len(proposed))
        proposed.update(
            {int(index): {k: experiment.plain(v) for k, v in params.items()} for index, params in batch.items()}
        )
        if len(proposed) >= num_trials:
            break
    if len(proposed) < num_trials:
        log.warning("Ax proposed %d of the %d trials asked for", len(proposed), num_trials)
    record["round"] += 1
    record["pending"] = sorted(proposed)
    for index, params in proposed.items():
        record["trials"][index] = {"params": params, "round": record["round"], "status": "RUNNING", "value": None}
    experiment.write(out["experiment"].path, client, record)
    out["experiment"].metadata.update(
        {"objective": objective, "minimize": minimize, "round": record["round"], "pending_trials": record["pending"]}
    )
    log.info("round %d: trials %s", record["round"], ", ".join(map(str, record["pending"])))
    return {"trials": [{"trial": index, "params": proposed[index]} for index in sorted(proposed)]}


@step("hpo.complete", outputs={"best": dict, "best_value": float, "summary": Markdown, "completed": Artifact})
def complete(out: Outputs, experiment: Artifact, results: list) -> dict:
    """Record each trial's objective (the loop's gathered results) and name the best parameters."""
    import shutil

    from ptflow.stdlib.tuning import experiment as state

    record = state.read_record(experiment.path)
    values = match_results(results, record["pending"])  # checked before Ax is imported
    client = state.load_client(experiment.path)
    for index, value in values.items():
        trial = record["trials"][index]
        if value is None:
            client.mark_trial_failed(trial_index=index, failed_reason="no objective value")
            trial.update(status="FAILED")
        else:
            client.complete_trial(trial_index=index, raw_data={record["objective"]: value})
            trial.update(status="COMPLETED", value=value)
    record["pending"] = []
    scored = {index: trial["value"] for index, trial in record["trials"].items() if trial["status"] == "COMPLETED"}
    if not scored:
        raise UsageError("every trial failed (all results are null or NaN): there is no best")
    best_parameters, _, best_index, _ = client.get_best_parameterization(use_model_predictions=False)
    best_index = int(best_index)

    directory = out["completed"].path
    if directory.exists():
        shutil.rmtree(directory)
    state.write(directory, client, record)
    best = {name: state.plain(value) for name, value in best_parameters.items()}
    out["summary"].path.write_text(summary_markdown(record, best_index), encoding="utf-8")
    out["completed"].metadata.update(
        {"objective": record["objective"], "round": record["round"], "best_trial": best_index}
    )
    log.info("best: trial %d, %s = %s, %s", best_index, record["objective"], scored[best_index], best)
    return {"best": best, "best_value": float(scored[best_index])}


def match_results(results: list, pending: list[int]) -> dict[int, float | None]:
    """Each pending trial's objective value (None: the trial failed).

    `results` is what a loop gathers: one value per trial, in trial order
    (numbers, numeric strings, or null for a failed trial), or
    `{"trial": i, "value": x}` dicts in any order.
    """
    if not pending:
        raise UsageError(
            "the experiment has no trials awaiting results: give the experiment from hpo.generate, "
            "not from an earlier hpo.complete"
        )
    if results and all(isinstance(item, dict) for item in results):
        values: dict[int, float | None] = {}
        for item in results:
            if "trial" not in item or "value" not in item:
                raise UsageError(f"--results: {item!r} needs the keys trial and value")
            index = item["trial"]
            if isinstance(index, float) and index.is_integer():
                index = int(index)  # numbers are doubles inside KFP
            if index not in pending:
                raise UsageError(f"--results: trial {index!r} is not awaiting results (those are {pending})")
            values[index] = _objective(item["value"], f"trial {index}")
        missing = sorted(set(pending) - set(values))
        if missing:
            raise UsageError(f"--results: no value for trial(s) {missing}")
        return values
    if len(results) != len(pending):
        raise UsageError(
            f"--results: {len(results)} value(s) for {len(pending)} trials ({pending}); the loop over "
            "generate's trials gathers one per trial"
        )
    return {
        index: _objective(value, f"result {position} (trial {index})")
        for position, (index, value) in enumerate(zip(pending, results))
    }


def _objective(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise UsageError(f"--results: {what} is {value!r}, not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--results: {what} is {value!r}, not a number") from None
    return None if math.isnan(number) else number


def summary_markdown(record: dict, best_index: int) -> str:
    names = [entry["name"] for entry in record["space"]]
    direction = "minimize" if record["minimize"] else "maximize"
    lines = [
        f"# Hyperparameter search: {direction} {record['objective']}",
        "",
        "| trial | round | " + " | ".join(names) + f" | {record['objective']} |",
        "| ---: | ---: | " + " | ".join("---:" for _ in names) + " | ---: |",
    ]
    for index, trial in sorted(record["trials"].items()):
        value = "failed" if trial["status"] == "FAILED" else f"{trial['value']:.6g}"
        mark = " **best**" if index == best_index else ""
        params = " | ".join(_show(trial["params"].get(name)) for name in names)
        lines.append(f"| {index}{mark} | {trial['round']} | {params} | {value} |")
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _check_resumable(record: dict, parameters: list, objective: str, minimize: bool) -> None:
    if record["pending"]:
        raise UsageError(
            f"--resume_from: trials {record['pending']} of that experiment still await results; "
            "resume from hpo.complete's `completed` output"
        )
    if record["space"] != parameters:
        raise UsageError("--parameters: the search space differs from the one the experiment was created with")
    if (record["objective"], record["minimize"]) != (objective, minimize):
        raise UsageError(
            f"--objective/--minimize: the experiment {'minimizes' if record['minimize'] else 'maximizes'} "
            f"{record['objective']}"
        )
