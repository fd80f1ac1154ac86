"""`torch.train`: PyTorch Lightning on a prepared dataset, with profiling, metrics and export."""

from __future__ import annotations

from pathlib import Path

from ptflow.runtime.contract import Artifact, ClassificationMetrics, Dataset, Metrics, Model, Outputs, step


@step(
    "torch.train",
    outputs={
        "model_file": Model,
        "checkpoint": Artifact,
        "tensorboard": Artifact,
        "metrics": Metrics,
        "confusion": ClassificationMetrics,
        "accuracy": float,
        "val_accuracy": float,
    },
)
def train(
    out: Outputs,
    data: Dataset,
    model: str = "cnn",
    module_file: str | None = None,
    module_class: str | None = None,
    pretrained: bool = True,
    max_epochs: int = 1,
    lr: float = 0.001,
    batch_size: int = 64,
    seed: int = 42,
    hparams: dict = {},  # noqa: B006
    accelerator: str = "auto",
    devices: str = "auto",
    strategy: str = "auto",
    num_nodes: int = 1,
    profiler: str | None = None,
    max_length: int = 64,
    num_workers: int = 0,
    monitor: str = "val_loss",
    keep_best: bool = True,
    early_stopping_patience: int | None = None,
    lr_monitor: bool = True,
    lr_scheduler: str | None = None,
) -> dict:
    """Train a classifier with PyTorch Lightning and measure it on the test split.

    Built-in models: `cnn` and `resnet18` for images, `bert` for text (from the
    MiniLM weights, or a small random BERT with pretrained=false); or your own
    LightningModule in `module_file`.  Keys of `hparams` named like an input
    (lr, batch_size, max_epochs, seed) override it; the others go to the model
    (dropout, hidden, ...), the optimizer (weight_decay, eps) or your module.

    As the original samples: the epoch with the best `monitor` on the
    validation split is kept (the model, the checkpoint and so the archive),
    training may stop early, and the learning rate is logged to TensorBoard.
    """
    from ptflow.stdlib.training import run

    request = run.merge_hparams(
        run.TrainRequest(
            data=data.path,
            model=model,
            module_file=Path(module_file) if module_file else None,
            module_class=module_class,
            pretrained=pretrained,
            max_epochs=max_epochs,
            lr=lr,
            batch_size=batch_size,
            seed=seed,
            hparams=dict(hparams),
            accelerator=accelerator,
            devices=run.parse_devices(devices),
            strategy=strategy,
            num_nodes=num_nodes,
            profiler=profiler,
            max_length=max_length,
            num_workers=num_workers,
            monitor=monitor,
            keep_best=keep_best,
            early_stopping_patience=early_stopping_patience,
            lr_monitor=lr_monitor,
            lr_scheduler=lr_scheduler,
        )
    )
    manifest = run.check_request(request)  # before torch is imported: bad inputs fail in a moment
    return run.train(request, out, manifest) or {}
