"""Where `torch.prepare_images` gets its images: scikit-learn's digits, CIFAR-10, or a folder.

Every source returns uint8 images shaped (N, C, H, W), int labels and the
class names, so the rest of the step doesn't care where they came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ptflow.runtime.contract import StepError, UsageError

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
BUILT_IN = ("digits", "cifar10")


@dataclass
class ImageSet:
    images: np.ndarray  # (N, C, H, W) uint8
    labels: np.ndarray  # (N,) int64, indices into classes
    classes: list[str]
    source: str


def cache_directory() -> Path:
    """Where downloaded datasets are kept between runs (PTFLOW_DATA_CACHE overrides)."""
    return Path(os.environ.get("PTFLOW_DATA_CACHE") or Path.home() / ".cache" / "ptflow" / "datasets")


def load_digits() -> ImageSet:
    """scikit-learn's bundled 8x8 digits (1797 images): no network needed."""
    from sklearn.datasets import load_digits as sklearn_digits

    images, labels = sklearn_digits(return_X_y=True)
    # Pixel values are 0..16; stretch them to the 0..255 of a greyscale PNG.
    pixels = np.rint(images.reshape(-1, 1, 8, 8) * (255 / 16)).astype(np.uint8)
    return ImageSet(pixels, labels.astype(np.int64), [str(digit) for digit in range(10)], "digits")


def load_cifar10() -> ImageSet:
    """CIFAR-10's 60000 images (train and test together; the step re-splits them)."""
    try:
        from torchvision.datasets import CIFAR10
    except ImportError:
        raise StepError(
            "dataset `cifar10` needs torchvision, which is not installed here: "
            "pip install torchvision (the ptflow runtime image has it), or leave `dataset` unset "
            "for the offline digits"
        ) from None
    root = cache_directory() / "cifar10"
    parts = []
    try:
        for train in (True, False):
            parts.append(CIFAR10(str(root), train=train, download=True))
    except (OSError, RuntimeError) as error:
        raise StepError(
            f"could not download CIFAR-10 into {root}: {error}. Without a network, leave `dataset` "
            "unset for the offline digits, or give an image folder"
        ) from None
    images = np.concatenate([np.asarray(part.data) for part in parts]).transpose(0, 3, 1, 2)
    labels = np.concatenate([np.asarray(part.targets) for part in parts]).astype(np.int64)
    return ImageSet(np.ascontiguousarray(images), labels, list(parts[0].classes), "cifar10")


def check_folder(folder: Path) -> dict[str, list[Path]]:
    """The image files of each class subfolder; UsageError if the layout is wrong."""
    if not folder.is_dir():
        raise UsageError(f"--folder: {folder} is not a directory (expected one subfolder of images per class)")
    classes = {}
    for sub in sorted(path for path in folder.iterdir() if path.is_dir() and not path.name.startswith(".")):
        files = sorted(path for path in sub.rglob("*") if path.suffix.lower() in IMAGE_EXTENSIONS)
        if files:
            classes[sub.name] = files
    if len(classes) < 2:
        raise UsageError(
            f"--folder: {folder} has {len(classes)} class subfolder(s) with images; a classifier "
            "needs at least two (folder/<class>/<image>.png)"
        )
    return classes


def load_folder(folder: Path, image_size: int | None) -> ImageSet:
    """A class-per-subfolder image folder; sizes must agree unless `image_size` resizes them."""
    from PIL import Image

    files_by_class = check_folder(folder)
    opened = []
    for label, files in enumerate(files_by_class.values()):
        for path in files:
            try:
                image = Image.open(path)
                image.load()
            except OSError as error:
                raise StepError(f"cannot read image {path}: {error}") from None
            opened.append((image, label, path))
    colour = any(image.mode not in ("1", "L", "I", "I;16", "F") for image, _, _ in opened)
    mode = "RGB" if colour else "L"
    sizes = {}
    arrays = []
    for image, _label, path in opened:
        image = image.convert(mode)
        if image_size:
            image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
        sizes.setdefault(image.size, path)
        if len(sizes) > 1:
            (first, first_path), (second, second_path) = list(sizes.items())[:2]
            raise UsageError(
                f"images differ in size ({first_path}: {first[0]}x{first[1]}, {second_path}: "
                f"{second[0]}x{second[1]}); set image_size to resize them all"
            )
        pixels = np.asarray(image, dtype=np.uint8)
        arrays.append(pixels[None] if mode == "L" else pixels.transpose(2, 0, 1))
    labels = np.array([label for _, label, _ in opened], dtype=np.int64)
    return ImageSet(np.stack(arrays), labels, list(files_by_class), f"folder:{folder.name}")
