"""Project configuration: `[tool.ptflow]` in the nearest pyproject.toml.

    [tool.ptflow]
    select = ["PTF6"]              # report only codes starting with these
    ignore = ["PTF604"]            # never report these
    deny-warnings = true           # warnings fail `ptflow check`
    severity = { PTF601 = "error", PTF609 = "note" }

The nearest `pyproject.toml` above a file that has a `[tool.ptflow]` table
applies to it (as ruff does), so a monorepo can hold projects with their own
settings.  `select` and `ignore` take codes or prefixes of codes; when both
match a code, the longer (more specific) one wins, and `ignore` wins a tie.
Errors are never filtered or downgraded: the file would still not compile.
A mistake in the table is a warning (PTF691) pointing into pyproject.toml.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import field
from pathlib import Path

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, Severity, did_you_mean
from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.diagnostics.suggestions import did_you_mean_code
from ptflow.compiler.lint.registry import register_code
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText, Span

INVALID_CONFIGURATION = register_code(
    "PTF691",
    "invalid [tool.ptflow] configuration",
    """
The `[tool.ptflow]` table of pyproject.toml has a key ptflow does not know, a
value of the wrong kind, a code or prefix that matches no code, or a
severity that is not one of error, warning, note, hint or off. The setting is
left out and the rest of the table still applies.

    [tool.ptflow]
    ignore = ["PTF6O4"]     # unknown code `PTF6O4`; did you mean `PTF604`?

