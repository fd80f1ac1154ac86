"""Inline suppression: `# ptflow: ignore[PTF601]` comments.

    image = "python:latest"   # ptflow: ignore[PTF604]
    # ptflow: ignore[PTF601, PTF609]
    split = split_data(data: raw.data)
    # ptflow: ignore
    x = legacy(...)

A comment at the end of a line covers that line; a comment alone on its line
covers the line right below.  A diagnostic is covered by the line it starts
on.  `ignore` without a list covers every code.  Errors are never
suppressed: the file would still fail to compile.  A comment that names an
unknown code is itself a warning (PTF690), with a did-you-mean.
"""

from __future__ import annotations

import re

from ptflow.compiler import tree
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, Severity, did_you_mean
from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.diagnostics.suggestions import did_you_mean_code
from ptflow.compiler.lint.registry import register_code
from ptflow.compiler.records import record
from ptflow.compiler.source import Span

INVALID_SUPPRESSION = register_code(
    "PTF690",
    "invalid suppression comment",
    """
A `# ptflow: ...` comment that ptflow can't use: the directive is not
`ignore`, its `[...]` list is not closed or is empty, it names a code that
does not exist (the message suggests the closest one), or it names an error,
which can't be suppressed because the file would still not compile.

    x = f(...)   # ptflow: ignore[PFT601]
                                 ^^^^^^ unknown code `PFT601`; did you mean `PTF601`?

Fix: write `# ptflow: ignore[CODE, CODE]` with codes from `ptflow explain
--list`, or `# ptflow: ignore` for every warning on the line.
""",
    tags=("style",),
)

_DIRECTIVE = re.compile(r"^#\s*ptflow\s*:\s*")
_IGNORE = re.compile(r"^ignore(?![A-Za-z0-9_-])")


@record(frozen=True)
class Suppression:
    file: str
    line: int  # the line whose diagnostics it covers
    codes: frozenset[str] | None  # None: every code
    span: Span  # the comment


def read_suppressions(comments: list[tree.Comment], text: str) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppression comments among `comments`, and what is wrong with the bad ones."""
    found: list[Suppression] = []
    problems = Diagnostics()
    for comment in comments:
        directive = _DIRECTIVE.match(comment.text)
        if directive is None:
            continue
        body_start = directive.end()
        body = comment.text[body_start:]
        if not _IGNORE.match(body):
            word = re.findall(r"^[A-Za-z_-]*", body)[0] or body.strip()[:20]  # `^...*` always matches
            if not word:
                problems.report(
                    INVALID_SUPPRESSION,
                    "a `# ptflow:` comment without a directive",
                    comment.span,
                    hint="write `# ptflow: ignore[CODE]`",
                )
                continue
            where = _part(comment, body_start, len(word))
            problems.report(
                INVALID_SUPPRESSION,
                f"unknown directive `{word}` in a `# ptflow:` comment",
                where,
                suggestion=did_you_mean(word, ["ignore"], at=where),
                hint="write `# ptflow: ignore[CODE]`",
            )
            continue
        codes = _codes(comment, body_start + len("ignore"), problems)
        line_text = text[text.rfind("\n", 0, comment.span.start) + 1 : comment.span.start]
        own_line = not line_text.strip()
        line = comment.span.line + 1 if own_line else comment.span.line
        found.append(Suppression(comment.span.file, line, codes, comment.span))
    return found, problems.items


def _codes(comment: tree.Comment, offset: int, problems: Diagnostics) -> frozenset[str] | None:
    """The codes of an `ignore[...]` list starting at `offset` of the comment; None for a bare `ignore`."""
    problems_before = len(problems.items)
    rest = comment.text[offset:]
    stripped = rest.lstrip()
    if not stripped.startswith("["):
        return None
    open_at = offset + (len(rest) - len(stripped))
    close_at = comment.text.find("]", open_at)
    if close_at < 0:
        problems.report(
            INVALID_SUPPRESSION,
            "the list of codes is not closed with `]`",
            _part(comment, open_at, 1),
            hint="write `# ptflow: ignore[PTF601, PTF602]`",
        )
        return frozenset()
    codes = set()
    position = open_at + 1
    for item in comment.text[open_at + 1 : close_at].split(","):
        code = item.strip()
        start = position + (len(item) - len(item.lstrip()))
        position += len(item) + 1
        if not code:
            continue
        known = CODES.get(code.upper())
        if known is None:
            where = _part(comment, start, len(code))
            problems.report(
                INVALID_SUPPRESSION,
                f"unknown code `{code}` in a suppression comment",
                where,
                suggestion=did_you_mean_code(code, CODES, at=where),
                hint="see `ptflow explain --list`",
            )
        elif known.severity is Severity.ERROR:
            problems.report(
                INVALID_SUPPRESSION,
                f"`{known.code}` is an error, and errors can't be suppressed",
                _part(comment, start, len(code)),
                hint="fix the error; only warnings and notes can be ignored",
            )
        else:
            codes.add(known.code)
    if not codes and len(problems.items) == problems_before:
        problems.report(
            INVALID_SUPPRESSION,
            "`ignore[]` names no code",
            comment.span,
            hint="name codes, `ignore[PTF601]`, or write `ignore` for every code",
        )
    return frozenset(codes)


def _part(comment: tree.Comment, offset: int, length: int) -> Span:
    span = comment.span
    start = span.start + offset
    return Span(
        span.file, span.line, span.column + offset, span.line, span.column + offset + length, start, start + length
    )


def is_suppressed(diagnostic: Diagnostic, suppressions: dict[tuple[str, int], list[Suppression]]) -> bool:
    if diagnostic.is_error or diagnostic.span is None:
        return False
    for suppression in suppressions.get((diagnostic.span.file, diagnostic.span.line), ()):
        if suppression.codes is None or diagnostic.code in suppression.codes:
            return True
    return False


def apply_suppressions(diagnostics: list[Diagnostic], suppressions: list[Suppression]) -> list[Diagnostic]:
    """The diagnostics that no suppression comment covers."""
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    for suppression in suppressions:
        by_line.setdefault((suppression.file, suppression.line), []).append(suppression)
    return [d for d in diagnostics if not is_suppressed(d, by_line)]
