"""Compile the KFP 1.x pipelines beside this file with kfp 1.8.22, for tests/importer/test_v1_workflow.py.

    python3 tests/importer/kfp1/regenerate.py

Uses tests/kfp_v1's kfp 1.8 environment (`.venv-kfp1/`, created on first use,
see tests/kfp_v1/README.md); writes `<name>.yaml` next to each `<name>.py`.
These are pipelines ptflow imports but does not write the same way (untyped
components; a Python function's `Output` named `output`) or refuses (a raw
ContainerOp), so they are not tests/kfp_v1 goldens. Only
`pipeline_compilation_time` changes between runs.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))


def compile_all() -> None:
    """Runs inside the kfp 1.8 venv."""
    import warnings

    from kfp import compiler, dsl

    for path in sorted(HERE.glob("*.py")):
        if path.name == "regenerate.py":
            continue
        spec = importlib.util.spec_from_file_location(f"kfp1_import_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiler.Compiler(mode=dsl.PipelineExecutionMode.V1_LEGACY).compile(
                module.pipeline, str(path.with_suffix(".yaml"))
            )
        print(f"wrote {path.with_suffix('.yaml').name}")


if __name__ == "__main__":
    if "--inside" in sys.argv:
        compile_all()
    else:
        from tests.kfp_v1.regenerate_goldens import ensure_kfp1_venv, venv_python

        ensure_kfp1_venv()
        subprocess.run([str(venv_python()), str(Path(__file__).resolve()), "--inside"], check=True)
