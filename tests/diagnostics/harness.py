"""Make a diagnostic happen from a real input, and read back what a user would see.

A case's input marks the text the diagnostic must underline with ⟦ and ⟧:

    ptflow('''
    pipeline p() {
        s = ⟦sya⟧(msg: "hi")
    }''')

The markers are removed before the input is used; the expected line, column,
end line and end column are where they were.  An input without markers expects
a diagnostic without a span (a command-line value, a run that failed).

Kinds of input: a .ptflow file (`ptflow`, checked with the lint rules, or
compiled for a target with `compiled`), a KFP v2 IR or Argo Workflow YAML file
(`ir`, `argo`: the file ptflow compiles from BASE, with one edit), a
pyproject.toml (`pyproject`), and the real `ptflow` command line (`cli`), whose
`error[CODE]: message` lines are read from stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ptflow.compiler.source import SourceText

OPEN, CLOSE = "⟦", "⟧"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Seen:
    """One diagnostic as a user reads it: code, place (None without a span), message, hint, fix."""

    code: str
    place: tuple[str, int, int, int, int] | None  # file name, line, column, end line, end column
    message: str
    hint: str | None = None
    fix: str | None = None  # the replacement text


@dataclass(frozen=True)
class Case:
    """How to make a code fire, and what must then be seen."""

    produce: Callable[[Path], list[Seen]]
    file: str | None  # the file the markers are in
    text: str | EditedDocument  # the input with markers
    message: str  # must be part of the message
    hint: str | None = None  # must be part of the hint, when given
    fix: str | None = None  # the fix's replacement, when one is expected

    def expected_place(self) -> tuple[str, int, int, int, int] | None:
        text = case_text(self)
        if OPEN not in text:
            return None
        start = text.index(OPEN)
        end = text.index(CLOSE) - len(OPEN)
        source = SourceText(self.file, unmark(text))
        span = source.span(start, end)
        return (self.file, span.line, span.column, span.end_line, span.end_column)


def unmark(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def _seen(diagnostics) -> list[Seen]:
    out = []
    for d in diagnostics:
        place = None
        if d.span is not None:
            place = (os.path.basename(d.span.file), d.span.line, d.span.column, d.span.end_line, d.span.end_column)
        out.append(Seen(d.code, place, d.message, d.hint, d.fix.replacement if d.fix else None))
    return out


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unmark(text))


# ----------------------------------------------------------------- .ptflow


def ptflow(
    source: str,
    message: str,
    *,
    hint: str | None = None,
    fix: str | None = None,
    files: dict[str, str] | None = None,
    marked: str = "main.ptflow",
) -> Case:
    """`ptflow check main.ptflow` (with the lint rules) on `source`; `marked` names the file with the markers."""
    source = textwrap.dedent(source).lstrip("\n")
    files = {name: textwrap.dedent(text).lstrip("\n") for name, text in (files or {}).items()}

    def produce(tmp_path: Path) -> list[Seen]:
        from ptflow.compiler.api import check_file
        from ptflow.compiler.lint import check_diagnostics

        _write(tmp_path, {"main.ptflow": source, **files})
        result = check_file(str(tmp_path / "main.ptflow"))
        return _seen(check_diagnostics(result))

    text = source if marked == "main.ptflow" else files[marked]
    return Case(produce, marked, text, message, hint, fix)


def compiled(source: str, target: str, message: str, *, hint: str | None = None) -> Case:
    """`ptflow compile --target TARGET` of `source`."""
    source = textwrap.dedent(source).lstrip("\n")

    def produce(tmp_path: Path) -> list[Seen]:
        from ptflow.compiler.api import compile_file

        _write(tmp_path, {"main.ptflow": source})
        return _seen(compile_file(str(tmp_path / "main.ptflow"), target=target).diagnostics)

    return Case(produce, "main.ptflow", source, message, hint)


# -------------------------------------------------------- compiled documents

BASE = """\
component make(rows: int = 10) -> (data: Dataset, count: int) {
    image = "alpine"
    command = ["make", rows, data.path, count.path]
}
component show(data: Dataset, n: int) {
    image = "alpine"
    command = ["show", data.path, n]
}
pipeline base(rows: int = 5) {
    m = make(rows: rows)
    s = show(data: m.data, n: m.count)
}
"""
_compiled: dict[str, str] = {}


def compiled_base(target: str) -> str:
    """BASE compiled by ptflow for `target`: a valid document each case edits once."""
    if target not in _compiled:
        from ptflow.compiler.api import compile_file
        from ptflow.compiler.yaml_writer import dump_all

        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "base.ptflow"
            path.write_text(BASE)
            result = compile_file(str(path), target=target)
            assert result.ok, result.diagnostics
            _compiled[target] = dump_all(result.documents)
    return _compiled[target]


def _edited(target: str, old, new) -> str:
    """The compiled document with `old` replaced by `new` (the first time); tuples for several edits."""
    text = compiled_base(target)
    for before, after in zip(*((old, new) if isinstance(old, tuple) else ((old,), (new,)))):
        assert before in text, f"{before!r} is not in the compiled {target} document"
        text = text.replace(before, after, 1)
    return text


def _validate_yaml(name: str, marked: str, tmp_path: Path, without: tuple[str, ...] = ()) -> list[Seen]:
    """`ptflow validate FILE --format json`: the real command, as a user runs it."""
    (tmp_path / name).write_text(unmark(marked))
    result = cli_run(["validate", name, "--format", "json"], tmp_path, without=without)
    return [
        Seen(
            d["code"],
            (os.path.basename(d["file"]), d["line"], d["column"], d["end_line"], d["end_column"])
            if d.get("line")
            else None,
            d["message"],
            d.get("hint"),
            (d.get("fix") or {}).get("replacement"),
        )
        for d in json.loads(result.stdout)
    ]


def ir(old: str, new: str, message: str, *, hint: str | None = None, fix: str | None = None) -> Case:
    """`ptflow validate` of BASE's KFP v2 IR with `old` replaced by `new` (once)."""

    def produce(tmp_path):
        return _validate_yaml("pipeline.yaml", _edited("kfp-v2", old, new), tmp_path)

    return Case(produce, "pipeline.yaml", EditedDocument("kfp-v2", old, new), message, hint, fix)


