"""Steps are named on the command line and shown as the `.ptflow` file names them, not by compiled task path.

The compiler puts steps inside groups (`exit-handler-1/`, `for-loop-3[0]/`, `condition-4/`); a user who wrote
`summary = say(...)` in a `finally` block types `--log summary`, and `ptflow show` prints `summary`.
"""

import json
import re
from pathlib import Path

from tests.runner.helpers import ptflow, run_id_of

PIPELINE = """\
component measure() -> (accuracy: float, report: Artifact) {
    image = "alpine:3"
    command = ["sh", "-c", "echo measuring; printf 0.96 > \\"$0\\"; echo fine > \\"$1\\"", accuracy.path, report.path]
}
component say(text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "echo \\"said $0\\"", text]
}
pipeline inner(text: str) {
    greet = say(text: text)
}
pipeline names(min_accuracy: float = 0.99) {
    train = measure()
    for word in ["a", "b"] {
        echo = say(text: word)
    }
    first = inner(text: "one")
    second = inner(text: "two")
    if train.accuracy >= min_accuracy {
        publish = say(text: "good")
    }
    finally {
        summary = say(text: "done")
    }
}
"""


def _run(tmp_path: Path, store: Path) -> str:
    source = tmp_path / "names.ptflow"
    source.write_text(PIPELINE)
    result = ptflow("run", str(source), "--store", str(store), check=True)
    return run_id_of(result.stdout)


def test_show_lists_the_steps_by_the_names_in_the_ptflow_file(tmp_path: Path, store: Path):
    run_id = _run(tmp_path, store)
    table = ptflow("show", run_id, "--store", str(store), check=True).stdout
    rows = {line.split()[0] for line in table.splitlines()[6:] if line.strip()}
    assert {"train", "echo[0]", "echo[1]", "first/greet", "second/greet", "summary"} <= rows
    assert "exit-handler-1/train" not in table and "for-loop" not in table
    document = json.loads(ptflow("show", run_id, "--store", str(store), "--json", check=True).stdout)
    by_step = {step["step"]: step for step in document["steps"]}
    assert by_step["summary"]["status"] == "SUCCEEDED"
    assert by_step["echo[1]"]["task"].startswith("exit-handler-1/for-loop-")  # the compiled path is still there
    assert by_step["echo[1]"]["task"].endswith("[1]/echo")


def test_log_of_a_step_named_as_in_the_source(tmp_path: Path, store: Path):
    run_id = _run(tmp_path, store)
    summary = ptflow("show", run_id, "--store", str(store), "--log", "summary")
    assert summary.returncode == 0, summary.stderr
    assert "said done" in summary.stdout
    train = ptflow("show", run_id, "--store", str(store), "--log", "train", check=True)
    assert "measuring" in train.stdout
    second = ptflow("show", run_id, "--store", str(store), "--log", "echo[1]", check=True)
    assert "said b" in second.stdout and "said a" not in second.stdout
    nested = ptflow("show", run_id, "--store", str(store), "--log", "second/greet", check=True)
    assert "said two" in nested.stdout
    # The compiled path still works, for scripts written against it.
    compiled = json.loads(ptflow("show", run_id, "--store", str(store), "--json", check=True).stdout)
    path = next(s["task"] for s in compiled["steps"] if s["step"] == "summary")
    assert "said done" in ptflow("show", run_id, "--store", str(store), "--log", path, check=True).stdout


def test_a_name_that_fits_several_executions_lists_them(tmp_path: Path, store: Path):
    run_id = _run(tmp_path, store)
    loop = ptflow("show", run_id, "--store", str(store), "--log", "echo")
    assert loop.returncode == 1
    assert "`echo` names 2 steps" in loop.stderr and "`echo[0]`" in loop.stderr and "`echo[1]`" in loop.stderr
    nested = ptflow("show", run_id, "--store", str(store), "--log", "greet")
    assert nested.returncode == 1
    assert "`first/greet`" in nested.stderr and "`second/greet`" in nested.stderr


