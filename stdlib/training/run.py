"""One training run of `torch.train`: data, network, Lightning trainer, evaluation, export.

`check_request` does every check that needs no heavy import, so a bad input
fails in well under a second; `train` then does the work.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import ClassificationMetrics, Metrics, Outputs, StepError, UsageError

log = logging.getLogger(__name__)

PROFILERS = ("simple", "advanced", "pytorch")
# hparams keys that override the step's own inputs (what HPO usually tunes).
STEP_HPARAMS = {"lr": float, "batch_size": int, "max_epochs": int, "seed": int}
OPTIMIZER_HPARAMS = {"weight_decay": 0.0, "eps": 1e-8}


@dataclass
class TrainRequest:
    data: Path
    model: str = "cnn"
    module_file: Path | None = None
    module_class: str | None = None
    pretrained: bool = True
    max_epochs: int = 1
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 42
    hparams: dict[str, Any] = field(default_factory=dict)  # the rest, after step inputs were taken out
    accelerator: str = "auto"
    devices: Any = "auto"
    strategy: str = "auto"
    num_nodes: int = 1
    profiler: str | None = None
    max_length: int = 64
    num_workers: int = 0
    monitor: str = "val_loss"  # the validation metric that picks the best epoch and stops early
    keep_best: bool = True
    early_stopping_patience: int | None = None
    lr_monitor: bool = True
    lr_scheduler: str | None = None


def parse_devices(text: str) -> Any:
    """Lightning's `devices`: "auto", a count ("2", "-1" for all) or a list of indices ("0,1")."""
    text = text.strip()
    if text == "auto":
        return text
    try:
        if "," in text:
            return [int(part) for part in text.split(",") if part.strip()]
        return int(text)
    except ValueError:
        raise UsageError(f"--devices: expected auto, a number or a list like 0,1; got {text!r}") from None


def _as_whole(name: str, value: Any) -> int:
    # KFP keeps numbers as doubles, so an int from HPO may arrive as 64.0.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
        raise UsageError(f"hparams[{name!r}]: expected a whole number, got {value!r}")
    return int(value)


def merge_hparams(request: TrainRequest) -> TrainRequest:
    """Step inputs named in hparams (lr, batch_size, ...) take the hparams value."""
    overrides, rest = {}, {}
    for name, value in request.hparams.items():
        if name in STEP_HPARAMS:
            if STEP_HPARAMS[name] is int:
                overrides[name] = _as_whole(name, value)
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UsageError(f"hparams[{name!r}]: expected a number, got {value!r}")
            else:
                overrides[name] = float(value)
        else:
            rest[name] = value
    if overrides:
        log.info("hparams override %s", ", ".join(f"{k}={v}" for k, v in overrides.items()))
    return replace(request, hparams=rest, **overrides)


def check_request(request: TrainRequest):
    """Everything that can be checked without torch; returns the dataset manifest."""
    from ptflow.stdlib import prepared
    from ptflow.stdlib.training.catalogue import MODEL_HPARAMS, check_model_name

    for name in ("max_epochs", "batch_size", "num_nodes", "max_length"):
        if getattr(request, name) < 1:
            raise UsageError(f"--{name}: must be at least 1, got {getattr(request, name)}")
    if request.num_workers < 0:
        raise UsageError(f"--num_workers: must be 0 or more, got {request.num_workers}")
    if not request.lr > 0:
        raise UsageError(f"--lr: must be above 0, got {request.lr}")
    if request.profiler is not None and request.profiler not in PROFILERS:
        raise UsageError(
            f"--profiler: expected one of {', '.join(PROFILERS)} (or leave it out), got {request.profiler!r}"
        )
    manifest = prepared.Manifest.read(request.data)
    from ptflow.stdlib.training.selection import check_options

    check_options(
        request.monitor,
        request.early_stopping_patience,
        request.lr_scheduler,
        manifest.count("val"),
        request.module_file is not None,
    )
    if request.module_file is not None:
        from ptflow.stdlib.training.module_file import check_module_file

        check_module_file(request.module_file)
        return manifest
    check_model_name(request.model, manifest.kind)
    accepted = {**MODEL_HPARAMS[request.model], **OPTIMIZER_HPARAMS}
    unknown = sorted(set(request.hparams) - set(accepted))
    if unknown:
        raise UsageError(
            f"hparams {', '.join(map(repr, unknown))}: not used by model {request.model}; it takes "
            f"{', '.join(sorted([*accepted, *STEP_HPARAMS]))}"
        )
    return manifest


