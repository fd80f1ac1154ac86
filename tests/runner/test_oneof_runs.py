"""`oneof(...)` in a .ptflow file, run by `ptflow run`: the value of the arm that ran, parameters and artifacts.

The steps are real commands (run on this machine); each arm writes its own text, so the value that
reaches the step after the chain, and the pipeline's outputs, say which arm it came from.
"""

from pathlib import Path

import pytest

from tests.runner.helpers import ptflow, show

PICK = """\
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
component write(text: str) -> (file: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, file.path]
}
component read(file: Dataset) -> (text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "cat \\"$0\\" > \\"$1\\"", file.path, text.path]
}
pipeline pick(n: int = 1) -> (chosen: str, file: Dataset) {
    if n > 5 {
        big = say(text: "big")
        big_file = write(text: "big file")
    } elif n > 2 {
        medium = say(text: "medium")
        medium_file = write(text: "medium file")
    } else {
        small = say(text: "small")
        small_file = write(text: "small file")
    }
    after = say(text: oneof(big.said, medium.said, small.said))
    contents = read(file: oneof(big_file.file, medium_file.file, small_file.file))
    if oneof(big.said, medium.said, small.said) == "medium" {
        only_medium = say(text: "it was medium")
    }
    return (
        chosen: oneof(big.said, medium.said, small.said),
        file: oneof(big_file.file, medium_file.file, small_file.file),
    )
}
"""


@pytest.mark.parametrize(("n", "arm"), [(9, "big"), (4, "medium"), (1, "small")])
def test_oneof_is_the_value_of_the_arm_that_ran(tmp_path: Path, store: Path, n: int, arm: str):
    source = tmp_path / "pick.ptflow"
    source.write_text(PICK)
    ptflow("run", str(source), "--store", str(store), "--no-cache", "-p", f"n={n}", check=True)
    run = show(store)
    steps = run["by_task"]
    assert steps["after"]["outputs"] == {"said": arm}  # a parameter
    assert steps["contents"]["outputs"] == {"text": f"{arm} file"}  # an artifact, read by the next step
    assert run["outputs"]["chosen"] == arm
    assert Path(run["outputs"]["file"]).read_text() == f"{arm} file"
    # A condition on the oneof after the chain.
    medium_ran = [
        task for task, step in steps.items() if task.endswith("only-medium") and step["status"] == "SUCCEEDED"
    ]
    assert bool(medium_ran) == (arm == "medium")
