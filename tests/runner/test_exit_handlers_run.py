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


PIPELINE_AS_EXIT = """\
component fail(code: int) {
    image = "alpine:3"
    command = ["sh", "-c", "exit \\"$0\\"", code]
}
component run_state(status: dict) -> (state: str) {
    image = "python:3.11"
    command = ["python3", "-c", "import json, sys; open(sys.argv[2], 'w').write(json.loads(sys.argv[1])['state'])",
               status, state.path]
}
component say(text: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, said.path]
}
pipeline notify_on_failure(status: Status) {
    state = run_state(status: status)
    if state.state == "FAILED" {
        alarm = say(text: "the body failed")
    }
}
pipeline guarded(code: int = 3) {
    body = fail(code: code)
    finally with { display_name: "guarded-body" } {
        notify = notify_on_failure(status: pipeline.status)
    }
}
"""


def test_a_pipeline_as_the_exit_task_reads_the_status_as_a_dict(tmp_path: Path, store: Path):
    source = tmp_path / "guarded.ptflow"
    source.write_text(PIPELINE_AS_EXIT)
    for code, state in ((3, "FAILED"), (0, "SUCCEEDED")):
        ptflow("run", str(source), "--store", str(store), "-p", f"code={code}")
        steps = show(store)["by_task"]
        assert steps["notify/state"]["outputs"] == {"state": state}
        alarm = steps.get("notify/condition-1/alarm", {})
        assert (alarm.get("status") == "SUCCEEDED") == (state == "FAILED"), steps
