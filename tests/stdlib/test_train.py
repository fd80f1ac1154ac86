"""torch.train for real: Lightning training through `python -m ptflow.runtime`, then what it wrote.

The accuracy test is the default example's setting (digits, the default CNN);
the others train on 400 digits or the shipped sentences to stay quick.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from ptflow.stdlib import prepared
from tests.runtime.steps import executor_input, flags, run_step, run_step_without

TRAIN_OUTPUTS = {
    "model_file": "system.Model",
    "checkpoint": "system.Artifact",
    "tensorboard": "system.Artifact",
    "metrics": "system.Metrics",
    "confusion": "system.ClassificationMetrics",
}


def load_torchscript(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.load(str(path))


def test_the_default_cnn_learns_digits_and_reports_to_kfp_v2(tmp_path, digits):
    document = executor_input(tmp_path, TRAIN_OUTPUTS)
    document["outputs"]["parameters"] = {
        name: {"outputFile": str(tmp_path / name)} for name in ("accuracy", "val_accuracy")
    }
    run_step(
        "torch.train",
        "--executor-input",
        json.dumps(document),
        "--data",
        digits,
        *flags(max_epochs=3),
        *[f"--{name}={tmp_path / name}" for name in [*TRAIN_OUTPUTS, "accuracy", "val_accuracy"]],
    ).check()

    output = json.loads((tmp_path / "executor_output.json").read_text())
    metrics = output["artifacts"]["metrics"]["artifacts"][0]
    assert metrics["uri"] == "gs://bucket/root/run/metrics"
    accuracy = metrics["metadata"]["accuracy"]
    assert accuracy > 0.9
    assert 0 < metrics["metadata"]["loss"] < 1
    assert output["parameterValues"]["accuracy"] == accuracy
    assert float((tmp_path / "accuracy").read_text()) == accuracy

    matrix = output["artifacts"]["confusion"]["artifacts"][0]["metadata"]["confusionMatrix"]
    assert [spec["displayName"] for spec in matrix["annotationSpecs"]] == [str(d) for d in range(10)]
    rows = np.array([row["row"] for row in matrix["rows"]])
    assert rows.shape == (10, 10) and rows.sum() == 359
    assert np.trace(rows) / rows.sum() == pytest.approx(accuracy)

    # The exported TorchScript model, fed the test shards, is the model that was measured.
    model_dir = tmp_path / "model_file"
    description = json.loads((model_dir / "ptflow-model.json").read_text())
    assert description["format"] == "torchscript" and description["inputs"][0]["shape"] == [-1, 1, 8, 8]
    model = load_torchscript(model_dir / description["file"])
    manifest = prepared.Manifest.read(digits)
    images, labels = prepared.read_image_split(digits, manifest, "test")
    with torch.no_grad():
        predicted = model(torch.from_numpy(images).float() / 255).argmax(dim=1).numpy()
    assert np.mean(predicted == labels) == pytest.approx(accuracy)
    assert json.loads((model_dir / "index_to_name.json").read_text())["7"] == "7"

    # The kept checkpoint is the epoch with the lowest validation loss, and says so.
    checkpoint = torch.load(tmp_path / "checkpoint", weights_only=False)
    kept = output["artifacts"]["checkpoint"]["artifacts"][0]["metadata"]
    assert kept["kept"] == "best" and kept["monitor"] == "val_loss" and kept["epochs"] == 3
    assert checkpoint["epoch"] == kept["best_epoch"] and checkpoint["hyper_parameters"]["lr"] == 0.001
    # Selection is on the validation split, the report on the test split.
    assert output["parameterValues"]["val_accuracy"] == metrics["metadata"]["val_accuracy"] > 0.9
    assert output["artifacts"]["model_file"]["artifacts"][0]["metadata"]["format"] == "torchscript"


def test_kfp_v1_files_carry_metrics_and_the_confusion_matrix_inline(tmp_path, small_digits):
    run_step(
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path,
        "--batch_size",
        "32",
        "--mlpipeline-ui-metadata",
        tmp_path / "ui.json",
        "--mlpipeline-metrics",
        tmp_path / "m.json",
    ).check()
    metrics = json.loads((tmp_path / "m.json").read_text())["metrics"]
    assert [(m["name"], m["format"]) for m in metrics] == [
        ("accuracy", "PERCENTAGE"),
        ("loss", "RAW"),
        ("val_accuracy", "PERCENTAGE"),
        ("val_loss", "RAW"),
    ]
    assert metrics[0]["numberValue"] == float((tmp_path / "accuracy").read_text())

    (entry,) = json.loads((tmp_path / "ui.json").read_text())["outputs"]
    assert entry["type"] == "confusion_matrix" and entry["storage"] == "inline"
    assert [column["name"] for column in entry["schema"]] == ["target", "predicted", "count"]
    cells = [line.split(",") for line in entry["source"].splitlines()]
    assert len(cells) == 100 and sum(int(count) for _, _, count in cells) == 80  # 20 % of 400
    correct = sum(int(count) for target, predicted, count in cells if target == predicted)
    assert correct / 80 == pytest.approx(metrics[0]["numberValue"])
    assert "minio" not in (tmp_path / "ui.json").read_text()


def scalars(logs, tag: str) -> list[float]:
    """One TensorBoard scalar's values, in step order."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(logs))
    accumulator.Reload()
    return [event.value for event in accumulator.Scalars(tag)]