def train(request: TrainRequest, out: Outputs, manifest) -> dict[str, float] | None:
    """Train, then (on rank 0) keep the best epoch, evaluate, export and report.

    Returns the test accuracy and the validation accuracy (what HPO selects on); None off rank 0.
    """
    import pytorch_lightning as pl
    import torch

    from ptflow.stdlib.training import data as data_module
    from ptflow.stdlib.training import selection as selecting
    from ptflow.stdlib.training.evaluate import evaluate
    from ptflow.stdlib.training.export import export_model

    logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(_not_a_tip)
    pl.seed_everything(request.seed, workers=True, verbose=False)
    timings: dict[str, float] = {}
    with _timed(timings, "build"):
        built, module, module_hparams = _build(request, manifest)
    with _timed(timings, "data"):
        splits = data_module.load_splits(request.data, manifest, built.tokenizer if built else None, request.max_length)
    loaders = {
        split: data_module.loader(splits.datasets[split], request.batch_size, split == "train", request.num_workers)
        for split in ("train", "val", "test")
        if splits.has(split)
    }
    selection = selecting.callbacks(
        request.monitor, request.keep_best, request.early_stopping_patience, request.lr_monitor, "val" in loaders
    )
    try:
        with _timed(timings, "fit"):
            trainer = _fit(request, out, module, loaders, selection)
        with _timed(timings, "checkpoint"):
            kept = _keep_checkpoint(trainer, module, selection, out)
    finally:
        selecting.cleanup(selection)
    if not trainer.is_global_zero:
        return None
    if "val" not in loaders:
        log.warning(
            "the dataset has no validation split: the last epoch is kept and the validation metrics "
            "are measured on the training split"
        )

    net = built.net if built else module
    with _timed(timings, "evaluate"):

        def measure(split: str):
            return evaluate(
                net,
                data_module.loader(splits.datasets[split], request.batch_size, False, 0),
                len(manifest.classes),
                split,
                module.device,
            )

        result = measure(splits.evaluation_split)
        validation = measure("val" if "val" in loaders else "train")
    task = "image_classification" if manifest.kind == "images" else "text_classification"
    details = {
        "model": request.model if request.module_file is None else f"module_file:{request.module_file.name}",
        "framework": "pytorch",
        "torch_version": torch.__version__,
        "hparams": module_hparams,
        **(built.description if built else {}),
    }
    if manifest.kind == "text":
        details["max_length"] = request.max_length
    with _timed(timings, "export"):
        exported = export_model(
            out["model_file"].path,
            net,
            splits.example(),
            task,
            manifest.classes,
            details,
            built.tokenizer if built else None,
            request.module_file,
        )
    _report(out, result, validation, manifest.classes, exported, trainer, kept)
    log.info(
        "%s accuracy %.4f, loss %.4f on %d samples; %s accuracy %.4f",
        result.split,
        result.accuracy,
        result.loss,
        result.count,
        validation.split,
        validation.accuracy,
    )
    log.info("timings: %s", ", ".join(f"{phase} {seconds:.3f} s" for phase, seconds in timings.items()))
    return {"accuracy": result.accuracy, "val_accuracy": validation.accuracy}


def _fit(request: TrainRequest, out: Outputs, module, loaders: dict, selection):
    """The Lightning trainer, after fitting `module`."""
    import pytorch_lightning as pl
    from lightning_fabric.utilities.exceptions import MisconfigurationException

    tensorboard_dir = out["tensorboard"].path
    tensorboard_dir.mkdir(parents=True, exist_ok=True)
    profiler, callbacks = _profiler_and_callbacks(request.profiler, tensorboard_dir, len(loaders["train"]))
    trainer = pl.Trainer(
        max_epochs=request.max_epochs,
        accelerator=request.accelerator,
        devices=request.devices,
        strategy=request.strategy,
        num_nodes=request.num_nodes,
        logger=pl.loggers.TensorBoardLogger(str(tensorboard_dir), name="", version="", default_hp_metric=False),
        profiler=profiler,
        callbacks=[*callbacks, *selection.callbacks],
        # The best epoch's checkpoint is kept by `selection`; otherwise one is written at the end.
        enable_checkpointing=selection.best is not None,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=max(1, min(10, len(loaders["train"]))),
        default_root_dir=str(tensorboard_dir),
    )
    try:
        trainer.fit(module, train_dataloaders=loaders["train"], val_dataloaders=loaders.get("val"))
    except MisconfigurationException as error:
        # A user's module that never logs the monitored metric: say so without a traceback.
        raise StepError(f"training stopped: {error}") from None
    return trainer


