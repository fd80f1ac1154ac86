"""The LightningModule that trains a built-in network."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn


class ClassifierModule(pl.LightningModule):
    """Cross-entropy training of `net` with Adam; logs loss and accuracy for TensorBoard.

    `lr_scheduler="plateau"` divides the learning rate by 10 when `monitor`
    has not improved for two epochs (ReduceLROnPlateau, as the original samples).
    """

    def __init__(
        self,
        net: nn.Module,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        eps: float = 1e-8,
        lr_scheduler: str | None = None,
        monitor: str = "val_loss",
        **recorded: Any,
    ):
        super().__init__()
        self.net = net
        # Everything but the network goes into the checkpoint and TensorBoard's hparams.
        self.save_hyperparameters(ignore=["net"])

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.net(*inputs)

    def _loss_and_accuracy(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        *inputs, labels = batch
        logits = self.net(*inputs)
        loss = F.cross_entropy(logits, labels)
        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        return loss, accuracy

    def training_step(self, batch, batch_index):
        loss, accuracy = self._loss_and_accuracy(batch)
        size = len(batch[-1])
        self.log("train_loss", loss, on_step=True, on_epoch=True, sync_dist=True, batch_size=size)
        self.log("train_acc", accuracy, on_step=False, on_epoch=True, sync_dist=True, batch_size=size)
        return loss

    def validation_step(self, batch, batch_index):
        loss, accuracy = self._loss_and_accuracy(batch)
        size = len(batch[-1])
        self.log("val_loss", loss, on_epoch=True, sync_dist=True, batch_size=size)
        self.log("val_acc", accuracy, on_epoch=True, sync_dist=True, batch_size=size)

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(
            self.net.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay, eps=self.hparams.eps
        )
        if self.hparams.lr_scheduler != "plateau":
            return optimizer
        mode = "max" if self.hparams.monitor == "val_acc" else "min"
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, factor=0.1, patience=2)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "monitor": self.hparams.monitor}}
