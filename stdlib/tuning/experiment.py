"""The state of a search between steps: Ax's own JSON plus a small ptflow record.

An experiment artifact is a directory:

    ax_client.json    Ax's Client, saved with save_to_json_file
    ptflow-hpo.json   the objective, the search space as written, every trial's
                      parameters, status and value, and the trials awaiting results

The ptflow record is readable without importing Ax (which takes seconds), so
`hpo.complete` checks the results it was given before any of that.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import StepError, UsageError

AX_STATE = "ax_client.json"
RECORD = "ptflow-hpo.json"


def read_record(directory: Path) -> dict[str, Any]:
    path = directory / RECORD
    if not path.is_file():
        raise UsageError(f"{directory} is not an experiment written by hpo.generate or hpo.complete: no {RECORD}")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        record["trials"] = {int(index): trial for index, trial in record["trials"].items()}
        return record
    except (ValueError, KeyError, AttributeError) as error:
        raise StepError(f"{path} is damaged: {error}") from None


def write(directory: Path, client, record: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    client.save_to_json_file(str(directory / AX_STATE))
    document = dict(record, trials={str(index): trial for index, trial in sorted(record["trials"].items())})
    (directory / RECORD).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def new_client(space: list, name: str, objective: str, minimize: bool, seed: int, initial_trials: int):
    """An Ax Client for the (already checked) search space."""
    from ax.api.client import Client
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    from ptflow.stdlib.tuning.space import RangeParameter

    configs = []
    for parameter in space:
        if isinstance(parameter, RangeParameter):
            configs.append(
                RangeParameterConfig(
                    name=parameter.name,
                    bounds=(parameter.low, parameter.high),
                    parameter_type=parameter.value_type,
                    scaling="log" if parameter.log_scale else "linear",
                )
            )
        else:
            configs.append(
                ChoiceParameterConfig(
                    name=parameter.name,
                    values=list(parameter.values),
                    parameter_type=parameter.value_type,
                    is_ordered=parameter.is_ordered,
                )
            )
    client = Client(random_seed=seed)
    client.configure_experiment(parameters=configs, name=name)
    client.configure_optimization(objective=f"-{objective}" if minimize else objective)
    # The first batch explores (Sobol, starting at the centre); BoTorch takes over after it.
    client.configure_generation_strategy(initialization_budget=initial_trials, initialization_random_seed=seed)
    return client


def load_client(directory: Path):
    from ax.api.client import Client

    path = directory / AX_STATE
    if not path.is_file():
        raise UsageError(f"{directory} holds no {AX_STATE}")
    return Client.load_from_json_file(str(path))


def plain(value: Any) -> Any:
    """Ax's numpy scalars as JSON numbers."""
    if hasattr(value, "item"):
        return value.item()
    return value
