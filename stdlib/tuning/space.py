"""The search space of `hpo.generate`, as a pipeline writes it, checked without importing Ax.

Each parameter is a dict:

    {"name": "lr", "type": "range", "bounds": [1e-4, 0.1], "log_scale": true}
    {"name": "layers", "type": "range", "bounds": [1, 4], "value_type": "int"}
    {"name": "optimizer", "type": "choice", "values": ["adam", "sgd"]}

A range is float unless `value_type` is "int" (numbers lose their int-ness
on their way through KFP, so it is never guessed from the bounds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ptflow.runtime.contract import UsageError

RANGE_KEYS = {"name", "type", "bounds", "log_scale", "value_type"}
CHOICE_KEYS = {"name", "type", "values", "is_ordered", "value_type"}


@dataclass(frozen=True)
class RangeParameter:
    name: str
    low: float
    high: float
    value_type: str  # "float" or "int"
    log_scale: bool = False

    def contains(self, value: Any) -> bool:
        return self.low <= value <= self.high and (self.value_type == "float" or float(value).is_integer())


@dataclass(frozen=True)
class ChoiceParameter:
    name: str
    values: tuple
    value_type: str  # "float", "int", "str" or "bool"
    is_ordered: bool

    def contains(self, value: Any) -> bool:
        return value in self.values


Parameter = RangeParameter | ChoiceParameter


def parse_space(parameters: list) -> list[Parameter]:
    """The search space as typed parameters; UsageError naming the parameter and what is wrong."""
    if not parameters:
        raise UsageError("--parameters: the search space is empty; give at least one parameter")
    parsed: list[Parameter] = []
    seen: set[str] = set()
    for position, entry in enumerate(parameters):
        if not isinstance(entry, dict):
            raise UsageError(
                f"--parameters: item {position} is {entry!r}, not a dict like "
                '{"name": "lr", "type": "range", "bounds": [0.0001, 0.1]}'
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise UsageError(f"--parameters: item {position} needs a `name` that is an identifier, got {name!r}")
        if name in seen:
            raise UsageError(f"--parameters: `{name}` is defined twice")
        seen.add(name)
        kind = entry.get("type")
        if kind == "range":
            parsed.append(_range(name, entry))
        elif kind == "choice":
            parsed.append(_choice(name, entry))
        else:
            raise UsageError(f'parameter `{name}`: type must be "range" or "choice", got {kind!r}')
    return parsed


def _unknown_keys(name: str, entry: dict, allowed: set[str]) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise UsageError(
            f"parameter `{name}`: unknown key(s) {', '.join(unknown)}; a {entry['type']} takes "
            + ", ".join(sorted(allowed))
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _range(name: str, entry: dict) -> RangeParameter:
    _unknown_keys(name, entry, RANGE_KEYS)
    bounds = entry.get("bounds")
    if not isinstance(bounds, list) or len(bounds) != 2 or not all(map(_is_number, bounds)):
        raise UsageError(f"parameter `{name}`: bounds must be [low, high], two numbers; got {bounds!r}")
    low, high = bounds
    if not low < high:
        raise UsageError(
            f"parameter `{name}`: the range [{low}, {high}] is empty; its low bound must be below "
            "its high bound (for a fixed value, leave it out of the search and set it in hparams)"
        )
    value_type = entry.get("value_type", "float")
    if value_type not in ("float", "int"):
        raise UsageError(f'parameter `{name}`: value_type of a range is "float" or "int", got {value_type!r}')
    if value_type == "int":
        if not (float(low).is_integer() and float(high).is_integer()):
            raise UsageError(f"parameter `{name}`: an int range needs whole bounds, got [{low}, {high}]")
        low, high = int(low), int(high)
    log_scale = entry.get("log_scale", False)
    if not isinstance(log_scale, bool):
        raise UsageError(f"parameter `{name}`: log_scale is true or false, got {log_scale!r}")
    if log_scale and low <= 0:
        raise UsageError(f"parameter `{name}`: a log-scale range must be above 0, got [{low}, {high}]")
    return RangeParameter(name, low, high, value_type, log_scale)


def _choice(name: str, entry: dict) -> ChoiceParameter:
    _unknown_keys(name, entry, CHOICE_KEYS)
    values = entry.get("values")
    if not isinstance(values, list) or len(set(map(repr, values))) < 2:
        raise UsageError(f"parameter `{name}`: a choice needs at least two different values, got {values!r}")
    value_type = entry.get("value_type") or _infer_choice_type(name, values)
    if value_type == "float":
        values = [float(value) for value in values]
    elif value_type == "int":
        if not all(_is_number(value) and float(value).is_integer() for value in values):
            raise UsageError(f"parameter `{name}`: value_type int needs whole numbers, got {values!r}")
        values = [int(value) for value in values]
    is_ordered = entry.get("is_ordered", value_type in ("float", "int"))
    return ChoiceParameter(name, tuple(values), value_type, bool(is_ordered))


def _infer_choice_type(name: str, values: list) -> str:
    if all(isinstance(value, bool) for value in values):
        return "bool"
    if all(isinstance(value, str) for value in values):
        return "str"
    if all(_is_number(value) for value in values):
        return "int" if all(isinstance(value, int) for value in values) else "float"
    raise UsageError(
        f"parameter `{name}`: choice values must all be numbers, all strings or all booleans; got {values!r}"
    )


def check_objective(objective: str) -> None:
    if not objective.isidentifier():
        raise UsageError(f"--objective: a metric name like accuracy or val_loss, got {objective!r}")
