"""The layout printer on its own: where a group fits on its line and where it breaks, to the column."""

from ptflow.compiler.layout_printer import LINE, SOFT_LINE, Group, IfBroken, Indent, render


def call(*arguments: str) -> Group:
    """`f(a, b)`, or one argument a line when it does not fit."""
    items: list = []
    for index, argument in enumerate(arguments):
        items += [LINE if index else "", argument, "," if index < len(arguments) - 1 else ""]
    return Group(["f(", Indent(items), ")"])


def test_a_group_exactly_as_wide_as_the_line_stays_on_it():
    # "ab cd" is 5 columns: it fits a 5-column line from its first column, and not a 4-column one
    assert render(Group(["ab", LINE, "cd"]), 5, "  ") == "ab cd"
    assert render(Group(["ab", LINE, "cd"]), 4, "  ") == "ab\ncd"


def test_what_follows_a_group_on_its_line_counts_towards_its_fit():
    document = [Group(["ab", LINE, "cd"]), "xy"]
    assert render(document, 7, "  ") == "ab cdxy"
    assert render(document, 6, "  ") == "ab\ncdxy"


def test_a_broken_group_indents_its_lines_and_an_inner_group_fits_on_its_own():
    document = Group(["p(", Indent([LINE, call("a", "b"), ",", LINE, "tail"]), LINE, ")"])
    assert render(document, 12, "    ") == "p(\n    f(a, b),\n    tail\n)"


def test_a_trailing_comma_only_when_broken_takes_no_room_on_a_flat_line():
    document = Group(["f(", Indent([SOFT_LINE, "a,", LINE, "b", IfBroken(",")]), SOFT_LINE, ")"])
    assert render(document, 7, "  ") == "f(a, b)"
    assert render(document, 6, "  ") == "f(\n  a,\n  b,\n)"


def test_a_group_marked_flat_stays_on_one_line_even_when_too_wide():
    """The formatter's `flat` signature layout: kept on one line where breaking it would move a doc comment."""
    wide = Group(["f(", Indent([SOFT_LINE, "alpha,", LINE, "beta"]), SOFT_LINE, ")"], flat=True)
    assert render([Group(["x", LINE, wide])], 8, "  ") == "x\nf(alpha, beta)"


def test_a_multi_line_string_needs_room_only_for_its_first_line():
    text = '"""\n' + "a" * 30 + '"""'
    assert render(Group(["x(", SOFT_LINE, text, ")"]), 6, "  ") == "x(" + text + ")"


def test_a_multi_line_string_fits_when_its_first_line_ends_at_the_last_column():
    # `x("""ab` is 7 columns: flat on a 7-column line, broken on a 6-column one
    text = '"""ab\ncd"""'
    document = Group(["x(", SOFT_LINE, text, ")"])
    assert render(document, 7, "  ") == 'x("""ab\ncd""")'
    assert render(document, 6, "  ") == 'x(\n"""ab\ncd""")'


def test_after_a_multi_line_string_the_column_is_that_of_its_last_line():
    # after the string, `cd"""` has taken 5 columns: "ef gh" fits a 10-column line, not a 9-column one
    document = ['"""ab\ncd"""', Group(["ef", LINE, "gh"])]
    assert render(document, 10, "  ") == '"""ab\ncd"""ef gh'
    assert render(document, 9, "  ") == '"""ab\ncd"""ef\ngh'
