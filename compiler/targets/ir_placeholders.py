"""Writing command-line placeholders the way the KFP v2 launcher reads them."""

from __future__ import annotations

import json

from ptflow.compiler import dag

RUNTIME = {
    "executor_input": "{{$}}",
    "executor_output_file": "{{$.outputs.output_file}}",
    "job_name": "{{$.pipeline_job_name}}",
    "job_id": "{{$.pipeline_job_uuid}}",
    "task_name": "{{$.pipeline_task_name}}",
    "task_id": "{{$.pipeline_task_uuid}}",
    "root": "{{$.pipeline_root}}",
    "job_resource_name": "{{$.pipeline_job_resource_name}}",
    "job_create_time": "{{$.pipeline_job_create_time_utc}}",
    "job_schedule_time": "{{$.pipeline_job_schedule_time_utc}}",
    "workspace_path": "{{$.workspace_path}}",
}


def input_parameter(name: str) -> str:
    return f"{{{{$.inputs.parameters['{name}']}}}}"


def render_arg(arg: dag.Arg, component: dag.ComponentSpec) -> str:
    """One command-line element as an IR string."""
    structure = _render(arg, component)
    return json.dumps(structure) if isinstance(structure, dict) else structure


def _render(arg: dag.Arg, component: dag.ComponentSpec):
    if isinstance(arg, str):
        return arg
    if isinstance(arg, dag.InputValue):
        return input_parameter(arg.input)
    if isinstance(arg, dag.InputPath):
        return f"{{{{$.inputs.artifacts['{arg.input}'].path}}}}"
    if isinstance(arg, dag.InputUri):
        return f"{{{{$.inputs.artifacts['{arg.input}'].uri}}}}"
    if isinstance(arg, dag.InputArtifactList):
        return f"{{{{$.inputs.artifacts['{arg.input}']}}}}"
    if isinstance(arg, dag.InputMetadata):
        return f"{{{{$.inputs.artifacts['{arg.input}'].metadata}}}}"
    if isinstance(arg, dag.OutputPath):
        port = component.output(arg.output)
        if port is not None and port.type.is_param:
            return f"{{{{$.outputs.parameters['{arg.output}'].output_file}}}}"
        return f"{{{{$.outputs.artifacts['{arg.output}'].path}}}}"
    if isinstance(arg, dag.OutputUri):
        return f"{{{{$.outputs.artifacts['{arg.output}'].uri}}}}"
    if isinstance(arg, dag.OutputMetadata):
        return f"{{{{$.outputs.artifacts['{arg.output}'].metadata}}}}"
    if isinstance(arg, dag.RuntimePlaceholder):
        return RUNTIME[arg.which]
    if isinstance(arg, dag.Template):
        return "".join(_render(part, component) for part in arg.parts)
    if isinstance(arg, dag.Concat):
        return {"Concat": [_render(part, component) for part in arg.parts]}
    if isinstance(arg, dag.IfPresent):
        structure = {"IfPresent": {"InputName": arg.input, "Then": [_render(a, component) for a in arg.then]}}
        if arg.otherwise:
            structure["IfPresent"]["Else"] = [_render(a, component) for a in arg.otherwise]
        return structure
    raise TypeError(f"not a command-line element: {arg!r}")
