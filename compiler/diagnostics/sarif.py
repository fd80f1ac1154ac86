"""SARIF 2.1.0: diagnostics in the format code-scanning tools show inline.

    ptflow check --format sarif pipelines/*.ptflow > ptflow.sarif

The log has one run.  Its `tool.driver.rules` describe every code ptflow has
(lint rules with their name, tags, explanation and default level); each
result names its rule, level, message, location (a path relative to the
repository root, under the `%SRCROOT%` base id), related locations and, where
a fix is mechanical, the replacement.  Columns are Unicode code points, the
way ptflow counts them, and the log says so (`columnKind`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ptflow.compiler.diagnostics.model import Diagnostic
from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.source import Span

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def repository_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: the working directory) with `.git`, else `start`."""
    here = Path(start or Path.cwd()).resolve()
    for directory in [here, *here.parents]:
        if (directory / ".git").exists():
            return directory
    return here


def sarif_log(
    findings: Iterable[tuple[str | None, Diagnostic]],
    *,
    root: str | Path | None = None,
    tool_version: str | None = None,
) -> dict:
    """A SARIF log of `(checked file, diagnostic)` pairs.

    The checked file locates a diagnostic that has no span of its own (a
    file that can't be read, a file without a pipeline), since code scanning
    wants every result to have a location.
    """
    import ptflow.compiler.lint  # noqa: F401  (registers the lint rules' codes)
    from ptflow.compiler.diagnostics.codes import CODES

    if tool_version is None:
        from ptflow import __version__ as tool_version
    base = Path(root).resolve() if root is not None else repository_root()
    codes = sorted(CODES)
    index = {code: position for position, code in enumerate(codes)}
    results = [_result(diagnostic, checked, base, index) for checked, diagnostic in findings]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ptflow",
                        "version": tool_version,
                        "semanticVersion": tool_version,
                        "rules": [_rule(CODES[code]) for code in codes],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }


# ------------------------------------------------------------------ rules


def _rule(entry) -> dict:
    from ptflow.compiler.lint.registry import RULES

    lint_rule = RULES.get(entry.code)
    explanation = lint_rule.explanation.strip("\n") if lint_rule else entry.explanation
    descriptor = {
        "id": entry.code,
        "name": lint_rule.name if lint_rule else _pascal_case(entry.title),
        "shortDescription": {"text": _sentence(entry.title)},
        "fullDescription": {"text": _first_paragraph(explanation)},
        "help": {"text": explanation, "markdown": f"**{entry.code}: {entry.title}**\n\n{explanation}"},
        "defaultConfiguration": {"level": _LEVELS[entry.severity]},
    }
    if entry.tags:
        descriptor["properties"] = {"tags": list(entry.tags)}
    return descriptor


def _pascal_case(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _first_paragraph(text: str) -> str:
    paragraph = text.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


# ---------------------------------------------------------------- results


def _result(diagnostic: Diagnostic, checked: str | None, base: Path, index: dict[str, int]) -> dict:
    text = diagnostic.message + (f"\nhelp: {diagnostic.hint}" if diagnostic.hint else "")
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "level": _LEVELS[diagnostic.severity],
        "message": {"text": text},
    }
    if diagnostic.code in index:
        result["ruleIndex"] = index[diagnostic.code]
    if diagnostic.span is not None:
        result["locations"] = [{"physicalLocation": _physical(diagnostic.span, base)}]
    elif checked is not None:
        result["locations"] = [{"physicalLocation": {"artifactLocation": artifact_location(checked, base)}}]
    if diagnostic.related:
        result["relatedLocations"] = [
            {"id": number, "physicalLocation": _physical(related.span, base), "message": {"text": related.message}}
            for number, related in enumerate(diagnostic.related, start=1)
        ]
    if diagnostic.fix is not None:
        fix = diagnostic.fix
        result["fixes"] = [
            {
                "description": {"text": fix.message},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact_location(fix.span.file, base),
                        "replacements": [
                            {"deletedRegion": region(fix.span), "insertedContent": {"text": fix.replacement}}
                        ],
                    }
                ],
            }
        ]
    return result


def _physical(span: Span, base: Path) -> dict:
    return {"artifactLocation": artifact_location(span.file, base), "region": region(span)}


def region(span: Span) -> dict:
    """A SARIF region: 1-based lines and columns, the end column just past the last character."""
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}


def artifact_location(path: str, base: Path) -> dict:
    """A URI relative to the repository root (under `%SRCROOT%`), or an absolute file URI outside it."""
    absolute = Path(path).resolve()
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SOURCE_ROOT}
