"""Run mypy over the packages as Python sees them (`ptflow.compiler`, `ptflow.runtime`, ...).

The top-level folders are installed as sub-packages of `ptflow` (setup.py maps
`compiler/` to `ptflow.compiler`, and so on), and an editable install reaches
them through an import hook that mypy cannot follow.  Checked folder by folder,
every `from ptflow.compiler import ...` would be an unresolved import and its
types silently `Any`.  So this script lays the mapping out as a tree of
symbolic links in a scratch folder, runs mypy on the packages there, and
prints each error with the path a reader opens (`compiler/x.py`, not
`ptflow/compiler/x.py`).

    .venv/bin/python tools/typecheck.py            # compiler/ and runtime/ (what `make test` checks)
    .venv/bin/python tools/typecheck.py ptflow     # any of: compiler runtime stdlib ptflow grammar
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# folder in the repository -> package it is installed as (the same table as setup.py)
PACKAGES = {
    "ptflow": "ptflow",
    "compiler": "ptflow.compiler",
    "runtime": "ptflow.runtime",
    "stdlib": "ptflow.stdlib",
    "grammar": "ptflow.grammar",
}
CHECKED_BY_DEFAULT = ("compiler", "runtime")


def lay_out_packages(scratch: Path) -> None:
    """scratch/ptflow/... mirrors the installed package tree with links into the repository."""
    package_root = scratch / "ptflow"
    package_root.mkdir()
    for entry in (ROOT / "ptflow").iterdir():
        (package_root / entry.name).symlink_to(entry)
    for folder, package in PACKAGES.items():
        if folder != "ptflow":
            (package_root / package.split(".", 1)[1]).symlink_to(ROOT / folder)


def readable(line: str) -> str:
    """`ptflow/compiler/x.py:3: error` -> `compiler/x.py:3: error`."""
    return re.sub(r"^ptflow/(compiler|runtime|stdlib|grammar)/", r"\1/", line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", metavar="FOLDER", help=f"any of {', '.join(PACKAGES)}")
    args = parser.parse_args(argv)
    unknown = [folder for folder in args.folders if folder not in PACKAGES]
    if unknown:
        parser.error(f"not a package folder: {', '.join(unknown)} (choose from {', '.join(PACKAGES)})")
    with tempfile.TemporaryDirectory(prefix="ptflow-typecheck-") as scratch:
        lay_out_packages(Path(scratch))
        command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        for folder in args.folders or CHECKED_BY_DEFAULT:
            command += ["-p", PACKAGES[folder]]
        result = subprocess.run(
            command,
            cwd=scratch,
            capture_output=True,
            text=True,
            env={**os.environ, "MYPY_CACHE_DIR": str(ROOT / ".mypy_cache")},
        )
    for line in (result.stdout + result.stderr).splitlines():
        print(readable(line))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
