"""The clean parse (compiler/clean_parser.py) gives exactly the module and diagnostics lark's parse gives.

Each text is parsed both ways: `parse_module` (the clean parse, or lark's parse with its error recovery where
the clean parse gives up) and `parse_module_with_lark` (lark's parse, its tree and the builder's walk of it,
whatever the text).  The two modules are compared node by node, every span included, and so are their
diagnostics.  The texts are the examples and the standard library, texts written to reach every corner of
the lexer and the tree's shaping, and 200 inputs of the seeded source fuzzer.
"""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from ptflow.compiler.parser import (
    MAX_NESTING,
    _parse_clean,
    _parse_clean_or_resume,
    _parse_expression,
    parse_expression,
    parse_module,
    parse_module_with_lark,
)
from ptflow.compiler.source import SourceText, Span
from tests.support.source_fuzzer import SEED_FILES, Mutator


def _shape(value, out: list) -> list:
    """Everything a tree holds, flattened: node types, field names, spans, values."""
    if isinstance(value, Span):
        out.append(dataclasses.astuple(value))
    elif isinstance(value, list | tuple):
        out.append(("list", len(value)))
        for item in value:
            _shape(item, out)
    elif dataclasses.is_dataclass(value):
        out.append(type(value).__name__)
        for field in dataclasses.fields(value):
            out.append(field.name)
            _shape(getattr(value, field.name), out)
    else:
        out.append((type(value).__name__, repr(value)))
    return out


def _assert_same_parse(text: str, path: str = "clean.ptflow") -> None:
    module, diagnostics = parse_module(text, path)
    lark_module, lark_diagnostics = parse_module_with_lark(text, path)
    shape, lark_shape = _shape(module, []), _shape(lark_module, [])
    if shape != lark_shape:
        first = next(i for i, (a, b) in enumerate(zip(shape, lark_shape, strict=False)) if a != b)
        raise AssertionError(f"the trees differ at {shape[max(0, first - 6) : first + 1]} vs {lark_shape[first]}")
    assert len(shape) == len(lark_shape)
    assert diagnostics == lark_diagnostics


def _parses_clean(text: str) -> bool:
    return _parse_clean(text, "start", SourceText("clean.ptflow", text)) is not None


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda path: path.name)
def test_every_example_and_stdlib_module_parses_clean_to_the_tree_lark_gives(path):
    text = path.read_text(encoding="utf-8")
    assert _parses_clean(text)
    _assert_same_parse(text, str(path))


VALID = {
    "empty": "",
    "only blanks": " \n\t\n\f\r\n",
    "only a comment, no newline at the end": "# nothing here",
    "crlf line ends and tabs": "pipeline p(n: int = 1) {\r\n\tdescription = 'x'\r\n\ta = f(n: n)\r\n}\r\n",
    "names that start like keywords": "pipeline pipelines(importer: int, ifs: str) { for_ = f(in_: ifs, nullx: 1) }",
    "parentheses grow the argument, not the expression": "pipeline p() { a = f(x: ((b.c)), y: (1)) }",
    "conditions": "pipeline p(n: int) { if not not (n > 1 and n <= 2 or n != 3) { a = f() } elif n == 0 { b = f() }"
    " else { c = f() } }",
    "every postfix": 'pipeline p() { a = f(x: g(1)[0].out["k"], y: pipeline.job_name, z: h()()) }',
    "types": 'component c(a: list[dict[str, int]]?, b: Artifact<"google.VertexModel">?, c: Model<"x">) -> '
    '(o: Artifact <"t">, p: float?,) { image = "i" }',
    "literals": "pipeline p(a: float = -1.5e-3, b: int = -0, c: bool = true, d: str? = null) {"
    " x = f(l: [1, 2.0, 'three', [], {}], d: {k: 1, 'quoted': false,}, t: Artifact<\"x\">) }",
    "strings over lines": 'component c() { command = ["""\n    echo "$0"\n      two\n    """, \'\'\'x\ny\'\'\'] }',
    "escapes": r'component c() { image = "a\tb\\c\u00e9\x41\"" }',
    "f-strings": 'pipeline p(n: int) { a = f(x: f"{n}-{a.b.c}-{{lit}}-{g(n)[0]}-{ pipeline.job_id }", '
    "y: f'''\n  {n}\n    more\n  ''') }",
    "steps, loops and handlers": textwrap.dedent("""\
        import stdlib.torch as torch
        import "a/b.yaml" as b
        ## Docs.
        pipeline p(xs: list[int]) -> (out: Model) {
            a = torch.train(epochs: 1) with { cpu: "1", retries: 2 }
            torch.log(x: a.model)
            for x in xs parallel 2 { c = b(n: x) }
            try { d = b() } finally with { display_name: "cleanup" } { e = b() }
            return (out: a.model)
            finally { g = b() }
        }
        """),
    "what the builder reports": 'pipeline p() { a = f(n: 99999999999999999999, m: 1e999, s: "\\q", '
    'b: f"{}", c: f"{(}") with { x: 1 }\n v = 3 with { y: 2 } }',
    "an integer of 5,000 digits": "pipeline p() { a = f(n: " + "9" * 5000 + ") }",
    "unusual characters in strings and comments": '# ☃ \u202e\npipeline p() { a = f(s: "\U0001f600 \xa0 e\u0301") }',
    "nesting up to the limit": "pipeline p() { a = f(x: " + "[" * (MAX_NESTING - 6) + "]" * (MAX_NESTING - 6) + ") }",
    "a step's dotted name up to the limit": "pipeline p() { a" + ".b" * MAX_NESTING + "(x: c" + ".d" * 60 + ") }",
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_texts_parse_clean_to_the_tree_lark_gives(text):
    assert _parses_clean(text)
    _assert_same_parse(text)


LEFT_TO_LARK = {
    "a syntax error": "pipeline p() { a = f(x: 1 }",
    "a character no token starts with": "pipeline p() { a = f(x: $1) }",
    "an unterminated string": 'pipeline p() { a = f(x: "abc) }',
    "an unclosed triple-quoted string": 'component c() { image = """abc }',
    "the file ends early": "pipeline p() { a = f(",
    "a keyword as a name": "pipeline p() { if = f() }",
    "a stray character at the end": "pipeline p() {}\n@",
    "brackets past the limit": "pipeline p() { a = f(x: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + ") }",
    "calls nested past the tree's depth": "pipeline p() { a = " + "f(" * 40 + ")" * 40 + " }",
    "a dotted chain past the limit": "pipeline p() { a = f(x: a" + ".b" * (MAX_NESTING + 1) + ") }",
    "a step's dotted name past the limit": "pipeline p() { a" + ".b" * (MAX_NESTING + 1) + "() }",
    "`not` past the limit": "pipeline p() { if " + "not " * (MAX_NESTING + 1) + "x { a = f() } }",
    "members and indexes alternating past the tree's depth": "pipeline p() { a = f(x: a" + ".b[0]" * 60 + ") }",
}


