"""`torch.prepare_images` and `torch.prepare_text`: data in, a split prepared dataset out."""

from __future__ import annotations

import logging

from ptflow.runtime.contract import Artifact, Dataset, Markdown, Outputs, UsageError, step

log = logging.getLogger(__name__)


@step("torch.prepare_images", outputs={"data": Dataset, "summary": Markdown})
def prepare_images(
    out: Outputs,
    dataset: str | None = None,
    folder: Artifact | None = None,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 42,
    shard_size: int = 1000,
    image_size: int | None = None,
    max_samples: int | None = None,
) -> None:
    """Split images into train/val/test webdataset shards, stratified by class.

    The source is `dataset` ("digits", scikit-learn's bundled 8x8 digits, the
    offline default; "cifar10" through torchvision) or `folder`, a directory
    with one subfolder of images per class.
    """
    from ptflow.stdlib import image_sources, splits

    splits.check_fractions(val_fraction, test_fraction)
    _check_positive(shard_size=shard_size, image_size=image_size, max_samples=max_samples)
    if folder is not None and dataset is not None:
        raise UsageError("give either `dataset` (a built-in set) or `folder` (your images), not both")
    if dataset is not None and dataset not in image_sources.BUILT_IN:
        raise UsageError(
            f"--dataset: unknown image dataset {dataset!r}; the built-in ones are "
            + ", ".join(image_sources.BUILT_IN)
            + " (or pass your images as `folder`)"
        )
    if folder is not None:
        image_sources.check_folder(folder.path)  # layout errors before any image is decoded
        images = image_sources.load_folder(folder.path, image_size)
    elif dataset == "cifar10":
        images = image_sources.load_cifar10()
    else:
        images = image_sources.load_digits()
    _write_images(
        out,
        images,
        val_fraction,
        test_fraction,
        seed,
        shard_size,
        max_samples,
        resize_to=image_size if folder is None else None,
    )  # a folder's images were sized as read


@step("torch.prepare_text", outputs={"data": Dataset, "summary": Markdown})
def prepare_text(
    out: Outputs,
    dataset: str | None = None,
    csv: Artifact | None = None,
    text_column: str = "text",
    label_column: str = "label",
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    seed: int = 42,
    max_samples: int | None = None,
    table_format: str = "auto",
) -> None:
    """Split labelled sentences into train/val/test tables, stratified by class.

    The source is `dataset` ("news", 440 sentences in four classes shipped with
    ptflow, the offline default; "ag_news", downloaded) or `csv`, your own file
    with a text and a label column.  Tables are parquet when pyarrow is there.
    """
    from ptflow.stdlib import prepared, splits, text_sources

    splits.check_fractions(val_fraction, test_fraction)
    _check_positive(max_samples=max_samples)
    if table_format not in ("auto", "parquet", "csv"):
        raise UsageError(f"--table_format: expected auto, parquet or csv, got {table_format!r}")
    if csv is not None and dataset is not None:
        raise UsageError("give either `dataset` (a built-in set) or `csv` (your file), not both")
    if dataset is not None and dataset not in text_sources.BUILT_IN:
        raise UsageError(
            f"--dataset: unknown text dataset {dataset!r}; the built-in ones are "
            + ", ".join(text_sources.BUILT_IN)
            + " (or pass your own file as `csv`)"
        )
    fmt = prepared.table_format(table_format)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageError("--table_format parquet needs pyarrow: pip install pyarrow, or use csv") from None
    if csv is not None:
        texts = text_sources.load_csv(csv.path, text_column, label_column)
    elif dataset == "ag_news":
        texts = text_sources.load_ag_news()
    else:
        texts = text_sources.load_shipped()

    labels = texts.labels
    chosen = None
    if max_samples:
        chosen = splits.stratified_subsample(labels, max_samples, seed)
        labels = labels[chosen]
    all_texts = texts.texts if chosen is None else [texts.texts[i] for i in chosen]
    parts = splits.stratified_split(labels, val_fraction, test_fraction, seed)
    root = out["data"].path
    root.mkdir(parents=True, exist_ok=True)
    split_files = {}
    for name, indices in parts.items():
        relative = prepared.write_table(root, name, [all_texts[i] for i in indices], labels[indices], fmt)
        split_files[name] = {"count": int(len(indices)), "files": [relative]}
    manifest = prepared.Manifest("text", texts.source, texts.classes, split_files, seed, {"format": fmt})
    manifest.write(root)
    _finish(out, manifest, labels, parts, f"Text: {texts.source}")


def _write_images(
    out: Outputs,
    images,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    shard_size: int,
    max_samples: int | None,
    resize_to: int | None,
) -> None:
    import numpy as np

    from ptflow.stdlib import prepared, splits

    pixels, labels = images.images, images.labels
    if max_samples:
        chosen = splits.stratified_subsample(labels, max_samples, seed)
        pixels, labels = pixels[chosen], labels[chosen]
    if resize_to and pixels.shape[-1] != resize_to:
        pixels = _resize(pixels, resize_to)
    parts = splits.stratified_split(labels, val_fraction, test_fraction, seed)
    root = out["data"].path
    root.mkdir(parents=True, exist_ok=True)
    split_files = {}
    for name, indices in parts.items():
        files = prepared.write_shards(root, name, pixels[indices], labels[indices], shard_size)
        split_files[name] = {"count": int(len(indices)), "files": files}
    # Normalisation statistics come from the train split only (no test leakage).
    train = pixels[parts["train"]].astype(np.float64) / 255.0
    details = {
        "shape": list(pixels.shape[1:]),
        "mean": train.mean(axis=(0, 2, 3)).round(6).tolist(),
        "std": np.maximum(train.std(axis=(0, 2, 3)), 1e-6).round(6).tolist(),
    }
    manifest = prepared.Manifest("images", images.source, images.classes, split_files, seed, details)
    manifest.write(root)
    _finish(out, manifest, labels, parts, f"Images: {images.source}")


def _finish(out: Outputs, manifest, labels, parts, title: str) -> None:
    from ptflow.stdlib import splits

    summary = splits.label_counts_markdown(title, manifest.classes, labels, parts)
    out["summary"].path.write_text(summary, encoding="utf-8")
    out["data"].metadata.update(
        {
            "kind": manifest.kind,
            "source": manifest.source,
            "classes": len(manifest.classes),
            **{f"{name}_count": manifest.count(name) for name in splits.SPLITS},
        }
    )
    log.info("%s: %s", title, ", ".join(f"{name} {manifest.count(name)}" for name in splits.SPLITS))


def _resize(images, size: int):
    """Resize (N,C,H,W) uint8 images to size x size."""
    import numpy as np
    from PIL import Image

    mode = "L" if images.shape[1] == 1 else "RGB"
    resized = []
    for image in images:
        pixels = image[0] if mode == "L" else image.transpose(1, 2, 0)
        result = np.asarray(
            Image.fromarray(np.ascontiguousarray(pixels)).resize((size, size), Image.Resampling.BILINEAR)
        )
        resized.append(result[None] if mode == "L" else result.transpose(2, 0, 1))
    return np.stack(resized)


def _check_positive(**values: int | None) -> None:
    for name, value in values.items():
        if value is not None and value < 1:
            raise UsageError(f"--{name}: must be at least 1, got {value}")
