"""`Span`, the position on every node and diagnostic: a frozen value, however it is created (source.py sets its
fields through their slots for speed)."""

import dataclasses
import pickle

import pytest

from ptflow.compiler.source import SourceText, Span


def test_a_span_holds_its_fields_and_compares_by_them():
    span = Span("p.ptflow", 1, 2, 3, 4, 5, 6)
    assert (span.file, span.line, span.column, span.end_line, span.end_column, span.start, span.end) == (
        "p.ptflow",
        1,
        2,
        3,
        4,
        5,
        6,
    )
    assert span == Span(file="p.ptflow", line=1, column=2, end_line=3, end_column=4, start=5, end=6)
    assert hash(span) == hash(Span("p.ptflow", 1, 2, 3, 4, 5, 6))
    assert span != Span("p.ptflow", 1, 2, 3, 4, 5, 7)
    assert Span("p.ptflow", 1, 2, 3, 4) == Span("p.ptflow", 1, 2, 3, 4, 0, 0)
    assert repr(span) == "Span(file='p.ptflow', line=1, column=2, end_line=3, end_column=4, start=5, end=6)"
    assert str(span) == "p.ptflow:1:2"


def test_a_span_cannot_be_changed_but_can_be_copied_and_pickled():
    span = SourceText("p.ptflow", "ab\ncd").span(1, 4)
    assert span == Span("p.ptflow", 1, 2, 2, 2, 1, 4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.line = 9  # type: ignore[misc]
    assert dataclasses.replace(span, line=9) == Span("p.ptflow", 9, 2, 2, 2, 1, 4)
    assert pickle.loads(pickle.dumps(span)) == span


def test_a_span_missing_a_field_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="Span.__init__.*end_column"):
        Span("p.ptflow", 1, 2, 3)  # type: ignore[call-arg]
