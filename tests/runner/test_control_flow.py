"""Loops, conditions, exit handlers, fan-in, OneOf, nested pipelines and importers, run for real."""

import json
import os
from pathlib import Path
from typing import List

import pytest
from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, show

# A step that meets others at a barrier: it marks itself running in DIR, waits until WANT steps are running
# at once (a generous deadline only guards against a hang), stays a moment so that a step started beyond the
# bound would show, and records in DIR/seen.NAME whether the barrier was met and the most it saw running.
# No conclusion is drawn from how long anything took.
BARRIER = """
import os, sys, time
folder, name, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
mark = os.path.join(folder, "running." + name)
open(mark, "w").close()
running = lambda: sum(1 for entry in os.listdir(folder) if entry.startswith("running."))
most, deadline = 0, time.monotonic() + 60
while (count := running()) < want and time.monotonic() < deadline:
    most = max(most, count)
    time.sleep(0.02)
met, most = count >= want, max(most, count)
linger = time.monotonic() + 0.3
while time.monotonic() < linger:
    most = max(most, running())
    time.sleep(0.02)
os.remove(mark)
open(os.path.join(folder, "seen." + name), "w").write(f"{met} {most}")
"""


@dsl.container_component
def barrier(folder: str, name: str, want: int):
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", BARRIER, folder, name, want])


@dsl.container_component
def echo_number(n: int, out: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'echo "$0" > "$1"', n, out])


@dsl.container_component
def make_list(count: int, out: dsl.OutputPath(List[int])):
    return dsl.ContainerSpec(
        image="python:3.11",
        command=[
            "python3",
            "-c",
            "import json, sys; json.dump(list(range(int(sys.argv[1]))), open(sys.argv[2], 'w'))",
            count,
            out,
        ],
    )


@dsl.container_component
def write_number(n: int, ds: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'echo "$0" > "$1"', n, ds.path])


@dsl.container_component
def total(xs: List[int], files: dsl.Input[List[dsl.Dataset]], out: dsl.OutputPath(str)):
    # Fan-in: a list of parameters and a list of artifacts, each collected over a loop's iterations.
    script = (
        "import json, sys\n"
        "xs = json.loads(sys.argv[1])\n"
        "files = json.loads(sys.argv[2])\n"
        "contents = sorted(int(open(a['uri']).read()) for a in files['inputs']['artifacts']['files']['artifacts'])\n"
        "open(sys.argv[3], 'w').write(f'{sum(xs)} {contents}')\n"
    )
    # A list of artifacts has no single path: the step reads their URIs from the executor input, {{$}}.
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", script, xs, "{{$}}", out])


@dsl.container_component
def say(text: str, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, out])


@dsl.container_component
def fail(code: int):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'echo "about to fail" >&2; exit "$0"', code])


