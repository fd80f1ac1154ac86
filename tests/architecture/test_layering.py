"""The dependency rule between ptflow's layers, checked by reading every module's imports.

    grammar/ and compiler/  import nothing from runtime/, stdlib/ or the ptflow/ CLI and LSP;
    runtime/                 imports nothing from compiler/, except runtime/runner/ (the local
                             runner compiles the pipeline it runs).

The compiler has to load without torch and without the container-side code, and the
code that runs inside a step's container has to load without the compiler; code both
sides need lives in the lower layer as a pure module (see compiler/image.py,
compiler/targets/vertex_machines.py, runtime/suggestions.py).  `from ptflow import
__version__` is allowed everywhere: ptflow/__init__.py is the root every layer is
loaded through, and it imports nothing.

Every import is read with `ast`, including imports inside functions (a lazy import
is still a dependency) and relative imports, so a violation can't hide.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Each top-level folder is this sub-package of `ptflow` (setup.py's PACKAGE_DIRS).
FOLDER_PACKAGES = {
    "grammar": "ptflow.grammar",
    "compiler": "ptflow.compiler",
    "runtime": "ptflow.runtime",
    "stdlib": "ptflow.stdlib",
    "ptflow": "ptflow",
}
# The CLI and the language server: everything in ptflow/ except the package root.
CLI_AND_LSP = ("ptflow.cli", "ptflow.commands", "ptflow.lsp", "ptflow.__main__")


@dataclass(frozen=True)
class Rule:
    """Modules under `folder` (except those under `except_under`) may not import `forbidden`."""

    folder: str
    forbidden: tuple[str, ...]
    why: str
    except_under: str | None = None

    def applies_to(self, relative: Path) -> bool:
        parts = relative.as_posix()
        if not parts.startswith(self.folder + "/"):
            return False
        return self.except_under is None or not parts.startswith(self.except_under + "/")


RULES = [
    Rule(
        "grammar",
        ("ptflow.compiler", "ptflow.runtime", "ptflow.stdlib", *CLI_AND_LSP),
        "grammar/ is the bottom layer: it imports no other ptflow package",
    ),
    Rule(
        "compiler",
        ("ptflow.runtime", "ptflow.stdlib", *CLI_AND_LSP),
        "compiler/ imports nothing from runtime/, stdlib/ or the CLI/LSP",
    ),
    Rule(
        "runtime",
        ("ptflow.compiler",),
        "runtime/ (container-side code) imports nothing from compiler/; only runtime/runner/ may",
        except_under="runtime/runner",
    ),
]


def module_name(relative: Path) -> str:
    """`compiler/targets/kfp_v1.py` → `ptflow.compiler.targets.kfp_v1`."""
    folder, *rest = relative.with_suffix("").parts
    if rest and rest[-1] == "__init__":
        rest = rest[:-1]
    return ".".join([FOLDER_PACKAGES[folder], *rest])


def imported_modules(path: Path, relative: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, wherever it is."""
    this = module_name(relative)
    package = this if relative.name == "__init__.py" else this.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from ptflow import runtime` imports the sub-package `ptflow.runtime`.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations() -> list[str]:
    found = {}
    for folder in ("grammar", "compiler", "runtime"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO)
            if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            for rule in RULES:
                if not rule.applies_to(relative):
                    continue
                for line, module in imported_modules(path, relative):
                    bad = next((f for f in rule.forbidden if is_within(module, f)), None)
                    if bad:  # one report per import statement: its first forbidden module
                        found.setdefault(f"{relative}:{line}", f"{relative}:{line}: imports {module} ({rule.why})")
    return sorted(found.values())


def test_no_layer_imports_a_layer_above_it():
    found = violations()
    assert not found, "imports that break the layering rule:\n" + "\n".join(found)


def test_the_scan_sees_lazy_relative_and_from_package_imports(tmp_path, monkeypatch):
    """The scanner itself: each way of writing an import is found, so the rule can't be dodged."""
    source = tmp_path / "compiler" / "targets" / "sample.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "import os\n"
        "def lazy():\n"
        "    from ptflow.runtime.contract import UsageError\n"
        "from ... import stdlib\n"
        "from ptflow import lsp, __version__\n"
        "import importlib\n"
        "importlib.import_module('ptflow.cli')\n"
    )
    modules = imported_modules(source, source.relative_to(tmp_path))
    assert (3, "ptflow.runtime.contract") in modules
    assert (4, "ptflow.stdlib") in modules
    assert (5, "ptflow.lsp") in modules
    assert (7, "ptflow.cli") in modules
    forbidden = RULES[1].forbidden
    assert not any(is_within(module, f) for _, module in [(5, "ptflow.__version__"), (1, "os")] for f in forbidden)
