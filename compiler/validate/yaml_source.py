"""Where things are in a YAML file: spans of keys and values, found by JSON path.

Validators work on plain loaded documents and name what is wrong by its path
(`("root", "dag", "tasks", "train", "componentRef", "name")`).  Only when there
is something to report is the file composed again with positions
(`yaml.compose_all`), and each path is resolved to the span of its key or its
value, so clean files never pay for the second parse.

A path that does not exist in the file (a missing field) resolves to the key of
its deepest existing ancestor: "`inputs` lacks `rows`" points at `inputs:`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING, Any, Literal

from ptflow.compiler.diagnostics import Diagnostic, Related, Severity, Suggestion
from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.records import record
from ptflow.compiler.source import SourceText, Span

# PyYAML is imported where a file is read or a position is looked up: validating the documents
# `ptflow compile` just built, and finding nothing wrong, reads no YAML (and saves its import).
if TYPE_CHECKING:
    import yaml

Path = tuple  # of str (mapping keys) and int (list indices)
Part = Literal["key", "value"]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def safe_load_documents(text: str) -> list[Any]:
    """Every YAML document of `text`, read by ptflow's one YAML reader (no aliases, no duplicate keys)."""
    from ptflow.compiler.yaml_reader import load_documents

    return load_documents(text)


def format_path(path: Iterable) -> str:
    """`root.dag.tasks.train.componentRef.name`; list indices as `[0]`, odd keys as `["a.b"]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f'["{part}"]'
    return out or "(document)"


def yaml_error_span(error: yaml.YAMLError, source: SourceText) -> Span:
    """The span a YAML syntax error points at (its problem mark), or the file's start."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        return source.span(0, min(1, len(source.text)))
    return _span_at(source, mark.line, mark.column, mark.line, mark.column + 1)


def _span_at(source: SourceText, line: int, column: int, end_line: int, end_column: int) -> Span:
    """A span from 0-based marks (libyaml's columns count characters, as `SourceText` does)."""
    start = _offset(source, line, column)
    end = max(start, _offset(source, end_line, end_column))
    return source.span(start, end)


def _offset(source: SourceText, line: int, column: int) -> int:
    line_starts = _line_starts(source)
    if line >= len(line_starts):
        return len(source.text)
    return min(len(source.text), line_starts[line] + column)


def _line_starts(source: SourceText) -> list[int]:
    return source.line_starts  # the same table as `[0] + [end of each "\n"]`, made once with the source


class YamlPositions:
    """Spans of keys and values of every document of one YAML file, composed on first use."""

    def __init__(self, source: SourceText):
        self.source = source
        self._documents: list[yaml.Node | None] | None = None
        # Each mapping's {key text: (key node, value node)}, built when a path first goes through it, so
        # locating n findings in a mapping of n keys costs n lookups, not n scans of n keys.
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def documents(self) -> list[yaml.Node | None]:
        if self._documents is None:
            import yaml

            try:
                self._documents = list(
                    yaml.compose_all(self.source.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                )
            except yaml.YAMLError:
                self._documents = []
        return self._documents

    def span(self, document: int, path: Path, part: Part = "value") -> Span | None:
        import yaml

        documents = self.documents()
        if document >= len(documents) or documents[document] is None:
            return None
        node = documents[document]
        assert node is not None  # checked above; a local so the loop below can move it down the tree
        key_node: yaml.Node | None = None
        for step in path:
            found = self._child(node, step)
            if found is None:
                break  # the deepest existing ancestor
            key_node, node = found
        else:
            if part == "value" and isinstance(node, yaml.ScalarNode):
                return self._node_span(node)
            if key_node is not None:
                return self._node_span(key_node)
            return self._first_line(node)
        if key_node is not None:
            return self._node_span(key_node)
        return self._first_line(node)

    def _child(self, node: yaml.Node, step) -> tuple[yaml.Node, yaml.Node] | None:
        """(key node, value node) of `step` in a mapping, or (item, item) of an index in a sequence."""
        import yaml

        if isinstance(node, yaml.MappingNode) and not isinstance(step, int):
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = {}
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode):
                        keys.setdefault(key.value, (key, value))  # the first, as a scan would find
            return keys.get(str(step))
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(node.value):
                item = node.value[step]
                return item, item
        return None

    def _node_span(self, node: yaml.Node) -> Span:
        import yaml

        start, end = node.start_mark, node.end_mark
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            # A block scalar's marks run to the next key; its indicator is enough.
            return _span_at(self.source, start.line, start.column, start.line, start.column + 1)
        if not isinstance(node, yaml.ScalarNode):
            end = start  # a whole mapping is too much to underline
            return _span_at(self.source, start.line, start.column, start.line, start.column + 1)
        return _span_at(self.source, start.line, start.column, end.line, end.column)

    def _first_line(self, node: yaml.Node) -> Span:
        """The document's first key, for problems about the document as a whole."""
        import yaml

        if isinstance(node, yaml.MappingNode) and node.value:
            return self._node_span(node.value[0][0])
        return self._node_span(node)


# ------------------------------------------------------------ located findings


@record
class Finding:
    """One problem, located by document index and JSON path rather than by span."""

    code: str
    message: str
    document: int
    path: Path
    part: Part = "value"
    hint: str | None = None
    severity: Severity | None = None
    related: list[tuple[int, Path, str]] = field(default_factory=list)
    suggestion: Suggestion | None = None


class PathReport:
    """Findings of one validation, turned into `Diagnostic`s with spans at the end."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self._seen: set[tuple] = set()

    def add(
        self,
        code: str,
        document: int,
        path: Path,
        message: str,
        *,
        part: Part = "value",
        hint: str | None = None,
        severity: Severity | None = None,
        related: list[tuple[int, Path, str]] | None = None,
        suggestion: Suggestion | None = None,
    ) -> None:
        """One finding at `path`; a `suggestion` (did you mean) replaces `hint` and, where the
        span holds exactly the misspelled name, carries its fix."""
        key = (code, document, tuple(path), message)
        if key in self._seen:  # the same fact reached by two routes is said once
            return
        self._seen.add(key)
        self.findings.append(
            Finding(code, message, document, tuple(path), part, hint, severity, related or [], suggestion)
        )

    def __len__(self) -> int:
        return len(self.findings)

    def diagnostics(self, source: SourceText | None) -> list[Diagnostic]:
        if not self.findings:
            return []  # the usual case
        positions = YamlPositions(source) if source is not None and self.findings else None
        out = []
        for order, finding in enumerate(self.findings):
            span = positions.span(finding.document, finding.path, finding.part) if positions else None
            related = []
            if positions:
                for document, path, note in finding.related:
                    related_span = positions.span(document, path, "key")
                    if related_span is not None:
                        related.append(Related(related_span, note))
            severity = finding.severity or CODES[finding.code].severity
            message = f"{format_path(finding.path)}: {finding.message}"
            hint, fix = finding.hint, None
            if finding.suggestion is not None:
                hint = finding.suggestion.hint
                if (
                    span is not None
                    and source is not None
                    and source.text[span.start : span.end] == finding.suggestion.written
                ):
                    fix = finding.suggestion.at(span).fix  # a plain scalar: replacing it keeps the YAML valid
            diagnostic = Diagnostic(finding.code, severity, message, span, related, hint, fix)
            # in file order when there is a file, else in the order the layers found them
            out.append(((span.start if span else 0, finding.code if span else "", order), diagnostic))
        out.sort(key=lambda pair: pair[0])
        return [diagnostic for _, diagnostic in out]
