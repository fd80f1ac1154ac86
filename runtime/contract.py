"""How a runtime step is declared: typed inputs, typed outputs, artifacts.

A standard-library step is a Python function registered with `@step`:

    @step("torch.train", outputs={"model_file": Model, "metrics": Metrics, "best": float})
    def train(out: Outputs, data: Dataset, max_epochs: int = 1, profiler: str | None = None) -> dict:
        out["metrics"].log_metric("accuracy", 0.93)
        return {"best": 0.5}

- The function's parameters after the first are the step's inputs, typed by
  their annotations: `str`, `int`, `float`, `bool`, `list`, `list[T]`,
  `dict` (parameters) or an artifact class below (`Dataset`, `Model`, ...);
  `T | None` is an optional input (`T?` in ptflow).  A default makes an input
  optional on the command line.
- `outputs` names the outputs: artifact classes, or parameter types whose
  values the function returns in a dict.
- The first parameter receives the `Outputs` of this execution: one artifact
  object per output artifact, whose metadata (metrics, a confusion matrix)
  reaches KFP through the executor output (v2) or the `mlpipeline-*` files (v1).

This module is what the compiler's `.ptflow` declarations are checked against
(see tests/runtime/test_stdlib_declarations.py), so it imports nothing heavy.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

PARAMETER_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}
REQUIRED = inspect.Parameter.empty


class StepError(Exception):
    """A failure the step's user can act on; printed without a traceback."""


class UsageError(StepError):
    """The command line is wrong (unknown step or flag, bad value, missing input): exit code 2."""


# ------------------------------------------------------------------ artifacts


class Artifact:
    """A file or directory passed by reference, with the URI and metadata KFP keeps for it.

    `path` is where the step reads or writes it (a local path; `/gcs/...`,
    `/s3/...` or `/minio/...` on a cluster).  `uri` is what KFP records
    (`gs://...`); without an executor input it is the path itself.
    """

    schema_title = "system.Artifact"

    def __init__(
        self, port: str, path: str | Path, uri: str | None = None, metadata: dict | None = None, runtime_name: str = ""
    ):
        self.port = port
        self.path = Path(path)
        self.uri = uri or str(path)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.runtime_name = runtime_name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.port!r}, path={str(self.path)!r})"


class Dataset(Artifact):
    schema_title = "system.Dataset"


class Model(Artifact):
    schema_title = "system.Model"


class HTML(Artifact):
    schema_title = "system.HTML"


class Markdown(Artifact):
    schema_title = "system.Markdown"


class Metrics(Artifact):
    """Scalar metrics: KFP v2 shows `metadata`; KFP v1 reads `mlpipeline-metrics`."""

    schema_title = "system.Metrics"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The v1 display format of each metric ("RAW" or "PERCENTAGE").
        self.formats: dict[str, str] = {}

    def log_metric(self, name: str, value: float, percentage: bool = False) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise StepError(f"metric `{name}` is {value}: KFP only records finite numbers")
        self.metadata[name] = value
        self.formats[name] = "PERCENTAGE" if percentage else "RAW"


class ClassificationMetrics(Artifact):
    """A confusion matrix, in the metadata layout of kfp's ClassificationMetrics."""

    schema_title = "system.ClassificationMetrics"

    def log_confusion_matrix(self, categories: list[str], matrix: list[list[int]]) -> None:
        if len(matrix) != len(categories) or any(len(row) != len(categories) for row in matrix):
            raise StepError(
                f"the confusion matrix must be {len(categories)}x{len(categories)}, one row and one column per category"
            )
        self.metadata["confusionMatrix"] = {
            "annotationSpecs": [{"displayName": str(category)} for category in categories],
            "rows": [{"row": [int(cell) for cell in row]} for row in matrix],
        }

    @property
    def confusion_matrix(self) -> tuple[list[str], list[list[int]]] | None:
        matrix = self.metadata.get("confusionMatrix")
        if not matrix:
            return None
        return ([spec["displayName"] for spec in matrix["annotationSpecs"]], [row["row"] for row in matrix["rows"]])


class SlicedClassificationMetrics(Artifact):
    schema_title = "system.SlicedClassificationMetrics"


class UnmanagedContainerModel(Artifact):
    """A model folder and the serving container to run it in (`containerSpec` in its metadata), for Vertex AI."""

    schema_title = "google.UnmanagedContainerModel"