Fix: keys are select, ignore, deny-warnings and severity; codes are listed
by `ptflow explain --list`.
""",
    tags=("style",),
)

SEVERITY_NAMES = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "note": Severity.INFO,
    "info": Severity.INFO,
    "hint": Severity.HINT,
}
_KEYS = ("select", "ignore", "deny-warnings", "severity")
_PREFIX = re.compile(r"^PTF[0-9]{0,3}$")


@record
class LintConfig:
    select: tuple[str, ...] | None = None  # None: every code
    ignore: tuple[str, ...] = ()
    deny_warnings: bool = False
    severity: dict[str, Severity] = field(default_factory=dict)
    path: str | None = None  # the pyproject.toml it was read from

    def merged(self, *, select=None, ignore=(), deny_warnings: bool = False) -> LintConfig:
        """This configuration with command-line options on top.

        `--select` replaces the file's `select`; `--ignore` adds to its `ignore`.
        """
        return dataclasses.replace(
            self,
            select=tuple(select) if select is not None else self.select,
            ignore=self.ignore + tuple(ignore),
            deny_warnings=self.deny_warnings or deny_warnings,
        )


def code_prefix_problem(prefix: str) -> str | None:
    """None if `prefix` is a code or the start of one, else what is wrong (with a suggestion)."""
    if _PREFIX.match(prefix) and any(code.startswith(prefix) for code in CODES):
        return None
    suggestion = did_you_mean_code(prefix, CODES)
    return f"unknown code `{prefix}`" + (f"; {suggestion.hint}" if suggestion else "")


def find_pyproject(path: str | Path) -> Path | None:
    """The nearest pyproject.toml above `path` that has a `[tool.ptflow]` table."""
    start = Path(path).resolve()
    for directory in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if re.search(r"^\s*\[\s*tool\s*\.\s*ptflow\s*[\].]", text, re.MULTILINE):
                return candidate
    return None


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it, as messages show files."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def load_config(path: str | Path) -> tuple[LintConfig, list[Diagnostic]]:
    """The configuration that applies to the file `path`, and the problems found in it."""
    pyproject = find_pyproject(path)
    if pyproject is None:
        return LintConfig(), []
    pyproject = _shown(pyproject)
    text = pyproject.read_text(encoding="utf-8")
    problems = Diagnostics()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problems.report(
            INVALID_CONFIGURATION, f"pyproject.toml is not valid TOML: {error}", _line_span(pyproject, text, None)
        )
        return LintConfig(path=str(pyproject)), problems.items
    table = data.get("tool", {}).get("ptflow", {})
    return parse_config(table, str(pyproject), text, problems), problems.items


def parse_config(table: dict, path: str, text: str, problems: Diagnostics) -> LintConfig:
    config = LintConfig(path=path)
    if not isinstance(table, dict):
        problems.report(INVALID_CONFIGURATION, "`tool.ptflow` must be a table", _line_span(path, text, None))
        return config
    for key, value in table.items():
        span = _line_span(path, text, key)
        if key not in _KEYS:
            problems.report(
                INVALID_CONFIGURATION,
                f"unknown key `{key}` in [tool.ptflow]",
                span,
                suggestion=did_you_mean(key, _KEYS, at=_key_span(span, key, text)),
                hint="keys: " + ", ".join(_KEYS),
            )
        elif key in ("select", "ignore"):
            codes = _code_list(key, value, span, problems)
            if key == "select":
                # Every code wrong: selecting nothing would hide everything; report the mistakes instead.
                config.select = codes if codes or value == [] else None
            else:
                config.ignore = codes
        elif key == "deny-warnings":
            if isinstance(value, bool):
                config.deny_warnings = value
            else:
                problems.report(INVALID_CONFIGURATION, "`deny-warnings` must be true or false", span)
        else:
            config.severity, off = _severities(value, span, problems)
            config.ignore = config.ignore + off
    return config


def _code_list(key: str, value, span: Span, problems: Diagnostics) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.report(INVALID_CONFIGURATION, f'`{key}` must be a list of codes, such as ["PTF601", "PTF6"]', span)
        return ()
    codes = []
    for item in value:
        problem = code_prefix_problem(item.strip().upper())
        if problem:
            problems.report(INVALID_CONFIGURATION, f"`{key}`: {problem}", span)
        else:
            codes.append(item.strip().upper())
    return tuple(codes)


def _severities(value, span: Span, problems: Diagnostics) -> tuple[dict[str, Severity], tuple[str, ...]]:
    """Per-code severities, and the codes set to "off"."""
    if not isinstance(value, dict):
        problems.report(
            INVALID_CONFIGURATION, '`severity` must be a table of codes to levels, such as { PTF601 = "error" }', span
        )
        return {}, ()
    levels, off = {}, []
    for code, level in value.items():
        code = code.upper()
        entry = CODES.get(code)
        if entry is None:
            problems.report(
                INVALID_CONFIGURATION,
                f"unknown code `{code}` in `severity`",
                span,
                suggestion=did_you_mean_code(code, CODES),
            )
        elif entry.severity is Severity.ERROR:
            problems.report(INVALID_CONFIGURATION, f"`{code}` is an error; errors keep their severity", span)
        elif level == "off":
            off.append(code)
        elif level not in SEVERITY_NAMES:
            problems.report(
                INVALID_CONFIGURATION,
                f"`{level}` is not a severity for `{code}`",
                span,
                hint="use error, warning, note, hint or off",
            )
        else:
            levels[code] = SEVERITY_NAMES[level]
    return levels, tuple(off)


def _line_span(path, text: str, key: str | None) -> Span:
    """The line of `key` inside the [tool.ptflow] table (or the table's header line)."""
    source = SourceText(str(path), text)
    header = re.search(r"^\s*\[\s*tool\s*\.\s*ptflow\s*\]", text, re.MULTILINE)
    offset = header.start() if header else 0
    if key is not None:
        found = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=", re.MULTILINE).search(text, offset)
        if found:
            offset = found.start() + len(found[0]) - len(found[0].lstrip())
    line, column = source.position(offset)
    length = len(source.line(line)) - column + 1
    return source.span(offset, offset + max(1, length))


def _key_span(line: Span, key: str, text: str) -> Span | None:
    """The span of a bare `key` at the start of its `line` span (None when it is quoted)."""
    if text[line.start : line.start + len(key)] != key:
        return None
    return SourceText(line.file, text).span(line.start, line.start + len(key))


def _longest_match(code: str, prefixes) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def is_selected(code: str, config: LintConfig) -> bool:
    """Whether `select`/`ignore` let `code` through (the more specific prefix wins; ignore wins ties)."""
    ignored = _longest_match(code, config.ignore)
    selected = len(code) if config.select is None else _longest_match(code, config.select)
    if config.select is None and ignored >= 0:
        return False
    return selected > ignored


def apply_config(diagnostics: list[Diagnostic], config: LintConfig) -> list[Diagnostic]:
    """Filter by select/ignore and apply severity overrides; errors pass untouched."""
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.is_error:
            kept.append(diagnostic)
            continue
        if not is_selected(diagnostic.code, config):
            continue
        level = config.severity.get(diagnostic.code)
        if level is not None and level is not diagnostic.severity:
            diagnostic = dataclasses.replace(diagnostic, severity=level)
        kept.append(diagnostic)
    return kept
