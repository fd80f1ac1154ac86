"""End to end: kfp-compiled container-component IR run with the real `ptflow run`, then read back."""

import json
import os
from pathlib import Path

import pytest
from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, run_id_of, show

UPPER = """
import sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.upper())
open(sys.argv[3], "w").write(str(len(text)))
"""


@dsl.container_component
def write_text(text: str, out: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, out.path])


@dsl.container_component
def upper(data: dsl.Input[dsl.Dataset], out: dsl.Output[dsl.Dataset], length: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image="python:3.11-slim", command=["python3", "-c", UPPER, data.path, out.path, length])


@dsl.container_component
def report(n: int, ratio: float, flag: bool, tags: list, conf: dict, out: dsl.OutputPath(str)):
    # Every parameter type, printed as the KFP launcher renders it on a cluster.
    return dsl.ContainerSpec(
        image="alpine:3",
        command=[
            "sh",
            "-c",
            'printf "%s|%s|%s|%s|%s" "$0" "$1" "$2" "$3" "$4" > "$5"',
            n,
            ratio,
            flag,
            tags,
            conf,
            out,
        ],
    )


@dsl.pipeline(name="shell-and-python")
def shell_and_python(text: str = "hello", n: int = 3):
    written = write_text(text=text)
    shouted = upper(data=written.outputs["out"])
    report(n=shouted.outputs["length"], ratio=0.5, flag=True, tags=["a", 1], conf={"k": 2.5, "a": "b"})


def test_kfp_compiled_ir_runs_end_to_end(tmp_path: Path, store: Path):
    ir = compile_kfp(shell_and_python, tmp_path / "pipeline.yaml")
    result = ptflow("run", str(ir), "--store", str(store), "-p", "text=hi there")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "image `alpine:3` is not used" in result.stdout  # the one-line warning, once per image
    assert result.stdout.count("image `alpine:3` is not used") == 1

    run = show(store)
    assert run["status"] == "SUCCEEDED"
    assert run["parameters"] == {"text": "hi there", "n": 3.0}
    steps = run["by_task"]
    assert set(steps) == {"write-text", "upper", "report"}
    shouted = steps["upper"]
    assert shouted["outputs"] == {"length": 8.0}
    out = shouted["output_artifacts"]["out"][0]
    assert Path(out["uri"]).read_text() == "HI THERE"
    assert Path(out["uri"]).is_relative_to(store.resolve() / "artifacts")
    # The launcher's text for each type: integer without ".0", JSON lists and dicts with sorted keys.
    assert steps["report"]["outputs"]["out"] == '8|0.5|true|["a",1]|{"a":"b","k":2.5}'


def test_runs_show_and_lineage_read_the_store(tmp_path: Path, store: Path):
    ir = compile_kfp(shell_and_python, tmp_path / "pipeline.yaml")
    run_id = run_id_of(ptflow("run", str(ir), "--store", str(store), check=True).stdout)

    listing = ptflow("runs", "--store", str(store), check=True).stdout
    assert run_id in listing and "succeeded" in listing and "3 succeeded" in listing

    text = ptflow("show", run_id[:12], "--store", str(store), check=True).stdout
    assert "write-text" in text and "length=5" in text

    run = show(store, run_id)
    shouted = run["by_task"]["upper"]["output_artifacts"]["out"][0]
    lineage = json.loads(ptflow("lineage", str(shouted["id"]), "--store", str(store), "--json", check=True).stdout)
    producer = lineage["producers"][0]
    assert producer["task"] == "upper" and producer["status"] == "SUCCEEDED"
    # ... from which input: the artifact write-text made.
    written = run["by_task"]["write-text"]["output_artifacts"]["out"][0]
    assert producer["input_artifacts"]["data"][0]["id"] == written["id"]
    assert lineage["consumers"] == []
    # The written artifact, found by RUN/STEP/OUTPUT, was consumed by `upper` as `data`.
    lineage = json.loads(
        ptflow("lineage", f"{run_id}/write-text/out", "--store", str(store), "--json", check=True).stdout
    )
    assert [(c["task"], c["input_name"]) for c in lineage["consumers"]] == [("upper", "data")]
    text = ptflow("lineage", shouted["uri"], "--store", str(store), check=True).stdout
    assert "produced by" in text and "upper" in text and f"#{written['id']}" in text


