"""`ptflow validate`, `ptflow run FILE.yaml` and component imports refuse hostile YAML with one short error.

Each document here is small on disk but was costly to read before: an alias
bomb (81 s and 3.6 GB for 2.7 KB), 16,000 unknown keys (quadratic span
lookups), an integer too long for Python, nesting past the validators'
recursion.  Each is refused (or reported) with a short message at its line, by
a real `ptflow` subprocess whose peak memory is measured with getrusage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PTFLOW = Path(sys.executable).with_name("ptflow")
MEMORY_LIMIT_KB = 100 * 1024

# Runs a command and prints its exit code, stdout and peak memory (KB) as JSON.
_MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
print(json.dumps({"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def measured(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(PTFLOW), *args], capture_output=True, text=True, timeout=180, check=True
    )
    return json.loads(out.stdout)


HEADER = "pipelineInfo: {name: p}\nschemaVersion: 2.1.0\nsdkVersion: kfp-2.7.0\ndeploymentSpec: {executors: {}}\n"


def alias_bomb(depth: int) -> str:
    """An IR whose default value would expand to 10**depth strings: each anchor holds ten of the previous."""
    anchors = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    anchors += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, depth + 1)]
    return HEADER + (
        "root:\n  dag: {tasks: {}}\n  inputDefinitions:\n    parameters:\n"
        "      x: {parameterType: STRING, defaultValue: {" + ", ".join(anchors) + "}}\n"
    )


HOSTILE = {
    # name: (text, code, the message's start, line)
    "alias bomb": (
        alias_bomb(9),
        "PTF535",
        "not valid YAML: the anchor `&a0`: anchors and aliases are not accepted",
        9,
    ),
    "duplicate key": (
        HEADER + "root: {dag: {tasks: {}}}\nschemaVersion: 2.1.0\n",
        "PTF535",
        "not valid YAML: duplicate key `schemaVersion` (first given on line 2)",
        6,
    ),
    "integer of 5,000 digits": (
        HEADER + "root: {dag: {tasks: {}}}\nextra: " + "9" * 5000 + "\n",
        "PTF535",
        "not valid YAML: this integer has 5,000 digits",
        6,
    ),
    "nesting 500 deep": (
        HEADER + "root: {dag: {tasks: {}}}\nextra: " + "[" * 500 + "]" * 500 + "\n",
        "PTF535",
        "not valid YAML: lists and mappings nest more than 100 levels deep",
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_validate_refuses_hostile_yaml_at_its_line_in_little_memory(tmp_path, name):
    text, code, message, line = HOSTILE[name]
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    result = measured("validate", str(path), "--format", "json")
    assert result["code"] == 1, result["stderr"]
    [problem] = json.loads(result["stdout"])
    assert (problem["code"], problem["line"]) == (code, line)
    assert problem["message"].startswith(message) and len(problem["message"]) < 300
    assert result["peak_kb"] < MEMORY_LIMIT_KB


def test_run_refuses_an_alias_bomb_before_running_anything(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(9))
    result = measured("run", str(path), "--store", str(tmp_path / "store"))
    assert result["code"] != 0
    assert "PTF540" in result["stderr"] and "anchors and aliases are not accepted" in result["stderr"]
    assert len(result["stderr"]) < 2000 and result["peak_kb"] < MEMORY_LIMIT_KB


def test_sixteen_thousand_unknown_keys_are_each_reported_at_their_line(tmp_path):
    path = tmp_path / "keys.yaml"
    path.write_text(HEADER + "root: {dag: {tasks: {}}}\n" + "".join(f"unknown{i}: 1\n" for i in range(16_000)))
    result = measured("validate", str(path), "--format", "json")
    problems = [p for p in json.loads(result["stdout"]) if p["code"] == "PTF510"]
    assert len(problems) == 16_000
    assert all(p["line"] == 6 + int(p["message"].split(":")[0][len("unknown") :]) for p in problems)
    assert result["peak_kb"] < MEMORY_LIMIT_KB


def test_a_huge_value_is_echoed_short(tmp_path):
    path = tmp_path / "huge.yaml"
    huge = "[" + ", ".join(["1"] * 200_000) + "]"  # a 600 KB default on one line, for a STRING parameter
    path.write_text(
        HEADER + "root:\n  dag: {tasks: {}}\n  inputDefinitions:\n    parameters:\n"
        f"      x: {{parameterType: STRING, defaultValue: {huge}}}\n"
    )
    result = measured("validate", str(path))
    assert result["code"] == 1
    assert "PTF529" in result["stderr"] and "is not a STRING" in result["stderr"]
    assert len(result["stderr"]) < 2000  # the message and the excerpt of the 600 KB line are cut


def test_a_component_import_refuses_an_alias_bomb(tmp_path):
    (tmp_path / "bomb.yaml").write_text(alias_bomb(9))
    (tmp_path / "main.ptflow").write_text('import "bomb.yaml" as bomb\npipeline p() {}\n')
    result = measured("check", str(tmp_path / "main.ptflow"), "--format", "json")
    [problem] = json.loads(result["stdout"])
    assert problem["code"] == "PTF209" and problem["line"] == 1
    assert (
        "not valid YAML at line 9" in problem["message"]
        and "anchors and aliases are not accepted" in problem["message"]
    )
    assert result["peak_kb"] < MEMORY_LIMIT_KB
