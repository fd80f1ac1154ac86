"""Reference documentation of .ptflow modules, written from their own `##` doc comments.

`ptflow doc stdlib` prints the whole standard library as Markdown (it is
docs/stdlib.md, which a test keeps in step with the declarations), `ptflow doc
stdlib.torch` one module and `ptflow doc stdlib.torch.train` one component.
Everything comes from the checked module, so what the page says a component
takes is what the checker accepts: the same types, defaults and docs that
hover shows in the editor.
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.checker import Checker, ComponentSymbol, ModuleScope
from ptflow.compiler.index import default_text
from ptflow.compiler.modules import stdlib_directory
from ptflow.compiler.records import record

STDLIB = "stdlib"


class UnknownReference(LookupError):
    """The name given to `ptflow doc` is not a standard-library module or component."""


@record
class ModuleReference:
    """One checked module: its header comment and its components, in file order."""

    import_path: str  # "stdlib.torch"
    header: str
    components: list[dag.ComponentSpec]


def stdlib_modules() -> list[str]:
    """The import paths of every standard-library module, sorted."""
    return sorted(f"{STDLIB}.{path.stem}" for path in stdlib_directory().glob("*.ptflow"))


def load_module(import_path: str) -> ModuleReference:
    """Check the module `stdlib.NAME` and gather what its reference shows."""
    modules = stdlib_modules()
    if import_path not in modules:
        raise UnknownReference(f"no standard-library module `{import_path}` (there are {', '.join(modules)})")
    path = stdlib_directory() / f"{import_path.split('.', 1)[1]}.ptflow"
    scope = Checker().check_file(str(path))
    return ModuleReference(import_path, _header_comment(path.read_text()), _components_in_order(scope))


def _components_in_order(scope: ModuleScope) -> list[dag.ComponentSpec]:
    specs = [
        symbol.spec
        for symbol in scope.symbols.values()
        if isinstance(symbol, ComponentSymbol) and symbol.spec.source == scope.path
    ]
    return sorted(specs, key=lambda spec: spec.span.line if spec.span else 0)


def _header_comment(text: str) -> str:
    """The module's opening `#` comment block (not `##` docs), without the `#` marks."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("##"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(lines).strip("\n")


# ------------------------------------------------------------------ Markdown
def component_markdown(module: str, spec: dag.ComponentSpec, heading: str = "###") -> str:
    alias = module.rsplit(".", 1)[1]
    parts = [f"{heading} `{alias}.{spec.name}`", ""]
    if spec.description:
        parts += [spec.description.strip(), ""]
    if spec.inputs:
        parts += ["| input | type | default | |", "| --- | --- | --- | --- |"]
        parts += [
            f"| `{port.name}` | `{port.type}` | {_default_cell(port)} | {_cell(port.doc)} |" for port in spec.inputs
        ]
        parts.append("")
    if spec.outputs:
        parts += ["| output | type | |", "| --- | --- | --- |"]
        parts += [f"| `{port.name}` | `{port.type}` | {_cell(port.doc)} |" for port in spec.outputs]
        parts.append("")
    return "\n".join(parts)


def module_markdown(reference: ModuleReference, heading: str = "##") -> str:
    parts = [f"{heading} `{reference.import_path}`", ""]
    if reference.header:
        parts += [_header_markdown(reference.header), ""]
    for spec in reference.components:
        parts.append(component_markdown(reference.import_path, spec, heading + "#"))
    return "\n".join(parts)


def stdlib_markdown() -> str:
    """The whole standard library: docs/stdlib.md."""
    references = [load_module(name) for name in stdlib_modules()]
    parts = [
        "# The standard library",
        "",
        "<!-- Written by `ptflow doc stdlib > docs/stdlib.md` from the `##` docs of stdlib/*.ptflow;",
        "     tests/compiler/test_reference.py fails when it is out of date. -->",
        "",
        "Every module is imported with `import stdlib.NAME as NAME`; its components are",
        "called as `NAME.component(...)`. `ptflow doc stdlib.NAME[.COMPONENT]` prints a part",
        "of this page, and the language server shows the same text on hover.",
        "",
    ]
    for reference in references:
        names = ", ".join(f"`{spec.name}`" for spec in reference.components)
        parts.append(f"- [`{reference.import_path}`](#{_anchor(reference.import_path)}): {names}")
    parts.append("")
    parts += [module_markdown(reference) for reference in references]
    return "\n".join(parts).rstrip("\n") + "\n"


def reference_markdown(name: str) -> str:
    """What `ptflow doc NAME` prints: `stdlib`, `stdlib.MODULE` or `stdlib.MODULE.COMPONENT`."""
    if name == STDLIB:
        return stdlib_markdown()
    parts = name.split(".")
    if parts[0] != STDLIB or len(parts) not in (2, 3):
        raise UnknownReference(f"`{name}` is not `stdlib`, `stdlib.MODULE` or `stdlib.MODULE.COMPONENT`")
    reference = load_module(".".join(parts[:2]))
    if len(parts) == 2:
        return module_markdown(reference, heading="#")
    for spec in reference.components:
        if spec.name == parts[2]:
            return component_markdown(reference.import_path, spec, heading="#")
    from ptflow.compiler.diagnostics import did_you_mean

    names = [spec.name for spec in reference.components]
    suggestion = did_you_mean(parts[2], names)
    raise UnknownReference(
        f"`{reference.import_path}` has no component `{parts[2]}`"
        + (f"; {suggestion.hint}" if suggestion else f" (it has {', '.join(names)})")
    )


def _header_markdown(header: str) -> str:
    """Indented example lines of a header become a fenced ptflow block (blank lines inside stay in it)."""
    lines = header.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("    "):
            out.append(lines[index])
            index += 1
            continue
        block_end = index
        for position in range(index, len(lines)):  # the last indented line before prose resumes
            if lines[position].startswith("    "):
                block_end = position
            elif lines[position].strip():
                break
        out += ["```ptflow", *(line[4:] for line in lines[index : block_end + 1]), "```"]
        index = block_end + 1
    return "\n".join(out)


def _default_cell(port: dag.Port) -> str:
    if port.has_default:
        return f"`{default_text(port.default)}`"
    return "optional" if port.type.optional else "**required**"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _anchor(import_path: str) -> str:
    return import_path.replace(".", "")
