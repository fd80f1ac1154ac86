"""Launcher rules that only mutation testing showed untested (tools/mutation.py), each in a real `ptflow run`."""

import json
from pathlib import Path

import yaml
from kfp import dsl

from tests.runner.helpers import compile_kfp, compile_ptflow, ptflow, show, write_ir


@dsl.container_component
def two_outputs(flag: str, a: dsl.OutputPath(str), b: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf 1 > "$1"; printf 2 > "$2"', flag, a, b])


@dsl.container_component
def use_one(a: str):
    return dsl.ContainerSpec(image="alpine:3", command=["echo", a])


@dsl.container_component
def use_two(a: str, b: str):
    return dsl.ContainerSpec(image="alpine:3", command=["echo", a, b])


@dsl.pipeline(name="skipped-producer")
def skipped_producer(flag: str = "no"):
    made = two_outputs(flag=flag)
    use_one(a=made.outputs["a"])
    use_two(a=made.outputs["a"], b=made.outputs["b"])


def test_a_step_whose_producer_was_skipped_names_each_input_without_a_value(tmp_path: Path, store: Path):
    """The producer runs only when its condition holds (kfp writes such a condition for a `dsl.If`; set here by
    hand, so that its consumers stay outside it); skipped, it leaves its consumers' inputs without values."""
    ir = compile_kfp(skipped_producer, tmp_path / "skipped.yaml")
    document = yaml.safe_load(ir.read_text())
    document["root"]["dag"]["tasks"]["two-outputs"]["triggerPolicy"] = {
        "condition": "inputs.parameter_values['flag'] == 'yes'"
    }
    ir.write_text(yaml.safe_dump(document))
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1
    steps = show(store)["by_task"]
    assert steps["two-outputs"]["status"] == "SKIPPED"
    why = "received no value (its producer was skipped or did not produce it)"
    assert steps["use-one"]["error"] == f"input `a` of step `use-one` {why}"
    assert steps["use-two"]["error"] == f"inputs `a`, `b` of step `use-two` {why}"


@dsl.container_component
def succeeds(out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf done > "$0"', out])


@dsl.container_component
def exits_with(code: int):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'exit "$0"', code])


@dsl.pipeline(name="exit-codes")
def exit_codes():
    succeeds()
    exits_with(code=7)


def test_show_gives_each_steps_exit_code_and_a_step_without_retries_runs_once(tmp_path: Path, store: Path):
    ir = compile_kfp(exit_codes, tmp_path / "codes.yaml")
    result = ptflow("run", str(ir), "--store", str(store))
    steps = show(store)["by_task"]
    assert (steps["succeeds"]["status"], steps["succeeds"]["exit_code"]) == ("SUCCEEDED", 0)
    assert (steps["exits-with"]["status"], steps["exits-with"]["exit_code"]) == ("FAILED", 7)
    assert steps["exits-with"]["attempts"] == 1 and "retry" not in result.stdout  # no retryPolicy: no retry


TYPED_OUTPUTS = """\
component write(text: str) -> (data: Dataset, model: Model) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"; printf m > \\"$2\\"", text, data.path, model.path]
}
pipeline made() {
    w = write(text: "one")
}
"""


def test_each_output_artifact_is_recorded_with_its_declared_type(tmp_path: Path, store: Path):
    source = tmp_path / "typed.ptflow"
    source.write_text(TYPED_OUTPUTS)
    ptflow("run", str(source), "--store", str(store), check=True)
    outputs = show(store)["by_task"]["w"]["output_artifacts"]
    assert {name: [a["type"] for a in items] for name, items in outputs.items()} == {
        "data": ["system.Dataset"],
        "model": ["system.Model"],
    }
    assert Path(outputs["data"][0]["uri"]).read_text() == "one"


# An output parameter of 100,000 characters: more than one read of the file (64 KiB), less than the
# longest argument Linux passes to a command (128 KiB).
LONG_OUTPUT = """\
component long_text() -> (text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' x > \\"$0\\"", text.path]
}
component length(text: str) -> (n: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"${#0}\\" > \\"$1\\"", text, n.path]
}
pipeline long() {
    t = long_text()
    l = length(text: t.text)
}
"""


def test_an_output_parameter_longer_than_one_read_is_passed_on_whole(tmp_path: Path, store: Path):
    source = tmp_path / "long.ptflow"
    source.write_text(LONG_OUTPUT)
    ptflow("run", str(source), "--store", str(store), check=True)
    assert show(store)["by_task"]["l"]["outputs"] == {"n": "100000"}


# The first attempt writes its output and fails; the second (a mark left by the first tells them apart) writes
# nothing and succeeds.
FIRST_ATTEMPT_WRITES_THEN_FAILS = """\
component flaky(marks: str) -> (answer: str) {
    image = "alpine:3"
    command = ["sh", "-c", "[ -e \\"$0/first\\" ] || { touch \\"$0/first\\"; printf stale > \\"$1\\"; exit 1; }",
               marks, answer.path]
}
pipeline p(marks: str) {
    f = flaky(marks: marks) with { retry: {max: 1, backoff: "0s"} }
}
"""


