"""`record` (compiler/records.py) makes the same classes as `dataclass`, with a shared `__repr__`: the reprs
must read exactly as a dataclass's own, or a traceback or a failing test would show something else."""

import dataclasses
from dataclasses import dataclass, field

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