@dsl.container_component
def status_of(status: dsl.PipelineTaskFinalStatus, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf "%s" "$0" > "$1"', status, out])


def _seen(folder: Path) -> list[tuple[bool, int]]:
    """Per step: whether it met its barrier, and the most steps it saw running at once."""
    seen = []
    for entry in sorted(folder.glob("seen.*")):
        met, most = entry.read_text().split()
        seen.append((met == "True", int(most)))
    return seen


@dsl.pipeline(name="limited-loop")
def limited_loop(folder: str):
    with dsl.ParallelFor(["a", "b", "c", "d", "e", "f"], parallelism=2) as item:
        barrier(folder=folder, name=item, want=2)


def test_loop_parallelism_limit_is_observable(tmp_path: Path, store: Path):
    ir = compile_kfp(limited_loop, tmp_path / "loop.yaml")
    folder = tmp_path / "seen"
    folder.mkdir()
    ptflow("run", str(ir), "--store", str(store), "-p", f"folder={folder}", "--parallelism", "4", check=True)
    seen = _seen(folder)
    assert len(seen) == 6
    assert all(met for met, _ in seen)  # two at a time...
    assert max(most for _, most in seen) == 2  # ...and never more (parallelismLimit 2, though 4 slots were free)


@dsl.pipeline(name="independent")
def independent(folder: str, want: int):
    for name in ("a", "b", "c"):
        barrier(folder=folder, name=name, want=want).set_caching_options(False)


def test_independent_steps_run_in_parallel_up_to_the_bound(tmp_path: Path, store: Path):
    ir = compile_kfp(independent, tmp_path / "independent.yaml")
    for parallelism in (3, 1):
        folder = tmp_path / f"seen-{parallelism}"
        folder.mkdir()
        ptflow(
            "run",
            str(ir),
            "--store",
            str(store),
            "-p",
            f"folder={folder}",
            "-p",
            f"want={parallelism}",
            "--parallelism",
            str(parallelism),
            check=True,
        )
        seen = _seen(folder)
        assert len(seen) == 3 and all(met for met, _ in seen), seen  # all three at once; with 1, each alone
        assert max(most for _, most in seen) == parallelism


@dsl.pipeline(name="loops")
def loops(numbers: List[int] = [1, 2, 3]):
    with dsl.ParallelFor([10, 20]) as raw:  # raw items
        echo_number(n=raw).set_display_name("raw")
    with dsl.ParallelFor(numbers) as number:  # over a pipeline parameter
        echo_number(n=number)
    made = make_list(count=2)
    with dsl.ParallelFor(made.output) as produced:  # over a step's output
        with dsl.ParallelFor([100, 200]) as inner:  # nested
            echo_number(n=inner)
        echo_number(n=produced)
    with dsl.ParallelFor([{"a": 7, "b": "x"}, {"a": 8, "b": "y"}]) as pair:  # a field of each item
        echo_number(n=pair.a)


def test_loops_raw_parameter_output_nested_and_item_fields(tmp_path: Path, store: Path):
    ir = compile_kfp(loops, tmp_path / "loops.yaml")
    ptflow("run", str(ir), "--store", str(store), "-p", "numbers=[4, 5]", check=True)
    steps = show(store)["steps"]

    def outputs(prefix: str) -> list:
        return sorted(s["outputs"]["out"] for s in steps if s["task"].startswith(prefix) and "out" in s["outputs"])

    loop_names = sorted({s["task"].split("[")[0] for s in steps if "[" in s["task"]})
    assert len(loop_names) == 4
    values_by_loop = {name: outputs(name + "[") for name in loop_names}
    assert sorted(values_by_loop.values()) == sorted([[10, 20], [4, 5], [0, 1, 100, 100, 200, 200], [7, 8]])
    nested = [s["task"] for s in steps if s["task"].count("[") == 2]
    assert len(nested) == 4  # 2 outer iterations x 2 inner


@dsl.pipeline(name="fan-in")
def fan_in(numbers: List[int] = [1, 2, 3]):
    with dsl.ParallelFor(numbers) as n:
        echoed = echo_number(n=n)
        written = write_number(n=n)
    total(xs=dsl.Collected(echoed.output), files=dsl.Collected(written.outputs["ds"]))


def test_fan_in_of_parameters_and_artifacts(tmp_path: Path, store: Path):
    ir = compile_kfp(fan_in, tmp_path / "fan_in.yaml")
    ptflow("run", str(ir), "--store", str(store), "-p", "numbers=[3, 4, 5]", check=True)
    summed = show(store)["by_task"]["total"]
    assert summed["outputs"]["out"] == "12 [3, 4, 5]"
    assert len(summed["input_artifacts"]["files"]) == 3


@dsl.pipeline(name="branches")
def branches(n: int):
    with dsl.If(n > 10):
        say(text="big")
    with dsl.Elif(n > 5):
        say(text="medium")
    with dsl.Else():
        say(text="small")


def test_if_elif_else_runs_exactly_one_branch(tmp_path: Path, store: Path):
    ir = compile_kfp(branches, tmp_path / "branches.yaml")
    for n, expected in ((20, "big"), (7, "medium"), (1, "small")):
        result = ptflow("run", str(ir), "--store", str(store), "-p", f"n={n}", check=True)
        ran = [s for s in show(store)["steps"] if s["status"] in ("SUCCEEDED", "CACHED")]
        assert [s["outputs"]["out"] for s in ran] == [expected], result.stdout
        assert sum(line.lstrip().startswith("skipped") for line in result.stdout.splitlines()) == 2
        assert sorted(s["status"] for s in show(store)["steps"]).count("SKIPPED") == 2


@dsl.pipeline(name="one-of")
def one_of(flag: str = "a"):
    with dsl.If(flag == "a"):
        first = say(text="from a")
    with dsl.Else():
        second = say(text="from else")
    say(text=dsl.OneOf(first.output, second.output)).set_display_name("after")


def test_one_of_takes_the_branch_that_ran(tmp_path: Path, store: Path):
    ir = compile_kfp(one_of, tmp_path / "oneof.yaml")
    for flag, expected in (("a", "from a"), ("b", "from else")):
        ptflow("run", str(ir), "--store", str(store), "-p", f"flag={flag}", check=True)
        after = [s for s in show(store)["steps"] if "/" not in s["task"]]
        assert [s["outputs"]["out"] for s in after] == [expected]


@dsl.pipeline(name="guarded")
def guarded(code: int = 3):
    final = status_of()
    with dsl.ExitHandler(final):
        say(text="fine")
        fail(code=code)


def test_exit_handler_sees_failed_and_outputs_are_kept(tmp_path: Path, store: Path):
    ir = compile_kfp(guarded, tmp_path / "guarded.yaml")
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1
    run = show(store)
    assert run["status"] == "FAILED"
    steps = {s["task"].split("/")[-1]: s for s in run["steps"]}
    status = json.loads(steps["status-of"]["outputs"]["out"])
    assert status["state"] == "FAILED"
    assert "exited with code 3" in status["error"]["message"]  # the failed step's own message, not a generic one
    assert status["error"]["code"] == 2  # google.rpc's UNKNOWN: the runner can't tell a better code
    assert status["pipelineTaskName"] == "exit-handler-1"
    assert status["pipelineJobResourceName"] == run["id"]
    fine = steps["say"]
    assert fine["status"] == "SUCCEEDED"
    assert fine["outputs"]["out"] == "fine"
    # The failure report names the step (as `ptflow show` does: no compiler groups), its exit code and the end
    # of its log.
    assert "step `fail` exited with code 3" in result.stderr
    assert "about to fail" in result.stderr


def test_exit_handler_sees_succeeded(tmp_path: Path, store: Path):
    ir = compile_kfp(guarded, tmp_path / "guarded.yaml")
    ptflow("run", str(ir), "--store", str(store), "-p", "code=0", check=True)
    steps = {s["task"].split("/")[-1]: s for s in show(store)["steps"]}
    assert '"state":"SUCCEEDED"' in steps["status-of"]["outputs"]["out"]


@dsl.pipeline(name="pair")
def pair(folder: str):
    for name in ("a", "b"):
        barrier(folder=folder, name=name, want=2).set_caching_options(False)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the default parallelism is the CPU count: 1 here")
def test_without_parallelism_independent_steps_run_at_once(tmp_path: Path, store: Path):
    ir = compile_kfp(pair, tmp_path / "pair.yaml")
    folder = tmp_path / "seen"
    folder.mkdir()
    ptflow("run", str(ir), "--store", str(store), "-p", f"folder={folder}", check=True)
    assert _seen(folder) == [(True, 2), (True, 2)]  # both met at the barrier: the default is not one at a time


@dsl.pipeline
def inner_pipeline(text: str) -> str:
    return say(text=text).output


@dsl.container_component
def upper_of_import(data: dsl.Input[dsl.Dataset], out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'tr a-z A-Z < "$0" > "$1"', data.path, out])