ARTIFACT_CLASSES: dict[str, type[Artifact]] = {
    cls.__name__: cls
    for cls in (
        Artifact,
        Dataset,
        Model,
        Metrics,
        ClassificationMetrics,
        SlicedClassificationMetrics,
        HTML,
        Markdown,
        UnmanagedContainerModel,
    )
}


# ---------------------------------------------------------------- port types


@dataclass(frozen=True)
class PortType:
    """The type of an input or output: a parameter type name or an artifact class."""

    name: str  # "str", "int", ..., or an ARTIFACT_CLASSES key
    item: str | None = None  # list[T]: T's name
    optional: bool = False

    @property
    def is_artifact(self) -> bool:
        return self.name in ARTIFACT_CLASSES

    @property
    def artifact_class(self) -> type[Artifact]:
        return ARTIFACT_CLASSES[self.name]

    def __str__(self) -> str:
        """The type as a .ptflow file spells it (`list[int]`, `float?`)."""
        text = f"list[{self.item}]" if self.item else self.name
        if self.is_artifact and not self.artifact_class.schema_title.startswith("system."):
            text = f'Artifact<"{self.artifact_class.schema_title}">'
        return text + ("?" if self.optional else "")

    @classmethod
    def from_annotation(cls, annotation: Any, where: str) -> PortType:
        optional = False
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1 or len(typing.get_args(annotation)) != 2:
                raise TypeError(f"{where}: only `T | None` unions are allowed, not {annotation}")
            annotation, optional = members[0], True
        if isinstance(annotation, type) and issubclass(annotation, Artifact):
            return cls(annotation.__name__, optional=optional)
        origin = typing.get_origin(annotation)
        if origin is list:
            (item,) = typing.get_args(annotation)
            if item not in PARAMETER_TYPES.values():
                raise TypeError(f"{where}: list items must be a parameter type, not {item}")
            return cls("list", item=item.__name__, optional=optional)
        for name, python_type in PARAMETER_TYPES.items():
            if annotation is python_type:
                return cls(name, optional=optional)
        raise TypeError(
            f"{where}: unsupported type {annotation!r}; use str, int, float, bool, list, dict or an "
            "artifact class from ptflow.runtime.contract"
        )


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    default: Any = REQUIRED
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


# -------------------------------------------------------------------- values


def parse_value(text: str, port: Port) -> Any:
    """The value of a parameter flag, read the way the KFP launchers render it.

    Raises UsageError naming the flag and the expected type.
    """
    type_ = port.type

    def bad(why: str = "") -> UsageError:
        shown = text if len(text) <= 80 else text[:77] + "..."
        return UsageError(
            f"--{port.name}: expected {type_.name if not type_.item else f'list[{type_.item}]'}, "
            f"got {shown!r}" + (f" ({why})" if why else "")
        )

    if type_.name == "str":
        return text
    if type_.name in ("int", "float", "bool"):
        return _parse_scalar(text, type_.name, bad)
    value: Any
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise bad(f"not JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(value, PARAMETER_TYPES[type_.name]):
        raise bad(f"JSON {type(value).__name__}, not {type_.name}")
    if type_.item:
        items = cast(list, value)  # PARAMETER_TYPES checked it is a list
        for index, item in enumerate(items):
            if not _fits(item, type_.item):
                raise bad(f"item {index} is {item!r}, not {type_.item}")
        if type_.item == "float":
            value = [float(item) for item in items]
    return value


def _parse_scalar(text: str, name: str, bad: Callable[..., UsageError]) -> Any:
    stripped = text.strip()
    if name == "bool":
        # v2 renders booleans as true/false, v1 as True/False.
        lowered = stripped.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise bad("write true or false")
    try:
        number = float(stripped) if name == "float" else int(stripped)
    except ValueError:
        if name == "int":
            # KFP keeps every number as a double, so an int may arrive as `3.0`.
            try:
                as_float = float(stripped)
            except ValueError:
                raise bad() from None
            if as_float.is_integer():
                return int(as_float)
            raise bad("not a whole number") from None
        raise bad() from None
    return number


def _fits(value: Any, name: str) -> bool:
    if name == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, PARAMETER_TYPES[name])


