"""Fixes a diagnostic offers, and the code actions that apply them.

A diagnostic's `Fix` is used as it is.  Many diagnostics say "did you mean
`x`?" only in their hint; when such a diagnostic's span is exactly the
misspelled name, replacing the span with the suggestion is the fix the hint
describes, so the editor offers it too.
"""

from __future__ import annotations

import re

from lsprotocol import types

from ptflow.compiler.diagnostics import Diagnostic, Fix

_SUGGESTION = re.compile(r"did you mean `([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)`\?$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")


def fix_for(diagnostic: Diagnostic, text: str | None) -> Fix | None:
    """The fix for `diagnostic`, whose span lies in `text` (None when there is none)."""
    if diagnostic.fix is not None:
        return diagnostic.fix
    span = diagnostic.span
    if span is None or text is None or not diagnostic.hint:
        return None
    match = _SUGGESTION.fullmatch(diagnostic.hint.strip())
    if match is None:
        return None
    written = text[span.start:span.end]
    suggestion = match.group(1)
    if not _NAME.fullmatch(written) or written == suggestion:
        return None
    return Fix(f"replace `{written}` with `{suggestion}`", span, suggestion)


def fix_data(fix: Fix, fix_range: types.Range) -> dict:
    """What a published diagnostic carries (in `data`) so a code action can apply its fix later."""
    return {"fix": {"title": fix.message, "replacement": fix.replacement,
                    "range": {"start": {"line": fix_range.start.line, "character": fix_range.start.character},
                              "end": {"line": fix_range.end.line, "character": fix_range.end.character}}}}


def quick_fix(uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """The code action that applies the fix a published diagnostic carries, if it carries one."""
    data = diagnostic.data
    fix = data.get("fix") if isinstance(data, dict) else None
    if not isinstance(fix, dict):
        return None
    try:
        start, end = fix["range"]["start"], fix["range"]["end"]
        edit_range = types.Range(types.Position(int(start["line"]), int(start["character"])),
                                 types.Position(int(end["line"]), int(end["character"])))
        edit = types.TextEdit(edit_range, str(fix["replacement"]))
        title = str(fix["title"])
    except (KeyError, TypeError, ValueError):
        return None  # not data this server wrote
    title = title[:1].upper() + title[1:]
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                            is_preferred=True, edit=types.WorkspaceEdit(changes={uri: [edit]}))


def ranges_overlap(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
