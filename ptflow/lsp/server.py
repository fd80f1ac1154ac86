"""The ptflow language server: LSP over stdio with pygls.

Checking happens in `Analyzer` (the compiler's check, lint rules, index) in
one worker thread, scheduled by `CheckScheduler`; this module holds the
server's state (open documents, their newest analyses, diagnostics published
for imported files) and turns requests into calls of the other `ptflow.lsp`
modules, converting positions only here, at the protocol boundary.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, BinaryIO, cast

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path, uri_scheme

from ptflow import __version__
from ptflow.compiler.source import Span
from ptflow.lsp import capabilities
from ptflow.lsp.explain import ExplainLinks
from ptflow.lsp.handshake import Handshake, Replay
from ptflow.lsp.positions import PositionMap, encoding_name
from ptflow.lsp.protocol import AnsweringProtocol
from ptflow.lsp.scheduler import CheckScheduler, Snapshot

if TYPE_CHECKING:
    from ptflow.compiler.diagnostics import Diagnostic
    from ptflow.lsp.analysis import Analysis, Analyzer

# What answering `initialize` doesn't need: the compiler (lark, networkx, the checker) and the features
# built on it.  Imported in the check thread once the client has the answer (see `warm_up`), or by the
# first request that needs them, whichever comes first; `initialize` waits only for pygls.
COMPILER_MODULES = (
    "ptflow.lsp.analysis",
    "ptflow.lsp.diagnostics",
    "ptflow.lsp.fixes",
    "ptflow.lsp.navigation",
    "ptflow.lsp.hover",
    "ptflow.lsp.symbols",
    "ptflow.lsp.formatting",
    "ptflow.compiler.completion",
    "ptflow.compiler.cursor",
    "ptflow.compiler.lint",
)

logger = logging.getLogger(__name__)

# How long edits must pause before a check starts.  Short: edits that arrive
# while a check runs are coalesced anyway (see scheduler.py), so the delay only
# has to gather the burst of messages one keystroke or paste sends.
DEFAULT_CHECK_DELAY_S = 0.005
# How long edits must pause before the editor index of the newest check is built.  Longer than the pause
# between keystrokes while typing, so that building it never delays the next keystroke's check.
INDEX_IDLE_S = 0.3
REQUEST_FAILED = -32803  # LSP's ErrorCodes.RequestFailed


@dataclass(frozen=True)
class Cursor:
    """A position request's document analysis, its position map, and the position as the compiler counts."""

    analysis: Analysis
    positions: PositionMap
    line: int  # 1-based
    column: int  # 1-based, in characters


