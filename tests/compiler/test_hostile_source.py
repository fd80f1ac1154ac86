"""Source text a fuzzer or an editor can hand the compiler: each answer is a diagnostic at its span, never a traceback.

The reproducers come from the reliability probe of issue 15: integers too long
for Python or too large for a float, nesting past Python's recursion limit,
import paths too long for the file system, lone UTF-16 surrogates, and error
recovery or f-strings that took seconds to minutes (their timings are in
benchmarks/hostile_inputs.py; here only what is reported is checked).
"""

from __future__ import annotations

import pytest

from ptflow.compiler.api import check_file, compile_file
from ptflow.compiler.formatter import FormatError, format_source
from ptflow.compiler.parser import MAX_NESTING, parse_expression, parse_module
from tests.support.diagnose import diagnose, only

COMPONENT = 'component f(a: list) {\n    image = "python:3.11"\n    command = ["echo", a]\n}\n'
NUMBER_COMPONENT = 'component g(n: int, x: float) {\n    image = "python:3.11"\n    command = ["echo", n, x]\n}\n'


def _step(argument: str) -> str:
    return COMPONENT + "pipeline p() {\n    s = f(a: " + argument + ")\n}\n"


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    "literal, shown",
    [
        ("9" * 5000, "999999999999…999999 (5,000 digits)"),  # past Python's int/str limit
        ("9" * 400, "999999999999…999999 (400 digits)"),  # past a float: compile overflowed
        ("-9223372036854775809", "-9223372036854775809"),  # one below int64
    ],
)
def test_an_integer_out_of_range_is_ptf314_at_the_literal(tmp_path, literal, shown):
    text = NUMBER_COMPONENT + "pipeline p() {\n    s = g(n: " + literal + ", x: 1.0)\n}\n"
    diagnostic = only(diagnose(text, tmp_path), "PTF314")
    assert diagnostic.message == f"integer {shown} is out of range: integers are 64-bit, from -2^63 to 2^63-1"
    assert (diagnostic.span.line, diagnostic.span.column, diagnostic.span.end_column) == (6, 14, 14 + len(literal))
    result = compile_file(str(tmp_path / "main.ptflow"))
    assert result.documents is None and "PTF314" in [d.code for d in result.diagnostics]


def test_the_int64_bounds_themselves_compile(tmp_path):
    text = (
        NUMBER_COMPONENT
        + "pipeline p() {\n    s = g(n: 9223372036854775807, x: 1.0)\n    t = g(n: -9223372036854775808, x: 2.0)\n}\n"
    )
    (tmp_path / "main.ptflow").write_text(text)
    result = compile_file(str(tmp_path / "main.ptflow"))
    assert result.diagnostics == [] and result.documents


def test_an_infinite_float_literal_is_ptf314(tmp_path):
    text = NUMBER_COMPONENT + "pipeline p() {\n    s = g(n: 1, x: 1e999)\n}\n"
    diagnostic = only(diagnose(text, tmp_path), "PTF314")
    assert diagnostic.message == "float 1e999 is out of range: floats are at most about 1.8e308"
    assert (diagnostic.span.line, diagnostic.span.column) == (6, 20)


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("n", "9" * 400, "out of range: integers are 64-bit"),
        ("n", "9" * 5000, "Exceeds the limit (4300 digits)"),
        ("x", "1e999", "out of range: floats must be finite"),
        ("l", "[" * 100_000, "maximum recursion depth"),
        ("l", "[1, [2, 1e999]]", "out of range: floats must be finite"),
        ("s", "a\udcffb", "not valid Unicode (a lone surrogate)"),  # what argv holds for the byte 0xff
    ],
)
def test_a_parameter_value_out_of_range_is_ptf902(tmp_path, name, value, problem):
    (tmp_path / "main.ptflow").write_text(
        COMPONENT + 'pipeline p(n: int = 1, x: float = 1.0, l: list = [], s: str = "") {\n    t = f(a: l)\n}\n'
    )
    result = compile_file(str(tmp_path / "main.ptflow"), params={name: value})
    diagnostic = only(result.diagnostics, "PTF902")
    assert problem in diagnostic.message and len(diagnostic.message) < 300
    assert diagnostic.message.encode("utf-8")  # printable, even for a surrogate
    assert result.documents is None


