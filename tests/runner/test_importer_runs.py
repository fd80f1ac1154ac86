"""An importer's URI in a real `ptflow run`: a relative path, a missing file, a remote URI, no URI at all.

What the step after it is given (its `model.uri`), what the run prints, and the error at the importer's line.
"""

from pathlib import Path

import pytest

from tests.runner.helpers import ptflow, show

IMPORT = """\
component use(model: Model) -> (u: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", model.uri, u.path]
}
pipeline p(where: str) {
    base = importer(uri: where, type: Model)
    u = use(model: base.artifact)
}
"""

CANT_BE_READ = "but its file can't be read on this machine"


def _run(tmp_path: Path, store: Path, where: str):
    """`ptflow run` of IMPORT from the folder tmp_path/work, importing `where`."""
    source = tmp_path / "import.ptflow"
    source.write_text(IMPORT)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return ptflow("run", str(source), "--store", str(store), "-p", f"where={where}", cwd=work)


def test_a_relative_path_is_read_from_where_the_run_started(tmp_path: Path, store: Path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "data.txt").write_text("some data")
    result = _run(tmp_path, store, "data.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["u"]["outputs"] == {"u": str(tmp_path / "work" / "data.txt")}
    assert CANT_BE_READ not in result.stdout + result.stderr  # a file here is read


def test_a_remote_uri_is_passed_on_as_it_is_with_a_warning(tmp_path: Path, store: Path):
    result = _run(tmp_path, store, "gs://a-bucket/model")
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["u"]["outputs"] == {"u": "gs://a-bucket/model"}
    assert f"warning: importer `base` points at gs://a-bucket/model; steps here get its URI, {CANT_BE_READ}" in (
        result.stdout + result.stderr
    )


@pytest.mark.parametrize(
    "where, message",
    [("/no/such/model", "importer `base`: /no/such/model does not exist"), ("", "importer `base` has no artifact URI")],
    ids=["missing-file", "empty-uri"],
)
def test_an_importer_without_a_file_to_import_fails_at_its_line(tmp_path: Path, store: Path, where, message):
    result = _run(tmp_path, store, where)
    assert result.returncode == 1
    assert f"error[PTF544]: {message}\n  --> {tmp_path / 'import.ptflow'}:6:5" in result.stderr
    steps = show(store)["by_task"]
    assert (steps["base"]["status"], steps["base"]["error"]) == ("FAILED", message)
    assert steps["u"]["status"] == "NOT_RUN"
