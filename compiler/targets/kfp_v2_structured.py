"""Lists and dicts with run-time values inside, as kfp writes them (`dag.Structured`).

kfp passes such an argument as ONE constant in which every run-time value is a
placeholder, `{{$.inputs.parameters['NAME']}}`, NAME being a task input that
carries the value:

- to a step (`worker_pool_specs=[{'machine_spec': {'machine_type': task.output}}]`),
  NAME is the channel's own input name (`pipelinechannel--machine-type-Output`),
  as for an f-string argument (kfp_v2.py, `_interpolation`);
- to an importer's `metadata`, NAME is `metadata`, `metadata-2`, ... in the order
  kfp meets the values (depth first, a dict's key before its value, an f-string's
  values in order), one name per distinct value; the importer component declares
  these inputs with the values' types (kfp's `importer_node.importer`).
"""

from __future__ import annotations

from collections.abc import Callable

from ptflow.compiler import dag
from ptflow.compiler.names import unique_name
from ptflow.compiler.targets.ir_placeholders import RUNTIME, input_parameter

IMPORTER_METADATA = "metadata"


def leaf_text(leaf: dag.Value, placeholder: Callable[[dag.Value], str]) -> str:
    """A run-time leaf as text: an f-string's text with its values' placeholders, a run value's KFP placeholder,
    or `placeholder(leaf)` for a value that travels in a task input."""
    parts = leaf.parts if isinstance(leaf, dag.Interpolation) else (leaf,)
    text = []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
        elif isinstance(part, dag.Constant):
            text.append(str(part.value))
        elif isinstance(part, dag.RuntimeValue):
            text.append(RUNTIME[part.which])
        else:
            text.append(placeholder(part))
    return "".join(text)


def channel_values(structured: dag.Structured):
    """The values inside that travel in task inputs, in kfp's order (f-strings opened, run values left out)."""
    for leaf in structured.run_time_values():
        parts = leaf.parts if isinstance(leaf, dag.Interpolation) else (leaf,)
        for part in parts:
            if not isinstance(part, (str, dag.Constant, dag.RuntimeValue)):
                yield part


def importer_metadata_inputs(metadata: dag.Structured) -> dict[dag.Value, str]:
    """The importer's input name for each distinct run-time value of its metadata: `metadata`, `metadata-2`, ..."""
    names: dict[dag.Value, str] = {}
    for value in channel_values(metadata):
        if value not in names:
            names[value] = unique_name(IMPORTER_METADATA, set(names.values()))
    return names


def importer_metadata(metadata: dag.Structured) -> object:
    """The importer executor's `metadata`: the dict with each run-time value's placeholder in its place."""
    names = importer_metadata_inputs(metadata)
    return metadata.render(lambda leaf: leaf_text(leaf, lambda value: input_parameter(names[value])))
