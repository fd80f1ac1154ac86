"""Conditions as CEL, exactly as kfp writes `triggerPolicy.condition`.

kfp reads a channel as `inputs.parameter_values['pipelinechannel--x']`, wraps
integer channels in `int(...)`, widens an int compared with a float with
`double(...)`, writes strings in single quotes and booleans as `true`/`false`,
and joins an `elif`'s excluded arms as `!(A) && B`.  ptflow's `and`, `or` and
`not` use CEL's own `&&`, `||` and `!`.
"""

from __future__ import annotations

from collections.abc import Callable

from ptflow.compiler import dag

_CEL_TYPE = {"int": "int", "float": "double", "str": "string", "bool": "bool"}


def condition_to_cel(arm: dag.ConditionGroup, channel_name: Callable[[dag.Value], str]) -> str:
    """The CEL of one arm: the excluded earlier arms negated, then its own test."""
    clauses = [f"!({render(c, channel_name)})" for c in arm.excluded]
    if arm.condition is not None:
        clauses.append(render(arm.condition, channel_name, top=True))
    return " && ".join(clauses)


def render(condition: dag.Condition, channel_name: Callable[[dag.Value], str], top: bool = False) -> str:
    if isinstance(condition, dag.Compare):
        return _compare(condition, channel_name)
    if isinstance(condition, dag.Truth):
        return _compare(dag.Compare("==", condition.value, dag.Constant(True, condition.value.type)), channel_name)
    if isinstance(condition, dag.Not):
        return f"!({render(condition.operand, channel_name)})"
    operator = "&&" if condition.op == "and" else "||"
    left = _grouped(condition.left, condition.op, channel_name)
    right = _grouped(condition.right, condition.op, channel_name)
    text = f"{left} {operator} {right}"
    return text if top else f"({text})"


def _grouped(condition: dag.Condition, parent_op: str, channel_name) -> str:
    if isinstance(condition, dag.BoolOp) and condition.op != parent_op:
        return render(condition, channel_name)  # parenthesized
    if isinstance(condition, dag.BoolOp):
        return render(condition, channel_name, top=True)
    return render(condition, channel_name)


def _type_name(value: dag.Value) -> str:
    name = value.type.name
    return name if name in _CEL_TYPE else "str"


def _compare(compare: dag.Compare, channel_name) -> str:
    kinds = {_type_name(compare.left), _type_name(compare.right)}
    if len(kinds) == 2:
        canonical = "str" if "str" in kinds else "bool" if "bool" in kinds else "float"
    else:
        canonical = kinds.pop()
    left = _operand(compare.left, canonical, channel_name)
    right = _operand(compare.right, canonical, channel_name)
    return f"{left} {compare.op} {right}"


def _operand(value: dag.Value, canonical: str, channel_name) -> str:
    kind = _type_name(value)
    if isinstance(value, dag.Constant):
        literal = value.value
        if isinstance(literal, bool):
            text = "true" if literal else "false"
        elif isinstance(literal, str):
            text = "'" + literal.replace("\\", "\\\\").replace("'", "\\'") + "'"
        else:
            text = str(literal)
    else:
        text = f"inputs.parameter_values['{channel_name(value)}']"
        if kind == "int":
            text = f"int({text})"
    if kind != canonical:
        if canonical == "str":
            text = f"'{text}'"
        elif canonical == "float":
            text = f"double({text})"
    return text
