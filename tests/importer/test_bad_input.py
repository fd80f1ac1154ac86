"""What `ptflow import` says about input it can't import: real files, the real CLI.

Each case must exit 1 with a PTF code and the path of the problem, and never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

YAML_BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]
"""

ARGO_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [echo, hi]}
"""

NOT_KFP = """\
name: my-service
replicas: 3
ports: [80, 443]
"""

GOOD_IR_HEAD = """\
components:
  comp-say:
    executorLabel: exec-say
    inputDefinitions:
      parameters:
        msg:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-say:
      container:
        image: alpine
        command: [echo, "{{$.inputs.parameters['msg']}}"]
pipelineInfo:
  name: hello
root:
  dag:
    tasks:
      say:
        componentRef: {name: comp-say}
        inputs:
          parameters:
            msg:
              runtimeValue:
                constant: hi
"""

CASES = {
    # name: (file text, what the message must contain)
    "not_kfp": (NOT_KFP, ["PTF920", "pipelineInfo"]),
    "truncated": (
        GOOD_IR_HEAD[: GOOD_IR_HEAD.index("        command")] + '        command: [echo, "{{$.in',
        ["PTF920", "line "],
    ),
    "yaml_bomb": (YAML_BOMB, ["PTF920", "line 1, column 4", "aliases are not accepted"]),
    "argo_workflow": (ARGO_WORKFLOW, ["PTF920", "pipeline_spec", "an Argo Workflow that kfp 1.x did not write"]),
    "duplicate_key": (GOOD_IR_HEAD + "pipelineInfo:\n  name: again\n", ["PTF920", "line "]),
    "unknown_task_field": (GOOD_IR_HEAD + "        sparkleFactor: 3\n", ["PTF921", "root.dag.tasks.say.sparkleFactor"]),
    "unknown_top_field": (GOOD_IR_HEAD + "futureField: {}\n", ["PTF921", "futureField"]),
    "unknown_output_kind": (
        GOOD_IR_HEAD.replace(
            "root:\n  dag:\n",
            "root:\n  dag:\n    outputs:\n      parameters:\n        x:\n          valueFromOneOf: {}\n",
        )
        + "  outputDefinitions:\n    parameters:\n      x: {parameterType: STRING}\n",
        ["PTF921", "root.dag.outputs.parameters.x", "valueFromOneOf"],
    ),
    # dsl.OneOf chooses among the arms of an if chain (`condition-branches-N`); anywhere else there's no `oneof`.
    "one_of_outside_an_if_chain": (
        GOOD_IR_HEAD.replace(
            "root:\n  dag:\n",
            "root:\n  dag:\n    outputs:\n      parameters:\n        x:\n          valueFromOneof:\n"
            "            parameterSelectors:\n"
            "            - {outputParameterKey: Output, producerSubtask: say}\n"
            "            - {outputParameterKey: Output, producerSubtask: say}\n",
        )
        + "  outputDefinitions:\n    parameters:\n      x: {parameterType: STRING}\n",
        ["PTF921", "root.dag.outputs.parameters.x", "outside an if chain"],
    ),
    # A task run "after everything" with a final status must follow an exit handler (`try { } finally { }`).
    "exit_task_without_exit_handler": (
        GOOD_IR_HEAD.replace(
            "              runtimeValue:\n                constant: hi\n",
            "              taskFinalStatus: {producerTask: nothing}\n"
            "        triggerPolicy: {strategy: ALL_UPSTREAM_TASKS_COMPLETED}\n",
        ),
        ["PTF921", "root.dag.tasks.say.triggerPolicy", "exit handler"],
    ),
    "empty": ("", ["PTF920", "empty"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_clear_error(case: str, tmp_path: Path):
    text, expected = CASES[case]
    source = tmp_path / f"{case}.yaml"
    source.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "ptflow", "import", str(source)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    for fragment in expected:
        assert fragment in done.stderr
    assert str(source) in done.stderr


def test_the_good_head_imports(tmp_path: Path):
    """The cases above break a file that imports: this is that file, imported."""
    source = tmp_path / "hello.yaml"
    source.write_text(GOOD_IR_HEAD)
    done = subprocess.run(
        [sys.executable, "-m", "ptflow", "import", str(source)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert 'say = say(msg: "hi")' in done.stdout
    assert 'command = ["echo", msg]' in done.stdout


def test_a_missing_file_is_an_error(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "ptflow", "import", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1 and "PTF901" in done.stderr and "Traceback" not in done.stderr
