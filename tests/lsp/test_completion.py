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
    assert "oneof" not in items and "collect" not in items  # values, not statements


def test_a_return_value_offers_values_oneof_and_collect(program):
    items = {
        i.label: i
        for i in program("        sq = square(x: n)\n    }\n", "        sq = square(x: n)\n    }\n    return (y: |)\n")
    }
    assert {"train", "data", "oneof", "collect", "true"} <= set(items)
    assert "import" not in items and "square" not in items  # values only, as after `x:` in a call
    assert items["collect"].detail.startswith("collect(step.out)")
    # A step's input takes no `collect` (PTF406): it is offered in `return` only.
    assert "collect" not in labels(program("sq = square(x: n)", "sq = square(x: |)"))


def test_inside_a_string_there_is_nothing_to_complete(program):
    assert program('label: str = "a"', 'label: str = "a|"') == []
    assert program("sq = square(x: n)", 'sq = square(x: n, table: "gs://bucket/x.|') == []


def test_pipeline_dot_offers_the_run_values(program):
    assert labels(program("sq = square(x: n)", "sq = square(x: pipeline.|)")) == [
        "job_name",
        "job_id",
        "job_resource_name",
        "job_create_time",
        "job_schedule_time",
        "task_name",
        "task_id",
        "root",
        "status",
        "workspace_path",
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


EXPECTING_A_MODEL = """\
import stdlib.torch as torch

component evaluate(model: Model, threshold: float = 0.5, note: str = "") -> (score: float) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "echo", model.path, threshold, note, score.path]
}

pipeline p(rate: float = 0.1, label: str = "a") {
    data = torch.prepare_images()
    train = torch.train(data: data.data)
    check = evaluate(model: train.model_file)
}
"""


def ranked(tmp_path: Path, old: str, new: str) -> list[str]:
    """The labels the language server answers with at `|` in EXPECTING_A_MODEL edited, in its order."""
    path = tmp_path / "p.ptflow"
    path.write_text(EXPECTING_A_MODEL)
    result = check_file(str(path))
    assert result.ok, result.diagnostics
    edited = EXPECTING_A_MODEL.replace(old, new, 1)
    offset = edited.index("|")
    text = edited[:offset] + edited[offset + 1 :]
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    items = complete(result.scope, build_index(result.scope), text, line, column)
    return [
        item.label for item in completion_list(items, typed_word(text[text.rfind("\n", 0, offset) + 1 : offset])).items
    ]


def test_an_input_of_type_model_is_offered_the_model_output_first(tmp_path):
    # By name, `accuracy`, `checkpoint` and `confusion` come before `model_file`: the type puts it first, then
    # the outputs that may be passed to a Model (a plain Artifact), then the rest.
    outputs = ranked(tmp_path, "evaluate(model: train.model_file)", "evaluate(model: train.|)")
    assert outputs[0] == "model_file"
    assert set(outputs[1:3]) == {"checkpoint", "tensorboard"}
    assert set(outputs[3:]) == {"accuracy", "confusion", "metrics", "val_accuracy"}


def test_a_float_input_is_offered_float_values_first(tmp_path):
    outputs = ranked(
        tmp_path, "evaluate(model: train.model_file)", "evaluate(model: train.model_file, threshold: train.|)"
    )
    assert outputs[:2] == ["accuracy", "val_accuracy"]
    names = ranked(tmp_path, "evaluate(model: train.model_file)", "evaluate(model: train.model_file, threshold: |)")
    # the float parameter and the step with float outputs, before the str parameter and `data`
    assert names[:2] == ["rate", "train"], names
    assert names.index("label") > 1 and names.index("data") > 1


def test_a_step_with_a_model_output_comes_before_other_names(tmp_path):
    names = ranked(tmp_path, "evaluate(model: train.model_file)", "evaluate(model: |)")
    assert names[0] == "train", names
