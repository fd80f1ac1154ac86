"""Go to definition, find references and rename, in the compiler's terms (paths and spans).

A name's definition may be in another file (an imported `.ptflow` module or
the standard library).  References and renames look through the indexes of
every document the server has checked and of the modules they import, and
match definitions by where they are (`Definition.key`), so a component used in
two files is found in both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from ptflow.compiler.index import Definition, DefinitionKind, FileIndex, Occurrence
from ptflow.compiler.rename import rename_problem
from ptflow.compiler.source import Span
from ptflow.lsp.analysis import Analysis


class RenameRefused(Exception):
    """Why a rename can't be done; the message is shown to the user."""


@dataclass(frozen=True)
class Place:
    """A place to jump to: a span, or the start of a file when `span` is None."""

    path: str
    span: Span | None


def occurrence_at(analysis: Analysis, line: int, column: int) -> Occurrence | None:
    return analysis.index.at(line, column)


def definition_at(analysis: Analysis, line: int, column: int) -> list[Place]:
    """Where the name (or import path) at a position is defined."""
    link = analysis.index.import_at(line, column)
    if link is not None:
        return [Place(link.target, None)] if link.target else []
    occurrence = occurrence_at(analysis, line, column)
    if occurrence is None:
        return []
    definition = occurrence.definition
    if definition.kind == DefinitionKind.MODULE and definition.target:
        return [Place(definition.target, None)]
    if definition.span is None:
        return []
    return [Place(definition.span.file, definition.span)]


def references_at(
    analysis: Analysis, indexes: Iterable[FileIndex], line: int, column: int, include_declaration: bool
) -> list[Span]:
    """Every use of the name at a position, in all `indexes` (the declaration too if asked)."""
    occurrence = occurrence_at(analysis, line, column)
    if occurrence is None:
        return []
    key = occurrence.definition.key
    found: dict[tuple, Span] = {}
    for index in indexes:
        for other in index.occurrences_of(key):
            if other.is_definition and not include_declaration:
                continue
            found[(_file_key(other.span.file), other.span.start)] = other.span
    if include_declaration and occurrence.definition.span is not None:
        span = occurrence.definition.span
        found.setdefault((_file_key(span.file), span.start), span)
    return sorted(found.values(), key=lambda s: (s.file, s.start))


def rename_target(analysis: Analysis, line: int, column: int) -> Occurrence:
    """The occurrence a rename at this position would rename; raises RenameRefused when there is none."""
    occurrence = occurrence_at(analysis, line, column)
    if occurrence is None:
        raise RenameRefused("there is no name here to rename")
    definition = occurrence.definition
    renamable = (DefinitionKind.STEP, DefinitionKind.PARAMETER, DefinitionKind.LOOP)
    if (
        definition.kind not in renamable
        or definition.span is None
        or _file_key(definition.span.file) != _file_key(analysis.path)
    ):
        raise RenameRefused(
            f"`{definition.name}` is a {_describe(definition)}; only steps, pipeline parameters "
            "and loop variables can be renamed"
        )
    return occurrence


def rename_edits(
    analysis: Analysis, indexes: Iterable[FileIndex], line: int, column: int, new_name: str
) -> dict[str, list[Span]]:
    """Per file, the spans to replace with `new_name`; raises RenameRefused with the reason it can't be done."""
    occurrence = rename_target(analysis, line, column)
    definition = occurrence.definition
    # The analysis' own index holds the definition object that carries owner and kind.
    own = next((d for d in analysis.index.definitions if d.key == definition.key), definition)
    problem = rename_problem(analysis.index, analysis.scope, own, new_name)
    if problem is not None:
        raise RenameRefused(f"can't rename `{own.name}` to `{new_name}`: {problem}")
    edits: dict[str, dict[int, Span]] = {}
    for span in references_at(analysis, indexes, line, column, include_declaration=True):
        edits.setdefault(span.file, {})[span.start] = span
    return {path: sorted(spans.values(), key=lambda s: s.start) for path, spans in edits.items()}


def _describe(definition: Definition) -> str:
    if definition.kind == DefinitionKind.INPUT:
        return f"input of `{definition.owner}`" if definition.owner else "component input"
    if definition.kind == DefinitionKind.OUTPUT:
        return f"output of `{definition.owner}`" if definition.owner else "component output"
    if definition.kind in (DefinitionKind.STEP, DefinitionKind.PARAMETER, DefinitionKind.LOOP):
        return f"{definition.kind} of another file"
    return definition.kind


def _file_key(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))
