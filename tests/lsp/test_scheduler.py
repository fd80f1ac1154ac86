"""Debounced checks in the worker thread: rapid edits coalesce, only the newest text is published.

The checks are real (`Analyzer.analyze` on real texts); the "editor" is a dict of document texts.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ptflow.lsp.analysis import Analysis, Analyzer, Snapshot
from ptflow.lsp.scheduler import CheckScheduler

SMALL = """\
component say(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}
pipeline p() {
    s = say(msg: "v0")
}
"""


def large() -> str:
    """A pipeline big enough that its check takes a while (a few hundred steps)."""
    steps = "".join(f'    s{i} = say(msg: "step {i}")\n' for i in range(600))
    return SMALL.replace('    s = say(msg: "v0")\n', steps)


class Editor:
    """Documents as an editor holds them, and what the scheduler reported back."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.texts: dict[str, tuple[int, str]] = {}
        self.checked: list[tuple[int, bool]] = []  # (version, was it the newest)
        self.analyzer = Analyzer()
        self.analyzed: list[int] = []

    def edit(self, uri: str, text: str) -> None:
        version = self.texts.get(uri, (0, ""))[0] + 1
        self.texts[uri] = (version, text)

    def snapshot(self, uri: str) -> Snapshot | None:
        if uri not in self.texts:
            return None
        version, text = self.texts[uri]
        return Snapshot(uri, str(self.folder / uri), version, text)

    def analyze(self, snapshot: Snapshot) -> Analysis:
        self.analyzed.append(snapshot.version)
        return self.analyzer.analyze(snapshot)

    def finished(self, analysis: Analysis, is_newest: bool) -> None:
        self.checked.append((analysis.version, is_newest))


def scheduler_for(editor: Editor, executor, delay: float = 0.01) -> CheckScheduler:
    return CheckScheduler(executor, editor.snapshot, editor.analyze, editor.finished, delay)


async def test_a_burst_of_edits_is_checked_once(tmp_path):
    editor = Editor(tmp_path)
    with ThreadPoolExecutor(1) as executor:
        scheduler = scheduler_for(editor, executor)
        for i in range(10):
            editor.edit("a.ptflow", SMALL.replace("v0", f"v{i}"))
            scheduler.schedule("a.ptflow")
        analysis = await asyncio.wait_for(scheduler.newest("a.ptflow"), 30)
    assert editor.analyzed == [10]
    assert analysis.version == 10 and 'msg: "v9"' in analysis.text
    assert editor.checked == [(10, True)]


async def test_edits_during_a_check_lead_to_one_more_check_of_the_newest_text(tmp_path):
    editor = Editor(tmp_path)
    with ThreadPoolExecutor(1) as executor:
        scheduler = scheduler_for(editor, executor, delay=0)
        editor.edit("a.ptflow", large())
        scheduler.schedule("a.ptflow")
        while not editor.analyzed:  # the first check has started
            await asyncio.sleep(0.001)
        for i in range(5):
            editor.edit("a.ptflow", large().replace("step 1", f"edit {i}"))
            scheduler.schedule("a.ptflow")
            await asyncio.sleep(0)
        analysis = await asyncio.wait_for(scheduler.newest("a.ptflow"), 60)
    assert editor.analyzed == [1, 6]
    assert editor.checked == [(1, False), (6, True)]  # the stale check is kept, not published
    assert "edit 4" in analysis.text


async def test_newest_checks_now_without_waiting_for_the_delay(tmp_path):
    editor = Editor(tmp_path)
    with ThreadPoolExecutor(1) as executor:
        scheduler = scheduler_for(editor, executor, delay=60)
        editor.edit("a.ptflow", SMALL)
        scheduler.schedule("a.ptflow")
        analysis = await asyncio.wait_for(scheduler.newest("a.ptflow"), 30)
    assert analysis.version == 1 and editor.analyzed == [1]


async def test_a_closed_document_is_not_checked_and_its_waiters_are_released(tmp_path):
    editor = Editor(tmp_path)
    with ThreadPoolExecutor(1) as executor:
        scheduler = scheduler_for(editor, executor, delay=0.05)
        editor.edit("a.ptflow", SMALL)
        scheduler.schedule("a.ptflow")
        scheduler.forget("a.ptflow")
        del editor.texts["a.ptflow"]
        await asyncio.sleep(0.1)
        assert await asyncio.wait_for(scheduler.newest("a.ptflow"), 5) is None
    assert editor.analyzed == []
