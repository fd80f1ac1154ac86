"""The target table: the command line, the compiler and the docs read the same rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ptflow.compiler.api import compile_file
from ptflow.compiler.targets.registry import DEFAULT_TARGET, TARGETS

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "examples" / "hello" / "hello.ptflow"


def ptflow(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("command", ["compile", "check"])
def test_the_command_line_offers_the_tables_targets(command):
    result = ptflow(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "{" + ",".join(TARGETS) + "}" in result.stdout


def test_an_unknown_target_is_a_usage_error_naming_the_targets(tmp_path):
    result = ptflow("compile", str(HELLO), "--target", "kfp-v3", "-o", str(tmp_path / "x.yaml"))
    assert result.returncode == 2
    assert "invalid choice: 'kfp-v3'" in result.stderr and all(name in result.stderr for name in TARGETS)


@pytest.mark.parametrize("name", list(TARGETS))
def test_compile_writes_each_target_next_to_the_source_with_its_suffix(tmp_path, name):
    source = tmp_path / "hello.ptflow"
    source.write_text(HELLO.read_text())
    result = ptflow("compile", str(source), "--target", name)
    assert result.returncode == 0, result.stderr
    written = tmp_path / f"hello{TARGETS[name].suffix}"
    assert result.stdout.strip().endswith(f"for {name}: {written}")
    assert f"target {name})" in written.read_text().splitlines()[0]


@pytest.mark.parametrize("name", list(TARGETS))
def test_each_targets_functions_have_one_shape(name):
    target = TARGETS[name]
    result = compile_file(str(HELLO), name)
    assert result.ok, [d.message for d in result.diagnostics]
    # The validator accepts what the lowering wrote (compile_file ran both; run it again by the table).
    assert [p for p in target.validate(result.documents) if p.is_error] == []


def test_compiling_for_a_target_that_does_not_exist_is_a_value_error_for_the_caller():
    with pytest.raises(ValueError) as error:
        compile_file(str(HELLO), "kfp-v3")
    assert str(error.value) == f"unknown target `kfp-v3` (targets: {', '.join(TARGETS)})"
    assert DEFAULT_TARGET in TARGETS


RETURNS = """
component make(x: int) -> (y: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $0 > $1", x, y.path]
}

pipeline rets() -> (first: str, second: list[str]) {
    a = make(x: 1)
    for i in [1, 2] {
        b = make(x: i)
    }
    return (first: a.y, second: b.y)
}
"""


def test_kfp_v2_surfaces_a_gathered_output_returned_after_one_made_in_the_root(tmp_path):
    """`second` is gathered from the loop: its DAG must pass it up, though `first` (made in the root) needs nothing."""
    source = tmp_path / "rets.ptflow"
    source.write_text(RETURNS)
    result = compile_file(str(source), "kfp-v2")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    [spec] = [d for d in result.documents if "root" in d]
    outputs = spec["root"]["dag"]["outputs"]["parameters"]
    assert outputs["first"] == {"valueFromParameter": {"producerSubtask": "a", "outputParameterKey": "y"}}
    loop = outputs["second"]["valueFromParameter"]
    assert loop["producerSubtask"] == "for-loop-2"
    surfaced = spec["components"]["comp-for-loop-2"]["dag"]["outputs"]["parameters"][loop["outputParameterKey"]]
    assert surfaced == {"valueFromParameter": {"producerSubtask": "b", "outputParameterKey": "y"}}


SWEEP = """
component train(lr: float) {
    image = "alpine:3.19"
    command = ["echo", lr]
}

pipeline sweep() {
    for cfg in [{"lr": 0.1}, {"lr": 0.01}] {
        if cfg.lr > 0.05 {
            t = train(lr: cfg.lr)
        }
    }
}
"""


def test_kfp_v2_hands_a_condition_on_a_constant_items_field_that_field(tmp_path):
    """As kfp does: the `if` group between the loop and the step gets the item's field (`...-subvar-lr`) as an input."""
    source = tmp_path / "sweep.ptflow"
    source.write_text(SWEEP)
    result = compile_file(str(source), "kfp-v2")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    [spec] = [d for d in result.documents if "root" in d]
    condition = spec["components"]["comp-for-loop-2"]["dag"]["tasks"]["condition-3"]
    field = "pipelinechannel--loop-item-param-1-subvar-lr"
    assert condition["triggerPolicy"]["condition"] == f"inputs.parameter_values['{field}'] > 0.05"
    assert condition["inputs"]["parameters"][field] == {
        "componentInputParameter": "pipelinechannel--loop-item-param-1",
        "parameterExpressionSelector": 'parseJson(string_value)["lr"]',
    }
