"""Failing steps, retries, timeouts, missing commands, bad input refused before anything runs, store escapes."""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from kfp import dsl, kubernetes

from tests.runner.helpers import compile_kfp, compile_ptflow, ptflow, show, write_ir

FLAKY = (
    'n=$(cat "$0" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0"; '
    'date +%s.%N >> "$0.times"; echo "attempt $n"; [ $n -ge 3 ]'
)


@dsl.container_component
def flaky(counter: str):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", FLAKY, counter])


@dsl.container_component
def sleeper(seconds: int, mark: str):
    """Sleeps, then leaves a mark: a step stopped at its timeout never leaves it."""
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'sleep "$0"; touch "$1"', seconds, mark])


@dsl.container_component
def say(text: str, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, out])


@dsl.container_component
def missing_tool():
    return dsl.ContainerSpec(image="example/tool:1", command=["ptflow-no-such-tool-here", "--help"])


@dsl.pipeline(name="retried")
def retried(counter: str):
    flaky(counter=counter).set_retry(
        num_retries=3, backoff_duration="1s", backoff_factor=3.0, backoff_max_duration="2s"
    ).set_caching_options(False)


def test_retries_with_backoff_until_success(tmp_path: Path, store: Path):
    ir = compile_kfp(retried, tmp_path / "retried.yaml")
    counter = tmp_path / "counter"
    result = ptflow("run", str(ir), "--store", str(store), "-p", f"counter={counter}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert counter.read_text().strip() == "3"
    times = [float(t) for t in Path(f"{counter}.times").read_text().split()]
    gaps = [b - a for a, b in zip(times, times[1:])]
    # 1s, then 1s*3 capped at backoffMaxDuration 2s: as the run says, and waited at least that long (no upper
    # bound: a loaded machine may start an attempt late)
    assert "attempt 2 in 1s" in result.stdout and "attempt 3 in 2s" in result.stdout
    assert gaps[0] >= 1.0 and gaps[1] >= 2.0
    step = show(store)["steps"][0]
    assert step["status"] == "SUCCEEDED" and step["attempts"] == 3
    assert result.stdout.count("retry") == 2


def test_retries_exhausted_fail_the_run(tmp_path: Path, store: Path):
    ir = yaml.safe_load(compile_kfp(retried, tmp_path / "retried.yaml").read_text())
    task = ir["root"]["dag"]["tasks"]["flaky"]
    task["retryPolicy"] = {"maxRetryCount": 1, "backoffDuration": "0s"}
    path = tmp_path / "once.yaml"
    path.write_text(yaml.safe_dump(ir))
    result = ptflow("run", str(path), "--store", str(store), "-p", f"counter={tmp_path / 'c'}")
    assert result.returncode == 1
    assert "exited with code 1" in result.stderr and "attempt 2" in result.stderr
    assert show(store)["steps"][0]["attempts"] == 2


@dsl.pipeline(name="slow")
def slow(mark: str, seconds: int = 5):
    task = sleeper(seconds=seconds, mark=mark).set_caching_options(False)
    kubernetes.set_timeout(task, 1)


def test_timeout_from_the_ir_stops_the_step(tmp_path: Path, store: Path):
    ir = compile_kfp(slow, tmp_path / "slow.yaml")
    mark = tmp_path / "slept-to-the-end"
    result = ptflow("run", str(ir), "--store", str(store), "-p", f"mark={mark}")
    assert result.returncode == 1
    assert "PTF546" in result.stderr and "timed out after 1s" in result.stderr
    time.sleep(5)  # past the step's own end: had it run on (not stopped, only reported), its mark is there now
    assert not mark.exists()


def test_step_timeout_option(tmp_path: Path, store: Path):
    ir = next(yaml.safe_load_all(compile_kfp(slow, tmp_path / "slow.yaml").read_text()))
    ir_path = tmp_path / "no-deadline.yaml"
    ir_path.write_text(yaml.safe_dump(ir))  # the first document only: no kfp-kubernetes timeout
    mark = tmp_path / "slept-to-the-end"
    result = ptflow("run", str(ir_path), "--store", str(store), "--step-timeout", "0.5", "-p", f"mark={mark}")
    assert result.returncode == 1 and "timed out after 0.5s" in result.stderr


@dsl.pipeline(name="needs-a-tool")
def needs_a_tool():
    say(text="first")
    missing_tool()


def test_command_missing_on_the_host_names_step_and_command(tmp_path: Path, store: Path):
    ir = compile_kfp(needs_a_tool, tmp_path / "tool.yaml")
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1
    assert "PTF545" in result.stderr
    assert "step `missing-tool`" in result.stderr and "`ptflow-no-such-tool-here`" in result.stderr
    # The other step still ran and kept its output.
    assert show(store)["by_task"]["say"]["outputs"]["out"] == "first"


def test_failing_ptflow_step_is_reported_at_its_line(tmp_path: Path, store: Path):
    source = tmp_path / "broken.ptflow"
    source.write_text(
        "component ok() -> (out: str) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "printf fine > \\"$0\\"", out.path]\n'
        "}\n"
        "component boom(code: int) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "echo line one; echo the reason >&2; exit \\"$0\\"", code]\n'
        "}\n"
        "pipeline broken(code: int = 4) {\n"
        "    first = ok()\n"
        "    second = boom(code: code)\n"
        "}\n"
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    report = result.stderr
    assert "error[PTF544]" in report and "step `second` exited with code 4" in report
    assert f"{source}:11:" in report  # the .ptflow line that declared the step
    assert "the reason" in report and "line one" in report  # the end of its log
    assert show(store)["by_task"]["first"]["outputs"]["out"] == "fine"


# ----------------------------------------------------------- refused input
@dsl.pipeline(name="typed")
def typed(n: int, name: str = "x"):
    say(text=name)


def _refused(args: list[str], store: Path) -> str:
    result = ptflow("run", *args, "--store", str(store))
    assert result.returncode == 1, result.stdout
    assert not (store / "ptflow.db").exists()  # refused before anything ran
    return result.stderr


def test_missing_required_parameter_is_refused(tmp_path: Path, store: Path):
    ir = compile_kfp(typed, tmp_path / "typed.yaml")
    assert "PTF542" in _refused([str(ir)], store) and "-p n=VALUE" in _refused([str(ir)], store)


def test_wrong_parameter_type_and_unknown_parameter_are_refused(tmp_path: Path, store: Path):
    ir = compile_kfp(typed, tmp_path / "typed.yaml")
    errors = _refused([str(ir), "-p", "n=three", "-p", "nmae=y"], store)
    assert "PTF902" in errors and "`-p n=three`: not a valid integer" in errors
    assert "has no parameter `nmae`" in errors and "did you mean `name`?" in errors


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name: x\nimplementation:\n  container: {image: a}\n", "KFP v1 component file"),
        ("- 1\n- 2\n", "is not a KFP PipelineSpec"),
        ("a: [unclosed\n", "is not YAML"),
    ],
)
def test_documents_that_are_not_pipeline_specs_are_refused(tmp_path: Path, store: Path, text: str, expected: str):
    path = tmp_path / "input.yaml"
    path.write_text(text)
    errors = _refused([str(path)], store)
    assert "PTF540" in errors and expected in errors


