"""`ptflow fmt` as a user runs it: real subprocesses on real files."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ptflow.compiler.formatter import format_source

UGLY = 'pipeline  p( ) {\n  s = echo( msg :"hi" )\n}\n'
PRETTY = 'pipeline p() {\n    s = echo(msg: "hi")\n}\n'
BROKEN = 'pipeline p( {\n    s = echo(msg: "hi"\n}\n'


def ptflow(*args, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "ptflow", *map(str, args)], capture_output=True, text=True, input=stdin, cwd=cwd
    )


@pytest.fixture
def files(tmp_path):
    (tmp_path / "ugly.ptflow").write_text(UGLY)
    (tmp_path / "pretty.ptflow").write_text(PRETTY)
    return tmp_path


def test_rewrites_files_in_place_and_says_which(files):
    result = ptflow("fmt", files / "ugly.ptflow", files / "pretty.ptflow")
    assert result.returncode == 0, result.stderr
    assert (files / "ugly.ptflow").read_text() == PRETTY
    assert (files / "pretty.ptflow").read_text() == PRETTY
    assert f"reformatted {files / 'ugly.ptflow'}" in result.stderr
    assert "pretty.ptflow" not in result.stderr


def test_rewriting_keeps_the_file_mode_and_leaves_no_temporary_file(files):
    path = files / "ugly.ptflow"
    path.chmod(0o640)
    assert ptflow("fmt", path).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in files.iterdir()) == ["pretty.ptflow", "ugly.ptflow"]


def test_an_unchanged_file_is_not_rewritten(files):
    path = files / "pretty.ptflow"
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert ptflow("fmt", path).returncode == 0
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_check_lists_the_files_that_would_change_and_exits_1(files):
    result = ptflow("fmt", "--check", files / "ugly.ptflow", files / "pretty.ptflow")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [str(files / "ugly.ptflow")]
    assert "1 file would be reformatted" in result.stderr
    assert (files / "ugly.ptflow").read_text() == UGLY  # nothing written


def test_check_exits_0_when_everything_is_formatted(files):
    result = ptflow("fmt", "--check", files / "pretty.ptflow")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_diff_prints_a_unified_diff_and_writes_nothing(files):
    result = ptflow("fmt", "--diff", files / "ugly.ptflow")
    assert result.returncode == 0
    ugly = files / "ugly.ptflow"
    assert result.stdout.startswith(f"--- {ugly} (original)\n+++ {ugly} (formatted)\n")
    assert "-pipeline  p( ) {\n" in result.stdout and "+pipeline p() {\n" in result.stdout
    assert '+    s = echo(msg: "hi")\n' in result.stdout
    assert (files / "ugly.ptflow").read_text() == UGLY


def test_the_diff_applies_with_patch(files):
    diff = ptflow("fmt", "--diff", files / "ugly.ptflow").stdout
    patch = subprocess.run(["patch", "-p0", str(files / "ugly.ptflow")], input=diff, text=True, capture_output=True)
    if patch.returncode == 127:
        pytest.skip("patch(1) is not installed")
    assert patch.returncode == 0, patch.stdout + patch.stderr
    assert (files / "ugly.ptflow").read_text() == PRETTY


def test_check_and_diff_together_show_the_diff_and_exit_1(files):
    result = ptflow("fmt", "--check", "--diff", files / "ugly.ptflow")
    assert result.returncode == 1
    assert "+pipeline p() {" in result.stdout


def test_stdin_to_stdout():
    result = ptflow("fmt", "-", stdin=UGLY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == PRETTY


def test_stdin_with_check():
    assert ptflow("fmt", "--check", "-", stdin=UGLY).returncode == 1
    assert ptflow("fmt", "--check", "-", stdin=PRETTY).returncode == 0


def test_a_file_with_syntax_errors_is_reported_left_alone_and_exits_1(files):
    bad = files / "bad.ptflow"
    bad.write_text(BROKEN)
    result = ptflow("fmt", bad, files / "ugly.ptflow")
    assert result.returncode == 1
    assert "error[PTF101]" in result.stderr and f"--> {bad}:1:13" in result.stderr
    assert "1 | pipeline p( {" in result.stderr  # the line, as `ptflow check` shows it
    assert bad.read_text() == BROKEN
    assert (files / "ugly.ptflow").read_text() == PRETTY  # the other file is still formatted


def test_syntax_errors_from_stdin_show_the_line():
    result = ptflow("fmt", "-", stdin=BROKEN)
    assert result.returncode == 1
    assert "--> <stdin>:1:13" in result.stderr and "1 | pipeline p( {" in result.stderr
    assert result.stdout == ""


def test_a_folder_means_every_ptflow_file_under_it(files):
    nested = files / "nested"
    nested.mkdir()
    (nested / "deep.ptflow").write_text(UGLY)
    (nested / "notes.txt").write_text("not ptflow {{{")
    result = ptflow("fmt", "--check", files)
    assert result.returncode == 1
    assert sorted(result.stdout.splitlines()) == sorted([str(files / "ugly.ptflow"), str(nested / "deep.ptflow")])


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--check"],
        ["--no-such-flag", "x.ptflow"],
        ["does-not-exist.ptflow"],
        ["-", "-"],
    ],
)
def test_usage_errors_exit_2(args, tmp_path):
    result = ptflow("fmt", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr


def test_what_fmt_writes_is_what_the_library_returns(tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "control_flow" / "control_flow.ptflow"
    copy = tmp_path / "control_flow.ptflow"
    copy.write_text(example.read_text())
    assert ptflow("fmt", copy).returncode == 0
    assert copy.read_text() == format_source(example.read_text())
