"""Loading YAML documents straight from the parser's events: what `yaml.load_all` with the safe loader gives, faster.

`ptflow run` reads a whole pipeline's IR before it starts, and kfp writes
about forty lines of YAML per step, so loading grows with the pipeline: with
PyYAML's libyaml loader it cost ~0.27 ms per step, as much as running a
trivial step.  Most of that is not libyaml's parsing but PyYAML building a
node object for every value, resolving every scalar's tag with a list of
regular expressions, and then constructing Python objects from the nodes.
This loader takes the same parser's events and builds the objects directly:
a plain scalar's tag is resolved once per distinct text (with PyYAML's own
resolver), strings (nearly everything in IR) are used as they are, and other
scalars are converted by PyYAML's own SafeConstructor functions.

It handles the subset of YAML that IR uses: mappings, sequences, scalars of
the standard tags, anchors and aliases to finished nodes.  Anything else (merge
keys, complex keys, other tags, recursive aliases, duplicate anchors) makes it
hand the text to `yaml.load_all`, so the result, or the error, is always
exactly the safe loader's.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentEndEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import ScalarNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalar tags whose SafeConstructor function needs only the node's value.
_SCALARS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp")}
_BUILDING = object()  # an anchored container that is not finished yet
_NO_KEY = object()


class _Unsupported(Exception):
    """Something this loader leaves to PyYAML."""


def load_all(text: str) -> list[Any]:
    """Every document of `text`, as `list(yaml.load_all(text, Loader=CSafeLoader))` returns them."""
    try:
        return _Builder(text).documents()
    except _Unsupported:
        return list(yaml.load_all(text, Loader=_LOADER))


class _Builder:
    def __init__(self, text: str):
        self.text = text
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.plain_tags: dict[str, str] = {}  # a plain scalar's text -> its resolved tag

    def documents(self) -> list[Any]:
        loader = _LOADER(self.text)
        try:
            get_event = loader.get_event
            get_event()  # StreamStartEvent
            documents = []
            while not isinstance(get_event(), StreamEndEvent):  # a DocumentStartEvent
                documents.append(self._document(get_event))
            return documents
        finally:
            loader.dispose()

    def _document(self, get_event) -> Any:
        anchors: dict[str, Any] = {}
        # Open containers, innermost last: [container, anchor, key waiting for its value (mappings only)].
        stack: list[list] = []
        root = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                value = self._scalar(event)
                self._anchor(anchors, event.anchor, value)
                is_key_material = True
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                mapping = kind is MappingStartEvent
                if event.tag not in (None, "!", _MAP if mapping else _SEQ):
                    raise _Unsupported(event.tag)
                container: Any = {} if mapping else []
                self._anchor(anchors, event.anchor, _BUILDING)
                stack.append([container, event.anchor, _NO_KEY])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value, anchor, _ = stack.pop()
                if anchor is not None:
                    anchors[anchor] = value
                is_key_material = False
            elif kind is AliasEvent:
                value = anchors.get(event.anchor, _BUILDING)
                if value is _BUILDING:  # undefined, or recursive: PyYAML's error or recursive object
                    raise _Unsupported(event.anchor)
                is_key_material = False
            elif kind is DocumentEndEvent:
                return root
            else:
                raise _Unsupported(kind.__name__)
            if not stack:
                root = value
                continue
            frame = stack[-1]
            if type(frame[0]) is list:
                frame[0].append(value)
            elif frame[2] is _NO_KEY:
                if not is_key_material:  # a complex or aliased key
                    raise _Unsupported("key")
                frame[2] = value
            else:
                frame[0][frame[2]] = value  # a repeated key: the last value wins, as in PyYAML
                frame[2] = _NO_KEY

    def _anchor(self, anchors: dict, anchor: str | None, value: Any) -> None:
        if anchor is not None:
            if anchor in anchors:  # PyYAML refuses a duplicate anchor
                raise _Unsupported(anchor)
            anchors[anchor] = value

    def _scalar(self, event: ScalarEvent) -> Any:
        tag = event.tag
        value = event.value
        if tag is None or tag == "!":
            if event.implicit[0]:
                tag = self.plain_tags.get(value)
                if tag is None:
                    tag = self.plain_tags[value] = self.resolver.resolve(ScalarNode, value, event.implicit)
            else:
                tag = _STR
        if tag == _STR:
            result: Any = value
        elif tag in _SCALARS:
            node = ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
            try:
                result = self.constructor.yaml_constructors[tag](self.constructor, node)
            except Exception as error:  # PyYAML reports this only once the whole document has parsed
                raise _Unsupported(tag) from error
        else:  # merge keys (<<), `=`, and tags of other kinds
            raise _Unsupported(tag)
        return result