def _edited_ir(tmp_path: Path, edit) -> Path:
    documents = list(yaml.safe_load_all(compile_kfp(needs_a_tool, tmp_path / "tool.yaml").read_text()))
    edit(documents[0])
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return path


def test_dangling_references_are_refused(tmp_path: Path, store: Path):
    def dangle(spec):
        spec["root"]["dag"]["tasks"]["say"]["componentRef"]["name"] = "comp-nope"
        spec["root"]["dag"]["tasks"]["missing-tool"]["dependentTasks"] = ["ghost"]

    errors = _refused([str(_edited_ir(tmp_path, dangle))], store)
    assert "comp-nope" in errors and "`ghost`" in errors


def test_output_names_that_escape_the_store_are_refused(tmp_path: Path, store: Path):
    def escape(spec):
        outputs = spec["components"]["comp-say"]["outputDefinitions"]["parameters"]
        outputs["../../outside"] = outputs.pop("out")

    errors = _refused([str(_edited_ir(tmp_path, escape))], store)
    assert "PTF543" in errors and "outside the store" in errors


@dsl.container_component
def claims_outside(out: dsl.Output[dsl.Dataset]):
    # The step reports, through its executor output file, an artifact URI outside the store.
    script = (
        'import json, sys; json.dump({"artifacts": {"out": {"artifacts": [{"uri": sys.argv[2]}]}}}, '
        'open(sys.argv[1], "w"))'
    )
    return dsl.ContainerSpec(
        image="python:3.11",
        command=["python3", "-c", script, "{{$.outputs.output_file}}", "/tmp/../etc/ptflow-escape", out.path],
    )


@dsl.pipeline(name="escape")
def escape_pipeline():
    claims_outside()


def test_step_reporting_an_artifact_outside_the_store_fails(tmp_path: Path, store: Path):
    ir = compile_kfp(escape_pipeline, tmp_path / "escape.yaml")
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1 and "PTF543" in result.stderr and "must stay inside the store" in result.stderr


@dsl.pipeline(name="quoted")
def quoted(text: str):
    say(text=text)


def test_parameter_values_never_reach_a_shell(tmp_path: Path, store: Path):
    ir = compile_kfp(quoted, tmp_path / "quoted.yaml")
    marker = tmp_path / "pwned"
    text = f'$(touch {marker}); `touch {marker}`; "quoted" & |'
    ptflow("run", str(ir), "--store", str(store), "-p", f"text={text}", check=True)
    assert show(store)["by_task"]["say"]["outputs"]["out"] == text
    assert not marker.exists()


