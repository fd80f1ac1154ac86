"""The canonical style, rule by rule: what `ptflow fmt` turns a file into."""

import textwrap

import pytest

from ptflow.compiler.formatter import LINE_WIDTH, FormatError, format_source


def fmt(text: str) -> str:
    return format_source(textwrap.dedent(text))


def expect(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_spacing_indentation_and_one_statement_per_line():
    ugly = """
    component   say( msg :str ,n:int=3)->(out:str){image="alpine"   command=["echo",msg ,out.path]}
    pipeline p(  ){a=say(msg:"x")  b = say( msg : a.out )}
    """
    assert fmt(ugly) == expect("""
        component say(msg: str, n: int = 3) -> (out: str) {
            image = "alpine"
            command = ["echo", msg, out.path]
        }

        pipeline p() {
            a = say(msg: "x")
            b = say(msg: a.out)
        }
    """)


def test_a_blank_line_between_top_level_definitions_and_at_most_one_elsewhere():
    ugly = """


    import stdlib.torch as torch
    import stdlib.hpo
    component a() { image = "x" }
    component b() {


        image = "x"



        command = ["y"]

    }
    """
    assert fmt(ugly) == expect("""
        import stdlib.torch as torch
        import stdlib.hpo

        component a() {
            image = "x"
        }

        component b() {
            image = "x"

            command = ["y"]
        }
    """)


def test_long_argument_lists_wrap_one_per_line_with_a_trailing_comma():
    ugly = """
    pipeline p() {
        step = train(data: prepare.dataset, max_epochs: max_epochs, gpus: gpus, profiler: "pytorch", seed: 7)
        short = train(data: prepare.dataset,
                      max_epochs: 1,)
    }
    """
    assert fmt(ugly) == expect("""
        pipeline p() {
            step = train(
                data: prepare.dataset,
                max_epochs: max_epochs,
                gpus: gpus,
                profiler: "pytorch",
                seed: 7,
            )
            short = train(data: prepare.dataset, max_epochs: 1)
        }
    """)
    assert all(len(line) <= LINE_WIDTH for line in fmt(ugly).splitlines())


def test_with_options_stay_on_the_line_when_they_fit_and_wrap_one_per_line_otherwise():
    ugly = """
    pipeline p() {
        a = f(x: 1) with {retries: 2,cache: false}
        b = f(x: 1) with { memory: "8Gi", retries: 2, secrets: [{name: "minio", env: {KEY: "accesskey"}}], cache: false }
    }
    """
    assert fmt(ugly) == expect("""
        pipeline p() {
            a = f(x: 1) with { retries: 2, cache: false }
            b = f(x: 1) with {
                memory: "8Gi",
                retries: 2,
                secrets: [{name: "minio", env: {KEY: "accesskey"}}],
                cache: false,
            }
        }
    """)


def test_a_long_signature_breaks_its_inputs_before_its_outputs():
    ugly = """
    component train_csv(data: Dataset, epochs: int = 1, learning_rate: float?, momentum: float = 0.9) -> (model: Model, metrics: Metrics) {
        image = "x"
    }
    """
    assert fmt(ugly) == expect("""
        component train_csv(
            data: Dataset,
            epochs: int = 1,
            learning_rate: float?,
            momentum: float = 0.9,
        ) -> (model: Model, metrics: Metrics) {
            image = "x"
        }
    """)


def test_nested_lists_break_from_the_outside_in():
    ugly = """
    component c() {
        image = "x"
        command = ["python", "-c", "import sys; print(sys.argv)", "--first-flag", ["a", "b"], "--second-flag", "value"]
    }
    """
    assert fmt(ugly) == expect("""
        component c() {
            image = "x"
            command = [
                "python",
                "-c",
                "import sys; print(sys.argv)",
                "--first-flag",
                ["a", "b"],
                "--second-flag",
                "value",
            ]
        }
    """)


def test_control_flow_blocks():
    ugly = """
    pipeline p(n: int = 1) {
    for x in [1,2] parallel 2 { s = f(x: x) }
    if n > 1 and not n == 3 { a = f(x: n) } elif n < 0 { b = f(x: n) }
    else { }
    finally { done = g(status: pipeline.status) }
    return ( out : s.y )
    }
    """
    assert fmt(ugly) == expect("""
        pipeline p(n: int = 1) {
            for x in [1, 2] parallel 2 {
                s = f(x: x)
            }
            if n > 1 and not n == 3 {
                a = f(x: n)
            } elif n < 0 {
                b = f(x: n)
            } else {}
            finally {
                done = g(status: pipeline.status)
            }
            return (out: s.y)
        }
    """)


@pytest.mark.parametrize(
    "condition, printed",
    [
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("a or (b or c)", "a or (b or c)"),
        ("(a or b) or c", "a or b or c"),
        ("not (a and b)", "not (a and b)"),
        ("(not a) == b", "(not a) == b"),
        ("(a == b) == c", "(a == b) == c"),
        ("a == (b == c)", "a == (b == c)"),
        ("((x.y > 1))", "x.y > 1"),
    ],
)
def test_conditions_keep_exactly_the_parentheses_they_need(condition, printed):
    source = f"pipeline p() {{ if {condition} {{ s = f() }} }}"
    assert fmt(source) == f"pipeline p() {{\n    if {printed} {{\n        s = f()\n    }}\n}}\n"


def test_single_quotes_become_double_quotes_where_no_escape_is_needed():
    source = "\n".join(
        [
            "component c() {",
            "  image = 'alpine'",
            r"""  command = ['it\'s', 'say "hi"', f'{x}-y', '''""",
            "kept   as 'written'",
            "''']",
            "}",
        ]
    )
    assert format_source(source) == "\n".join(
        [
            "component c() {",
            '    image = "alpine"',
            r"""    command = ["it's", 'say "hi"', f"{x}-y", '''""",
            "kept   as 'written'",
            "''']",
            "}",
            "",
        ]
    )


def test_multi_line_strings_are_kept_verbatim_even_their_trailing_spaces():
    script = '"""\n  set -e   \n\techo hi\n"""'
    source = f'component c() {{ image = "x" command = ["sh", "-c", {script}] }}'
    assert script in fmt(source)


def test_import_forms():
    source = "import   'lib/common.ptflow'   as common import stdlib.torch import stdlib.serve as s"
    assert fmt(source) == expect("""
        import "lib/common.ptflow" as common
        import stdlib.torch
        import stdlib.serve as s
    """)


def test_types_defaults_and_literals_print_as_written():
    source = (
        "pipeline p(a: list[ int ] = [ 1,-2 ], b: Artifact< 'google.VertexModel' >?, c: float = 1e-3, "
        "d: dict = { 'k' : null, key: true }) {}"
    )
    assert fmt(source) == expect("""
        pipeline p(
            a: list[int] = [1, -2],
            b: Artifact<"google.VertexModel">?,
            c: float = 1e-3,
            d: dict = {"k": null, key: true},
        ) {}
    """)


def test_an_empty_file_stays_empty_and_files_end_with_one_newline():
    assert format_source("") == ""
    assert format_source("\n\n  \n") == ""
    assert format_source("pipeline p() {}\n\n\n") == "pipeline p() {}\n"


def test_a_file_with_syntax_errors_is_not_formatted():
    with pytest.raises(FormatError) as caught:
        format_source("pipeline p( {\n  s = f(\n}\n", "bad.ptflow")
    assert caught.value.diagnostics
    assert all(d.code.startswith("PTF1") for d in caught.value.diagnostics)
    assert caught.value.diagnostics[0].span.file == "bad.ptflow"


def test_options_on_a_non_step_are_a_syntax_error_not_silently_dropped():
    # The parser reports `with` after a non-call (PTF104) and leaves it out of
    # the tree; formatting would delete it, so the file is not formatted.
    with pytest.raises(FormatError) as caught:
        format_source('pipeline p() { description = "x" with { cache: false } }')
    assert [d.code for d in caught.value.diagnostics] == ["PTF104"]


def test_a_bracketed_dict_key_keeps_its_brackets():
    source = 'pipeline p(name: str) {\n    i = importer(uri: "u", metadata: {[ name ] : "x",[f"k-{name}"]:name})\n}\n'
    assert format_source(source) == (
        'pipeline p(name: str) {\n    i = importer(uri: "u", metadata: {[name]: "x", [f"k-{name}"]: name})\n}\n'
    )


def test_a_bracketed_key_too_long_for_its_line_is_broken_like_any_list():
    # Found by the long fuzz run (seed 11, input 63158): the key's source text, layout included, was compared
    # as if it were its meaning, so breaking it over lines was refused as "would change what the file means".
    key = "[" * 40 + "m" + "]" * 40
    source = f'pipeline p(m: str) {{\n    i = importer(uri: "u", metadata: {{"a": 1, [{key}]: "x"}})\n}}\n'
    formatted = format_source(source)
    assert max(len(line) for line in formatted.splitlines()) <= LINE_WIDTH

    def bare(text: str) -> str:  # the text without layout: whitespace and the trailing commas of broken lists
        return "".join(text.split()).replace(",", "")

    assert bare(formatted) == bare(source)
    assert format_source(formatted) == formatted
