"""Validate an Argo Workflow (what KFP 1.x runs), whoever wrote it.

Two layers report into one list, and neither stops at the first problem:

1. a typed round trip through hera's Argo models (`argo_schema`): every key must be a field
   of Argo's types (Argo and KFP 1.x parse leniently and silently drop the
   others), every value must have its field's type, and validating then
   dumping (`by_alias=True, exclude_unset=True`) must give the document back
   unchanged, so values a lenient parser would convert are caught too;
2. the main rules of Argo's own `validate.ValidateWorkflow` (`argo_rules`), which `argo lint`
   and the KFP 1.x API server run: names, unique templates, one type per
   template, entrypoint/onExit/template references, dependencies and cycles,
   and that every `{{...}}` variable resolves where it is used.

Diagnostics name the JSON path of what is wrong and, given the file's
`SourceText`, point at the offending key or value.  hera is imported only
in `argo_schema`, inside the function that needs it (it is heavy).
"""

from __future__ import annotations

from typing import Any

from ptflow.compiler.diagnostics import Diagnostic, codes
from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.argo_rules import WorkflowRules
from ptflow.compiler.validate.argo_schema import check_types
from ptflow.compiler.validate.yaml_source import PathReport, safe_load_documents


def validate_workflow(document: dict, source: SourceText | None = None, typed: bool = True) -> list[Diagnostic]:
    """Every problem in one Argo Workflow document.

    `source`, when given, is the YAML file the document was loaded from; the
    diagnostics then carry spans into it (the document is found among the
    file's documents by content).  `typed=False` leaves out the round trip
    through hera's models (layer 1), as `ptflow compile` does for its own
    output: see `validate_argo_documents` in `targets/support.py`.
    """
    report = PathReport()
    if _check_kind(report, document):
        if typed:
            check_types(report, document)
        WorkflowRules(report, document).run()
    if source is not None and report.findings:
        index = _document_index(document, source)
        for finding in report.findings:
            finding.document = index
    return report.diagnostics(source)


def is_workflow(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and str(document.get("apiVersion", "")).startswith("argoproj.io/")
        and document.get("kind") == "Workflow"
    )


def _document_index(document: dict, source: SourceText) -> int:
    try:
        documents = safe_load_documents(source.text)
    except Exception:  # positions are a courtesy: an unreadable file just gets the first document
        return 0
    for index, candidate in enumerate(documents):
        if candidate == document:
            return index
    return 0


def _check_kind(report: PathReport, document: Any) -> bool:
    if not isinstance(document, dict):
        report.add(
            codes.ARGO_NOT_A_WORKFLOW,
            0,
            (),
            "an Argo Workflow is a mapping with `apiVersion`, `kind`, `metadata` and `spec`",
            part="key",
        )
        return False
    if not is_workflow(document):
        report.add(
            codes.ARGO_NOT_A_WORKFLOW,
            0,
            ("kind",),
            f"expected `apiVersion: argoproj.io/v1alpha1` and `kind: "
            f"Workflow`, found apiVersion {document.get('apiVersion')!r}, kind {document.get('kind')!r}",
        )
        return False
    spec = document.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("templates"), list) or not spec["templates"]:
        report.add(
            codes.ARGO_NOT_A_WORKFLOW,
            0,
            ("spec", "templates"),
            "a Workflow needs `spec.templates`, a non-empty list",
            part="key",
        )
        return False
    return True
