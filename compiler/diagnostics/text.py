"""Print diagnostics the way compilers do: file:line:col, the line, a caret.

    error[PTF203]: unknown input `max_epoch` of `train`
      --> examples/cifar10.ptflow:12:9
       |
    12 |         max_epoch: 3,
       |         ^^^^^^^^^
       = help: did you mean `max_epochs`?

Sources are looked up by path through `read_source`, so diagnostics from
imported files show their own lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ptflow.compiler.diagnostics.model import Diagnostic
from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.source import Span


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class SourceCache:
    """File texts by path, read once; callers may pre-load unsaved texts."""

    def __init__(self, texts: dict[str, str] | None = None, reader: Callable[[str], str | None] = _read):
        self.texts = dict(texts or {})
        self.reader = reader
        self._lines: dict[str, list[str]] = {}  # split once: 16,000 findings in one file were 16,000 splits

    def lines(self, path: str) -> list[str] | None:
        if path not in self.texts:
            text = self.reader(path)
            if text is None:
                return None
            self.texts[path] = text
        lines = self._lines.get(path)
        if lines is None:
            lines = self._lines[path] = self.texts[path].split("\n")
        return lines


def render_text(diagnostics: Iterable[Diagnostic], sources: SourceCache | None = None, color: bool = False) -> str:
    sources = sources or SourceCache()
    blocks = [render_one(d, sources, color) for d in diagnostics]
    return "\n".join(blocks)


_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36", Severity.HINT: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def render_one(diagnostic: Diagnostic, sources: SourceCache, color: bool = False) -> str:
    label = diagnostic.severity.label
    head = _paint(f"{label}[{diagnostic.code}]", "1;" + _COLORS[diagnostic.severity], color)
    out = [f"{head}: {diagnostic.message}"]
    spans = [diagnostic.span] if diagnostic.span is not None else []
    spans += [r.span for r in diagnostic.related]
    width = max((len(str(span.line)) for span in spans), default=1)  # one gutter for every excerpt
    if diagnostic.span is not None:
        out.extend(_excerpt(diagnostic.span, sources, "^", color, _COLORS[diagnostic.severity], "", width))
    for related in diagnostic.related:
        out.extend(_excerpt(related.span, sources, "-", color, "34", related.message, width))
    if diagnostic.hint:
        out.append(f"   = help: {diagnostic.hint}")
    if diagnostic.fix and diagnostic.fix.message != diagnostic.hint:
        out.append(f"   = fix: {diagnostic.fix.message}")
    return "\n".join(out) + "\n"


def _excerpt(span: Span, sources: SourceCache, mark: str, color: bool, paint: str, note: str, width: int) -> list[str]:
    out = [f"  --> {span.file}:{span.line}:{span.column}" + (f": {note}" if note else "")]
    lines = sources.lines(span.file)
    if not lines or span.line > len(lines):
        return out
    text = lines[span.line - 1].expandtabs(4)
    gutter = " " * width
    if span.end_line == span.line:
        length = max(1, span.end_column - span.column)
    else:
        length = max(1, len(text) - span.column + 1)
    text, column, length = _window(text, span.column, length)
    carets = " " * (column - 1) + _paint(mark * length, paint, color)
    out.append(f"{gutter} |")
    out.append(f"{str(span.line).rjust(width)} | {text}")
    out.append(f"{gutter} | {carets}")
    return out


# The most characters of one source line an excerpt shows: a minified file's
# one-megabyte line is cut to the part around the span.
_EXCERPT_WIDTH = 120


def _window(text: str, column: int, length: int) -> tuple[str, int, int]:
    """(the part of `text` to show, the span's column in it, how many carets) for a line of any length."""
    if len(text) <= _EXCERPT_WIDTH:
        return text, column, length
    start = max(0, min(column - 1 - 20, len(text) - _EXCERPT_WIDTH))
    shown = text[start : start + _EXCERPT_WIDTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + _EXCERPT_WIDTH < len(text) else ""
    column = column - start + len(prefix)
    length = max(1, min(length, len(shown) + len(prefix) - column + 1))
    return prefix + shown + suffix, column, length


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts) if parts else "no problems"
