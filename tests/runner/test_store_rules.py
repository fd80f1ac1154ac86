"""Store rules that only mutation testing showed untested (tools/mutation.py)."""

from ptflow.runtime.runner.store import INTERRUPTED, RUNNING, Store


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
