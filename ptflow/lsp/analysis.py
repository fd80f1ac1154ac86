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

While typing moves the declarations below an edit along their lines (a
character typed or deleted, no line added or removed), the check keeps
those declarations as they were, with their checks, instead of building and
checking them again (`compiler/incremental_parser.py`'s `keep_moved`): their
lines and columns are right, their offsets are not.  Such an analysis is
*provisional*: its diagnostics are exact (their offsets are worked out again
from lines and columns, and the lint rules read offsets the same way), and
the first use of anything else (its check result, scope, index) checks the
text again in the check thread without keeping moves, and uses that; what
reads only lines and columns (completion, hover, the index built once typing
pauses) takes its `line_view` instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from ptflow.compiler.api import CheckResult, check_file, garbage_collection_paused
from ptflow.compiler.checker import ModuleScope
from ptflow.compiler.diagnostics import Diagnostic, Diagnostics
from ptflow.compiler.index import FileIndex, build_index, imported_scopes
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.recheck import CheckReuse, with_offsets_of
from ptflow.compiler.source import SourceText
from ptflow.lsp.scheduler import Snapshot

logger = logging.getLogger(__name__)


@dataclass
class Analysis:
    """What the server knows about one document at one version."""

    snapshot: Snapshot
    checked: CheckResult  # the check's result; a provisional one's tree has moved declarations' old offsets
    diagnostics: list[Diagnostic]  # the check's and the lint rules', as `ptflow check` reports them
    imports: list[ModuleScope] = field(default_factory=list)  # every module it imports, directly or not
    seconds: float = 0.0
    # A provisional analysis's (see the top): its check again, exactly; it runs in the check thread, which
    # `check_thread` names, through `check_executor`.
    exact_check: Callable[[], CheckResult] | None = None
    check_executor: Executor | None = None
    check_thread: int | None = None
    _exact_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _index: FileIndex | None = field(default=None, init=False, repr=False)
    _line_index: FileIndex | None = field(default=None, init=False, repr=False)  # a provisional's (line_view)
    _index_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def provisional(self) -> bool:
        return self.exact_check is not None

    @property
    def result(self) -> CheckResult:
        """The check's result, with every offset in its tree right (checked again first if provisional).

        No lock is held while waiting for the check thread, which may itself be asking (the index build)."""
        while True:
            with self._exact_lock:
                if self.exact_check is None:
                    return self.checked
            if threading.get_ident() == self.check_thread or self.check_executor is None:
                self._check_exactly()
            else:
                self.check_executor.submit(self._check_exactly).result()

    def _check_exactly(self) -> None:
        """(In the check thread.)"""
        with self._exact_lock:
            check = self.exact_check
        if check is None:
            return  # done by an earlier ask
        result = check()
        with self._exact_lock:
            self.checked = result
            self.exact_check = None

    @property
    def line_view(self) -> tuple[ModuleScope | None, FileIndex]:
        """The scope and an index of it whose names, types, docs, lines and columns are right, offsets maybe not:
        all that completion and hover read.  A provisional analysis's lines and columns are right, so they take
        its own, without checking the text again (which would make a completion right after a keystroke, or
        the index built once typing pauses, wait for a whole check: the next keystroke would wait for it)."""
        with self._exact_lock:
            if self.exact_check is None:
                provisional = None
            else:
                provisional = self.checked
        if provisional is None:
            return self.scope, self.index
        with self._index_lock:
            if self._line_index is None:
                with garbage_collection_paused():
                    scope = provisional.scope
                    self._line_index = build_index(scope) if scope is not None else FileIndex(self.path)
            return provisional.scope, self._line_index

    @property
    def index(self) -> FileIndex:
        """Every definition and use in the document, built once, by whichever thread asks first."""
        result = self.result
        with self._index_lock:
            if self._index is None:
                with garbage_collection_paused():
                    scope = result.scope
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

    def analyze(self, snapshot: Snapshot, check_executor: Executor | None = None) -> Analysis:
        """Check the document (in the check thread).  With `check_executor` (the check thread's), declarations
        that typing only moved are kept as they were, and the analysis is provisional if any were (see the
        top); without it, the analysis is exact."""
        started = time.perf_counter()
        parser = self.loader.incremental_parser
        key = os.path.normpath(snapshot.path)
        keep_moved = check_executor is not None and parser is not None
        # The collector's full scans of the many small objects a check keeps alive cost more than the
        # lint rules and the index together (see benchmarks/lsp_latency.py --breakdown).
        with garbage_collection_paused():
            result = self._check(snapshot, keep_moved)
            diagnostics = with_lint_findings(result)
            imports = imported_scopes(result.scope) if result.scope is not None else []
        analysis = Analysis(snapshot, result, diagnostics, imports)
        if parser is not None and key in parser.moved_kept:
            analysis.diagnostics = with_offsets_of(diagnostics, SourceText(snapshot.path, snapshot.text))
            analysis.exact_check = lambda: self._check_again(snapshot)
            analysis.check_executor = check_executor
            analysis.check_thread = threading.get_ident()
        analysis.seconds = time.perf_counter() - started
        return analysis

    def _check_again(self, snapshot: Snapshot) -> CheckResult:
        """A provisional analysis's check again, exactly (in the check thread, maybe after newer edits): the
        document's newest text stays what the documents that import it see."""
        key = os.path.normpath(snapshot.path)
        newest = self.loader.overlays.get(key)
        try:
            return self._check(snapshot, keep_moved=False)
        finally:
            if newest is not None:
                self.loader.set_overlay(snapshot.path, newest)

    def _check(self, snapshot: Snapshot, keep_moved: bool) -> CheckResult:
        """The check of the snapshot's text (in the check thread); `keep_moved`: keep the declarations of the
        document that typing only moved.  Every other parse that kept moved declarations (this document's
        last one, or another open document's) is dropped first, so that the check parses it again."""
        parser = self.loader.incremental_parser
        key = os.path.normpath(snapshot.path)
        if parser is None:
            return check_file(snapshot.path, snapshot.text, loader=self.loader, reuse=self.reuse)
        for path in list(parser.moved_kept):
            if not (keep_moved and path == key):
                self.loader.forget(path)
                parser.moved_kept.discard(path)
        if keep_moved:
            parser.keep_moved.add(key)
        try:
            with garbage_collection_paused():
                return check_file(snapshot.path, snapshot.text, loader=self.loader, reuse=self.reuse)
        finally:
            parser.keep_moved.discard(key)

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