class PtflowLanguageServer(LanguageServer):
    protocol: AnsweringProtocol

    def __init__(self, check_delay: float = DEFAULT_CHECK_DELAY_S):
        super().__init__(
            capabilities.SERVER_NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind(capabilities.INCREMENTAL_SYNC),
            protocol_cls=AnsweringProtocol,
        )
        self.analyses: dict[str, Analysis] = {}
        self.check_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ptflow-check")
        self.scheduler = CheckScheduler(
            self.check_executor,
            self.snapshot,
            lambda snapshot: self.analyzer.analyze(snapshot, self.check_executor),
            self.checked,
            check_delay,
        )
        self._analyzer_lock = threading.Lock()
        self.links = ExplainLinks()
        self.paths: dict[str, str] = {}  # open document uri -> the path the compiler sees
        self._uris: dict[str, str] = {}  # normalized path of an open document -> its uri
        # Diagnostics of files that are not open, found while checking the open files that import them:
        # file uri -> importer uri -> diagnostics.
        # what each importer's check said about another (closed) file: uri -> importer uri -> diagnostics
        self.imported_diagnostics: dict[str, dict[str, list[Diagnostic]]] = {}
        self._published: dict[str, list[types.Diagnostic]] = {}
        self._versions: dict[str, int | None] = {}  # the newest version of each open document
        self._index_builds: dict[str, asyncio.TimerHandle] = {}  # uri -> its index build, once typing pauses

    @cached_property
    def analyzer(self) -> Analyzer:
        """The checker of documents, made on first use (the event loop and the check thread may both ask)."""
        with self._analyzer_lock:
            if "analyzer" in self.__dict__:
                return self.__dict__["analyzer"]
            from ptflow.lsp.analysis import Analyzer

            return Analyzer()

    def warm_up(self) -> None:
        """Import what checking and the requests need, in the check thread, after `initialize` was answered:
        the first document's check then doesn't wait for it, and the event loop keeps answering."""
        for name in COMPILER_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # the lint rules are optional; anything else shows up at its first use
                logger.debug("could not import %s ahead of use", name, exc_info=True)
        self.analyzer  # noqa: B018 (made now, off the event loop)
        from ptflow.compiler.parser import get_parser

        get_parser()  # the grammar's tables, built now so that they are frozen below
        # What is loaded by now lives as long as the server.  Each edit's check leaves many objects behind,
        # and the collector's full scans they set off walked all of these again each time (about half of
        # its time per edit on a 2,000-line file, benchmarks/lsp_latency.py); frozen, they are left out.
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------ documents
    @property
    def encoding(self) -> str:
        return encoding_name(self.workspace.position_encoding)

    def open(self, uri: str) -> None:
        path = self.path_of(uri)
        self.paths[uri] = path
        self._uris[os.path.normpath(path)] = uri
        self.edited(uri)

    def edited(self, uri: str) -> None:
        """A document's text changed: check it, and the open documents that import it."""
        path = self.paths[uri]
        self._versions[uri] = self.workspace.get_text_document(uri).version
        self._cancel_index_build(uri)
        self.analyzer.set_text(path, self.workspace.get_text_document(uri).source)
        self.scheduler.schedule(uri)
        for other, analysis in self.analyses.items():
            if other != uri and other in self.paths and analysis.depends_on(path):
                self.scheduler.schedule(other)

    def close(self, uri: str) -> None:
        path = self.paths.pop(uri, None)
        self.analyses.pop(uri, None)
        self._versions.pop(uri, None)
        self._cancel_index_build(uri)
        self.scheduler.forget(uri)
        if path is None:
            return
        self._uris.pop(os.path.normpath(path), None)
        self.analyzer.set_text(path, None)
        self._publish(uri, [], None)
        self._drop_imported_from(uri)
        for other, analysis in self.analyses.items():
            if analysis.depends_on(path):
                self.scheduler.schedule(other)

    def snapshot(self, uri: str) -> Snapshot | None:
        if uri not in self.paths:
            return None
        document = self.workspace.get_text_document(uri)
        return Snapshot(uri, self.paths[uri], document.version, document.source)

    def path_of(self, uri: str) -> str:
        """The file path the compiler uses for a document (unsaved ones get one in the workspace folder)."""
        if uri_scheme(uri) == "file":
            path = to_fs_path(uri)
            if path:
                return os.path.abspath(path)
        name = uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "untitled"
        root = (to_fs_path(self.workspace.root_uri) if self.workspace.root_uri else None) or os.getcwd()
        return os.path.join(root, name if name.endswith(".ptflow") else name + ".ptflow")

    def uri_of(self, path: str) -> str:
        return self._uris.get(os.path.normpath(path)) or from_fs_path(path) or path

    def positions(self, path: str) -> PositionMap:
        """Positions in a file's newest text (an open document's, or the file on disk)."""
        uri = self._uris.get(os.path.normpath(path))
        if uri is not None:
            return PositionMap(self.workspace.get_text_document(uri).source, self.encoding)
        return PositionMap(self.analyzer.text_of(path) or "", self.encoding)

    def location(self, span: Span | None, path: str | None = None) -> types.Location:
        return self.locator()(span, path)

    def locator(self):
        """A `location(span, path=None)` function that reads each file's text once (for one answer)."""
        maps: dict[str, PositionMap] = {}

        def location(span: Span | None, path: str | None = None) -> types.Location:
            file = span.file if span is not None else path
            if file not in maps:
                maps[file] = self.positions(file)
            return types.Location(self.uri_of(file), maps[file].range(span))

        return location

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's text as it is now (checking it first if it changed)."""
        analysis = self.analyses.get(uri)
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return None
        if analysis is not None and analysis.version == snapshot.version and analysis.text == snapshot.text:
            return analysis
        return await self.scheduler.newest(uri)

    async def at_position(self, params: types.TextDocumentPositionParams) -> Cursor | None:
        """The document's current analysis and the request's position in the compiler's terms, or None
        when the document is not open: what every position request (hover, definition, ...) starts with."""
        analysis = await self.current(params.text_document.uri)
        if analysis is None:
            return None
        positions = PositionMap(analysis.text, self.encoding)
        line, column = positions.compiler_position(params.position)
        return Cursor(analysis, positions, line, column)

    async def any_analysis(self, uri: str) -> Analysis | None:
        """The newest analysis there is, even of a slightly older text (what completion needs)."""
        analysis = self.analyses.get(uri)
        if analysis is not None and analysis.checked.scope is not None:  # (a provisional one will do)
            return analysis
        return await self.scheduler.newest(uri)

    def indexes(self, analysis: Analysis) -> list:
        """The indexes references and renames look through: every open document's and what they import."""
        indexes = {os.path.normpath(analysis.path): analysis.index}
        for other in self.analyses.values():
            indexes.setdefault(os.path.normpath(other.path), other.index)
        for other in [analysis, *self.analyses.values()]:
            for scope in other.imports:
                key = os.path.normpath(scope.path)
                if key not in indexes:
                    indexes[key] = self.analyzer.index_of(scope)
        return list(indexes.values())

    # ---------------------------------------------------------- diagnostics
    def checked(self, analysis: Analysis, is_newest: bool) -> None:
        logger.debug(
            "checked %s (version %s) in %.1f ms%s",
            analysis.uri,
            analysis.version,
            analysis.seconds * 1000,
            "" if is_newest else "; a newer version is pending",
        )
        previous = self.analyses.get(analysis.uri)
        if analysis.uri not in self.paths:
            return
        if (
            previous is None
            or previous.version is None
            or analysis.version is None
            or analysis.version >= previous.version
        ):
            self.analyses[analysis.uri] = analysis
        if is_newest:
            self.publish(analysis)
            # The index (for hover, completion, ...) is not needed for diagnostics: it is built once typing
            # pauses, in the check thread, so that it never delays the check of the next keystroke (or by the
            # first request that needs it, if that comes first).
            self._cancel_index_build(analysis.uri)
            loop = asyncio.get_running_loop()
            self._index_builds[analysis.uri] = loop.call_later(INDEX_IDLE_S, self._build_index, analysis)

    def _build_index(self, analysis: Analysis) -> None:
        self._index_builds.pop(analysis.uri, None)
        if self.analyses.get(analysis.uri) is analysis and self._versions.get(analysis.uri) == analysis.version:
            # (lines and columns are what completion and hover read: a provisional analysis isn't checked again)
            self.check_executor.submit(lambda: analysis.line_view)

    def _cancel_index_build(self, uri: str) -> None:
        handle = self._index_builds.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def publish(self, analysis: Analysis) -> None:
        from ptflow.lsp.diagnostics import by_file, to_lsp

        groups = by_file(analysis.diagnostics, analysis.path)
        own = groups.pop(os.path.normpath(analysis.path), [])
        positions = PositionMap(analysis.text, self.encoding)
        locate = self.locator()
        self._publish(
            analysis.uri, [to_lsp(d, positions, locate, self.links) for d in own], analysis.version, always=True
        )
        touched = set()
        for path, diagnostics in groups.items():
            uri = self.uri_of(path)
            if uri in self.paths:
                continue  # an open document publishes its own
            self.imported_diagnostics.setdefault(uri, {})[analysis.uri] = diagnostics
            touched.add(uri)
        touched |= self._drop_imported_from(analysis.uri, keep=touched, publish=False)
        for uri in touched:
            self._publish_imported(uri)

    def _drop_imported_from(self, importer: str, keep: set[str] = frozenset(), publish: bool = True) -> set[str]:
        """Forget what `importer` said about other files (except `keep`); returns the files affected."""
        dropped = set()
        for uri, by_importer in self.imported_diagnostics.items():
            if uri not in keep and importer in by_importer:
                del by_importer[importer]
                dropped.add(uri)
        if publish:
            for uri in dropped:
                self._publish_imported(uri)
        return dropped

    def _publish_imported(self, uri: str) -> None:
        from ptflow.compiler.diagnostics import Diagnostics
        from ptflow.lsp.diagnostics import to_lsp

        merged = Diagnostics()  # two importers report the same fact about this file: said once
        for diagnostics in self.imported_diagnostics.get(uri, {}).values():
            merged.extend(diagnostics)
        if not merged:
            self.imported_diagnostics.pop(uri, None)
        if uri not in self.paths:  # an open document's diagnostics come from its own check
            positions, locate = self.positions(self.path_of(uri)), self.locator()
            self._publish(uri, [to_lsp(d, positions, locate, self.links) for d in merged.sorted()], None)

    def _publish(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None, always: bool = False
    ) -> None:
        if not always and self._published.get(uri) == diagnostics:
            return
        self._published[uri] = diagnostics
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diagnostics, version))

    def published(self, uri: str) -> list[types.Diagnostic]:
        return self._published.get(uri, [])