def test_the_best_epoch_is_kept_training_stops_early_and_the_learning_rate_is_logged(tmp_path, small_digits):
    # A high learning rate makes the validation loss go up and down: the best epoch is not the last.
    run_step(
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path,
        "--max_epochs",
        "20",
        "--lr",
        "0.01",
        "--early_stopping_patience",
        "4",
        "--lr_scheduler",
        "plateau",
    ).check()
    val_losses = scalars(tmp_path / "tensorboard", "val_loss")
    best_epoch = val_losses.index(min(val_losses))
    checkpoint = torch.load(tmp_path / "checkpoint", weights_only=False)
    assert checkpoint["epoch"] == best_epoch < len(val_losses) - 1
    # Early stopping: four epochs without a better val_loss, then no more.
    assert len(val_losses) == best_epoch + 4 + 1 < 20
    # The learning rate, logged each epoch, was divided by 10 once val_loss stopped improving.
    rates = scalars(tmp_path / "tensorboard", "lr-Adam")
    assert rates[0] == pytest.approx(0.01) and rates[-1] == pytest.approx(0.001)

    # The exported model (what the archive packs) is the best epoch's: its validation loss is the minimum.
    model = load_torchscript(tmp_path / "model_file" / "model.pt")
    images, labels = prepared.read_image_split(small_digits, prepared.Manifest.read(small_digits), "val")
    with torch.no_grad():
        logits = model(torch.from_numpy(images).float() / 255)
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels)).item()
    assert loss == pytest.approx(min(val_losses), rel=1e-4)
    assert float((tmp_path / "val_accuracy").read_text()) == pytest.approx(
        (logits.argmax(dim=1).numpy() == labels).mean()
    )


def test_keep_best_false_keeps_the_last_epoch(tmp_path, small_digits):
    run_step(
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path,
        "--max_epochs",
        "2",
        "--keep_best",
        "false",
        "--lr_monitor",
        "false",
    ).check()
    assert torch.load(tmp_path / "checkpoint", weights_only=False)["epoch"] == 2
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(tmp_path / "tensorboard"))
    accumulator.Reload()
    assert "lr-Adam" not in accumulator.Tags()["scalars"]


def test_hparams_override_inputs_and_reach_the_model(tmp_path, small_digits):
    hparams = {"lr": 0.003, "batch_size": 50.0, "dropout": 0.1, "hidden": 64, "weight_decay": 0.0001}
    run_step("torch.train", "--data", small_digits, "--outputs-dir", tmp_path, *flags(hparams=hparams)).check()
    recorded = json.loads((tmp_path / "model_file" / "ptflow-model.json").read_text())["hparams"]
    assert recorded["lr"] == 0.003 and recorded["batch_size"] == 50 and recorded["hidden"] == 64
    assert recorded["dropout"] == 0.1 and recorded["weight_decay"] == 0.0001
    checkpoint = torch.load(tmp_path / "checkpoint", weights_only=False)
    assert checkpoint["global_step"] == 6  # 280 training samples in batches of 50
    assert checkpoint["state_dict"]["net.backbone.head.2.weight"].shape == (64, 64 * 4 * 4)  # hidden x features


