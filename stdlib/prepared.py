"""The on-disk layout of a prepared dataset: what `prepare_*` write and `train` reads.

A prepared dataset is a directory:

    dataset.json                 the manifest below
    train/shard-000000.tar ...   images: webdataset-style tar shards, one sample
    val/...  test/...            per key: `<key>.png` (the image) + `<key>.cls` (class index)
    train.parquet ...            text: one table per split, columns text,label
                                 (`.csv` when pyarrow is not installed)

The manifest names the kind, the class names (index = label), the files of
each split and, for images, the shape and the per-channel mean/std of the
train split, so a trainer needs nothing but the directory.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ptflow.runtime.contract import StepError

MANIFEST = "dataset.json"
FORMAT = "ptflow.dataset/1"


@dataclass
class Manifest:
    kind: str  # "images" or "text"
    source: str
    classes: list[str]
    splits: dict[str, dict[str, Any]]  # split -> {"count": n, "files": [relative paths]}
    seed: int
    details: dict[str, Any] = field(default_factory=dict)  # images: shape/mean/std; text: table format

    def write(self, root: Path) -> None:
        document = {
            "format": FORMAT,
            "kind": self.kind,
            "source": self.source,
            "classes": self.classes,
            "seed": self.seed,
            "splits": self.splits,
            self.kind: self.details,
        }
        (root / MANIFEST).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if not path.is_file():
            raise StepError(
                f"{root} is not a prepared dataset: it has no {MANIFEST} (write it with "
                "torch.prepare_images or torch.prepare_text)"
            )
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != FORMAT:
                raise StepError(f"{path}: format {document.get('format')!r}, expected {FORMAT!r}")
            return cls(
                document["kind"],
                document["source"],
                document["classes"],
                document["splits"],
                document["seed"],
                document.get(document["kind"], {}),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise StepError(f"{path} is not a valid dataset manifest: {error}") from None

    def count(self, split: str) -> int:
        return int(self.splits.get(split, {}).get("count", 0))


# --------------------------------------------------------------- image shards


def encode_png(image: np.ndarray) -> bytes:
    """A uint8 image, CHW with C = 1 or 3, as PNG bytes."""
    from PIL import Image

    pixels = image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def decode_png(data: bytes, channels: int) -> np.ndarray:
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image = image.convert("L" if channels == 1 else "RGB")
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels[None] if channels == 1 else np.transpose(pixels, (2, 0, 1))


def write_shards(root: Path, split: str, images: np.ndarray, labels: np.ndarray, shard_size: int) -> list[str]:
    """Write `images` (N,C,H,W uint8) and labels as tar shards; returns their relative paths."""
    directory = root / split
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for shard_index, start in enumerate(range(0, len(images), shard_size)):
        relative = f"{split}/shard-{shard_index:06d}.tar"
        with tarfile.open(root / relative, "w") as tar:
            for offset in range(start, min(start + shard_size, len(images))):
                key = f"{split}-{offset:08d}"
                _add_member(tar, f"{key}.png", encode_png(images[offset]))
                _add_member(tar, f"{key}.cls", str(int(labels[offset])).encode())
        files.append(relative)
    return files


def _add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0  # the same data always gives the same bytes
    tar.addfile(info, io.BytesIO(data))


def iter_shard_samples(path: Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(key, {extension: bytes}) for each sample of one shard, in order."""
    key, sample = None, {}
    with tarfile.open(path, "r") as tar:
        for member in tar:
            if not member.isfile():
                continue
            stem, _, extension = member.name.rpartition("/")[2].partition(".")
            if stem != key and sample:
                yield key, sample
                sample = {}
            key = stem
            sample[extension] = tar.extractfile(member).read()
    if sample:
        yield key, sample


def read_image_split(root: Path, manifest: Manifest, split: str) -> tuple[np.ndarray, np.ndarray]:
    """All images (N,C,H,W uint8) and labels (N, int64) of one split."""
    channels, height, width = manifest.details["shape"]
    files = manifest.splits.get(split, {}).get("files", [])
    count = manifest.count(split)
    images = np.empty((count, channels, height, width), dtype=np.uint8)
    labels = np.empty(count, dtype=np.int64)
    index = 0
    for relative in files:
        path = root / relative
        if not path.is_file():
            raise StepError(f"the dataset at {root} is incomplete: {relative} is missing")
        for key, sample in iter_shard_samples(path):
            if "png" not in sample or "cls" not in sample or index >= count:
                raise StepError(
                    f"{relative}: sample {key} is not a png/cls pair, or the shard holds more "
                    f"samples than the manifest's {count}"
                )
            images[index] = decode_png(sample["png"], channels)
            labels[index] = int(sample["cls"])
            index += 1
    if index != count:
        raise StepError(f"the {split} split of {root} has {index} samples, its manifest says {count}")
    return images, labels


# ---------------------------------------------------------------- text tables


def table_format(requested: str) -> str:
    """ "parquet" or "csv": `auto` is parquet when pyarrow is installed."""
    if requested == "auto":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return "csv"
        return "parquet"
    return requested


def write_table(root: Path, split: str, texts: list[str], labels: np.ndarray, fmt: str) -> str:
    import pandas as pd

    frame = pd.DataFrame({"text": texts, "label": labels.astype(np.int64)})
    relative = f"{split}.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(root / relative, index=False)
    else:
        frame.to_csv(root / relative, index=False)
    return relative


def read_text_split(root: Path, manifest: Manifest, split: str) -> tuple[list[str], np.ndarray]:
    import pandas as pd

    (relative,) = manifest.splits[split]["files"]
    path = root / relative
    if not path.is_file():
        raise StepError(f"the dataset at {root} is incomplete: {relative} is missing")
    if relative.endswith(".parquet"):
        try:
            frame = pd.read_parquet(path)
        except ImportError:
            raise StepError(f"{relative} is parquet, and reading it needs pyarrow: pip install pyarrow") from None
    else:
        frame = pd.read_csv(path, keep_default_na=False)
    return [str(text) for text in frame["text"]], frame["label"].to_numpy(dtype=np.int64)