@dsl.pipeline(name="outer")
def outer(path: str):
    nested = inner_pipeline(text="inner says")
    say(text=nested.output).set_display_name("relay")
    imported = dsl.importer(artifact_uri=path, artifact_class=dsl.Dataset, reimport=False)
    upper_of_import(data=imported.output)


def test_nested_pipeline_outputs_and_importer(tmp_path: Path, store: Path):
    ir = compile_kfp(outer, tmp_path / "outer.yaml")
    source = tmp_path / "input.txt"
    source.write_text("imported text")
    ptflow("run", str(ir), "--store", str(store), "-p", f"path={source}", check=True)
    steps = show(store)["by_task"]
    relays = [s for task, s in steps.items() if task.startswith("say") and "/" not in task]
    assert [s["outputs"]["out"] for s in relays] == ["inner says"]
    assert steps["upper-of-import"]["outputs"]["out"] == "IMPORTED TEXT"
    assert steps["importer"]["output_artifacts"]["artifact"][0]["uri"] == str(source)
    ptflow("run", str(ir), "--store", str(store), "-p", f"path=file://{source}", check=True)
    steps = show(store)["by_task"]
    assert steps["importer"]["output_artifacts"]["artifact"][0]["uri"] == f"file://{source}"
    assert steps["upper-of-import"]["status"] == "CACHED"  # same contents through another URI: a cache hit
    missing = ptflow("run", str(ir), "--store", str(store), "-p", f"path={tmp_path / 'nope.txt'}")
    assert missing.returncode == 1 and "does not exist" in missing.stderr
