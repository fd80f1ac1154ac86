"""Layer 1 of IR validation: a strict protobuf parse, with every problem located.

`json_format.ParseDict` (unknown fields rejected) is the authority on what the
KFP backend's own strict parse accepts, but it stops at the first problem and
names it in protobuf's words.  So a document is first parsed whole; only if
that fails is it walked field by field against the message descriptors, and
each bad field is tried on its own with `ParseDict`, so that every problem is
reported at its own key or value, in the same verdicts protobuf gives.
"""

from __future__ import annotations

import re
from typing import Any

from ptflow.compiler.diagnostics import Suggestion, codes, did_you_mean
from ptflow.compiler.validate.yaml_source import Path, PathReport

_INTEGER_TYPES = {
    "TYPE_INT32",
    "TYPE_INT64",
    "TYPE_UINT32",
    "TYPE_UINT64",
    "TYPE_SINT32",
    "TYPE_SINT64",
    "TYPE_FIXED32",
    "TYPE_FIXED64",
    "TYPE_SFIXED32",
    "TYPE_SFIXED64",
}


def check_message(report: PathReport, document: int, path: Path, value: Any, message_class) -> bool:
    """Parse `value` strictly as `message_class`; report each problem; True if it parses."""
    from google.protobuf import json_format

    try:
        json_format.ParseDict(value, message_class())
        return True
    except Exception as error:  # ParseError, and TypeError/ValueError from odd inputs
        before = len(report)
        _Walker(report, document).message(path, value, message_class.DESCRIPTOR)
        if len(report) == before:  # protobuf saw something the walk did not: say it in its words
            report.add(
                codes.IR_BAD_VALUE, document, path, f"not a valid {message_class.DESCRIPTOR.name}: {_clean(error)}"
            )
        return False


def _clean(error: Exception) -> str:
    """protobuf's innermost complaint, without its `Failed to parse x field:` nesting and location."""
    text = str(error).split("\n")[0]
    text = re.sub(r"^(Failed to parse \w+ field: )+", "", text)
    text = re.sub(r' at "?[\w.\[\]\-]+"?\.*$', "", text)
    return text.rstrip(".") or type(error).__name__


class _Walker:
    def __init__(self, report: PathReport, document: int):
        self.report = report
        self.document = document

    def message(self, path: Path, value: Any, descriptor) -> None:
        if _is_well_known(descriptor):
            return  # handled by the parent's field-level parse
        if not isinstance(value, dict):
            self.report.add(
                codes.IR_BAD_VALUE,
                self.document,
                path,
                f"expected a mapping ({descriptor.name}), got {_describe(value)}",
            )
            return
        fields = {}
        for field in descriptor.fields:
            fields[field.json_name] = field
            fields.setdefault(field.name, field)
        oneofs_seen: dict[str, str] = {}
        for key, item in value.items():
            field = fields.get(key) if isinstance(key, str) else None
            if field is None:
                self._unknown_field(path, key, descriptor)
                continue
            if item is None:
                continue  # ParseDict treats null as "not set"
            oneof = field.containing_oneof
            if oneof is not None and not _is_synthetic(oneof):
                if oneof.name in oneofs_seen:
                    self.report.add(
                        codes.IR_ONEOF_CONFLICT,
                        self.document,
                        path + (key,),
                        f"`{key}` and `{oneofs_seen[oneof.name]}` are alternatives "
                        f"(`{oneof.name}` of {descriptor.name}); give only one",
                        part="key",
                    )
                else:
                    oneofs_seen[oneof.name] = key
            self.field(path + (key,), key, item, field, descriptor)

    def _unknown_field(self, path: Path, key: Any, descriptor) -> None:
        known = [f.json_name for f in descriptor.fields]
        self.report.add(
            codes.IR_UNKNOWN_FIELD,
            self.document,
            path + (key,),
            f"unknown field `{key}` in {descriptor.name}",
            part="key",
            suggestion=did_you_mean(key, known),
            hint=f"{descriptor.name} has: {', '.join(known)}" if known else None,
        )

    def field(self, path: Path, key: str, item: Any, field, parent) -> None:
        message_type = field.message_type
        if message_type is not None and message_type.GetOptions().map_entry:
            self._map(path, key, item, field, parent)
        elif _is_repeated(field):
            if not isinstance(item, list):
                self.report.add(codes.IR_BAD_VALUE, self.document, path, f"expected a list, got {_describe(item)}")
                return
            for index, element in enumerate(item):
                if message_type is not None and not _is_well_known(message_type):
                    self.message(path + (index,), element, message_type)
                else:
                    self._leaf(path + (index,), {key: [element]}, field, parent, element)
        elif message_type is not None and not _is_well_known(message_type):
            self.message(path, item, message_type)
        else:
            self._leaf(path, {key: item}, field, parent, item)

    def _map(self, path: Path, key: str, item: Any, field, parent) -> None:
        if not isinstance(item, dict):
            self.report.add(codes.IR_BAD_VALUE, self.document, path, f"expected a mapping, got {_describe(item)}")
            return
        value_field = field.message_type.fields_by_name["value"]
        value_type = value_field.message_type
        for name, element in item.items():
            if value_type is not None and not _is_well_known(value_type):
                self.message(path + (name,), element, value_type)
            else:
                self._leaf(path + (name,), {key: {name: element}}, value_field, parent, element)

    def _leaf(self, path: Path, probe: dict, field, parent, value: Any) -> None:
        """Let protobuf judge one scalar, enum or well-known-type value on its own."""
        from google.protobuf import json_format, message_factory

        try:
            json_format.ParseDict(probe, message_factory.GetMessageClass(parent)())
        except Exception as error:
            message, suggestion = _leaf_problem(field, value, error)
            self.report.add(codes.IR_BAD_VALUE, self.document, path, message, suggestion=suggestion)


def _leaf_problem(field, value: Any, error: Exception) -> tuple[str, Suggestion | None]:
    type_name = _type_name(field)
    if field.enum_type is not None:
        names = [v.name for v in field.enum_type.values]
        return f"{value!r} is not one of {', '.join(names)}", did_you_mean(value, names)
    if field.message_type is not None:  # a well-known type: Duration, Struct, Value, ...
        return f"not a valid {field.message_type.name}: {_clean(error)}", None
    return f"expected {_expectation(type_name)}, got {_describe(value)}", None


def _type_name(field) -> str:
    from google.protobuf.descriptor import FieldDescriptor

    for name in dir(FieldDescriptor):
        if name.startswith("TYPE_") and getattr(FieldDescriptor, name) == field.type:
            return name
    return "TYPE_STRING"


def _expectation(type_name: str) -> str:
    if type_name in _INTEGER_TYPES:
        return "an integer"
    if type_name in ("TYPE_DOUBLE", "TYPE_FLOAT"):
        return "a number"
    if type_name == "TYPE_BOOL":
        return "true or false"
    if type_name == "TYPE_BYTES":
        return "base64 text"
    return "a string"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return type(value).__name__


def _is_well_known(descriptor) -> bool:
    return descriptor.full_name.startswith("google.protobuf.")


def _is_synthetic(oneof) -> bool:
    """proto3 `optional` fields sit in a oneof of their own; that is not a real choice."""
    return len(oneof.fields) == 1 and oneof.name == "_" + oneof.fields[0].name


def _is_repeated(field) -> bool:
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return field.label == field.LABEL_REPEATED
