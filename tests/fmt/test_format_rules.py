"""Formatting rules that only mutation testing showed untested (tools/mutation.py).

Each test formats a small file and compares the whole text a user gets back.
"""

import gc
import textwrap

import pytest

from ptflow.compiler.formatter import DocLayoutError, format_source


def fmt(text: str) -> str:
    return format_source(textwrap.dedent(text).lstrip("\n"))


def expect(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


SAY = """
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
"""


def test_a_comment_right_after_a_try_blocks_brace_stays_after_it():
    source = (
        SAY
        + """
pipeline q() {
    try {
        a = say(msg: "x")
        # last in the try
    }# right after the try
    finally {
        b = say(msg: "y")
    }
}
"""
    )
    assert fmt(source) == expect(
        SAY
        + """
pipeline q() {
    try {
        a = say(msg: "x")
        # last in the try
    } finally {  # right after the try
        b = say(msg: "y")
    }
}
"""
    )


def test_comments_at_the_end_of_the_file_keep_their_own_blank_lines():
    """Right below the last definition, then after a blank line: each keeps its distance."""
    source = (
        SAY
        + """# right below the component

# after a blank line
"""
    )
    assert fmt(source) == expect(source)
    spaced = (
        SAY
        + """
# after a blank line
# right below that one
"""
    )
    assert fmt(spaced) == expect(spaced)


def test_a_comment_right_after_a_dicts_brace_stays_after_it():
    source = """
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
    env = {A: "1"}# right after the dict
}
"""
    assert fmt(source) == expect(source.replace("}#", "}  #"))


def test_formatting_leaves_the_garbage_collector_as_it_found_it():
    """Formatting pauses the cyclic collector for speed; a long-lived caller (the language server) gets it back."""
    assert gc.isenabled()
    fmt(SAY)
    assert gc.isenabled()
    gc.disable()
    try:
        fmt(SAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_comment_inside_a_property_goes_above_it_when_the_property_has_a_trailing_comment():
    """`image = # note` then the value and a comment of its own: the note goes above, the other stays behind."""
    source = """
component say(msg: str) {
    image = # note
        "alpine" # after
    command = ["echo", msg]
}
"""
    assert fmt(source) == expect(
        """
component say(msg: str) {
    # note
    image = "alpine"  # after
    command = ["echo", msg]
}
"""
    )


def test_a_file_of_comments_ending_in_a_bare_hash_keeps_it():
    """The last comment is one `#`, the file's last character (no newline after it): it is kept, and the file
    ends with a newline."""
    assert format_source("# a\n#") == "# a\n#\n"
    assert format_source("#") == "#\n"


def test_doc_comments_no_layout_can_keep_are_refused_with_what_to_do():
    """`## the a` needs `a` on a line of its own (not the one-line layout), `## body` needs `) {` on the
    component's line (only the one-line layout): no layout keeps both, and the file is left as it was."""
    source = 'component c(\n    a: int, ## the a\n    b: int) { ## body\n    image = "x"\n    command = ["c", a]\n}\n'
    with pytest.raises(DocLayoutError) as raised:
        format_source(source, "c.ptflow")
    assert str(raised.value) == (
        "c.ptflow: cannot keep the doc comments of `c` and its inputs and outputs in any layout (a `##` comment "
        "documents what is on the line below it or before it, so it depends on how the signature is split into "
        "lines); put the whole signature on one line, or each input on a line of its own, and format again. "
        "File left as it was"
    )


PAIR = """
component pair(left: str, right: str) {
    image = "alpine"
    command = ["echo", left, right]
}
"""


@pytest.mark.parametrize("width", [100, 101])
def test_a_step_of_exactly_100_columns_stays_on_its_line_and_one_more_is_split(width):
    left = "x" * (width - 66)
    one_line = f'    a = pair(left: "{left}", right: "{"y" * 33}")'
    assert len(one_line) == width
    formatted = fmt(PAIR + f"pipeline q() {{\n{one_line}\n}}\n")
    if width == 100:
        assert formatted == expect(PAIR + f"\npipeline q() {{\n{one_line}\n}}\n")
    else:
        assert formatted == expect(
            PAIR
            + f'\npipeline q() {{\n    a = pair(\n        left: "{left}",\n        right: "{"y" * 33}",\n    )\n}}\n'
        )


def test_a_comment_right_after_an_if_or_finally_blocks_brace_is_not_taken_into_the_block():
    source = (
        SAY
        + """
pipeline q(flag: bool) {
    if flag {
        a = say(msg: "x")
    }# right after the if
    else {
        b = say(msg: "y")
    }# right after the else
    finally {
        c = say(msg: "z")
    }# right after the finally
}
"""
    )
    assert fmt(source) == expect(
        SAY
        + """
pipeline q(flag: bool) {
    # right after the if
    if flag {
        a = say(msg: "x")
    } else {
        b = say(msg: "y")
    }  # right after the else
    finally {
        c = say(msg: "z")
    }  # right after the finally
}
"""
    )


def test_a_finally_with_options_an_index_and_a_comment_after_a_blank_line_keep_their_form():
    source = (
        SAY
        + """
pipeline q(xs: list[str]) {
    a = say(msg: xs[0])
    finally with {display_name:"cleanup"} {
        b = say(msg: "y")
    }
}

component c(msg: str) {
    image = "alpine"
    command = [
        "echo",
        msg,

        # the end
    ]
}
"""
    )
    assert fmt(source) == expect(
        SAY
        + """
pipeline q(xs: list[str]) {
    a = say(msg: xs[0])
    finally with { display_name: "cleanup" } {
        b = say(msg: "y")
    }
}

component c(msg: str) {
    image = "alpine"
    command = [
        "echo",
        msg,

        # the end
    ]
}
"""
    )


def test_a_comment_right_after_a_for_a_component_or_a_pipeline_brace_stays_after_it():
    source = """
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}# right after the component
pipeline q(xs: list[str]) {
    for x in xs {
        a = say(msg: x)
    }# right after the for
}# right after the pipeline
"""
    assert fmt(source) == expect(
        """
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}  # right after the component

pipeline q(xs: list[str]) {
    for x in xs {
        a = say(msg: x)
    }  # right after the for
}  # right after the pipeline
"""
    )