@pytest.mark.parametrize("text", LEFT_TO_LARK.values(), ids=LEFT_TO_LARK.keys())
def test_texts_with_something_to_report_are_left_to_lark_and_answered_the_same(text):
    assert not _parses_clean(text)
    _assert_same_parse(text)
    assert parse_module(text)[1], "lark's parse reports what the clean parse left to it"


GOOD = textwrap.dedent("""\
    import stdlib.torch.extra as torch
    ## A component.
    component c(n: int = 99999999999999999999) -> (out: Model) {
        image = "alpine:3"
        command = ["sh", "-c", "\\q", f"{n}"]
    }
    pipeline first(xs: list[int]) {
        for x in xs parallel 2 { a = c(n: x) with { cpu: "1" } }
    }
    """)

RESUMED = {
    "an error in the last declaration": GOOD + "pipeline broken(n: int {\n    a = c(n: n)\n}\n",
    "an error in a declaration between two good ones": GOOD + "pipeline broken() { a = c(n: ) }\n" + GOOD,
    "an unclosed block that swallows the rest": GOOD + "pipeline broken() {\n    if x {\n" + GOOD,
    "a character no token starts with": GOOD + "pipeline broken() { a = c(n: $) }\n",
    "an unterminated string": GOOD + 'pipeline broken() { a = c(n: "x) }\n' + GOOD,
    "an unclosed triple-quoted string": GOOD + 'component broken() { image = """x\n',
    "the file ends in a declaration": GOOD + "pipeline broken(",
    "a stray closer at the top level": GOOD + "}\n" + GOOD,
    "brackets past the limit in a later declaration": GOOD
    + "pipeline deep() { a = c(n: "
    + "[" * (MAX_NESTING + 1)
    + "]" * (MAX_NESTING + 1)
    + ") }\n",
    "calls nested past the tree's depth in a later declaration": GOOD
    + "pipeline deep() { a = "
    + "f(" * 40
    + ")" * 40
    + " }",
    "errors past the recovery limit": GOOD + "pipeline many() { a = c(n: " + "1 " * 1500 + ") }\n",
    "a dotted import then a broken declaration": "import a.b.c\npipeline broken() { x = }\n",
}


@pytest.mark.parametrize("text", RESUMED.values(), ids=RESUMED.keys())
def test_lark_resumes_after_the_clean_declarations_with_the_same_result(text):
    """lark's parse starts at the declaration the clean parse gave up in, the ones before already built."""
    built, _, resume = _parse_clean_or_resume(text, "start", SourceText("clean.ptflow", text))
    assert built is None and resume is not None and resume.offset > 0
    _assert_same_parse(text)


@pytest.mark.parametrize("brackets", range(MAX_NESTING - 8, MAX_NESTING - 2))
def test_a_declaration_near_the_depth_limit_before_an_error_is_answered_the_same(brackets):
    """Whether the whole tree is too deep depends on the declarations before the resume point too."""
    deep = "pipeline deep() { a = f(x: " + "[" * brackets + "]" * brackets + ") }\n"
    _assert_same_parse(deep + "pipeline broken() { a = f( }\n")


@pytest.mark.parametrize(
    "text", ["a", "a.b[0](x: 1, y: [2])", "-1.5", "'s'", 'f"{a}"', "(a)", "a b", "", "{" * 200, "x" + ".y" * 200]
)
def test_an_expression_parses_the_same_both_ways(text):
    clean, clean_diagnostics = parse_expression(text)
    lark, lark_diagnostics = _parse_expression(text, "<string>", clean=False)
    assert _shape(clean, []) == _shape(lark, [])
    assert clean_diagnostics == lark_diagnostics


def test_fuzzed_sources_parse_the_same_both_ways():
    mutator = Mutator(4242)
    clean = 0
    for index in range(200):
        seed_file, text, mutations = mutator.case(index)
        try:
            _assert_same_parse(text, str(seed_file))
        except AssertionError as error:
            raise AssertionError(f"input {index} ({seed_file.name}; {', '.join(mutations)}): {error}") from error
        clean += _parses_clean(text)
    # Mutations that keep the text valid (a duplicated comment, a huge number) reach the clean parse; the
    # others reach lark's recovery. Both kinds must be there for the comparison to mean anything.
    assert 10 <= clean <= 190, clean
