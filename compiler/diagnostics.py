"""Diagnostics: what every phase reports, and the one list they report into.

A `Diagnostic` has a stable code (see `codes.py`), a severity, the span it is
about, a message, related spans (for an edge: the producer and the consumer)
and, where one fits, a fix.  The same objects feed the text, JSON and SARIF
renderers and the language server, so nothing here knows how it is printed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ptflow.compiler.source import Span


class Severity(enum.IntEnum):
    """How bad a diagnostic is; the numbers are LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower() if self is not Severity.INFO else "note"


@dataclass(frozen=True)
class Related:
    """Another place that explains a diagnostic ("the producer is here")."""

    span: Span
    message: str


@dataclass(frozen=True)
class Fix:
    """A machine-applicable fix: replace the text of `span` with `replacement`."""

    message: str
    span: Span
    replacement: str


# The longest message or hint a diagnostic keeps: its start and its end (where
# "... is not a STRING" usually is), with what is left out said in between.
MAX_MESSAGE = 600


def clip_message(text: str, limit: int = MAX_MESSAGE) -> str:
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 4
    return f"{text[:head]} …({len(text) - head - tail:,} characters left out)… {text[-tail:]}"


@dataclass
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span | None
    related: list[Related] = field(default_factory=list)
    hint: str | None = None
    fix: Fix | None = None

    def __post_init__(self) -> None:
        # However large the input, a message stays readable: a value echoed from a huge file is cut.
        self.message = clip_message(self.message)
        if self.hint is not None:
            self.hint = clip_message(self.hint)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)


class Diagnostics:
    """The one list that every phase reports into.

    Phases never stop at the first problem: they report and carry on with a
    best guess, so a single run shows everything that is wrong.
    """

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._seen: set[tuple] = set()

    def report(
        self,
        code: str,
        message: str,
        span: Span | None,
        *,
        related: list[Related] | None = None,
        hint: str | None = None,
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        from ptflow.compiler.codes import CODES

        if severity is None:
            severity = CODES[code].severity
        diagnostic = Diagnostic(code, severity, message, span, related or [], hint, fix)
        key = (code, message, span)
        if key not in self._seen:  # the same fact found by two paths is said once
            self._seen.add(key)
            self.items.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            key = (diagnostic.code, diagnostic.message, diagnostic.span)
            if key not in self._seen:
                self._seen.add(key)
                self.items.append(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def did_you_mean(name: str, candidates) -> str | None:
    """The closest candidate to a misspelled `name`, if one is close enough."""
    import difflib

    candidates = list(candidates)
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower().replace("-", "_"): c for c in candidates}
    return lowered.get(name.lower().replace("-", "_"))


def suggest(name: str, candidates, span: Span | None, replace_with=None) -> tuple[str | None, Fix | None]:
    """A "did you mean" hint and the fix that applies it, or (None, None) if nothing is close.

    `replace_with(suggestion)` gives the replacement text when it is more than the name itself.
    """
    suggestion = did_you_mean(name, candidates)
    if suggestion is None:
        return None, None
    replacement = replace_with(suggestion) if replace_with else suggestion
    fix = Fix(f"replace `{name}` with `{replacement}`", span, replacement) if span is not None else None
    return f"did you mean `{replacement}`?", fix
