"""Checks made before anything runs: is this a PipelineSpec, does it hang together, are the parameters right.

When `ptflow.compiler.validate.ir.validate_ir` is available its diagnostics
are used (the same as `ptflow validate`); the runner's own structural checks
cover what execution relies on, so a broken document never starts a step.
"""

from __future__ import annotations

import os
from typing import Any

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, codes
from ptflow.runtime.runner import values
from ptflow.runtime.runner.spec import Pipeline
from ptflow.compiler.diagnostics import codes

SCHEMA_VERSION = "2.1.0"


def check(
    documents: list[Any], pipeline: Pipeline, arguments: dict[str, str]
) -> tuple[list[Diagnostic], dict[str, Any]]:
    """All problems found, and the typed pipeline arguments (only meaningful when there are no errors)."""
    diagnostics = Diagnostics()
    if not _is_pipeline_spec(documents, pipeline, diagnostics):
        return diagnostics.sorted(), {}
    if not _shared_validation(documents, pipeline, diagnostics):
        _structure(pipeline, diagnostics)
    _names_stay_in_store(pipeline, diagnostics)
    typed = _arguments(pipeline, arguments, diagnostics)
    return diagnostics.items, typed


def _is_pipeline_spec(documents: list[Any], pipeline: Pipeline, diagnostics: Diagnostics) -> bool:
    from ptflow.runtime.runner.spec import main_document

    source = pipeline.source or "input"
    spec = main_document(documents)
    if not isinstance(spec, dict):
        diagnostics.report(codes.RUN_NOT_RUNNABLE,
                           f"`{source}` is not a KFP PipelineSpec (it holds no YAML mapping)", None)
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
        diagnostics.report(codes.RUN_NOT_RUNNABLE,
                           f"`{source}` is not a KFP PipelineSpec: it has no {what}", None, hint=hint)
        return False
    version = spec.get("schemaVersion")
    if version != SCHEMA_VERSION:
        diagnostics.report(
            codes.RUN_NOT_RUNNABLE, f"`{source}` has schemaVersion {version!r}; KFP and this runner read {SCHEMA_VERSION}", None
        )
        return False
    return True


def _shared_validation(documents: list[Any], pipeline: Pipeline, diagnostics: Diagnostics) -> bool:
    """`ptflow validate`'s checks, when that validator is installed; False if it is not."""
    try:
        from ptflow.compiler.validate.ir import validate_ir
    except ImportError:
        return False
    from ptflow.compiler.source import SourceText

    source = SourceText(pipeline.source, pipeline.text) if pipeline.text is not None else None
    diagnostics.extend(validate_ir(documents, source))
    return True


def _structure(pipeline: Pipeline, diagnostics: Diagnostics) -> None:
    """References, cycles, required inputs and conditions of every DAG."""
    from ptflow.runtime.runner.cel import check_syntax

    spec = pipeline.spec
    components = spec.get("components") or {}
    executors = (spec.get("deploymentSpec") or {}).get("executors") or {}
    dags = {"root": spec["root"]}
    dags.update({key: c for key, c in components.items() if isinstance(c, dict) and "dag" in c})

    def report(message: str) -> None:
        diagnostics.report(codes.RUN_BROKEN_DOCUMENT, message, None)

    for dag_key, component in dags.items():
        tasks = (component.get("dag") or {}).get("tasks") or {}
        inputs = component.get("inputDefinitions") or {}
        for name, task in tasks.items():
            where = f"task `{name}` of `{dag_key}`"
            ref = (task.get("componentRef") or {}).get("name")
            callee = components.get(ref) if ref else None
            if callee is None:
                report(f"{where} calls component `{ref}`, which the document does not define")
                continue
            label = callee.get("executorLabel")
            if "dag" not in callee and label not in executors:
                report(f"component `{ref}` names executor `{label}`, which `deploymentSpec` does not define")
            for upstream in task.get("dependentTasks") or []:
                if upstream not in tasks:
                    report(f"{where} depends on `{upstream}`, which is not a task of the same DAG")
            _check_inputs(where, task, tasks, inputs, components, report)
            condition = (task.get("triggerPolicy") or {}).get("condition")
            if condition:
                problem = check_syntax(condition)
                if problem:
                    report(f"{where}: {problem}")
            _check_required_inputs(where, task, callee, report)
        _check_dag_outputs(dag_key, component, tasks, report)
        cycle = _find_cycle(tasks)
        if cycle:
            report(f"the tasks of `{dag_key}` depend on each other in a cycle: {' -> '.join(cycle)}")