def test_resnet18_is_resnet18_and_scripts_for_small_and_large_images():
    # In-process: training it through the step is the same code path as the CNN's, at 20x the cost.
    from ptflow.stdlib.training.models import build_image_model

    for shape, classes in (([1, 8, 8], 10), ([3, 96, 96], 5)):
        built = build_image_model("resnet18", shape, [0.5] * shape[0], [0.25] * shape[0], classes, {"dropout": 0.0})
        parameters = sum(p.numel() for p in built.net.parameters())
        assert 11_000_000 < parameters < 11_300_000  # ResNet-18's 11.2 M
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scripted = torch.jit.script(built.net.eval())
        assert scripted(torch.rand(2, *shape)).shape == (2, classes)


def test_a_small_bert_trains_on_the_shipped_sentences(tmp_path, news):
    run_step(
        "torch.train",
        "--data",
        news,
        "--outputs-dir",
        tmp_path,
        "--model",
        "bert",
        "--pretrained",
        "false",
        "--max_epochs",
        "3",
        "--lr",
        "0.001",
        "--max_length",
        "32",
    ).check()
    accuracy = float((tmp_path / "accuracy").read_text())
    assert accuracy > 0.5  # four classes: chance is 0.25
    model_dir = tmp_path / "model_file"
    description = json.loads((model_dir / "ptflow-model.json").read_text())
    assert description["task"] == "text_classification" and description["initialised_from"] == "random small BERT"
    assert [item["name"] for item in description["inputs"]] == ["input_ids", "attention_mask"]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir / "tokenizer"))
    encoded = tokenizer(
        ["The striker scored twice in the final."],
        padding="max_length",
        max_length=32,
        truncation=True,
        return_tensors="pt",
    )
    logits = load_torchscript(model_dir / "model.pt")(encoded["input_ids"], encoded["attention_mask"])
    assert logits.shape == (1, 4)


def test_bert_starts_from_the_bundled_minilm_weights(tmp_path, tmp_path_factory):
    data = tmp_path / "prep"
    run_step("torch.prepare_text", "--outputs-dir", data, "--max_samples", "60").check()
    run_step(
        "torch.train",
        "--data",
        data / "data",
        "--outputs-dir",
        tmp_path / "out",
        "--model",
        "bert",
        "--max_length",
        "24",
        "--batch_size",
        "16",
        env={"HF_HUB_OFFLINE": "1"},
    ).check()
    description = json.loads((tmp_path / "out" / "model_file" / "ptflow-model.json").read_text())
    assert description["initialised_from"] == "all-MiniLM-L6-v2"
    state = torch.load(tmp_path / "out" / "checkpoint", weights_only=False)["state_dict"]
    assert state["net.bert.bert.embeddings.word_embeddings.weight"].shape == (30522, 384)
    assert sum(1 for key in state if key.endswith("attention.self.query.weight")) == 6


def test_ddp_trains_on_two_processes_and_reports_once(tmp_path, small_digits):
    result = run_step(
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path,
        "--accelerator",
        "cpu",
        "--devices",
        "2",
        "--strategy",
        "ddp",
        "--batch_size",
        "20",
        "--mlpipeline-metrics",
        tmp_path / "m.json",
    ).check()
    assert "Starting with 2 processes" in result.stdout + result.stderr
    # 280 training samples: each of the 2 ranks takes 140, in 7 steps of 20.
    assert torch.load(tmp_path / "checkpoint", weights_only=False)["global_step"] == 7
    assert json.loads((tmp_path / "m.json").read_text())["metrics"][0]["name"] == "accuracy"


USER_MODULE = """
import pytorch_lightning as pl
import torch
import torch.nn.functional as F


class Helper:
    pass


class TinyClassifier(pl.LightningModule):
    def __init__(self, num_classes, input_shape, lr=0.01, width=16):
        super().__init__()
        self.lr = lr
        channels, height, width_px = input_shape
        self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(channels * height * width_px, width),
                                       torch.nn.ReLU(), torch.nn.Linear(width, num_classes))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_index):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)
"""


def test_a_users_lightning_module_file_is_trained_and_exported(tmp_path, small_digits):
    (tmp_path / "tiny.py").write_text(USER_MODULE)
    run_step(
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path / "out",
        "--module_file",
        tmp_path / "tiny.py",
        "--max_epochs",
        "8",
        "--lr",
        "0.02",
        *flags(hparams={"width": 32}),
    ).check()
    assert float((tmp_path / "out" / "accuracy").read_text()) > 0.7
    description = json.loads((tmp_path / "out" / "model_file" / "ptflow-model.json").read_text())
    assert description["model"] == "module_file:tiny.py" and description["format"] == "torchscript"
    assert description["hparams"] == {"width": 32}
    model = load_torchscript(tmp_path / "out" / "model_file" / "model.pt")
    assert model(torch.rand(3, 1, 8, 8)).shape == (3, 10)


