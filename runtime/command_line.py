"""Reading a step's command line: one `--flag value` per port, typed by its declaration.

The compiler writes one flag per input and output, named exactly like the
port (`--max_epochs 3`, `--model_file /gcs/...`), plus the contract's own
flags: `--executor-input` (KFP v2), `--mlpipeline-ui-metadata` and
`--mlpipeline-metrics` (KFP v1).  Every value is one argument, whatever it
starts with, so a string parameter `-x` or `--x` is read as that string.

Everything is checked before the step runs: unknown flags, values of the
wrong type, missing required inputs, input artifacts that are not there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import Artifact, Port, StepSpec, UsageError, parse_value
from ptflow.runtime.kfp_io import ExecutorInput, artifact_for
from ptflow.runtime.suggestions import did_you_mean

EXECUTOR_INPUT = "executor-input"
V1_UI_METADATA = "mlpipeline-ui-metadata"
V1_METRICS = "mlpipeline-metrics"
# For hand-run steps: outputs without a flag of their own go to DIR/<output>.
OUTPUTS_DIR = "outputs-dir"
CONTRACT_FLAGS = (EXECUTOR_INPUT, V1_UI_METADATA, V1_METRICS, OUTPUTS_DIR)


@dataclass
class Invocation:
    """A step's command line, read and checked."""

    spec: StepSpec
    inputs: dict[str, Any] = field(default_factory=dict)  # parameter values and input Artifacts
    output_artifacts: dict[str, Artifact] = field(default_factory=dict)
    output_parameter_paths: dict[str, Path] = field(default_factory=dict)
    executor_input: ExecutorInput | None = None
    v1_ui_metadata: Path | None = None
    v1_metrics: Path | None = None


def split_flags(arguments: list[str]) -> dict[str, str]:
    """`--name value` / `--name=value` pairs; UsageError on anything else."""
    flags: dict[str, str] = {}
    index = 0
    while index < len(arguments):
        token = arguments[index]
        if not token.startswith("--") or token == "--":
            raise UsageError(f"unexpected argument {token!r}: every input is passed as `--name value`")
        name, equals, value = token[2:].partition("=")
        if not equals:
            if index + 1 >= len(arguments):
                raise UsageError(f"--{name} needs a value")
            value = arguments[index + 1]
            index += 1
        if name in flags:
            raise UsageError(f"--{name} is given twice")
        flags[name] = value
        index += 1
    return flags


def parse_invocation(spec: StepSpec, arguments: list[str]) -> Invocation:
    flags = split_flags(arguments)
    _reject_unknown(spec, flags)
    invocation = Invocation(spec)
    invocation.executor_input = ExecutorInput.parse(flags.get(EXECUTOR_INPUT))
    invocation.v1_ui_metadata = _path_flag(flags, V1_UI_METADATA)
    invocation.v1_metrics = _path_flag(flags, V1_METRICS)

    missing = []
    for port in spec.inputs:
        if port.name not in flags:
            if port.required:
                missing.append(port)
            continue
        given = flags[port.name]
        if port.type.is_artifact:
            invocation.inputs[port.name] = _input_artifact(port, given, invocation.executor_input)
        else:
            invocation.inputs[port.name] = parse_value(given, port)
    if missing:
        raise UsageError(
            "missing required input"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(
                f"--{port.name} {'PATH' if port.type.is_artifact else 'VALUE'} ({port.type})" for port in missing
            )
        )

    outputs_dir = _path_flag(flags, OUTPUTS_DIR)
    missing = []
    for port in spec.outputs:
        text = flags.get(port.name)
        if text is None:
            if outputs_dir is None:
                missing.append(port)
                continue
            text = str(outputs_dir / port.name)
        if not text:
            raise UsageError(f"--{port.name}: empty path")
        if port.type.is_artifact:
            artifact = artifact_for(port, text, invocation.executor_input, "output")
            invocation.output_artifacts[port.name] = artifact
        else:
            invocation.output_parameter_paths[port.name] = Path(text)
    if missing:
        raise UsageError(
            "missing output path"
            + ("s" if len(missing) > 1 else "")
            + ": "
            + ", ".join(f"--{port.name} PATH" for port in missing)
            + f" (or --{OUTPUTS_DIR} DIR for all of them)"
        )
    return invocation


def _reject_unknown(spec: StepSpec, flags: dict[str, str]) -> None:
    known = [port.name for port in [*spec.inputs, *spec.outputs]] + list(CONTRACT_FLAGS)
    for name in flags:
        if name in known:
            continue
        suggestion = did_you_mean(name, known)
        hint = (
            f"did you mean --{suggestion}?"
            if suggestion
            else "its flags are " + ", ".join(f"--{flag}" for flag in known)
        )
        raise UsageError(f"step `{spec.name}` has no input or output `{name}`; {hint}")


def _path_flag(flags: dict[str, str], name: str) -> Path | None:
    value = flags.get(name)
    if value is None:
        return None
    if not value:
        raise UsageError(f"--{name}: empty path")
    return Path(value)


def _input_artifact(port: Port, text: str, executor_input: ExecutorInput | None) -> Artifact:
    if not text:
        raise UsageError(f"--{port.name}: empty path")
    path = Path(text)
    if not path.exists():
        raise UsageError(
            f"--{port.name}: input {port.type.name.lower()} `{port.name}` is missing: nothing at "
            f"{text} (check that the step producing it succeeded and wrote its output)"
        )
    return artifact_for(port, text, executor_input, "input")


def describe_step(spec: StepSpec) -> str:
    """The `STEP --help` text: what the step does, its flags, types and defaults."""
    lines = [f"usage: python -m ptflow.runtime {spec.name} [--name value ...]", ""]
    if spec.doc:
        lines += [spec.doc, ""]
    lines.append("inputs:")
    for port in spec.inputs:
        default = "required" if port.required else f"default {port.default!r}"
        lines.append(f"  --{port.name} {'PATH' if port.type.is_artifact else 'VALUE'}  ({port.type}, {default})")
    lines.append("outputs:")
    for port in spec.outputs:
        lines.append(f"  --{port.name} PATH  ({port.type})")
    lines += [
        "contract flags:",
        f"  --{EXECUTOR_INPUT} JSON  (KFP v2: the executor input; the executor output goes to its outputFile)",
        f"  --{V1_UI_METADATA} PATH, --{V1_METRICS} PATH  (KFP v1: the UI metadata and metrics files)",
        f"  --{OUTPUTS_DIR} DIR  (outputs without a flag of their own go to DIR/<output>)",
    ]
    return "\n".join(lines)
