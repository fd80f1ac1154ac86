"""A single component compiled by kfp (`Compiler().compile(component)`: a PipelineSpec of one task) imports.

kfp runs here in a subprocess, as the other differential tests use it; the import and compile don't need it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.ir_equivalence import assert_equivalent_ir

ROOT = Path(__file__).resolve().parents[2]

KFP_COMPONENT = '''
import sys
from kfp import compiler, dsl

@dsl.container_component
def resize(image: dsl.Input[dsl.Artifact], width: int, out: dsl.Output[dsl.Artifact], mode: str = "fit"):
    """Resize an image."""
    return dsl.ContainerSpec(image="alpine:3.19", command=["resize"],
                             args=[image.path, width, mode, out.path])

compiler.Compiler().compile(resize, sys.argv[1])
'''


def test_a_kfp_compiled_component_imports_and_compiles_back(tmp_path: Path):
    pytest.importorskip("kfp")
    ir = tmp_path / "resize.yaml"
    made = subprocess.run([sys.executable, "-c", KFP_COMPONENT, str(ir)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    imported = subprocess.run(
        [sys.executable, "-m", "ptflow", "import", str(ir), "-o", str(tmp_path / "resize.ptflow")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert imported.returncode == 0, imported.stderr
    source = (tmp_path / "resize.ptflow").read_text()
    assert "component resize_op(" in source and "pipeline resize(" in source
    assert "resize = resize_op(mode: mode, width: width, image: image)" in source
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "ptflow",
            "compile",
            str(tmp_path / "resize.ptflow"),
            "-o",
            str(tmp_path / "again.yaml"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert again.returncode == 0, again.stderr
    assert_equivalent_ir(
        list(yaml.safe_load_all((tmp_path / "again.yaml").read_text())), list(yaml.safe_load_all(ir.read_text()))
    )
