"""Every comment survives formatting, in its place relative to the code."""

import textwrap

from ptflow.compiler.formatter import format_source
from ptflow.compiler.parser import parse_module


def fmt(text: str) -> str:
    return format_source(textwrap.dedent(text).lstrip("\n"))


def expect(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def comments(text: str) -> list[str]:
    module, _ = parse_module(text)
    return [c.text for c in module.comments]


EVERY_KIND = """
# header comment of the file
#
# with an empty comment line

## Doc of the component.
component echo( # after the open paren
    ## doc of msg, above it
    msg: str,  ## doc of msg, trailing
    # between parameters

    # after a blank line
    times: int = 1  # after a default, before the comma
    # dangling before the close paren
) -> ( # after the outputs' paren
    out: str, ## doc of out
) { # after the body's brace
    # before a property
    image = "alpine"  # trailing a property
    command = [ # after a list bracket
        "echo", # trailing a list item
        # between list items
        msg,
        out.path
        # dangling in a list
    ]
    env = {A: "1", # trailing a dict entry
           # before a dict entry
           B: "2"}
    # last in a body
} # after the component's brace

# a section between definitions

pipeline p(n: int = 1) {
    # first statement's comment
    a = echo(msg: "x") # trailing a step
    b = echo(msg: a.out, # trailing an argument
             # before an argument
             times: 2) with { # after the with brace
        cache: false, # trailing an option
        # before an option
        retries: 2,
    }
    for x in [1, 2] { # after a loop's brace
        c = echo(msg: "y") # in a loop
    } # after a loop
    if n > 0 { # after an if brace
        d = echo(msg: "z")
    } elif n < 0 { # after an elif brace
        # alone in an elif
    } else {
        # alone in an else
    }
    echo(msg: "w")  # ptflow: ignore[PTF601]
    finally { # after finally
        # in finally
        e = echo(msg: "v")
    }
    # last in the pipeline
}
# after everything
"""


def test_every_kind_of_comment_survives_in_order():
    source = textwrap.dedent(EVERY_KIND).lstrip("\n")
    formatted = format_source(source)
    assert comments(formatted) == [c.rstrip() for c in comments(source)]
    assert format_source(formatted) == formatted


def test_every_kind_of_comment_stays_where_it_was():
    assert fmt(EVERY_KIND) == expect("""
        # header comment of the file
        #
        # with an empty comment line

        ## Doc of the component.
        component echo(  # after the open paren
            ## doc of msg, above it
            msg: str,  ## doc of msg, trailing
            # between parameters

            # after a blank line
            times: int = 1,  # after a default, before the comma
            # dangling before the close paren
        ) -> (  # after the outputs' paren
            out: str,  ## doc of out
        ) {  # after the body's brace
            # before a property
            image = "alpine"  # trailing a property
            command = [  # after a list bracket
                "echo",  # trailing a list item
                # between list items
                msg,
                out.path,
                # dangling in a list
            ]
            env = {
                A: "1",  # trailing a dict entry
                # before a dict entry
                B: "2",
            }
            # last in a body
        }  # after the component's brace

        # a section between definitions

        pipeline p(n: int = 1) {
            # first statement's comment
            a = echo(msg: "x")  # trailing a step
            b = echo(
                msg: a.out,  # trailing an argument
                # before an argument
                times: 2,
            ) with {  # after the with brace
                cache: false,  # trailing an option
                # before an option
                retries: 2,
            }
            for x in [1, 2] {  # after a loop's brace
                c = echo(msg: "y")  # in a loop
            }  # after a loop
            if n > 0 {  # after an if brace
                d = echo(msg: "z")
            } elif n < 0 {  # after an elif brace
                # alone in an elif
            } else {
                # alone in an else
            }
            echo(msg: "w")  # ptflow: ignore[PTF601]
            finally {  # after finally
                # in finally
                e = echo(msg: "v")
            }
            # last in the pipeline
        }
        # after everything
    """)


def test_doc_comments_stay_on_their_declarations():
    source = textwrap.dedent(EVERY_KIND).lstrip("\n")
    before, _ = parse_module(source)
    after, _ = parse_module(format_source(source))
    for old, new in zip(before.components + before.pipelines, after.components + after.pipelines):
        assert new.doc == old.doc
        assert [p.doc for p in new.params] == [p.doc for p in old.params]
        assert [o.doc for o in new.outputs] == [o.doc for o in old.outputs]
    assert after.components[0].doc == "Doc of the component."
    assert after.components[0].params[0].doc == "doc of msg, above it\ndoc of msg, trailing"
    assert after.components[0].outputs[0].doc == "doc of out"


def test_a_trailing_comment_forces_its_list_to_break():
    assert fmt("""
        pipeline p() {
            s = f(a: 1, # why a is 1
                  b: 2)
        }
    """) == expect("""
        pipeline p() {
            s = f(
                a: 1,  # why a is 1
                b: 2,
            )
        }
    """)


def test_a_comment_in_an_empty_list_or_block_keeps_it_open():
    assert fmt("""
        pipeline p() {
            s = f(
                # nothing yet
            )
            if true { # todo
            }
        }
    """) == expect("""
        pipeline p() {
            s = f(
                # nothing yet
            )
            if true {  # todo
            }
        }
    """)


def test_a_comment_inside_an_expression_moves_to_its_statement_without_reordering():
    # No list or block owns these spots: a comment at the end of a line stays
    # at the end of the statement's line, one on its own line goes above it.
    assert fmt("""
        pipeline p() {
            x = # the callee
                f(a: 1)
            y = f(a: 1).out # on the result
                .path
            z =
                # above the call
                f(a: [1, 2] # after the list
                )
        }
    """) == expect("""
        pipeline p() {
            x = f(a: 1)  # the callee
            y = f(a: 1).out.path  # on the result
            # above the call
            z = f(
                a: [1, 2],  # after the list
            )
        }
    """)


def test_a_stray_comment_after_a_placed_one_follows_it():
    assert fmt("""
        pipeline p() {
            x = f(a: 1, # first
                  b: 2).out # second
                .path
            y = f()
        }
    """) == expect("""
        pipeline p() {
            x = f(
                a: 1,  # first
                b: 2,
            ).out.path  # second
            y = f()
        }
    """)


def test_comments_inside_strings_are_not_comments():
    formatted = fmt("""
        component c() { image = "a#b" command = ['#', "# no", f"{x}#"] }
    """)
    assert formatted == expect("""
        component c() {
            image = "a#b"
            command = ["#", "# no", f"{x}#"]
        }
    """)
    assert comments(formatted) == []


def test_trailing_whitespace_in_comments_is_dropped_and_their_text_kept():
    formatted = format_source("pipeline p() {   #   spaced   out   \t\n}\n")
    assert formatted == "pipeline p() {  #   spaced   out\n}\n"


def test_header_comment_blocks_keep_their_blank_lines():
    source = "# one\n\n\n# two\n\n## doc\npipeline p() {}\n\n\n# end\n"
    assert format_source(source) == "# one\n\n# two\n\n## doc\npipeline p() {}\n\n# end\n"


def test_a_file_of_only_comments():
    assert format_source("  # a\n\n\n   # b   \n") == "# a\n\n# b\n"


def test_a_doc_comment_above_a_broken_signature_documents_only_the_component():
    # A `##` above documents the declaration that starts the next line, so
    # re-laying out the signature can't move the doc onto an input.
    source = textwrap.dedent("""
        ## Train.
        component train(data: Dataset,
                        epochs: int = 1) -> (model: Model) {
            image = "x"
        }
    """).lstrip("\n")
    module, _ = parse_module(source)
    component = module.components[0]
    assert component.doc == "Train." and [p.doc for p in component.params] == [None, None]
    formatted = format_source(source)
    again, _ = parse_module(formatted)
    assert again.components[0].doc == "Train." and [p.doc for p in again.components[0].params] == [None, None]
    assert format_source(formatted) == formatted


SUPPRESSED = """component use(model: Model) {
    image = "python:3.11-slim"
    command = ["echo", model.path]
}

pipeline p() {
    base = importer(uri: "gs://a-bucket/with/a/rather/long/path/to/the/model", type: Model, metadata: {"framework": "pytorch"})  # ptflow: ignore[PTF606]
    u = use(model: base.artifact)
}
"""


def lint_codes(path) -> list[str]:
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ptflow", "check", "--format", "json", str(path)], capture_output=True, text=True
    )
    return [d["code"] for d in json.loads(result.stdout)]


