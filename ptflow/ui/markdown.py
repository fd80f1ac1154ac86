"""A small Markdown renderer for artifacts: headings, paragraphs, lists, tables, code, emphasis, links.

An artifact is untrusted, so every character of it is HTML-escaped before
any Markdown is turned into tags: raw HTML in the document shows as text,
and a link is kept only when it is http(s), mailto, or relative (never
`javascript:`).  What the steps of the standard library write (tables of
label counts, request/response records, instructions) is covered; anything
else shows as the text it is.
"""

from __future__ import annotations

import re
from html import escape

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)|(?<![_\w])_(?!\s)(.+?)(?<!\s)_(?![_\w])")
_SAFE_LINK = re.compile(r"^(https?://|mailto:|#|/(?!/)|\.{0,2}/|[\w.-]+(/|$))", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def render(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("```"):
            block = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith("```"):
                block.append(lines[index])
                index += 1
            out.append(f"<pre><code>{escape(chr(10).join(block))}</code></pre>")
            index += 1
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2).rstrip('#').strip())}</h{level}>")
            index += 1
            continue
        if "|" in stripped and index + 1 < len(lines) and _TABLE_RULE.match(lines[index + 1]):
            index = _table(lines, index, out)
            continue
        if re.match(r"^([-*+]|\d+[.)])\s+", stripped):
            index = _list(lines, index, out)
            continue
        if not stripped:
            index += 1
            continue
        if stripped.startswith(">"):
            quoted = []
            while index < len(lines) and lines[index].strip().startswith(">"):
                quoted.append(lines[index].strip()[1:].strip())
                index += 1
            out.append(f"<blockquote>{_inline(' '.join(quoted))}</blockquote>")
            continue
        if line.startswith("    "):
            block = []
            while index < len(lines) and (lines[index].startswith("    ") or not lines[index].strip()):
                block.append(lines[index][4:])
                index += 1
            out.append(f"<pre><code>{escape(chr(10).join(block).rstrip())}</code></pre>")
            continue
        paragraph = []
        while index < len(lines) and lines[index].strip() and not _starts_block(lines, index):
            paragraph.append(lines[index].strip())
            index += 1
        out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
    return "\n".join(out)


def _starts_block(lines: list[str], index: int) -> bool:
    stripped = lines[index].strip()
    return (
        stripped.startswith(("```", "#", ">"))
        or bool(re.match(r"^([-*+]|\d+[.)])\s+", stripped))
        or ("|" in stripped and index + 1 < len(lines) and bool(_TABLE_RULE.match(lines[index + 1])))
    )


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|")
    line = line.removesuffix("|")
    return [cell.strip() for cell in line.split("|")]


def _table(lines: list[str], index: int, out: list[str]) -> int:
    header = _cells(lines[index])
    rule = _cells(lines[index + 1])
    aligns = [
        "right"
        if c.endswith(":") and not c.startswith(":")
        else "center"
        if c.startswith(":") and c.endswith(":")
        else ""
        for c in rule
    ]
    index += 2
    html = ['<table class="md"><thead><tr>']
    html += [f"<th{_align(aligns, i)}>{_inline(cell)}</th>" for i, cell in enumerate(header)]
    html.append("</tr></thead><tbody>")
    while index < len(lines) and "|" in lines[index] and lines[index].strip():
        cells = _cells(lines[index])
        html.append(
            "<tr>" + "".join(f"<td{_align(aligns, i)}>{_inline(cell)}</td>" for i, cell in enumerate(cells)) + "</tr>"
        )
        index += 1
    html.append("</tbody></table>")
    out.append("".join(html))
    return index


def _align(aligns: list[str], column: int) -> str:
    # A class, not a style attribute: the page's CSP allows no inline styles.
    return f' class="align-{aligns[column]}"' if column < len(aligns) and aligns[column] else ""


def _list(lines: list[str], index: int, out: list[str]) -> int:
    ordered = bool(re.match(r"^\d+[.)]\s", lines[index].strip()))
    items = []
    while index < len(lines):
        match = re.match(r"^([-*+]|\d+[.)])\s+(.*)$", lines[index].strip())
        if match:
            items.append(match.group(2))
        elif lines[index].startswith((" ", "\t")) and lines[index].strip() and items:
            items[-1] += " " + lines[index].strip()  # a continuation line
        else:
            break
        index += 1
    tag = "ol" if ordered else "ul"
    out.append(f"<{tag}>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + f"</{tag}>")
    return index


def _inline(text: str) -> str:
    """Escape, then turn code spans, links and emphasis into tags (code spans keep their text as it is)."""
    codes: list[str] = []

    def keep_code(match: re.Match) -> str:
        codes.append(f"<code>{escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep_code, text)
    text = escape(text)

    def link(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if not _SAFE_LINK.match(target.replace("&amp;", "&")):
            return match.group(0)
        return f'<a href="{target}" rel="noopener noreferrer">{label}</a>'

    text = _LINK.sub(link, text)
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", text)
    text = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)
