"""Engine rules that only mutation testing showed untested (tools/mutation.py), each run by the real `ptflow run`."""

import json
import subprocess
import sys
from pathlib import Path

import yaml
from kfp import dsl

from tests.runner.helpers import compile_kfp, compile_ptflow, ptflow, show, write_ir

# A loop whose first item fails; `parallel 1` runs the items one after another, so the others come after it.
LOOP_WITH_A_FAILURE = """\
component attempt(item: int, folder: str) {
    image = "alpine:3"
    command = ["sh", "-c", "touch \\"$1/ran.$0\\"; exit \\"$0\\"", item, folder]
}
pipeline loop(folder: str) {
    for item in [3, 0, 0] parallel 1 {
        a = attempt(item: item, folder: folder)
    }
}
"""


def test_a_loop_starts_no_further_item_once_one_failed(tmp_path: Path, store: Path):
    """As a DAG starts no new task after a failure, a loop starts no new iteration after a failed one."""
    source = tmp_path / "loop.ptflow"
    source.write_text(LOOP_WITH_A_FAILURE)
    folder = tmp_path / "marks"
    folder.mkdir()
    result = ptflow("run", str(source), "--store", str(store), "-p", f"folder={folder}")
    assert result.returncode == 1
    assert sorted(mark.name for mark in folder.iterdir()) == ["ran.3"]  # the two items after it never started
    run = show(store)
    assert run["status"] == "FAILED"
    iterations = [(step["task"].split("/")[-2][-3:], step["status"]) for step in run["steps"] if "[" in step["task"]]
    assert iterations == [("[0]", "FAILED")]  # the loop's group is named by the compiler: only its index counts


