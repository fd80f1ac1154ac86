"""torch.prepare_images, run as a cluster runs it: digits, an image folder, and bad inputs."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import tarfile

import numpy as np
import pytest
from PIL import Image

from tests.runtime.steps import run_step


def read_shards(root, split):
    manifest = json.loads((root / "dataset.json").read_text())
    samples = []
    for relative in manifest["splits"][split]["files"]:
        with tarfile.open(root / relative) as tar:
            members = {member.name: tar.extractfile(member).read() for member in tar}
        keys = sorted({name.rsplit(".", 1)[0] for name in members})
        for key in keys:
            image = np.asarray(Image.open(io.BytesIO(members[f"{key}.png"])))
            samples.append((key, image, int(members[f"{key}.cls"])))
    return samples


def test_digits_are_split_stratified_into_webdataset_shards(digits):
    manifest = json.loads((digits / "dataset.json").read_text())
    assert manifest["kind"] == "images" and manifest["source"] == "digits"
    assert manifest["classes"] == [str(d) for d in range(10)]
    assert manifest["images"]["shape"] == [1, 8, 8]
    counts = {split: manifest["splits"][split]["count"] for split in ("train", "val", "test")}
    assert sum(counts.values()) == 1797
    assert counts["test"] == pytest.approx(0.2 * 1797, abs=10) and counts["val"] == pytest.approx(0.1 * 1797, abs=10)

    test = read_shards(digits, "test")
    assert len(test) == counts["test"]
    assert all(image.shape == (8, 8) and image.dtype == np.uint8 for _, image, _ in test)
    per_class = np.bincount([label for _, _, label in test], minlength=10)
    # Stratified: every class has its 20 % (each digit has 174-183 images).
    assert per_class.min() >= 34 and per_class.max() <= 37
    keys = [key for key, _, _ in test] + [key for key, _, _ in read_shards(digits, "train")]
    assert len(keys) == len(set(keys))


def test_the_summary_is_a_markdown_table_of_the_label_counts(digits):
    summary = (digits.parent / "summary").read_text()
    rows = [line for line in summary.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    assert rows[0] == "| label | train | val | test | total |"
    test_counts = np.bincount([label for _, _, label in read_shards(digits, "test")], minlength=10)
    for digit in range(10):
        cells = rows[1 + digit].strip("| ").split(" | ")
        assert cells[0] == str(digit) and int(cells[3]) == test_counts[digit]
    assert rows[-1] == "| **total** | **1259** | **179** | **359** | **1797** |"


def shard_digest(root):
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.tar")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_split(tmp_path, digits):
    run_step("torch.prepare_images", "--outputs-dir", tmp_path / "again").check()
    assert shard_digest(tmp_path / "again" / "data") == shard_digest(digits)
    run_step("torch.prepare_images", "--outputs-dir", tmp_path / "other", "--seed", "7").check()
    assert shard_digest(tmp_path / "other" / "data") != shard_digest(digits)


def make_folder(root, sizes):
    rng = np.random.default_rng(0)
    for name, (size, count) in sizes.items():
        (root / name).mkdir(parents=True)
        for index in range(count):
            Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(root / name / f"{index}.png")


def test_a_class_per_subfolder_image_folder_is_prepared(tmp_path):
    make_folder(tmp_path / "images", {"cat": (12, 10), "dog": (12, 10), "owl": (12, 10)})
    run_step(
        "torch.prepare_images",
        "--folder",
        tmp_path / "images",
        "--outputs-dir",
        tmp_path / "out",
        "--val_fraction",
        "0.2",
        "--test_fraction",
        "0.2",
        "--shard_size",
        "4",
    ).check()
    manifest = json.loads((tmp_path / "out" / "data" / "dataset.json").read_text())
    assert manifest["classes"] == ["cat", "dog", "owl"]
    assert manifest["images"]["shape"] == [3, 12, 12]
    assert {split: entry["count"] for split, entry in manifest["splits"].items()} == {"train": 18, "val": 6, "test": 6}
    assert len(manifest["splits"]["train"]["files"]) == 5  # 18 samples, 4 per shard
    assert read_shards(tmp_path / "out" / "data", "val")[0][1].shape == (12, 12, 3)


def test_images_of_different_sizes_need_image_size(tmp_path):
    make_folder(tmp_path / "images", {"big": (16, 4), "small": (10, 4)})
    result = run_step("torch.prepare_images", "--folder", tmp_path / "images", "--outputs-dir", tmp_path / "out")
    assert result.returncode == 2
    assert "images differ in size" in result.stderr and "set image_size" in result.stderr
    run_step(
        "torch.prepare_images", "--folder", tmp_path / "images", "--outputs-dir", tmp_path / "out", "--image_size", "8"
    ).check()
    assert json.loads((tmp_path / "out" / "data" / "dataset.json").read_text())["images"]["shape"] == [3, 8, 8]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--dataset", "mnist"], "unknown image dataset 'mnist'; the built-in ones are digits, cifar10"),
        (["--val_fraction", "0.5", "--test_fraction", "0.5"], "val_fraction + test_fraction is 1"),
        (["--shard_size", "0"], "--shard_size: must be at least 1, got 0"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(tmp_path, arguments, message):
    result = run_step("torch.prepare_images", *arguments, "--outputs-dir", tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "data").exists()


def test_a_folder_without_class_subfolders_is_refused(tmp_path):
    (tmp_path / "flat").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "flat" / "a.png")
    result = run_step("torch.prepare_images", "--folder", tmp_path / "flat", "--outputs-dir", tmp_path)
    assert result.returncode == 2 and "has 0 class subfolder(s) with images" in result.stderr


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is not None, reason="tests never download CIFAR-10")
def test_cifar10_without_torchvision_says_what_to_install(tmp_path):
    result = run_step("torch.prepare_images", "--dataset", "cifar10", "--outputs-dir", tmp_path)
    assert result.returncode == 1
    assert "dataset `cifar10` needs torchvision" in result.stderr and "pip install torchvision" in result.stderr
