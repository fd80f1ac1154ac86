"""IR that kfp 2.17's own compiler and ptflow write validates cleanly; kfp's known bug does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.ir import validate_ir
from tests.validate_ir.kfp_reference import REFERENCE_PIPELINES

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*/*.ptflow"))


def _validate_file(path: Path):
    text = path.read_text()
    return validate_ir(list(yaml.safe_load_all(text)), SourceText(str(path), text))


@pytest.mark.parametrize("name", sorted(REFERENCE_PIPELINES))
def test_kfp_compiled_reference_is_clean(reference_dir, name):
    diagnostics = _validate_file(reference_dir / f"{name}.yaml")
    assert [f"{d.code} {d.message}" for d in diagnostics] == []


def test_references_cover_what_they_claim(reference_dir):
    """The clean results above mean something only if the references hold the features."""
    text = "\n".join((reference_dir / f"{name}.yaml").read_text() for name in REFERENCE_PIPELINES)
    for feature in (
        "parameterIterator",
        "raw:",
        "parallelismLimit",
        "triggerPolicy",
        "condition:",
        "ALL_UPSTREAM_TASKS_COMPLETED",
        "taskFinalStatus",
        "isArtifactList: true",
        "valueFromParameter",
        "artifactSelectors",
        "importer:",
        "runtimeParameter: uri",
        "IfPresent",
        "Concat",
        "output_file",
        "parameterExpressionSelector",
        "platforms:",
        "tolerations:",
        "secretAsEnv",
        "nodeSelector",
        "retryPolicy",
        "NUMBER_DOUBLE",
        "BOOLEAN",
        "STRUCT",
        "LIST",
        "base_image",
        "pipelinechannel--",
    ):
        assert feature in text, feature


def test_kfp_bug_dangling_loop_item_in_exit_handler_is_flagged(reference_dir):
    """kfp 2.17.3 wires a raw-list loop item's dict field inside an ExitHandler to
    `componentInputParameter: loop-item-param-N`, which the root does not have
    (research kfp_v2.md §2); running it fails, so validation must say so."""
    path = reference_dir / "subvar_in_exit_handler.yaml"
    diagnostics = _validate_file(path)
    assert len(diagnostics) == 1
    [problem] = diagnostics
    assert problem.code == "PTF520"
    text = path.read_text()
    spec = yaml.safe_load_all(text).__next__()
    [(input_name, wiring)] = spec["root"]["dag"]["tasks"]["exit-handler-1"]["inputs"]["parameters"].items()
    dangling = wiring["componentInputParameter"]
    assert dangling.startswith("loop-item-param-")
    assert problem.message == (
        f"root.dag.tasks.exit-handler-1.inputs.parameters.{input_name}."
        f"componentInputParameter: `root` has no input parameter `{dangling}`"
    )
    offset = text.index(f"componentInputParameter: {dangling}") + len("componentInputParameter: ")
    assert (problem.span.line, problem.span.column) == (
        text.count("\n", 0, offset) + 1,
        offset - text.rfind("\n", 0, offset),
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_ptflow_compiled_examples_are_clean(example, tmp_path):
    from ptflow.compiler.api import compile_file

    result = compile_file(str(example))
    assert result.ok, [d.message for d in result.diagnostics]
    path = tmp_path / "out.yaml"
    path.write_text(yaml.safe_dump_all(result.documents, sort_keys=True))
    assert [f"{d.code} {d.message}" for d in _validate_file(path)] == []


def test_compile_without_source_gives_messages_without_spans(reference_dir):
    """The compile path validates documents in memory: no file, so no spans, but the path is in the message."""
    documents = list(yaml.safe_load_all((reference_dir / "artifacts_and_outputs.yaml").read_text()))
    documents[0]["root"]["dag"]["tasks"]["consume"]["componentRef"]["name"] = "comp-consum"
    [problem] = validate_ir(documents)
    assert problem.span is None
    assert problem.message == "root.dag.tasks.consume.componentRef.name: no component named `comp-consum`"
    assert problem.hint == "did you mean `comp-consume`?"
