"""The one way ptflow reads YAML: safe, linear in the size of the text, and strict where KFP is.

Every YAML file ptflow reads goes through `load_documents`: IR for `ptflow
validate` and `ptflow run FILE.yaml`, Argo Workflows for `validate`, and KFP
component files imported by a .ptflow program.  It builds Python objects
straight from libyaml's parser events (no node objects, each plain scalar's
tag resolved once per distinct text), which is also what makes it fast enough
for the runner to read a large pipeline before its first step.

What it refuses, each with one short `YamlRefused` error at the offending line:

- anchors and aliases (`&a`, `*a`).  KFP never writes them, and expanding them
  lets a 3 KB file become gigabytes (an "alias bomb"), so they are refused as
  soon as the parser meets the first one, before anything is built;
- a key given twice in one mapping (KFP's backend refuses those too; PyYAML
  would silently keep the last value);
- merge keys (`<<`), mappings or lists used as keys, and tags other than the
  standard scalar and collection ones (`!!python/...`, `!!set`, `!custom`);
- integers longer than Python converts (4,300 digits) and nesting deeper than
  `MAX_DEPTH`, which would otherwise end in a traceback further on.

Otherwise the result is what `yaml.load_all(text, Loader=CSafeLoader)` gives.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"  # a plain `<<`
_VALUE = "tag:yaml.org,2002:value"  # a plain `=`: PyYAML only reads it as a key; here it is the string "="
# Scalar tags whose SafeConstructor function needs only the node's value.
_SCALARS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp")}
_NO_KEY = object()

# How deeply mappings and lists may nest.  KFP IR nests about a dozen levels;
# the validators walk documents recursively, so a bound keeps them off Python's
# recursion limit.
MAX_DEPTH = 100
# Python refuses to convert longer decimal integers (its int/str limit; 0 means none).
_MAX_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)() or sys.maxsize
# The most characters of a key, tag or anchor an error message repeats.
_ECHO_LIMIT = 60


class YamlRefused(yaml.MarkedYAMLError):
    """Valid YAML that ptflow does not accept; `problem_mark` is where (0-based line and column)."""

    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


def load_documents(text: str) -> list[Any]:
    """Every document of `text` (empty ones as None, so indices match the file).

    Raises `yaml.YAMLError` for text that is not YAML and `YamlRefused` (a
    subclass) for YAML that ptflow refuses; both carry `problem` and
    `problem_mark`.
    """
    return _Builder(text).documents()


def echo(text: str, limit: int = _ECHO_LIMIT) -> str:
    """`text` as an error message may repeat it: at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        # Open containers, innermost last: [container, key waiting for its value (mappings only),
        # {key: the line it was first given on} (mappings only)].
        stack: list[list] = []
        root = None
        while True:
            event = get_event()
            kind = type(event)
            if kind is AliasEvent or getattr(event, "anchor", None) is not None:
                _refuse_anchor(event)
            if kind is ScalarEvent:
                value = self._scalar(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                mapping = kind is MappingStartEvent
                if event.tag not in (None, "!", _MAP if mapping else _SEQ):
                    _refuse_tag(event.tag, event)
                if len(stack) >= MAX_DEPTH:
                    raise YamlRefused(
                        f"lists and mappings nest more than {MAX_DEPTH} levels deep here", event.start_mark
                    )
                stack.append([{}, _NO_KEY, {}] if mapping else [[], None, None])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value = stack.pop()[0]
            elif kind is DocumentEndEvent:
                return root
            else:  # pragma: no cover - libyaml sends nothing else inside a document
                raise YamlRefused(f"unexpected {kind.__name__}", event.start_mark)
            if not stack:
                root = value
                continue
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(value)
            elif frame[1] is _NO_KEY:
                frame[1] = self._key(event, value, frame[2])
            else:
                container[frame[1]] = value
                frame[1] = _NO_KEY

    def _key(self, event: Any, value: Any, first_lines: dict) -> Any:
        """`value` checked as a mapping key: a plain value, given once."""
        if type(event) is not ScalarEvent:
            raise YamlRefused("a mapping key must be a plain value, not a list or a mapping", event.start_mark)
        try:
            first = first_lines.get(value)
        except TypeError:  # unhashable, e.g. a !!binary key
            raise YamlRefused("this mapping key cannot be used as a key", event.start_mark) from None
        if first is not None:
            raise YamlRefused(f"duplicate key `{echo(str(value))}` (first given on line {first})", event.start_mark)
        assert event.start_mark is not None, "PyYAML's parser marks every event it makes"
        first_lines[value] = event.start_mark.line + 1
        return value

    def _scalar(self, event: Any) -> Any:  # a ScalarEvent (Any: PyYAML's stubs make its marks optional)
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
            return value
        if tag == _VALUE:
            return value
        if tag == _MERGE:
            raise YamlRefused("merge keys (`<<`) are not accepted", event.start_mark)
        if tag not in _SCALARS:
            _refuse_tag(tag, event)
        if tag == _INT and len(value) > _MAX_INT_DIGITS:
            digits = sum(c.isdigit() for c in value)
            if digits > _MAX_INT_DIGITS:
                raise YamlRefused(
                    f"this integer has {digits:,} digits; at most {_MAX_INT_DIGITS:,} can be read", event.start_mark
                )
        node = ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except (ValueError, OverflowError, yaml.YAMLError) as error:
            raise YamlRefused(
                f"`{echo(value)}` is not a valid {tag.rsplit(':', 1)[-1]}: {echo(str(error), 120)}", event.start_mark
            ) from None


def _refuse_tag(tag: str, event) -> None:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    raise YamlRefused(f"the tag `{echo(shown)}` is not accepted", event.start_mark)


def _refuse_anchor(event) -> None:
    if isinstance(event, AliasEvent):
        shown = f"the alias `*{echo(event.anchor or '')}`"
    else:
        shown = f"the anchor `&{echo(event.anchor or '')}`"
    raise YamlRefused(
        f"{shown}: anchors and aliases are not accepted (KFP documents never use them, and "
        "expanding them can make a small file huge)",
        event.start_mark,
    )
