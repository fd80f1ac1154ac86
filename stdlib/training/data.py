"""A prepared dataset as tensors and data loaders for training."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, TensorDataset

from ptflow.runtime.contract import StepError
from ptflow.stdlib import prepared


@dataclass
class Splits:
    manifest: prepared.Manifest
    datasets: dict[str, TensorDataset]  # split -> (inputs..., labels); a split may be empty

    def has(self, split: str) -> bool:
        return len(self.datasets[split]) > 0

    @property
    def evaluation_split(self) -> str:
        """The split metrics are measured on: test, or val when the test split is empty."""
        for split in ("test", "val"):
            if self.has(split):
                return split
        raise StepError(
            "the dataset has no test or val samples to measure the model on; prepare it with test_fraction above 0"
        )

    def example(self) -> tuple[torch.Tensor, ...]:
        """One input sample, batched, as the exported model takes it."""
        split = "train" if self.has("train") else self.evaluation_split
        inputs = self.datasets[split][:1][:-1]
        return tuple(to_model_input(tensor) for tensor in inputs)


def to_model_input(tensor: torch.Tensor) -> torch.Tensor:
    """Images are stored as uint8; networks take float32 in [0, 1]."""
    return tensor.float().div_(255) if tensor.dtype == torch.uint8 else tensor


def collate(samples: list[tuple[torch.Tensor, ...]]) -> tuple[torch.Tensor, ...]:
    columns = [torch.stack(column) for column in zip(*samples)]
    return (*(to_model_input(column) for column in columns[:-1]), columns[-1])


def load_splits(root: Path, manifest: prepared.Manifest, tokenizer: Any = None, max_length: int = 64) -> Splits:
    datasets = {}
    for split in ("train", "val", "test"):
        if manifest.kind == "images":
            images, labels = prepared.read_image_split(root, manifest, split)
            datasets[split] = TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
        else:
            texts, labels = prepared.read_text_split(root, manifest, split)
            # A tokenizer refuses an empty batch; tokenize a blank and keep none of it for an empty split.
            encoded = tokenizer(
                texts or [""], padding="max_length", truncation=True, max_length=max_length, return_tensors="pt"
            )
            count = len(texts)
            datasets[split] = TensorDataset(
                encoded["input_ids"][:count], encoded["attention_mask"][:count], torch.from_numpy(labels)
            )
    if len(datasets["train"]) == 0:
        raise StepError(f"the dataset at {root} has no training samples")
    return Splits(manifest, datasets)


def loader(dataset: TensorDataset, batch_size: int, shuffle: bool, num_workers: int) -> DataLoader:
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        collate_fn=collate,
        persistent_workers=num_workers > 0,
    )