@pytest.mark.skipif(
    shutil.which("docker") is None and shutil.which("podman") is None,
    reason="the no-daemon path needs a docker or podman client without a daemon",
)
def test_containers_without_a_daemon_is_refused(tmp_path: Path, store: Path):
    ir = compile_kfp(quoted, tmp_path / "quoted.yaml")
    errors = _refused([str(ir), "-p", "text=x", "--containers"], store)
    assert "PTF548" in errors and "none answers" in errors


# ----------------------------------------------------------- Kubernetes settings on one machine
def test_kubernetes_only_options_run_with_a_one_line_notice(tmp_path: Path, store: Path):
    """Image pull secrets, ConfigMaps, pod fields and emptyDirs mean nothing outside a cluster: the step still
    runs, and the run says once which settings it ignored."""
    source = tmp_path / "cluster.ptflow"
    source.write_text(
        "component ok() -> (out: str) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "printf fine > \\"$0\\"", out.path]\n'
        "}\n"
        "pipeline cluster() {\n"
        '    first = ok() with { image_pull_secrets: ["regcred"], config_maps: {name: "cfg", mount_path: "/cfg"},\n'
        '                        field_env: {POD: "metadata.name"},\n'
        '                        empty_dirs: {name: "scratch", mount_path: "/scratch"} }\n'
        "}\n"
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stderr
    notices = [line for line in result.stdout.splitlines() if "no effect in a local run" in line]
    assert notices == [
        "warning: Kubernetes settings have no effect in a local run: configMapAsVolume, "
        "emptyDirMounts, fieldPathAsEnv, imagePullSecret (secrets and ConfigMaps come from --secrets and "
        "--config-maps, each a folder or a file; volumes are mounted with --containers)"
    ]
    assert show(store)["by_task"]["first"]["outputs"]["out"] == "fine"


def test_a_command_that_cannot_be_executed_fails_its_step_naming_it(tmp_path: Path, store: Path):
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)  # on disk, but not executable
    source = tmp_path / "ne.ptflow"
    source.write_text(
        f'component run_it() {{\n    image = "alpine:3"\n    command = ["{script}", "an-argument"]\n}}\n\n'
        "pipeline ne() {\n    r = run_it()\n}\n"
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    assert f"error[PTF545]: step `r` runs command `{script}`, which can't be started here (Permission denied)" in (
        result.stderr
    )
    assert show(store)["by_task"]["r"]["status"] == "FAILED"


@dsl.container_component
def claims_inside(out: dsl.Output[dsl.Dataset]):
    # The step writes its artifact elsewhere in the store's artifacts folder and reports that URI.
    script = (
        "import json, os, sys\n"
        "artifacts = os.path.dirname(os.path.dirname(os.path.dirname(sys.argv[2])))\n"
        "kept = os.path.join(artifacts, 'reported-by-the-step.txt')\n"
        "open(kept, 'w').write('kept')\n"
        'json.dump({"artifacts": {"out": {"artifacts": [{"uri": kept}]}}}, open(sys.argv[1], "w"))\n'
    )
    return dsl.ContainerSpec(
        image="python:3.11", command=["python3", "-c", script, "{{$.outputs.output_file}}", out.path]
    )


@dsl.pipeline(name="inside")
def inside_pipeline():
    claims_inside()


def test_step_reporting_an_artifact_elsewhere_in_the_store_keeps_that_uri(tmp_path: Path, store: Path):
    ir = compile_kfp(inside_pipeline, tmp_path / "inside.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    [artifact] = show(store)["by_task"]["claims-inside"]["output_artifacts"]["out"]
    assert artifact["uri"] == str((store / "artifacts" / "reported-by-the-step.txt").resolve())
    assert Path(artifact["uri"]).read_text() == "kept"


# A step that fails, retried after a backoff of two hours, with no max_backoff given.
LONG_BACKOFF = """\
component fails() {
    image = "alpine:3"
    command = ["sh", "-c", "exit 1"]
}
pipeline p() {
    f = fails() with { retry: {max: 1, backoff: "2h"} }
}
"""


def test_a_backoff_is_capped_at_an_hour_by_default_and_an_interrupted_run_does_not_wait_it_out(
    tmp_path: Path, store: Path
):
    """IR whose retryPolicy leaves backoffMaxDuration out (ptflow and kfp write it; it is optional) gets KFP's
    default of one hour: the run says it retries in 3600s.  SIGTERM then ends the run at once, the step
    recorded as interrupted rather than failed."""
    ir, (document,) = compile_ptflow(LONG_BACKOFF, tmp_path, "long")
    del document["root"]["dag"]["tasks"]["f"]["retryPolicy"]["backoffMaxDuration"]
    write_ir(ir, [document])
    runner = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert runner.stdout is not None
        for line in runner.stdout:  # the retry line is printed before the wait starts
            if line.lstrip().startswith("retry"):
                break
        runner.send_signal(signal.SIGTERM)
        _, errors = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert line.strip() == "retry   f: exited with code 1; attempt 2 in 3600s"
    assert runner.returncode == 128 + signal.SIGTERM and "interrupted by SIGTERM" in errors
    step = show(store)["by_task"]["f"]
    assert (step["status"], step["attempts"]) == ("INTERRUPTED", 1)
