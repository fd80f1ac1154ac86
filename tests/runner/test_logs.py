"""Step logs: kept per step (as byte ranges of the run's lane files), shown by `ptflow show`, kept through a SIGKILL."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, run_id_of, show

# Prints on stdout and stderr, slowly, so two of these running at once interleave their writes in time.
CHATTY = 'for i in 1 2 3 4 5; do echo "$0 out $i"; echo "$0 err $i" >&2; sleep 0.05; done'


@dsl.container_component
def chatty(name: str):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", CHATTY, name])


@dsl.container_component
def scratch(name: str, out: dsl.OutputPath(str)):
    # Writes a relative file, waits, and reads it back: steps running at once must not share a working directory.
    return dsl.ContainerSpec(
        image="alpine:3", command=["sh", "-c", 'echo "$0" > scratch.txt; sleep 0.5; cat scratch.txt > "$1"', name, out]
    )


@dsl.pipeline(name="two-at-once")
def two_at_once():
    chatty(name="left").set_caching_options(False)
    chatty(name="right").set_caching_options(False)


def _log(store: Path, step: str, run: str = "latest") -> str:
    return ptflow("show", run, "--store", str(store), "--log", step, check=True).stdout


def test_each_step_shows_only_its_own_output_though_they_ran_at_once(tmp_path: Path, store: Path):
    ir = compile_kfp(two_at_once, tmp_path / "two.yaml")
    ptflow("run", str(ir), "--store", str(store), "--parallelism", "2", check=True)
    for name, other in (("left", "right"), ("right", "left")):
        text = _log(store, "chatty" if name == "left" else "chatty-2")
        lines = [line for line in text.splitlines() if not line.startswith("### ptflow:")]
        assert sorted(lines) == sorted(
            [f"{name} out {i}" for i in range(1, 6)] + [f"{name} err {i}" for i in range(1, 6)]
        )
        assert other not in text
    # They did run at once: the run used two lanes.
    run = show(store)
    files = {r["file"] for step in run["steps"] for r in step["log"]}
    assert len(files) == 2


@dsl.pipeline(name="isolated")
def isolated():
    scratch(name="first").set_caching_options(False)
    scratch(name="second").set_caching_options(False)


def test_steps_running_at_once_have_separate_working_directories(tmp_path: Path, store: Path):
    ir = compile_kfp(isolated, tmp_path / "isolated.yaml")
    ptflow("run", str(ir), "--store", str(store), "--parallelism", "2", check=True)
    steps = show(store)["by_task"]
    assert steps["scratch"]["outputs"]["out"].strip() == "first"
    assert steps["scratch-2"]["outputs"]["out"].strip() == "second"


@dsl.pipeline(name="chain-of-three")
def chain_of_three():
    first = chatty(name="a")
    second = chatty(name="b").after(first)
    chatty(name="c").after(second)


def test_a_sequential_run_makes_one_lane_and_no_folder_per_step(tmp_path: Path, store: Path):
    ir = compile_kfp(chain_of_three, tmp_path / "chain.yaml")
    run_id = run_id_of(ptflow("run", str(ir), "--store", str(store), "--parallelism", "4", check=True).stdout)
    run_folder = store / "runs" / run_id
    assert sorted(p.name for p in run_folder.iterdir()) == ["lane-0", "lane-0.log"]
    assert "a out 5" in _log(store, "chatty") and "c err 1" in _log(store, "chatty-3")
    # The second run takes every step from the cache; --log shows what the step printed when it ran.
    ptflow("run", str(ir), "--store", str(store), check=True)
    cached = ptflow("show", "latest", "--store", str(store), "--log", "chatty-2", check=True)
    assert "b out 3" in cached.stdout and f"its log from run {run_id}" in cached.stderr


FAILING = 'echo "step says hello"; echo "and then breaks" >&2; exit 3'


@dsl.container_component
def breaks():
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", FAILING])


@dsl.pipeline(name="breaking")
def breaking():
    breaks().set_retry(num_retries=1, backoff_duration="0s")


def test_a_failed_steps_log_in_the_report_in_show_and_per_attempt(tmp_path: Path, store: Path):
    ir = compile_kfp(breaking, tmp_path / "breaking.yaml")
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1
    run_id = run_id_of(result.stdout)
    assert "and then breaks" in result.stderr
    assert f"whole log: ptflow show {run_id} --store {store.resolve()} --log breaks" in result.stderr
    text = ptflow("show", run_id, "--store", str(store), check=True).stdout
    assert "breaks failed: step `breaks` exited with code 3" in text
    assert "| step says hello" in text and "| and then breaks" in text
    whole = _log(store, "breaks", run_id)
    # Both attempts, each after the runner's header line.
    assert whole.splitlines().count("step says hello") == 2
    assert "### ptflow: attempt 1:" in whole and "### ptflow: attempt 2:" in whole
    assert [r["attempt"] for r in show(store)["by_task"]["breaks"]["log"]] == [1, 2]


def test_show_log_of_a_step_the_run_does_not_have(tmp_path: Path, store: Path):
    ir = compile_kfp(chain_of_three, tmp_path / "chain.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    result = ptflow("show", "latest", "--store", str(store), "--log", "nope")
    assert result.returncode == 1 and "has no step `nope`" in result.stderr and "chatty-2" in result.stderr


PRINT_THEN_WAIT = 'echo "printed before the kill"; echo $$ > "$0.started"; while [ ! -f "$0" ]; do sleep 0.05; done'


@dsl.container_component
def print_then_wait(go: str):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", PRINT_THEN_WAIT, go])


@dsl.pipeline(name="killed")
def killed(go: str):
    first = chatty(name="done")
    print_then_wait(go=go).after(first)


def test_logs_survive_a_sigkill_of_the_runner(tmp_path: Path, store: Path):
    ir = compile_kfp(killed, tmp_path / "killed.yaml")
    go = tmp_path / "go"
    runner = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store), "-p", f"go={go}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{go}.started").exists():
            assert time.monotonic() < deadline and runner.poll() is None, "the waiting step never started"
            time.sleep(0.05)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
    finally:
        if runner.poll() is None:
            runner.kill()
    try:
        steps = show(store)["by_task"]
        assert steps["print-then-wait"]["status"] == "INTERRUPTED"  # as `show`, the next command, recorded it
        assert steps["print-then-wait"]["log"][0]["end"] is None  # its end was never recorded
        # The finished step's log, and what the killed step printed before the kill.
        assert "done err 5" in _log(store, "chatty")
        partial = _log(store, "print-then-wait")
        assert "printed before the kill" in partial and "done out" not in partial
    finally:
        go.write_text("")  # lets the orphaned step end


def test_a_store_from_before_lane_files_still_shows_logs(tmp_path: Path, store: Path):
    """A stand-in for a store written by the runner's earlier version: `executions.log` names a log file."""
    ir = compile_kfp(chain_of_three, tmp_path / "chain.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    old_log = tmp_path / "log.txt"
    old_log.write_text("### ptflow: attempt 1: sh -c ...\nwritten by the old runner\n")
    database = sqlite3.connect(store / "ptflow.db")
    database.execute("UPDATE executions SET log = ? WHERE task = 'chatty'", (str(old_log),))
    database.commit()
    database.close()
    assert "written by the old runner" in _log(store, "chatty")
    document = show(store)
    assert document["by_task"]["chatty"]["log"] == [{"attempt": None, "file": str(old_log), "start": 0, "end": None}]
    json.dumps(document)  # still plain JSON


@dsl.container_component
def long_command():
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'test "${#0}" = 3000', "x" * 3000])


@dsl.pipeline(name="long-command")
def long_command_pipeline():
    long_command()


def test_a_logs_header_shows_the_first_2000_characters_of_the_command(tmp_path: Path, store: Path):
    ir = compile_kfp(long_command_pipeline, tmp_path / "long.yaml")
    run_id = run_id_of(ptflow("run", str(ir), "--store", str(store), check=True).stdout)
    header = _log(store, "long-command", run_id).splitlines()[0]
    assert header.startswith("### ptflow: attempt 1: ")
    shown = header.removeprefix("### ptflow: attempt 1: ")  # `sh` as found on PATH, then its arguments
    assert len(shown) == 2000  # the step itself got all 3000 x's: its test passed
    assert shown.endswith(' -c test "${#0}" = 3000 ' + "x" * (2000 - shown.index(" -c ") - 24))
