"""The code actions that apply the fixes diagnostics carry.

A diagnostic's `Fix` is made with the diagnostic (see
ptflow/compiler/diagnostics/suggestions.py); the server only carries it to the
editor in the published diagnostic's `data` and turns it back into an edit.
"""

from __future__ import annotations

from lsprotocol import types

from ptflow.compiler.diagnostics import Fix


def fix_data(fix: Fix, fix_range: types.Range) -> dict:
    """What a published diagnostic carries (in `data`) so a code action can apply its fix later."""
    return {
        "fix": {
            "title": fix.message,
            "replacement": fix.replacement,
            "range": {
                "start": {"line": fix_range.start.line, "character": fix_range.start.character},
                "end": {"line": fix_range.end.line, "character": fix_range.end.character},
            },
        }
    }


def quick_fix(uri: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    """The code action that applies the fix a published diagnostic carries, if it carries one."""
    data = diagnostic.data
    fix = data.get("fix") if isinstance(data, dict) else None
    if not isinstance(fix, dict):
        return None
    try:
        start, end = fix["range"]["start"], fix["range"]["end"]
        edit_range = types.Range(
            types.Position(int(start["line"]), int(start["character"])),
            types.Position(int(end["line"]), int(end["character"])),
        )
        edit = types.TextEdit(edit_range, str(fix["replacement"]))
        title = str(fix["title"])
    except (KeyError, TypeError, ValueError):
        return None  # not data this server wrote
    title = title[:1].upper() + title[1:]
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
    )


def ranges_overlap(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
