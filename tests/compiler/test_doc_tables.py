"""The docs' generated tables match the compiler's option and target tables."""

from __future__ import annotations

import pytest

from ptflow.compiler.doc_tables import DOCS, GENERATED, option_table, regenerated
from ptflow.compiler.options import OPTIONS


@pytest.mark.parametrize("file", sorted(GENERATED))
def test_the_generated_tables_in_the_docs_are_up_to_date(file):
    text = (DOCS / file).read_text(encoding="utf-8")
    assert regenerated(text, GENERATED[file]) == text, (
        f"docs/{file} is stale: run `python -m ptflow.compiler.doc_tables`"
    )


def test_the_option_table_in_the_docs_has_a_row_per_option_with_its_doc():
    rows = option_table().splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| `{option.name}`" for option in OPTIONS]
    assert all(f" | {option.doc} | " in row for option, row in zip(OPTIONS, rows))


def test_a_doc_without_the_markers_is_an_error_not_a_silent_skip():
    with pytest.raises(ValueError, match="no generated `options` block"):
        regenerated("# a doc\n", {"options": option_table})
