"""A store on a disk that fills up: a run failure that names the full path, a consistent store, no traceback.

The disk is a real 8 MB tmpfs, mounted for the test; mounting needs root (CAP_SYS_ADMIN), so elsewhere the
tests skip and say so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from ptflow.runtime.runner.store import DATABASE, RESERVE, RESERVE_BYTES, Store, StoreFull
from tests.runner.helpers import ptflow, show

# A step that fills the disk with scratch data in its working directory (inside the store), then succeeds or
# not: either way it is the runner that next needs to write, and can't.
SCRATCH = """
component scratch(mb: int) -> (n: int) {
    image = "alpine:3"
    command = ["sh", "-c", "head -c $(($0 * 1000000)) /dev/zero > scratch.bin; echo 1 > \\"$1\\"", mb, n.path]
}

component after(n: int) -> (m: int) {
    image = "alpine:3"
    command = ["sh", "-c", "echo $0 > \\"$1\\"", n, m.path]
}

pipeline fill_up(mb: int = 20) {
    s = scratch(mb: mb)
    a = after(n: s.n)
}
"""


@contextmanager
def _tmpfs(mount_point: Path, options: str):
    """A tmpfs mounted at `mount_point` with `options`, unmounted afterwards (the test skips without root)."""
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"a small tmpfs can't be mounted here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path):
    """An 8 MB tmpfs, unmounted afterwards."""
    with _tmpfs(tmp_path / "disk", "size=8m") as mount_point:
        yield mount_point


def _consistent(store: Path) -> None:
    database = sqlite3.connect(store / "ptflow.db")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for (uri,) in database.execute("SELECT uri FROM artifacts"):
        assert Path(uri).exists(), f"the store records {uri}, which is missing"
    database.close()


def test_a_disk_that_fills_up_mid_run_fails_the_run_naming_the_full_path(tmp_path: Path, small_disk: Path):
    source = tmp_path / "fill.ptflow"
    source.write_text(SCRATCH)
    store = small_disk / "store"
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "error[PTF915]: the store's disk is full: could not write " in result.stderr
    assert f"the file system at {small_disk} has " in result.stderr

    [run] = json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)
    assert run["status"] == "FAILED"
    assert run["error"].startswith("the store's disk is full")
    assert "could not be recorded as failed" not in result.stdout + result.stderr  # it was: no such warning
    [summary] = [line for line in result.stdout.splitlines() if line.startswith(f"run {run['id']} failed in ")]
    assert "(1 failed" in summary  # the counts read back from the store
    steps = show(store)["by_task"]
    assert steps["s"]["status"] == "FAILED" and "disk is full" in steps["s"]["error"]
    assert "a" not in steps or steps["a"]["status"] in ("NOT_RUN", "FAILED")
    assert list((store / "artifacts" / ".staging").iterdir()) == []
    _consistent(store)

    # Once there is room again, the same store runs the pipeline.
    for scratch in (store / "runs").glob("*/lane-*/scratch.bin"):
        scratch.unlink()
    again = ptflow("run", str(source), "--store", str(store), "-p", "mb=1")
    assert again.returncode == 0, again.stdout + again.stderr
    _consistent(store)


def test_a_store_on_a_full_disk_is_refused_before_anything_runs(tmp_path: Path, small_disk: Path):
    source = tmp_path / "fill.ptflow"
    source.write_text(SCRATCH)
    store = small_disk / "store"
    ptflow("run", str(source), "--store", str(store), "-p", "mb=1", check=True)  # a store with a run in it
    filler = small_disk / "filler"
    with open(filler, "wb") as handle:
        try:
            handle.write(bytes(9_000_000))
        except OSError:
            pass  # full: what the test wants
    result = ptflow("run", str(source), "--store", str(store), "-p", "mb=1")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "error[PTF915]: the store's disk is full" in result.stderr
    filler.unlink()
    _consistent(store)
    [run] = json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)
    assert run["status"] == "SUCCEEDED"


def test_a_disk_that_fills_up_inside_a_transaction_raises_store_full_and_records_nothing(small_disk: Path):
    # A parameter larger than SQLite's page cache (2 MB) makes SQLite write pages to the WAL while the
    # transaction's statements run, before its COMMIT: the disk-full error comes from inside the transaction.
    store = Store(small_disk / "store")
    with open(small_disk / "filler", "wb") as handle:
        try:
            handle.write(bytes(9_000_000))
        except OSError:
            pass  # full: what the test wants
    with pytest.raises(StoreFull) as raised:
        store.start_run("big", "pipeline big() {}", "sha256:0", {"text": "x" * 4_000_000})
    assert str(raised.value).startswith(f"the store's disk is full: could not write {small_disk / 'store' / DATABASE}")
    assert f"the file system at {small_disk} has " in str(raised.value)
    store.close()
    (small_disk / "filler").unlink()
    _consistent(small_disk / "store")
    assert sqlite3.connect(small_disk / "store" / DATABASE).execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)


def test_a_disk_out_of_inodes_when_a_run_starts_raises_store_full_naming_the_runs_folder(tmp_path: Path):
    """No file can be created (the run's folder and lock file, before anything is recorded): the error is the
    store's disk-full error, not a traceback.  A tmpfs with few inodes, used up by empty files."""
    with _tmpfs(tmp_path / "disk", "size=8m,nr_inodes=64") as disk:
        store = Store(disk / "store")
        for number in range(64):  # use up every inode left
            try:
                (disk / f"empty-{number}").touch()
            except OSError:
                break
        with pytest.raises(StoreFull) as raised:
            store.start_run("p", "p.ptflow", "sha256:0", {})
        assert str(raised.value).startswith(f"the store's disk is full: could not write {disk / 'store' / 'runs'}/p-")
        store.close()
        assert sqlite3.connect(disk / "store" / DATABASE).execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)


