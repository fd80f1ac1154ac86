"""Parsing: the tree, its positions, and recovery from syntax errors."""

import textwrap

from ptflow.compiler import tree
from ptflow.compiler.parser import get_parser, parse_module

SOURCE = textwrap.dedent('''\
    # a comment
    import stdlib.torch as torch
    import "components/notify.yaml" as notify

    ## Flip a coin.
    component flip(seed: int = 0, title: Artifact<"google.VertexModel">?) -> (side: str) {
        image = "alpine"
        command = ["sh", "-c", """
            echo heads > "$0"
        """, side.path, f"--seed={seed}"]
    }

    pipeline p(n: int = 1, tags: list[str] = ["a"]) {
        f = flip(seed: n) with { cpu: "1", retries: 2 }
        for x in tags parallel 2 {
            g = flip(seed: 1)
        }
        if f.side == "heads" and not (n > 3) { h = flip() } elif n < 0 { i = flip() } else { j = flip() }
        notify(msg: "x")
        finally { k = flip() }
    }
''')


def test_the_tree_has_every_construct_with_positions():
    module, diagnostics = parse_module(SOURCE, "p.ptflow")
    assert diagnostics == []
    assert [i.path for i in module.imports] == ["stdlib.torch", "components/notify.yaml"]
    assert module.imports[0].alias.name == "torch" and module.imports[1].kind == "file"
    flip = module.components[0]
    assert flip.doc == "Flip a coin."
    assert (flip.span.line, flip.span.column) == (6, 1)
    title = flip.params[1].type
    assert title.schema_title == "google.VertexModel" and title.optional
    command = flip.property("command").value
    assert command.items[2].value == 'echo heads > "$0"\n'  # a dedented block
    fstring = command.items[4]
    assert isinstance(fstring, tree.FString) and fstring.parts[0] == "--seed="
    seed = fstring.parts[1]
    assert isinstance(seed, tree.Name) and seed.span.line == 10
    assert SOURCE[seed.span.start : seed.span.end] == "seed"
    assert SOURCE.splitlines()[9][seed.span.column - 1 : seed.span.end_column - 1] == "seed"
    body = module.pipelines[0].body
    assert [type(s).__name__ for s in body] == ["Step", "For", "If", "Step", "Finally"]
    assert body[0].options.get("retries").value.value == 2
    assert body[1].parallelism.value == 2
    assert [b.keyword for b in body[2].branches] == ["if", "elif", "else"]
    assert body[3].name is None and body[3].call.func.id == "notify"


def test_pipeline_is_a_name_inside_expressions():
    module, diagnostics = parse_module("pipeline p() { a = f(x: pipeline.job_name) }")
    assert diagnostics == []
    member = module.pipelines[0].body[0].call.args[0].value
    assert isinstance(member, tree.Member) and member.obj.id == "pipeline" and member.attr.name == "job_name"


def test_the_parser_is_built_once():
    assert get_parser() is get_parser()


def _errors(text):
    _, diagnostics = parse_module(textwrap.dedent(text).lstrip("\n"), "bad.ptflow")
    return [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics]


def test_three_independent_mistakes_give_three_errors():
    errors = _errors("""
        pipeline p(n: int = 1) {
            a = f(x: n y: 2)
            b = f(x = 3)
            c = f(x: [1, 2)
            d = f(x: 1)
        }
    """)
    assert errors == [
        ("PTF101", 2, 16, "unexpected `y`; expected one of `)`, `,`"),
        ("PTF101", 3, 13, "unexpected `=`; expected one of `)`, `,`, `:`"),
        ("PTF101", 4, 19, "unclosed `[`: unexpected `)`; expected one of `,`, `]`"),
    ]


def test_a_missing_closer_at_the_end_of_a_line_is_reported_there():
    errors = _errors("""
        pipeline p() {
            a = f(x: 1
            b = f(x: 2)
        }
    """)
    assert errors == [("PTF101", 2, 15, "unclosed `(`: expected `)` after `1`")]
    _, diagnostics = parse_module("pipeline p() {\n  a = f(x: 1\n  b = f()\n}")
    assert diagnostics[0].hint == "accepted here: one of `)`, `,`"


def test_a_missing_brace_before_the_next_pipeline():
    module, diagnostics = parse_module(
        textwrap.dedent("""\
        pipeline p() {
            a = f(x: 1)
        pipeline q() {
            b = f(x: 2)
        }
    """)
    )
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("PTF101", 2, 16, "unclosed `{` of pipeline `p`: expected `}` after `)`")
    ]
    assert [p.name.name for p in module.pipelines] == ["p", "q"]