def test_an_output_written_by_a_failed_attempt_does_not_pass_for_the_next_attempts(tmp_path: Path, store: Path):
    """On Kubernetes each attempt is a fresh pod: what a failed attempt wrote is gone.  Here too, so an attempt
    that writes no output fails for it instead of passing the failed attempt's value on."""
    source = tmp_path / "retry.ptflow"
    source.write_text(FIRST_ATTEMPT_WRITES_THEN_FAILS)
    marks = tmp_path / "marks"
    marks.mkdir()
    result = ptflow("run", str(source), "--store", str(store), "-p", f"marks={marks}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert (marks / "first").exists()  # the second attempt ran
    step = show(store)["by_task"]["f"]
    assert step["status"] == "FAILED"
    assert "did not write its output parameter `answer`" in step["error"]
    assert "stale" not in str(step.get("outputs"))


IMPORTED_MODEL = """\
pipeline p(where: str) {
    base = importer(uri: where, type: Model)
}
"""


def test_an_importer_records_its_artifact_with_the_type_schema_it_names(tmp_path: Path, store: Path):
    (tmp_path / "model.pt").write_text("weights")
    source = tmp_path / "import.ptflow"
    source.write_text(IMPORTED_MODEL)
    result = ptflow("run", str(source), "--store", str(store), "-p", f"where={tmp_path / 'model.pt'}")
    assert result.returncode == 0, result.stdout + result.stderr
    (artifact,) = show(store)["by_task"]["base"]["output_artifacts"]["artifact"]
    assert (artifact["type"], artifact["uri"]) == ("system.Model", str(tmp_path / "model.pt"))


# Fails twice, then succeeds: a counter file tells the attempts apart.
THIRD_TIME_LUCKY = """\
component flaky(counter: str) {
    image = "alpine:3"
    command = ["sh", "-c", "n=$(cat \\"$0\\" 2>/dev/null || echo 0); echo $((n + 1)) > \\"$0\\"; [ $n -ge 2 ]",
               counter]
}
pipeline p(counter: str) {
    f = flaky(counter: counter) with { retry: {max: 2, backoff: "1s", max_backoff: "10s"} }
}
"""


def test_a_retry_policy_without_a_backoff_factor_doubles_the_wait_as_kfp_does(tmp_path: Path, store: Path):
    """`backoffFactor` is optional in the IR (ptflow writes it); left out, KFP doubles each wait: 1s, then 2s."""
    ir, (document,) = compile_ptflow(THIRD_TIME_LUCKY, tmp_path, "retry")
    del document["root"]["dag"]["tasks"]["f"]["retryPolicy"]["backoffFactor"]
    write_ir(ir, [document])
    result = ptflow("run", str(ir), "--store", str(store), "-p", f"counter={tmp_path / 'counter'}")
    assert result.returncode == 0, result.stdout + result.stderr
    retries = [line.strip() for line in result.stdout.splitlines() if line.lstrip().startswith("retry")]
    assert retries == [
        "retry   f: exited with code 1; attempt 2 in 1s",
        "retry   f: exited with code 1; attempt 3 in 2s",
    ]


TWO_OUTPUTS = """\
component two() -> (a: str, b: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 1 > \\"$0\\"; printf 2 > \\"$1\\"", a.path, b.path]
}
pipeline p() {
    t = two()
}
"""


def test_output_parameters_reported_in_the_executor_output_are_each_taken(tmp_path: Path, store: Path):
    """kfp's Python components report their outputs in the executor output file (`parameterValues`) instead of
    one file each: every one reported is the step's output."""
    ir, (document,) = compile_ptflow(TWO_OUTPUTS, tmp_path, "two")
    (executor,) = document["deploymentSpec"]["executors"].values()
    report = json.dumps({"parameterValues": {"a": "one", "b": "two"}})
    executor["container"]["command"] = ["sh", "-c", f"printf '%s' '{report}' > \"$0\"", "{{$.outputs.output_file}}"]
    write_ir(ir, [document])
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["t"]["outputs"] == {"a": "one", "b": "two"}


WINDOWS_LINES = """\
component crlf() -> (text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'one\\\\r\\\\ntwo\\\\rthree' > \\"$0\\"", text.path]
}
pipeline p() {
    t = crlf()
}
"""


def test_an_output_parameter_written_with_windows_or_old_mac_line_ends_is_read_with_newlines(
    tmp_path: Path, store: Path
):
    source = tmp_path / "crlf.ptflow"
    source.write_text(WINDOWS_LINES)
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["t"]["outputs"] == {"text": "one\ntwo\nthree"}


WRITES_THEN_FAILS = """\
component half(rows: int) -> (data: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "seq \\"$0\\" > \\"$1\\"; exit 1", rows, data.path]
}
pipeline p() {
    h = half(rows: 3)
}
"""


def test_what_a_failed_step_staged_is_removed(tmp_path: Path, store: Path):
    """A failed step's outputs are no one's: the file it wrote before failing does not stay in the store."""
    source = tmp_path / "half.ptflow"
    source.write_text(WRITES_THEN_FAILS)
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    assert show(store)["by_task"]["h"]["status"] == "FAILED"
    assert list((store / "artifacts" / ".staging").iterdir()) == []
