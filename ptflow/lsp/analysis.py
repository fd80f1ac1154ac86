"""Checking one open document: the compiler's check, its lint rules, and the index.

An `Analyzer` lives as long as the server and owns the one `ModuleLoader`,
whose cache of parses (keyed by text) is why an edit re-parses only the file
that changed, and within it only the top-level declarations the edit touched
(`compiler/incremental_parser.py`); its `CheckReuse` is why the check then
re-checks only those declarations and the pipelines that call what changed
(`compiler/recheck.py`).  Everything here runs in the server's check thread; the
`Analysis` it returns is never changed afterwards, so request handlers read
it from the event loop without locks, except for its index, which is built
on first use: diagnostics don't need it, so an edit's diagnostics are
published without waiting for it (the server builds it in the check thread
once typing pauses, or the first request that needs it does).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from ptflow.compiler.api import CheckResult, check_file, garbage_collection_paused
from ptflow.compiler.checker import ModuleScope
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics
from ptflow.compiler.index import FileIndex, build_index, imported_scopes
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.recheck import CheckReuse
from ptflow.lsp.scheduler import Snapshot

logger = logging.getLogger(__name__)


@dataclass
class Analysis:
    """What the server knows about one document at one version."""

    snapshot: Snapshot
    result: CheckResult
    diagnostics: list[Diagnostic]  # the check's and the lint rules', as `ptflow check` reports them
    imports: list[ModuleScope] = field(default_factory=list)  # every module it imports, directly or not
    seconds: float = 0.0
    _index: FileIndex | None = field(default=None, init=False, repr=False)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def index(self) -> FileIndex:
        """Every definition and use in the document, built once, by whichever thread asks first."""
        with self._index_lock:
            if self._index is None:
                with garbage_collection_paused():
                    scope = self.result.scope
                    self._index = build_index(scope) if scope is not None else FileIndex(self.path)
            return self._index

    @property
    def uri(self) -> str:
        return self.snapshot.uri

    @property
    def path(self) -> str:
        return self.snapshot.path

    @property
    def version(self) -> int | None:
        return self.snapshot.version

    @property
    def text(self) -> str:
        return self.snapshot.text

    @property
    def scope(self) -> ModuleScope | None:
        return self.result.scope

    def depends_on(self, path: str) -> bool:
        """True if the document imports the file `path`, directly or not."""
        key = _key(path)
        return any(_key(scope.path) == key for scope in self.imports)


class Analyzer:
    def __init__(self) -> None:
        self.loader = ModuleLoader(incremental=True)
        self.reuse = CheckReuse()  # each document's declarations' checks, for the next edit (check thread only)
        self._indexes: dict[str, tuple[str, FileIndex]] = {}
        self._lock = threading.Lock()

    def set_text(self, path: str, text: str | None) -> None:
        """An open document's newest text (None when it closes and the file on disk counts again)."""
        self.loader.set_overlay(path, text)
        if text is None:
            self.reuse.forget(path)

    def analyze(self, snapshot: Snapshot) -> Analysis:
        started = time.perf_counter()
        # The collector's full scans of the many small objects a check keeps alive cost more than the
        # lint rules and the index together (see benchmarks/lsp_latency.py --breakdown).
        with garbage_collection_paused():
            result = check_file(snapshot.path, snapshot.text, loader=self.loader, reuse=self.reuse)
            diagnostics = with_lint_findings(result)
            imports = imported_scopes(result.scope) if result.scope is not None else []
        return Analysis(snapshot, result, diagnostics, imports, time.perf_counter() - started)

    def index_of(self, scope: ModuleScope) -> FileIndex:
        """The index of an imported module, built once per text of the file."""
        digest = scope.source.digest if scope.source is not None else ""
        key = _key(scope.path)
        with self._lock:
            cached = self._indexes.get(key)
            if cached is not None and cached[0] == digest:
                return cached[1]
        index = build_index(scope)
        with self._lock:
            self._indexes[key] = (digest, index)
        return index

    def text_of(self, path: str) -> str | None:
        """A file's newest text: the open document's, else the file on disk."""
        try:
            return self.loader.read_text(path)
        except (OSError, UnicodeDecodeError):
            return None


def with_lint_findings(result: CheckResult) -> list[Diagnostic]:
    """Everything `ptflow check` reports for the file: the check's diagnostics and the lint rules' findings,
    with the files' `# ptflow: ignore[...]` comments and `[tool.ptflow]` in pyproject.toml applied, and
    the mistakes in that table (which are about pyproject.toml, so they are published for it).

    Without the lint rules installed, the check's diagnostics are all there is.
    """
    try:
        from ptflow.compiler.lint import apply_config, check_diagnostics, load_config
    except ImportError:
        return list(result.diagnostics)
    try:
        config, problems = load_config(result.path)
        return merge_diagnostics(check_diagnostics(result, None, config), apply_config(problems, config))
    except Exception:  # a broken rule must not take the editor's diagnostics with it
        logger.exception("lint rules failed on %s", result.path)
        return list(result.diagnostics)


def merge_diagnostics(first: list[Diagnostic], second: list[Diagnostic]) -> list[Diagnostic]:
    """Both lists, each fact once, in `ptflow check`'s order."""
    merged = Diagnostics()
    merged.extend(first)
    merged.extend(second)
    return merged.sorted()


def _key(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))
