"""The compiler's diagnostics as LSP diagnostics.

Same content as `ptflow check`: the message, the hint on the next line, the
code (linked to its explanation), related places (the producer of a
mismatched value, the first definition of a duplicate) and, in `data`, the
fix a code action can apply.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from lsprotocol import types

from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.source import Span
from ptflow.lsp.explain import ExplainLinks
from ptflow.lsp.fixes import fix_data
from ptflow.lsp.positions import PositionMap

SOURCE = "ptflow"

Locate = Callable[[Span], "types.Location | None"]


def by_file(diagnostics: list[Diagnostic], default_path: str) -> dict[str, list[Diagnostic]]:
    """Diagnostics grouped by the file they are about; those without a span go to `default_path`."""
    groups: dict[str, list[Diagnostic]] = {os.path.normpath(default_path): []}
    for diagnostic in diagnostics:
        path = os.path.normpath(diagnostic.span.file) if diagnostic.span is not None else os.path.normpath(default_path)
        groups.setdefault(path, []).append(diagnostic)
    return groups


def to_lsp(
    diagnostic: Diagnostic, positions: PositionMap, locate: Locate, links: ExplainLinks | None
) -> types.Diagnostic:
    """One diagnostic, for the file whose text `positions` holds."""
    message = diagnostic.message + (f"\n{diagnostic.hint}" if diagnostic.hint else "")
    related = []
    for item in diagnostic.related:
        location = locate(item.span)
        if location is not None:
            related.append(types.DiagnosticRelatedInformation(location, item.message))
    href = links.href(diagnostic.code) if links is not None else None
    data = None
    fix = diagnostic.fix
    if fix is not None and (
        diagnostic.span is None or os.path.normpath(fix.span.file) == os.path.normpath(diagnostic.span.file)
    ):
        data = fix_data(fix, positions.range(fix.span))
    return types.Diagnostic(
        range=positions.range(diagnostic.span),
        message=message,
        severity=types.DiagnosticSeverity(int(diagnostic.severity)),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        related_information=related or None,
        data=data,
    )
