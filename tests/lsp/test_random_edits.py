"""Seeded random keystrokes inside one pipeline, through the language server's analyzer as the server runs it
(incremental parse by statements, typing that only moves text kept, each untouched step's resolution taken
from the last build): after each, the published diagnostics are exactly a fresh whole check's.

Most edits keep the program valid (a digit of a number, an output read from another step, an option's
value), so the builds take many steps' resolutions from the last one; some break it (a space inside a
name, a newline, a step renamed away from its readers) or put the text back as it was.
"""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ptflow.compiler.api import check_file
from ptflow.compiler.modules import ModuleLoader
from ptflow.lsp.analysis import Analyzer, with_lint_findings
from ptflow.lsp.scheduler import Snapshot
from tests.compiler.test_step_reuse import PROGRAM


def keystroke(text: str, chooser: random.Random) -> str:
    kind = chooser.choice(["digit", "digit", "output", "output", "option", "space", "newline", "rename", "back"])
    if kind == "digit":  # a digit of a number written after `name: `
        at = chooser.choice([m.start() for m in re.finditer(r"(?<=: )\d", text)])
        return text[:at] + str(chooser.randrange(1, 10)) + text[at + 1 :]
    if kind == "output":  # another step's output of the same type
        found = list(re.finditer(r"\b(first|second|risky)\.y\b", text))
        if not found:
            return text
        match = chooser.choice(found)
        return text[: match.start(1)] + chooser.choice(["first", "second", "risky"]) + text[match.end(1) :]
    if kind == "option":
        return text.replace('memory: "1Gi"', 'memory: "2Gi"') if chooser.random() < 0.5 else text.replace("2Gi", "1Gi")
    if kind == "space":
        at = chooser.randrange(len(text))
        return text[:at] + " " + text[at:]
    if kind == "newline":
        at = chooser.choice([m.end() for m in re.finditer(r"\n", text)])
        return text[:at] + "\n" + text[at:]
    if kind == "rename":
        return text.replace("second = ", "secund = ") if "second = " in text else text.replace("secund", "second")
    return PROGRAM


def test_random_keystrokes_in_a_pipeline_publish_a_fresh_checks_diagnostics(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    analyzer = Analyzer()
    chooser = random.Random(16)
    text = PROGRAM
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-check") as check_thread:

        def analyze(version: int):
            analyzer.set_text(path, text)
            snapshot = Snapshot("file://" + path, path, version, text)
            return check_thread.submit(analyzer.analyze, snapshot, check_thread).result()

        analyze(1)
        for version in range(2, 122):
            text = keystroke(text, chooser)
            analysis = analyze(version)
            fresh = with_lint_findings(check_file(path, text, loader=ModuleLoader()))
            assert repr(analysis.diagnostics) == repr(fresh), (version, text)
            if chooser.random() < 0.1:
                assert repr(analysis.result.diagnostics) == repr(check_file(path, text).diagnostics), version
