"""Completion items: the index's completions, filtered by the word being typed.

The client filters the list as the user types on; the server already drops
the items that can't match the word typed so far (its characters must appear
in the label in order, which every client's fuzzy matching also requires),
so a large pipeline doesn't send hundreds of items on every keystroke.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:  # imported by the first completion, which doesn't need the compiler to be loaded first
    from ptflow.compiler.completion import Completion

K = types.CompletionItemKind
_KINDS = {
    "keyword": K.Keyword,
    "component": K.Function,
    "pipeline": K.Class,
    "module": K.Module,
    "parameter": K.Variable,
    "step": K.Variable,
    "loop": K.Variable,
    "input": K.Field,
    "output": K.Field,
    "option": K.Property,
    "property": K.Property,
    "value": K.Constant,
    "file": K.File,
}
# Names the user defined come before keywords when labels tie in the client's ranking.
_KIND_ORDER = {
    "input": "0",
    "option": "0",
    "output": "0",
    "loop": "0",
    "parameter": "0",
    "file": "0",
    "step": "1",
    "component": "2",
    "pipeline": "2",
    "module": "2",
    "value": "3",
    "property": "3",
    "keyword": "4",
}
# At most this many items per answer; when more match, the answer is marked incomplete and the client asks
# again as the user types on (each time with fewer matches), so a pipeline of 2,000 steps stays fast.
MAX_ITEMS = 100
_WORD = re.compile(r"[A-Za-z0-9_]*$")


def typed_word(line_before_cursor: str) -> str:
    return _WORD.search(line_before_cursor).group()


def could_match(label: str, word: str) -> bool:
    """True if the characters of `word` appear in `label` in order (ignoring case)."""
    if not word:
        return True
    label = label.lower()
    position = 0
    for char in word.lower():
        position = label.find(char, position) + 1
        if position == 0:
            return False
    return True


def completion_list(completions: list[Completion], word: str) -> types.CompletionList:
    """The items that could match `word`, best first, at most MAX_ITEMS of them."""
    chosen: dict[str, tuple[str, Completion]] = {}
    for completion in completions:
        if completion.label not in chosen and could_match(completion.label, word):
            chosen[completion.label] = (sort_key(completion), completion)
    ranked = sorted(chosen.values(), key=lambda pair: pair[0])
    items = [completion_item(completion, key) for key, completion in ranked[:MAX_ITEMS]]
    return types.CompletionList(is_incomplete=len(ranked) > MAX_ITEMS, items=items)


def sort_key(completion: Completion) -> str:
    """Values of the expected type first, then by kind (inputs before steps before keywords), then by label."""
    rank = completion.sort or _KIND_ORDER.get(completion.kind, "5") + completion.label
    return str(2 - completion.fit) + rank


def completion_item(completion: Completion, sort_text: str) -> types.CompletionItem:
    return types.CompletionItem(
        label=completion.label,
        kind=_KINDS.get(completion.kind, K.Text),
        detail=completion.detail or None,
        documentation=types.MarkupContent(types.MarkupKind.Markdown, completion.doc) if completion.doc else None,
        insert_text=completion.insert,
        sort_text=sort_text,
    )
