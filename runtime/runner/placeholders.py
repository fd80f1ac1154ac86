"""Substituting KFP v2 placeholders in a container's command line.

What each placeholder becomes follows the KFP launcher (`getPlaceholders`)
and the SDK's local runner:

    {{$.inputs.parameters['x']}}            the value's text (see values.to_text)
    {{$.inputs.artifacts['a'].path}}        the local path of the (first) artifact
    {{$.inputs.artifacts['a'].uri}}         its URI
    {{$.inputs.artifacts['a'].metadata}}    its metadata as JSON
    {{$.inputs.artifacts['a']}}             a list of artifacts (`list[Artifact]`), as the JSON of
                                            its ArtifactList: {"artifacts": [{"name", "type", "uri",
                                            "metadata"}, ...]}, the object `{{$}}` holds for it
    {{$.outputs.parameters['p'].output_file}}
    {{$.outputs.artifacts['m'].path|uri|metadata}}
    {{$.outputs.output_file}}               where the step may write its executor output
    {{$}}                                   the whole executor input as JSON
    {{$.pipeline_job_name}} {{$.pipeline_job_uuid}} {{$.pipeline_task_name}}
    {{$.pipeline_task_uuid}} {{$.pipeline_root}}

An element that is a JSON `{"IfPresent": ...}` or `{"Concat": [...]}` is a
structure: IfPresent expands to its `Then` elements when the input has a value
(else to `Else`, or to nothing), Concat joins its parts into one element.
Substitution is one pass over each element of the template, so a value that
itself looks like a placeholder is passed through untouched, however it got
there (a `-p` value, an upstream output).

A placeholder of the template that names nothing (an input without a value, a
typo, a form this runner does not know) is an error naming it: KFP's launcher
would hand its text to the command, and the step would go on with a wrong
argument without anyone noticing.

`{{$.inputs.artifacts['a']}}` is written by kfp for a list-of-artifacts input
of a container component (kfp PR 8484).  KFP's backend launcher
(backend/src/v2/component/launcher_v2.go, getPlaceholders) has no entry for
it, so on a cluster the text itself reaches the container; the runner gives it
the JSON of the input's ArtifactList instead (protojson of the same message the
executor input carries), which a step can parse for every artifact's URI.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ptflow.runtime.runner.values import to_json, to_text

_PLACEHOLDER = re.compile(r"\{\{\$(.*?)\}\}")
_INPUT_PARAMETER = re.compile(r"""^\.inputs\.parameters\[['"](.+)['"]\]$""")
_ARTIFACT = re.compile(r"""^\.(inputs|outputs)\.artifacts\[['"](.+)['"]\]\.(path|uri|metadata)$""")
_INPUT_ARTIFACT_LIST = re.compile(r"""^\.inputs\.artifacts\[['"](.+)['"]\]$""")
_OUTPUT_PARAMETER = re.compile(r"""^\.outputs\.parameters\[['"](.+)['"]\]\.output_file$""")


@dataclass
class JobNames:
    """The run-level and task-level names that placeholders can ask for."""

    job_name: str
    job_uuid: str
    task_name: str
    task_uuid: str
    pipeline_root: str
    # When the run was created, UTC (RFC 3339): KFP's create time, and its schedule time, as a run made by hand is
    # scheduled when it is created.
    created_utc: str = ""
    # The folder the run's steps share when the pipeline asks for a workspace (kfp's `{{$.workspace_path}}`).
    workspace_path: str = ""


class PlaceholderError(ValueError):
    """A structure placeholder that is not valid JSON or has an unknown shape, or a placeholder naming nothing."""


class UnresolvedPlaceholder(PlaceholderError):
    """Placeholders of a template that name no value of the task."""

    def __init__(self, where: str, placeholders: list[str]):
        self.placeholders = placeholders
        shown = ", ".join(p if len(p) <= 80 else p[:77] + "..." for p in placeholders)
        subject = "placeholders that name" if len(placeholders) > 1 else "a placeholder that names"
        super().__init__(
            f"{where} has {subject} no value of the task: "
            f"{shown} (an input without a value, or a form this runner does not know)"
        )


class Resolver:
    """Resolves the placeholders of one task's command line against its executor input."""

    def __init__(self, executor_input: dict, names: JobNames):
        self.executor_input = executor_input
        self.names = names
        inputs = executor_input.get("inputs", {})
        self.parameters: dict[str, Any] = inputs.get("parameterValues", {})
        self.input_artifacts: dict[str, list] = {
            name: entry.get("artifacts", []) for name, entry in inputs.get("artifacts", {}).items()
        }
        outputs = executor_input.get("outputs", {})
        self.output_parameters = outputs.get("parameters", {})
        self.output_artifacts = {
            name: entry.get("artifacts", []) for name, entry in outputs.get("artifacts", {}).items()
        }
        self.output_file = outputs.get("outputFile", "")

    # ---------------------------------------------------------------- command
    def command(self, elements: list[str]) -> list[str]:
        """The command line with every placeholder filled in; UnresolvedPlaceholder names any that can't be."""
        resolved: list[str] = []
        unresolved: list[str] = []
        for element in elements:
            if not isinstance(element, str):
                raise PlaceholderError(f"command-line element {element!r} is not a string")
            structure = _structure(element)
            if structure is None:
                resolved.append(self._text(element, unresolved))
            else:
                resolved.extend(self._expand(structure, unresolved))
        if unresolved:
            raise UnresolvedPlaceholder("the command", _unique(unresolved))
        return resolved

    def _expand(self, structure: Any, unresolved: list[str]) -> list[str]:
        if isinstance(structure, str):
            inner = _structure(structure)
            return self._expand(inner, unresolved) if inner is not None else [self._text(structure, unresolved)]
        if isinstance(structure, list):
            return [part for item in structure for part in self._expand(item, unresolved)]
        if isinstance(structure, dict) and "Concat" in structure:
            return ["".join("".join(self._expand(part, unresolved)) for part in structure["Concat"])]
        if isinstance(structure, dict) and "IfPresent" in structure:
            body = structure["IfPresent"]
            branch = body.get("Then") if self.is_present(body.get("InputName", "")) else body.get("Else")
            if branch is None:
                return []
            return self._expand(branch, unresolved)
        raise PlaceholderError(f"unknown placeholder structure {json.dumps(structure)[:80]}")

    def is_present(self, name: str) -> bool:
        if name in self.parameters and self.parameters[name] is not None:
            return True
        return bool(self.input_artifacts.get(name))

    # ------------------------------------------------------------------ text
    def text(self, element: str, where: str = "a value") -> str:
        """One template with its placeholders filled in; UnresolvedPlaceholder names any that can't be."""
        unresolved: list[str] = []
        resolved = self._text(element, unresolved)
        if unresolved:
            raise UnresolvedPlaceholder(where, _unique(unresolved))
        return resolved

    def structure(self, value: Any, where: str) -> Any:
        """A list or dict constant (kfp's argument holding run-time values, an importer's metadata) with the
        placeholders in its strings, keys and values alike, filled in: one pass over each string of the
        template, so a substituted value is never looked at again."""
        unresolved: list[str] = []
        resolved = self._structure(value, unresolved)
        if unresolved:
            raise UnresolvedPlaceholder(where, _unique(unresolved))
        return resolved

    def _structure(self, value: Any, unresolved: list[str]) -> Any:
        if isinstance(value, str):
            return self._text(value, unresolved)
        if isinstance(value, list):
            return [self._structure(item, unresolved) for item in value]
        if isinstance(value, dict):
            return {self._text(key, unresolved): self._structure(item, unresolved) for key, item in value.items()}
        return value

    def _text(self, element: str, unresolved: list[str]) -> str:
        """One pass over the template: what a placeholder is replaced with is never looked at again."""
        if "{{$" not in element:  # most elements (a script, a flag) have none
            return element

        def replace(match: re.Match) -> str:
            value = self.lookup(match.group(1))
            if value is None:
                unresolved.append(match.group(0))
                return match.group(0)
            return value

        return _PLACEHOLDER.sub(replace, element)

    def lookup(self, inner: str) -> str | None:
        """The text for `{{$<inner>}}`, or None when it names nothing."""
        if inner == "":
            return to_json(self.executor_input)
        fixed = _FIXED.get(inner)
        if fixed is not None:
            return fixed(self)
        if match := _INPUT_PARAMETER.match(inner):
            name = match.group(1)
            if name in self.parameters and self.parameters[name] is not None:
                return to_text(self.parameters[name])
            return None
        if match := _OUTPUT_PARAMETER.match(inner):
            entry = self.output_parameters.get(match.group(1))
            return entry.get("outputFile") if entry else None
        if match := _INPUT_ARTIFACT_LIST.match(inner):
            artifacts = self.input_artifacts.get(match.group(1))
            return None if artifacts is None else to_json({"artifacts": artifacts})
        if match := _ARTIFACT.match(inner):
            side, name, attribute = match.groups()
            artifacts = (self.input_artifacts if side == "inputs" else self.output_artifacts).get(name)
            if not artifacts:
                return None
            first = artifacts[0]
            if attribute == "uri":
                return first.get("uri", "")
            if attribute == "metadata":
                return to_json(first.get("metadata") or {})
            from ptflow.runtime.runner.artifacts import local_path_for_uri

            return local_path_for_uri(first.get("uri", ""))
        return None


# Placeholders that name one value of the task, whatever its inputs.
_FIXED = {
    ".outputs.output_file": lambda resolver: resolver.output_file,
    ".outputMetadataUri": lambda resolver: resolver.output_file,
    ".pipeline_job_name": lambda resolver: resolver.names.job_name,
    ".pipeline_job_uuid": lambda resolver: resolver.names.job_uuid,
    ".pipeline_task_name": lambda resolver: resolver.names.task_name,
    ".pipeline_task_uuid": lambda resolver: resolver.names.task_uuid,
    ".pipeline_root": lambda resolver: resolver.names.pipeline_root,
    # A run's resource name is unique per run, as the run id is here (the job name is the run id too).
    ".pipeline_job_resource_name": lambda resolver: resolver.names.job_name,
    ".pipeline_job_create_time_utc": lambda resolver: resolver.names.created_utc,
    ".pipeline_job_schedule_time_utc": lambda resolver: resolver.names.created_utc,
    # None (unresolved) when the pipeline has no workspace, as KFP has no path to give then.
    ".workspace_path": lambda resolver: resolver.names.workspace_path or None,
}


def _structure(element: str) -> Any | None:
    stripped = element.lstrip()
    if not (stripped.startswith('{"IfPresent"') or stripped.startswith('{"Concat"')):
        return None
    try:
        return json.loads(element)
    except json.JSONDecodeError as error:
        raise PlaceholderError(f"placeholder structure is not valid JSON ({error.msg}): {element[:80]}") from None


def resolve_value_references(parameters: dict[str, Any], names: JobNames, templates: set[str]) -> dict[str, Any]:
    """Substitute placeholders inside the task's constant inputs (how KFP passes f-strings, and lists and dicts
    holding run-time values).

    kfp compiles `f"run {x}"` into a constant "run {{$.inputs.parameters['pipelinechannel--x']}}"
    next to the channel input itself, and `[{"machine": m.output}]` into the constant list
    `[{"machine": "{{$.inputs.parameters['pipelinechannel--m-Output']}}"}]`; the driver fills such
    constants in from the task's other inputs before the step sees them (each value as its text, as
    kfp's local runner does).  Only the inputs named in `templates` (constants of the pipeline
    document) are templates: a value that came from a `-p` argument or an upstream step is data,
    passed as it is even when it contains placeholder text, and what one placeholder is replaced with
    is never expanded again.
    """
    referring = [name for name in templates if _holds_placeholder(parameters.get(name))]
    if not referring:  # the usual case
        return parameters
    resolver = Resolver({"inputs": {"parameterValues": parameters}}, names)
    resolved = dict(parameters)
    for name in referring:
        resolved[name] = resolver.structure(parameters[name], f"the constant value of input `{name}`")
    return resolved


def _holds_placeholder(value: Any) -> bool:
    """Whether a constant has placeholder text in it: in a string, or in a key or string of a list or dict."""
    if isinstance(value, str):
        return "{{$" in value
    if isinstance(value, list):
        return any(_holds_placeholder(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_placeholder(key) or _holds_placeholder(item) for key, item in value.items())
    return False


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
