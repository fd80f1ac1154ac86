"""Stratified train/val/test splits and the Markdown table of label counts."""

from __future__ import annotations

import numpy as np

from ptflow.runtime.contract import UsageError

SPLITS = ("train", "val", "test")


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 <= value < 1:
            raise UsageError(f"--{name}: must be at least 0 and below 1, got {value}")
    if val_fraction + test_fraction >= 1:
        raise UsageError(
            f"val_fraction + test_fraction is {val_fraction + test_fraction:g}: nothing is left to "
            "train on; keep their sum below 1"
        )


def stratified_subsample(labels: np.ndarray, max_samples: int, seed: int) -> np.ndarray:
    """Indices of at most `max_samples` items, keeping each class's share."""
    if max_samples >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    # Largest-remainder rounding: the quotas add up to exactly max_samples.
    exact = counts * max_samples / len(labels)
    quotas = np.floor(exact).astype(int)
    for position in np.argsort(quotas - exact)[: max_samples - quotas.sum()]:
        quotas[position] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == label))[:quota] for label, quota in zip(classes, quotas)]
    return np.sort(np.concatenate(chosen))


def stratified_split(labels: np.ndarray, val_fraction: float, test_fraction: float, seed: int) -> dict[str, np.ndarray]:
    """Indices of each split; every class is divided in the same proportions.

    The same labels, fractions and seed always give the same split.
    """
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(len(members) * test_fraction))
        n_val = int(round(len(members) * val_fraction))
        excess = n_test + n_val - (len(members) - 1)
        if excess > 0:  # a tiny class: keep at least one item to train on, taking from val first
            n_val -= min(excess, n_val)
            n_test = min(n_test, len(members) - 1 - n_val)
        parts["test"].append(members[:n_test])
        parts["val"].append(members[n_test : n_test + n_val])
        parts["train"].append(members[n_test + n_val :])
    # Shuffle within each split so shards mix the classes.
    return {name: rng.permutation(np.concatenate(chunks)) for name, chunks in parts.items()}


def label_counts_markdown(title: str, classes: list[str], labels: np.ndarray, splits: dict[str, np.ndarray]) -> str:
    """A Markdown table: one row per class, one column per split, with totals."""
    header = "| label | " + " | ".join(SPLITS) + " | total |"
    rule = "| --- | " + " | ".join("---:" for _ in SPLITS) + " | ---: |"
    rows = []
    totals = {name: 0 for name in SPLITS}
    for index, name in enumerate(classes):
        counts = {split: int(np.sum(labels[splits[split]] == index)) for split in SPLITS}
        for split, count in counts.items():
            totals[split] += count
        rows.append(f"| {_cell(name)} | " + " | ".join(str(counts[s]) for s in SPLITS) + f" | {sum(counts.values())} |")
    rows.append("| **total** | " + " | ".join(f"**{totals[s]}**" for s in SPLITS) + f" | **{sum(totals.values())}** |")
    return "\n".join([f"# {title}", "", header, rule, *rows, ""])


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")
