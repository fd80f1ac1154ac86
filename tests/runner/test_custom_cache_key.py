"""`cache_key` (kfp's `set_caching_options(cache_key=...)`): the key replaces the computed one, as on KFP.

KFP's driver (backend/src/v2/driver/cache.go, `getFingerPrint`) hashes a task's component name and its custom
key and nothing else: no inputs, no command, no image.  So a step keeps reusing its first result after its
command or its inputs change, until its key changes.  The component name is the task's own (kfp and ptflow
name each task's component after the task: `comp-first`), so two steps of one pipeline with the same key
each get their own result, and so does a step of another pipeline (KFP keeps a pipeline's cache to itself).
Each case runs the real `ptflow run` on a `.ptflow` file.
"""

from pathlib import Path

from tests.runner.helpers import ptflow, show

TEMPLATE = """
component features(x: str) -> (y: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'WORD %s' \\"$0\\" > \\"$1\\"", x, y.path]
}

component other(x: str) -> (y: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'other %s' \\"$0\\" > \\"$1\\"", x, y.path]
}

pipeline NAME() {
    first = features(x: "INPUT") with { cache_key: "KEY" }
    second = features(x: "b") with { cache_key: "KEY", after: [first] }
    third = other(x: "c") with { cache_key: "KEY", after: [second] }
}
"""


def _run(
    tmp_path: Path, store: Path, word: str = "one", key: str = "v1", name: str = "keyed", input: str = "a"
) -> dict:
    source = tmp_path / f"{name}.ptflow"
    text = TEMPLATE.replace("WORD", word).replace("KEY", key).replace("NAME", name).replace("INPUT", input)
    source.write_text(text)
    ptflow("run", str(source), "--store", str(store), check=True)
    return show(store)["by_task"]


def test_a_keyed_step_reuses_its_result_after_its_command_or_inputs_change(tmp_path: Path, store: Path):
    steps = _run(tmp_path, store)
    assert steps["first"]["status"] == "SUCCEEDED" and steps["first"]["outputs"] == {"y": "one a"}
    # Steps of one pipeline with the same key: each its own component, each its own result.
    assert steps["second"]["status"] == "SUCCEEDED" and steps["second"]["outputs"] == {"y": "one b"}
    assert steps["third"]["status"] == "SUCCEEDED" and steps["third"]["outputs"] == {"y": "other c"}

    # The command and an input changed, the key did not: the step reuses its old result, as on KFP.
    edited = _run(tmp_path, store, word="two", input="z")
    assert edited["first"]["status"] == "CACHED" and edited["first"]["outputs"] == {"y": "one a"}
    assert edited["second"]["status"] == "CACHED" and edited["second"]["outputs"] == {"y": "one b"}

    rekeyed = _run(tmp_path, store, word="two", input="z", key="v2")  # a new key: the steps run again
    assert rekeyed["first"]["status"] == "SUCCEEDED" and rekeyed["first"]["outputs"] == {"y": "two z"}
    assert rekeyed["second"]["status"] == "SUCCEEDED" and rekeyed["second"]["outputs"] == {"y": "two b"}


def test_another_pipeline_with_the_same_key_gets_its_own_result(tmp_path: Path, store: Path):
    _run(tmp_path, store, word="one", name="keyed")
    elsewhere = _run(tmp_path, store, word="two", name="elsewhere")  # KFP keeps a pipeline's cache to itself
    assert elsewhere["first"]["status"] == "SUCCEEDED" and elsewhere["first"]["outputs"] == {"y": "two a"}


def test_no_cache_runs_a_keyed_step_again(tmp_path: Path, store: Path):
    _run(tmp_path, store)
    source = tmp_path / "keyed.ptflow"
    ptflow("run", str(source), "--store", str(store), "--no-cache", check=True)
    steps = show(store)["by_task"]
    assert steps["first"]["status"] == "SUCCEEDED" and steps["second"]["status"] == "SUCCEEDED"


LOOP = """
component features(x: str) -> (y: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'one %s' \\"$0\\" > \\"$1\\"", x, y.path]
}

pipeline looped() {
    for x in ["a", "b", "c"] parallel 1 {
        f = features(x: x) with { cache_key: "v1" }
    }
}
"""


def test_the_iterations_of_a_keyed_step_in_a_loop_share_one_result(tmp_path: Path, store: Path):
    source = tmp_path / "looped.ptflow"
    source.write_text(LOOP)
    ptflow("run", str(source), "--store", str(store), check=True)
    iterations = [step for step in show(store)["steps"] if step["task"].startswith("f")]
    # One at a time: the first runs, the others reuse its result (the docs' warning about keys in loops).
    assert sorted(step["status"] for step in iterations) == ["CACHED", "CACHED", "SUCCEEDED"]
    assert {step["outputs"]["y"] for step in iterations} == {"one a"}