def _keep_checkpoint(trainer, module, selection, out: Outputs) -> dict[str, Any]:
    """Write the `checkpoint` output: the best epoch's (its weights put back into `module`), else the last."""
    import shutil

    from ptflow.stdlib.training import selection as selecting

    use_best = selection.best is not None and bool(selection.best.best_model_path)  # the same on every rank
    if not use_best:
        trainer.save_checkpoint(str(out["checkpoint"].path), weights_only=False)  # every rank calls it
        return {"kept": "last"}
    if not trainer.is_global_zero:
        return {}
    kept = selecting.restore_best(selection, module)
    shutil.copyfile(kept.pop("path"), out["checkpoint"].path)
    log.info("kept epoch %d, the best by %s (%.4f)", kept["best_epoch"], kept["monitor"], kept["best_score"])
    return kept


@contextmanager
def _timed(timings: dict[str, float], phase: str):
    started = time.perf_counter()
    yield
    timings[phase] = time.perf_counter() - started


def _not_a_tip(record: logging.LogRecord) -> bool:
    """Lightning advertises a logging service on every run; step logs are for the step."""
    return "Tip:" not in record.getMessage()


def _build(request: TrainRequest, manifest):
    """(built-in network or None, the LightningModule, the hparams it was built with)."""
    from ptflow.stdlib.training import models
    from ptflow.stdlib.training.catalogue import MODEL_HPARAMS
    from ptflow.stdlib.training.module import ClassifierModule

    optimizer = {name: float(request.hparams.get(name, default)) for name, default in OPTIMIZER_HPARAMS.items()}
    optimizer.update(lr_scheduler=request.lr_scheduler, monitor=request.monitor)
    if request.module_file is not None:
        from ptflow.stdlib.training.module_file import construct_user_module, load_module_class

        cls = load_module_class(request.module_file, request.module_class)
        offered = {
            "num_classes": len(manifest.classes),
            "classes": manifest.classes,
            "lr": request.lr,
            "kind": manifest.kind,
            **_data_facts(manifest),
        }
        module = construct_user_module(cls, offered, request.hparams)
        return None, module, dict(request.hparams)
    defaults = MODEL_HPARAMS[request.model]
    model_hparams = {**defaults, **{k: v for k, v in request.hparams.items() if k in defaults}}
    if manifest.kind == "images":
        facts = manifest.details
        built = models.build_image_model(
            request.model, facts["shape"], facts["mean"], facts["std"], len(manifest.classes), model_hparams
        )
    else:
        built = models.build_text_model(manifest.classes, model_hparams, request.pretrained)
    recorded = {
        "model": request.model,
        "batch_size": request.batch_size,
        "max_epochs": request.max_epochs,
        "seed": request.seed,
        **model_hparams,
    }
    module = ClassifierModule(built.net, lr=request.lr, **optimizer, **recorded)
    return built, module, {**recorded, "lr": request.lr, **optimizer}


def _data_facts(manifest) -> dict[str, Any]:
    if manifest.kind == "images":
        return {
            "input_shape": manifest.details["shape"],
            "mean": manifest.details["mean"],
            "std": manifest.details["std"],
        }
    return {}


def _profiler_and_callbacks(name: str | None, directory: Path, train_batches: int) -> tuple[Any, list]:
    """(Lightning's `profiler`, extra callbacks) for the `profiler` input."""
    if name is None:
        return None, []
    from pytorch_lightning import profilers

    if name == "simple":
        return profilers.SimpleProfiler(dirpath=str(directory), filename="simple-profile"), []
    if name == "advanced":
        return profilers.AdvancedProfiler(dirpath=str(directory), filename="advanced-profile"), []
    from ptflow.stdlib.training.profiling import TraceProfiler

    return None, [TraceProfiler(directory, train_batches)]


def _report(
    out: Outputs, result, validation, classes: list[str], exported: dict, trainer, kept: dict[str, Any]
) -> None:
    metrics: Metrics = out["metrics"]
    metrics.log_metric("accuracy", result.accuracy, percentage=True)
    metrics.log_metric("loss", result.loss)
    metrics.log_metric("val_accuracy", validation.accuracy, percentage=True)
    metrics.log_metric("val_loss", validation.loss)
    confusion: ClassificationMetrics = out["confusion"]
    confusion.log_confusion_matrix(classes, result.confusion.tolist())
    confusion.metadata["split"] = result.split
    out["model_file"].metadata.update(
        {
            "framework": "pytorch",
            "format": exported["format"],
            "task": exported["task"],
            "classes": len(classes),
            "accuracy": round(result.accuracy, 6),
        }
    )
    out["checkpoint"].metadata.update(
        {"framework": "pytorch_lightning", "epochs": trainer.current_epoch, "global_step": trainer.global_step, **kept}
    )
    from ptflow.stdlib.training.profiling import PROFILER_RUN

    if (out["tensorboard"].path / PROFILER_RUN).is_dir():
        out["tensorboard"].metadata["profiler_run"] = PROFILER_RUN
