"""Every `runtime = "..."` component of the standard library matches the Python step it names.

The .ptflow declaration is what users see (and the compiler checks against);
the Python step is what runs.  For every component in every stdlib/*.ptflow
file: the step exists, and its inputs and outputs agree in name, order,
kind, type and default.  Every component and input also has hover text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ptflow.compiler import tree
from ptflow.compiler.components import NOT_CONSTANT, constant_value
from ptflow.compiler.parser import parse_module
from ptflow.runtime.contract import REQUIRED
from ptflow.runtime.registry import known_steps

STDLIB = Path(__file__).resolve().parents[2] / "stdlib"


def type_text(ref: tree.TypeRef) -> str:
    text = ref.name.name
    if ref.schema_title:
        text += f'<"{ref.schema_title}">'
    if ref.args:
        text += "[" + ", ".join(type_text(arg) for arg in ref.args) + "]"
    return text + ("?" if ref.optional else "")


def runtime_components():
    found = []
    for path in sorted(STDLIB.glob("*.ptflow")):
        module, diagnostics = parse_module(path.read_text(encoding="utf-8"), str(path))
        assert not diagnostics, f"{path.name} does not parse: {diagnostics}"
        for component in module.components:
            prop = component.property("runtime")
            if prop is not None:
                found.append(
                    pytest.param(path.name, component, prop.value.value, id=f"{path.stem}.{component.name.name}")
                )
    return found


COMPONENTS = runtime_components()
MY_MODULES = ("torch.ptflow", "hpo.ptflow")


def test_the_stdlib_declares_the_steps_this_task_provides():
    names = {param.values[2] for param in COMPONENTS}
    assert {
        "torch.prepare_images",
        "torch.prepare_text",
        "torch.train",
        "torch.tensorboard",
        "hpo.generate",
        "hpo.complete",
    } <= names


@pytest.mark.parametrize("file_name, component, step_name", COMPONENTS)
def test_declaration_matches_the_python_step(file_name, component, step_name):
    steps = known_steps()
    assert step_name in steps, (
        f"{file_name}: `{component.name.name}` names runtime step `{step_name}`, "
        f"which does not exist (known: {sorted(steps)})"
    )
    spec = steps[step_name]

    declared_inputs = []
    for param in component.params:
        if param.default is not None:
            default = constant_value(param.default)
        else:  # `x: T?` with no default may be left out, like `x: T? = null`
            default = None if param.type.optional else REQUIRED
        assert default is not NOT_CONSTANT
        declared_inputs.append((param.name.name, type_text(param.type), default))
    python_inputs = [(port.name, str(port.type), port.default) for port in spec.inputs]
    assert declared_inputs == python_inputs

    declared_outputs = [(output.name.name, type_text(output.type)) for output in component.outputs]
    assert declared_outputs == [(port.name, str(port.type)) for port in spec.outputs]


@pytest.mark.parametrize("file_name, component, step_name", [p for p in COMPONENTS if p.values[0] in MY_MODULES])
def test_every_component_input_and_output_has_hover_text(file_name, component, step_name):
    assert component.doc, f"{component.name.name} has no ## doc comment"
    for item in [*component.params, *component.outputs]:
        assert item.doc, f"{component.name.name}.{item.name.name} has no ## doc comment"


def header_example(path: Path) -> str:
    """The example pipeline in a module's header comment (its lines indented by four spaces)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("#     "):
            lines.append(line[6:])
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("file_name", MY_MODULES)
def test_the_example_in_a_modules_header_compiles(tmp_path, file_name):
    from ptflow.compiler.api import compile_file
    from ptflow.compiler.diagnostics import Severity

    example = tmp_path / "example.ptflow"
    example.write_text(header_example(STDLIB / file_name))
    result = compile_file(str(example), "kfp-v2")
    errors = [d for d in result.diagnostics if d.severity == Severity.ERROR]
    assert result.ok and not errors, errors
