"""A small, fast YAML writer for compiled documents.

PyYAML's representer is pure Python and takes most of a second on a
1000-step pipeline, so compiled documents are written here instead.  The
documents are plain JSON data (dicts, lists, strings, numbers, booleans,
null); the output is block-style YAML with sorted keys like kfp writes, and a
string is left unquoted only when YAML would read it back as the same string.
Anything else is written as a JSON string, which YAML reads identically.
Tests check that `yaml.safe_load(dump(doc)) == doc` on every compiled document.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

# A plain scalar that YAML 1.1 (PyYAML) and 1.2 both read back as this string.
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$")
_RESERVED = {
    "y",
    "n",
    "yes",
    "no",
    "true",
    "false",
    "on",
    "off",
    "null",
    "none",
    "~",
}
# Characters escaped inside a quoted scalar: controls, surrogates, BOMs, and the line and
# paragraph separators (YAML reads U+2028/U+2029 as line breaks even inside quotes).
_NOT_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_NUMBER_LIKE = re.compile(r"^[-+]?(\.?[0-9]|\.inf|\.nan)", re.I)


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)  # a finite float's repr always has a `.` or an exponent
        if "e" in text and "." not in text:
            return text.replace("e", ".0e")  # YAML 1.1 reads `1e-05` as a string; `1.0e-05` is a float
        return text
    return _string(value)


@lru_cache(maxsize=65536)  # keys and many values repeat on every task
def _string(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not _NUMBER_LIKE.match(text):
        return text
    # JSON's escapes are YAML's; characters YAML won't read raw are escaped too.
    return _NOT_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _emit(value, indent: str, out: list[str]) -> None:
    """Append the lines of a mapping or sequence at `indent` to `out`.

    Most values in a compiled document are strings, so they are tested for first and go straight to
    `_string` (what `_inline` would end in); this is the writer's inner loop, run once per value."""
    deeper = indent + "  "
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            name = _string(key if isinstance(key, str) else str(key))
            if isinstance(item, str):
                out.append(f"{indent}{name}: {_string(item)}")
                continue
            prefix = f"{indent}{name}:"
            if isinstance(item, dict) and item:
                out.append(prefix)
                _emit(item, deeper, out)
            elif isinstance(item, list) and item:
                out.append(prefix)
                _emit(item, indent, out)
            else:
                out.append(f"{prefix} {_inline(item)}")
    else:
        for item in value:
            if isinstance(item, str):
                out.append(f"{indent}- {_string(item)}")
            elif isinstance(item, dict) and item:
                # the mapping's first line follows the dash; the others line up under it
                start = len(out)
                _emit(item, deeper, out)
                out[start] = f"{indent}- {out[start][len(deeper) :]}"
            elif isinstance(item, list) and item:
                out.append(f"{indent}-")
                _emit(item, deeper, out)
            else:
                out.append(f"{indent}- {_inline(item)}")


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump(document: dict) -> str:
    if not document:
        return "{}\n"
    lines: list[str] = []
    _emit(document, "", lines)
    return "\n".join(lines) + "\n"


def dump_all(documents: list[dict]) -> str:
    return "---\n".join(dump(document) for document in documents)