def _check_inputs(where, task, tasks, inputs, components, report) -> None:
    declared_parameters = inputs.get("parameters") or {}
    declared_artifacts = inputs.get("artifacts") or {}
    task_inputs = task.get("inputs") or {}
    for kind in ("parameters", "artifacts"):
        for input_name, source in (task_inputs.get(kind) or {}).items():
            if not isinstance(source, dict):
                report(f"{where}: input `{input_name}` has no source")
                continue
            parent_parameter = source.get("componentInputParameter")
            if parent_parameter is not None and parent_parameter not in declared_parameters:
                report(
                    f"{where}: input `{input_name}` reads parameter `{parent_parameter}`, "
                    "which its DAG does not declare"
                )
            parent_artifact = source.get("componentInputArtifact")
            if parent_artifact is not None and parent_artifact not in declared_artifacts:
                report(
                    f"{where}: input `{input_name}` reads artifact `{parent_artifact}`, which its DAG does not declare"
                )
            for reference, outputs_kind, key_field in (("taskOutputParameter", "parameters", "outputParameterKey"),
                                                       ("taskOutputArtifact", "artifacts", "outputArtifactKey"),
                                                       ("taskFinalStatus", None, None)):
                producer_ref = source.get(reference)
                if not isinstance(producer_ref, dict):
                    continue
                producer = producer_ref.get("producerTask")
                if producer not in tasks:
                    report(f"{where}: input `{input_name}` comes from task `{producer}`, which is not in the same DAG")
                    continue
                if outputs_kind is None:
                    continue
                producer_component = components.get((tasks[producer].get("componentRef") or {}).get("name")) or {}
                outputs = (producer_component.get("outputDefinitions") or {}).get(outputs_kind) or {}
                key = producer_ref.get(key_field)
                if key not in outputs:
                    report(
                        f"{where}: input `{input_name}` reads output `{key}` of `{producer}`, which has no such output"
                    )


def _check_required_inputs(where, task, callee, report) -> None:
    provided = set()
    for kind in ("parameters", "artifacts"):
        provided |= set(((task.get("inputs") or {}).get(kind)) or {})
    for iterator in ("parameterIterator", "artifactIterator"):
        item = (task.get(iterator) or {}).get("itemInput")
        if item:
            provided.add(item)
    definitions = callee.get("inputDefinitions") or {}
    for kind in ("parameters", "artifacts"):
        for input_name, definition in (definitions.get(kind) or {}).items():
            definition = definition or {}
            if input_name in provided or definition.get("isOptional") or "defaultValue" in definition:
                continue
            if definition.get("parameterType") == values.FINAL_STATUS:
                continue
            report(f"{where}: required input `{input_name}` is not given a value")


def _check_dag_outputs(dag_key, component, tasks, report) -> None:
    outputs = (component.get("dag") or {}).get("outputs") or {}
    selectors = []
    for name, source in (outputs.get("parameters") or {}).items():
        source = source or {}
        if "valueFromParameter" in source:
            selectors.append((name, source["valueFromParameter"]))
        for selector in ((source.get("valueFromOneof") or {}).get("parameterSelectors") or []):
            selectors.append((name, selector))
    for name, source in (outputs.get("artifacts") or {}).items():
        for selector in ((source or {}).get("artifactSelectors") or []):
            selectors.append((name, selector))
    for name, selector in selectors:
        producer = (selector or {}).get("producerSubtask")
        if producer not in tasks:
            report(f"output `{name}` of `{dag_key}` comes from task `{producer}`, which is not in that DAG")


def _find_cycle(tasks: dict) -> list[str] | None:
    edges = {name: set(upstream_tasks(task)) & set(tasks) for name, task in tasks.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for upstream in sorted(edges[node]):
            if state.get(upstream) == 1:
                return stack[stack.index(upstream):] + [upstream]
            if upstream not in state:
                found = visit(upstream)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(tasks):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


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
                        codes.RUN_PATH_ESCAPES_STORE, f"output `{name}` of `{key}` would be written outside the store "
                        "(output names can't contain `/`, `..` or be absolute paths)", None)


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
                diagnostics.report(codes.INVALID_COMMAND_LINE_VALUE,
                                   f"`{name}` is an artifact input; only parameters can be set with -p", None)
                continue
            diagnostics.report(codes.INVALID_COMMAND_LINE_VALUE,
                               f"pipeline `{pipeline.name}` has no parameter `{name}`",
                               None, suggestion=did_you_mean(name, definitions),
                               hint="its parameters are " + ", ".join(sorted(definitions)) if definitions else None)
            continue
        parameter_type = (definition or {}).get("parameterType", values.STRING)
        try:
            typed[name] = values.from_command_line(text, parameter_type)
        except values.ValueTypeError as error:
            diagnostics.report(
                codes.INVALID_COMMAND_LINE_VALUE, f"`-p {name}={text}`: not a valid {_type_word(parameter_type)} ({error})", None
            )
    for name, definition in definitions.items():
        definition = definition or {}
        if name in arguments or definition.get("isOptional") or "defaultValue" in definition:
            continue
        diagnostics.report(codes.RUN_MISSING_PARAMETER, f"pipeline `{pipeline.name}` needs parameter `{name}` "
                           f"({_type_word(definition.get('parameterType', values.STRING))})", None,
                           hint=f"pass it with `-p {name}=VALUE`")
    for name in artifact_inputs:
        if not (artifact_inputs[name] or {}).get("isOptional"):
            diagnostics.report(codes.RUN_MISSING_PARAMETER,
                               f"pipeline `{pipeline.name}` takes artifact input `{name}`, "
                               "which `ptflow run` cannot supply", None,
                               hint="wrap it in a pipeline that imports the artifact with an importer")
    return typed


def _type_word(parameter_type: str) -> str:
    return {
        values.STRING: "string", values.INTEGER: "integer", values.DOUBLE: "number", values.BOOLEAN: "boolean",
        values.LIST: "JSON list", values.STRUCT: "JSON object",
    }.get(parameter_type, parameter_type)
