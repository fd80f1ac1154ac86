"""The comparator of the differential suite (tests/support/ir_equivalence.py) tells pipelines apart by what
flows where, not by names: renamed tasks are equal, swapped inputs are not."""

import pytest

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

from tests.support.ir_equivalence import assert_equivalent_ir, canonical_ir  # noqa: E402
from tests.support.kfp_compare import compile_kfp, compile_ptflow  # noqa: E402

IMAGE = "alpine:3.19"


def compiled(pipeline, tmp_path, folder: str) -> list[dict]:
    (tmp_path / folder).mkdir()
    return compile_kfp(pipeline, tmp_path / folder)


@dsl.container_component
def roll(seed: int, value: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo "$0" > "$1"', seed, value])


@dsl.container_component
def dice(seed: int, value: dsl.OutputPath(int)):  # `roll` under another name: other task/component/executor names
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo "$0" > "$1"', seed, value])


@dsl.container_component
def subtract(a: int, b: int):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "echo $(($0-$1))", a, b])


@dsl.container_component
def minus(a: int, b: int):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "echo $(($0-$1))", a, b])


@dsl.container_component
def echo(msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg])


@dsl.pipeline(name="p")
def original(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=first.output, b=second.output)
    subtract(a=x, b=y)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(first.output > 3):
            echo(msg=kv.a)


@dsl.pipeline(name="p")
def an_extra_step(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=first.output, b=second.output)
    subtract(a=x, b=y)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(first.output > 3):
            echo(msg=kv.a)
    echo(msg="one more")


@dsl.pipeline(name="p")
def swapped_outputs(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=second.output, b=first.output)
    subtract(a=x, b=y)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(first.output > 3):
            echo(msg=kv.a)


@dsl.pipeline(name="p")
def swapped_parameters(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=first.output, b=second.output)
    subtract(a=y, b=x)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(first.output > 3):
            echo(msg=kv.a)


@dsl.pipeline(name="p")
def other_field(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=first.output, b=second.output)
    subtract(a=x, b=y)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(first.output > 3):
            echo(msg=kv.b)


@dsl.pipeline(name="p")
def condition_on_the_other_producer(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
    first = roll(seed=1)
    second = roll(seed=2)
    subtract(a=first.output, b=second.output)
    subtract(a=x, b=y)
    with dsl.ParallelFor(items) as kv:
        with dsl.If(second.output > 3):
            echo(msg=kv.a)


def test_a_pipeline_is_equivalent_to_itself_with_its_tasks_components_and_executors_renamed(tmp_path):
    @dsl.pipeline(name="p")
    def renamed_only(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]):
        subtract(a=x, b=y)
        two = dice(seed=2)
        one = dice(seed=1)
        with dsl.ParallelFor(items) as kv:
            with dsl.If(one.output > 3):
                echo(msg=kv.a)
        minus(a=one.output, b=two.output)

    ours, theirs = compiled(renamed_only, tmp_path, "a"), compiled(original, tmp_path, "b")
    names = lambda docs: set(docs[0]["root"]["dag"]["tasks"])  # noqa: E731
    assert names(ours) != names(theirs)  # the names really differ: `dice`, `minus` vs `roll`, `subtract`
    assert_equivalent_ir(ours, theirs)


@pytest.mark.parametrize(
    "changed",
    [swapped_outputs, swapped_parameters, other_field, condition_on_the_other_producer, an_extra_step],
    ids=["swapped_outputs", "swapped_parameters", "other_field", "condition_on_the_other_producer", "an_extra_step"],
)
def test_a_different_pipeline_is_not_equivalent(tmp_path, changed):
    """Swapping two task outputs, two pipeline inputs, reading another field of a loop item, conditioning on
    another (identical-looking) producer, or adding a step: each is a different pipeline."""
    with pytest.raises(AssertionError, match="different pipelines"):
        assert_equivalent_ir(compiled(changed, tmp_path, "a"), compiled(original, tmp_path, "b"))


def test_ptflow_and_kfp_outputs_of_one_pipeline_are_equivalent_and_a_swap_is_caught(tmp_path):
    parts = """
component roll(seed: int) -> (value: int) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo \\"$0\\" > \\"$1\\"", seed, value.path]
}
component subtract(a: int, b: int) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $(($0-$1))", a, b]
}
component echo(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}
"""
    body = """
pipeline p(x: int = 1, y: int = 2, items: list = [{"a": "1", "b": "2"}]) {
    high = roll(seed: 1)
    low = roll(seed: 2)
    difference = subtract(a: high.value, b: low.value)
    params = subtract(a: %s)
    for kv in items {
        if high.value > 3 {
            shout = echo(msg: kv.a)
        }
    }
}"""
    kfp_docs = compile_kfp(original, tmp_path)
    assert_equivalent_ir(compile_ptflow(parts + body % "x, b: y", tmp_path), kfp_docs)
    with pytest.raises(AssertionError, match="different pipelines"):
        assert_equivalent_ir(compile_ptflow(parts + body % "y, b: x", tmp_path, name="swapped.ptflow"), kfp_docs)


def test_the_canonical_form_keeps_no_task_names(tmp_path):
    text = str(canonical_ir(compile_kfp(original, tmp_path)))
    for name in ("roll-2", "'roll'", "subtract-2", "comp-", "exec-", "for-loop-", "condition-"):
        assert name not in text


@dsl.pipeline(name="imported")
def importer_metadata(owner: str = "bo", team: str = "ml"):
    dsl.importer(
        artifact_uri="gs://b/x", artifact_class=dsl.Dataset, metadata={"a": owner, "b": [team, owner], "c": "fixed"}
    )


def test_an_importers_metadata_inputs_compare_by_what_they_carry_not_by_their_numbers(tmp_path):
    """kfp numbers an importer's metadata inputs (`metadata`, `metadata-2`) in the order it met the values; the
    IR keeps the keys sorted, so a .ptflow file written from it may meet them in another order."""
    importer = 'data = importer(uri: "gs://b/x", type: Dataset, metadata: %s)'
    kfp_docs = compile_kfp(importer_metadata, tmp_path)
    pipeline = 'pipeline imported(owner: str = "bo", team: str = "ml") {\n    %s\n}\n'
    # `team` met first: it is `metadata` here, `metadata-2` in kfp's document.
    reordered = importer % '{"b": [team, owner], "a": owner, "c": "fixed"}'
    assert_equivalent_ir(compile_ptflow(pipeline % reordered, tmp_path), kfp_docs)
    swapped = importer % '{"a": team, "b": [owner, team], "c": "fixed"}'
    with pytest.raises(AssertionError, match="different pipelines"):
        assert_equivalent_ir(compile_ptflow(pipeline % swapped, tmp_path, name="swapped.ptflow"), kfp_docs)
