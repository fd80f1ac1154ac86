"""Writing the trained model so serving can load it without ptflow's training code.

The `model_file` output is a directory:

    model.pt            TorchScript: torch.jit.load("model.pt")(inputs) -> logits
    ptflow-model.json   what the model takes and returns (below)
    index_to_name.json  class index -> name, as TorchServe's handlers read it
    tokenizer/          text models: the tokenizer (AutoTokenizer.from_pretrained)

or, when a user's module cannot be compiled to TorchScript, `state_dict.pt`
plus a copy of the module file (`format: "state_dict"` in the manifest).

ptflow-model.json: {"format": "torchscript"|"state_dict", "file": ..., "task":
"image_classification"|"text_classification", "classes": [...], "inputs": [...]
(name, dtype, shape with -1 for the batch, value range), "attribution_layer":
"embeddings"|"feature_map" (the built-in networks: model.pt's submodule `first`
computes that layer and `rest` the logits from it, for Captum's layer methods), ...}.
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

MANIFEST = "ptflow-model.json"
log = logging.getLogger(__name__)


def to_torchscript(
    net: nn.Module, example: tuple[torch.Tensor, ...], trace_first: bool = False
) -> torch.jit.ScriptModule | None:
    """The network as TorchScript, or None if it can be neither scripted nor traced.

    Scripting keeps data-dependent control flow, so it comes first for code we
    don't know; a network whose forward has none (the built-in ones) is traced
    first, which is exact for it and three times faster.
    """
    net = net.eval()

    def script():
        return torch.jit.script(net)

    def trace():
        with torch.no_grad():
            return torch.jit.trace(net, example, check_trace=False, strict=False)

    attempts = [("traced", trace), ("scripted", script)]
    if not trace_first:
        attempts.reverse()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notices; TorchServe still loads TorchScript
        for how, attempt in attempts:
            try:
                return attempt()
            except Exception as error:  # noqa: BLE001 - TorchScript fails in many ways; try the other, then give up
                log.info("the model cannot be %s (%s)", how, str(error).splitlines()[0][:200])
    log.warning("the model can be neither scripted nor traced; saving its state_dict")
    return None


def input_description(example: tuple[torch.Tensor, ...], task: str) -> list[dict[str, Any]]:
    if task == "image_classification":
        (images,) = example
        return [{"name": "images", "dtype": "float32", "shape": [-1, *images.shape[1:]], "range": [0.0, 1.0]}]
    return [
        {"name": name, "dtype": str(tensor.dtype).removeprefix("torch."), "shape": [-1, tensor.shape[1]]}
        for name, tensor in zip(("input_ids", "attention_mask"), example)
    ]


def _staged_torchscript(net: nn.Module, example: tuple[torch.Tensor, ...]) -> torch.jit.ScriptModule | None:
    """A built-in network traced as its two attribution stages (see models.ImageStages), when it has them and
    the staged trace computes what the network does; else None."""
    if not hasattr(net, "attribution_stages"):
        return None
    staged = net.attribution_stages().eval()
    traced = to_torchscript(staged, example, trace_first=True)
    if traced is None:
        return None
    with torch.no_grad():
        same = torch.allclose(traced(*example), net(*example), atol=1e-5, rtol=1e-4)
    if not same:
        log.warning(
            "the network traced in stages differs from the network; exporting it whole (serving's "
            "explanations then use methods that need no layer)"
        )
        return None
    return traced


def export_model(
    directory: Path,
    net: nn.Module,
    example: tuple[torch.Tensor, ...],
    task: str,
    classes: list[str],
    details: dict[str, Any],
    tokenizer: Any = None,
    module_file: Path | None = None,
) -> dict[str, Any]:
    """Write the model directory; returns its manifest.

    A user's module (`module_file`) is scripted first; ptflow's own networks,
    whose forward has no data-dependent branches, are traced first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    net = net.cpu().eval()
    example = tuple(tensor.cpu() for tensor in example)
    manifest: dict[str, Any] = {
        "task": task,
        "classes": list(classes),
        "inputs": input_description(example, task),
        "output": "logits",
        **details,
    }
    scripted = _staged_torchscript(net, example)
    if scripted is not None:
        manifest["attribution_layer"] = {"image_classification": "feature_map", "text_classification": "embeddings"}[
            task
        ]
    else:
        scripted = to_torchscript(net, example, trace_first=module_file is None)
    if scripted is not None:
        scripted.save(str(directory / "model.pt"))
        manifest.update(format="torchscript", file="model.pt")
    else:
        torch.save(net.state_dict(), directory / "state_dict.pt")
        manifest.update(format="state_dict", file="state_dict.pt")
        if module_file is not None:
            shutil.copyfile(module_file, directory / "module.py")
            manifest["module_file"] = "module.py"
    if tokenizer is not None:
        tokenizer.save_pretrained(str(directory / "tokenizer"))
        manifest["tokenizer"] = "tokenizer"
    (directory / "index_to_name.json").write_text(
        json.dumps({str(index): name for index, name in enumerate(classes)}, indent=2) + "\n", encoding="utf-8"
    )
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
