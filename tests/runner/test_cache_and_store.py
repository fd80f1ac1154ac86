"""Caching, and the store under stress: a runner killed with SIGKILL, two runners on one store."""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, show


@dsl.container_component
def stamp(text: str, out: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, out.path])


@dsl.container_component
def join(left: dsl.Input[dsl.Dataset], right: dsl.Input[dsl.Dataset], out: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(
        image="alpine:3", command=["sh", "-c", 'cat "$0" "$1" > "$2"', left.path, right.path, out.path]
    )


@dsl.container_component
def count_runs(counter: str, data: dsl.Input[dsl.Dataset]):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'echo ran >> "$0"', counter, data.path])


@dsl.pipeline(name="diamond")
def diamond(x: str = "x", y: str = "y"):
    a = stamp(text=x).set_display_name("a")
    b = join(left=a.outputs["out"], right=a.outputs["out"])
    c = stamp(text=y)
    join(left=b.outputs["out"], right=c.outputs["out"])


def _statuses(store: Path) -> dict[str, str]:
    return {step["task"]: step["status"] for step in show(store)["steps"]}


def test_second_run_is_all_cache_hits_and_an_edit_reruns_only_downstream(tmp_path: Path, store: Path):
    ir = compile_kfp(diamond, tmp_path / "diamond.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    first = show(store)
    assert set(_statuses(store).values()) == {"SUCCEEDED"}

    ptflow("run", str(ir), "--store", str(store), check=True)
    second = show(store)
    assert set(s["status"] for s in second["steps"]) == {"CACHED"}
    # A hit reuses the very artifacts the first run made.
    assert second["by_task"]["join-2"]["output_artifacts"] == first["by_task"]["join-2"]["output_artifacts"]

    ptflow("run", str(ir), "--store", str(store), "-p", "y=changed", check=True)
    assert _statuses(store) == {"stamp": "CACHED", "join": "CACHED", "stamp-2": "SUCCEEDED", "join-2": "SUCCEEDED"}
    final = show(store)["by_task"]["join-2"]["output_artifacts"]["out"][0]["uri"]
    assert Path(final).read_text() == "xxchanged"


def test_no_cache_flag_and_disabled_caching_options(tmp_path: Path, store: Path):
    ir = compile_kfp(diamond, tmp_path / "diamond.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    ptflow("run", str(ir), "--store", str(store), "--no-cache", check=True)
    assert set(_statuses(store).values()) == {"SUCCEEDED"}
    documents = list(yaml.safe_load_all(ir.read_text()))
    documents[0]["root"]["dag"]["tasks"]["stamp"]["cachingOptions"] = {}  # what set_caching_options(False) writes
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump_all(documents))
    ptflow("run", str(edited), "--store", str(store), check=True)
    statuses = _statuses(store)
    assert statuses["stamp"] == "SUCCEEDED" and statuses["stamp-2"] == "CACHED"


@dsl.pipeline(name="imported")
def imported(path: str, counter: str):
    source = dsl.importer(artifact_uri=path, artifact_class=dsl.Dataset, reimport=False)
    count_runs(counter=counter, data=source.output)


def test_cache_key_hashes_input_artifact_contents(tmp_path: Path, store: Path):
    ir = compile_kfp(imported, tmp_path / "imported.yaml")
    data, counter = tmp_path / "data.csv", tmp_path / "counter"
    args = ["run", str(ir), "--store", str(store), "-p", f"path={data}", "-p", f"counter={counter}"]
    data.write_text("1,2\n")
    ptflow(*args, check=True)
    ptflow(*args, check=True)
    assert counter.read_text().count("ran") == 1  # same contents: a cache hit
    data.write_text("1,3\n")
    ptflow(*args, check=True)
    assert counter.read_text().count("ran") == 2  # new contents, same path: runs again


WAIT_FOR_GO = 'echo $$ > "$0.started"; while [ ! -f "$0" ]; do sleep 0.05; done; printf done > "$1"'


@dsl.container_component
def wait_for(go: str, out: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", WAIT_FOR_GO, go, out.path])


@dsl.pipeline(name="interrupted")
def interrupted(go: str):
    a = stamp(text="a")
    b = join(left=a.outputs["out"], right=a.outputs["out"])
    w = wait_for(go=go).after(b)
    join(left=b.outputs["out"], right=w.outputs["out"])


def _store_is_consistent(store: Path) -> None:
    database = sqlite3.connect(store / "ptflow.db")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for (uri,) in database.execute("SELECT uri FROM artifacts"):
        assert Path(uri).exists(), f"the store records {uri}, which is missing"
    database.close()


def test_sigkill_mid_run_leaves_a_consistent_store_and_a_rerun_finishes_from_cache(tmp_path: Path, store: Path):
    ir = compile_kfp(interrupted, tmp_path / "interrupted.yaml")
    go = tmp_path / "go"
    command = [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store), "-p", f"go={go}"]
    runner = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    _store_is_consistent(store)
    killed = show(store)
    assert killed["status"] == "INTERRUPTED"
    assert {k: v["status"] for k, v in killed["by_task"].items()} == {
        "stamp": "SUCCEEDED",
        "join": "SUCCEEDED",
        "wait-for": "INTERRUPTED",
    }  # recorded by `show`, the next command
    assert not list((store / "artifacts").glob(f"{killed['by_task']['wait-for']['uuid']}*"))

    go.write_text("")  # lets the re-run's step finish (the killed runner's step was stopped by its watchdog)
    ptflow("run", str(ir), "--store", str(store), "-p", f"go={go}", check=True)
    rerun = show(store)
    assert {k: v["status"] for k, v in rerun["by_task"].items()} == {
        "stamp": "CACHED",
        "join": "CACHED",
        "wait-for": "SUCCEEDED",
        "join-2": "SUCCEEDED",
    }
    _store_is_consistent(store)


@dsl.pipeline(name="busy")
def busy(tag: str):
    with dsl.ParallelFor(["1", "2", "3", "4", "5", "6"]) as item:
        first = stamp(text=item)
        join(left=first.outputs["out"], right=first.outputs["out"])
    stamp(text=tag)


def test_two_runs_on_one_store_at_once_both_finish(tmp_path: Path, store: Path):
    ir = compile_kfp(busy, tmp_path / "busy.yaml")
    runners = [
        subprocess.Popen(
            [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store), "-p", f"tag={tag}", "--no-cache"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for tag in ("first", "second")
    ]
    outputs = [r.communicate(timeout=120)[0] for r in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs
    runs = json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)
    assert sorted(r["status"] for r in runs) == ["SUCCEEDED", "SUCCEEDED"]
    for run in runs:
        steps = show(store, run["id"])["steps"]
        assert len(steps) == 13 and {s["status"] for s in steps} == {"SUCCEEDED"}
    _store_is_consistent(store)


def test_ctrl_c_stops_the_running_step_and_records_the_run_as_interrupted(tmp_path: Path, store: Path):
    ir = compile_kfp(interrupted, tmp_path / "interrupted.yaml")
    go = tmp_path / "go"
    runner = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store), "-p", f"go={go}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = Path(f"{go}.started")
    deadline = time.monotonic() + 60
    while not started.exists() or not started.read_text().strip():
        assert time.monotonic() < deadline and runner.poll() is None, "the waiting step never started"
        time.sleep(0.05)
    step_pid = int(started.read_text())
    runner.send_signal(signal.SIGINT)
    _, errors = runner.communicate(timeout=30)
    assert runner.returncode == 130 and "interrupted" in errors
    with pytest.raises(ProcessLookupError):  # the step's own process group was stopped with the runner
        for _ in range(100):
            os.kill(step_pid, 0)
            time.sleep(0.05)
    run = show(store)
    assert run["status"] == "INTERRUPTED" and run["error"] == "interrupted by SIGINT"
    assert run["by_task"]["wait-for"]["status"] == "INTERRUPTED"
    _store_is_consistent(store)


REMOTE_IMPORT = """
component use(model: Model) -> (u: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", model.uri, u.path]
}
pipeline p(where: str) {
    base = importer(uri: where, type: Model)
    u = use(model: base.artifact)
}
"""


@pytest.mark.parametrize("scheme", ["gs://", "https://"])  # gs:// maps to /gcs/..., missing here; https:// to nothing
def test_a_remote_artifact_is_known_by_its_uri_for_the_cache(tmp_path: Path, store: Path, scheme: str):
    # Nothing here can read the artifact: its URI is its identity, so the same URI is a cache hit and
    # another URI is not (a stale output otherwise).
    source = tmp_path / "remote.ptflow"
    source.write_text(REMOTE_IMPORT)
    first, other = f"{scheme}a-bucket/model", f"{scheme}a-bucket/other"
    ptflow("run", str(source), "--store", str(store), "-p", f"where={first}", check=True)
    assert show(store)["by_task"]["u"]["outputs"]["u"] == first
    ptflow("run", str(source), "--store", str(store), "-p", f"where={first}", check=True)
    assert show(store)["by_task"]["u"]["status"] == "CACHED"
    ptflow("run", str(source), "--store", str(store), "-p", f"where={other}", check=True)
    step = show(store)["by_task"]["u"]
    assert step["status"] == "SUCCEEDED" and step["outputs"]["u"] == other


def test_lineage_gives_a_remote_artifact_its_uri_for_a_digest_and_a_local_one_its_content_digest(
    tmp_path: Path, store: Path
):
    """Nothing here can read a remote artifact's bytes: `ptflow lineage` shows what the cache knows it by."""
    source = tmp_path / "remote.ptflow"
    source.write_text(REMOTE_IMPORT)
    ptflow("run", str(source), "--store", str(store), "-p", "where=https://a-bucket/model", check=True)
    remote = ptflow("lineage", "https://a-bucket/model", "--store", str(store), check=True)
    assert "digest    uri:https://a-bucket/model" in remote.stdout.splitlines()
    local_file = tmp_path / "model.pt"
    local_file.write_text("weights")
    ptflow("run", str(source), "--store", str(store), "-p", f"where={local_file}", check=True)
    local = ptflow("lineage", str(local_file), "--store", str(store), check=True)
    expected = "sha256:" + hashlib.sha256(b"weights").hexdigest()
    assert f"digest    {expected}" in local.stdout.splitlines()
