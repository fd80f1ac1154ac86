"""An unclosed `(`, `[`, `{` or `\"\"\"` is reported as such: the place the parser gave up, the place the bracket
was opened, and nothing else (no follow-on "unknown name" from the text it could not read).

Python habits get a hint in ptflow's words: `if ready:` and `def f():` are met by newcomers first.
Checked through `ptflow check`, as a user meets them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PTFLOW = Path(sys.executable).with_name("ptflow")

SAY = """\
component say(message: str) -> (out: str) {
    image = "python:3.11-slim"
    command = ["echo", message]
}

"""


def check(tmp_path: Path, pipeline: str) -> list[dict]:
    """The diagnostics of `ptflow check` on a file of the `say` component and `pipeline`."""
    path = tmp_path / "p.ptflow"
    path.write_text(SAY + textwrap.dedent(pipeline).lstrip("\n"), encoding="utf-8")
    result = subprocess.run(
        [str(PTFLOW), "check", str(path), "--format", "json"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def where(diagnostic: dict) -> tuple[int, int]:
    return diagnostic["line"], diagnostic["column"]


def related(diagnostic: dict) -> list[tuple[int, int, str]]:
    return [(r["line"], r["column"], r["message"]) for r in diagnostic.get("related", [])]


def test_a_missing_paren_names_the_paren_and_where_it_was_opened(tmp_path):
    found = check(
        tmp_path,
        """
        pipeline p() {
            a = say(message: "hi"
            b = say(message: a.out)
        }
        """,
    )
    assert len(found) == 1  # no "unknown name `a`", no second error on the next line
    (error,) = found
    assert error["message"] == "unclosed `(`: expected `)` after a string"
    assert where(error) == (7, 26)  # the end of the line where `)` is missing
    assert related(error) == [(7, 12, "`(` opened here")]


def test_a_bracket_closed_by_the_wrong_closer(tmp_path):
    (error,) = check(
        tmp_path,
        """
        pipeline p(tags: list[str] = ["a", "b") {
            a = say(message: "hi")
        }
        """,
    )
    assert error["message"] == "unclosed `[`: unexpected `)`; expected one of `,`, `]`"
    assert where(error) == (6, 39)
    assert related(error) == [(6, 30, "`[` opened here")]


def test_a_list_left_open_before_a_block_is_one_error(tmp_path):
    # `{` at the end of the line opens the loop's block: the repair closes the list, rather than reading the
    # block as a dict in the list and failing again at the loop's `}`.
    found = check(
        tmp_path,
        """
        pipeline p() {
            for word in ["a", "b" {
                a = say(message: word)
            }
        }
        """,
    )
    assert [(d["message"], related(d)) for d in found] == [
        ("unclosed `[`: unexpected `{`; expected one of `,`, `]`", [(7, 17, "`[` opened here")])
    ]


def test_a_missing_brace_at_the_end_of_the_file_names_its_block(tmp_path):
    (error,) = check(
        tmp_path,
        """
        pipeline train_all() {
            a = say(message: "hi")
        """,
    )
    assert error["message"] == "unclosed `{` of pipeline `train_all`: the file ends before its `}`"
    assert related(error) == [(6, 22, "`{` of pipeline `train_all` opened here")]


def test_the_blocks_of_if_and_for_are_named(tmp_path):
    (in_if,) = check(
        tmp_path,
        """
        pipeline p(ready: bool = true) {
            if ready {
                a = say(message: "hi")
        """,
    )
    assert in_if["message"] == "unclosed `{` of `if`: the file ends before its `}`"
    assert related(in_if) == [(7, 14, "`{` of `if` opened here")]
    (in_for,) = check(
        tmp_path,
        """
        pipeline p(words: list[str] = ["a"]) {
            for word in words parallel 2 {
                a = say(message: word)
        """,
    )
    assert in_for["message"] == "unclosed `{` of `for` loop: the file ends before its `}`"


def test_an_inner_block_that_lost_its_brace_is_pointed_at_by_the_indentation(tmp_path):
    # The parser reads the pipeline's `}` as the `if`'s and reaches the end with the pipeline open; the `}`
    # standing at the pipeline's indentation, not the `if`'s, shows which block lost its `}`.
    (error,) = check(
        tmp_path,
        """
        pipeline p(ready: bool = true) {
            if ready {
                a = say(message: "hi")
            b = say(message: "there")
        }
        """,
    )
    assert error["message"] == "unclosed `{` of pipeline `p`: the file ends before its `}`"
    assert related(error) == [(6, 32, "`{` of pipeline `p` opened here"), (7, 14, "this block's `{`")]
    assert error["hint"] == (
        "the `}` at line 10 lines up with an outer block, not with `if ready {` at line 7: is that block's `}` missing?"
    )
    # Blocks closed where they opened give no such guess.
    (plain,) = check(
        tmp_path,
        """
        pipeline p(ready: bool = true) {
            if ready {
                a = say(message: "hi")
            }
        """,
    )
    assert "lines up" not in (plain.get("hint") or "")


def test_a_dict_left_open_is_not_called_a_block(tmp_path):
    (error,) = check(
        tmp_path,
        """
        pipeline p() {
            a = say(message: "hi") with {retries: 2
            b = say(message: "there")
        }
        """,
    )
    assert error["message"] == "unclosed `{` of `with` options: expected `}` after `2`"
    found = check(
        tmp_path,
        """
        pipeline p() {
            a = say(message: {"k": "v")
        }
        """,
    )
    assert found[0]["message"].startswith("unclosed `{`: "), found


def test_an_unclosed_triple_quoted_string_is_one_error_at_its_opening(tmp_path):
    (error,) = check(
        tmp_path,
        '''
        pipeline p() {
            a = say(message: """first line
            b = say(message: a.out)
        }
        ''',
    )
    assert error["code"] == "PTF103"
    assert error["message"] == 'unclosed `"""`: the file ends before the string\'s closing `"""`'
    assert where(error) == (7, 22)
    assert error["end_column"] - error["column"] == 3
    assert related(error) == [(10, 1, "the file ends here")]


def test_python_style_blocks_get_a_hint_about_braces(tmp_path):
    hint = "a block is written in `{ }`, not after `:` (`if ready { ... }`, `for x in xs { ... }`)"
    for block in ("if ready:", "for word in words:", "if ready {\n    } else:"):
        (error,) = check(
            tmp_path,
            f"""
            pipeline p(ready: bool = true, words: list[str] = ["a"]) {{
                {block}
                    a = say(message: "hi")
            }}
            """,
        )
        assert error["hint"] == hint, block


def test_a_python_def_gets_a_hint_about_pipeline_and_component(tmp_path):
    (error,) = check(
        tmp_path,
        """
        def p():
            a = say(message: "hi")
        """,
    )
    assert error["message"] == "unexpected `def`; expected one of `component`, `import`, `pipeline`"
    assert error["hint"].startswith("ptflow has no `def`: write `pipeline name(input: type) { ... }`")
