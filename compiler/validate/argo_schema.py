"""Argo Workflow validation, layer 1: a typed round trip through hera's Argo models.

Every key must be a field of Argo's types (Argo and KFP 1.x parse leniently
and silently drop the others), every value must have its field's type, and
validating then dumping (`by_alias=True, exclude_unset=True`) must give the
document back unchanged, so values a lenient parser would convert are caught
too.  hera is imported only here, inside `check_types` (it is heavy); without
it the layer reports that it was skipped.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from ptflow.compiler.records import record

if TYPE_CHECKING:
    from pydantic import BaseModel

from ptflow.compiler.diagnostics import codes, did_you_mean
from ptflow.compiler.validate.yaml_source import Path, PathReport


def check_types(report: PathReport, document: dict) -> None:
    """Report unknown keys, mistyped values and values the round trip through hera's models changes."""
    try:
        from hera.workflows.models import Workflow
    except ImportError:
        report.add(
            codes.CHECK_SKIPPED,
            0,
            ("apiVersion",),
            "typed check of the Argo fields skipped: hera is not installed (pip install hera)",
            part="key",
        )
        return

    document = _copy(document)
    walker = _FieldWalker(report)
    walker.walk(document, Workflow, ())  # unknown keys; integer quantities made strings in the copy
    spec = document.get("spec")
    templates = spec.get("templates") if isinstance(spec, dict) else None
    if not (isinstance(templates, list) and all(isinstance(t, dict) for t in templates)):
        _round_trip(report, Workflow, document, (), walker.unknown)
        return
    assert isinstance(spec, dict)  # `templates` came from it
    # The templates are checked one by one, each distinct one once: a workflow's templates are
    # often identical but for their names (one per step), and the round trip is most of the time.
    from hera.workflows.models import Template

    _round_trip(report, Workflow, {**document, "spec": {**spec, "templates": []}}, (), walker.unknown)
    clean: set[str] = set()
    for index, template in enumerate(templates):
        shape = {**template, "name": ""} if isinstance(template.get("name"), str) else template
        fingerprint = json.dumps(shape, sort_keys=True, default=str)
        if fingerprint in clean:
            continue
        before = len(report)
        _round_trip(report, Template, template, ("spec", "templates", index), walker.unknown)
        if len(report) == before:
            clean.add(fingerprint)


def _round_trip(report: PathReport, model_class, document: dict, prefix: Path, unknown: set[Path]) -> None:
    """Validate `document` as `model_class`, dump it back, and report what failed or changed."""
    import pydantic

    try:
        model = model_class.model_validate(document)
    except pydantic.ValidationError as error:
        _report_validation_errors(report, document, error, unknown, prefix)
        return
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    _compare(report, document, dumped, prefix, unknown)


def _copy(document: dict) -> dict:
    """A deep copy to work on; through JSON when the document is plain JSON (ten times faster)."""
    import json

    try:
        return json.loads(json.dumps(document))
    except (TypeError, ValueError):
        return copy.deepcopy(document)  # dates, non-string keys...: YAML allows more than JSON


@record(frozen=True)
class _Shape:
    """What a model field holds, reduced to what the walk needs."""

    kind: str  # model, list, dict, quantity, other
    inner: Any = None  # the model class, or the item/value shape


_SHAPES: dict[Any, _Shape] = {}
_FIELDS: dict[type[BaseModel], dict[str, Any]] = {}


def _shape(annotation) -> _Shape:
    cached = _SHAPES.get(annotation)
    if cached is None:
        cached = _SHAPES[annotation] = _compute_shape(annotation)
    return cached


