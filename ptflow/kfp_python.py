"""Compiling a KFP Python file with the user's kfp, in a child process, for `ptflow import pipeline.py`.

ptflow never imports kfp itself (the compile path must not, and the user's
file runs the user's code): `compile_python_file` runs this module
(`python -m ptflow.kfp_python FILE`) with the same interpreter, which imports the file under a name other
than `__main__` (so its own `compiler.Compiler().compile(...)` block does not
run), picks the pipeline (`--function NAME`, else the one `@dsl.pipeline` in
the file, else its one component) and writes kfp's compiled YAML to stdout.
Whatever goes wrong is one line on stderr and an exit code the parent turns
into a diagnostic: 3 kfp is not installed, 4 the file or kfp failed, 5 no (or
more than one) pipeline to choose.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

KFP_MISSING, COMPILE_FAILED, NO_SINGLE_PIPELINE = 3, 4, 5
TIMEOUT_SECONDS = 300


@dataclass
class Compiled:
    """kfp's YAML text, or the reason there is none and the exit code that says which kind."""

    text: str = ""
    problem: str = ""
    exit_code: int = 0


def compile_python_file(path: str, function: str | None) -> Compiled:
    command = [sys.executable, "-X", "utf8", "-m", "ptflow.kfp_python", str(Path(path).resolve())]
    if function:
        command += ["--function", function]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            stdin=subprocess.DEVNULL,
            cwd=Path(path).resolve().parent,
        )
    except subprocess.TimeoutExpired:
        return Compiled(problem=f"kfp did not finish compiling it in {TIMEOUT_SECONDS} s", exit_code=COMPILE_FAILED)
    if done.returncode == 0:
        return Compiled(text=done.stdout)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return Compiled(problem=lines[-1] if lines else f"exit code {done.returncode}", exit_code=done.returncode)


# ---------------------------------------------------------------- the child process


def _fail(code: int, message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(code)


def _reason(error: BaseException, path: Path) -> str:
    """`Type: first line of the message (file:line)`, the line being the user's file's innermost frame."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if Path(f.filename).resolve() == path] or frames[-1:]
    where = f" ({path.name}:{mine[-1].lineno})" if mine else ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}{where}"


def _choose(module, function: str | None, path: Path):
    from kfp.dsl import base_component, graph_component

    if function:
        if not hasattr(module, function):
            _fail(NO_SINGLE_PIPELINE, f"{path.name} defines no `{function}`")
        chosen = getattr(module, function)
        if not isinstance(chosen, base_component.BaseComponent):
            _fail(NO_SINGLE_PIPELINE, f"`{function}` is not a kfp pipeline or component (no @dsl.pipeline)")
        return chosen
    defined = {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, base_component.BaseComponent) and not name.startswith("_")
    }
    pipelines = [name for name, value in defined.items() if isinstance(value, graph_component.GraphComponent)]
    candidates = pipelines or list(defined)
    if len(candidates) != 1:
        what = "pipelines" if pipelines else "components"
        listed = ", ".join(candidates) or "none"
        _fail(
            NO_SINGLE_PIPELINE, f"{path.name} defines {len(candidates)} {what} ({listed}): choose one with --function"
        )
    return defined[candidates[0]]


def _main(argv: list[str]) -> None:
    import importlib.util
    import tempfile
    import warnings

    path = Path(argv[0]).resolve()
    function = argv[argv.index("--function") + 1] if "--function" in argv else None
    try:
        from kfp import compiler
    except ImportError:
        _fail(KFP_MISSING, "the `kfp` package is not installed")
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("ptflow_imported_pipeline", path)
    if spec is None or spec.loader is None:
        _fail(COMPILE_FAILED, f"{path.name} is not a Python file Python can import")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            spec.loader.exec_module(module)
            chosen = _choose(module, function, path)
            target = Path(folder) / "pipeline.yaml"
            compiler.Compiler().compile(chosen, str(target))
        except SystemExit:
            raise
        except BaseException as error:  # noqa: BLE001 - the user's code: any failure is reported as one line
            _fail(COMPILE_FAILED, _reason(error, path))
        sys.stdout.write(target.read_text(encoding="utf-8"))


if __name__ == "__main__":
    _main(sys.argv[1:])
