"""Finding and reading the files a program is made of.

A `.ptflow` file may import standard-library modules (`import stdlib.torch`),
other `.ptflow` files (`import "./common.ptflow" as common`) and KFP component
YAML files (`import "notify.yaml" as notify`).  The loader reads each file
once, parses `.ptflow` files, and keeps the results in a cache keyed by the
file's text, so an editor session never re-reads an import that didn't change.
"""

from __future__ import annotations

import enum
import hashlib
import importlib.util
import os
import threading
from dataclasses import field
from functools import lru_cache
from pathlib import Path

from ptflow.compiler.diagnostics import Diagnostic
from ptflow.compiler.parser import parse_module
from ptflow.compiler.records import record
from ptflow.compiler.tree import ImportKind, Module

STDLIB_PREFIX = "stdlib"


@lru_cache(maxsize=1)
def stdlib_directory() -> Path:
    """Where the standard library's .ptflow files are, found without importing it."""
    spec = importlib.util.find_spec("ptflow.stdlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the ptflow standard library is not installed")
    return Path(list(spec.submodule_search_locations)[0])


@record
class SourceFile:
    """One .ptflow file, parsed."""

    path: str  # as shown in messages
    text: str
    tree: Module
    parse_diagnostics: list[Diagnostic] = field(default_factory=list)
    digest: str = ""


class FileKind(enum.StrEnum):
    PTFLOW = "ptflow"
    YAML = "yaml"  # a KFP component: v1 component.yaml or compiled v2 IR
    MISSING = "missing"


@record
class ResolvedImport:
    """Where an import points: a .ptflow file, a YAML file, or nothing."""

    kind: FileKind
    path: str
    reason: str = ""


class ModuleLoader:
    """Reads and parses files, with a cache that survives between checks.

    `overlays` holds texts that are newer than the files on disk (an editor's
    unsaved buffers); they win over the disk.

    `incremental`: re-parse only the declarations an edit touched (`incremental_parser.py`); for the
    language server, which parses the same file again at every keystroke.
    """

    def __init__(self, incremental: bool = False) -> None:
        self.overlays: dict[str, str] = {}
        self._parsed: dict[str, SourceFile] = {}
        self._lock = threading.Lock()
        self._parse_module = parse_module
        self.incremental_parser = None
        if incremental:
            from ptflow.compiler.incremental_parser import IncrementalParser

            self.incremental_parser = IncrementalParser()
            self._parse_module = self.incremental_parser.parse

    def read_text(self, path: str) -> str:
        normalized = os.path.normpath(path)
        if normalized in self.overlays:
            return self.overlays[normalized]
        return Path(path).read_text(encoding="utf-8")

    def set_overlay(self, path: str, text: str | None) -> None:
        normalized = os.path.normpath(path)
        if text is None:
            self.overlays.pop(normalized, None)
        else:
            self.overlays[normalized] = text

    def parse(self, path: str, text: str) -> SourceFile:
        """Parse `text` as the file `path`, reusing the last parse if the text is unchanged."""
        # surrogatepass: text from an editor or the API may hold a lone surrogate (the parser reports it)
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        key = os.path.normpath(path)
        with self._lock:
            cached = self._parsed.get(key)
            if cached is not None and cached.digest == digest:
                return cached
        tree, diagnostics = self._parse_module(text, path)
        return self.remember(path, text, tree, diagnostics)

    def forget(self, path: str) -> None:
        """Drop the last parse of `path`, so that the next one parses it again (or the pieces that need it)."""
        with self._lock:
            self._parsed.pop(os.path.normpath(path), None)

    def remember(self, path: str, text: str, tree: Module, diagnostics: list[Diagnostic]) -> SourceFile:
        """Take `tree` as the parse of `text` (parsed elsewhere: the formatter's self-check) for `path`."""
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        parsed = SourceFile(path, text, tree, diagnostics, digest)
        with self._lock:
            self._parsed[os.path.normpath(path)] = parsed
        return parsed

    def load(self, path: str) -> SourceFile:
        """Read and parse a .ptflow file (raises OSError/UnicodeDecodeError if unreadable)."""
        return self.parse(path, self.read_text(path))

    def resolve(self, importer_path: str, kind: ImportKind, target: str) -> ResolvedImport:
        """Find the file an import statement in `importer_path` refers to."""
        try:
            return self._resolve(importer_path, kind, target)
        except OSError as error:  # a name too long for the file system, a path through a file, ...
            reason = (error.strerror or str(error)).lower()
            return ResolvedImport(FileKind.MISSING, target, f"cannot look for the imported file: {reason}")

    def _resolve(self, importer_path: str, kind: str, target: str) -> ResolvedImport:
        base = Path(importer_path).parent
        if kind == ImportKind.MODULE:
            parts = target.split(".")
            if parts[0] == STDLIB_PREFIX:
                if len(parts) < 2:
                    return ResolvedImport(
                        FileKind.MISSING, target, "name a standard-library module, such as `stdlib.torch`"
                    )
                candidate = stdlib_directory().joinpath(*parts[1:]).with_suffix(".ptflow")
                if candidate.is_file():
                    return ResolvedImport(FileKind.PTFLOW, str(candidate))
                known = sorted(p.stem for p in stdlib_directory().glob("*.ptflow"))
                return ResolvedImport(
                    FileKind.MISSING,
                    str(candidate),
                    f"the standard library has no module `{'.'.join(parts[1:])}`"
                    + (f" (it has: {', '.join(known)})" if known else ""),
                )
            candidate = base.joinpath(*parts).with_suffix(".ptflow")
            if self._exists(candidate):
                return ResolvedImport(FileKind.PTFLOW, os.path.normpath(str(candidate)))
            return ResolvedImport(FileKind.MISSING, str(candidate), f"no file `{candidate}`")
        candidate = Path(target) if os.path.isabs(target) else base / target
        candidate_text = os.path.normpath(str(candidate))
        if not self._exists(candidate):
            return ResolvedImport(FileKind.MISSING, candidate_text, f"no file `{candidate_text}`")
        if candidate.suffix in (".yaml", ".yml", ".json"):
            return ResolvedImport(FileKind.YAML, candidate_text)
        if candidate.suffix == ".ptflow":
            return ResolvedImport(FileKind.PTFLOW, candidate_text)
        return ResolvedImport(
            FileKind.MISSING, candidate_text, "imports must name a .ptflow file or a KFP component .yaml file"
        )

    def _exists(self, path: Path) -> bool:
        return os.path.normpath(str(path)) in self.overlays or path.is_file()
