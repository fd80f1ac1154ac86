"""`ptflow run` of the smaller language additions of issue 10: an input and an output with one name, a pipeline
named after a keyword, a pipeline's default root (which a local run can't honour, and says so)."""

from datetime import UTC, datetime
from pathlib import Path

from tests.runner.helpers import ptflow, show

SHOUT = """
component shout(msg: str) -> (msg: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf '%s!' \\"$0\\" > \\"$1\\"", msg, msg.path]
}

pipeline loud(msg: str = "hi") -> (msg: str) {
    name = "pipeline"
    pipeline_root = "s3://bucket/root"
    s = shout(msg: msg)
    t = shout(msg: s.msg)
    return (msg: t.msg)
}
"""


def test_same_named_input_and_output_keyword_name_and_default_root(tmp_path: Path, store: Path):
    source = tmp_path / "loud.ptflow"
    source.write_text(SHOUT)
    result = ptflow("run", str(source), "--store", str(store), "-p", "msg=hey")
    assert result.returncode == 0, result.stdout + result.stderr
    # The step read its input `msg` and wrote its output `msg`; the pipeline's output `msg` is the second's.
    run = show(store)
    assert run["by_task"]["s"]["outputs"] == {"msg": "hey!"}
    assert run["by_task"]["t"]["outputs"] == {"msg": "hey!!"}
    assert run["outputs"] == {"msg": "hey!!"}
    assert run["pipeline"] == "pipeline"
    # The default root has no meaning here: one line says where the artifacts went instead.
    notices = [line for line in result.stdout.splitlines() if "s3://bucket/root" in line]
    assert notices == [
        f"warning: the pipeline's default root s3://bucket/root has no effect in a local run: "
        f"artifacts go to {store.resolve() / 'artifacts'}"
    ]


RUN_VALUES = """
component show(a: str, b: str) -> (said: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf '%s|%s|%s' \\"$0\\" \\"$1\\" \\"$2\\" > \\"$3\\"",
               a, b, pipeline.job_create_time, said.path]
}

pipeline stamped() {
    s = show(a: pipeline.job_resource_name, b: pipeline.job_schedule_time)
}
"""


def test_the_run_s_resource_name_and_times(tmp_path: Path, store: Path):
    source = tmp_path / "stamped.ptflow"
    source.write_text(RUN_VALUES)
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    run = show(store)
    resource_name, scheduled, created = run["by_task"]["s"]["outputs"]["said"].split("|")
    assert resource_name == run["id"]  # unique per run, as KFP's resource name is
    # One run made by hand: scheduled when created, an RFC 3339 UTC time no earlier than the run's start.
    assert scheduled == created
    stamp = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert int(stamp.timestamp()) <= run["started"] + 1
    assert int(stamp.timestamp()) >= int(run["started"]) - 1
