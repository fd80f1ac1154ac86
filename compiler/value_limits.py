"""What values a compiled pipeline can carry: 64-bit integers, finite floats, valid Unicode.

KFP and Kubernetes store integers in 64 bits and numbers as JSON doubles, and
YAML/JSON text must be valid UTF-8.  A value outside these limits would make
the compiler overflow (`float(10**400)`) or fail to encode (a lone surrogate),
so each place that takes values from a user (literals in the parser, `-p`
arguments, defaults in imported component files) checks them here and
reports them (PTF314, PTF102, PTF902, PTF209).
"""

from __future__ import annotations

import math

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def unrepresentable(value) -> str | None:
    """Why `value` (a JSON-like value) cannot go into a compiled document, or None if it can."""
    pending = [value]
    while pending:  # not recursive: a JSON value may nest deeply
        item = pending.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int) and not INT_MIN <= item <= INT_MAX:
            return "out of range: integers are 64-bit, from -2^63 to 2^63-1"
        if isinstance(item, float) and not math.isfinite(item):
            return "out of range: floats must be finite"
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "not valid Unicode (a lone surrogate)"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None
