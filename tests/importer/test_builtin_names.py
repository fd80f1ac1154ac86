"""kfp components named like ptflow's built-in values (`oneof`, `collect`) import under another name.

In a .ptflow file `oneof(...)` and `collect(...)` are values, so a component of that name could not be called
as a step; the import names it `oneof_`/`collect_`, as it does for keywords.  kfp runs in a subprocess, as in
the other import tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.ir_equivalence import assert_equivalent_ir

ROOT = Path(__file__).resolve().parents[2]

KFP_PIPELINE = """
import sys
from kfp import compiler, dsl

@dsl.container_component
def collect(text: str, out: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3.19", command=["sh", "-c", 'printf "%s" "$0" > "$1"', text, out])

@dsl.container_component
def oneof(text: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo", text])

COLLECT, ONEOF = collect, oneof

@dsl.pipeline(name="builtin-names")
def builtin_names(first: str = "a", second: str = "b"):
    c = COLLECT(text=first)
    ONEOF(text=c.output)
    ONEOF(text=second)

compiler.Compiler().compile(builtin_names, sys.argv[1])
"""


def ptflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ptflow", *args], capture_output=True, text=True, cwd=ROOT)


def test_components_named_oneof_and_collect_import_as_steps_and_compile_back(tmp_path: Path):
    pytest.importorskip("kfp")
    ir = tmp_path / "builtin_names.yaml"
    made = subprocess.run([sys.executable, "-c", KFP_PIPELINE, str(ir)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    source = tmp_path / "builtin_names.ptflow"
    imported = ptflow("import", str(ir), "-o", str(source))
    assert imported.returncode == 0, imported.stderr
    text = source.read_text()
    assert "component collect_(" in text and "component oneof_(" in text
    again = ptflow("compile", str(source), "-o", str(tmp_path / "again.yaml"))
    assert again.returncode == 0, again.stderr
    assert_equivalent_ir(
        list(yaml.safe_load_all((tmp_path / "again.yaml").read_text())), list(yaml.safe_load_all(ir.read_text()))
    )
