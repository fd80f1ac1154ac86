"""`record` (compiler/records.py) makes the same classes as `dataclass`, its `__repr__`, `__eq__` and `__hash__`
made without compiling source: each must behave exactly as a dataclass's own (a repr that read differently would
mislead a traceback or a failing test; an `__eq__` or `__hash__` that differed would change what the compiler
finds equal)."""

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ptflow.compiler import dag, tree, types
from ptflow.compiler.records import record
from ptflow.compiler.source import Span


def twin_classes(**options):
    """The same class body made by `record` and by `dataclass`, with the same name."""

    def body():
        class Point:
            x: int
            label: str = "origin"
            hidden: list = field(default_factory=list, repr=False)
            children: list = field(default_factory=list)

        return Point

    return record(**options)(body()), dataclass(**options)(body())


@pytest.mark.parametrize(
    "options", [{}, {"frozen": True}, {"eq": False, "slots": True}, {"order": True}, {"kw_only": True}]
)
def test_the_repr_reads_as_a_dataclass_reads(options):
    ours, theirs = twin_classes(**options)
    made = [cls(x=3, label="a 'quoted' label", hidden=[1], children=[cls(x=4)]) for cls in (ours, theirs)]
    assert repr(made[0]) == repr(made[1])
    assert repr(made[0]).replace(ours.__qualname__, "Point") == (
        "Point(x=3, label=\"a 'quoted' label\", children=[Point(x=4, label='origin', children=[])])"
    )


def test_an_object_inside_its_own_repr_is_shown_as_dots():
    ours, theirs = twin_classes()
    made = []
    for cls in (ours, theirs):
        point = cls(x=1)
        point.children.append(point)
        made.append(point)
    assert repr(made[0]) == repr(made[1])
    assert repr(made[0]).endswith("Point(x=1, label='origin', children=[...])")


def test_a_class_keeps_its_own_repr_and_subclasses_get_theirs():
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    @record
    class Sub(Named):
        size: int = 0

    @record(repr=False)
    class Quiet(Named):
        size: int = 0

    assert repr(Named("a")) == "<a>"
    assert repr(Sub("b", 2)) == f"{Sub.__qualname__}(name='b', size=2)"
    assert repr(Quiet("c")) == "<c>"


def test_records_are_dataclasses_for_the_standard_functions():
    ours, _ = twin_classes(frozen=True)
    point = ours(x=1)
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)] == ["x", "label", "hidden", "children"]
    assert dataclasses.replace(point, x=2) == ours(x=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 5


def test_the_compilers_own_classes():
    span = Span("p.ptflow", 1, 2, 1, 5)
    model = types.artifact("system.Model")
    assert repr(model) == (
        "Type(kind=<TypeKind.ARTIFACT: 'artifact'>, name='system.Model', item=None, is_list=False, optional=False, "
        "schema_version='0.0.1')"
    )
    assert repr(dag.TaskOutput("train", "model", model)) == (
        f"TaskOutput(task='train', output='model', type={model!r}, gathered=0, collected=False)"
    )
    assert repr(tree.Identifier("x", span)) == f"Identifier(name='x', span={span!r})"


def same_hash(first, second) -> bool:
    return hash(first) == hash(second)


def outcome(compute, *args):
    """What `compute(*args)` gives, or the name of the exception it raises (to compare two classes' behaviour)."""
    try:
        return compute(*args)
    except Exception as error:
        return type(error).__name__


def test_equality_and_hashing_follow_dataclass():
    nan = float("nan")
    for options in ({}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}, {"eq": False}):
        ours, theirs = twin_classes(**options)
        for cls in (ours, theirs):
            cls.__name__ = "Point"
        cases = []
        for cls in (ours, theirs):
            a, b, c = cls(x=1, hidden=[1]), cls(x=1, hidden=[2]), cls(x=2)
            shared = [nan]
            d, e = cls(x=1, children=shared), cls(x=1, children=shared)  # the same NaN: equal, as in tuples
            cases.append(
                (
                    a == b,
                    a == c,
                    a != c,
                    d == e,
                    a == (1, "origin", [1], []),
                    a.__eq__(object()),
                    cls.__hash__ is None,
                    # a frozen one hashes its fields (a list among them can't be); eq=False: by identity
                    outcome(same_hash, a, cls(x=1, hidden=[1])),
                    outcome(same_hash, cls(x=1, children=()), cls(x=1, children=())),
                )
            )
        assert cases[0] == cases[1], options


def test_hash_and_compare_flags_of_fields_are_kept():
    @record(frozen=True)
    class Keyed:
        key: str
        note: str = field(default="", compare=False)
        weight: int = field(default=0, hash=False)

    assert Keyed("a", note="x") == Keyed("a", note="y")
    assert Keyed("a", weight=1) != Keyed("a", weight=2)
    assert hash(Keyed("a", weight=1)) == hash(Keyed("a", weight=2)) == hash(("a",))
    assert {Keyed("a"): 1}[Keyed("a", note="other")] == 1


def test_a_subclass_compares_its_own_fields_and_an_inherited_eq_its_base_fields():
    @record
    class Base:
        x: int

    @record
    class Sub(Base):
        y: int = 0

    @record(eq=False)
    class Plain(Base):
        y: int = 0

    assert Sub(1, 2) != Sub(1, 3) and Sub(1, 2) == Sub(1, 2)
    assert Sub(1) != Base(1)  # another class: not equal, as with dataclass
    assert Plain(1, 2) == Plain(1, 3)  # Base's __eq__, inherited, compares Base's fields only
    assert Base.__hash__ is None and Sub.__hash__ is None


def test_a_class_with_its_own_eq_or_order_is_left_to_dataclass():
    @record
    class Own:
        x: int

        def __eq__(self, other):
            return True

    @record(order=True, frozen=True)
    class Ordered:
        x: int

    assert Own(1) == Own(2) and Own.__hash__ is None
    assert Ordered(1) < Ordered(2) and Ordered(1) == Ordered(1) and hash(Ordered(1)) == hash((1,))


def test_the_compiler_makes_its_data_classes_with_record():
    """A `@dataclass` in compiler/ would compile its methods at every cold start again (compiler/records.py)."""
    compiler = Path(__file__).resolve().parents[2] / "compiler"
    made_by_dataclass = re.compile(r"\s*@(dataclasses\.)?dataclass\b|from dataclasses import .*\bdataclass\b")
    offenders = [
        f"{path.relative_to(compiler.parent)}:{number}"
        for path in sorted(compiler.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if made_by_dataclass.match(line)
    ]
    assert offenders == []
