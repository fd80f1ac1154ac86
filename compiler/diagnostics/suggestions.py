""" "Did you mean ...?": the one place a misspelled name gets its suggestion and its fix.

    report(codes.UNKNOWN_OPTION, f"unknown option `{key}`", key_span,
           suggestion=did_you_mean(key, STEP_OPTIONS, at=key_span))

`did_you_mean` finds the closest known name and, when it is told where the
misspelled name is written (`at`: the span of exactly that name), the `Fix`
that replaces it.  The diagnostic carries the fix from the moment it is made,
so the text, JSON and SARIF renderers and the language server all offer the
same one; nothing downstream guesses a fix from the hint's words.

Codes (`PTF203`) get their own matcher, `nearest_code`: codes that look alike
are not alike in meaning, so only a one-digit slip counts as close.

(runtime/suggestions.py is the container side's matcher, kept apart by the
layering rule; it suggests names but never makes fixes.)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

from ptflow.compiler.records import record
from ptflow.compiler.source import Span


@record(frozen=True)
class Fix:
    """A machine-applicable fix: replace the text of `span` with `replacement`."""

    message: str
    span: Span
    replacement: str


@record(frozen=True)
class Suggestion:
    """The closest known name to what was written, and the fix that writes it instead (when placed)."""

    written: str
    replacement: str
    fix: Fix | None = None

    @property
    def hint(self) -> str:
        return f"did you mean `{self.replacement}`?"

    def at(self, span: Span | None) -> Suggestion:
        """This suggestion with its fix placed at `span`, which must hold exactly the written name."""
        if span is None:
            return dataclasses.replace(self, fix=None)
        return dataclasses.replace(
            self, fix=Fix(f"replace `{self.written}` with `{self.replacement}`", span, self.replacement)
        )


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `name`, if one is close enough (spelling, or case and `-`/`_`)."""
    import difflib  # here, not at the top: only a mistake needs it, and a clean compile starts ~1 ms sooner

    candidates = [str(candidate) for candidate in candidates]
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {candidate.lower().replace("-", "_"): candidate for candidate in candidates}
    return lowered.get(name.lower().replace("-", "_"))


def did_you_mean(
    name: object,
    candidates: Iterable[object],
    *,
    at: Span | None = None,
    replace_with: Callable[[str], str] | None = None,
) -> Suggestion | None:
    """The suggestion for a misspelled `name` among `candidates`, or None if nothing is close.

    `at` is the span of exactly the misspelled name; with it the suggestion carries its fix.
    `replace_with(closest)` gives the replacement text when it is more than the name itself.
    Names of any type (YAML keys) are compared as text.
    """
    written = str(name)
    found = closest(written, [str(candidate) for candidate in candidates])
    if found is None or found == written:
        return None
    suggestion = Suggestion(written, replace_with(found) if replace_with else found)
    return suggestion.at(at) if at is not None else suggestion


_CODE = re.compile(r"PTF(\d{3})")


def nearest_code(text: str, codes: Iterable[str]) -> str | None:
    """The real code a mistyped one (`PTF2O3`, `ptf230`, `PTF20`) most likely meant, or None.

    Close means one digit changed, two neighbouring digits swapped, one digit
    missing or one too many: `PTF999` is far from every code, so it gets no
    suggestion rather than an unrelated one.
    """
    digits = re.sub(r"[^0-9]", "", text.upper().replace("O", "0"))
    numbers = {match.group(1): code for code in codes if (match := _CODE.fullmatch(code))}
    if digits in numbers:
        return numbers[digits]  # only the spelling was off: `ptf-203`, `PTF2O3`
    close = [numbers[number] for number in sorted(numbers) if digits and _one_slip(digits, number)]
    return close[0] if len(close) == 1 else None  # two equally close codes: naming either would be a guess


def _one_slip(typed: str, real: str) -> bool:
    """True when `typed` is `real` with one digit changed, added, dropped, or two neighbours swapped."""
    if typed == real:
        return True
    if len(typed) == len(real):
        differences = [i for i, (a, b) in enumerate(zip(typed, real)) if a != b]
        if len(differences) == 1:
            return True
        return (
            len(differences) == 2
            and differences[1] == differences[0] + 1
            and typed[differences[0]] == real[differences[1]]
            and typed[differences[1]] == real[differences[0]]
        )
    if abs(len(typed) - len(real)) == 1:
        shorter, longer = sorted((typed, real), key=len)
        return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
    return False


def did_you_mean_code(written: str, codes: Iterable[str], *, at: Span | None = None) -> Suggestion | None:
    """`did_you_mean` for a diagnostic code (`nearest_code`'s notion of close)."""
    found = nearest_code(written, codes)
    if found is None or found == written:
        return None
    suggestion = Suggestion(written, found)
    return suggestion.at(at) if at is not None else suggestion
