"""Compile kfp's own test pipelines with the installed kfp (run as a script, in a subprocess).

    python tests/kfp_corpus/kfp_compile.py OUT_DIR [ID ...]

For every corpus entry (all of them without IDs) it imports the upstream file
and compiles its pipeline function with `kfp.compiler.Compiler`, writing the
YAML where the file's own `__main__` block would, but under OUT_DIR
(`OUT_DIR/test_data/sdk_compiled_pipelines/valid/<id>.yaml`, see
`CorpusEntry.compiled_path`), or `<that path>.error` holding the one-line
reason kfp could not compile it here.  It runs in its own process because the
upstream files change kfp's module state as they import (some re-bind
`dsl.component`).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
import types
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repository root, for `tests.kfp_corpus.corpus`

from tests.kfp_corpus.corpus import ENTRIES, UPSTREAM, CorpusEntry  # noqa: E402


def install_file_utils_stand_in(out_dir: Path) -> None:
    """Two upstream files load other corpus files' compiled YAML through kfp's test helper
    `sdk.python.test.test_utils.file_utils.FileUtils` (not vendored: it is test code, not data).
    This stand-in points its folders at OUT_DIR, so they load what the installed kfp just compiled
    rather than kfp's committed YAML."""

    class FileUtils:
        TEST_DATA = str(out_dir / "test_data")
        SDK_COMPILED_FILES = str(out_dir / "test_data" / "sdk_compiled_pipelines")
        VALID_PIPELINE_FILES = str(out_dir / "test_data" / "sdk_compiled_pipelines" / "valid")

    names = [
        "sdk",
        "sdk.python",
        "sdk.python.test",
        "sdk.python.test.test_utils",
        "sdk.python.test.test_utils.file_utils",
    ]
    for name in names:
        sys.modules[name] = types.ModuleType(name)
    sys.modules[names[-1]].FileUtils = FileUtils


def load_module(entry: CorpusEntry):
    """Import the upstream file under a unique module name."""
    module_name = "kfp_corpus__" + entry.id.replace("/", "__")
    spec = importlib.util.spec_from_file_location(module_name, UPSTREAM / entry.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def failure_reason(error: BaseException) -> str:
    """`Type: first line of the message (file:line)`, the frame being the innermost one."""
    last = traceback.extract_tb(error.__traceback__)[-1]
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message} ({Path(last.filename).name}:{last.lineno})"


def compile_entry(entry: CorpusEntry, out_dir: Path) -> None:
    from kfp import compiler

    target = out_dir / entry.compiled_path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        module = load_module(entry)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiler.Compiler().compile(getattr(module, entry.function), str(target))
    except Exception as error:  # noqa: BLE001 - a file kfp can't compile here is a finding to record
        target.with_suffix(".error").write_text(failure_reason(error) + "\n")
        return
    write_components(module, out_dir / "components" / entry.id)


def component_library_modules(module) -> list[types.ModuleType]:
    """The component libraries the file imports as modules (google-cloud-pipeline-components':
    `import google_cloud_pipeline_components.v1.custom_job as custom_job`), whose components its pipeline calls."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, types.ModuleType) and value.__name__.startswith("google_cloud_pipeline_components.")
    ]


def write_components(module, folder: Path) -> None:
    """Each component the file defines (not its pipelines), and each component of a component library it imports
    as a module (gcpc's `custom_job.CustomTrainingJobOp`: `CustomTrainingJobOp.yaml`), as kfp writes a component
    YAML: what a .ptflow twin imports (`import "NAME.yaml" as NAME`), as a user imports the components their team
    publishes or a library ships."""
    from kfp import compiler
    from kfp.dsl import base_component, graph_component

    folder.mkdir(parents=True, exist_ok=True)
    named = [item for library in component_library_modules(module) for item in vars(library).items()]
    for name, value in [*vars(module).items(), *named]:
        if isinstance(value, base_component.BaseComponent) and not isinstance(value, graph_component.GraphComponent):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    compiler.Compiler().compile(value, str(folder / f"{name}.yaml"))
            except Exception as error:  # noqa: BLE001 - recorded next to the YAML it could not write
                (folder / f"{name}.error").write_text(failure_reason(error) + "\n")


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]).resolve()
    wanted = set(argv[2:])
    # The upstream files import each other as `test_data.sdk_compiled_pipelines.valid...`.
    sys.path.insert(0, str(UPSTREAM))
    install_file_utils_stand_in(out_dir)
    # Files that load another entry's compiled YAML go after everything else.
    for entry in sorted(ENTRIES, key=lambda e: bool(e.loads_compiled)):
        if not wanted or entry.id in wanted:
            compile_entry(entry, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
