"""`ignore_upstream_failure: true`, run by `ptflow run` with KFP's meaning.

A step with the option runs once its upstream steps are done, even when one failed; an input the failed
step should have fed takes its default (the checker requires one). The run still fails, as on KFP,
and a step without the option after the failed one is not run.
"""

from pathlib import Path

from tests.runner.helpers import ptflow, show

CLEANUP = """\
component fail(code: int) -> (out: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'made' > \\"$1\\"; exit \\"$0\\"", code, out.path]
}
component note(text: str = "no value", folder: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"; printf '%s' \\"$0\\" > \\"$2/ran\\"", text, said.path,
               folder]
}
pipeline cleanup(code: int = 3, folder: str) {
    upstream = fail(code: code)
    clean = note(text: upstream.out, folder: folder) with { ignore_upstream_failure: true }
    strict = note(text: upstream.out, folder: folder)
}
"""


def _run(tmp_path: Path, store: Path, code: int):
    source = tmp_path / "cleanup.ptflow"
    source.write_text(CLEANUP)
    folder = tmp_path / f"marks-{code}"
    folder.mkdir()
    result = ptflow("run", str(source), "--store", str(store), "-p", f"code={code}", "-p", f"folder={folder}")
    return result, show(store)["by_task"], folder


def test_the_step_runs_after_its_upstream_failed_with_the_inputs_default(tmp_path: Path, store: Path):
    result, steps, folder = _run(tmp_path, store, 3)
    assert result.returncode == 1  # the run failed, as the upstream step did
    assert steps["upstream"]["status"] == "FAILED"
    assert steps["clean"]["status"] == "SUCCEEDED"
    assert steps["clean"]["outputs"] == {"said": "no value"}  # the default: the failed step made no value
    assert (folder / "ran").read_text() == "no value"
    assert steps["strict"]["status"] == "NOT_RUN"
    assert steps["strict"]["error"] == "not started: an upstream step failed"


def test_after_a_successful_upstream_the_step_gets_its_value(tmp_path: Path, store: Path):
    result, steps, _ = _run(tmp_path, store, 0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert steps["clean"]["outputs"] == {"said": "made"}
    assert steps["strict"]["outputs"] == {"said": "made"}