@dsl.container_component
def repeat(text: str, times: int, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(
        image="alpine:3",
        command=["sh", "-c", 'for _ in $(seq "$1"); do printf "%s" "$0"; done > "$2"', text, times, out],
    )


@dsl.pipeline(name="legacy-constants")
def legacy_constants():
    repeat(text="ab", times=3)


def test_constants_in_the_ir_of_kfp_1x_era_compilers_are_read(tmp_path: Path, store: Path):
    """kfp 1.8's v2-compatible IR writes a constant as `constantValue: {stringValue: ...}` / `{intValue: ...}`
    (an int64 as a JSON string) where kfp 2 writes `constant`: `ptflow run` reads both."""
    ir = compile_kfp(legacy_constants, tmp_path / "legacy.yaml")
    document = yaml.safe_load(ir.read_text())
    inputs = document["root"]["dag"]["tasks"]["repeat"]["inputs"]["parameters"]
    assert inputs == {"text": {"runtimeValue": {"constant": "ab"}}, "times": {"runtimeValue": {"constant": 3}}}
    inputs["text"] = {"runtimeValue": {"constantValue": {"stringValue": "ab"}}}
    inputs["times"] = {"runtimeValue": {"constantValue": {"intValue": "3"}}}
    ir.write_text(yaml.safe_dump(document))
    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["repeat"]["outputs"] == {"out": "ababab"}


# A ConfigMap's name from a step that fails; the step using it runs anyway (ignore_upstream_failure).
CONFIG_MAP_NAME_WITHOUT_VALUE = """\
component pick(code: int) -> (name: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf settings > \\"$1\\"; exit \\"$0\\"", code, name.path]
}
component level() -> (level: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$LOG_LEVEL\\" > \\"$0\\"", level.path]
}
pipeline objects(code: int = 3) {
    p = pick(code: code)
    t = level() with { config_maps: {name: p.name, env: {LOG_LEVEL: "level"}}, ignore_upstream_failure: true }
}
"""


def test_a_config_map_named_by_a_failed_step_fails_the_step_that_uses_it_saying_why(tmp_path: Path, store: Path):
    config_maps = tmp_path / "config-maps"
    (config_maps / "settings").mkdir(parents=True)
    (config_maps / "settings" / "level").write_text("debug")
    source = tmp_path / "objects.ptflow"
    source.write_text(CONFIG_MAP_NAME_WITHOUT_VALUE)
    result = ptflow("run", str(source), "--store", str(store), "--config-maps", str(config_maps))
    assert result.returncode == 1
    step = show(store)["by_task"]["t"]
    assert step["status"] == "FAILED"
    assert step["error"] == "`t`: the name of a secret or ConfigMap it uses has no value"


# A pipeline output of one artifact, and one gathered from a loop's two iterations.
ARTIFACT_OUTPUTS = """\
component write(text: str) -> (data: Dataset) {
    image = "alpine:3"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", text, data.path]
}
pipeline made() -> (one: Dataset, many: list[Dataset]) {
    w = write(text: "one")
    for text in ["a", "b"] {
        m = write(text: text)
    }
    return (one: w.data, many: m.data)
}
"""


def test_a_runs_artifact_output_is_its_file_and_a_gathered_one_the_list_of_them(tmp_path: Path, store: Path):
    source = tmp_path / "made.ptflow"
    source.write_text(ARTIFACT_OUTPUTS)
    ptflow("run", str(source), "--store", str(store), check=True)
    outputs = show(store)["outputs"]
    assert Path(outputs["one"]).read_text() == "one"
    assert sorted(Path(path).read_text() for path in outputs["many"]) == ["a", "b"]


def test_run_file_with_its_default_options_runs_the_steps_here_without_containers(tmp_path: Path, store: Path):
    """`run_file` is the runner's Python entry point (what `ptflow run` calls): left to its defaults, it runs
    a step's command on this machine, as `ptflow run` without --containers does (no Docker here)."""
    source = tmp_path / "made.ptflow"
    source.write_text(ARTIFACT_OUTPUTS)
    script = (
        "import io\n"
        "from ptflow.runtime.runner.execute import run_file\n"
        f"outcome = run_file({str(source)!r}, store_dir={str(store)!r}, stream=io.StringIO())\n"
        "print(outcome.result.status if outcome.result else [d.message for d in outcome.diagnostics])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "SUCCEEDED", result.stdout + result.stderr
    assert Path(show(store)["outputs"]["one"]).read_text() == "one"


# Two independent steps; each marks itself running, waits up to a second for the other's mark, and says
# whether it saw it.  One at a time, neither sees the other (the first removes its mark before it ends).
MEET = (
    'touch "$0/running.$1"; i=0; '
    'while [ ! -e "$0/running.$2" ] && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done; '
    'if [ -e "$0/running.$2" ]; then printf met; else printf alone; fi > "$3"; '
    'rm "$0/running.$1"'
)
PAIR = f"""\
component meet(folder: str, me: str, other: str) -> (saw: str) {{
    image = "alpine:3"
    command = ["sh", "-c", {json.dumps(MEET)}, folder, me, other, saw.path]
}}
pipeline pair(folder: str) {{
    a = meet(folder: folder, me: "a", other: "b")
    b = meet(folder: folder, me: "b", other: "a")
}}
"""


def test_on_one_cpu_the_default_runs_one_step_at_a_time(tmp_path: Path, store: Path):
    """The default --parallelism is the CPU count (test_control_flow.py checks two at once on two CPUs).
    Stand-in for a one-CPU machine: `ptflow run` in a Python whose os.cpu_count() says 1."""
    source = tmp_path / "pair.ptflow"
    source.write_text(PAIR)
    folder = tmp_path / "marks"
    folder.mkdir()
    one_cpu = "import os, sys; os.cpu_count = lambda: 1\nfrom ptflow.cli import main\nsys.exit(main())"
    command = [sys.executable, "-c", one_cpu, "run", str(source), "--store", str(store), "-p", f"folder={folder}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    steps = show(store)["by_task"]
    assert [steps[name]["outputs"]["saw"] for name in ("a", "b")] == ["alone", "alone"]


# `slow` waits (a generous deadline only guards against a hang) until `after_quick` has started, which can
# only start once `quick` has ended: the DAG must start a step as soon as its upstream ends, while an
# unrelated step still runs.
WAIT_FOR = (
    'i=0; while [ ! -e "$0/started" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; '
    'if [ -e "$0/started" ]; then printf met; else printf alone; fi > "$1"'
)
FOLLOW_UP = f"""\
component quick() -> (done: str) {{
    image = "alpine:3"
    command = ["sh", "-c", {json.dumps('printf yes > "$0"')}, done.path]
}}
component mark(folder: str, after: str) {{
    image = "alpine:3"
    command = ["sh", "-c", {json.dumps('touch "$0/started"')}, folder, after]
}}
component wait_for(folder: str) -> (saw: str) {{
    image = "alpine:3"
    command = ["sh", "-c", {json.dumps(WAIT_FOR)}, folder, saw.path]
}}
pipeline follow_up(folder: str) {{
    q = quick()
    s = wait_for(folder: folder)
    m = mark(folder: folder, after: q.done)
}}
"""


def test_a_step_starts_once_its_upstream_ends_while_another_step_still_runs(tmp_path: Path, store: Path):
    source = tmp_path / "follow_up.ptflow"
    source.write_text(FOLLOW_UP)
    folder = tmp_path / "marks"
    folder.mkdir()
    ptflow("run", str(source), "--store", str(store), "-p", f"folder={folder}", "--parallelism", "3", check=True)
    assert show(store)["by_task"]["s"]["outputs"] == {"saw": "met"}


LOOP_OVER_TEXT = """\
component echo_item(item: int) {
    image = "alpine:3"
    command = ["echo", item]
}
pipeline loop(items: list[int]) {
    for item in items {
        e = echo_item(item: item)
    }
}
"""


def _ir_looping_over_text(folder: Path) -> Path:
    """LOOP_OVER_TEXT's IR with its items typed STRING, as kfp types a loop over a `str` input."""
    ir, (document,) = compile_ptflow(LOOP_OVER_TEXT, folder, "loop")
    document["root"]["inputDefinitions"]["parameters"]["items"]["parameterType"] = "STRING"
    loop_inputs = document["components"]["comp-for-loop-1"]["inputDefinitions"]["parameters"]
    loop_inputs["pipelinechannel--items"]["parameterType"] = "STRING"
    return write_ir(ir, [document])


def test_a_loop_over_text_that_is_no_json_list_fails_saying_so(tmp_path: Path, store: Path):
    """IR may loop over a STRING parameter holding a JSON list (kfp compiles `dsl.ParallelFor` over a str
    input so); text that is no JSON fails the loop with its value, not a traceback."""
    ir = _ir_looping_over_text(tmp_path)

    listed = ptflow("run", str(ir), "--store", str(store), "-p", "items=[4, 5]")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert sorted(s["inputs"]["item"] for s in show(store)["steps"] if s["task"].endswith("/e")) == [4, 5]

    result = ptflow("run", str(ir), "--store", str(store), "-p", "items=four, five")
    assert result.returncode == 1, result.stdout + result.stderr
    message = "loop `for-loop-1`: its items, input `pipelinechannel--items`, are not a JSON list: 'four, five'"
    assert f"error[PTF550]: {message}" in result.stderr
    assert show(store)["error"] == message


def test_a_secret_named_by_a_source_this_runner_does_not_know_fails_its_step_saying_which(tmp_path: Path, store: Path):
    """kfp-kubernetes names a secret through an InputParameterSpec; `parameterExpressionSelector` is one the IR
    may hold and this runner does not resolve: the step fails naming the kind of source, not a traceback."""
    ir, (pipeline, platform) = compile_ptflow(
        'component uses() {\n    image = "alpine:3"\n    command = ["true"]\n}\n'
        'pipeline p(secret: str = "minio") {\n    u = uses() with { secrets: {name: secret, env: {TOKEN: "k"}} }\n}\n',
        tmp_path,
        "secret",
    )
    (binding,) = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-u"]["secretAsEnv"]
    binding["secretNameParameter"] = {"parameterExpressionSelector": "parseJson(string_value)['name']"}
    write_ir(ir, [pipeline, platform])
    secrets = tmp_path / "secrets" / "minio"
    secrets.mkdir(parents=True)
    (secrets / "k").write_text("value")
    result = ptflow("run", str(ir), "--store", str(store), "--secrets", str(secrets.parent))
    assert result.returncode == 1, result.stdout + result.stderr
    message = "`u`: an input has a source this runner does not know: `parameterExpressionSelector`"
    assert f"error[PTF550]: {message}" in result.stderr
    assert show(store)["by_task"]["u"]["error"] == message


RUNTIME_ONLY = """\
component steps_here() {
    image = "ghcr.io/ptflow/runtime:1"
    command = ["python", "-m", "ptflow.runtime", "--help"]
}
pipeline p() {
    s = steps_here()
}
"""


def test_with_containers_a_pipeline_of_runtime_steps_only_runs_here_without_a_container_engine(
    tmp_path: Path, store: Path
):
    """The standard library's steps (`python -m ptflow.runtime ...`) run in this Python with or without
    --containers: a pipeline of nothing else needs no Docker (none answers here), where one command that
    is not a runtime step would (test_failures.py's no-daemon test)."""
    source = tmp_path / "runtime.ptflow"
    source.write_text(RUNTIME_ONLY)
    result = ptflow("run", str(source), "--store", str(store), "--containers", env={"PATH": "/nowhere"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PTF548" not in result.stderr
    assert show(store)["by_task"]["s"]["status"] == "SUCCEEDED"


def test_a_loop_over_long_text_that_is_no_json_list_shows_its_first_60_characters(tmp_path: Path, store: Path):
    ir = _ir_looping_over_text(tmp_path)
    text = "x" * 59 + "yz"  # 61 characters: the last is left out
    result = ptflow("run", str(ir), "--store", str(store), "-p", f"items={text}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert show(store)["error"].endswith(f"are not a JSON list: {text[:60]!r}")


PARTLY_FAILED_LOOP = """\
component attempt(item: int) -> (out: int) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"; exit \\"$0\\"", item, out.path]
}
component consume(xs: list[int]?) -> (seen: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", if_present(xs, xs, "none"), seen.path]
}
pipeline p() {
    for item in [0, 3] {
        a = attempt(item: item)
    }
    c = consume(xs: a.out) with { ignore_upstream_failure: true }
}
"""


def test_a_failed_loops_gathered_output_has_no_value_not_the_items_that_succeeded(tmp_path: Path, store: Path):
    """As on KFP, what a failed task (here a loop, one item of which failed) outputs reaches no one: a step
    that runs anyway sees its input absent, not a list of the items that happened to succeed."""
    source = tmp_path / "partly.ptflow"
    source.write_text(PARTLY_FAILED_LOOP)
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1
    steps = show(store)["by_task"]
    assert (steps["for-loop-2[0]/a"]["outputs"], steps["for-loop-2[1]/a"]["status"]) == ({"out": 0}, "FAILED")
    assert steps["c"]["outputs"] == {"seen": "none"}
