"""Store rules that only mutation testing showed untested (tools/mutation.py)."""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ptflow.runtime.runner.artifacts import Artifact
from ptflow.runtime.runner.logs import LogRange
from ptflow.runtime.runner.store import DATABASE, INTERRUPTED, RESERVE, RESERVE_BYTES, RUNNER_LOCK, RUNNING, Store
from tests.runner.helpers import ptflow, show


def test_a_run_reads_running_while_its_runner_holds_it_and_interrupted_after(tmp_path):
    """A runner killed with SIGKILL leaves its run marked RUNNING: `ptflow runs` must not call it running."""
    runner = Store(tmp_path / "store")
    run_id = runner.start_run("p", "p.ptflow", "sha256:0", {})
    reader = Store(tmp_path / "store")  # another process's view, as `ptflow runs` has
    assert runner.find_run(run_id)["status"] == RUNNING
    assert reader.find_run(run_id)["status"] == RUNNING
    runner.close()  # its lock released without the run finished, as when the runner dies
    assert Store(tmp_path / "store").find_run(run_id)["status"] == INTERRUPTED


def test_only_paths_inside_the_store_are_inside_it(tmp_path):
    """The launcher refuses a step's artifact URI outside the store by this test (links and `..` resolved)."""
    store = Store(tmp_path / "store")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "store" / "artifacts" / "link").symlink_to(tmp_path / "elsewhere")
    assert store.inside(tmp_path / "store")
    assert store.inside(tmp_path / "store" / "artifacts" / "x")
    assert not store.inside(tmp_path / "elsewhere" / "x")
    assert not store.inside(tmp_path / "store" / "artifacts" / "link" / "x")
    assert not store.inside(tmp_path / "store" / ".." / "elsewhere")


def test_a_run_recorded_before_runner_locks_reads_interrupted_once_its_runner_process_is_gone(tmp_path):
    """Older stores have no runner lock file: the recorded pid tells whether the runner still runs."""
    runner = Store(tmp_path / "store")
    run_id = runner.start_run("p", "p.ptflow", "sha256:0", {})
    runner.close()
    (tmp_path / "store" / "runs" / run_id / RUNNER_LOCK).unlink()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with sqlite3.connect(tmp_path / "store" / DATABASE) as db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(gone.stdout), run_id))
    assert Store(tmp_path / "store").find_run(run_id)["status"] == INTERRUPTED


def test_a_runs_step_names_are_kept_for_ptflow_show(tmp_path):
    store = Store(tmp_path / "store")
    run_id = store.start_run("p", "p.ptflow", "sha256:0", {}, step_names={"final-summary": "final_summary"})
    assert store.find_run(run_id)["step_names"] == {"final-summary": "final_summary"}


def test_an_attempts_staging_folder_starts_empty_even_if_a_crash_left_one(tmp_path):
    store = Store(tmp_path / "store")
    left = store.staging_for("e1", 1)
    (left / "half-written").write_text("x")
    again = store.staging_for("e1", 1)
    assert again == left and list(again.iterdir()) == []


def _dataset(store_root, name: str) -> Artifact:
    path = store_root / "artifacts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name)
    return Artifact(name, "system.Dataset", "0.0.1", str(path))


def test_a_failed_step_with_no_outputs_still_records_the_artifacts_it_was_given(tmp_path):
    """`ptflow lineage` of a dataset lists the step that failed on it: its inputs are recorded without outputs."""
    store = Store(tmp_path / "store")
    run_id = store.start_run("p", "p.ptflow", "sha256:0", {})
    producer, _ = store.start_execution(run_id, "make", "make", "container", None, {})
    made = {"data": [_dataset(tmp_path / "store", "data")]}
    store.finish_execution(producer, "SUCCEEDED", outputs=made, inputs={}, exit_code=0)
    consumer, _ = store.start_execution(run_id, "check", "check", "container", None, {})
    store.finish_execution(consumer, "FAILED", inputs={"data": made["data"]}, exit_code=1, error="bad data")

    lineage = store.lineage(made["data"][0].id)
    assert [(c["task"], c["status"]) for c in lineage["consumers"]] == [("check", "FAILED")]
    check = next(e for e in store.executions(run_id) if e["task"] == "check")
    assert [a.uri for a in check["input_artifacts"]["data"]] == [made["data"][0].uri]


