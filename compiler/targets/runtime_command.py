"""The command line of a standard-library step, for each target.

A component declared with `runtime = "torch.train"` runs
`python -m ptflow.runtime torch.train` in the ptflow runtime image, with one
flag per port named like the port.  On KFP v2 the step also receives the
executor input (`{{$}}`), through which it reports Metrics and
ClassificationMetrics; on KFP v1 it writes the `mlpipeline-metrics` and
`mlpipeline-ui-metadata` files the v1 UI reads instead.
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.types import TypeKind

ENTRYPOINT = ["python", "-m", "ptflow.runtime"]


def runtime_command(component: dag.ComponentSpec, target: str) -> tuple[list[dag.Arg], list[dag.Arg]]:
    """(command, args) for a runtime component on `target` ("kfp-v2" or "kfp-v1")."""
    step = component.running_container().runtime_step
    assert step is not None, f"`{component.name}` is a runtime component, so it names its step"
    command: list[dag.Arg] = [*ENTRYPOINT, step]
    args: list[dag.Arg] = []
    if target == "kfp-v2":
        args += ["--executor-input", dag.RuntimePlaceholder("executor_input")]
    for port in component.inputs:
        if port.type.kind == TypeKind.STATUS:
            flag_value: list[dag.Arg] = [f"--{port.name}", dag.InputValue(port.name)]
        elif port.type.is_artifact:
            flag_value = [f"--{port.name}", dag.InputPath(port.name)]
        else:
            flag_value = [f"--{port.name}", dag.InputValue(port.name)]
        if port.required or port.has_default and port.default is not None:
            args += flag_value
        else:
            args.append(dag.IfPresent(port.name, tuple(flag_value)))
    for port in component.outputs:
        args += [f"--{port.name}", dag.OutputPath(port.name)]
    return command, args
