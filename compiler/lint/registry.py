"""The registry of lint rules: one class per rule, registered by a decorator.

A rule has a stable code in PTF600-PTF689, a PascalCase name, tags saying
what kind of problem it finds, a default severity and an explanation with an
example and the fix.  Registering a rule also enters its code into
`ptflow.compiler.diagnostics.codes.CODES`, so `ptflow explain PTF601` works and the
diagnostics it reports get the rule's default severity.

Codes PTF690-PTF699 belong to the lint machinery itself (suppression comments,
configuration); they are entered with `register_code`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ptflow.compiler.diagnostics import Severity
from ptflow.compiler.diagnostics.codes import CODES, Code

if TYPE_CHECKING:
    from ptflow.compiler.lint.context import LintContext

TAGS = ("correctness", "portability", "security", "performance", "style")
RULE_CODES = range(600, 690)
TOOL_CODES = range(690, 700)


class Rule:
    """A lint rule.  Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    title: ClassVar[str]  # one line: what the rule finds
    tags: ClassVar[tuple[str, ...]]
    severity: ClassVar[Severity] = Severity.WARNING
    explanation: ClassVar[str]  # what it means, an example, and the fix

    def check(self, context: LintContext) -> None:
        raise NotImplementedError


RULES: dict[str, type[Rule]] = {}


def rule(cls: type[Rule]) -> type[Rule]:
    """Class decorator: register a lint rule and its code."""
    number = _number(cls.code)
    if number not in RULE_CODES:
        raise ValueError(f"{cls.__name__}: lint rule codes are PTF600-PTF689, not {cls.code}")
    unknown = set(cls.tags) - set(TAGS)
    if unknown or not cls.tags:
        raise ValueError(f"{cls.__name__}: tags must be some of {', '.join(TAGS)}")
    if cls.code in RULES and RULES[cls.code] is not cls:
        raise ValueError(f"{cls.code} is registered twice ({RULES[cls.code].__name__}, {cls.__name__})")
    RULES[cls.code] = cls
    header = f"Lint rule {cls.name} ({', '.join(cls.tags)})."
    CODES[cls.code] = Code(
        cls.code, cls.title, cls.severity, header + "\n\n" + cls.explanation.strip("\n"), tuple(cls.tags)
    )
    return cls


def register_code(
    code: str, title: str, explanation: str, severity: Severity = Severity.WARNING, tags: tuple[str, ...] = ()
) -> str:
    """Enter a code of the lint machinery (PTF690-PTF699) into the catalogue; returns it for its constant."""
    if _number(code) not in TOOL_CODES:
        raise ValueError(f"lint machinery codes are PTF690-PTF699, not {code}")
    CODES[code] = Code(code, title, severity, explanation.strip("\n"), tuple(tags))
    return code


def _number(code: str) -> int:
    if not (code.startswith("PTF") and code[3:].isdigit() and len(code) == 6):
        raise ValueError(f"`{code}` is not a code of the form PTFnnn")
    return int(code[3:])