def test_a_suppression_comment_keeps_covering_the_statement_it_is_on(tmp_path):
    # `# ptflow: ignore[...]` covers the line it ends, and a finding belongs to
    # the line its statement starts on: when the statement is broken over
    # lines, the comment stays on the first of them.
    unsuppressed = tmp_path / "unsuppressed.ptflow"
    unsuppressed.write_text(SUPPRESSED.replace("  # ptflow: ignore[PTF606]", ""))
    assert "PTF606" in lint_codes(unsuppressed)
    source = tmp_path / "suppressed.ptflow"
    source.write_text(SUPPRESSED)
    assert "PTF606" not in lint_codes(source)
    formatted = format_source(SUPPRESSED)
    assert "    base = importer(  # ptflow: ignore[PTF606]\n        uri:" in formatted
    source.write_text(formatted)
    assert "PTF606" not in lint_codes(source)


def test_a_plain_trailing_comment_stays_at_the_end_of_a_broken_statement():
    formatted = format_source(SUPPRESSED.replace("ptflow: ignore[PTF606]", "where the model lives"))
    assert '        metadata: {"framework": "pytorch"},\n    )  # where the model lives\n' in formatted


def test_a_short_signature_with_doc_comments_on_its_inputs_stays_one_input_a_line():
    """Joined onto one line it would fit, but each `##` would then document the component, not its input."""
    source = """
    component c(
        a: int, ## the a
        b: int ## the b
    ) {
        image = "x"
        command = ["c", a, b]
    }
    """
    assert fmt(source) == expect("""
        component c(
            a: int,  ## the a
            b: int,  ## the b
        ) {
            image = "x"
            command = ["c", a, b]
        }
    """)


