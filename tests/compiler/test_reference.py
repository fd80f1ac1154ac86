"""`ptflow doc` and docs/stdlib.md: the standard library's reference, from its own `##` docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ptflow.compiler.reference import load_module, stdlib_modules

REPO = Path(__file__).resolve().parents[2]


def ptflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ptflow", *args], capture_output=True, text=True, timeout=120)


def test_docs_stdlib_md_is_what_ptflow_doc_writes():
    result = ptflow("doc", "stdlib")
    assert result.returncode == 0, result.stderr
    assert (REPO / "docs" / "stdlib.md").read_text() == result.stdout, (
        "docs/stdlib.md is out of date: run `ptflow doc stdlib > docs/stdlib.md`"
    )


@pytest.mark.parametrize("module", stdlib_modules())
def test_every_component_input_and_output_is_on_the_page_with_its_doc(module):
    page = ptflow("doc", module).stdout
    reference = load_module(module)
    assert reference.components, f"{module} has no components"
    for spec in reference.components:
        assert f"`{module.split('.')[1]}.{spec.name}`" in page
        assert spec.description, f"{module}.{spec.name} has no `##` doc"
        for port in [*spec.inputs, *spec.outputs]:
            assert port.doc, f"{module}.{spec.name}: `{port.name}` has no `##` doc"
            assert f"| `{port.name}` | `{port.type}` |" in page


def test_one_component_shows_types_defaults_and_what_is_required():
    page = ptflow("doc", "stdlib.torch.train").stdout
    assert page.startswith("# `torch.train`\n")
    assert "| `data` | `Dataset` | **required** |" in page
    [max_epochs_row] = [line for line in page.splitlines() if line.startswith("| `max_epochs` |")]
    [spec] = [s for s in load_module("stdlib.torch").components if s.name == "train"]
    assert f"`{spec.input('max_epochs').default}`" in max_epochs_row
    assert "| output | type | |" in page and "| `model_file` | `Model` |" in page


def test_a_module_page_starts_with_its_example_as_a_ptflow_block():
    page = ptflow("doc", "stdlib.torch").stdout
    assert page.startswith("# `stdlib.torch`\n")
    assert "```ptflow\nimport stdlib.torch as torch\n\npipeline digits(" in page


@pytest.mark.parametrize(
    "name, message",
    [
        ("stdlib.torch.trian", "`stdlib.torch` has no component `trian`; did you mean `train`?"),
        ("stdlib.tourch", "no standard-library module `stdlib.tourch`"),
        ("torch", "`torch` is not `stdlib`, `stdlib.MODULE` or `stdlib.MODULE.COMPONENT`"),
    ],
)
def test_an_unknown_name_is_a_usage_error_that_says_what_exists(name, message):
    result = ptflow("doc", name)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