# A step with an output artifact that fills the disk and fails, retried: its second attempt's staging folder
# is made, then the runner can't record the attempt.
RETRIED_FILLER = """
component fill(mb: int) -> (out: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "head -c $(($0 * 1000000)) /dev/zero >> scratch.bin; exit 1", mb, out.path]
}

pipeline fill_up(mb: int = 20) {
    f = fill(mb: mb) with { retry: {max: 1, backoff: "0s"} }
}
"""


def test_what_an_unfinished_attempt_staged_is_removed_when_the_disk_fills(tmp_path: Path, small_disk: Path):
    source = tmp_path / "retried.ptflow"
    source.write_text(RETRIED_FILLER)
    store = small_disk / "store"
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    assert "error[PTF915]: the store's disk is full" in result.stderr
    assert list((store / "artifacts" / ".staging").iterdir()) == []


def test_a_store_made_on_a_disk_without_room_for_its_reserve_opens_without_it(small_disk: Path):
    """The reserve (512 KiB kept for recording a failure on a full disk) is made when there is room; a store
    opened on a nearly full disk still opens, and makes the reserve later, when a store is opened with room."""
    status = os.statvfs(small_disk)
    with open(small_disk / "filler", "wb") as handle:
        handle.write(bytes(status.f_bavail * status.f_frsize - 300_000))  # leaves less room than the reserve
    store = Store(small_disk / "store")
    assert not (small_disk / "store" / RESERVE).exists()
    store.close()
    (small_disk / "filler").unlink()
    Store(small_disk / "store").close()
    assert (small_disk / "store" / RESERVE).stat().st_size == RESERVE_BYTES


FILL_THE_DISK = """\
component fill(path: str) {
    image = "alpine:3"
    command = ["sh", "-c", "cat /dev/zero > \\"$0\\" 2>/dev/null; true", path]
}
pipeline p(path: str) {
    a = fill(path: path)
    b = fill(path: path) with { after: [a] }
}
"""


def test_a_step_that_fills_the_disk_and_succeeds_stops_the_run_as_a_full_disk(tmp_path: Path, small_disk: Path):
    """The step ends well, but its end can't be recorded: the run stops on a full disk (not an internal
    error), and the step after it never starts."""
    source = tmp_path / "fill.ptflow"
    source.write_text(FILL_THE_DISK)
    result = ptflow("run", str(source), "--store", str(small_disk / "store"), "-p", f"path={small_disk / 'filler'}")
    assert result.returncode == 1
    assert "FAILED  a: stopped: the store's disk is full" in result.stdout
    assert "internal error" not in result.stdout + result.stderr
    assert "error[PTF915]: the store's disk is full: could not write " in result.stderr
    (small_disk / "filler").unlink()
    steps = show(small_disk / "store")["by_task"]
    assert "b" not in steps or steps["b"]["status"] == "NOT_RUN"


def test_without_room_for_the_reserve_a_run_the_disk_stops_is_said_unrecorded_and_recorded_by_the_next_command(
    tmp_path: Path, small_disk: Path
):
    """No reserve (the store was made on a nearly full disk), so no room to record the failure: the run says
    so, and the next command on the store, with room again, records it as interrupted."""
    status = os.statvfs(small_disk)
    with open(small_disk / "before", "wb") as handle:
        handle.write(bytes(status.f_bavail * status.f_frsize - 300_000))  # less room than the reserve
    source = tmp_path / "fill.ptflow"
    source.write_text(FILL_THE_DISK)
    store = small_disk / "store"
    result = ptflow("run", str(source), "--store", str(store), "-p", f"path={small_disk / 'filler'}")
    assert result.returncode == 1
    assert not (store / RESERVE).exists()
    run_id = next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("run "))
    assert (
        f"warning: run {run_id} could not be recorded as failed; the next ptflow command on this store records it "
        "as interrupted"
    ) in result.stdout
    (small_disk / "filler").unlink()
    (small_disk / "before").unlink()
    [run] = json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)
    assert (run["id"], run["status"]) == (run_id, "INTERRUPTED")


def test_a_store_reopened_on_a_disk_out_of_inodes_opens_without_its_reserve(tmp_path: Path):
    """Not even an empty reserve file can be made (no inode left): the store still opens, and a run then
    gets the store's disk-full error, not a traceback from making the reserve."""
    with _tmpfs(tmp_path / "disk", "size=8m,nr_inodes=64") as disk:
        Store(disk / "store").close()
        (disk / "store" / RESERVE).unlink()
        made = []
        for number in range(64):  # use up every inode left ...
            try:
                (disk / f"empty-{number}").touch()
            except OSError:
                break
            made.append(disk / f"empty-{number}")
        for empty in made[-2:]:  # ... but the two SQLite makes when it opens (its -wal and -shm files)
            empty.unlink()
        store = Store(disk / "store")
        assert not (disk / "store" / RESERVE).exists()
        with pytest.raises(StoreFull):
            store.start_run("p", "p.ptflow", "sha256:0", {})
        store.close()
