"""The command-line contracts of the programs examples/cifar10_containers runs, as the original sample defines them.

Recorded by reading kubeflow/pipelines at commit b9d18e69faee424b6344992797b5d47b585bc035 (the last one
with `samples/contrib/pytorch-samples`, which the images `public.ecr.aws/pytorch-samples/kfp_samples` and
`quay.io/aipipeline/kserve-component` were built from):

- `cifar10/cifar10_pre_process.py`, `cifar10/cifar10_pytorch.py` and `common/minio/upload_to_minio.py`
  under `samples/contrib/pytorch-samples/`, each an `argparse` parser;
- `components/kserve/src/kservedeployer.py` (an `argparse` parser whose JSON, YAML and boolean flags
  convert their values);
- `parse_input_args` (`components/PyTorch/pytorch-kfp-components/.../utils/argument_parsing.py`), which
  the training script applies to `--script_args` and `--ptl_args`, and the keys the script then reads;
- the positional contracts (`$0`...) of the two `sh -c` components, `tensorboard_component.yaml` and
  `prediction_component.yaml` (`components/PyTorch/pytorch-kfp-components/templates/`).

This is a description of those interfaces (flag names and how each value is read), not their code; the
test builds a parser from it and feeds it the command lines ptflow compiles.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

import yaml


def _true_or_false(text: str) -> bool:
    """What `distutils.util.strtobool` accepts (kservedeployer.py reads its boolean flags with it)."""
    lowered = text.lower()
    if lowered in ("y", "yes", "t", "true", "on", "1"):
        return True
    if lowered in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError(f"not a truth value: {text!r}")


@dataclass(frozen=True)
class Program:
    """One original program: how its command starts, and the flags its parser accepts (flag -> reader)."""

    command: tuple[str, ...]
    flags: dict[str, object]
    # Keys the program reads from `key=value, ...` flags after `parse_input_args` (flag -> keys).
    key_value_flags: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def parser(self) -> argparse.ArgumentParser:
        parser = _StrictParser(prog=" ".join(self.command), add_help=False)
        for flag, reader in self.flags.items():
            parser.add_argument(flag, type=reader)
        return parser


class _StrictParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so a test failure shows what the original would have said."""

    def error(self, message):
        raise ValueError(f"{self.prog}: {message}")


PROGRAMS = {
    "preprocess": Program(
        command=("python3", "cifar10/cifar10_pre_process.py"),
        flags={"--output_path": str, "--mlpipeline_ui_metadata": str},
    ),
    "train": Program(
        command=("python3", "cifar10/cifar10_pytorch.py"),
        flags={
            "--tensorboard_root": str,
            "--checkpoint_dir": str,
            "--dataset_path": str,
            "--model_name": str,
            "--mlpipeline_ui_metadata": str,
            "--mlpipeline_metrics": str,
            "--script_args": str,
            "--ptl_args": str,
            "--trial_id": int,
            "--model_params": str,
            "--results": str,
        },
        # script_dict["model_name"] names the weights file; script_dict["confusion_matrix_url"] is read
        # unconditionally for the confusion matrix (a KeyError without it); ptl_dict["max_epochs"] likewise.
        key_value_flags={"--script_args": ("model_name", "confusion_matrix_url"), "--ptl_args": ("max_epochs",)},
    ),
    "minio_upload": Program(
        command=("python3", "common/minio/upload_to_minio.py"),
        flags={
            "--bucket_name": str,
            "--folder_name": str,
            "--input_path": str,
            "--filename": str,
            "--endpoint": str,
            "--mlpipeline_ui_metadata": str,
        },
    ),
    "kserve_deploy": Program(
        command=("python", "-u", "kservedeployer.py"),
        flags={
            "--action": str,
            "--model-name": str,
            "--model-uri": str,
            "--canary-traffic-percent": str,
            "--namespace": str,
            "--framework": str,
            "--runtime-version": str,
            "--resource-requests": json.loads,
            "--resource-limits": json.loads,
            "--custom-model-spec": json.loads,
            "--autoscaling-target": str,
            "--service-account": str,
            "--enable-istio-sidecar": _true_or_false,
            "--inferenceservice-yaml": yaml.safe_load,
            "--output-path": str,
            "--watch-timeout": str,
            "--min-replicas": str,
            "--max-replicas": str,
            "--request-timeout": str,
            "--enable-isvc-status": _true_or_false,
        },
    ),
}

# The `sh -c SCRIPT ARG...` components: what each positional argument ($0, $1, ...) means to the original.
POSITIONAL = {
    "tensorboard_viewer": ("log_dir_uri", "log_dir_output", "ui_metadata_output", "pod_template_spec", "image"),
    "inference": ("host_name", "input_request", "ui_metadata_output", "cookie", "url", "model", "inference_type"),
}

# The archive the training script writes into its checkpoint folder (MarGeneration's MODEL_NAME), and the
# TorchServe config it downloads there: what the uploads must pick, and KServe's TorchServe layout under
# the storage URI.
TRAINED_ARCHIVE = "cifar10_test.mar"
TRAINED_CONFIG = "config.properties"
KSERVE_TORCHSERVE_LAYOUT = {"model-store": TRAINED_ARCHIVE, "config": TRAINED_CONFIG}


def parse_input_args(text: str) -> dict[str, str]:
    """`key=value, key=value` as the samples' `parse_input_args` reads it: a `,` or `=` inside a value breaks it."""
    if not text:
        raise ValueError("empty key=value string")
    pairs = {}
    for item in (piece.strip() for piece in text.split(",")):
        key, separator, value = item.partition("=")
        if not separator or "=" in value:
            raise ValueError(f"expected 'key1=value1, key2=value2', got {text!r}")
        pairs[key] = value
    return pairs