def render_parameter(value: Any) -> str:
    """A parameter value as text in an output parameter file (what the launchers read back)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def check_output_value(port: Port, value: Any) -> Any:
    """`value` if it fits the output's declared type; StepError otherwise (a bug in the step)."""
    if value is None:
        raise StepError(f"output `{port.name}` was not produced")
    if not _fits(value, port.type.name):
        raise StepError(f"output `{port.name}` should be {port.type}, the step returned {type(value).__name__}")
    if port.type.item and not all(_fits(item, port.type.item) for item in value):
        raise StepError(f"output `{port.name}` should be {port.type}")
    return value


# --------------------------------------------------------------------- steps


class Outputs:
    """The outputs of one execution: `out["model"]` is the artifact object to write."""

    def __init__(self, artifacts: dict[str, Artifact]):
        self.artifacts = artifacts
        # Extra KFP v1 UI entries (a TensorBoard viewer, ...); markdown outputs,
        # metrics and confusion matrices are added to the v1 files automatically.
        self.v1_ui_entries: list[dict] = []

    def __getitem__(self, name: str) -> Artifact:
        return self.artifacts[name]

    def add_v1_tensorboard(self, source: str, image: str | None = None, pod_template_spec: dict | None = None) -> None:
        entry: dict[str, Any] = {"type": "tensorboard", "source": source}
        if image:
            entry["image"] = image
        if pod_template_spec:
            entry["pod_template_spec"] = pod_template_spec
        self.v1_ui_entries.append(entry)


@dataclass
class StepSpec:
    """A registered step: its name, typed inputs and outputs, and the function."""

    name: str
    function: Callable[..., Any]
    inputs: list[Port]
    outputs: list[Port]
    doc: str = ""
    module: str = ""

    def call(self, outputs: Outputs, inputs: dict[str, Any]) -> dict[str, Any]:
        arguments = {
            port.name: inputs[port.name] if port.name in inputs else copy.deepcopy(port.default) for port in self.inputs
        }
        result = self.function(outputs, **arguments)
        return dict(result or {})


_REGISTRY: dict[str, StepSpec] = {}


def step(name: str, outputs: dict[str, Any] | None = None) -> Callable[[Callable], Callable]:
    """Register a function as the runtime step `name` (see the module docstring)."""

    def register(function: Callable) -> Callable:
        spec = _spec_from_function(name, function, outputs or {})
        previous = _REGISTRY.get(name)
        if previous is not None and previous.module != spec.module:
            raise RuntimeError(f"runtime step `{name}` is defined twice: in {previous.module} and {spec.module}")
        _REGISTRY[name] = spec
        function.step_spec = spec  # type: ignore[attr-defined]  # read back by the registry's tests
        return function

    return register


def _spec_from_function(name: str, function: Callable, outputs: dict[str, Any]) -> StepSpec:
    hints = typing.get_type_hints(function)
    parameters = list(inspect.signature(function).parameters.values())
    if not parameters:
        raise TypeError(f"step `{name}`: the first parameter receives the Outputs")
    inputs = []
    for parameter in parameters[1:]:
        where = f"step `{name}`, input `{parameter.name}`"
        if parameter.name not in hints:
            raise TypeError(f"{where}: add a type annotation")
        port_type = PortType.from_annotation(hints[parameter.name], where)
        default = parameter.default
        if port_type.is_artifact and default not in (REQUIRED, None):
            raise TypeError(f"{where}: an artifact input can only default to None")
        if default is None and not port_type.optional:
            raise TypeError(f"{where}: defaults to None, so annotate it `T | None`")
        inputs.append(Port(parameter.name, port_type, default))
    output_ports = [
        Port(port_name, PortType.from_annotation(annotation, f"step `{name}`, output `{port_name}`"))
        for port_name, annotation in outputs.items()
    ]
    clash = {port.name for port in inputs} & set(outputs)
    if clash:
        raise TypeError(f"step `{name}`: inputs and outputs share one namespace; rename {sorted(clash)}")
    return StepSpec(name, function, inputs, output_ports, inspect.getdoc(function) or "", function.__module__)


def registered_steps() -> dict[str, StepSpec]:
    return dict(_REGISTRY)


def is_chief_process() -> bool:
    """Whether this process writes the step's outputs (rank 0 of a distributed run)."""
    for variable in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK"):
        value = os.environ.get(variable)
        if value not in (None, "", "0"):
            return False
    cluster_spec = os.environ.get("CLUSTER_SPEC")  # Vertex custom jobs
    if cluster_spec:
        try:
            task_type = json.loads(cluster_spec)["task"]["type"]
        except (ValueError, KeyError, TypeError):
            return True
        return task_type in ("workerpool0", "chief", "master")
    return True
