"""Hover text and the document outline, over a real check, without the protocol."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from ptflow.lsp.analysis import Analyzer, Snapshot
from ptflow.lsp.hover import builtin_hover_at, hover_at, option_hover_at, wrap_signature
from ptflow.lsp.positions import PositionMap
from ptflow.lsp.symbols import document_symbols

PROGRAM = """\
import stdlib.torch as torch

## Square a number.
component square(x: int) -> (y: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $(($0 * $0)) > $1", x, y.path]
}

pipeline p(numbers: list[int] = [1, 2]) {
    data = torch.prepare_images()
    train = torch.train(data: data.data)
    for n in numbers {
        sq = square(x: n)
    }
    if train.accuracy > 0.5 {
        best = square(x: 1)
    }
}
"""


@pytest.fixture
def analysis(tmp_path: Path):
    path = tmp_path / "p.ptflow"
    path.write_text(PROGRAM)
    result = Analyzer().analyze(Snapshot(path.as_uri(), str(path), 1, PROGRAM))
    assert result.result.ok, result.diagnostics
    return result


def hover(analysis, marker: str, after: int = 0) -> str:
    offset = PROGRAM.index(marker) + after
    line = PROGRAM.count("\n", 0, offset) + 1
    column = offset - (PROGRAM.rfind("\n", 0, offset) + 1) + 1
    found = hover_at(analysis.index, line, column)
    return found[1] if found else ""


def test_hover_on_a_standard_library_component_shows_its_signature_one_input_per_line_and_its_docs(analysis):
    text = hover(analysis, "train(data")
    assert text.startswith('*component*\n\n```ptflow\ncomponent train(\n    data: Dataset,\n    model: str = "cnn",\n')
    assert ") -> (\n    model_file: Model,\n" in text
    assert "Train a classifier with PyTorch Lightning" in text


def test_hover_on_a_step_shows_what_it_calls_and_its_outputs(analysis):
    text = hover(analysis, "train.accuracy")
    assert "*step in `p`*" in text
    assert "train = torch.train(...) -> (\n    model_file: Model," in text
    assert "    accuracy: float,\n    val_accuracy: float,\n)" in text


def test_hover_on_names_shows_their_types(analysis):
    assert "```ptflow\nnumbers: list[int]\n```" in hover(analysis, "numbers {")
    assert "```ptflow\nn: int\n```" in hover(analysis, "n)")  # a loop over list[int] gives ints
    assert "*output of `train`*" in hover(analysis, "accuracy > 0.5")
    assert "accuracy: float" in hover(analysis, "accuracy > 0.5")
    assert "*input of `square`*" in hover(analysis, "x: n)")


def test_hover_on_a_module_names_its_file_and_components(analysis):
    text = hover(analysis, "torch.prepare")
    assert text.startswith("*module*\n\n```ptflow\nimport stdlib.torch\n```")
    assert "torch.ptflow`" in text and "`prepare_images`" in text


def test_hover_on_nothing_in_particular_is_empty(analysis):
    assert hover(analysis, "0.5") == ""


def test_short_signatures_stay_on_one_line():
    assert wrap_signature("component square(x: int) -> (y: int)") == "component square(x: int) -> (y: int)"


def test_the_outline_lists_imports_components_and_pipelines_with_their_parameters_and_steps(analysis):
    symbols = document_symbols(analysis.scope.syntax_tree, analysis.index, PositionMap(PROGRAM))
    assert [(s.name, s.kind, s.detail) for s in symbols] == [
        ("torch", types.SymbolKind.Module, "stdlib.torch"),
        ("square", types.SymbolKind.Function, "component square(x: int) -> (y: int)"),
        ("p", types.SymbolKind.Class, "pipeline"),
    ]
    component, pipeline = symbols[1], symbols[2]
    assert [(c.name, c.detail) for c in component.children] == [("x", "int"), ("y", "-> int")]
    assert [(c.name, c.kind) for c in pipeline.children] == [
        ("numbers", types.SymbolKind.Field),
        ("data", types.SymbolKind.Variable),
        ("train", types.SymbolKind.Variable),
        ("sq", types.SymbolKind.Variable),
        ("best", types.SymbolKind.Variable),
    ]
    # Ranges hold the whole definition; the selection is the name.
    assert pipeline.range.start == types.Position(8, 0) and pipeline.range.end.line == 17
    assert pipeline.selection_range == types.Range(types.Position(8, 9), types.Position(8, 10))


OPTIONS_TEXT = """\
pipeline p() {
    a = square(x: 1) with { cpu: "2", retry: {max: 3, backoff: "30s"}, max_cache_staleness: "P1D" }
    b = square(x: 2) with { timeout:
"""


def option_hover(marker: str, after: int = 0):
    offset = OPTIONS_TEXT.index(marker) + after
    line = OPTIONS_TEXT.count("\n", 0, offset) + 1
    column = offset - (OPTIONS_TEXT.rfind("\n", 0, offset) + 1) + 1
    return option_hover_at("p.ptflow", OPTIONS_TEXT, line, column)


def test_hover_on_an_option_key_shows_its_doc_values_and_lowering_per_target():
    span, text = option_hover("cpu", 1)
    assert (span.line, span.column, span.end_column) == (2, 29, 32)
    assert text.split("\n\n")[:3] == [
        "*step option* `cpu`",
        "The container's CPU limit.",
        'Values: a CPU quantity: "2", 0.5, "500m", a pipeline parameter or a step output',
    ]
    assert "- kfp-v1: container `resources.limits.cpu`" in text
    # An option a target can't write says so.
    assert "- kfp-v2: not supported (PTF501)" in option_hover("max_cache_staleness")[1]
    # Unfinished text still hovers: the file need not parse.
    assert option_hover("timeout")[1].startswith("*step option* `timeout`")


def test_hover_outside_option_keys_shows_no_option():
    assert option_hover("max: 3") is None  # a field of retry's dict, not an option
    assert option_hover("square(x") is None
    assert option_hover('"2"', 1) is None  # a value


BUILTINS_TEXT = """\
pipeline p(go: bool = true) -> (out: list[int], chosen: int) {
    if go {
        a = square(x: 1)
    } else {
        b = square(x: 2)
    }
    say(text: "collect(a.y)")
    return (out: collect(a.y), chosen: oneof(a.y, b.y))
}
"""


def builtin_hover(marker: str):
    offset = BUILTINS_TEXT.index(marker)
    line = BUILTINS_TEXT.count("\n", 0, offset) + 1
    column = offset - (BUILTINS_TEXT.rfind("\n", 0, offset) + 1) + 1
    return builtin_hover_at("p.ptflow", BUILTINS_TEXT, line, column)


def test_hover_on_collect_and_oneof_shows_their_form_meaning_and_code():
    span, text = builtin_hover("collect(a.y),")
    assert (span.line, span.column, span.end_column) == (8, 18, 25)
    assert "```ptflow\ncollect(step.out)\n```" in text and "KFP's `dsl.Collected`" in text and "PTF406" in text
    _, text = builtin_hover("oneof(a.y")
    assert "oneof(a.out, b.out, ...)" in text and "PTF405" in text


def test_hover_on_collect_in_a_string_or_as_a_plain_name_shows_nothing():
    assert builtin_hover('collect(a.y)"') is None
    assert builtin_hover("square(x: 1)") is None
