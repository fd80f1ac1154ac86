"""Secrets and ConfigMaps from one file: `ptflow run --secrets FILE` / `--config-maps FILE`.

A file holds either shape, told apart document by document:

- a map of object name -> key -> value (values are text, written as they are):

      minio:
        accesskey: admin
        secretkey: "s3cr3t"

- Kubernetes manifests, as `kubectl get secret NAME -o yaml` (or `kubectl get secrets -o yaml`, a `List`)
  prints them or as a team keeps them: `kind: Secret` with `data` (base64) and `stringData` (text, which
  wins, as on Kubernetes), `kind: ConfigMap` with `data` (text) and `binaryData` (base64); one per YAML
  document, or the `items` of a `kind: List`.  Other fields (`apiVersion`, `type`, `metadata.namespace`, ...)
  are not needed here and are left alone.

Every mistake is reported as `FILE:LINE:COLUMN: what`, and never with a value in it: a value may be secret
(PyYAML's own messages quote the text around a syntax error, so they are not passed on).
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A Kubernetes object name (RFC 1123 subdomain), and a key of a secret or ConfigMap (a file name once mounted).
OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
KEY = re.compile(r"[-._a-zA-Z0-9]+")


class ObjectFileError(Exception):
    """A file of secrets or ConfigMaps that can't be read; the message says where (`FILE:LINE:COLUMN: ...`)."""


def load_objects(path: Path, kind: str) -> dict[str, dict[str, str]]:
    """The objects of `path`, name -> key -> value; `kind` is "secret" or "ConfigMap" (what the option reads)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ObjectFileError(f"{path}: can't be read: {getattr(error, 'strerror', None) or error}") from None
    reader = _Reader(path, kind)
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ObjectFileError(f"{where}: not YAML: {error.problem or error.context}") from None
    except yaml.YAMLError:
        raise ObjectFileError(f"{path}: not YAML") from None
    for document in documents:
        if document is not None:
            reader.document(document)
    return reader.objects


class _Reader:
    def __init__(self, path: Path, kind: str):
        self.path = path
        self.kind = kind  # "secret" or "ConfigMap"
        self.manifest_kind = "Secret" if kind == "secret" else "ConfigMap"
        self.objects: dict[str, dict[str, str]] = {}

    def error(self, node: Node, message: str) -> ObjectFileError:
        mark = node.start_mark
        return ObjectFileError(f"{self.path}:{mark.line + 1}:{mark.column + 1}: {message}")

    # ------------------------------------------------------------ shapes
    def document(self, node: Node) -> None:
        fields = self.mapping(node, f"a map of {self.kind} name -> key -> value, or a `kind: {self.manifest_kind}`")
        kind = fields.get("kind")
        if kind is not None and isinstance(kind[1], ScalarNode):  # a manifest (an object can't be named by a str)
            self.manifest(node)
            return
        for name, (name_node, value) in fields.items():
            self.add(name, name_node, self.plain_keys(value, name))

    def manifest(self, node: Node) -> None:
        fields = self.mapping(node, "a Kubernetes manifest")
        kind_node = fields["kind"][1]
        kind = self.text(kind_node, "`kind`")
        if kind == "List":
            items = fields.get("items")
            if items is None or not isinstance(items[1], SequenceNode):
                raise self.error(node, "a `kind: List` needs `items`, a list of manifests")
            for item in items[1].value:
                self.manifest(item)
            return
        if kind != self.manifest_kind:
            option = "--config-maps" if kind == "ConfigMap" else "--secrets" if kind == "Secret" else None
            hint = f" (give it to {option})" if option else ""
            raise self.error(kind_node, f"`kind: {kind}` where a `kind: {self.manifest_kind}` is expected{hint}")
        metadata = fields.get("metadata")
        name_entry = self.mapping(metadata[1], "`metadata`").get("name") if metadata else None
        if name_entry is None:
            raise self.error(node, f"this {self.kind} has no `metadata.name`")
        name_node = name_entry[1]
        name = self.text(name_node, "`metadata.name`")
        if kind == "Secret":
            text_field, base64_field = "stringData", "data"
        else:
            text_field, base64_field = "data", "binaryData"
        keys: dict[str, str] = {}
        if base64_field in fields:
            keys.update(self.keys(fields[base64_field][1], name, decode=True))
        if text_field in fields:
            keys.update(self.keys(fields[text_field][1], name, decode=False))
        self.add(name, name_node, keys)

    def plain_keys(self, node: Node, name: str) -> dict[str, str]:
        return self.keys(node, name, decode=False)

    def keys(self, node: Node, name: str, decode: bool) -> dict[str, str]:
        keys = {}
        for key, (key_node, value_node) in self.mapping(
            node, f"the keys of {self.kind} `{name}`, key -> value"
        ).items():
            if not KEY.fullmatch(key) or key in (".", ".."):
                raise self.error(key_node, f"`{key}` can't be a key (letters, digits, `-`, `_` and `.`)")
            what = f"the value of key `{key}` of {self.kind} `{name}`"
            value = self.text(value_node, what)
            keys[key] = (
                self.base64(value_node, value, what, "`data`" if self.kind == "secret" else "`binaryData`")
                if decode
                else value
            )
        return keys

    def add(self, name: str, name_node: Node, keys: dict[str, str]) -> None:
        if not OBJECT_NAME.fullmatch(name):
            raise self.error(
                name_node, f"`{name}` is not a Kubernetes name for a {self.kind} (lower-case letters, digits, - and .)"
            )
        if name in self.objects:
            raise self.error(name_node, f"the {self.kind} `{name}` is given twice")
        self.objects[name] = keys

    # ------------------------------------------------------------ pieces
    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]]:
        """A YAML map's entries, key text -> (key node, value node)."""
        if not isinstance(node, MappingNode):
            raise self.error(node, f"expected {what}")
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.text(key_node, "a name")
            if key in entries:
                raise self.error(key_node, f"`{key}` is written twice")
            entries[key] = (key_node, value_node)
        return entries

    def text(self, node: Node, what: str) -> str:
        """A scalar, as written (`5432` stays the text `5432`; a Kubernetes value is always text)."""
        if not isinstance(node, ScalarNode):
            raise self.error(node, f"{what} must be text, not a {'list' if isinstance(node, SequenceNode) else 'map'}")
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~", "null", "Null", "NULL"):
            raise self.error(node, f"{what} is empty")
        return node.value

    def base64(self, node: Node, value: str, what: str, field: str) -> str:
        text_field = "stringData" if self.kind == "secret" else "data"
        try:
            return base64.b64decode(value.encode(), validate=True).decode()
        except (binascii.Error, ValueError):  # ValueError: not UTF-8 text once decoded
            raise self.error(
                node, f"{what} is not base64 of text, as {field} must be (write text under `{text_field}`)"
            ) from None
