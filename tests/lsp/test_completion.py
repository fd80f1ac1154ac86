"""Completion at a position, without the protocol: `ptflow.compiler.completion.complete` over a real check,
and the server's filtering of the answer (`ptflow.lsp.completion`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.completion import Completion, complete
from ptflow.compiler.index import build_index
from ptflow.compiler.modules import stdlib_directory
from ptflow.lsp.completion import MAX_ITEMS, completion_list, could_match, typed_word

PROGRAM = """\
import stdlib.torch as torch

## Square a number.
component square(x: int, scale: float = 1.0, table: Dataset?) -> (y: int, report: Markdown) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo", x, y.path, report.path]
}

pipeline p(numbers: list[int] = [1, 2], label: str = "a") {
    data = torch.prepare_images()
    train = torch.train(data: data.data)
    for n in numbers {
        sq = square(x: n)
    }
}
"""


@pytest.fixture
def program(tmp_path: Path):
    """Complete at `|` in PROGRAM with one edit applied; the check is of PROGRAM as it was (an editor asks
    while the user types, before the edit has been checked)."""
    path = tmp_path / "p.ptflow"
    path.write_text(PROGRAM)
    result = check_file(str(path))
    assert result.ok, result.diagnostics
    index = build_index(result.scope)

    def at(old: str, new: str) -> list[Completion]:
        assert old in PROGRAM
        edited = PROGRAM.replace(old, new, 1)
        offset = edited.index("|")
        text = edited[:offset] + edited[offset + 1 :]
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return complete(result.scope, index, text, line, column)

    return at


def labels(items: list[Completion]) -> list[str]:
    return [item.label for item in items]


def test_a_calls_inputs_come_required_first_with_types_and_defaults(program):
    items = program("sq = square(x: n)", "sq = square(|x: n)")
    assert [(i.label, i.detail, i.insert) for i in sorted(items, key=lambda i: i.sort)] == [
        ("x", "int (required)", "x: "),
        ("scale", "float = 1.0", "scale: "),
        ("table", "Dataset? (optional)", "table: "),
    ]


def test_inputs_already_given_are_not_offered_again(program):
    assert labels(program("sq = square(x: n)", "sq = square(x: n, |)")) == ["scale", "table"]
    # A bracket inside a string doesn't hide the call.
    assert labels(program("sq = square(x: n)", 'sq = square(x: n, table: ")(", |)')) == ["scale"]


def test_a_standard_library_calls_inputs_carry_their_docs(program):
    items = {i.label: i for i in program("torch.train(data: data.data)", "torch.train(data: data.data, |)")}
    assert "data" not in items
    assert items["max_epochs"].detail == "int = 1"
    assert items["max_epochs"].doc == "Passes over the training data."


def test_after_a_step_and_a_dot_come_its_outputs(program):
    items = program("sq = square(x: n)", "sq = square(x: train.|)")
    assert [(i.label, i.detail) for i in items] == [
        ("model_file", "Model"),
        ("checkpoint", "Artifact"),
        ("tensorboard", "Artifact"),
        ("metrics", "Metrics"),
        ("confusion", "ClassificationMetrics"),
        ("accuracy", "float"),
        ("val_accuracy", "float"),
    ]
    # Also inside an f-string's braces, and with the member half typed.
    assert "accuracy" in labels(program("sq = square(x: n)", 'sq = square(x: f"{train.acc|}")'))


def test_after_a_module_and_a_dot_come_its_components(program):
    items = {i.label: i for i in program("data = torch.prepare_images()", "data = torch.|")}
    assert set(items) == {"prepare_images", "prepare_text", "train", "tensorboard"}
    assert items["train"].detail.startswith('component train(data: Dataset, model: str = "cnn"')


def test_with_offers_the_options_not_yet_set(program):
    items = program("sq = square(x: n)", 'sq = square(x: n) with { cpu: "1", | }')
    assert "memory" in labels(items) and "retries" in labels(items) and "cpu" not in labels(items)
    assert all(i.kind == "option" for i in items)


def test_after_offers_the_pipelines_steps(program):
    items = program("sq = square(x: n)", "sq = square(x: n) with { after: [data, |] }")
    assert sorted(labels(items)) == ["data", "sq", "train"]


def test_a_value_position_offers_values_in_scope_not_declarations(program):
    inside_loop = labels(program("sq = square(x: n)", "sq = square(x: |)"))
    assert {"numbers", "label", "n", "train", "pipeline", "true", "oneof"} <= set(inside_loop)
    assert "import" not in inside_loop and "square" not in inside_loop
    outside_loop = labels(program("train = torch.train(data: data.data)", "train = torch.train(data: |)"))
    assert "n" not in outside_loop


def test_a_pipeline_body_offers_keywords_components_and_properties(program):
    items = labels(program("    for n in numbers {", "    |\n    for n in numbers {"))
    assert {"for", "if", "finally", "square", "torch", "importer", "description", "numbers", "train"} <= set(items)
    assert "oneof" not in items  # a value, not a statement


def test_inside_a_string_there_is_nothing_to_complete(program):
    assert program('label: str = "a"', 'label: str = "a|"') == []
    assert program("sq = square(x: n)", 'sq = square(x: n, table: "gs://bucket/x.|') == []


def test_pipeline_dot_offers_the_run_values(program):
    assert labels(program("sq = square(x: n)", "sq = square(x: pipeline.|)")) == [
        "job_name",
        "job_id",
        "root",
        "status",
    ]


def test_a_components_command_offers_its_ports_and_what_follows_their_dot(program):
    assert labels(program("x, y.path, report.path]", "x, y.|, report.path]")) == ["path"]
    assert labels(program("x, y.path, report.path]", "x, y.path, report.|]")) == ["path", "uri", "metadata"]
    assert labels(program("x, y.path, report.path]", "x.|, y.path, report.path]")) == []
    assert {"x", "scale", "y", "report", "pipeline"} <= set(labels(program('"echo", x,', '"echo", |x,')))


def test_imports_complete_standard_library_modules_and_files(program, tmp_path):
    assert {"torch", "hpo"} <= set(labels(program("import stdlib.torch as torch", "import stdlib.|")))
    assert {p.stem for p in stdlib_directory().glob("*.ptflow")} <= set(
        labels(program("import stdlib.torch as torch", "import stdlib.|"))
    )
    (tmp_path / "common.ptflow").write_text("")
    (tmp_path / "notify.yaml").write_text("")
    (tmp_path / "components").mkdir()
    assert {"stdlib", "common"} <= set(labels(program("import stdlib.torch as torch", "import |")))
    assert labels(program("import stdlib.torch as torch", 'import "./|')) == [
        "common.ptflow",
        "components/",
        "notify.yaml",
    ]


def test_the_answer_keeps_what_the_typed_word_could_still_match_best_first():
    assert typed_word("    data = tor") == "tor"
    assert could_match("torch", "trh") and not could_match("train", "tx")
    items = [
        Completion("train", "step"),
        Completion("torch", "module"),
        Completion("for", "keyword"),
        Completion("data", "step"),
    ]
    answer = completion_list(items, "tr")
    assert [i.label for i in answer.items] == ["train", "torch"] and not answer.is_incomplete


def test_a_long_answer_is_cut_and_marked_incomplete():
    items = [Completion(f"step_{i:04d}", "step") for i in range(3 * MAX_ITEMS)] + [Completion("epochs", "parameter")]
    answer = completion_list(items, "")
    assert answer.is_incomplete and len(answer.items) == MAX_ITEMS
    assert answer.items[0].label == "epochs"  # parameters rank before steps
    assert [i.label for i in completion_list(items, "step_0299").items] == ["step_0299"]
