"""Parameter values the way KFP's backend holds and prints them.

KFP keeps every parameter as a `google.protobuf.Value`: numbers are doubles,
lists and dicts are JSON.  The launcher turns a value into command-line text
with `PbValueToText` (numbers in Go's shortest `'f'` form, booleans as
`true`/`false`, lists and dicts as compact JSON) and reads an output file back
with `TextToPbValue` (the text as-is for strings, parsed for the other types).
The runner does the same, so a step sees on this machine exactly the text it
would see on a cluster.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from json.encoder import encode_basestring  # what json.dumps(text, ensure_ascii=False) does, without an encoder
from typing import Any

STRING, INTEGER, DOUBLE, BOOLEAN, LIST, STRUCT, FINAL_STATUS = (
    "STRING",
    "NUMBER_INTEGER",
    "NUMBER_DOUBLE",
    "BOOLEAN",
    "LIST",
    "STRUCT",
    "TASK_FINAL_STATUS",
)

# Go's strconv.ParseBool.
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def as_protobuf(value: Any) -> Any:
    """`value` as a protobuf Value would hold it: every number a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {str(k): as_protobuf(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_protobuf(v) for v in value]
    raise TypeError(f"not a parameter value: {value!r}")


# Below 2**53 every whole double is an exact integer, so its shortest digits are the integer's.
_EXACT_INTEGERS = 2.0**53


def _exact_integer(number: float) -> bool:
    """A whole number whose integer text is its shortest text (not -0.0, which Go writes as "-0")."""
    return (
        -_EXACT_INTEGERS < number < _EXACT_INTEGERS
        and number == int(number)
        and (number != 0 or math.copysign(1.0, number) > 0)
    )


def go_float_text(number: float) -> str:
    """`strconv.FormatFloat(number, 'f', -1, 64)`: shortest digits, never an exponent."""
    if _exact_integer(number):
        return str(int(number))  # the common case (counts, sizes, epochs), without Decimal
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    text = format(Decimal(repr(float(number))), "f")
    if "." in text:  # repr's digits are already the shortest; Go drops a bare ".0"
        text = text.rstrip("0").rstrip(".")
    return text


def _json_number(number: float) -> str:
    """A double the way Go's protojson writes it inside JSON."""
    if _exact_integer(number):
        return str(int(number))
    if math.isnan(number) or math.isinf(number):
        return json.dumps("NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity"))
    magnitude = abs(number)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, _, exponent = repr(float(number)).partition("e")
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        return f"{mantissa}e{sign}{digits}"
    return go_float_text(number)


def to_json(value: Any) -> str:
    """Compact JSON with sorted keys and Go's number format, as protojson writes a Value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _json_number(float(value))
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, dict):
        items = ",".join(f"{encode_basestring(str(k))}:{to_json(v)}" for k, v in sorted(value.items()))
        return "{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    raise TypeError(f"not a parameter value: {value!r}")


def to_text(value: Any) -> str:
    """The launcher's `PbValueToText`: what a parameter placeholder becomes."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return go_float_text(float(value))
    return to_json(value)


class ValueTypeError(ValueError):
    """A text or value that is not of the parameter type it should be."""


def from_text(text: str, parameter_type: str) -> Any:
    """The launcher's `TextToPbValue`: an output parameter file read back as a value."""
    if parameter_type == STRING:
        return text
    stripped = text.strip()
    if parameter_type == INTEGER:
        try:
            return float(int(stripped, 10))
        except ValueError:
            raise ValueTypeError(f"{text!r} is not an integer") from None
    if parameter_type == DOUBLE:
        try:
            return float(stripped)
        except ValueError:
            raise ValueTypeError(f"{text!r} is not a number") from None
    if parameter_type == BOOLEAN:
        if stripped in _GO_TRUE:
            return True
        if stripped in _GO_FALSE:
            return False
        raise ValueTypeError(f"{text!r} is not a boolean (true or false)")
    if parameter_type in (LIST, STRUCT, FINAL_STATUS):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueTypeError(f"{text[:60]!r} is not JSON ({error.msg})") from None
        expected = list if parameter_type == LIST else dict
        if not isinstance(value, expected):
            raise ValueTypeError(f"{text[:60]!r} is not a JSON {'list' if expected is list else 'object'}")
        return as_protobuf(value)
    raise ValueTypeError(f"unknown parameter type {parameter_type}")


def from_command_line(text: str, parameter_type: str) -> Any:
    """A `-p name=value` text as a value of `parameter_type` (stricter than output files)."""
    if parameter_type == BOOLEAN:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueTypeError(f"{text!r} is not a boolean (true or false)")
    return from_text(text, parameter_type)


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def canonical_json(value: Any) -> str:
    """Stable JSON for hashing: the protobuf shape, sorted keys."""
    return to_json(as_protobuf(value))