def refused(message: str) -> JsonRpcException:
    return JsonRpcException(message, code=REQUEST_FAILED)


# ------------------------------------------------------------------ features


def create_server(check_delay: float = DEFAULT_CHECK_DELAY_S) -> PtflowLanguageServer:
    server = PtflowLanguageServer(check_delay)

    @server.feature(types.INITIALIZED)
    def initialized(ls: PtflowLanguageServer, params: types.InitializedParams) -> None:
        ls.check_executor.submit(ls.warm_up)

    @server.feature(types.INITIALIZE)
    def initialize(ls: PtflowLanguageServer, params: types.InitializeParams) -> None:
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        if isinstance(options.get("diagnosticsDelayMs"), (int, float)):
            ls.scheduler.delay = max(0.0, options["diagnosticsDelayMs"] / 1000)
        if isinstance(options.get("explainUrl"), str):
            ls.links = ExplainLinks(options["explainUrl"])

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: PtflowLanguageServer, params) -> None:
        ls.check_executor.shutdown(wait=False, cancel_futures=True)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PtflowLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.open(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PtflowLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.paths:
            ls.edited(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PtflowLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: PtflowLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        # An imported file or pyproject.toml changed on disk: every open document may see it.
        for uri in ls.paths:
            ls.scheduler.schedule(uri)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=capabilities.COMPLETION_TRIGGER_CHARACTERS),
    )
    async def completion(ls: PtflowLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        analysis = await ls.any_analysis(uri)
        snapshot = ls.snapshot(uri)
        if analysis is None or snapshot is None:
            return None
        scope, index = analysis.line_view
        if scope is None:
            return None
        positions = PositionMap(snapshot.text, ls.encoding)
        line, column = positions.compiler_position(params.position)
        offset = positions.offset(params.position)
        before = snapshot.text[snapshot.text.rfind("\n", 0, offset) + 1 : offset]
        trigger = params.context.trigger_character if params.context is not None else None
        if trigger and not _trigger_applies(trigger, snapshot.text, offset, before):
            return types.CompletionList(is_incomplete=False, items=[])
        from ptflow.compiler.completion import complete
        from ptflow.lsp.completion import completion_list, typed_word

        found = complete(scope, index, snapshot.text, line, column)
        return completion_list(found, typed_word(before))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PtflowLanguageServer, params: types.HoverParams) -> types.Hover | None:
        from ptflow.lsp.hover import builtin_hover_at, hover_at, option_hover_at

        cursor = await ls.at_position(params)
        if cursor is None:
            return None
        found = hover_at(cursor.analysis.line_view[1], cursor.line, cursor.column)
        if found is not None:
            occurrence, markdown = found
            span = occurrence.span
        else:
            path = ls.paths.get(params.text_document.uri, "")
            option = option_hover_at(path, cursor.analysis.text, cursor.line, cursor.column) or builtin_hover_at(
                path, cursor.analysis.text, cursor.line, cursor.column
            )
            if option is None:
                return None
            span, markdown = option
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, markdown), cursor.positions.range(span))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: PtflowLanguageServer, params: types.DefinitionParams) -> list[types.Location] | None:
        cursor = await ls.at_position(params)
        if cursor is None:
            return None
        from ptflow.lsp import navigation

        places = navigation.definition_at(cursor.analysis, cursor.line, cursor.column)
        return [ls.location(place.span, place.path) for place in places] or None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: PtflowLanguageServer, params: types.ReferenceParams) -> list[types.Location] | None:
        cursor = await ls.at_position(params)
        if cursor is None:
            return None
        from ptflow.lsp import navigation

        spans = navigation.references_at(
            cursor.analysis,
            ls.indexes(cursor.analysis),
            cursor.line,
            cursor.column,
            include_declaration=params.context.include_declaration,
        )
        locate = ls.locator()
        return [locate(span) for span in spans] or None

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(
        ls: PtflowLanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | None:
        analysis = await ls.current(params.text_document.uri)
        if analysis is None or analysis.scope is None or analysis.scope.syntax_tree is None:
            return None
        from ptflow.lsp.symbols import document_symbols

        return document_symbols(analysis.scope.syntax_tree, analysis.index, PositionMap(analysis.text, ls.encoding))

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: PtflowLanguageServer, params: types.PrepareRenameParams) -> types.Range | None:
        cursor = await ls.at_position(params)
        if cursor is None:
            return None
        from ptflow.lsp import navigation

        try:
            occurrence = navigation.rename_target(cursor.analysis, cursor.line, cursor.column)
        except navigation.RenameRefused as error:
            raise refused(str(error)) from None
        return cursor.positions.range(occurrence.span)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: PtflowLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        cursor = await ls.at_position(params)
        if cursor is None:
            return None
        from ptflow.lsp import navigation

        try:
            edits = navigation.rename_edits(
                cursor.analysis, ls.indexes(cursor.analysis), cursor.line, cursor.column, params.new_name
            )
        except navigation.RenameRefused as error:
            raise refused(str(error)) from None
        changes = {}
        for path, spans in edits.items():
            file_positions = ls.positions(path)
            changes[ls.uri_of(path)] = [types.TextEdit(file_positions.range(span), params.new_name) for span in spans]
        return types.WorkspaceEdit(changes=changes)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind(k) for k in capabilities.CODE_ACTION_KINDS]),
    )
    def code_action(ls: PtflowLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        from ptflow.lsp.fixes import quick_fix, ranges_overlap

        if params.context.only and not any(_offers(kind) for kind in params.context.only):
            return None
        uri = params.text_document.uri
        diagnostics = list(params.context.diagnostics)
        if not any(quick_fix(uri, d) for d in diagnostics):
            # Some clients send the diagnostics without the `data` they were published with.
            diagnostics = [d for d in ls.published(uri) if ranges_overlap(d.range, params.range)]
        actions, seen = [], set()
        for diagnostic in diagnostics:
            action = quick_fix(uri, diagnostic)
            if action is not None and action.title not in seen:
                seen.add(action.title)
                actions.append(action)
        return actions or None

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(
        ls: PtflowLanguageServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit] | None:
        from ptflow.lsp.formatting import NotFormatted, format_edits

        snapshot = ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return None
        positions = PositionMap(snapshot.text, ls.encoding)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(ls.check_executor, format_edits, snapshot.text, snapshot.path, positions)
        except NotFormatted as error:
            ls.window_log_message(types.LogMessageParams(types.MessageType.Warning, str(error)))
            return None

    return server


def _offers(kind) -> bool:
    """Whether quick fixes are of the requested code action kind (`quickfix`, or a kind that contains it)."""
    requested = str(getattr(kind, "value", kind))
    quick = types.CodeActionKind.QuickFix.value
    return requested in ("", quick) or quick.startswith(requested + ".")


def _trigger_applies(trigger: str, text: str, offset: int, before: str) -> bool:
    """Whether a trigger character starts completion here (a `(` in a string or `,` in a list doesn't)."""
    stripped = before.lstrip()
    if trigger in ('"', "/"):
        return stripped.startswith("import")
    if trigger == ".":
        return True
    from ptflow.compiler.cursor import CursorPlace, cursor_context

    context = cursor_context(text, offset)
    return context.kind in (CursorPlace.CALL_NAME, CursorPlace.WITH_KEY, CursorPlace.AFTER)


def main(check_delay: float = DEFAULT_CHECK_DELAY_S, handshake: Handshake | None = None) -> None:
    """Serve over stdio; `handshake`: the session's start, when `ptflow lsp` read it before importing pygls."""
    server = create_server(check_delay)
    if handshake is None or handshake.initialize is None:
        server.start_io()
        return
    if handshake.answer is not None:
        server.protocol.answered_early[handshake.answered_id] = handshake.answer
    # pygls reads with readline() and read(n) only, which is all a Replay offers.
    server.start_io(stdin=cast("BinaryIO", Replay(handshake.initialize, sys.stdin.buffer)))
