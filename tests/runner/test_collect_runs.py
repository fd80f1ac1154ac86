"""`collect(step.out)` of a step inside an `if`, run by `ptflow run`: a list of zero or one values.

The pipeline is kfp's `conditional_producer_and_consumers` (tests/kfp_corpus) with real commands: a loop whose
`if` keeps the items at or above `threshold`, doubled, summed by a step inside a second `if`, whose output the
pipeline returns collected; and an artifact made under the same condition.
"""

from pathlib import Path

import pytest

from tests.runner.helpers import ptflow, show

MATH = """\
component double(num: int) -> (Output: int) {
    image = "python:3.11"
    command = ["python3", "-c", "import sys; open(sys.argv[2], 'w').write(str(2 * int(sys.argv[1])))", num, Output.path]
}
component add(nums: list[int]) -> (Output: int) {
    image = "python:3.11"
    command = [
        "python3", "-c", "import json, sys; open(sys.argv[2], 'w').write(str(sum(json.loads(sys.argv[1]))))",
        nums, Output.path,
    ]
}
component write(num: int) -> (file: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'total %s' \\"$0\\" > \\"$1\\"", num, file.path]
}
pipeline math_pipeline(threshold: int = 2) -> (Output: list[int], files: list[Dataset]) {
    for x in [1, 2, 3] {
        if x >= threshold {
            t = double(num: x)
        }
    }
    if threshold == 2 {
        total = add(nums: t.Output)
        report = write(num: total.Output)
    }
    return (Output: collect(total.Output), files: collect(report.file))
}
"""


@pytest.fixture
def math_file(tmp_path: Path) -> Path:
    source = tmp_path / "math.ptflow"
    source.write_text(MATH)
    return source


def test_collect_of_a_step_that_ran_is_a_list_of_its_one_value(math_file: Path, store: Path):
    ptflow("run", str(math_file), "--store", str(store), "--no-cache", "-p", "threshold=2", check=True)
    run = show(store)
    assert run["outputs"]["Output"] == [4 + 6]
    # One artifact: `show` prints a one-artifact list as its URI, as it does for a loop's gathered artifacts.
    assert Path(run["outputs"]["files"]).read_text() == "total 10"


def test_collect_of_a_step_that_did_not_run_is_an_empty_list(math_file: Path, store: Path):
    result = ptflow("run", str(math_file), "--store", str(store), "--no-cache", "-p", "threshold=3", check=True)
    run = show(store)
    assert run["outputs"]["Output"] == []
    assert run["outputs"]["files"] == []
    assert not any(task.endswith("/total") and step["status"] == "SUCCEEDED" for task, step in run["by_task"].items())
    assert "Output" in result.stdout


def test_the_kfp_document_of_collect_runs_the_same(math_file: Path, store: Path, tmp_path: Path):
    """The compiled IR (what kfp writes for `dsl.Collected` of such a step) run as a file: the runner reads the
    collection from the document itself, not from the .ptflow source."""
    compiled = tmp_path / "math.yaml"
    ptflow("compile", str(math_file), "-o", str(compiled), check=True)
    ptflow("run", str(compiled), "--store", str(store), "--no-cache", "-p", "threshold=3", check=True)
    assert show(store)["outputs"]["Output"] == []
    ptflow("run", str(compiled), "--store", str(store), "--no-cache", "-p", "threshold=2", check=True)
    assert show(store)["outputs"]["Output"] == [4 + 6]


ARMS = """\
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
pipeline p(n: int = 1) -> (big: list[str], guarded: list[str]) {
    try {
        if n > 2 {
            g = say(text: "guarded")
        }
    } finally {
        done = say(text: "done")
    }
    if n > 1 {
        a = say(text: "big")
    } else {
        b = say(text: "small")
    }
    return (big: collect(a.said), guarded: collect(g.said))
}
"""


@pytest.mark.parametrize(("n", "big", "guarded"), [(1, [], []), (2, ["big"], []), (3, ["big"], ["guarded"])])
def test_collect_from_an_arm_of_an_if_else_and_from_inside_a_try(
    tmp_path: Path, store: Path, n: int, big: list, guarded: list
):
    """Two shapes kfp 2.17.3 can't compile (tests/kfp_corpus/README.md): read through the `condition-branches`
    DAG, and through the exit handler's DAG."""
    source = tmp_path / "arms.ptflow"
    source.write_text(ARMS)
    ptflow("run", str(source), "--store", str(store), "--no-cache", "-p", f"n={n}", check=True)
    assert show(store)["outputs"] == {"big": big, "guarded": guarded}


CALLED = """\
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
pipeline inner(text: str) -> (said: str) {
    s = say(text: text)
    return (said: s.said)
}
pipeline outer(go: bool = true) -> (out: list[str]) {
    if go {
        sub = inner(text: "hi")
    }
    return (out: collect(sub.said))
}
"""


@pytest.mark.parametrize(("go", "out"), [("true", ["hi"]), ("false", [])])
def test_collect_of_a_called_pipelines_output_inside_an_if(tmp_path: Path, store: Path, go: str, out: list):
    source = tmp_path / "called.ptflow"
    source.write_text(CALLED)
    ptflow("run", str(source), "--pipeline", "outer", "--store", str(store), "--no-cache", "-p", f"go={go}", check=True)
    assert show(store)["outputs"] == {"out": out}
