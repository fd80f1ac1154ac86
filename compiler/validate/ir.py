"""Validate KFP v2 IR: the PipelineSpec YAML document and its optional `platforms` document.

Three layers report into one list, and none stops at the first problem:

1. a strict protobuf parse (`ir_schema`): the PipelineSpec; its
   `deploymentSpec`, which PipelineSpec holds as an untyped Struct, as a
   PipelineDeploymentConfig; the `platforms` document as a PlatformSpec
   (which types `pipelineConfig`), and each kubernetes executor config, also a
   Struct there, as a KubernetesExecutorConfig;
2. the rules the KFP backend applies on upload: schemaVersion 2.1.0, a
   pipeline name, a root;
3. the semantic checks kfp has none of (`ir_semantics`).

Diagnostics name the JSON path of what is wrong and, given the file's
`SourceText`, point at the offending key or value.  Nothing here imports kfp:
the protobuf classes come from `protos`.
"""

from __future__ import annotations

import json
from typing import Any

from ptflow.compiler.diagnostics import Diagnostic, codes
from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.ir_semantics import Semantics
from ptflow.compiler.validate.yaml_source import PathReport

SCHEMA_VERSION = "2.1.0"


def is_pipeline_spec(document: Any) -> bool:
    """True for the main IR document (what `ptflow validate` recognizes as KFP v2 IR)."""
    return isinstance(document, dict) and any(k in document for k in ("pipelineInfo", "root", "deploymentSpec"))


def is_platforms(document: Any) -> bool:
    return isinstance(document, dict) and "platforms" in document


def validate_ir(documents: list[dict], source: SourceText | None = None, typed: bool = True) -> list[Diagnostic]:
    """Every problem in the YAML documents of one KFP v2 IR file.

    `documents` are the file's YAML documents in order (empty ones as None, so
    that indices match the file when `source` is given for positions).
    `typed=False` leaves out the strict protobuf parse (layer 1), as `ptflow
    compile` does for its own output: see `validate_ir_documents` in
    `targets/support.py`.
    """
    report = PathReport()
    spec_index, platforms_index = _identify(documents, report)
    platforms = documents[platforms_index] if platforms_index is not None else None
    if spec_index is not None:
        if typed:
            _check_spec_schema(report, spec_index, documents[spec_index])
        _check_backend_rules(report, spec_index, documents[spec_index])
    if typed and platforms is not None and platforms_index is not None:
        _check_platforms_schema(report, platforms_index, platforms)
    if spec_index is not None:
        Semantics(
            report, documents[spec_index], spec_index, platforms, platforms_index if platforms_index is not None else 1
        ).run()
    return report.diagnostics(source)


def _identify(documents: list, report: PathReport) -> tuple[int | None, int | None]:
    """Which document is the PipelineSpec and which the platforms document; report the rest."""
    spec_index = platforms_index = None
    for index, document in enumerate(documents):
        if document is None:
            continue
        if spec_index is None and is_pipeline_spec(document):
            spec_index = index
        elif platforms_index is None and is_platforms(document):
            platforms_index = index
        else:
            report.add(
                codes.INVALID_PIPELINE_DOCUMENT,
                index,
                (),
                "unexpected document: a KFP v2 IR file holds one PipelineSpec and at most one `platforms` document",
                part="key",
            )
    if spec_index is None:
        report.add(
            codes.INVALID_PIPELINE_DOCUMENT,
            platforms_index or 0,
            (),
            "no PipelineSpec document (with `pipelineInfo`, `root`, `deploymentSpec`) in this file",
            part="key",
        )
    return spec_index, platforms_index


# The protobuf layer's modules (`protos`, `ir_schema`) are imported where they are used: `ptflow compile`
# validates without that layer and so doesn't load them (~2 ms of a cold start).


def _check_spec_schema(report: PathReport, index: int, spec: dict) -> None:
    from ptflow.compiler.validate import protos
    from ptflow.compiler.validate.ir_schema import check_message

    pb2 = protos.pipeline_spec_pb2()
    skeleton = dict(spec)
    components = skeleton.pop("components", None)
    deployment = skeleton.pop("deploymentSpec", None)
    # PipelineSpec types `deploymentSpec` as a Struct, which any mapping satisfies: it is parsed on its own,
    # typed.  Components and executors are parsed one by one, each distinct one once: a pipeline's tasks
    # often share identical components, and parsing is most of validation's time.
    check_message(report, index, (), skeleton, pb2.PipelineSpec)
    if isinstance(components, dict):
        # A component's executorLabel is free text: leave it out of the fingerprint so that components
        # differing only in it (one per task, as kfp writes them) are parsed once.
        _check_map_values(report, index, ("components",), components, pb2.ComponentSpec, free_text=("executorLabel",))
    elif components is not None:
        check_message(report, index, (), {"components": components}, pb2.PipelineSpec)
    if isinstance(deployment, dict):
        executors = deployment.get("executors")
        rest = {k: v for k, v in deployment.items() if k != "executors"}
        check_message(report, index, ("deploymentSpec",), rest, pb2.PipelineDeploymentConfig)
        if isinstance(executors, dict):
            _check_map_values(
                report, index, ("deploymentSpec", "executors"), executors, pb2.PipelineDeploymentConfig.ExecutorSpec
            )
        elif executors is not None:
            check_message(report, index, ("deploymentSpec",), {"executors": executors}, pb2.PipelineDeploymentConfig)
    elif deployment is not None:
        check_message(report, index, (), {"deploymentSpec": deployment}, pb2.PipelineSpec)


