"""The ptflow type system: parameter types, artifact types, and when one fits another.

Parameters are small values passed by value (str, int, float, bool, list,
dict); artifacts are files passed by reference, typed by a schema title
(`system.Model`, `google.VertexModel`, ...).  The two never convert into each
other silently: `assignable` says why a value does not fit an input.
"""

from __future__ import annotations

import enum
from dataclasses import replace

from ptflow.compiler.diagnostics import codes
from ptflow.compiler.records import record

# ptflow name -> KFP v2 IR parameterType
PARAMETER_TYPES = {
    "str": "STRING",
    "int": "NUMBER_INTEGER",
    "float": "NUMBER_DOUBLE",
    "bool": "BOOLEAN",
    "list": "LIST",
    "dict": "STRUCT",
}
# ptflow name -> KFP v1 component.yaml type
V1_PARAMETER_TYPES = {
    "str": "String",
    "int": "Integer",
    "float": "Float",
    "bool": "Boolean",
    "list": "JsonArray",
    "dict": "JsonObject",
}
# ptflow name -> schema title of a KFP system artifact type
ARTIFACT_TYPES = {
    "Artifact": "system.Artifact",
    "Dataset": "system.Dataset",
    "Model": "system.Model",
    "Metrics": "system.Metrics",
    "ClassificationMetrics": "system.ClassificationMetrics",
    "SlicedClassificationMetrics": "system.SlicedClassificationMetrics",
    "HTML": "system.HTML",
    "Markdown": "system.Markdown",
}
SCHEMA_TITLE_NAMES = {title: name for name, title in ARTIFACT_TYPES.items()}
STATUS = "Status"
DEFAULT_SCHEMA_VERSION = "0.0.1"


class TypeKind(enum.StrEnum):
    PARAM = "param"
    ARTIFACT = "artifact"
    STATUS = "status"  # the final status of a pipeline, available in `finally`
    ERROR = "error"  # a type that could not be worked out: it fits everything, so one mistake is reported once


@record(frozen=True)
class Type:
    """A ptflow type: a parameter, an artifact, a pipeline's final status, or unknown (see TypeKind)."""

    kind: TypeKind
    name: str  # a PARAMETER_TYPES key, or a schema title for artifacts
    item: Type | None = None  # list[T]: the item type, when known
    is_list: bool = False  # a list of artifacts (what a loop gathers)
    optional: bool = False
    schema_version: str = "0.0.1"

    # -- predicates
    @property
    def is_param(self) -> bool:
        return self.kind == TypeKind.PARAM

    @property
    def is_artifact(self) -> bool:
        return self.kind == TypeKind.ARTIFACT

    @property
    def is_error(self) -> bool:
        return self.kind == TypeKind.ERROR

    @property
    def is_numeric(self) -> bool:
        return self.kind == TypeKind.PARAM and self.name in ("int", "float")

    # -- derived types
    def as_optional(self, optional: bool = True) -> Type:
        return replace(self, optional=optional)

    def as_list(self) -> Type:
        """The type of the values a loop gathers from this one (fan-in)."""
        if self.is_artifact:
            return replace(self, is_list=True, optional=False)
        return Type(TypeKind.PARAM, "list", item=replace(self, optional=False))

    def element(self) -> Type:
        """The type of one item when iterating over this type."""
        if self.is_param and self.name == "list":
            return self.item or ANY_ITEM
        if self.is_artifact and self.is_list:
            return replace(self, is_list=False)
        return ERROR

    # -- spellings
    def __str__(self) -> str:
        if self.kind == TypeKind.ERROR:
            text = "<unknown>"
        elif self.kind == TypeKind.STATUS:
            text = STATUS
        elif self.kind == TypeKind.ARTIFACT:
            short = SCHEMA_TITLE_NAMES.get(self.name)
            version = "" if self.schema_version == DEFAULT_SCHEMA_VERSION else f"@{self.schema_version}"
            text = short if short and not version else f'Artifact<"{self.name}{version}">'
            if self.is_list:
                text = f"list[{text}]"
        elif self.name == "list" and self.item is not None and self.item.name != "any":
            text = f"list[{self.item}]"
        else:
            text = self.name
        return text + ("?" if self.optional else "")


