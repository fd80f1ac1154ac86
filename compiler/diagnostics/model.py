"""The diagnostic model: what every phase reports, and the one list they report into.

A `Diagnostic` has a stable code (a constant of `codes.py`), a severity, the span it is
about, a message, related spans (for an edge: the producer and the consumer)
and, where one fits, a fix.  The same objects feed the text, JSON and SARIF
renderers and the language server, so nothing here knows how it is printed.
"""

from __future__ import annotations

from dataclasses import field

from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.diagnostics.severity import Severity
from ptflow.compiler.diagnostics.suggestions import Fix, Suggestion
from ptflow.compiler.records import record
from ptflow.compiler.source import Span


@record(frozen=True)
class Related:
    """Another place that explains a diagnostic ("the producer is here")."""

    span: Span
    message: str


# The longest message or hint a diagnostic keeps: its start and its end (where
# "... is not a STRING" usually is), with what is left out said in between.
MAX_MESSAGE = 600


def clip_message(text: str, limit: int = MAX_MESSAGE) -> str:
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 4
    return f"{text[:head]} …({len(text) - head - tail:,} characters left out)… {text[-tail:]}"


@record
class Diagnostic:
    """One problem found in a file: code, severity, message and where it is."""

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
        self.offered = 0  # every diagnostic reported or added, kept or not (a phase asks whether it reported)

    def report(
        self,
        code: str,
        message: str,
        span: Span | None,
        *,
        related: list[Related] | None = None,
        hint: str | None = None,
        fix: Fix | None = None,
        suggestion: Suggestion | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        """Report one problem; its severity is the code's default unless given.

        A `suggestion` (from `suggestions.did_you_mean`) becomes the help line
        and the fix; `hint` is then the help for when nothing was close enough.
        """
        if suggestion is not None:
            hint, fix = suggestion.hint, suggestion.fix or fix
        if severity is None:
            severity = CODES[code].severity
        diagnostic = Diagnostic(code, severity, message, span, related or [], hint, fix)
        self._add(diagnostic)
        return diagnostic

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self._add(diagnostic)

    def _add(self, diagnostic: Diagnostic) -> None:
        self.offered += 1
        key = (diagnostic.code, diagnostic.message, diagnostic.span)
        if key not in self._seen:  # the same fact found by two paths (or two importers) is said once
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
