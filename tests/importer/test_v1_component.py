"""A KFP v1 component.yaml through `ptflow import`: the real CLI, a real file.

The imported `component` must mean what the YAML means: a pipeline calling it compiles to
the same KFP v2 IR (up to names) as the same pipeline calling the YAML file through
`import "train.yaml" as train_model`, which the compiler has long supported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.ir_equivalence import assert_equivalent_ir

ROOT = Path(__file__).resolve().parents[2]

COMPONENT = """\
name: Train model
description: Trains a model on a CSV file.
metadata:
  annotations: {author: someone}
inputs:
- {name: Training data, type: Dataset, description: the CSV}
- {name: Epochs, type: Integer, default: '3'}
- {name: Learning rate, type: Float, optional: true}
outputs:
- {name: Model, type: Model}
- {name: Best epoch, type: Integer}
implementation:
  container:
    image: pytorch/pytorch:2.4.0-cpu
    command: [python, -m, trainer]
    args:
    - --data
    - {inputPath: Training data}
    - --epochs
    - {inputValue: Epochs}
    - if:
        cond: {isPresent: Learning rate}
        then: [--lr, {inputValue: Learning rate}]
    - {concat: [--model=, {outputPath: Model}]}
    - --best
    - {outputPath: Best epoch}
    env: {PYTHONUNBUFFERED: '1'}
"""

PIPELINE = """
pipeline train_twice(data_uri: str = "gs://bucket/train.csv") {
    data = importer(uri: data_uri, type: Dataset)
    first = train_model(training_data: data.artifact, epochs: 5)
    second = train_model(training_data: data.artifact, learning_rate: 0.01)
}
"""


def ptflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *args], capture_output=True, text=True, cwd=ROOT)


def compiled(path: Path) -> list[dict]:
    out = path.with_suffix(".yaml.out")
    done = ptflow("compile", str(path), "-o", str(out))
    assert done.returncode == 0, done.stderr
    return list(yaml.safe_load_all(out.read_text()))


def test_a_v1_component_imports_as_a_component_that_means_the_same(tmp_path: Path):
    (tmp_path / "train.yaml").write_text(COMPONENT)
    done = ptflow("import", str(tmp_path / "train.yaml"))
    assert done.returncode == 0, done.stderr
    source = done.stdout
    assert "component train_model(" in source
    assert "training_data: Dataset,  ## the CSV" in source
    assert 'if_present(learning_rate, ["--lr", learning_rate])' in source
    assert 'concat("--model=", model.path)' in source
    assert "best_epoch.path" in source and "-> (model: Model, best_epoch: int)" in source

    through_import = tmp_path / "through_import.ptflow"
    through_import.write_text('import "train.yaml" as train_model\n' + PIPELINE)
    written_out = tmp_path / "written_out.ptflow"
    written_out.write_text(source + PIPELINE)
    assert_equivalent_ir(compiled(written_out), compiled(through_import))


def test_an_unknown_v1_field_is_refused_with_its_name(tmp_path: Path):
    (tmp_path / "train.yaml").write_text(COMPONENT + "sparkles: 3\n")
    done = ptflow("import", str(tmp_path / "train.yaml"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error[PTF921]: " in done.stderr and "at `sparkles`:" in done.stderr


def test_a_v1_graph_component_is_refused(tmp_path: Path):
    (tmp_path / "graph.yaml").write_text("name: g\nimplementation:\n  graph: {tasks: {}}\n")
    done = ptflow("import", str(tmp_path / "graph.yaml"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error[PTF920]: " in done.stderr and "at `implementation`:" in done.stderr and "container" in done.stderr