def _check_map_values(
    report: PathReport, index: int, path: tuple, mapping: dict, message_class, free_text: tuple[str, ...] = ()
) -> None:
    """Strictly parse each value of a protobuf map field; identical values are parsed once.

    `free_text` names top-level string fields whose content can't make a parse fail; values that
    differ only there count as identical (when those fields do hold strings).
    """
    from ptflow.compiler.validate.ir_schema import check_message

    verdicts: dict[str, bool] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            check_message(report, index, path[:-1], {path[-1]: {key: value}}, message_class)
            continue
        shape = value
        if free_text and isinstance(value, dict) and all(isinstance(value.get(f, ""), str) for f in free_text):
            shape = {k: ("" if k in free_text else v) for k, v in value.items()}
        try:
            fingerprint = json.dumps(shape, sort_keys=True)
        except (TypeError, ValueError):
            fingerprint = None
        if fingerprint is not None and verdicts.get(fingerprint) is True:
            continue
        verdict = check_message(report, index, path + (key,), value, message_class)
        if fingerprint is not None:
            verdicts[fingerprint] = verdict


def _check_platforms_schema(report: PathReport, index: int, platforms: dict) -> None:
    from ptflow.compiler.validate import protos
    from ptflow.compiler.validate.ir_schema import check_message

    pb2 = protos.pipeline_spec_pb2()
    check_message(report, index, (), platforms, pb2.PlatformSpec)
    kubernetes = platforms.get("platforms")
    kubernetes = kubernetes.get("kubernetes") if isinstance(kubernetes, dict) else None
    deployment = kubernetes.get("deploymentSpec") if isinstance(kubernetes, dict) else None
    executors = deployment.get("executors") if isinstance(deployment, dict) else None
    if not isinstance(executors, dict) or not executors:
        return
    try:
        kubernetes_pb2 = protos.kubernetes_executor_config_pb2()
    except protos.ProtosUnavailable:
        report.add(
            codes.CHECK_SKIPPED,
            index,
            ("platforms", "kubernetes", "deploymentSpec", "executors"),
            "kubernetes executor configs not checked: install kfp-kubernetes",
            part="key",
        )
        return
    for label, config in executors.items():
        check_message(
            report,
            index,
            ("platforms", "kubernetes", "deploymentSpec", "executors", label),
            config,
            kubernetes_pb2.KubernetesExecutorConfig,
        )


def _check_backend_rules(report: PathReport, index: int, spec: dict) -> None:
    """What the KFP API server checks on upload (backend/src/apiserver/template/v2_template.go)."""
    version = spec.get("schemaVersion")
    if version is None:
        report.add(
            codes.IR_UNSUPPORTED_SCHEMA_VERSION,
            index,
            (),
            f"no schemaVersion: KFP only accepts {SCHEMA_VERSION}",
            part="key",
            hint=f"add `schemaVersion: {SCHEMA_VERSION}`",
        )
    elif version != SCHEMA_VERSION:
        report.add(
            codes.IR_UNSUPPORTED_SCHEMA_VERSION,
            index,
            ("schemaVersion",),
            f"schemaVersion {version!r} is not supported: KFP only accepts {SCHEMA_VERSION}",
            hint=f"write `schemaVersion: {SCHEMA_VERSION}`",
        )
    info = spec.get("pipelineInfo")
    name = info.get("name") if isinstance(info, dict) else None
    if not isinstance(name, str) or not name.strip():
        path = (
            ("pipelineInfo", "name")
            if isinstance(info, dict) and "name" in info
            else (("pipelineInfo",) if "pipelineInfo" in spec else ())
        )
        report.add(
            codes.IR_NO_PIPELINE_NAME,
            index,
            path,
            "the pipeline has no name (pipelineInfo.name)",
            part="value" if path[-1:] == ("name",) else "key",
        )
    if not isinstance(spec.get("root"), dict):
        report.add(
            codes.IR_MISSING_FIELD,
            index,
            ("root",) if "root" in spec else (),
            "the pipeline has no `root` component",
            part="key",
        )
    if "deploymentSpec" not in spec and _uses_executors(spec):
        report.add(
            codes.IR_MISSING_FIELD, index, (), "components name executors, but there is no `deploymentSpec`", part="key"
        )


def _uses_executors(spec: dict) -> bool:
    components = list((spec.get("components") or {}).values()) if isinstance(spec.get("components"), dict) else []
    components.append(spec.get("root"))
    return any(isinstance(c, dict) and "executorLabel" in c for c in components)
