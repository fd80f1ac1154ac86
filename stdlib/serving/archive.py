"""TorchServe model archives (.mar) and the `config.properties` KServe's TorchServe predictor reads.

`serve.archive` writes the layout KServe's PyTorch predictor expects under its
`storageUri`:

    config/config.properties     enable_envvars_config, model_store, model_snapshot
    model-store/<name>.mar       built by torch-model-archiver

The model is what `torch.train` writes (a directory with `ptflow-model.json`
and TorchScript `model.pt`), any TorchScript file, or an eager model (a
state_dict plus the Python file defining its nn.Module).  The handler is
ptflow's own (`ptflow`, alias `explain`: JSON instances in, predictions out,
Captum explanations on `:explain`), one of TorchServe's built-in handlers, or
the user's handler file.  Everything is checked before the archiver runs, so a
request without a usable handler fails at once with the reason.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ptflow.runtime.contract import StepError, UsageError

MANIFEST = "ptflow-model.json"
PTFLOW_HANDLERS = ("ptflow", "explain")
# Every archive with ptflow's handler can explain, so it names what `:explain` imports.
HANDLER_REQUIREMENTS = ("captum",)
# TorchServe's built-in handlers (ts.torch_handler.<name>) that take a plain model.
BUILT_IN_HANDLERS = ("image_classifier", "text_classifier", "image_segmenter", "object_detector", "base_handler")
MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SERVING_DIR = Path(__file__).resolve().parent
# Inside KServe's TorchServe predictor the storageUri is mounted here.
KSERVE_MODEL_STORE = "/mnt/models/model-store"


@dataclass(frozen=True)
class ModelFiles:
    """What torch-model-archiver packs for the model."""

    serialized_file: Path
    model_file: Path | None  # eager models: the Python file defining the nn.Module
    manifest: Path | None  # ptflow-model.json, when the model came from torch.train
    extra: tuple[Path, ...]  # files and folders beside the model that serving needs (labels, tokenizer)


@dataclass(frozen=True)
class ServingSettings:
    """How TorchServe runs the model (written into config.properties' model_snapshot)."""

    min_workers: int = 1
    max_workers: int = 1
    batch_size: int = 1
    max_batch_delay_ms: int = 50
    response_timeout_s: int = 120
    # TorchServe pip-installs the archive's requirements.txt when it loads the model (the cluster needs PyPI);
    # False for a cluster without it, whose serving image already has the packages.
    install_requirements: bool = True


@dataclass(frozen=True)
class ArchiveRequest:
    model: Path
    name: str
    handler: str = "ptflow"
    version: str = "1.0"
    handler_file: Path | None = None
    model_file: Path | None = None
    extra_files: Path | None = None
    requirements: Path | None = None
    settings: ServingSettings = ServingSettings()


# ------------------------------------------------------------------ checks


def check_name(name: str) -> None:
    if not MODEL_NAME.match(name):
        raise UsageError(
            f"--name {name!r}: a model name is 1-128 letters, digits, `_`, `-` or `.`, starting with a "
            "letter or digit (it becomes part of URLs such as /v1/models/<name>:predict)"
        )


def resolve_handler(handler: str, handler_file: Path | None) -> str:
    """The `--handler` value for torch-model-archiver; UsageError when no usable handler is given."""
    if handler_file is not None:
        entry = check_handler_file(handler_file, handler)
        # The archiver's spelling of a function entry point is `path/module:function` (no .py).
        return f"{handler_file.with_suffix('')}:{entry}" if entry else str(handler_file)
    if handler in PTFLOW_HANDLERS:
        return str(SERVING_DIR / "torchserve_handler.py")
    if handler in BUILT_IN_HANDLERS:
        return handler
    choices = ", ".join([*PTFLOW_HANDLERS, *BUILT_IN_HANDLERS])
    if not handler.strip():
        raise UsageError(
            f"--handler is empty: an archive needs a handler to answer requests; name one of {choices}, "
            "or give your handler's Python file as --handler_file"
        )
    from ptflow.runtime.suggestions import did_you_mean

    suggestion = did_you_mean(handler, [*PTFLOW_HANDLERS, *BUILT_IN_HANDLERS])
    hint = f"did you mean `{suggestion}`? " if suggestion else ""
    raise UsageError(
        f"--handler {handler!r} is not a handler TorchServe knows; {hint}use one of {choices}, or give "
        "your handler's Python file as --handler_file"
    )


def check_handler_file(path: Path, handler: str) -> str | None:
    """Check a custom handler the way TorchServe will load it; returns its function entry point, if any.

    TorchServe imports the file and takes its one class (which must have `handle`),
    or, with `file.py:function`, that function.  `handler` may name the function.
    """
    if not path.is_file():
        raise UsageError(f"--handler_file: no file at {path}")
    if path.suffix != ".py":
        raise UsageError(f"--handler_file: {path.name} is not a Python file (.py)")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise UsageError(f"--handler_file: {path.name} does not parse: {error.msg} (line {error.lineno})") from None
    functions = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    entry = handler if handler and handler not in (*PTFLOW_HANDLERS, *BUILT_IN_HANDLERS) else None
    if entry:
        if entry not in functions:
            raise UsageError(
                f"--handler {entry!r}: {path.name} defines no top-level function `{entry}` to use as "
                f"the entry point (its functions: {', '.join(sorted(functions)) or 'none'})"
            )
        return entry
    if len(classes) != 1:
        if "handle" in functions and not classes:
            return "handle"
        raise UsageError(
            f"--handler_file: {path.name} defines {len(classes)} classes; TorchServe needs exactly one "
            "handler class (with a `handle` method), or a module-level `handle(data, context)` "
            "function"
        )
    (handler_class,) = classes
    methods = {node.name for node in handler_class.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if "handle" not in methods and not handler_class.bases:
        raise UsageError(
            f"--handler_file: class {handler_class.name} in {path.name} has no `handle` method and no "
            "base class to inherit one from (subclass ts.torch_handler.base_handler.BaseHandler)"
        )
    return None


def find_model_files(model: Path, model_file: Path | None) -> ModelFiles:
    """The files to archive for `model`; UsageError when they can't be found."""
    if not model.exists():
        raise UsageError(f"--model: nothing at {model}")
    model = _trained_model_directory(model)
    if model.is_dir() and (model / MANIFEST).is_file():
        return _ptflow_model_files(model)
    if model.is_dir():
        candidates = sorted([*model.glob("*.pt"), *model.glob("*.pth")])
        if len(candidates) != 1:
            raise UsageError(
                f"--model: {model} holds {len(candidates)} model files (*.pt, *.pth) and no {MANIFEST}; "
                "give the model file itself"
            )
        model = candidates[0]
    if model_file is not None and not model_file.is_file():
        raise UsageError(f"--model_file: no file at {model_file}")
    labels = model.parent / "index_to_name.json"
    return ModelFiles(model, model_file, None, (labels,) if labels.is_file() else ())


def _trained_model_directory(model: Path) -> Path:
    """The model inside a training run's output folder, as `distributed.pytorchjob` leaves it.

    Its `output` is `torch.train`'s outputs folder (the model in `model_file/`)
    here, and in the cluster `location.json` naming that folder on the shared
    volume (which this step then mounts): the original sample's "mar restructure".
    """
    location = model / "location.json"
    if model.is_dir() and location.is_file() and not (model / MANIFEST).is_file():
        output_dir = json.loads(location.read_text(encoding="utf-8")).get("output_dir") or ""
        if not Path(output_dir).is_dir():
            raise UsageError(
                f"--model: {location} names {output_dir or 'no folder'}, which this step can't read; "
                "mount the volume the training wrote to (`with { volumes: [...] }`)"
            )
        model = Path(output_dir)
    if model.is_dir() and not (model / MANIFEST).is_file() and (model / "model_file" / MANIFEST).is_file():
        return model / "model_file"
    return model


def _ptflow_model_files(directory: Path) -> ModelFiles:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except ValueError as error:
        raise UsageError(f"--model: {directory / MANIFEST} is not JSON: {error}") from None
    serialized = directory / str(manifest.get("file", "model.pt"))
    if not serialized.is_file():
        raise UsageError(f"--model: {directory / MANIFEST} names {serialized.name}, which is missing")
    model_file = None
    if manifest.get("format") == "state_dict":
        model_file = directory / str(manifest.get("module_file", "module.py"))
        if not model_file.is_file():
            raise UsageError(f"--model: the eager model's Python file {model_file.name} is missing from {directory}")
    extra = [
        directory / name
        for name in ("index_to_name.json", str(manifest.get("tokenizer") or ""))
        if name and (directory / name).exists()
    ]
    return ModelFiles(serialized, model_file, directory / MANIFEST, tuple(extra))


# ------------------------------------------------------------------ building


def build_archive(request: ArchiveRequest, archive_dir: Path, config_file: Path | None = None) -> dict:
    """Write `archive_dir/model-store/<name>.mar` and `archive_dir/config/config.properties`.

    Returns a summary (paths, handler, sizes).  Everything that can be checked
    is checked before the archiver runs.
    """
    check_name(request.name)
    handler = resolve_handler(request.handler, request.handler_file)
    files = find_model_files(request.model, request.model_file)
    if request.handler in PTFLOW_HANDLERS and files.manifest is None and files.model_file is not None:
        raise UsageError(
            "handler `ptflow` serves TorchScript models and models trained by torch.train; for an eager "
            "model with --model_file use a built-in handler or your own --handler_file"
        )
    for path, flag in ((request.extra_files, "extra_files"), (request.requirements, "requirements")):
        if path is not None and not path.exists():
            raise UsageError(f"--{flag}: nothing at {path}")

    store = archive_dir / "model-store"
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ptflow-archive-") as scratch:
        staging = Path(scratch) / "extra"
        _stage_extra_files(staging, request, files)
        command = [
            sys.executable,
            "-m",
            "model_archiver.model_packaging",
            "--model-name",
            request.name,
            "--version",
            request.version,
            "--serialized-file",
            str(files.serialized_file),
            "--handler",
            handler,
            "--export-path",
            str(store),
            "--force",
        ]
        if files.model_file is not None:
            command += ["--model-file", str(files.model_file)]
        if any(staging.iterdir()):
            command += ["--extra-files", str(staging)]
        requirements = request.requirements or _handler_requirements(request, files, Path(scratch))
        if requirements is not None:
            command += ["--requirements-file", str(requirements)]
        # The archiver assembles the model in $TMPDIR/<name>: a private TMPDIR keeps two
        # archives of the same name (parallel pipeline steps) apart.
        environment = {**os.environ, "TMPDIR": scratch}
        completed = subprocess.run(command, capture_output=True, text=True, env=environment)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"exit {completed.returncode}"
            raise StepError(f"torch-model-archiver failed: {reason}")
    mar = store / f"{request.name}.mar"
    if not mar.is_file():
        raise StepError(f"torch-model-archiver reported success but wrote no {mar.name}")

    config_text = config_properties(request.name, request.version, mar.name, settings=request.settings)
    (archive_dir / "config").mkdir(parents=True, exist_ok=True)
    (archive_dir / "config" / "config.properties").write_text(config_text, encoding="utf-8")
    if config_file is not None:
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text(config_text, encoding="utf-8")
    with zipfile.ZipFile(mar) as packed:
        members = sorted(packed.namelist())
    return {
        "name": request.name,
        "version": request.version,
        "handler": request.handler_file.name if request.handler_file else request.handler,
        "mar": str(mar),
        "mar_bytes": mar.stat().st_size,
        "files": members,
    }


def _handler_requirements(request: ArchiveRequest, files: ModelFiles, scratch: Path) -> Path | None:
    """What ptflow's handler needs beyond TorchServe's image (TorchServe installs it when the model loads, as
    config.properties allows): captum for `:explain`, and transformers for a text model's tokenizer."""
    if request.handler not in PTFLOW_HANDLERS:
        return None
    packages = list(HANDLER_REQUIREMENTS)
    if files.manifest is not None and json.loads(files.manifest.read_text(encoding="utf-8")).get("tokenizer"):
        packages.append("transformers")
    path = scratch / "requirements.txt"
    path.write_text("".join(f"{package}\n" for package in packages), encoding="utf-8")
    return path


def _stage_extra_files(staging: Path, request: ArchiveRequest, files: ModelFiles) -> None:
    """One folder whose contents the archiver copies to the archive's root (it flattens each folder given)."""
    staging.mkdir(parents=True)
    for path in files.extra:
        _copy(path, staging / path.name)
    if files.manifest is not None:
        shutil.copyfile(files.manifest, staging / MANIFEST)
    if request.handler in PTFLOW_HANDLERS and request.handler_file is None:
        # The handler imports the shared runner by this name (see torchserve_handler.py).
        shutil.copyfile(SERVING_DIR / "inference.py", staging / "ptflow_inference.py")
    if request.extra_files is not None:
        if request.extra_files.is_dir():
            for item in sorted(request.extra_files.iterdir()):
                _copy(item, staging / item.name)
        else:
            _copy(request.extra_files, staging / request.extra_files.name)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def config_properties(
    name: str,
    version: str,
    mar_name: str,
    *,
    settings: ServingSettings = ServingSettings(),
    model_store: str = KSERVE_MODEL_STORE,
    address: str = "http://0.0.0.0",
    inference_port: int = 8085,
    management_port: int = 8085,
    metrics_port: int = 8082,
    grpc_ports: tuple[int, int] = (7070, 7071),
) -> str:
    """TorchServe's config.properties.

    The defaults are KServe's: its TorchServe predictor mounts the storageUri at
    /mnt/models, talks to TorchServe on 8085, and sets the protocol envelope
    through environment variables (enable_envvars_config).  Tests and local runs
    pass a loopback address, free ports and their own model store.
    """
    snapshot = {
        "name": "startup.cfg",
        "modelCount": 1,
        "models": {
            name: {
                version: {
                    "defaultVersion": True,
                    "marName": mar_name,
                    "minWorkers": settings.min_workers,
                    "maxWorkers": settings.max_workers,
                    "batchSize": settings.batch_size,
                    "maxBatchDelay": settings.max_batch_delay_ms,
                    "responseTimeout": settings.response_timeout_s,
                }
            }
        },
    }
    lines = {
        "inference_address": f"{address}:{inference_port}",
        "management_address": f"{address}:{management_port}",
        "metrics_address": f"{address}:{metrics_port}",
        "grpc_inference_address": address.split("://", 1)[-1],
        "grpc_management_address": address.split("://", 1)[-1],
        "grpc_inference_port": grpc_ports[0],
        "grpc_management_port": grpc_ports[1],
        "enable_envvars_config": "true",
        "install_py_dep_per_model": "true" if settings.install_requirements else "false",
        # Only the KServe wrapper in the same pod talks to TorchServe; tokens would lock it out.
        "disable_token_authorization": "true",
        "enable_metrics_api": "true",
        "metrics_mode": "prometheus",
        "number_of_netty_threads": 4,
        "job_queue_size": 10,
        "default_workers_per_model": settings.min_workers,
        "model_store": model_store,
        "model_snapshot": json.dumps(snapshot, separators=(",", ":")),
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def read_mar_manifest(mar: Path) -> dict:
    """MAR-INF/MANIFEST.json of an archive (model name, handler, files)."""
    try:
        with zipfile.ZipFile(mar) as packed:
            return json.loads(packed.read("MAR-INF/MANIFEST.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise UsageError(f"{mar} is not a TorchServe model archive: {error}") from None
