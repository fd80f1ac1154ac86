"""A step whose resources come from another step's output, run by `ptflow run`.

`ptflow run` runs steps on this machine and ignores resources, but the sized step still waits for the
step that computes its size, as it does on KFP (ptflow writes the dependency kfp 2.17 leaves out).
"""

from pathlib import Path

from tests.runner.helpers import ptflow, show

SIZED = """\
component size(folder: str) -> (cpu: str) {
    image = "alpine:3"
    command = ["sh", "-c", "sleep 1; touch \\"$0/sized\\"; printf 2 > \\"$1\\"", folder, cpu.path]
}
component work(folder: str) -> (seen: str) {
    image = "alpine:3"
    command = ["sh", "-c", "test -e \\"$0/sized\\" && printf yes > \\"$1\\"", folder, seen.path]
}
pipeline sized(folder: str) {
    size = size(folder: folder)
    work = work(folder: folder) with { cpu: size.cpu, memory: "1Gi" }
}
"""


def test_the_sized_step_runs_after_the_step_that_sizes_it(tmp_path: Path, store: Path):
    source = tmp_path / "sized.ptflow"
    source.write_text(SIZED)
    folder = tmp_path / "marks"
    folder.mkdir()
    result = ptflow("run", str(source), "--store", str(store), "-p", f"folder={folder}")
    assert result.returncode == 0, result.stdout + result.stderr
    steps = show(store)["by_task"]
    assert steps["work"]["outputs"] == {"seen": "yes"}  # `size` had finished when `work` started