def argo(
    old: str, new: str, message: str, *, hint: str | None = None, fix: str | None = None, without: tuple[str, ...] = ()
) -> Case:
    """`ptflow validate` of BASE's Argo Workflow (kfp-v1) with `old` replaced by `new` (once)."""

    def produce(tmp_path):
        return _validate_yaml("workflow.yaml", _edited("kfp-v1", old, new), tmp_path, without)

    return Case(produce, "workflow.yaml", EditedDocument("kfp-v1", old, new), message, hint, fix)


def yaml_file(text: str, message: str) -> Case:
    """`ptflow validate` of a YAML file written out in full."""
    text = textwrap.dedent(text).lstrip("\n")
    return Case(lambda tmp_path: _validate_yaml("pipeline.yaml", text, tmp_path), "pipeline.yaml", text, message)


@dataclass(frozen=True)
class EditedDocument:
    """BASE compiled for `target` with `old` replaced by `new`, markers and all; made when a case runs
    (compiling at import would make collecting the tests compile)."""

    target: str
    old: str | tuple[str, ...]
    new: str | tuple[str, ...]

    def resolve(self) -> str:
        return _edited(self.target, self.old, self.new)


def case_text(case: Case) -> str:
    return case.text.resolve() if isinstance(case.text, EditedDocument) else case.text


def edited_ir(old, new) -> EditedDocument:
    """BASE's KFP v2 IR with one edit, as a file for `cli` (made when the case runs)."""
    return EditedDocument("kfp-v2", old, new)


def called(function: Callable[[], list], message: str) -> Case:
    """Diagnostics a function of ptflow returns for a document it is given."""
    return Case(lambda tmp_path: _seen(function()), None, "", message)


# ------------------------------------------------------------- pyproject


def pyproject(toml: str, message: str, *, hint: str | None = None, fix: str | None = None) -> Case:
    """`ptflow check` of a clean pipeline next to a pyproject.toml with a [tool.ptflow] table."""
    toml = textwrap.dedent(toml).lstrip("\n")

    def produce(tmp_path):
        from ptflow.compiler.lint import load_config

        (tmp_path / "pyproject.toml").write_text(unmark(toml))
        (tmp_path / "main.ptflow").write_text(BASE)
        _, problems = load_config(tmp_path / "main.ptflow")
        return _seen(problems)

    return Case(produce, "pyproject.toml", toml, message, hint, fix)


# ----------------------------------------------------------------- the CLI


def cli_run(
    args: list[str], cwd: Path, timeout: float = 120, without: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """The real `ptflow ARGS`; `without` names modules the process can't import (an install missing them)."""
    program = ["-m", "ptflow"]
    if without:
        program = [
            "-c",
            "import sys\n"
            + "".join(f"sys.modules[{m!r}] = None\n" for m in without)
            + "from ptflow.cli import main\nsys.exit(main(sys.argv[1:]))\n",
        ]
    return subprocess.run(
        [sys.executable, *program, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )


_HEADER = re.compile(r"^(?:error|warning|note|hint)\[(PTF\d{3})\]: (.*)$", re.MULTILINE)


def cli(
    args: list[str],
    message: str,
    *,
    files: dict[str, str] | None = None,
    hint: str | None = None,
    before: list[str] | None = None,
    without: tuple[str, ...] = (),
) -> Case:
    """The real `ptflow ARGS` in a folder holding `files` (and BASE as base.ptflow); reads stderr's headers.

    `before` is a command run first (to make a run store, say)."""

    def produce(tmp_path):
        written = {
            name: text.resolve() if isinstance(text, EditedDocument) else textwrap.dedent(text).lstrip("\n")
            for name, text in (files or {}).items()
        }
        _write(tmp_path, {"base.ptflow": BASE, **written})
        if before:
            cli_run(before, tmp_path)
        result = cli_run(args, tmp_path, without=without)
        seen = []
        for match in _HEADER.finditer(result.stderr):
            rest = result.stderr[match.end() :].split("\n\n", 1)[0]
            help_line = re.search(r"= help: (.*)", rest)
            seen.append(Seen(match.group(1), None, match.group(2), help_line.group(1) if help_line else None))
        return seen

    return Case(produce, None, "", message, hint)


def on_a_full_disk(args: list[str], message: str, *, files: dict[str, str]) -> Case:
    """The real `ptflow ARGS` with its store (`store/`) on an 8 MB tmpfs: a real disk that fills up.

    Mounting needs root (CAP_SYS_ADMIN); elsewhere the case skips and says so."""
    inner = cli(args, message, files=files)

    def produce(tmp_path: Path) -> list[Seen]:
        import pytest

        store = tmp_path / "store"
        store.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(store)], capture_output=True, text=True
        )
        if mounted.returncode != 0:
            pytest.skip(f"a small tmpfs can't be mounted here (needs root): {mounted.stderr.strip()}")
        try:
            return inner.produce(tmp_path)
        finally:
            subprocess.run(["umount", "-l", str(store)], check=False)

    return Case(produce, None, "", message)
