"""Profiling a training run: PyTorch profiler traces where TensorBoard's profiler plugin finds them.

`torch.profiler` is driven directly from a Lightning callback rather than
through Lightning's PyTorchProfiler, which patches every submodule's forward
(the trained network then no longer scripts) and fails on teardown in
Lightning 2.6.  The traces (`*.pt.trace.json`) go to `<logs>/profiler/`,
which the torch-tb-profiler plugin lists as the run `profiler`.
"""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
import torch.profiler

PROFILER_RUN = "profiler"


class TraceProfiler(pl.Callback):
    """Records a few training steps (skip one, warm up one, record up to three) once."""

    def __init__(self, logs: Path, train_batches: int):
        self.directory = str(logs / PROFILER_RUN)
        active = min(3, train_batches)
        warmup = min(1, train_batches - active)
        wait = min(1, train_batches - active - warmup)
        self.schedule = torch.profiler.schedule(wait=wait, warmup=warmup, active=active, repeat=1)
        self.profiler: torch.profiler.profile | None = None

    def on_train_start(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        activities = [torch.profiler.ProfilerActivity.CPU]
        if torch.cuda.is_available() and module.device.type == "cuda":
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        self.profiler = torch.profiler.profile(
            activities=activities,
            schedule=self.schedule,
            record_shapes=True,
            profile_memory=True,
            on_trace_ready=torch.profiler.tensorboard_trace_handler(
                self.directory, worker_name=f"rank{trainer.global_rank}"
            ),
        )
        self.profiler.__enter__()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_index) -> None:
        if self.profiler is not None:
            self.profiler.step()

    def on_train_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if self.profiler is not None:
            self.profiler.__exit__(None, None, None)
            self.profiler = None