def test_a_step_cut_off_by_a_killed_runner_shows_only_its_own_output_not_the_next_steps(tmp_path):
    """A range whose end was never recorded ends where the lane's next range starts, not at the end of the file."""
    store = Store(tmp_path / "store")
    run_id = store.start_run("p", "p.ptflow", "sha256:0", {})
    lane = store.run_dir(run_id) / "lane-0.log"
    cut_off, following = b"first step, cut off\n", b"second step\n"
    lane.write_bytes(cut_off + following)
    file = str(lane.relative_to(tmp_path / "store"))
    store.start_execution(run_id, "first", "first", "container", None, {}, logs=[LogRange(1, file, 0, None)])
    second = [LogRange(1, file, len(cut_off), len(cut_off) + len(following))]
    store.start_execution(run_id, "second", "second", "container", None, {}, logs=second)

    by_task = {e["task"]: e for e in store.executions(run_id)}
    assert store.read_log(by_task["first"]) == cut_off
    assert store.read_log(by_task["second"]) == following


def test_without_fcntl_as_on_windows_a_run_is_recorded_and_reads_running_while_its_runner_lives(tmp_path):
    """Windows has no fcntl: the runner lock is then no lock, and the runner's pid tells whether it runs.

    Stand-in for Windows: this process's Python with `fcntl` made unimportable."""
    script = (
        "import sys; sys.modules['fcntl'] = None\n"
        "from ptflow.runtime.runner.store import Store\n"
        f"store = Store({str(tmp_path / 'store')!r})\n"
        "run_id = store.start_run('p', 'p.ptflow', 'sha256:0', {})\n"
        "print(store.find_run(run_id)['status'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == RUNNING


@pytest.mark.parametrize(
    "without_fallocate",
    [
        pytest.param("del os.posix_fallocate", id="no-posix_fallocate-as-on-macOS"),
        pytest.param(
            "def refuse(*_):\n    raise OSError(errno.EOPNOTSUPP, 'Operation not supported')\n"
            "os.posix_fallocate = refuse",
            id="a-file-system-without-fallocate",
        ),
    ],
)
def test_a_store_keeps_its_disk_full_reserve_where_fallocate_is_missing_or_refused(tmp_path, without_fallocate):
    """The reserve file is what lets a run on a full disk still be recorded FAILED (test_disk_full.py).

    Where posix_fallocate is missing (macOS) or the file system refuses it, the store writes the reserve
    instead.  Stand-in for those systems: this process's Python with `os.posix_fallocate` deleted or refusing."""
    script = (
        f"import errno, os\n{without_fallocate}\n"
        "from ptflow.runtime.runner.store import Store\n"
        f"Store({str(tmp_path / 'store')!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "store" / RESERVE).stat().st_size == RESERVE_BYTES


@pytest.mark.parametrize("runs, more", [(10, ""), (11, " and 1 more")])
def test_a_prefix_of_many_run_ids_lists_ten_and_counts_the_rest(tmp_path, runs, more):
    """`ptflow show ""` (the start of every id) on a store of 10 or 11 runs: the error names ten of them, and
    how many more there are."""
    store = Store(tmp_path / "store")
    ids = [store.start_run("p", "p.ptflow", "sha256:0", {}) for _ in range(runs)]
    for run_id in ids:
        store.finish_run(run_id, "SUCCEEDED", {})
    store.close()
    result = ptflow("show", "", "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    pattern = rf"error\[PTF911\]: `` is the start of {runs} run ids: (.*){more}; give more of the id\n"
    message = re.fullmatch(pattern, result.stderr)
    assert message, result.stderr
    listed = message.group(1).split(", ")
    assert len(listed) == len(set(listed)) == 10
    assert {entry.removesuffix(" (p)") for entry in listed} <= set(ids)


def test_a_database_that_is_not_sqlite_is_refused_as_such_not_as_a_full_disk(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / DATABASE).write_text("not a database, only text " * 10)
    source = tmp_path / "p.ptflow"
    source.write_text(
        'component c() {\n    image = "alpine:3"\n    command = ["true"]\n}\npipeline p() {\n    s = c()\n}\n'
    )
    result = ptflow("run", str(source), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    expected = f"error[PTF910]: {tmp_path / 'store' / DATABASE} is not a ptflow store database: file is not a database"
    assert expected in result.stderr
    assert "disk is full" not in result.stderr


def test_where_trying_a_lock_fails_a_running_run_is_trusted_to_be_running(tmp_path):
    """Another process tells whether a run's runner lives by trying its lock (flock with LOCK_NB).  Where
    that fails with another error than "held" (ENOLCK: a file system without locks) it can't tell, so it
    trusts the record.  Stand-in: that process's `fcntl.flock` raising ENOLCK for LOCK_NB tries (the
    blocking lock taken while the store opens is left working: that one does not handle ENOLCK yet)."""
    runner = Store(tmp_path / "store")
    run_id = runner.start_run("p", "p.ptflow", "sha256:0", {})
    script = (
        "import errno, fcntl\n"
        "real = fcntl.flock\n"
        "def no_tries(handle, operation):\n"
        "    if operation & fcntl.LOCK_NB:\n"
        "        raise OSError(errno.ENOLCK, 'No locks available')\n"
        "    return real(handle, operation)\n"
        "fcntl.flock = no_tries\n"
        "from ptflow.runtime.runner.store import Store\n"
        f"print(Store({str(tmp_path / 'store')!r}).find_run({run_id!r})['status'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    runner.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == RUNNING


# A step's output read by the next step, whose output echoes it.
PRODUCER_CONSUMER = """\
component make() -> (data: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "printf made > \\"$0\\"", data.path]
}
component read(data: Dataset) -> (seen: str) {
    image = "alpine:3"
    command = ["sh", "-c", "cat \\"$0\\" > \\"$1\\"", data.path, seen.path]
}
pipeline p() {
    m = make()
    r = read(data: m.data)
}
"""


def test_an_output_edited_in_the_store_after_its_run_is_read_again_not_taken_from_the_cache(tmp_path):
    """The store records each artifact's digest with its size and mtime; a file changed since is hashed again,
    so the step reading it is not a cache hit of the unedited file."""
    source = tmp_path / "p.ptflow"
    source.write_text(PRODUCER_CONSUMER)
    store = tmp_path / "store"
    ptflow("run", str(source), "--store", str(store), check=True)
    made = Path(show(store)["by_task"]["m"]["output_artifacts"]["data"][0]["uri"])
    made.write_text("edited by hand")
    ptflow("run", str(source), "--store", str(store), check=True)
    steps = show(store)["by_task"]
    assert steps["m"]["status"] == "CACHED"
    assert (steps["r"]["status"], steps["r"]["outputs"]) == ("SUCCEEDED", {"seen": "edited by hand"})


def test_a_full_disk_error_for_a_file_not_made_yet_says_how_much_room_its_folder_has(tmp_path: Path):
    """The file a full disk kept from being written does not exist: the room is that of its folder."""
    from ptflow.runtime.runner.store import StoreFull

    message = str(StoreFull(tmp_path / "staging" / "not-made-yet" / "model.pt"))
    assert re.search(r"\(the file system at \S+ has [0-9,]+ bytes free\)", message), message


BIG_INPUTS = """\
component take(text: str, items: list[str]) {
    image = "alpine:3"
    command = ["true", text, items]
}
pipeline p(text: str) {
    t = take(text: f"{text}!", items: [text, "and more"])
}
"""


def test_a_steps_long_inputs_are_recorded_whole(tmp_path: Path, store: Path):
    """Values of 4 KiB and more are kept apart from the step's row (one copy however many steps share them):
    `ptflow show` reads them back whole.  (The step's inputs differ from the run's parameter, which is kept
    the same way, so they are not found through it.)"""
    source = tmp_path / "big.ptflow"
    source.write_text(BIG_INPUTS)
    text = "word " * 1000  # 5,000 characters
    ptflow("run", str(source), "--store", str(store), "-p", f"text={text}", check=True)
    inputs = show(store)["by_task"]["t"]["inputs"]
    assert (inputs["text"], inputs["items"]) == (text + "!", [text, "and more"])


def test_an_error_inside_a_transaction_that_is_no_full_disk_comes_out_as_itself(tmp_path):
    """Only a full disk becomes StoreFull (PTF915, "free space there"); any other failure inside a transaction
    is rolled back and raised as what it is, and the store stays usable."""
    store = Store(tmp_path / "store")
    with pytest.raises(ValueError, match="not about the disk"):
        with store._transaction() as db:
            db.execute("UPDATE runs SET status = status")
            raise ValueError("not about the disk")
    run_id = store.start_run("p", "p.ptflow", "sha256:0", {})
    assert store.find_run(run_id)["status"] == RUNNING
    store.close()
