"""Regenerate the KFP v1 golden files with the real KFP SDK 1.8.22 compiler.

    python tests/kfp_v1/regenerate_goldens.py            # every pipeline
    python tests/kfp_v1/regenerate_goldens.py loops_items  # some of them

kfp 1.8 can't share a virtual environment with kfp 2 (it pins protobuf<4 and
pydantic<2), so this script creates `.venv-kfp1/` in the repository root on
first use (git-ignored by `.venv*/`), installs `kfp==1.8.22` there (it builds
from its sdist; it takes a minute), and runs itself again inside it.  There it
compiles each `pipelines/<name>.py` with
`Compiler(mode=PipelineExecutionMode.V1_LEGACY)` and writes `golden/<name>.yaml`.

Each pipeline file defines one function named `pipeline`, decorated with
`@dsl.pipeline`.  The golden YAML is committed, so the test suite never needs
the kfp 1.8 environment; only changing a pipeline does.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import venv
from pathlib import Path

KFP_VERSION = "1.8.22"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV = REPO / ".venv-kfp1"
PIPELINES = HERE / "pipelines"
GOLDEN = HERE / "golden"


def venv_python() -> Path:
    return VENV / "bin" / "python"


def kfp1_installed() -> bool:
    if not venv_python().exists():
        return False
    probe = subprocess.run(
        [str(venv_python()), "-c", "import kfp, sys; sys.stdout.write(kfp.__version__)"],
        capture_output=True,
        text=True,
    )
    return probe.returncode == 0 and probe.stdout.strip() == KFP_VERSION


def ensure_kfp1_venv() -> None:
    if kfp1_installed():
        return
    print(f"creating {VENV} with kfp=={KFP_VERSION} (builds from its sdist; about a minute)", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    subprocess.run([str(venv_python()), "-m", "pip", "install", "-q", f"kfp=={KFP_VERSION}"], check=True)


def pipeline_files(names: list[str]) -> list[Path]:
    files = sorted(p for p in PIPELINES.glob("*.py") if not p.name.startswith("_"))
    if names:
        wanted = set(names)
        files = [p for p in files if p.stem in wanted]
        missing = wanted - {p.stem for p in files}
        if missing:
            raise SystemExit(f"no such pipeline: {', '.join(sorted(missing))}")
    return files


def compile_all(names: list[str]) -> None:
    """Runs inside the kfp 1.8 venv: compile each pipeline to its golden YAML."""
    import warnings

    import kfp
    from kfp import compiler, dsl

    assert kfp.__version__ == KFP_VERSION, kfp.__version__
    GOLDEN.mkdir(exist_ok=True)
    for path in pipeline_files(names):
        spec = importlib.util.spec_from_file_location(f"kfp_v1_golden_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = GOLDEN / f"{path.stem}.yaml"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kfp 1.8's FutureWarnings about v2 are noise here
            compiler.Compiler(mode=dsl.PipelineExecutionMode.V1_LEGACY).compile(module.pipeline, str(out))
        print(f"wrote {out.relative_to(REPO)}")


def main(argv: list[str]) -> None:
    if "--inside" in argv:
        compile_all([a for a in argv if a != "--inside"])
        return
    ensure_kfp1_venv()
    subprocess.run([str(venv_python()), str(Path(__file__).resolve()), "--inside", *argv], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
