"""The command line of a standard-library step, for each target.

A component declared with `runtime = "torch.train"` runs
`python -m ptflow.runtime torch.train` in the ptflow runtime image, with one
flag per port named like the port.  On KFP v2 the step also receives the
executor input (`{{$}}`), through which it reports Metrics and
ClassificationMetrics; on KFP v1 it writes the `mlpipeline-metrics` and
`mlpipeline-ui-metadata` files the v1 UI reads instead.
"""

from __future__ import annotations

from ptflow.compiler import graph as g

ENTRYPOINT = ["python", "-m", "ptflow.runtime"]
V1_METADATA_OUTPUTS = ("mlpipeline-ui-metadata", "mlpipeline-metrics")


def runtime_command(component: g.ComponentSpec, target: str) -> tuple[list[g.Arg], list[g.Arg]]:
    """(command, args) for a runtime component on `target` ("kfp-v2" or "kfp-v1")."""
    step = component.container.runtime_step
    command: list[g.Arg] = [*ENTRYPOINT, step]
    args: list[g.Arg] = []
    if target == "kfp-v2":
        args += ["--executor-input", g.RuntimePlaceholder("executor_input")]
    for port in component.inputs:
        if port.type.kind == "status":
            flag_value: list[g.Arg] = [f"--{port.name}", g.InputValue(port.name)]
        elif port.type.is_artifact:
            flag_value = [f"--{port.name}", g.InputPath(port.name)]
        else:
            flag_value = [f"--{port.name}", g.InputValue(port.name)]
        if port.required or port.has_default and port.default is not None:
            args += flag_value
        else:
            args.append(g.IfPresent(port.name, tuple(flag_value)))
    for port in component.outputs:
        args += [f"--{port.name}", g.OutputPath(port.name)]
    return command, args
