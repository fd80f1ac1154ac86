"""The `ptflow` command as a user runs it: real subprocesses, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "examples" / "hello" / "hello.ptflow"


def ptflow(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ptflow", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_check_a_clean_file_exits_0():
    result = ptflow("check", HELLO)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "no problems"


def test_check_prints_compiler_style_diagnostics_and_exits_1(tmp_path):
    bad = tmp_path / "bad.ptflow"
    bad.write_text('component c(x: int) { image = "a" command = ["c", x] }\npipeline p() {\n    s = c(y: 1)\n}\n')
    result = ptflow("check", bad)
    assert result.returncode == 1
    assert f"error[PTF203]: `c` has no input `y`\n  --> {bad}:3:11\n" in result.stderr
    assert "3 |     s = c(y: 1)\n  |           ^\n" in result.stderr
    assert "   = help: its inputs are `x`" in result.stderr
    assert result.stderr.rstrip().endswith("2 errors")


def test_check_json_has_one_object_per_diagnostic(tmp_path):
    bad = tmp_path / "bad.ptflow"
    bad.write_text("pipeline p() { s = nothing() }\n")
    result = ptflow("check", "--format", "json", bad)
    assert result.returncode == 1
    (diagnostic,) = json.loads(result.stdout)
    assert diagnostic["code"] == "PTF201" and diagnostic["line"] == 1 and diagnostic["column"] == 20
    assert diagnostic["severity"] == "error" and diagnostic["file"] == str(bad)


def test_usage_errors_exit_2(tmp_path):
    assert ptflow("check").returncode == 2
    assert ptflow("compile", HELLO, "--target", "kfp-v9").returncode == 2
    assert ptflow("compile", HELLO, "-p", "novalue").returncode == 2
    assert ptflow("explain", "PTF999").returncode == 2


def test_a_missing_file_is_reported_not_raised(tmp_path):
    result = ptflow("check", tmp_path / "nope.ptflow")
    assert result.returncode == 1 and "PTF901" in result.stderr and "Traceback" not in result.stderr


def test_compile_writes_ir_and_says_where(tmp_path):
    out = tmp_path / "out" / "hello.yaml"
    result = ptflow("compile", HELLO, "-o", out, "-p", "name=ptflow")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"compiled pipeline `hello` for kfp-v2: {out}"
    spec = yaml.safe_load(out.read_text())
    assert spec["pipelineInfo"]["name"] == "hello"
    assert spec["root"]["inputDefinitions"]["parameters"]["name"]["defaultValue"] == "ptflow"
    assert set(spec["root"]["dag"]["tasks"]) == {"greeting", "count"}


def test_compile_refuses_a_bad_parameter_value():
    result = ptflow("compile", REPO / "examples/control_flow/control_flow.ptflow", "-o", "-", "-p", "threshold=big")
    assert result.returncode == 1
    assert "PTF902" in result.stderr and "`-p threshold=big`: not a valid `int`" in result.stderr


def test_explain_prints_the_explanation():
    result = ptflow("explain", "PTF309")
    assert result.returncode == 0
    assert result.stdout.startswith("PTF309: invalid resource or option value (error)")
    assert "8GB" in result.stdout


def test_every_listed_command_is_installed():
    """Every command the CLI lists has its module (the CLI imports each one to build its parser)."""
    import importlib

    from ptflow.cli import COMMANDS, command_module

    for name in COMMANDS:
        module = importlib.import_module(f"ptflow.commands.{command_module(name)}")
        assert callable(module.register)


def buffered_ptflow(*args):
    """`ptflow` with stdout block-buffered, as when a user pipes it (PYTHONUNBUFFERED, if set here, would hide a
    missing flush)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "ptflow", *map(str, args)], capture_output=True, text=True, env=env)


def test_compile_to_a_pipe_writes_every_byte(tmp_path):
    """`compile`, `check` and `validate` end their process without Python's clean-up (`cli.exit_at_once`):
    output still in stdout's buffer when they return must reach the reader whole, and the exit code stay."""
    source = tmp_path / "chain.ptflow"
    steps = "\n".join(f"    s{i} = step(x: s{i - 1}.y)" for i in range(1, 300))
    source.write_text(
        'component step(x: str) -> (y: str) {\n    image = "alpine:3.19"\n    command = ["echo", x, y.path]\n}\n'
        f'pipeline chain(start: str = "go") {{\n    s0 = step(x: start)\n{steps}\n}}\n'
    )
    piped = buffered_ptflow("compile", source, "-o", "-")
    written = buffered_ptflow("compile", source, "-o", tmp_path / "chain.yaml")
    assert piped.returncode == 0 and written.returncode == 0, piped.stderr + written.stderr
    assert written.stdout == f"compiled pipeline `chain` for kfp-v2: {tmp_path / 'chain.yaml'}\n"  # a short line
    text = (tmp_path / "chain.yaml").read_text()
    assert len(text) > 100_000  # far more than one buffer's worth
    assert piped.stdout == text
    validated = buffered_ptflow("validate", "--format", "json", tmp_path / "chain.yaml")
    assert validated.returncode == 0 and json.loads(validated.stdout) == []


def test_check_json_to_a_pipe_is_whole_and_exits_1(tmp_path):
    bad = tmp_path / "bad.ptflow"
    bad.write_text("pipeline p() {\n" + "".join(f"    s{i} = nothing{i}()\n" for i in range(400)) + "}\n")
    result = buffered_ptflow("check", "--format", "json", bad)
    assert result.returncode == 1 and result.stdout.endswith("]\n")
    diagnostics = json.loads(result.stdout)
    assert [d["line"] for d in diagnostics if d["code"] == "PTF201"] == list(range(2, 402))
