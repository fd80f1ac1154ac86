"""JSON paths resolve to the span of the key or value they name in the YAML text."""

from __future__ import annotations

import pytest
import yaml

from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.yaml_source import PathReport, YamlPositions, format_path, yaml_error_span

TEXT = """\
# a comment
root:
  dag:
    tasks:
      train:
        componentRef:
          name: comp-train
        args:
        - "--x"
        - '--y'
---
platforms:
  kubernetes: {deploymentSpec: {executors: {exec-a: {}}}}
"""


@pytest.fixture
def positions() -> YamlPositions:
    return YamlPositions(SourceText("f.yaml", TEXT))


def _where(span):
    return span.line, span.column, span.end_line, span.end_column


def test_value_and_key_spans(positions):
    path = ("root", "dag", "tasks", "train", "componentRef", "name")
    assert _where(positions.span(0, path, "value")) == (7, 17, 7, 27)
    assert _where(positions.span(0, path, "key")) == (7, 11, 7, 15)


def test_list_items_and_quoted_scalars(positions):
    assert _where(positions.span(0, ("root", "dag", "tasks", "train", "args", 0))) == (9, 11, 9, 16)
    assert _where(positions.span(0, ("root", "dag", "tasks", "train", "args", 1))) == (10, 11, 10, 16)


def test_a_mapping_value_points_at_its_key(positions):
    assert _where(positions.span(0, ("root", "dag", "tasks", "train"))) == (5, 7, 5, 12)


def test_a_missing_path_points_at_its_deepest_existing_key(positions):
    span = positions.span(0, ("root", "dag", "tasks", "train", "inputs", "parameters", "x"))
    assert _where(span) == (5, 7, 5, 12)


def test_second_document_and_flow_style(positions):
    span = positions.span(1, ("platforms", "kubernetes", "deploymentSpec", "executors", "exec-a"), "key")
    assert _where(span) == (13, 45, 13, 51)


def test_document_level_problems_point_at_the_first_key(positions):
    assert _where(positions.span(0, ())) == (2, 1, 2, 5)


def test_paths_are_written_as_json_paths():
    assert format_path(("root", "dag", "tasks", "train", "args", 0)) == "root.dag.tasks.train.args[0]"
    assert format_path(("labels", "cloud.google.com/gke")) == 'labels["cloud.google.com/gke"]'
    assert format_path(()) == "(document)"


def test_report_turns_findings_into_sorted_diagnostics_with_spans():
    report = PathReport()
    report.add("PTF516", 0, ("root", "dag", "tasks", "train", "componentRef", "name"), "no component named x")
    report.add("PTF513", 0, (), "no schemaVersion", part="key")
    report.add("PTF513", 0, (), "no schemaVersion", part="key")  # said once
    diagnostics = report.diagnostics(SourceText("f.yaml", TEXT))
    assert [(d.code, d.message, d.span.line) for d in diagnostics] == [
        ("PTF513", "(document): no schemaVersion", 2),
        ("PTF516", "root.dag.tasks.train.componentRef.name: no component named x", 7),
    ]


def test_yaml_error_position():
    source = SourceText("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(yaml.YAMLError) as error:
        list(yaml.safe_load_all(source.text))
    span = yaml_error_span(error.value, source)
    assert (span.line, span.column) == (3, 2)
