"""`ptflow run` of a pipeline with a workspace (issue 10, kfp's `PipelineConfig(workspace=...)`): the steps share
one folder of the run, inside the store, that `pipeline.workspace_path` names."""

from pathlib import Path

from tests.runner.helpers import ptflow, show

SHARED = """
component write(dir: str) -> (file: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "mkdir -p $0/data && printf hello > $0/data/f.txt && printf %s $0/data/f.txt > $1",
               dir, file.path]
}

component read(file: str) -> (text: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "cat \\"$0\\" > \\"$1\\"", file, text.path]
}

pipeline shared() -> (text: str) {
    workspace = {size: "1Gi"}
    w = write(dir: pipeline.workspace_path)
    r = read(file: w.file)
    return (text: r.text)
}
"""


def test_steps_share_the_run_s_workspace_folder(tmp_path: Path, store: Path):
    source = tmp_path / "shared.ptflow"
    source.write_text(SHARED)
    first = ptflow("run", str(source), "--store", str(store))
    assert first.returncode == 0, first.stdout + first.stderr
    run = show(store)
    workspace = store.resolve() / "runs" / run["id"] / "workspace"
    # The first step wrote into the folder it was given; the second read the file through the path it was passed.
    assert run["by_task"]["w"]["outputs"] == {"file": str(workspace / "data" / "f.txt")}
    assert (workspace / "data" / "f.txt").read_text() == "hello"
    assert run["outputs"] == {"text": "hello"}


IMPORTED = """
component read(data: Dataset) -> (text: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "cat $0 > $1", data.path, text.path]
}

pipeline imported(uri: str) {
    workspace = {size: "1Gi"}
    i = importer(uri: uri, type: Dataset, download_to_workspace: true)
    r = read(data: i.artifact)
}
"""


def test_an_importer_that_downloads_to_the_workspace_still_gives_its_artifact(tmp_path: Path, store: Path):
    data = tmp_path / "data.txt"
    data.write_text("rows")
    source = tmp_path / "imported.ptflow"
    source.write_text(IMPORTED)
    result = ptflow("run", str(source), "--store", str(store), "-p", f"uri={data}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["r"]["outputs"] == {"text": "rows"}
