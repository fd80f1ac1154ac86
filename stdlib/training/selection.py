"""Which weights a training run keeps: best-epoch checkpointing, early stopping, learning-rate logging.

As the original PyTorch-on-Kubeflow samples did with Lightning's
ModelCheckpoint(save_top_k=1), EarlyStopping and LearningRateMonitor: the
run watches a validation metric (`monitor`), keeps the checkpoint of the
epoch where it was best, may stop once it stops improving, and logs the
learning rate of every optimizer to TensorBoard.  After `fit`, `restore_best`
puts the best epoch's weights back into the module, so the evaluation, the
exported model and therefore the TorchServe archive are the best epoch's, not
the last one's.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import StepError, UsageError

# The metrics ClassifierModule logs on the validation split, and which way is better.
MONITORS = {"val_loss": "min", "val_acc": "max"}
LR_SCHEDULERS = ("plateau",)


def check_options(
    monitor: str,
    early_stopping_patience: int | None,
    lr_scheduler: str | None,
    validation_samples: int,
    user_module: bool,
) -> None:
    """Refuse options that can't work, before torch is imported."""
    if monitor not in MONITORS:
        raise UsageError(
            f"--monitor: expected {' or '.join(MONITORS)} (the metrics logged on the validation split), got {monitor!r}"
        )
    if early_stopping_patience is not None and early_stopping_patience < 1:
        raise UsageError(f"--early_stopping_patience: must be at least 1 epoch, got {early_stopping_patience}")
    if lr_scheduler is not None and lr_scheduler not in LR_SCHEDULERS:
        raise UsageError(f"--lr_scheduler: expected {', '.join(LR_SCHEDULERS)} (or leave it out), got {lr_scheduler!r}")
    if lr_scheduler is not None and user_module:
        raise UsageError(
            "--lr_scheduler: a module_file chooses its own scheduler in configure_optimizers; leave lr_scheduler out"
        )
    needs_validation = [
        name
        for name, given in (
            ("early_stopping_patience", early_stopping_patience is not None),
            ("lr_scheduler", lr_scheduler is not None),
        )
        if given
    ]
    if needs_validation and validation_samples == 0:
        raise UsageError(
            f"--{needs_validation[0]}: watches {monitor} on the validation split, and the dataset "
            "has none; prepare it with val_fraction above 0"
        )


@dataclass
class Selection:
    """The callbacks of one run and where the best checkpoint goes."""

    monitor: str
    callbacks: list = field(default_factory=list)
    best: Any = None  # the ModelCheckpoint, when the best epoch is kept
    directory: Path | None = None

    @property
    def mode(self) -> str:
        return MONITORS[self.monitor]


def callbacks(
    monitor: str, keep_best: bool, early_stopping_patience: int | None, lr_monitor: bool, has_validation: bool
) -> Selection:
    from pytorch_lightning import callbacks as cb

    selection = Selection(monitor)
    if lr_monitor:
        selection.callbacks.append(cb.LearningRateMonitor(logging_interval="epoch"))
    if not has_validation:
        return selection  # nothing to select on: the last epoch is kept (check_options refused the rest)
    if keep_best:
        # A private folder: Lightning broadcasts rank 0's path, so DDP ranks on one node agree on it.
        selection.directory = Path(tempfile.mkdtemp(prefix="ptflow-best-"))
        selection.best = cb.ModelCheckpoint(
            dirpath=str(selection.directory),
            filename="best",
            monitor=monitor,
            mode=selection.mode,
            save_top_k=1,
            save_weights_only=False,
            enable_version_counter=False,
        )
        selection.callbacks.append(selection.best)
    if early_stopping_patience is not None:
        selection.callbacks.append(
            cb.EarlyStopping(monitor=monitor, mode=selection.mode, patience=early_stopping_patience)
        )
    return selection


def restore_best(selection: Selection, module) -> dict[str, Any]:
    """Load the best epoch's weights into `module`; returns what was kept, for the checkpoint's metadata."""
    import torch

    if selection.best is None or not selection.best.best_model_path:
        return {"kept": "last"}
    path = Path(selection.best.best_model_path)
    if not path.is_file():
        raise StepError(f"the best checkpoint {path} is missing after training")
    state = torch.load(path, map_location="cpu", weights_only=False)
    module.load_state_dict(state["state_dict"])
    return {
        "kept": "best",
        "monitor": selection.monitor,
        "best_score": float(selection.best.best_model_score),
        "best_epoch": int(state["epoch"]),
        "path": path,
    }


def cleanup(selection: Selection) -> None:
    if selection.directory is not None:
        shutil.rmtree(selection.directory, ignore_errors=True)
