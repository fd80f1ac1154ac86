"""How much the stdlib training step costs on top of a plain Lightning script doing the same work.

Run by hand:

    .venv/bin/python benchmarks/train_step_overhead.py [--repeats 7] [--epochs 1] [--threads 1]

Both sides run as fresh processes on the same prepared dataset (the default
example's: scikit-learn's digits, prepared by torch.prepare_images), train the
same CNN with the same seed, batch size, optimizer, Trainer settings and
TensorBoard logger, save a checkpoint and measure test accuracy:

- the step: `python -m ptflow.runtime torch.train` with a KFP v2 executor input,
  which also exports TorchScript, computes the confusion matrix and writes the
  executor output and metrics files;
- the plain script: a self-contained Lightning script (below), reading the
  same shards with tarfile and PIL.

The step's overhead (process start-up, flag parsing, artifact I/O, export,
metadata) is the difference of the fastest wall times (the runs least
disturbed by other load), reported as a share of one epoch (the plain
script's fastest fit time divided by its epochs); CPU times are shown too.
Runs alternate between the two sides so load on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PLAIN_SCRIPT = r"""
import io, json, sys, tarfile, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

root, out, epochs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
manifest = json.loads((root / "dataset.json").read_text())
channels = manifest["images"]["shape"][0]
classes = len(manifest["classes"])

def split(name):
    images, labels = [], []
    for relative in manifest["splits"][name]["files"]:
        with tarfile.open(root / relative) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
        for key in sorted({n.rsplit(".", 1)[0] for n in members}):
            image = np.asarray(Image.open(io.BytesIO(members[key + ".png"])).convert("L" if channels == 1 else "RGB"))
            images.append(image[None] if channels == 1 else image.transpose(2, 0, 1))
            labels.append(int(members[key + ".cls"]))
    return TensorDataset(torch.from_numpy(np.stack(images)), torch.tensor(labels))

def collate(samples):
    x, y = zip(*samples)
    return torch.stack(x).float().div_(255), torch.stack(y)

train, val, test = (split(name) for name in ("train", "val", "test"))
pixels = train.tensors[0].float().div(255)
mean = pixels.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
std = pixels.std(dim=(0, 2, 3)).view(1, -1, 1, 1)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(4))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 16, 128), nn.ReLU(inplace=True),
                                  nn.Dropout(0.25), nn.Linear(128, classes))
    def forward(self, x):
        return self.head(self.features((x - mean) / std))

class Module(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = Net()
    def training_step(self, batch, index):
        x, y = batch
        logits = self.net(x)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, on_step=True, on_epoch=True, batch_size=len(y))
        self.log("train_acc", (logits.argmax(1) == y).float().mean(), on_epoch=True, batch_size=len(y))
        return loss
    def validation_step(self, batch, index):
        x, y = batch
        logits = self.net(x)
        self.log("val_loss", F.cross_entropy(logits, y), batch_size=len(y))
        self.log("val_acc", (logits.argmax(1) == y).float().mean(), batch_size=len(y))
    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)

pl.seed_everything(42, workers=True, verbose=False)
module = Module()
trainer = pl.Trainer(max_epochs=epochs, logger=pl.loggers.TensorBoardLogger(str(out / "tb"), name="", version=""),
                     enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                     num_sanity_val_steps=0, log_every_n_steps=10)
started = time.perf_counter()
trainer.fit(module, DataLoader(train, 64, shuffle=True, collate_fn=collate),
            DataLoader(val, 64, collate_fn=collate))
fit = time.perf_counter() - started
trainer.save_checkpoint(str(out / "checkpoint.ckpt"))
module.eval()
with torch.no_grad():
    correct = sum((module.net(x).argmax(1) == y).sum().item() for x, y in DataLoader(test, 64, collate_fn=collate))
