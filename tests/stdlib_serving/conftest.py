"""Models and archives shared by the serving tests, made once per session by the real steps."""

from __future__ import annotations

import json
import warnings

import pytest
import torch

from tests.runtime.steps import run_step


@pytest.fixture(scope="session")
def digits_model(tmp_path_factory):
    """torch.train's model_file for 400 digits, one epoch: a TorchScript CNN taking (N, 1, 8, 8) in [0, 1]."""
    root = tmp_path_factory.mktemp("digits_model")
    run_step("torch.prepare_images", "--outputs-dir", root / "prepared", "--max_samples", "400").check()
    run_step("torch.train", "--data", root / "prepared" / "data", "--outputs-dir", root / "trained",
             "--batch_size", "32").check()
    return root / "trained" / "model_file"


@pytest.fixture(scope="session")
def digits_archive(tmp_path_factory, digits_model):
    """serve.archive's output for the digits model, named `digits`, with ptflow's handler."""
    root = tmp_path_factory.mktemp("digits_archive")
    run_step("serve.archive", "--model", digits_model, "--name", "digits", "--outputs-dir", root).check()
    return root / "archive"


@pytest.fixture(scope="session")
def in_process_model(digits_model):
    """The same TorchScript model loaded in this process: the reference every server must match."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.jit.load(str(digits_model / "model.pt")).eval()
    return model


@pytest.fixture(scope="session")
def digit_images():
    """Eight real digits from scikit-learn, scaled to [0, 1] like torch.prepare_images does, shape (8, 1, 8, 8)."""
    from sklearn.datasets import load_digits

    images, _ = load_digits(return_X_y=True)
    return torch.tensor(images[:8] / 16.0, dtype=torch.float32).reshape(8, 1, 8, 8)


def expected_probabilities(model, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.softmax(model(images), dim=1)


def class_names(model_dir) -> list[str]:
    return json.loads((model_dir / "ptflow-model.json").read_text())["classes"]
