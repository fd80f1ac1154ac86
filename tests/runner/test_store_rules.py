"""Store rules that only mutation testing showed untested (tools/mutation.py)."""

import sqlite3
import subprocess
import sys

from ptflow.runtime.runner.store import DATABASE, INTERRUPTED, RUNNER_LOCK, RUNNING, Store


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