def _compute_shape(annotation) -> _Shape:
    import typing

    import pydantic
    from hera.workflows.models import Quantity

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        shapes = [_shape(a) for a in members]
        structured = [s for s in shapes if s.kind != "other"]
        return structured[0] if len(structured) == 1 else _Shape("other")
    if origin is list:  # also what typing.List[...] has as its origin
        return _Shape("list", _shape(typing.get_args(annotation)[0]))
    if origin is dict:  # also what typing.Dict[...] has as its origin
        return _Shape("dict", _shape(typing.get_args(annotation)[1]))
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation is Quantity or issubclass(annotation, Quantity):
            return _Shape("quantity")
        if issubclass(annotation, pydantic.RootModel):
            return _shape(annotation.model_fields["root"].annotation)
        return _Shape("model", annotation)
    return _Shape("other")


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields by the key a document uses for them (the alias when there is one)."""
    fields = _FIELDS.get(model)
    if fields is None:
        fields = _FIELDS[model] = {(info.alias or name): info.annotation for name, info in model.model_fields.items()}
    return fields


class _FieldWalker:
    """Walks a document beside the model types: unknown keys, and integer quantities.

    Argo's Go types and Kubernetes accept `nvidia.com/gpu: 1`, but hera types
    Quantity as a string; the walk turns integer (and float) quantities into
    strings in the copy it is given, so only real type errors remain.
    """

    def __init__(self, report: PathReport):
        self.report = report
        self.unknown: set[Path] = set()

    def walk(self, node: Any, annotation, path: Path) -> Any:
        shape = _shape(annotation) if not isinstance(annotation, _Shape) else annotation
        if shape.kind == "model" and isinstance(node, dict):
            fields = _fields(shape.inner)
            for key, value in node.items():
                if key not in fields:
                    self._unknown(path + (key,), key, fields, shape.inner)
                    continue
                node[key] = self.walk(value, fields[key], path + (key,))
        elif shape.kind == "list" and isinstance(node, list):
            for index, item in enumerate(node):
                node[index] = self.walk(item, shape.inner, path + (index,))
        elif shape.kind == "dict" and isinstance(node, dict):
            for key, value in node.items():
                node[key] = self.walk(value, shape.inner, path + (key,))
        elif shape.kind == "quantity" and isinstance(node, (int, float)) and not isinstance(node, bool):
            return str(node)
        return node

    def _unknown(self, path: Path, key, fields: dict, model: type) -> None:
        self.unknown.add(path)
        self.report.add(
            codes.ARGO_UNKNOWN_FIELD,
            0,
            path,
            f"unknown field `{key}` ({model.__name__} has no such field; Argo would silently drop it)",
            part="key",
            suggestion=did_you_mean(key, fields),
        )


def _document_path(document: Any, loc: tuple) -> Path:
    """The part of a pydantic error location that exists in the document (union branch tags dropped)."""
    path: list = []
    node = document
    for step in loc:
        if isinstance(node, dict) and step in node:
            node = node[step]
            path.append(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            path.append(step)
    return tuple(path)


def _report_validation_errors(report: PathReport, document: dict, error, unknown: set[Path], prefix: Path = ()) -> None:
    expected: dict[Path, list[str]] = {}
    values: dict[Path, Any] = {}
    for item in error.errors(include_url=False):
        path = prefix + _document_path(document, item["loc"])
        if any(path[: len(u)] == u for u in unknown):
            continue  # inside a key already reported as unknown
        if item["type"] == "missing":
            name = item["loc"][-1]
            if path == () and name == "metadata":
                continue  # argo_rules says what a Workflow's metadata needs (a name or a generateName), once
            report.add(codes.ARGO_MISSING_FIELD, 0, path, f"required field `{name}` is missing", part="key")
            continue
        message = item["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
        expected.setdefault(path, [])
        if message not in expected[path]:
            expected[path].append(message)
        values[path] = item.get("input")
    for path, messages in expected.items():
        report.add(
            codes.ARGO_WRONG_TYPE,
            0,
            path,
            f"wrong type: should be {' or '.join(messages)}; got {_describe(values[path])}",
        )


def _describe(value: Any) -> str:
    kind = {
        dict: "a mapping",
        list: "a list",
        str: "the string",
        bool: "the boolean",
        int: "the integer",
        float: "the number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)):
        return kind
    text = repr(value)
    return f"{kind} {text if len(text) <= 60 else text[:57] + '...'}"


def _compare(report: PathReport, original: Any, dumped: Any, path: Path, unknown: set[Path]) -> None:
    """Report what the round trip dropped or changed."""
    if isinstance(original, dict) and isinstance(dumped, dict):
        for key, value in original.items():
            child = path + (key,)
            if child in unknown:
                continue
            if key not in dumped:
                report.add(codes.ARGO_UNKNOWN_FIELD, 0, child, f"field `{key}` is dropped by Argo's types", part="key")
                continue
            _compare(report, value, dumped[key], child, unknown)
        return
    if isinstance(original, list) and isinstance(dumped, list) and len(original) == len(dumped):
        for index, (left, right) in enumerate(zip(original, dumped)):
            _compare(report, left, right, path + (index,), unknown)
        return
    if _same_value(original, dumped):
        return
    report.add(
        codes.ARGO_WRONG_TYPE, 0, path, f"wrong type: {_describe(original)} would be read as {_describe(dumped)}"
    )


def _same_value(left: Any, right: Any) -> bool:
    numbers = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, numbers) and isinstance(right, numbers):
        return left == right
    if type(left) is not type(right):
        return False
    return left == right
