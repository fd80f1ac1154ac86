"""Checks made before anything runs: is this a PipelineSpec, does it hang together, are the parameters right.

The document gets `ptflow validate`'s checks (`ptflow.compiler.validate.ir`),
so a broken document never starts a step; then the runner's own: output names
that would leave the store, and the parameters given with -p.
"""

from __future__ import annotations

import os
from typing import Any

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, codes
from ptflow.runtime.runner import values
from ptflow.runtime.runner.spec import Pipeline

SCHEMA_VERSION = "2.1.0"


def check(
    documents: list[Any], pipeline: Pipeline, arguments: dict[str, str]
) -> tuple[list[Diagnostic], dict[str, Any]]:
    """All problems found, and the typed pipeline arguments (only meaningful when there are no errors)."""
    diagnostics = Diagnostics()
    if not _is_pipeline_spec(documents, pipeline, diagnostics):
        return diagnostics.sorted(), {}
    _shared_validation(documents, pipeline, diagnostics)
    _names_stay_in_store(pipeline, diagnostics)
    typed = _arguments(pipeline, arguments, diagnostics)
    return diagnostics.items, typed


def _is_pipeline_spec(documents: list[Any], pipeline: Pipeline, diagnostics: Diagnostics) -> bool:
    from ptflow.runtime.runner.spec import main_document

    source = pipeline.source or "input"
    spec = main_document(documents)
    if not isinstance(spec, dict):
        diagnostics.report(
            codes.RUN_NOT_RUNNABLE, f"`{source}` is not a KFP PipelineSpec (it holds no YAML mapping)", None
        )
        return False
    missing = [key for key in ("root", "pipelineInfo") if not isinstance(spec.get(key), dict)]
    if "deploymentSpec" not in spec and spec.get("components"):
        missing.append("deploymentSpec")
    if missing or not isinstance(spec["root"].get("dag"), dict):
        what = ", ".join(f"`{m}`" for m in missing) if missing else "`root.dag`"
        hint = None
        if "apiVersion" in spec and "kind" in spec:
            hint = (
                f"this is a Kubernetes `{spec.get('kind')}`; `ptflow run` runs KFP v2 IR (compile with --target kfp-v2)"
            )
        elif "implementation" in spec:
            hint = "this is a KFP v1 component file; `ptflow run` runs compiled KFP v2 pipelines"
        diagnostics.report(
            codes.RUN_NOT_RUNNABLE, f"`{source}` is not a KFP PipelineSpec: it has no {what}", None, hint=hint
        )
        return False
    version = spec.get("schemaVersion")
    if version != SCHEMA_VERSION:
        diagnostics.report(
            codes.RUN_NOT_RUNNABLE,
            f"`{source}` has schemaVersion {version!r}; KFP and this runner read {SCHEMA_VERSION}",
            None,
        )
        return False
    return True


def _shared_validation(documents: list[Any], pipeline: Pipeline, diagnostics: Diagnostics) -> None:
    """`ptflow validate`'s checks: references, cycles, required inputs, conditions, types."""
    from ptflow.compiler.source import SourceText
    from ptflow.compiler.validate.ir import validate_ir

    source = SourceText(pipeline.source, pipeline.text) if pipeline.text is not None else None
    diagnostics.extend(validate_ir(documents, source))


def upstream_tasks(task: dict) -> list[str]:
    """Every task that `task` waits for: its dependentTasks and the producers of its inputs."""
    found = list(task.get("dependentTasks") or [])
    for kind in ("parameters", "artifacts"):
        for source in (((task.get("inputs") or {}).get(kind)) or {}).values():
            if not isinstance(source, dict):
                continue
            for reference in ("taskOutputParameter", "taskOutputArtifact", "taskFinalStatus"):
                producer = (source.get(reference) or {}).get("producerTask")
                if producer:
                    found.append(producer)
    return found


def is_safe_name(name: str) -> bool:
    """A name that can be one path component inside the store."""
    if not name or name in (".", "..") or "\0" in name:
        return False
    if "/" in name or "\\" in name or os.path.isabs(name):
        return False
    return True


def _names_stay_in_store(pipeline: Pipeline, diagnostics: Diagnostics) -> None:
    for key, component in (pipeline.spec.get("components") or {}).items():
        outputs = (component or {}).get("outputDefinitions") or {}
        for kind in ("parameters", "artifacts"):
            for name in outputs.get(kind) or {}:
                if not is_safe_name(name):
                    diagnostics.report(
                        codes.RUN_PATH_ESCAPES_STORE,
                        f"output `{name}` of `{key}` would be written outside the store "
                        "(output names can't contain `/`, `..` or be absolute paths)",
                        None,
                    )


def _arguments(pipeline: Pipeline, arguments: dict[str, str], diagnostics: Diagnostics) -> dict[str, Any]:
    """`-p` texts as values of the root's parameter types; unknown, ill-typed and missing ones reported."""
    from ptflow.compiler.diagnostics import did_you_mean

    definitions = (pipeline.root.get("inputDefinitions") or {}).get("parameters") or {}
    artifact_inputs = (pipeline.root.get("inputDefinitions") or {}).get("artifacts") or {}
    typed: dict[str, Any] = {}
    for name, text in arguments.items():
        definition = definitions.get(name)
        if definition is None:
            if name in artifact_inputs:
                diagnostics.report(
                    codes.INVALID_COMMAND_LINE_VALUE,
                    f"`{name}` is an artifact input; only parameters can be set with -p",
                    None,
                )
                continue
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE,
                f"pipeline `{pipeline.name}` has no parameter `{name}`",
                None,
                suggestion=did_you_mean(name, definitions),
                hint="its parameters are " + ", ".join(sorted(definitions)) if definitions else None,
            )
            continue
        parameter_type = (definition or {}).get("parameterType", values.STRING)
        try:
            typed[name] = values.from_command_line(text, parameter_type)
        except values.ValueTypeError as error:
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE,
                f"`-p {name}={text}`: not a valid {_type_word(parameter_type)} ({error})",
                None,
            )
    for name, definition in definitions.items():
        definition = definition or {}
        if name in arguments or definition.get("isOptional") or "defaultValue" in definition:
            continue
        diagnostics.report(
            codes.RUN_MISSING_PARAMETER,
            f"pipeline `{pipeline.name}` needs parameter `{name}` "
            f"({_type_word(definition.get('parameterType', values.STRING))})",
            None,
            hint=f"pass it with `-p {name}=VALUE`",
        )
    for name in artifact_inputs:
        if not (artifact_inputs[name] or {}).get("isOptional"):
            diagnostics.report(
                codes.RUN_MISSING_PARAMETER,
                f"pipeline `{pipeline.name}` takes artifact input `{name}`, which `ptflow run` cannot supply",
                None,
                hint="wrap it in a pipeline that imports the artifact with an importer",
            )
    return typed


def _type_word(parameter_type: str) -> str:
    return {
        values.STRING: "string",
        values.INTEGER: "integer",
        values.DOUBLE: "number",
        values.BOOLEAN: "boolean",
        values.LIST: "JSON list",
        values.STRUCT: "JSON object",
    }.get(parameter_type, parameter_type)
