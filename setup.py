"""Packaging glue that pyproject.toml can't express: folder → package mapping.

Each top-level folder is a sub-package of `ptflow` (the layout is fixed by its
users), and every folder below it that has an `__init__.py` is a package, so
new sub-packages are picked up without editing a list.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
PACKAGE_DIRS = {
    "ptflow": "ptflow",
    "ptflow.grammar": "grammar",
    "ptflow.compiler": "compiler",
    "ptflow.runtime": "runtime",
    "ptflow.stdlib": "stdlib",
}


def find_packages() -> list[str]:
    found = []
    for package, folder in PACKAGE_DIRS.items():
        root = HERE / folder
        for init in sorted(root.rglob("__init__.py")):
            relative = init.parent.relative_to(root)
            if any(part.startswith(".") or part in ("node_modules", "__pycache__") for part in relative.parts):
                continue
            found.append(".".join([package, *relative.parts]) if relative.parts else package)
    return found


setup(package_dir=PACKAGE_DIRS, packages=find_packages())
