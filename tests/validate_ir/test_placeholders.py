"""Reading command-line placeholders: what each form names, and which are malformed."""

from __future__ import annotations

import json

import pytest

from ptflow.compiler.validate.placeholders import (
    ANY_INPUT,
    INPUT_ARTIFACT,
    INPUT_PARAMETER,
    OUTPUT_ARTIFACT,
    OUTPUT_PARAMETER,
    scan,
)


@pytest.mark.parametrize(
    "text, kind, name",
    [
        ("{{$.inputs.parameters['x']}}", INPUT_PARAMETER, "x"),
        ('{{$.inputs.parameters["x"]}}', INPUT_PARAMETER, "x"),
        ("{{$.inputs.artifacts['d']}}", INPUT_ARTIFACT, "d"),
        ("{{$.inputs.artifacts['d'].path}}", INPUT_ARTIFACT, "d"),
        ("{{$.inputs.artifacts['d'].uri}}", INPUT_ARTIFACT, "d"),
        ("{{$.inputs.artifacts['d'].metadata}}", INPUT_ARTIFACT, "d"),
        ("{{$.inputs.artifacts['d'].metadata['k']}}", INPUT_ARTIFACT, "d"),
        ("{{$.outputs.parameters['y'].output_file}}", OUTPUT_PARAMETER, "y"),
        ("{{$.outputs.artifacts['m']}}", OUTPUT_ARTIFACT, "m"),
        ("{{$.outputs.artifacts['m'].path}}", OUTPUT_ARTIFACT, "m"),
        ("{{$.outputs.artifacts['m'].uri}}", OUTPUT_ARTIFACT, "m"),
        ("{{$.outputs.artifacts['m'].metadata}}", OUTPUT_ARTIFACT, "m"),
        ("--lr={{$.inputs.parameters['pipelinechannel--lr']}}/x", INPUT_PARAMETER, "pipelinechannel--lr"),
    ],
)
def test_named_placeholders(text, kind, name):
    result = scan(text)
    assert result.problems == ()
    assert [(u.kind, u.name) for u in result.uses] == [(kind, name)]


@pytest.mark.parametrize(
    "text",
    [
        "{{$}}",
        "{{$.outputs.output_file}}",
        "{{$.pipeline_job_name}}",
        "{{$.pipeline_job_uuid}}",
        "{{$.pipeline_task_name}}",
        "{{$.pipeline_task_uuid}}",
        "{{$.pipeline_root}}",
        "{{$.workspace_path}}",
        "{{$.pipeline_job_resource_name}}",
        "{{$.pipeline_job_create_time_utc}}",
        "plain text",
        "{{ jinja }}",
        '{"config": {"a": 1}}',
    ],
)
def test_placeholders_without_names_and_plain_text(text):
    result = scan(text)
    assert (result.uses, result.problems) == ((), ())


def test_several_placeholders_in_one_string():
    result = scan("run {{$.pipeline_job_uuid}} a={{$.inputs.parameters['a']}} b={{$.outputs.artifacts['b'].uri}}")
    assert [(u.kind, u.name) for u in result.uses] == [(INPUT_PARAMETER, "a"), (OUTPUT_ARTIFACT, "b")]


def test_if_present_and_concat_structures_are_read_recursively():
    structure = {
        "Concat": [
            "--x=",
            {
                "IfPresent": {
                    "InputName": "opt",
                    "Then": ["{{$.inputs.parameters['opt']}}"],
                    "Else": "{{$.inputs.artifacts['fallback'].path}}",
                }
            },
        ]
    }
    result = scan(json.dumps(structure))
    assert result.problems == ()
    assert [(u.kind, u.name) for u in result.uses] == [
        (ANY_INPUT, "opt"),
        (INPUT_PARAMETER, "opt"),
        (INPUT_ARTIFACT, "fallback"),
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{{$.inputs.parameters['x']", "placeholder `{{$.inputs.parameters['x']` is not closed with `}}`"),
        ("{{$.inputs.parameter['x']}}", "`{{$.inputs.parameter['x']}}` is not a KFP placeholder"),
        ("{{$.outputs.parameters['y']}}", "`{{$.outputs.parameters['y']}}` is not a KFP placeholder"),
        ("{{$.inputs.artifacts['d'].size}}", "`{{$.inputs.artifacts['d'].size}}` is not a KFP placeholder"),
        (
            '{"IfPresent": {"InputName": "x", "Then": [}}',
            "malformed IfPresent placeholder: Expecting value at character 42",
        ),
        ('{"IfPresent": {"InputName": "x"}}', "IfPresent needs a Then"),
        (
            '{"IfPresent": {"Input": "x", "Then": []}}',
            "IfPresent has unknown key(s) Input (expected InputName, Then, Else)",
        ),
        ('{"Concat": "a"}', "Concat takes a list"),
        ('{"Concat": [{"Join": ["a"]}]}', "unknown placeholder structure `Join` (expected IfPresent or Concat)"),
    ],
)
def test_malformed_placeholders(text, problem):
    assert problem in scan(text).problems


def test_a_scan_is_shared_between_equal_elements_and_cannot_be_changed():
    """`scan` reads each distinct element once (executors repeat theirs); a caller can't alter what the next
    caller of the same element gets."""
    text = "--x={{$.inputs.parameters['x']}} {{$.bad}}"
    first = scan(text)
    assert scan(text) is first
    assert [(u.kind, u.name) for u in first.uses] == [(INPUT_PARAMETER, "x")] and len(first.problems) == 1
    with pytest.raises(AttributeError):
        first.uses.append(first.uses[0])
