"""Several exit handlers in one .ptflow pipeline, run by `ptflow run`: each exit step runs after its own
group and sees that group's final status (a failure in one `try` is not the other's)."""

import json
from pathlib import Path

from tests.runner.helpers import ptflow, show

TWO = """\
component fail(code: int) {
    image = "alpine:3"
    command = ["sh", "-c", "exit \\"$0\\"", code]
}
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
component status_of(status: Status) -> (state: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", status, state.path]
}
pipeline two(code: int = 3) {
    try {
        failing = fail(code: code)
    } finally with { display_name: "first-handler" } {
        first_exit = status_of(status: pipeline.status)
    }
    try {
        fine = say(text: "fine")
    } finally {
        second_exit = status_of(status: pipeline.status)
    }
}
"""


def _run(tmp_path: Path, store: Path, code: int):
    source = tmp_path / "two.ptflow"
    source.write_text(TWO)
    result = ptflow("run", str(source), "--store", str(store), "-p", f"code={code}")
    steps = show(store)["by_task"]
    return result, steps


def _status(step: dict) -> dict:
    return json.loads(step["outputs"]["state"])


def test_each_exit_step_sees_its_own_groups_status(tmp_path: Path, store: Path):
    result, steps = _run(tmp_path, store, 3)
    assert result.returncode == 1
    first, second = _status(steps["first-exit"]), _status(steps["second-exit"])
    assert (first["state"], first["pipelineTaskName"]) == ("FAILED", "exit-handler-1")
    assert "exited with code 3" in first["error"]["message"]
    assert (second["state"], second["pipelineTaskName"]) == ("SUCCEEDED", "exit-handler-2")
    assert steps["exit-handler-2/fine"]["outputs"] == {"said": "fine"}


def test_when_every_group_succeeds_both_exit_steps_say_so(tmp_path: Path, store: Path):
    result, steps = _run(tmp_path, store, 0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [_status(steps[name])["state"] for name in ("first-exit", "second-exit")] == ["SUCCEEDED", "SUCCEEDED"]
