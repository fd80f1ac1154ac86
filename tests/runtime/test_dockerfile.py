"""The runtime image's Dockerfile, checked statically (Docker does not run on this machine).

It must install this project with its runtime extra, torch pinned for the CPU
variant (and a GPU variant by build argument), and leave `python -m
ptflow.runtime` working without an ENTRYPOINT that would hijack KFP's commands.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    logical = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in logical.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def run_commands() -> str:
    return " && ".join(rest for keyword, rest in instructions() if keyword == "RUN")


def test_it_builds_from_a_python_base_with_a_cpu_default_and_a_gpu_variant():
    steps = instructions()
    assert [rest for keyword, rest in steps if keyword == "FROM"] == ["python:${PYTHON_VERSION}-slim"]
    args = dict(rest.split("=", 1) for keyword, rest in steps if keyword == "ARG" and "=" in rest)
    assert args["VARIANT"] == "cpu" and args["TORCH_VERSION"] == "2.13.0" and args["PYTHON_VERSION"] == "3.11"
    commands = run_commands()
    assert 'cpu) index="https://download.pytorch.org/whl/cpu"' in commands
    assert 'gpu) index="https://download.pytorch.org/whl/${CUDA_TAG}"' in commands
    assert '"torch==${TORCH_VERSION}"' in commands
    assert "exit 1" in commands  # an unknown VARIANT stops the build


def test_torch_in_the_image_is_the_version_the_project_pins():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime_extra = pyproject["project"]["optional-dependencies"]["runtime"]
    (torch_pin,) = [req for req in runtime_extra if re.match(r"torch(?![-\w])", req)]
    args = dict(rest.split("=", 1) for keyword, rest in instructions() if keyword == "ARG" and "=" in rest)
    assert torch_pin == f"torch=={args['TORCH_VERSION']}"


def test_it_installs_this_project_with_its_runtime_extra():
    steps = instructions()
    copied = {shlex.split(rest)[0] for keyword, rest in steps if keyword == "COPY"}
    # Every package folder setup.py maps (and the files pip needs to build it) is in the image.
    assert {"ptflow", "compiler", "grammar", "runtime", "stdlib", "pyproject.toml"} <= copied
    assert 'pip install ".[runtime]"' in run_commands()
    assert "python -m ptflow.runtime --help" in run_commands()  # the build fails if the entrypoint can't start


def test_the_entrypoint_module_exists_and_no_entrypoint_overrides_kfps_commands():
    steps = instructions()
    assert not [rest for keyword, rest in steps if keyword == "ENTRYPOINT"]
    (cmd,) = [rest for keyword, rest in steps if keyword == "CMD"]
    assert cmd == '["python", "-m", "ptflow.runtime", "--help"]'
    assert importlib.util.find_spec("ptflow.runtime.__main__") is not None
    assert (ROOT / "runtime" / "__main__.py").is_file()


def test_the_build_context_leaves_out_virtual_environments():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".venv*" in ignored and ".git" in ignored


def third_party_imports(folder: Path) -> set[str]:
    """Top-level modules imported by the code in `folder`, minus the standard library and ptflow."""
    found = set()
    for path in folder.rglob("*.py"):
        if "runner" in path.relative_to(folder).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "ptflow"}


def test_the_runtime_extra_has_every_package_the_steps_import():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {
        re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower().replace("_", "-")
        for req in pyproject["project"]["optional-dependencies"]["runtime"] + pyproject["project"]["dependencies"]
    }
    distributions = importlib.metadata.packages_distributions()
    needed = set()
    # Modules ptflow itself packs next to its files inside a model archive, imported there by name.
    packed = {"ptflow_inference"}
    # torchvision comes from the Dockerfile's torch index (it must match torch's build); it is
    # imported only for CIFAR-10 and need not be installed here.
    image_only = {"torchvision"}
    for module in (third_party_imports(ROOT / "runtime") | third_party_imports(ROOT / "stdlib")) - packed - image_only:
        names = distributions.get(module)
        assert names, f"`{module}` is imported by a step but installed by no distribution here"
        needed.add(names[0].lower().replace("_", "-"))
    # Used without being imported: Lightning's TensorBoardLogger and `ptflow tensorboard`
    # need tensorboard; the KFP v1 viewer in this image needs the profiler plugin.
    needed |= {"tensorboard", "torch-tb-profiler"}
    # torchvision comes from the Dockerfile's torch index (it must match torch's build).
    assert needed - declared - {"torchvision"} == set()