def test_an_unknown_step_is_named_with_the_steps_there_are(tmp_path: Path, store: Path):
    run_id = _run(tmp_path, store)
    result = ptflow("show", run_id, "--store", str(store), "--log", "nope")
    assert result.returncode == 1
    assert "has no step `nope`" in result.stderr
    assert "summary" in result.stderr and "echo[0]" in result.stderr and "exit-handler-1" not in result.stderr
    board = ptflow("tensorboard", run_id, "--store", str(store), "--step", "nope")
    assert board.returncode != 0 and "has no step `nope`" in board.stderr and "summary" in board.stderr


def test_tensorboard_and_lineage_take_the_source_name(tmp_path: Path, store: Path):
    run_id = _run(tmp_path, store)
    board = ptflow("tensorboard", run_id, "--store", str(store), "--step", "train")
    # The step was found (it has no TensorBoard logs, which is what it says).
    assert board.returncode != 0
    assert "step `train`" in board.stderr and "no output with TensorBoard logs" in board.stderr
    lineage = ptflow("lineage", f"{run_id}/train/report", "--store", str(store), "--json", check=True)
    document = json.loads(lineage.stdout)
    assert [p["step"] for p in document["producers"]] == ["train"]
    assert Path(document["artifact"]["uri"].removeprefix("file://")).read_text().strip() == "fine"
    text = ptflow("lineage", f"{run_id}/train/report", "--store", str(store), check=True).stdout
    assert "  train in run" in text