@pytest.mark.parametrize(
    "component_file",
    [
        "name: big\ninputs:\n- {name: n, type: Integer, default: " + "9" * 400 + "}\n"
        "implementation:\n  container: {image: alpine, command: [echo, {inputValue: n}]}\n",
        "name: big\ninputs:\n- {name: n, type: Integer, default: " + "9" * 5000 + "}\n"
        "implementation:\n  container: {image: alpine, command: [echo, {inputValue: n}]}\n",
        "name: big\ninputs:\n- {name: x, type: Float, default: .inf}\n"
        "implementation:\n  container: {image: alpine, command: [echo, {inputValue: x}]}\n",
    ],
)
def test_an_imported_component_with_an_out_of_range_default_is_ptf209(tmp_path, component_file):
    diagnostics = diagnose(
        'import "big.yaml" as big\npipeline p() {\n    s = big()\n}\n', tmp_path, files={"big.yaml": component_file}
    )
    diagnostic = only(diagnostics, "PTF209")
    assert diagnostic.span.line == 1 and ("out of range" in diagnostic.message or "4,300" in diagnostic.message)


# ------------------------------------------------------------------ nesting


@pytest.mark.parametrize(
    "argument",
    [
        "[" * 500 + "1" + "]" * 500,  # the probe's reproducer: RecursionError in the tree builder
        "{a: " * 300 + "1" + "}" * 300,
        "x" + ".b" * 2000,
        "x" + "[0]" * 2000,
    ],
)
def test_nesting_past_the_limit_is_ptf108(tmp_path, argument):
    diagnostics = diagnose(_step(argument), tmp_path)
    diagnostic = only(diagnostics, "PTF108")
    assert diagnostic.message.startswith(f"nested too deeply: more than {MAX_NESTING} ")
    assert diagnostic.span.line == 6
    assert "PTF214" not in [d.code for d in diagnostics]  # "no pipeline" would only repeat it


def test_a_hundred_thousand_unclosed_brackets_stop_at_the_limit(tmp_path):
    diagnostics = diagnose(_step("[" * 100_000), tmp_path)
    # the pipeline's `{` and the call's `(` are open too, so the 99th `[` is one too many
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("PTF108", 6, 14 + MAX_NESTING - 2)]
    assert diagnostics[0].message == f"nested too deeply: more than {MAX_NESTING} brackets open here"


def test_a_megabyte_of_errors_stops_after_a_thousand():
    module, diagnostics = parse_module('"x\n' * 333_333)  # unterminated strings: each line an error
    assert diagnostics[-1].message == "more than 1,000 syntax errors: the rest of the file was not read"
    assert diagnostics[-1].span.line == 1001 and len(diagnostics) < 10


@pytest.mark.parametrize(
    "argument, what", [("x" + ".b" * 500_000, "`.` in one chain"), ("[" * 500_000, "brackets open here")]
)
def test_a_megabyte_of_nesting_stops_at_the_limit(argument, what):
    module, diagnostics = parse_module(_step(argument))
    assert [(d.code, d.message) for d in diagnostics] == [
        ("PTF108", f"nested too deeply: more than {MAX_NESTING} {what}")
    ]


def test_nested_blocks_past_the_limit_are_ptf108(tmp_path):
    body = "s = f(a: [1])"
    for _ in range(500):
        body = "if n == 1 {\n" + body + "\n}"
    diagnostics = diagnose(COMPONENT + "pipeline p(n: int = 1) {\n" + body + "\n}\n", tmp_path)
    assert only(diagnostics, "PTF108").span.line > 5


def test_the_deepest_accepted_nesting_checks_compiles_and_formats(tmp_path):
    depth = 1
    while not any(d.code == "PTF108" for d in parse_module(_step("[" * (depth + 1) + "1" + "]" * (depth + 1)))[1]):
        depth += 1
    text = _step("[" * depth + "1" + "]" * depth)
    (tmp_path / "main.ptflow").write_text(text)
    for target in ("kfp-v2", "kfp-v1", "vertex"):
        result = compile_file(str(tmp_path / "main.ptflow"), target=target)
        assert result.diagnostics == [] and result.documents, target
    assert format_source(text).count("[") == depth + 1  # the command's list too


def test_fmt_refuses_a_file_nested_past_the_limit():
    with pytest.raises(FormatError) as refused:
        format_source(_step("[" * 300 + "1" + "]" * 300))
    assert [d.code for d in refused.value.diagnostics] == ["PTF108"]


