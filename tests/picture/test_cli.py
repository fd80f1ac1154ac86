"""`ptflow graph` as a user runs it: real subprocesses, real Graphviz."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTROL_FLOW = REPO / "examples" / "control_flow" / "control_flow.ptflow"
needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None or importlib.util.find_spec("graphviz") is None,
    reason="needs Graphviz's `dot` (apt-get install graphviz) and the Python package `graphviz`",
)


def ptflow(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "ptflow", *map(str, args)], capture_output=True, env=env, cwd=cwd)


def test_dot_to_stdout_by_default():
    result = ptflow("graph", CONTROL_FLOW)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert text.startswith('digraph "control_flow" {') and '"sq" -> "total"' in text


def test_mermaid_to_a_file(tmp_path):
    out = tmp_path / "pictures" / "flow.mmd"
    result = ptflow("graph", CONTROL_FLOW, "--format", "mermaid", "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines()[3] == "flowchart TB"
    assert f"{out}" in result.stderr.decode()


@needs_graphviz
def test_the_format_follows_the_output_extension(tmp_path):
    assert ptflow("graph", CONTROL_FLOW, "-o", tmp_path / "dag.svg").returncode == 0
    assert (tmp_path / "dag.svg").read_text().lstrip().startswith("<?xml")
    assert ptflow("graph", CONTROL_FLOW, "-o", tmp_path / "dag.png").returncode == 0
    assert (tmp_path / "dag.png").read_bytes().startswith(b"\x89PNG")
    assert ptflow("graph", CONTROL_FLOW, "-o", tmp_path / "dag.gv").returncode == 0
    assert (tmp_path / "dag.gv").read_text().startswith("digraph")


@needs_graphviz
def test_svg_goes_next_to_the_source_by_default(tmp_path):
    source = tmp_path / "flow.ptflow"
    source.write_text(CONTROL_FLOW.read_text())
    result = ptflow("graph", source, "--format", "svg")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "flow.svg").read_text().count('class="node"') >= 7


@needs_graphviz
def test_png_to_stdout_with_dash():
    result = ptflow("graph", CONTROL_FLOW, "--format", "png", "-o", "-")
    assert result.returncode == 0 and result.stdout.startswith(b"\x89PNG")


def test_choose_the_pipeline(tmp_path):
    source = tmp_path / "two.ptflow"
    source.write_text(
        'component c() { image = "x" command = ["c"] }\npipeline first() { a = c() }\npipeline second() { b = c() }\n'
    )
    assert '"b"' in ptflow("graph", source).stdout.decode()  # the last one, as `ptflow compile` picks
    assert '"a"' in ptflow("graph", source, "--pipeline", "first").stdout.decode()
    missing = ptflow("graph", source, "--pipeline", "frist")
    assert missing.returncode == 1 and "did you mean `first`?" in missing.stderr.decode()


def test_a_file_with_errors_prints_them_and_exits_1(tmp_path):
    source = tmp_path / "bad.ptflow"
    source.write_text("pipeline p() { s = nothing() }\n")
    result = ptflow("graph", source)
    assert result.returncode == 1
    assert "error[PTF201]" in result.stderr.decode() and result.stdout == b""


def test_usage_errors_exit_2(tmp_path):
    assert ptflow("graph").returncode == 2
    assert ptflow("graph", CONTROL_FLOW, "--format", "jpeg").returncode == 2
    assert ptflow("graph", CONTROL_FLOW, "--format", "svg", "-o", tmp_path / "x.png").returncode == 2


def test_without_graphviz_svg_says_what_to_install(tmp_path):
    # A PATH with no `dot` on it: what a machine without Graphviz sees.
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    result = ptflow("graph", CONTROL_FLOW, "--format", "svg", "-o", tmp_path / "x.svg", env=env)
    assert result.returncode == 1
    message = result.stderr.decode()
    assert "Graphviz" in message and "apt-get install graphviz" in message and "--format dot" in message
    assert not (tmp_path / "x.svg").exists()
    # dot and mermaid need no Graphviz.
    assert ptflow("graph", CONTROL_FLOW, "--format", "mermaid", env=env).returncode == 0
