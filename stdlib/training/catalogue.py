"""The names of the built-in models and the hparams each takes: checked before torch is imported."""

from __future__ import annotations

from typing import Any

from ptflow.runtime.contract import UsageError

IMAGE_MODELS = ("cnn", "resnet18")
TEXT_MODELS = ("bert",)
BUILT_IN = IMAGE_MODELS + TEXT_MODELS
# hparams each built-in network takes, with their defaults.
MODEL_HPARAMS: dict[str, dict[str, Any]] = {
    "cnn": {"dropout": 0.25, "hidden": 128, "channels": 32},
    "resnet18": {"dropout": 0.0},
    "bert": {"dropout": 0.1},
}


def check_model_name(model: str, kind: str) -> None:
    """Refuse a model that doesn't exist or doesn't fit the data, before anything is loaded."""
    if model not in BUILT_IN:
        raise UsageError(
            f"--model: unknown model {model!r}; built-in models are {', '.join(BUILT_IN)} "
            "(or give your own LightningModule as module_file)"
        )
    fits = IMAGE_MODELS if kind == "images" else TEXT_MODELS
    if model not in fits:
        raise UsageError(
            f"--model: {model} is {'an image' if model in IMAGE_MODELS else 'a text'} model and the "
            f"dataset holds {kind}; use {' or '.join(fits)}"
        )