# ------------------------------------------------------------------ bad inputs: no training happens


def test_a_missing_data_path_fails_before_anything_runs(tmp_path):
    result = run_step("torch.train", "--data", tmp_path / "nowhere", "--outputs-dir", tmp_path / "out")
    assert result.returncode == 2
    assert f"--data: input dataset `data` is missing: nothing at {tmp_path / 'nowhere'}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_directory_that_is_not_a_prepared_dataset_is_named(tmp_path):
    (tmp_path / "raw").mkdir()
    result = run_step("torch.train", "--data", tmp_path / "raw", "--outputs-dir", tmp_path / "out")
    assert result.returncode == 1
    assert f"{tmp_path / 'raw'} is not a prepared dataset: it has no dataset.json" in result.stderr


def test_a_module_file_without_a_lightning_module_is_refused(tmp_path, small_digits):
    (tmp_path / "plain.py").write_text("import torch\n\nclass Net(torch.nn.Module):\n    pass\n")
    result = run_step(
        "torch.train", "--data", small_digits, "--outputs-dir", tmp_path / "out", "--module_file", tmp_path / "plain.py"
    )
    assert result.returncode == 2
    assert "has no LightningModule subclass (its classes: Net)" in result.stderr
    assert not (tmp_path / "out" / "tensorboard").exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--model", "vgg"], "--model: unknown model 'vgg'; built-in models are cnn, resnet18, bert"),
        (["--model", "bert"], "--model: bert is a text model and the dataset holds images; use cnn or resnet18"),
        (["--profiler", "nvprof"], "--profiler: expected one of simple, advanced, pytorch"),
        (["--lr", "0"], "--lr: must be above 0, got 0.0"),
        (["--hparams", '{"dropuot": 0.5}'], "hparams 'dropuot': not used by model cnn"),
        (["--hparams", '{"batch_size": 12.5}'], "hparams['batch_size']: expected a whole number, got 12.5"),
        (["--devices", "two"], "--devices: expected auto, a number or a list like 0,1; got 'two'"),
        (["--monitor", "accuracy"], "--monitor: expected val_loss or val_acc"),
        (["--early_stopping_patience", "0"], "--early_stopping_patience: must be at least 1 epoch, got 0"),
        (["--lr_scheduler", "cosine"], "--lr_scheduler: expected plateau (or leave it out), got 'cosine'"),
    ],
)
def test_bad_training_inputs_fail_fast_with_a_reason(tmp_path, small_digits, arguments, message):
    # torch and Lightning can't even be imported here: the refusal comes before them.
    result = run_step_without(
        ["torch", "pytorch_lightning"],
        "torch.train",
        "--data",
        small_digits,
        "--outputs-dir",
        tmp_path / "out",
        *arguments,
    )
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "out" / "tensorboard").exists()


def test_early_stopping_without_a_validation_split_is_refused(tmp_path):
    run_step(
        "torch.prepare_images", "--outputs-dir", tmp_path / "prep", "--max_samples", "100", "--val_fraction", "0"
    ).check()
    result = run_step_without(
        ["torch", "pytorch_lightning"],
        "torch.train",
        "--data",
        tmp_path / "prep" / "data",
        "--outputs-dir",
        tmp_path / "out",
        "--early_stopping_patience",
        "3",
    )
    assert result.returncode == 2
    assert (
        "--early_stopping_patience: watches val_loss on the validation split, and the dataset has none; "
        "prepare it with val_fraction above 0"
    ) in result.stderr


def test_the_simple_profiler_writes_its_report_with_the_logs(tmp_path, small_digits):
    run_step("torch.train", "--data", small_digits, "--outputs-dir", tmp_path, "--profiler", "simple").check()
    (report,) = (tmp_path / "tensorboard").glob("*simple-profile.txt")
    assert "run_training_epoch" in report.read_text()
    assert not (tmp_path / "tensorboard" / "profiler").exists()  # PyTorch traces only with profiler: pytorch
