"""Prepared datasets shared by the stdlib tests (each made once per session, by the real steps)."""

from __future__ import annotations

import pytest

from tests.runtime.steps import run_step


@pytest.fixture(scope="session")
def digits(tmp_path_factory):
    """scikit-learn's digits, prepared by torch.prepare_images with its defaults."""
    root = tmp_path_factory.mktemp("digits")
    run_step("torch.prepare_images", "--outputs-dir", root).check()
    return root / "data"


@pytest.fixture(scope="session")
def small_digits(tmp_path_factory):
    """400 digits: enough to train a few steps on in seconds."""
    root = tmp_path_factory.mktemp("small_digits")
    run_step("torch.prepare_images", "--outputs-dir", root, "--max_samples", "400").check()
    return root / "data"


@pytest.fixture(scope="session")
def news(tmp_path_factory):
    """The shipped news sentences, prepared by torch.prepare_text with its defaults."""
    root = tmp_path_factory.mktemp("news")
    run_step("torch.prepare_text", "--outputs-dir", root).check()
    return root / "data"
