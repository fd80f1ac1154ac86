"""`ptflow import pipeline.py`: KFP Python files compiled by the installed kfp in a child process, then imported.

Files from kfp's own corpus (tests/kfp_corpus/upstream) through the real CLI:
the source printed equals the import of what kfp compiles from the same file
(compiled here by tests/kfp_corpus/kfp_compile.py, a separate process), and it
compiles back to kfp's pipeline up to names.  A file that fails, a file with
several pipelines, and an install without kfp are clear errors, never a
traceback.  Skipped where kfp is not installed (the `kfp` extra).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file
from ptflow.compiler.importer import import_text
from tests.kfp_corpus.corpus import BY_ID, UPSTREAM
from tests.support.ir_equivalence import assert_equivalent_ir

pytest.importorskip("kfp")

ROOT = Path(__file__).resolve().parents[2]
# A pipeline (two steps, display names), loops, a condition, and a file whose only kfp object is a component.
ENTRIES = [
    "two_step_pipeline",
    "parallel_and_nested/pipeline_with_loops",
    "essential/pipeline_with_condition",
    "hello_world",
]


def run_import(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ptflow", "import", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env=env,
    )


@pytest.fixture(scope="module")
def compiled_by_kfp(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("kfp-compiled")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "kfp_corpus" / "kfp_compile.py"), str(directory), *ENTRIES],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return directory


@pytest.mark.parametrize("entry_id", ENTRIES)
def test_a_kfp_python_file_imports_as_its_compiled_yaml(entry_id, compiled_by_kfp, tmp_path):
    entry = BY_ID[entry_id]
    done = run_import(str(UPSTREAM / entry.path))
    assert done.returncode == 0, done.stderr
    kfp_yaml = (compiled_by_kfp / entry.compiled_path).read_text()
    first, _, rest = done.stdout.partition("\n")
    assert first == f"# Imported by `ptflow import` from {UPSTREAM / entry.path}."
    assert rest == import_text(kfp_yaml, "x").partition("\n")[2]
    path = tmp_path / "imported.ptflow"
    path.write_text(done.stdout)
    result = compile_file(str(path))
    assert result.ok, [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert_equivalent_ir(result.documents, [d for d in yaml.safe_load_all(kfp_yaml) if d is not None])


TWO_PIPELINES = """\
from kfp import dsl


@dsl.container_component
def say(message: str):
    return dsl.ContainerSpec(image="alpine", command=["echo", message])


@dsl.pipeline(name="hello")
def hello(name: str = "world"):
    say(message=name)


@dsl.pipeline(name="bye")
def bye():
    say(message="bye")


if __name__ == "__main__":
    raise SystemExit("the file's own __main__ block must not run")
"""


def test_a_file_of_several_pipelines_needs_function(tmp_path):
    (tmp_path / "two.py").write_text(TWO_PIPELINES)
    done = run_import("two.py", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert "error[PTF920]" in done.stderr
    assert "defines 2 pipelines (hello, bye): choose one with --function" in done.stderr
    chosen = run_import("two.py", "--function", "bye", "-o", "bye.ptflow", cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    source = (tmp_path / "bye.ptflow").read_text()
    assert "pipeline bye() {" in source and 'say = say(message: "bye")' in source
    assert "pipeline hello" not in source


def test_a_file_kfp_cannot_compile_is_a_clear_error(tmp_path):
    (tmp_path / "broken.py").write_text("from kfp import dsl\n\n\nvalue = 1 / 0\n")
    done = run_import("broken.py", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert "`broken.py`: kfp could not compile it: ZeroDivisionError: division by zero (broken.py:4)" in done.stderr
    missing = run_import("two.py", "--function", "nothere", cwd=tmp_path)
    assert missing.returncode == 1 and "PTF901" in missing.stderr


def test_without_kfp_the_message_names_the_extra(tmp_path):
    # A stand-in for an install without the `kfp` extra: a `kfp` package that can't be imported, first on the path.
    (tmp_path / "no_kfp" / "kfp").mkdir(parents=True)
    (tmp_path / "no_kfp" / "kfp" / "__init__.py").write_text("raise ImportError(\"No module named 'kfp'\")\n")
    (tmp_path / "two.py").write_text(TWO_PIPELINES)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "no_kfp")}
    done = run_import("two.py", cwd=tmp_path, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error[PTF913]" in done.stderr and "pip install 'ptflow[kfp]'" in done.stderr


def test_function_is_for_python_files_only(tmp_path):
    done = run_import(str(ROOT / "tests" / "kfp_v1" / "golden" / "retries.yaml"), "--function", "x")
    assert done.returncode == 2 and "--function is for a KFP Python file" in done.stderr