def test_a_failed_steps_log_hint_names_it_as_the_source_does_and_works(tmp_path: Path, store: Path):
    source = tmp_path / "failing.ptflow"
    source.write_text(
        "component boom() {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "echo the reason; exit 3"]\n'
        "}\n"
        "component say(text: str) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "echo \\"said $0\\"", text]\n'
        "}\n"
        "pipeline failing() {\n"
        "    crash_now = boom()\n"
        "    finally {\n"
        '        summary = say(text: "done")\n'
        "    }\n"
        "}\n"
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    run_id = run_id_of(result.stdout)
    hint = next(line for line in result.stderr.splitlines() if "whole log:" in line).split("whole log:")[1].strip()
    assert hint == f"ptflow show {run_id} --store {store.resolve()} --log crash_now"  # as the file spells it
    log = ptflow(*hint.split()[1:], check=True)
    assert "the reason" in log.stdout
    # ... and the compiled (Kubernetes) spelling works as well.
    assert "the reason" in ptflow("show", run_id, "--store", str(store), "--log", "crash-now", check=True).stdout
    table = ptflow("show", run_id, "--store", str(store)).stdout
    assert "crash_now failed:" in table and "crash-now" not in table


SNAKE_CASE = """component measure() -> (report: Artifact) {
    image = "alpine:3"
    command = ["sh", "-c", "echo fine > \\"$0\\"", report.path]
}
pipeline inner_steps() {
    check_report = measure()
}
pipeline snake_case() {
    train_model = measure()
    nested_call = inner_steps()
    finally {
        final_summary = measure()
    }
}
"""


def test_step_names_keep_the_files_spelling_not_the_compiled_one(tmp_path: Path, store: Path):
    # KFP names tasks the Kubernetes way (`final_summary` -> `final-summary`); the user wrote `final_summary`.
    source = tmp_path / "snake_case.ptflow"
    source.write_text(SNAKE_CASE)
    run_id = run_id_of(ptflow("run", str(source), "--store", str(store), check=True).stdout)
    table = ptflow("show", run_id, "--store", str(store), check=True).stdout
    rows = {line.split()[0] for line in table.splitlines()[6:] if line.strip()}
    assert {"train_model", "nested_call/check_report", "final_summary"} <= rows, table
    assert "final-summary" not in table and "train-model" not in table
    steps = json.loads(ptflow("show", run_id, "--store", str(store), "--json", check=True).stdout)["steps"]
    by_step = {step["step"]: step["task"] for step in steps}
    assert by_step["final_summary"] == "final-summary"  # JSON keeps the compiled name as `task`
    assert by_step["nested_call/check_report"] == "exit-handler-1/nested-call/check-report"
    lineage = ptflow("lineage", f"{run_id}/final_summary/report", "--store", str(store), check=True).stdout
    assert "  final_summary in run" in lineage


def test_a_store_made_before_step_names_were_recorded_opens_and_records_them(tmp_path: Path, store: Path):
    import sqlite3

    from ptflow.runtime.runner.store import DATABASE, Store

    # The runs table as it was before `step_names` (the other tables are created as they are today).
    store.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(store / DATABASE) as db:
        db.execute(
            "CREATE TABLE runs (id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, source TEXT, spec_digest TEXT,"
            " parameters TEXT, status TEXT NOT NULL, started REAL NOT NULL, finished REAL, pid INTEGER, host TEXT,"
            " outputs TEXT, error TEXT)"
        )
        db.execute("INSERT INTO runs (id, pipeline, status, started) VALUES ('old-run', 'old', 'SUCCEEDED', 1)")
    opened = Store(store)
    assert opened.step_names("old-run") == {}
    opened.close()
    source = tmp_path / "snake_case.ptflow"
    source.write_text(SNAKE_CASE)
    run_id = run_id_of(ptflow("run", str(source), "--store", str(store), check=True).stdout)
    assert "final_summary" in ptflow("show", run_id, "--store", str(store), check=True).stdout
    assert "old-run" in ptflow("runs", "--store", str(store), check=True).stdout


def _progress_steps(output: str) -> dict[str, set[str]]:
    """The steps each kind of progress line of `ptflow run` (not a terminal: plain lines) names."""
    steps: dict[str, set[str]] = {}
    for line in output.splitlines():
        match = re.match(r"  (start|done|cached|skipped|FAILED) +([^ :]+)", line)
        if match:
            steps.setdefault(match.group(1), set()).add(match.group(2))
    return steps


def test_run_progress_names_steps_as_the_file_does(tmp_path: Path, store: Path):
    source = tmp_path / "names.ptflow"
    source.write_text(PIPELINE)
    output = ptflow("run", str(source), "--store", str(store), check=True).stdout
    assert _progress_steps(output)["done"] == {"train", "echo[0]", "echo[1]", "first/greet", "second/greet", "summary"}
    assert "exit-handler-1" not in output and "for-loop" not in output
    source = tmp_path / "snake_case.ptflow"
    source.write_text(SNAKE_CASE)
    output = ptflow("run", str(source), "--store", str(store), check=True).stdout
    shown = _progress_steps(output)
    assert shown["start"] == {"train_model", "nested_call/check_report"}, output
    assert "final_summary" in shown.get("done", set()) | shown.get("cached", set()), output
    assert "train-model" not in output and "final-summary" not in output and "nested-call" not in output


def test_a_skipped_if_is_named_by_its_keyword_and_line_in_the_run_and_in_show(tmp_path: Path, store: Path):
    source = tmp_path / "names.ptflow"
    source.write_text(PIPELINE)
    line = PIPELINE.splitlines().index("    if train.accuracy >= min_accuracy {") + 1
    result = ptflow("run", str(source), "--store", str(store), check=True)
    reason = "train.accuracy (0.96) >= min_accuracy (0.99) is false"
    assert f"  skipped if (line {line}): {reason}" in result.stdout.splitlines()
    table = ptflow("show", "latest", "--store", str(store), check=True).stdout
    assert f"if (line {line}) skipped: {reason}" in table
    assert "condition-" not in table
    document = json.loads(ptflow("show", "latest", "--store", str(store), "--json", check=True).stdout)
    (skipped,) = [step for step in document["steps"] if step["status"] == "SKIPPED"]
    assert skipped["step"] == f"if (line {line})" and skipped["task"].endswith("/condition-4")


def test_show_json_gives_the_step_names_as_a_map(tmp_path: Path, store: Path):
    """The run's compiled name -> name in the file, as JSON (it was the stored JSON text, a string)."""
    source = tmp_path / "spelled.ptflow"
    source.write_text(PIPELINE.replace("summary = say", "final_summary = say"))
    ptflow("run", str(source), "--store", str(store), check=True)
    document = json.loads(ptflow("show", "latest", "--store", str(store), "--json", check=True).stdout)
    assert isinstance(document["step_names"], dict)
    assert document["step_names"]["final-summary"] == "final_summary"