ERROR = Type(TypeKind.ERROR, "error")
STATUS_TYPE = Type(TypeKind.STATUS, "status")
STR = Type(TypeKind.PARAM, "str")
INT = Type(TypeKind.PARAM, "int")
FLOAT = Type(TypeKind.PARAM, "float")
BOOL = Type(TypeKind.PARAM, "bool")
LIST = Type(TypeKind.PARAM, "list")
DICT = Type(TypeKind.PARAM, "dict")
# The item of a list whose item type is not declared: compared loosely.
ANY_ITEM = Type(TypeKind.PARAM, "any")


def parameter(name: str, item: Type | None = None) -> Type:
    return Type(TypeKind.PARAM, name, item=item)


def artifact(schema_title: str, schema_version: str = "0.0.1") -> Type:
    return Type(TypeKind.ARTIFACT, schema_title, schema_version=schema_version)


def type_of_literal(value) -> Type:
    """The type of a Python value read from a literal."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        return STR
    if isinstance(value, list):
        items = {type_of_literal(v) for v in value}
        if len(items) == 1:
            return Type(TypeKind.PARAM, "list", item=items.pop())
        if items and items <= {INT, FLOAT}:
            return Type(TypeKind.PARAM, "list", item=FLOAT)
        return Type(TypeKind.PARAM, "list", item=ANY_ITEM)
    if isinstance(value, dict):
        return DICT
    return ERROR


@record(frozen=True)
class Mismatch:
    """Why a value does not fit: a diagnostic code and a message fragment."""

    code: str
    message: str


def assignable(source: Type, target: Type) -> Mismatch | None:
    """None if a value of type `source` may be passed where `target` is expected."""
    if source.is_error or target.is_error:
        return None
    if source.optional and not target.optional:
        return Mismatch(codes.OPTIONAL_VALUE_REQUIRED, f"`{source}` may be absent here, but the input needs a value")
    if target.kind == TypeKind.STATUS or source.kind == TypeKind.STATUS:
        if source.kind == target.kind:
            return None
        if source.kind == TypeKind.STATUS and target.is_param and target.name == "dict":
            return None  # kfp passes a PipelineTaskFinalStatus into a STRUCT input: the status as a dict
        return Mismatch(codes.TYPE_MISMATCH, f"expected `{_bare(target)}`, found `{_bare(source)}`")
    if source.is_param != target.is_param:
        if source.is_artifact:
            return Mismatch(
                codes.PARAMETER_ARTIFACT_MIXUP,
                f"an artifact (`{_bare(source)}`) is passed where a parameter (`{_bare(target)}`) is expected",
            )
        return Mismatch(
            codes.PARAMETER_ARTIFACT_MIXUP,
            f"a parameter (`{_bare(source)}`) is passed where an artifact (`{_bare(target)}`) is expected",
        )
    if source.is_artifact:
        if source.is_list != target.is_list:
            return Mismatch(codes.ARTIFACT_TYPE_MISMATCH, f"expected `{_bare(target)}`, found `{_bare(source)}`")
        if "system.Artifact" in (source.name, target.name) or source.name == target.name:
            return None
        return Mismatch(codes.ARTIFACT_TYPE_MISMATCH, f"expected `{_bare(target)}`, found `{_bare(source)}`")
    return _parameter_mismatch(source, target)


def _parameter_mismatch(source: Type, target: Type) -> Mismatch | None:
    if "any" in (source.name, target.name):
        return None
    if source.name == target.name:
        if source.name == "list" and source.item and target.item:
            if _parameter_mismatch(source.item, target.item) is not None:
                return Mismatch(codes.TYPE_MISMATCH, f"expected `{_bare(target)}`, found `{_bare(source)}`")
        return None
    if source.name == "int" and target.name == "float":
        return None  # every int is a float; KFP widens it too
    return Mismatch(codes.TYPE_MISMATCH, f"expected `{_bare(target)}`, found `{_bare(source)}`")


def _bare(type_: Type) -> str:
    return str(type_.as_optional(False))
