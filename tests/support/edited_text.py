"""A text edited step by step, as a user types: the edit-sequence tests of the incremental parser and checker."""

from __future__ import annotations


class EditedText:
    """The text after each edit so far; each edit applies to the text the one before it left."""

    def __init__(self, text: str) -> None:
        self.text = text

    def replace(self, old: str, new: str) -> str:
        """The first `old` made `new` (which must be there: an edit of text that isn't there tests nothing)."""
        assert old in self.text, old
        self.text = self.text.replace(old, new, 1)
        return self.text

    def in_place(self, old: str, new: str) -> str:
        """An edit that keeps the text after it at its offsets (what follows keeps its nodes)."""
        assert len(old) == len(new), (old, new)
        return self.replace(old, new)
