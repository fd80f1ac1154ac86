"""When documents are checked: debounced, one check at a time, in a worker thread.

Typing sends a `didChange` per keystroke.  Each one (re)starts a short timer
for its document; when the timer fires the check starts in the worker
thread, so the event loop keeps answering completion and hover meanwhile.
Edits that arrive while a document is being checked are coalesced: when the
check ends, one more check runs on the newest text.  Only a check of the
document's newest version is published, so diagnostics never point into text
that is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the compiler is imported once the server has answered `initialize`, not before
    from ptflow.lsp.analysis import Analysis

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """The text of an open document at one version, taken on the event loop."""

    uri: str
    path: str
    version: int | None
    text: str


class CheckScheduler:
    def __init__(
        self,
        executor: Executor,
        snapshot: Callable[[str], Snapshot | None],
        analyze: Callable[[Snapshot], Analysis],
        finished: Callable[[Analysis, bool], None],
        delay: float,
    ):
        """
        snapshot(uri): the document's newest text, or None once it is closed (called on the event loop).
        analyze(snapshot): the check itself (called in the worker thread).
        finished(analysis, is_newest): called on the event loop with every check that ends.
        """
        self.executor = executor
        self.snapshot = snapshot
        self.analyze = analyze
        self.finished = finished
        self.delay = delay
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._running: dict[str, asyncio.Future] = {}
        self._again: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future]] = {}

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Check `uri` once edits to it have paused for `delay` seconds."""
        loop = asyncio.get_running_loop()
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._timers[uri] = loop.call_later(self.delay if delay is None else delay, self._start, uri)

    async def newest(self, uri: str) -> Analysis | None:
        """The check of the document's newest text, starting it now if it isn't under way."""
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.setdefault(uri, []).append(waiter)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if uri not in self._running:
            self._start(uri)
        return await waiter

    def forget(self, uri: str) -> None:
        """Stop checking a document that was closed."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self._again.discard(uri)
        for waiter in self._waiters.pop(uri, []):
            if not waiter.done():
                waiter.set_result(None)

    def _start(self, uri: str) -> None:
        self._timers.pop(uri, None)
        if uri in self._running:
            self._again.add(uri)
            return
        snapshot = self.snapshot(uri)
        if snapshot is None:
            self.forget(uri)
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, self.analyze, snapshot)
        self._running[uri] = future
        future.add_done_callback(lambda done: self._done(uri, snapshot, done))

    def _done(self, uri: str, snapshot: Snapshot, future: asyncio.Future) -> None:
        self._running.pop(uri, None)
        analysis = None
        if future.cancelled():
            return
        if future.exception() is not None:
            logger.error("checking %s failed", uri, exc_info=future.exception())
        else:
            analysis = future.result()
        current = self.snapshot(uri)
        is_newest = current is not None and current.version == snapshot.version and current.text == snapshot.text
        if analysis is not None:
            self.finished(analysis, is_newest)
        if is_newest:
            for waiter in self._waiters.pop(uri, []):
                if not waiter.done():
                    waiter.set_result(analysis)
        if uri in self._again or (current is not None and not is_newest and uri in self._waiters):
            self._again.discard(uri)
            self._start(uri)