def test_a_deep_expression_in_an_fstring_or_a_parameter_is_reported():
    module, diagnostics = parse_module(_step('f"{' + "[" * 300 + "1" + "]" * 300 + '}"'))
    assert [d.code for d in diagnostics] == ["PTF108"] and diagnostics[0].span.line == 6
    value, diagnostics = parse_expression("[" * 300 + "]" * 300)
    assert value is None and [d.code for d in diagnostics] == ["PTF108"]


# ------------------------------------------------------------------ imports


@pytest.mark.parametrize(
    "statement", ["import stdlib." + "a" * 300, 'import "' + "b" * 300 + '.yaml" as b', "import " + "c" * 300]
)
def test_an_import_path_too_long_for_the_file_system_is_ptf207(tmp_path, statement):
    diagnostic = only(diagnose(statement + "\npipeline p() {}\n", tmp_path), "PTF207")
    assert diagnostic.span.line == 1
    assert diagnostic.message.endswith("file name too long") or "no file" in diagnostic.message


# ------------------------------------------------------------------ unicode


def test_a_lone_surrogate_from_an_editor_or_the_api_is_ptf102_at_its_position(tmp_path):
    text = COMPONENT + 'pipeline p() {\n    s = f(a: ["ab\ud800c"])\n}\n'
    result = check_file(str(tmp_path / "unsaved.ptflow"), text)
    diagnostic = only(result.diagnostics, "PTF102")
    assert diagnostic.message == "unexpected character U+D800: a lone UTF-16 surrogate is not a character"
    assert (diagnostic.span.line, diagnostic.span.column) == (6, 18)
    compiled = compile_file(str(tmp_path / "unsaved.ptflow"), text=text)
    assert compiled.documents is None and [d.code for d in compiled.diagnostics] == ["PTF102"]


# ------------------------------------------------------------------ slow parses (timed in benchmarks/)


def test_thousands_of_unclosed_brackets_in_a_signature_are_a_few_diagnostics():
    text = "component square(x: int) -> (y: " + "[" * 3000 + 'int) {\n    image = "alpine"\n}\n'
    module, diagnostics = parse_module(text)
    assert "PTF108" in [d.code for d in diagnostics] and len(diagnostics) < 10


def test_thousands_of_errors_each_cost_a_repair_and_one_message_per_run():
    # 900 numbers where items need commas: one repair each, and one message (the rest are its echoes)
    module, diagnostics = parse_module("pipeline p() {\n    s = f(a: [" + "0.1 " * 900 + "])\n}\n")
    assert [(d.code, d.message) for d in diagnostics] == [("PTF101", "unexpected `0.1`; expected one of `,`, `]`")]


def test_an_fstring_with_twenty_thousand_placeholders_keeps_every_placeholder_at_its_position():
    text = 'pipeline p(a: str) {\n    s = f(a: f"' + "{a}-" * 20_000 + '")\n}\n'
    module, diagnostics = parse_module(text)
    assert diagnostics == []
    fstring = module.pipelines[0].body[0].call.args[0].value
    names = [part for part in fstring.parts if not isinstance(part, str)]
    assert len(names) == 20_000
    last = names[-1].span
    assert (last.line, last.column) == (2, 16 + 4 * 19_999 + 1) and text[last.start : last.end] == "a"


@pytest.mark.parametrize(
    "placeholder",
    ["a", " a ", "step.output", "s.o.p", "e_1.f", "pipeline.job_id", "true", "a.not_x", "x[0]", "a.b.c.d.e"],
)
def test_a_placeholder_read_without_the_parser_is_the_tree_the_parser_builds(placeholder):
    from ptflow.compiler.diagnostics import Diagnostics
    from ptflow.compiler.parser import _build, _dotted_name, _parse
    from ptflow.compiler.source import SourceText

    source = SourceText("f.ptflow", 'x = f"{' + placeholder + '}"')
    offset = len('x = f"{')
    fast = _dotted_name(placeholder, offset, source)
    parsed = _build(_parse(placeholder, "value"), source, Diagnostics(), offset)
    assert fast is None or repr(fast) == repr(parsed)
    assert (fast is None) == (placeholder in ("pipeline.job_id", "true", "x[0]"))