def test_unexpected_character_and_unterminated_string_and_end_of_file():
    errors = _errors("""
        pipeline p() {
            a = f(x: @1)
            b = f(x: "open)
            c = f(x: 2)
    """)
    assert errors == [
        ("PTF102", 2, 14, "unexpected character '@'"),
        ("PTF103", 3, 14, "unterminated string"),
        ("PTF101", 4, 16, "unclosed `{` of pipeline `p`: the file ends before its `}`"),
    ]


def test_bad_fstring_and_bad_escape():
    errors = _errors("""
        pipeline p() {
            a = f(x: f"{}", y: f"{1 +}", z: f"a } b", w: "\\q")
        }
    """)
    assert errors == [
        ("PTF106", 2, 16, "empty `{}` in f-string"),
        ("PTF106", 2, 29, "invalid expression in f-string"),
        ("PTF106", 2, 41, "single `}` in f-string; write `}}` for a literal brace"),
        ("PTF105", 2, 51, "invalid escape `\\q` in string"),
    ]


def test_doc_comments_attach_to_inputs_and_outputs():
    module, _ = parse_module(
        textwrap.dedent("""\
        component c(
            ## the data
            data: Dataset,
            epochs: int = 1,  ## how many passes
        ) -> (model: Model) { image = "x" command = ["x"] }
    """)
    )
    params = module.components[0].params
    assert params[0].doc == "the data" and params[1].doc == "how many passes"


def test_the_keyword_list_is_the_grammars_words():
    # One list of reserved words (compiler/tree.py) serves the parser, completion, rename and `ptflow import`;
    # it must be exactly the words the grammar spells out.
    import re
    from pathlib import Path

    from ptflow.compiler.tree import KEYWORDS

    grammar = (Path(__file__).resolve().parents[2] / "grammar" / "ptflow.lark").read_text()
    assert set(KEYWORDS) == set(re.findall(r'"([a-z_]+)"', grammar))
    assert len(KEYWORDS) == len(set(KEYWORDS))


def test_a_triple_quoted_f_string_is_dedented_like_a_plain_one():
    """An InferenceService YAML written as an indented f-string block reaches the step as valid YAML."""
    source = textwrap.dedent('''\
        pipeline p(ns: str = "x") {
            a = f(spec: f"""
                kind: InferenceService
                metadata:
                  namespace: {ns}

                  name: isvc-{pipeline.job_id}
                """)
        }
    ''')
    module, diagnostics = parse_module(source)
    assert diagnostics == []
    parts = module.pipelines[0].body[0].call.args[0].value.parts
    assert parts[0] == "kind: InferenceService\nmetadata:\n  namespace: "
    assert isinstance(parts[1], tree.Name) and parts[1].id == "ns"
    assert _text_at(source, parts[1]) == "ns"  # the placeholder's span still points into the file
    assert parts[2] == "\n\n  name: isvc-"
    assert parts[-1] == "\n"


def test_a_triple_quoted_f_string_on_its_opening_line_is_kept_as_written():
    module, _ = parse_module('pipeline p(n: int = 1) { a = f(x: f"""  a {n}\n    b""") }')
    assert module.pipelines[0].body[0].call.args[0].value.parts[::2] == ["  a ", "\n    b"]


def _text_at(source, node):
    return source[node.span.start : node.span.end]


def test_a_dict_key_in_brackets_is_an_expression_known_at_run_time():
    source = (
        'pipeline p(name: str) {\n    i = importer(uri: "u", metadata: {[name]: "x", "name": [name, f"a-{name}"]})\n}\n'
    )
    module, diagnostics = parse_module(source, "p.ptflow")
    assert diagnostics == []
    metadata = module.pipelines[0].body[0].call.args[1].value
    computed, written = metadata.entries
    assert isinstance(computed.computed, tree.Name) and computed.computed.id == "name"
    assert (computed.computed.span.line, computed.computed.span.column) == (2, 40)
    # The bracketed text is the entry's name, which no bare or quoted key of the same dict is.
    assert computed.key.name == "[name]" and metadata.get("name") is written
    assert written.computed is None
    # Walking the expression reaches the key, so hover, rename and references see it.
    assert computed.computed in list(tree.walk_expr(metadata))