def _docs(text: str) -> list[str | None]:
    """The doc of the first definition, then of each of its inputs."""
    [definition] = parse_module(text)[0].items
    return [definition.doc, *(p.doc for p in definition.params)]


def test_a_doc_comment_after_the_brace_of_a_broken_signature_keeps_it_broken():
    """`) {  ## ...` documents nothing (no declaration ends on that line); joined onto the component's line,
    which would fit, it would document the component: the signature stays one input a line."""
    source = """
    component c(
        x: int,
        y: int
    ) {  ## a note on the body
        image = "x"
        command = ["c", x, y]
    }
    """
    formatted = fmt(source)
    assert formatted == expect("""
        component c(
            x: int,
            y: int,
        ) {  ## a note on the body
            image = "x"
            command = ["c", x, y]
        }
    """)
    assert _docs(formatted) == _docs(expect(source)) == [None, None, None]


def test_a_too_long_signature_with_a_doc_comment_at_its_end_stays_on_one_line():
    """`## Train it.` at the end of the pipeline's line documents the pipeline; broken one input a line, as its
    length asks, the comment would end `) {` and document nothing: the signature stays on one long line."""
    source = """
    pipeline train(learning_rate: float = 0.001, batch_size: int = 64, epochs: int = 10, warmup: int = 2) {  ## Train it.
    }
    """
    formatted = fmt(source)
    assert formatted == expect(source)
    assert len(formatted.splitlines()[0]) > 100
    assert _docs(formatted) == ["Train it.", None, None, None, None]
