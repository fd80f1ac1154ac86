"""Measuring a trained classifier on held-out data: accuracy, loss, confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader


@dataclass
class Evaluation:
    split: str
    count: int
    accuracy: float
    loss: float
    confusion: np.ndarray  # rows: true class, columns: predicted class


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader, num_classes: int, split: str, device: torch.device) -> Evaluation:
    was_training = model.training
    model.eval()
    total_loss, count = 0.0, 0
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    for batch in loader:
        *inputs, labels = (tensor.to(device) for tensor in batch)
        logits = model(*inputs)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        predicted = logits.argmax(dim=1)
        confusion += np.bincount(
            (labels * num_classes + predicted).cpu().numpy(), minlength=num_classes * num_classes
        ).reshape(num_classes, num_classes)
        count += len(labels)
    model.train(was_training)
    return Evaluation(split, count, float(np.trace(confusion)) / max(count, 1), total_loss / max(count, 1), confusion)
