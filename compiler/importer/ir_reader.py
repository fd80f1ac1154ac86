"""Reading the source: the project's safe YAML reader, then what kind of KFP document it is.

Accepted: a KFP v2 PipelineSpec (a pipeline, or a single component compiled by
kfp), optionally followed by the kfp-kubernetes platform document.  Refused
with PTF920 and the path of the problem: text that is not YAML (or is
truncated), YAML the safe reader refuses (aliases, so no YAML bomb, duplicate
keys), or any other YAML. A KFP v1 component.yaml is handed back as it is, for
from_v1_component; an Argo Workflow (KFP 1.x) goes to from_argo before `read`.
"""

from __future__ import annotations

from ptflow.compiler.importer.errors import (
    CANT_EXPRESS,
    NOT_KFP,
    ImportRefused,
    path_of,
)

# Top-level PipelineSpec fields; `sdkVersion` and `schemaVersion` are metadata the import ignores.
_SPEC_FIELDS = {
    "components",
    "defaultPipelineRoot",
    "deploymentSpec",
    "pipelineInfo",
    "root",
    "schemaVersion",
    "sdkVersion",
}


def load(text: str) -> list:
    """The non-empty YAML documents of `text`, read with the project's safe reader."""
    import yaml

    from ptflow.compiler.yaml_reader import load_documents

    try:
        documents = [d for d in load_documents(text) if d is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ImportRefused(NOT_KFP, where, f"not readable YAML: {problem}") from None
    if not documents:
        raise ImportRefused(NOT_KFP, "", "the file is empty: no KFP document in it")
    if not isinstance(documents[0], dict):
        raise ImportRefused(NOT_KFP, "document 1", f"a {type(documents[0]).__name__}, not a KFP document")
    return documents


def workspace(documents: list) -> dict | None:
    """The pipeline workspace kfp's PipelineConfig asks for (`pipelineConfig.workspace` of the platform
    document, checked by `read`), or None."""
    for document in documents[1:]:
        kubernetes = ((document or {}).get("platforms") or {}).get("kubernetes") or {}
        found = (kubernetes.get("pipelineConfig") or {}).get("workspace")
        if found:
            return found
    return None


def read(documents: list) -> tuple[dict, dict | None]:
    """(the PipelineSpec, the kfp-kubernetes executor configs by executor label), or, for a KFP v1
    component.yaml, (its document, None)."""
    spec = documents[0]
    if "implementation" in spec:
        if len(documents) > 1:
            raise ImportRefused(NOT_KFP, "document 2", "a KFP v1 component.yaml holds one document")
        return spec, None  # a KFP v1 component.yaml: the caller imports it as a component
    missing = [key for key in ("pipelineInfo", "root") if key not in spec]
    if missing:
        raise ImportRefused(
            NOT_KFP,
            missing[0],
            f"not KFP v2 IR: no `{missing[0]}` (found {', '.join(sorted(map(str, spec))[:6]) or 'nothing'})",
        )
    unknown = set(spec) - _SPEC_FIELDS
    if unknown:
        raise ImportRefused(CANT_EXPRESS, min(unknown), "a PipelineSpec field ptflow does not know")
    if not isinstance(spec.get("root"), dict) or not isinstance(spec["root"].get("dag"), dict):
        raise ImportRefused(NOT_KFP, "root.dag", "the pipeline has no DAG")
    platform: dict = {}
    for index, document in enumerate(documents[1:], start=2):
        where = f"document {index}"
        if not isinstance(document, dict) or set(document) != {"platforms"}:
            raise ImportRefused(NOT_KFP, where, "expected the kfp-kubernetes platform document (`platforms:`)")
        platforms = document["platforms"]
        unknown = set(platforms or {}) - {"kubernetes"}
        if unknown:
            raise ImportRefused(
                CANT_EXPRESS, path_of(where, "platforms", min(unknown)), "a platform other than kubernetes"
            )
        kubernetes = (platforms or {}).get("kubernetes") or {}
        extra = (
            set(kubernetes) - {"deploymentSpec", "pipelineConfig"}
            or set(kubernetes.get("deploymentSpec", {})) - {"executors"}
            or set(kubernetes.get("pipelineConfig") or {}) - {"workspace"}
        )
        if extra:
            raise ImportRefused(
                CANT_EXPRESS,
                path_of(where, "platforms", "kubernetes", min(extra)),
                "a kfp-kubernetes setting ptflow has no option for",
            )
        platform.update(kubernetes.get("deploymentSpec", {}).get("executors", {}))
    return spec, platform