def test_show_of_unknown_run_and_artifact(store: Path, tmp_path: Path):
    ir = compile_kfp(shell_and_python, tmp_path / "pipeline.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    missing = ptflow("show", "nope", "--store", str(store))
    assert missing.returncode == 1 and "PTF911" in missing.stderr
    missing = ptflow("lineage", "999999", "--store", str(store))
    assert missing.returncode == 1 and "PTF912" in missing.stderr
    no_store = ptflow("runs", "--store", str(tmp_path / "elsewhere"))
    assert no_store.returncode == 1 and "no run store" in no_store.stderr


def test_live_progress_on_a_terminal_and_plain_lines_otherwise(tmp_path: Path, store: Path):
    import os
    import pty
    import subprocess
    import sys

    pytest.importorskip("rich")  # the live display's one dependency (the `runtime` extra)
    ir = compile_kfp(shell_and_python, tmp_path / "pipeline.yaml")
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "run", str(ir), "--store", str(store)],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        close_fds=True,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", errors="replace")
    assert "\x1b[" in screen  # rich drew on the terminal
    assert "✓" in screen and "upper" in screen and "succeeded" in screen

    plain = ptflow("run", str(ir), "--store", str(store), "--no-cache", check=True).stdout
    assert "\x1b[" not in plain and "  done    upper" in plain


@dsl.container_component
def evaluate(metrics: dsl.Output[dsl.Metrics], score: dsl.OutputPath(float)):
    # Reports through the executor output file, as kfp's and ptflow's Python executors do:
    # a parameter value (taking precedence over the output file) and the metrics' metadata.
    script = (
        "import json, sys\n"
        "executor_input = json.loads(sys.argv[1])\n"
        "json.dump({'parameterValues': {'score': 0.75},\n"
        "           'artifacts': {'metrics': {'artifacts': [{'metadata': {'accuracy': 0.9, 'f1': 0.8}}]}}},\n"
        "          open(executor_input['outputs']['outputFile'], 'w'))\n"
    )
    return dsl.ContainerSpec(image="python:3.11", command=["python3", "-c", script, "{{$}}"])


@dsl.pipeline(name="metrics")
def metrics_pipeline():
    evaluate()


def test_executor_output_sets_parameters_and_metrics_metadata(tmp_path: Path, store: Path):
    ir = compile_kfp(metrics_pipeline, tmp_path / "metrics.yaml")
    ptflow("run", str(ir), "--store", str(store), check=True)
    step = show(store)["by_task"]["evaluate"]
    assert step["outputs"] == {"score": 0.75}
    assert step["output_artifacts"]["metrics"][0]["metadata"] == {"accuracy": 0.9, "f1": 0.8}
    text = ptflow("show", "latest", "--store", str(store), check=True).stdout
    assert "metrics\n  evaluate metrics: accuracy=0.9, f1=0.8" in text


def test_ptflow_runtime_steps_run_in_this_python(tmp_path: Path, store: Path):
    """A standard-library step (`python -m ptflow.runtime torch.prepare_images`) run from a .ptflow file."""
    pytest.importorskip("sklearn")  # the step's offline data set
    source = tmp_path / "prepare.ptflow"
    source.write_text(
        "import stdlib.torch as torch\npipeline prepare() {\n    data = torch.prepare_images(max_samples: 100)\n}\n"
    )
    result = ptflow("run", str(source), "--store", str(store), check=True)
    assert "is not used" not in result.stdout  # runtime steps need no image warning: they run here
    step = show(store)["by_task"]["data"]
    assert step["status"] == "SUCCEEDED"
    dataset = Path(step["output_artifacts"]["data"][0]["uri"])
    assert (dataset / "dataset.json").exists()


def test_a_prefix_of_several_run_ids_is_ambiguous_not_missing(store: Path, tmp_path: Path):
    ir = compile_kfp(shell_and_python, tmp_path / "pipeline.yaml")
    first = run_id_of(ptflow("run", str(ir), "--store", str(store), check=True).stdout)
    second = run_id_of(ptflow("run", str(ir), "--store", str(store), check=True).stdout)
    shared = os.path.commonprefix([first, second])
    for reference in ([shared] if shared else []) + [""]:
        result = ptflow("show", reference, "--store", str(store))
        assert result.returncode == 1
        assert f"`{reference}` is the start of 2 run ids" in result.stderr
        assert first in result.stderr and second in result.stderr
    # one more character of either id picks it
    assert show(store, first[: len(shared) + 1])["id"] == first


def test_each_step_leads_a_session_of_its_own(tmp_path: Path, store: Path):
    """A Ctrl-C at the terminal goes to the foreground process group: the runner's, never a step's.  The runner
    then stops each step by its own group (tests/runner/test_interruption.py), child processes included."""
    source = tmp_path / "ids.ptflow"
    source.write_text(
        "component ids(to: str) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "echo $$ $(cut -d \' \' -f 5,6 /proc/$$/stat) > \\"$0\\"", to]\n'
        "}\n"
        "pipeline p(to: str) {\n"
        "    i = ids(to: to)\n"
        "}\n"
    )
    written = tmp_path / "ids.txt"
    ptflow("run", str(source), "--store", str(store), "-p", f"to={written}", check=True)
    pid, group, session = written.read_text().split()
    assert group == session == pid  # the step's shell leads its process group and its session
    assert int(session) != os.getsid(0)
