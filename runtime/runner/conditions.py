"""Why a condition was false, in the words of the `.ptflow` file and with the values it saw.

A skipped `if` is reported as `train.accuracy (0.96) >= min_accuracy (0.99) is false`, not as the
compiled CEL.  The CEL the lowering writes (compiler/targets/cel.py) reads the condition's non-constant
values in the order `dag.condition_values` gives them, the excluded earlier arms first; so the n-th
`inputs.parameter_values['...']` of the CEL is the n-th value of the checked condition, and its value
is the resolved input of that name.  A pipeline run from compiled IR has no checked DAG: its reason is
the CEL, whole.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterator
from typing import Any

from ptflow.compiler import dag

_CHANNEL = re.compile(r"inputs\.parameter_values\['([^']*)'\]")
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_UNKNOWN = object()


def condition_arms(graph: dag.PipelineGraph | None) -> dict[str, dag.ConditionGroup]:
    """Each `if`/`elif`/`else` arm of the pipeline by its compiled task name (`condition-4`)."""
    if graph is None:
        return {}
    from ptflow.compiler.targets.kfp_v2 import group_names

    names = group_names(graph)
    arms = {}
    groups = [graph.root]
    while groups:
        group = groups.pop()
        if isinstance(group, dag.ConditionGroup) and id(group) in names:
            arms[names[id(group)]] = group
        groups += [child for child in group.children if isinstance(child, dag.TaskGroup)]
    return arms


def why_false(arm: dag.ConditionGroup | None, cel: str, parameters: dict[str, Any]) -> str:
    """The reason a task whose condition `cel` was false did not run."""
    if arm is None:
        return f"condition is false: {cel}"
    channels = _CHANNEL.findall(cel)
    clauses = [*arm.excluded, *([arm.condition] if arm.condition is not None else [])]
    wanted = sum(
        1 for clause in clauses for value in dag.condition_values(clause) if not isinstance(value, dag.Constant)
    )
    if wanted != len(channels):  # not the CEL this arm lowers to: say what is known for sure
        return f"condition is false: {cel}"
    values = iter([parameters.get(channel, _UNKNOWN) for channel in channels])
    described = [_describe(clause, values) for clause in clauses]
    for text, truth in described[: len(arm.excluded)]:
        if truth is True:
            return f"an earlier branch ran: {text} is true"
    if arm.condition is not None:
        return f"{described[-1][0]} is false"
    return "an earlier branch ran"


def _describe(condition: dag.Condition, values: Iterator[Any]) -> tuple[str, Any]:
    """(the condition as written, each value it read after it; whether it held, or None when unknown)."""
    if isinstance(condition, dag.Compare):
        left, left_value = _operand(condition.left, values)
        right, right_value = _operand(condition.right, values)
        truth = None
        if _UNKNOWN not in (left_value, right_value):
            try:
                truth = _COMPARE[condition.op](left_value, right_value)
            except TypeError:
                truth = None
        return f"{left} {condition.op} {right}", truth
    if isinstance(condition, dag.Truth):
        text, value = _operand(condition.value, values)
        return text, None if value is _UNKNOWN else bool(value)
    if isinstance(condition, dag.Not):
        text, truth = _describe(condition.operand, values)
        if isinstance(condition.operand, (dag.BoolOp, dag.Compare)):
            text = f"({text})"  # `not (n == 4)`: the parentheses say what `not` applies to
        return f"not {text}", None if truth is None else not truth
    left, left_truth = _describe(condition.left, values)
    right, right_truth = _describe(condition.right, values)
    if isinstance(condition.left, dag.BoolOp) and condition.left.op != condition.op:
        left = f"({left})"
    if isinstance(condition.right, dag.BoolOp) and condition.right.op != condition.op:
        right = f"({right})"
    truth = None
    if left_truth is not None and right_truth is not None:
        truth = (left_truth and right_truth) if condition.op == "and" else (left_truth or right_truth)
    return f"{left} {condition.op} {right}", truth


def _operand(value: dag.Value, values: Iterator[Any]) -> tuple[str, Any]:
    """A value as the `.ptflow` file spells it, followed by what it was at run time (constants as they are)."""
    if isinstance(value, dag.Constant):
        return _literal(value.value), value.value
    seen = next(values, _UNKNOWN)
    if value.type.name == "int" and isinstance(seen, float) and seen.is_integer():
        seen = int(seen)  # parameters travel as JSON numbers: an int input reads back as 7.0
    text = _spelling(value)
    return (text if seen is _UNKNOWN else f"{text} ({_literal(seen)})"), seen


def _spelling(value: dag.Value) -> str:
    if isinstance(value, dag.PipelineInput):
        return value.name
    if isinstance(value, dag.TaskOutput):
        return f"{value.task}.{value.output}"
    if isinstance(value, dag.LoopItem):
        return value.loop.var + (f".{value.field}" if value.field else "")
    if isinstance(value, dag.FinalStatus):
        return "pipeline.status"
    return type(value).__name__.lower()


def _literal(value: Any) -> str:
    if isinstance(value, (bool, str, int, float)) or value is None:
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, default=str)
