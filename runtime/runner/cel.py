"""CEL, evaluated by cel-python, the way KFP's driver evaluates it.

Two uses, two activations, as in KFP's `expression` package:

- a task's `triggerPolicy.condition` sees the task's executor input:
  `inputs.parameter_values['x']` (numbers are doubles, as in protobuf) and
  `inputs.artifacts`;
- a `parameterExpressionSelector` sees the fields of one protobuf Value
  (`number_value`, `struct_value`, ...) plus `string_value`, which always holds
  the value's text (`parseJson(string_value)["a"]`).

Both get KFP's one extra function, `parseJson(string)`.  Expressions are never
handed to Python's eval.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ptflow.runtime.runner.values import as_protobuf, to_text


class CelError(Exception):
    """A CEL expression that does not parse, or fails when evaluated."""


_lock = threading.Lock()
_programs: dict[str, Any] = {}


def _parse_json(text):
    import celpy

    try:
        return celpy.json_to_cel(as_protobuf(json.loads(str(text))))
    except json.JSONDecodeError as error:
        raise CelError(f"parseJson: not JSON ({error.msg})") from None


def compile_expression(expression: str):
    """The cel-python program for `expression`, compiled once per process."""
    with _lock:
        program = _programs.get(expression)
        if program is None:
            import celpy

            environment = celpy.Environment()
            try:
                ast = environment.compile(expression)
            except celpy.CELParseError as error:
                raise CelError(f"CEL expression does not parse: {expression!r}: {error}") from None
            program = environment.program(ast, functions={"parseJson": _parse_json})
            _programs[expression] = program
        return program


def _evaluate(expression: str, activation: dict) -> Any:
    import celpy

    program = compile_expression(expression)
    try:
        result = program.evaluate(activation)
    except celpy.CELEvalError as error:
        raise CelError(f"cannot evaluate {expression!r}: {_describe(error)}") from None
    if isinstance(result, celpy.CELEvalError):
        raise CelError(f"cannot evaluate {expression!r}: {_describe(result)}")
    return result


def _describe(error) -> str:
    args: tuple = getattr(error, "args", ())
    if len(args) >= 3 and args[0] == "no such key":
        return f"no such key {', '.join(repr(str(a)) for a in args[2])}"
    return str(args[0]) if args else str(error)


def evaluate_condition(expression: str, parameter_values: dict[str, Any], artifacts: dict[str, list]) -> bool:
    """Whether a task whose inputs are these should run."""
    import celpy

    executor_input = {
        "inputs": {
            "parameter_values": as_protobuf(parameter_values),
            "artifacts": {
                name: {"artifacts": [a.to_runtime_artifact() for a in items]} for name, items in artifacts.items()
            },
        },
    }
    result = to_python(_evaluate(expression, {"inputs": celpy.json_to_cel(executor_input["inputs"])}))
    if not isinstance(result, bool):
        raise CelError(f"condition {expression!r} gave {result!r}, not a boolean")
    return bool(result)


def select(expression: str, value: Any) -> Any:
    """A `parameterExpressionSelector` applied to one parameter value."""
    import celpy

    value = as_protobuf(value)
    fields: dict[str, Any] = {}
    if isinstance(value, bool):
        fields["bool_value"] = value
    elif isinstance(value, float):
        fields["number_value"] = value
    elif isinstance(value, dict):
        fields["struct_value"] = value
    elif isinstance(value, list):
        fields["list_value"] = value
    elif value is None:
        fields["null_value"] = None
    fields["string_value"] = to_text(value)
    activation = {name: celpy.json_to_cel(field) for name, field in fields.items()}
    return as_protobuf(to_python(_evaluate(expression, activation)))


def to_python(value: Any) -> Any:
    """A CEL result as plain JSON-shaped Python."""
    from celpy import celtypes

    if value is None or isinstance(value, celtypes.NullType):
        return None
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.MapType):
        return {str(k): to_python(v) for k, v in value.items()}
    if isinstance(value, celtypes.ListType):
        return [to_python(v) for v in value]
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