print(json.dumps({"fit": fit, "accuracy": correct / len(test)}))
"""


@dataclass
class Timing:
    wall: float
    cpu: float  # user + system seconds of the process and its children

    def __sub__(self, other: Timing) -> Timing:
        return Timing(self.wall - other.wall, self.cpu - other.cpu)


def timed(command: list[str], env: dict) -> tuple[Timing, str, str]:
    """Run `command`; its wall time and CPU time (less disturbed by other load on the machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{completed.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(elapsed, cpu), completed.stdout, completed.stderr


def step_command(data: Path, out: Path, epochs: int) -> list[str]:
    outputs = {
        "model_file": "system.Model",
        "checkpoint": "system.Artifact",
        "tensorboard": "system.Artifact",
        "metrics": "system.Metrics",
        "confusion": "system.ClassificationMetrics",
    }
    executor_input = {
        "inputs": {},
        "outputs": {
            "artifacts": {
                name: {
                    "artifacts": [
                        {"name": name, "type": {"schemaTitle": title}, "uri": f"gs://bench/{name}", "metadata": {}}
                    ]
                }
                for name, title in outputs.items()
            },
            "outputFile": str(out / "executor_output.json"),
        },
    }
    return [
        sys.executable,
        "-m",
        "ptflow.runtime",
        "torch.train",
        "--executor-input",
        json.dumps(executor_input),
        "--data",
        str(data),
        "--max_epochs",
        str(epochs),
        "--outputs-dir",
        str(out),
    ]


def synthetic_images(folder: Path, count: int) -> Path:
    """`count` random 32x32 RGB PNGs in 10 class subfolders (the shape of CIFAR-10)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for index in range(count):
        target = folder / f"class{index % 10}"
        target.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(target / f"{index}.png")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=1, help="max_epochs of both sides (the default example: 1)")
    parser.add_argument("--max-samples", type=int, default=None, help="prepare fewer digits than all 1797")
    parser.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="instead of digits, N random 32x32 RGB images in 10 classes (a CIFAR-10-shaped "
        "epoch, to see how the fixed overhead compares with a longer epoch)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads on both sides (default 1: on a shared machine, torch's thread pool "
        "spins under contention and turns timings into noise; 0 leaves torch's default)",
    )
    args = parser.parse_args()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)

    with tempfile.TemporaryDirectory(prefix="ptflow-bench-") as scratch:
        root = Path(scratch)
        prepare = [sys.executable, "-m", "ptflow.runtime", "torch.prepare_images", "--outputs-dir", str(root / "prep")]
        if args.synthetic:
            prepare += ["--folder", str(synthetic_images(root / "images", args.synthetic))]
        if args.max_samples:
            prepare += ["--max_samples", str(args.max_samples)]
        timed(prepare, env)
        data = root / "prep" / "data"
        (root / "plain.py").write_text(PLAIN_SCRIPT)

        step_times, plain_times, fits, accuracies, phases = [], [], [], {"step": [], "plain": []}, []
        for repeat in range(args.repeats):
            out = root / f"step-{repeat}"
            elapsed, _, stderr = timed(step_command(data, out, args.epochs), env)
            step_times.append(elapsed)
            accuracies["step"].append(float((out / "accuracy").read_text()))
            phases.append(next(line.split("timings: ", 1)[1] for line in stderr.splitlines() if "timings:" in line))

            out = root / f"plain-{repeat}"
            out.mkdir()
            elapsed, stdout, _ = timed(
                [sys.executable, str(root / "plain.py"), str(data), str(out), str(args.epochs)], env
            )
            plain_times.append(elapsed)
            result = json.loads(stdout.strip().splitlines()[-1])
            fits.append(result["fit"])
            accuracies["plain"].append(result["accuracy"])

    epoch = min(fits) / args.epochs
    what = (
        f"{args.synthetic} random 32x32 RGB images"
        if args.synthetic
        else f"digits ({args.max_samples or 1797} samples)"
    )
    print(
        f"{what}, default CNN, batch 64, {args.epochs} epoch(s), "
        f"{args.repeats} alternating runs of each side, torch threads: {args.threads or 'default'}"
    )
    print("| side | wall, fastest (s) | wall, median (s) | CPU, fastest (s) | test accuracy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, times, side in (
        ("stdlib step (`python -m ptflow.runtime torch.train`)", step_times, "step"),
        ("plain Lightning script", plain_times, "plain"),
    ):
        print(
            f"| {name} | {min(t.wall for t in times):.2f} | {statistics.median(t.wall for t in times):.2f} | "
            f"{min(t.cpu for t in times):.2f} | {statistics.median(accuracies[side]):.4f} |"
        )
    wall = min(t.wall for t in step_times) - min(t.wall for t in plain_times)
    cpu = min(t.cpu for t in step_times) - min(t.cpu for t in plain_times)
    print(f"\none epoch (the plain script's fastest fit / epochs): {epoch:.2f} s wall")
    print(
        f"step overhead, fastest vs fastest: {wall:+.3f} s wall = {100 * wall / epoch:+.1f} % of an epoch; "
        f"{cpu:+.3f} s CPU (goal: under 5 % of an epoch)"
    )
    fastest = min(range(len(step_times)), key=lambda i: step_times[i].wall)
    print(f"phases of the fastest step run: {phases[fastest]}")
    print(
        "all runs (wall s), step: "
        + ", ".join(f"{t.wall:.2f}" for t in step_times)
        + "; plain: "
        + ", ".join(f"{t.wall:.2f}" for t in plain_times)
    )


if __name__ == "__main__":
    main()
