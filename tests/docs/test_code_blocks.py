"""Every ptflow code block of README.md and docs/*.md does what the page says it does.

A block's info string says what it is:

    ```ptflow                 a whole file: it checks with no error, and is written as `ptflow fmt` writes it
    ```ptflow error PTF101    a whole file showing a mistake: checking it gives that error (and when the
                              next block is the printed error, it is printed exactly so); formatted unless
                              the mistake is in its syntax
    ```ptflow fragment        part of a file (statements, imports of files that don't exist, `...`): not
                              checked, since it can't be; formatted when it parses as a file

A fragment that checks clean is a whole file and must say so, so that it is tested as one.  (`ptflow fmt`
and the pages once disagreed: the pages aligned `=` in columns, which `ptflow fmt` undid in every file
a user had copied from them.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics.text import SourceCache, render_text
from ptflow.compiler.formatter import format_source
from ptflow.compiler.parser import parse_module

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# A fenced block: its info string, its text, and the block that follows it (after blank lines), if any.
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*\n", re.S | re.M)


@dataclass
class Block:
    page: Path
    line: int
    kind: str  # "file", "error" or "fragment"
    code: str | None  # the error code an "error" block claims
    text: str
    printed: str | None  # the plain block after an "error" block: the error as `ptflow check` prints it

    def __str__(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def ptflow_blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        fences = list(FENCE.finditer(text))
        for index, fence in enumerate(fences):
            words = fence.group(1).split()
            if not words or words[0] != "ptflow":
                continue
            line = text.count("\n", 0, fence.start()) + 1
            kind, code = "file", None
            if words[1:2] == ["fragment"] and len(words) == 2:
                kind = "fragment"
            elif words[1:2] == ["error"] and len(words) == 3:
                kind, code = "error", words[2]
            elif len(words) > 1:
                pytest.fail(f"{page.name}:{line}: unknown marker `{fence.group(1)}` (see {__name__}'s docstring)")
            following = fences[index + 1] if index + 1 < len(fences) else None
            printed = None
            if following is not None and not text[fence.end() : following.start()].strip():
                printed = following.group(2) if not following.group(1).strip() else None
            blocks.append(Block(page, line, kind, code, fence.group(2), printed))
    return blocks


BLOCKS = ptflow_blocks()


def test_the_pages_have_blocks_of_every_kind():
    # The reading above finds them: a change of fence style would otherwise leave nothing tested.
    assert {block.kind for block in BLOCKS} == {"file", "error", "fragment"}
    assert len([block for block in BLOCKS if block.kind == "file"]) >= 8
    opened = sum(len(re.findall(r"^```ptflow", page.read_text(encoding="utf-8"), re.M)) for page in PAGES)
    assert len(BLOCKS) == opened, "a fence was paired with the wrong one: a line starting with ``` in prose?"


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_a_block_is_what_its_marker_says(block: Block, tmp_path):
    name = "example.ptflow"
    if block.printed:
        shown = re.search(r"--> ([\w.]+\.ptflow):", block.printed)
        name = shown.group(1) if shown else name
    path = tmp_path / name
    path.write_text(block.text, encoding="utf-8")
    errors = [d for d in check_file(str(path)).diagnostics if d.is_error]
    if block.kind == "file":
        assert errors == [], f"{block}: the example does not check:\n{render_text(errors)}"
    elif block.kind == "error":
        assert block.code in {d.code for d in errors}, f"{block}: no {block.code}:\n{render_text(errors)}"
        if block.printed is not None:
            printed = render_text(errors, SourceCache({str(path): block.text})).replace(str(path), name)
            assert printed.rstrip("\n") == block.printed.rstrip("\n"), f"{block}: printed differently"
    else:
        assert errors, f"{block}: this fragment checks clean: mark it ```ptflow, a whole file"


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_a_block_is_written_as_ptflow_fmt_writes_it(block: Block):
    if block.kind != "file" and parse_module(block.text)[1]:
        pytest.skip("text with a syntax error (statements alone, `...`, a mistake shown) has no formatting")
    assert format_source(block.text) == block.text, f"{block}: run its text through `ptflow fmt`"
