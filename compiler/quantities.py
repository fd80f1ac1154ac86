"""Kubernetes resource quantities and durations, checked at compile time.

`memory: "8GB"` is a classic mistake: Kubernetes wants `8G` or `8Gi`.  These
helpers say whether a value is valid, and convert it the way KFP does for its
numeric resource fields (CPU in cores, memory in GB).
"""

from __future__ import annotations

import re

# What KFP accepts (and so what ptflow accepts): memory is a whole number with
# an optional unit; CPU is a number of cores or an integer of millicores.
_MEMORY = re.compile(r"^(?P<number>[0-9]+)(?P<suffix>E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?$")
_CPU = re.compile(r"^(?P<number>([0-9]*[.])?[0-9]+)(?P<suffix>m?)$")
_UNITS = {
    "": 1,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


def memory_error(value: str) -> str | None:
    """None if `value` is a valid memory quantity, else what is wrong with it."""
    text = value.strip()
    if _MEMORY.match(text):
        return None
    number = re.match(r"^([0-9.]+)\s*([A-Za-z]*)$", text)
    if number and number[2].upper() in ("KB", "MB", "GB", "TB", "PB", "EB"):
        unit = number[2][0].upper()
        return f"`{value}`: Kubernetes has no `{number[2]}` unit; write `{number[1]}{unit}` or `{number[1]}{unit}i`"
    if number and "." in number[1]:
        return f"`{value}`: memory must be a whole number; use a smaller unit (for example `1536Mi` for 1.5Gi)"
    return f"`{value}` is not a memory quantity (write for example `512Mi`, `8Gi` or `8G`)"


def cpu_error(value: str) -> str | None:
    """None if `value` is a valid CPU quantity (`2`, `0.5`, `500m`), else why not."""
    if _CPU.match(value.strip()):
        return None
    return (
        f"`{value}` is not a CPU quantity (write a number of cores such as `2` or `0.5`, or millicores such as `500m`)"
    )


def memory_in_gb(value: str) -> float:
    """Memory in GB (10^9 bytes), as KFP writes its numeric `memoryLimit` field."""
    match = _MEMORY.match(value.strip())
    assert match is not None, f"{value!r} was not checked as a memory quantity"
    return float(match["number"]) * _UNITS[match["suffix"] or ""] / 10**9


def cpu_in_cores(value: str) -> float:
    match = _CPU.match(value.strip())
    assert match is not None, f"{value!r} was not checked as a CPU quantity"
    number = float(match["number"])
    return number / 1000 if match["suffix"] == "m" else number


_DURATION = re.compile(
    r"^(?:(?P<h>[0-9]+(?:\.[0-9]+)?)h)?(?:(?P<m>[0-9]+(?:\.[0-9]+)?)m)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)s)?$"
)


def duration_seconds(value) -> float | None:
    """Seconds in `value`: a number of seconds, or a string such as `30s`, `5m`, `1h30m`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    text = str(value).strip()
    match = _DURATION.match(text)
    if not text or not match or not any(match.groupdict().values()):
        return None
    hours, minutes, seconds = (float(match[g] or 0) for g in ("h", "m", "s"))
    return hours * 3600 + minutes * 60 + seconds
