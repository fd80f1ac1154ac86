"""Reading KFP v2 command-line placeholders, to check what they name.

An executor's `command`/`args` element is either text with `{{$...}}`
placeholders in it, or a JSON string holding an `IfPresent` / `Concat`
structure whose leaves are such text.  `scan` returns what a string names
(input and output parameters and artifacts) and what in it is malformed;
the validator then checks the names against the component's interface.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import field

from ptflow.compiler.records import record

INPUT_PARAMETER = "input parameter"
INPUT_ARTIFACT = "input artifact"
OUTPUT_PARAMETER = "output parameter"
OUTPUT_ARTIFACT = "output artifact"
ANY_INPUT = "input"  # IfPresent's InputName: a parameter or an artifact

# Placeholders without a name in them, as the KFP launcher and kfp.local resolve them.
CONSTANT_PLACEHOLDERS = frozenset(
    {
        "$",
        "$.outputs.output_file",
        "$.outputMetadataUri",
        "$.pipeline_job_name",
        "$.pipeline_job_resource_name",
        "$.pipeline_job_uuid",
        "$.pipeline_task_name",
        "$.pipeline_task_uuid",
        "$.pipeline_root",
        "$.pipeline_job_create_time_utc",
        "$.pipeline_job_schedule_time_utc",
        "$.workspace_path",
    }
)

_NAME = r"""\[(?:'(?P<q1>[^']*)'|"(?P<q2>[^"]*)")\]"""
_ARTIFACT_SUFFIX = r"""(?:\.path|\.uri|\.metadata(?:\[(?:'[^']*'|"[^"]*")\])?)?"""
_NAMED_PLACEHOLDERS = [
    (INPUT_PARAMETER, re.compile(rf"\$\.inputs\.parameters{_NAME}")),
    (INPUT_ARTIFACT, re.compile(rf"\$\.inputs\.artifacts{_NAME}{_ARTIFACT_SUFFIX}")),
    (OUTPUT_PARAMETER, re.compile(rf"\$\.outputs\.parameters{_NAME}\.output_file")),
    (OUTPUT_ARTIFACT, re.compile(rf"\$\.outputs\.artifacts{_NAME}{_ARTIFACT_SUFFIX}")),
]
_STRUCTURE_START = re.compile(r'^\s*\{\s*"(IfPresent|Concat)"')


@record(frozen=True)
class Use:
    """A placeholder naming one input or output of the component."""

    kind: str
    name: str
    text: str


@record(frozen=True)
class Scan:
    """The placeholders found in one command-line element, and the malformed ones."""

    uses: tuple[Use, ...] = ()
    problems: tuple[str, ...] = ()


@record
class _Findings:
    """What `scan` collects as it reads an element."""

    uses: list[Use] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# Executors repeat the same elements (`sh`, `-c`, the same input's placeholder: an N-step chain has N alike
# command lines), so each distinct element is read once; the result is frozen, as it is shared.
@functools.lru_cache(maxsize=4096)
def scan(element: str) -> Scan:
    """Every named placeholder in one command-line element, and every malformed one."""
    result = _Findings()
    start = _STRUCTURE_START.match(element)
    if start:
        try:
            structure = json.loads(element)
        except json.JSONDecodeError as error:
            result.problems.append(f"malformed {start.group(1)} placeholder: {error.msg} at character {error.pos}")
        else:
            _structure(structure, result)
    else:
        _text(element, result)
    return Scan(tuple(result.uses), tuple(result.problems))


def _text(text: str, result: _Findings) -> None:
    position = 0
    while True:
        start = text.find("{{$", position)
        if start < 0:
            return
        end = text.find("}}", start)
        if end < 0:
            result.problems.append(f"placeholder `{_clip(text[start:])}` is not closed with `}}}}`")
            return
        body = text[start + 2 : end]
        whole = text[start : end + 2]
        if body not in CONSTANT_PLACEHOLDERS:
            use = _named(body, whole)
            if use is None:
                result.problems.append(f"`{_clip(whole)}` is not a KFP placeholder")
            else:
                result.uses.append(use)
        position = end + 2


def _named(body: str, whole: str) -> Use | None:
    for kind, pattern in _NAMED_PLACEHOLDERS:
        match = pattern.fullmatch(body)
        if match:
            return Use(kind, match.group("q1") if match.group("q1") is not None else match.group("q2"), whole)
    return None


def _structure(value, result: _Findings) -> None:
    """An IfPresent / Concat structure, or a leaf of one."""
    if isinstance(value, str):
        _text(value, result)
        return
    if isinstance(value, list):
        for item in value:
            _structure(item, result)
        return
    if not isinstance(value, dict) or len(value) != 1:
        result.problems.append(f"expected text, a list, or one of IfPresent/Concat, got `{_clip(json.dumps(value))}`")
        return
    ((kind, body),) = value.items()
    if kind == "Concat":
        if not isinstance(body, list):
            result.problems.append("Concat takes a list")
            return
        _structure(body, result)
    elif kind == "IfPresent":
        _if_present(body, result)
    else:
        result.problems.append(f"unknown placeholder structure `{kind}` (expected IfPresent or Concat)")


def _if_present(body, result: _Findings) -> None:
    if not isinstance(body, dict):
        result.problems.append("IfPresent takes a mapping with InputName, Then and optionally Else")
        return
    unknown = sorted(set(body) - {"InputName", "Then", "Else"})
    if unknown:
        result.problems.append(f"IfPresent has unknown key(s) {', '.join(unknown)} (expected InputName, Then, Else)")
    name = body.get("InputName")
    if not isinstance(name, str) or not name:
        result.problems.append("IfPresent needs an InputName")
    else:
        result.uses.append(Use(ANY_INPUT, name, f'IfPresent InputName "{name}"'))
    if "Then" not in body:
        result.problems.append("IfPresent needs a Then")
    for branch in ("Then", "Else"):
        if branch in body:
            _structure(body[branch], result)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
