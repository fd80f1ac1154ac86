"""Running a trained model on JSON requests: predictions, and explanations with Captum.

One implementation behind every server ptflow offers, so they answer the same
request with the same numbers: the TorchServe handler packed into a `.mar`
(`serve.archive`) and the KServe-protocol server of `ptflow serve`.

Self-contained on purpose: `serve.archive` copies this file into the archive
as `ptflow_inference.py`, where it runs inside TorchServe without ptflow
installed.  It imports only the standard library, numpy and torch at module
level; captum (explanations) and transformers (text models' tokenizer) when
first needed.

A model is what `torch.train` writes (a directory with `ptflow-model.json`, see
ptflow.stdlib.training.export), a bare TorchScript file, or an eager model (a
state_dict next to the Python file defining its nn.Module).

Requests (KServe v1 style; each instance is one sample):
- image and tabular models: a nested list of numbers in the model's input
  shape without the batch dimension (`[1, 8, 8]` for digits), or the same
  numbers as a flat list;
- image models also take an encoded image, as TorchServe's image handlers do:
  a PNG or JPEG as a base64 string (a `data:image/...;base64,` URL too), as
  `{"data": ...}` or `{"b64": ...}`, or as the raw bytes of a request body;
  it is converted to the model's channels and size;
- text models: a string.
Answers: `{"label", "index", "probabilities"}` per instance for classifiers
(the manifest names the classes), `{"output": [...]}` for other models.

Explanations use Captum as the original PyTorch-on-Kubeflow handlers did:
- text: LayerIntegratedGradients on the token embeddings (baseline: padding,
  keeping [CLS] and [SEP]): `{"tokens", "attributions", "delta", ...}`, one
  attribution per token, normalised to unit length;
- images: IntegratedGradients (`attributions`, in the instance's layout),
  Occlusion (`occlusion`) and LayerGradCam on the last feature map (`gradcam`,
  one value per pixel), with the `image` as the model saw it; a request may
  pick some with `"methods": ["integrated_gradients", "occlusion", "gradcam"]`.
The layer methods need the model written by `torch.train` (its TorchScript
file keeps the layer reachable, see `attribution_layer` in the manifest);
other text models are explained by ablating each token in turn, other image
models without GradCAM.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import inspect
import io
import json
import math
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

MANIFEST = "ptflow-model.json"
# A request bigger than this is refused rather than run (it would stall the server).
MAX_INSTANCES = 1024
# Integrated-gradients steps: 32 keeps the convergence delta small for the built-in models.
IG_STEPS = 32
IMAGE_METHODS = ("integrated_gradients", "occlusion", "gradcam")
# The first bytes of the encoded images a request may carry.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class _Hookable(torch.nn.Module):
    """A TorchScript submodule inside a Python module, so Captum can hook its output."""

    def __init__(self, scripted: torch.nn.Module):
        super().__init__()
        self.scripted = scripted

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.scripted(*inputs)


class _Stages(torch.nn.Module):
    """A staged model (torch.train's export) called through its `first` stage, the layer Captum attributes to."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.first = _Hookable(net.first)
        self.rest = net.rest

    def forward(self, first_input: torch.Tensor, *more: torch.Tensor) -> torch.Tensor:
        return self.rest(self.first(first_input), *more)


class BadRequest(ValueError):
    """The request can't be answered as sent; `reason` says why (HTTP 400)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ModelLoadError(Exception):
    """The model files can't be loaded; the message says which file and why."""


@dataclass(frozen=True)
class InputSpec:
    """One model input as the manifest describes it (shape with -1 for the batch)."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[1:])

    @property
    def sample_size(self) -> int | None:
        if any(size < 0 for size in self.sample_shape):
            return None
        return math.prod(self.sample_shape)


class ModelRunner:
    """A loaded model that turns request instances into predictions or explanations."""

    def __init__(self, net: torch.nn.Module, manifest: dict[str, Any], tokenizer: Any = None):
        self.net = net.eval()
        self.manifest = manifest
        self.classes: list[str] = [str(name) for name in manifest.get("classes") or []]
        self.inputs = [
            InputSpec(spec["name"], spec.get("dtype", "float32"), tuple(spec.get("shape") or ()))
            for spec in manifest.get("inputs") or []
        ]
        self.tokenizer = tokenizer

    # ------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: str | Path) -> ModelRunner:
        """The model in a ptflow model directory, a TorchScript file, or a directory holding one."""
        path = Path(path)
        if path.is_dir() and (path / MANIFEST).is_file():
            return cls._load_model_directory(path)
        if path.is_dir():
            candidates = sorted(path.glob("*.pt")) + sorted(path.glob("*.pth"))
            if len(candidates) != 1:
                raise ModelLoadError(
                    f"{path} has no {MANIFEST} and {len(candidates)} model files (*.pt, *.pth); "
                    "give the model file itself, or a directory written by torch.train"
                )
            path = candidates[0]
        if not path.is_file():
            raise ModelLoadError(f"no model at {path}")
        return cls(load_torchscript(path), {"format": "torchscript", "file": path.name})

    @classmethod
    def _load_model_directory(cls, directory: Path) -> ModelRunner:
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelLoadError(f"{directory / MANIFEST} is not readable JSON: {error}") from None
        model_format = manifest.get("format", "torchscript")
        model_file = directory / str(manifest.get("file", "model.pt"))
        if model_format == "torchscript":
            net = load_torchscript(model_file)
        elif model_format == "state_dict":
            module_file = directory / str(manifest.get("module_file", "module.py"))
            net = load_eager(module_file, model_file, manifest)
        else:
            raise ModelLoadError(f"{directory / MANIFEST}: unknown model format {model_format!r}")
        tokenizer = None
        if manifest.get("tokenizer"):
            tokenizer = load_tokenizer(directory / str(manifest["tokenizer"]))
        return cls(net, manifest, tokenizer)

    # ------------------------------------------------------------ requests

    @property
    def is_text(self) -> bool:
        return self.tokenizer is not None

    def model_inputs(self, instances: Any) -> tuple[torch.Tensor, ...]:
        """The batch tensors for `instances`; BadRequest says what is wrong with them."""
        if not isinstance(instances, list):
            raise BadRequest(f"`instances` must be a list of samples, not {json_type(instances)}")
        if not instances:
            raise BadRequest("`instances` is empty: send at least one sample")
        if len(instances) > MAX_INSTANCES:
            raise BadRequest(f"{len(instances)} instances in one request; send at most {MAX_INSTANCES}")
        if self.is_text:
            return self._text_inputs(instances)
        if self.is_image:
            instances = [self._decoded_image(index, instance) for index, instance in enumerate(instances)]
        return (self._numeric_batch(instances),)

    @property
    def is_image(self) -> bool:
        return self.manifest.get("task") == "image_classification" or (
            bool(self.inputs) and len(self.inputs[0].shape) == 4 and self.inputs[0].shape[1] in (1, 3)
        )

    def _decoded_image(self, index: int, instance: Any) -> Any:
        """An encoded image instance as a CHW array in [0, 1]; numbers pass through unchanged."""
        if isinstance(instance, dict):
            encoded = instance.get("data", instance.get("b64"))
            if encoded is None:
                raise BadRequest(f"instance {index} is an object without `data` or `b64` (a base64 PNG or JPEG)")
            instance = encoded
        if isinstance(instance, str):
            text = instance.split(",", 1)[1] if instance.startswith("data:") else instance
            try:
                instance = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise BadRequest(f"instance {index} is a string that is not base64: {abbreviate(instance)}") from None
        if isinstance(instance, (bytes, bytearray)):
            return self._image_array(index, bytes(instance))
        return instance

    def _image_array(self, index: int, data: bytes) -> np.ndarray:
        if not data.startswith(IMAGE_SIGNATURES):
            raise BadRequest(f"instance {index} is not a PNG or JPEG image")
        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError) as error:
            raise BadRequest(f"instance {index} is not a readable image: {error}") from None
        channels, height, width = self.inputs[0].sample_shape
        image = image.convert("L" if channels == 1 else "RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.BILINEAR)
        array = np.asarray(image, dtype=np.float32) / 255.0
        return array[None] if channels == 1 else array.transpose(2, 0, 1)

    def _text_inputs(self, instances: list) -> tuple[torch.Tensor, ...]:
        for index, text in enumerate(instances):
            if not isinstance(text, str):
                raise BadRequest(f"instance {index} is {json_type(text)}; this text model takes a string per instance")
        # Padded to the training length: the exported model was traced at that size.
        encoded = self.tokenizer(
            instances,
            padding="max_length",
            truncation=True,
            max_length=int(self.manifest.get("max_length", 64)),
            return_tensors="pt",
        )
        return encoded["input_ids"], encoded["attention_mask"]

    def _numeric_batch(self, instances: list) -> torch.Tensor:
        spec = self.inputs[0] if self.inputs else None
        rows = []
        for index, instance in enumerate(instances):
            try:
                array = np.asarray(instance)
            except (ValueError, TypeError):
                array = None  # ragged nesting
            if array is None or array.dtype.kind not in "iuf":
                raise BadRequest(
                    f"instance {index} is not an array of numbers (nested lists of equal length): "
                    f"{abbreviate(instance)}"
                )
            array = array.astype(np.float64)
            if not np.all(np.isfinite(array)):
                raise BadRequest(f"instance {index} holds NaN or infinite values")
            if spec is not None and spec.sample_size is not None:
                if array.size != spec.sample_size:
                    raise BadRequest(
                        f"instance {index} has {array.size} values; the model takes "
                        f"{spec.sample_size} per sample (shape {list(spec.sample_shape)}, "
                        "nested or flat)"
                    )
                array = array.reshape(spec.sample_shape)
            rows.append(array)
        shapes = {row.shape for row in rows}
        if len(shapes) > 1:
            raise BadRequest(
                f"the instances differ in shape ({', '.join(str(list(s)) for s in sorted(shapes))}); "
                "send samples of one shape"
            )
        dtype = torch.float64 if spec is not None and spec.dtype == "float64" else torch.float32
        return torch.as_tensor(np.stack(rows), dtype=dtype)

    def logits(self, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        with torch.inference_mode():
            return self._forward(tensors)

    def _forward(self, tensors: tuple[torch.Tensor, ...]) -> torch.Tensor:
        try:
            output = self.net(*tensors)
        except Exception as error:  # noqa: BLE001 - a shape the model refuses is the request's fault
            raise BadRequest(f"the model rejected the input: {first_line(error)}") from None
        if isinstance(output, (tuple, list)):
            output = output[0]
        if isinstance(output, dict):  # transformers-style outputs
            output = output.get("logits", next(iter(output.values())))
        return output

    def predict(self, instances: Any) -> list[dict[str, Any]]:
        """One answer per instance."""
        output = self.logits(self.model_inputs(instances)).float()
        if not self.is_classifier(output):
            return [{"output": row} for row in output.tolist()]
        probabilities = torch.softmax(output, dim=1)
        return [self._classified(row) for row in probabilities]

    def is_classifier(self, output: torch.Tensor) -> bool:
        return (
            output.ndim == 2
            and (not self.classes or output.shape[1] == len(self.classes))
            and (bool(self.classes) or self.manifest.get("output") == "logits")
        )

    def _classified(self, probabilities: torch.Tensor) -> dict[str, Any]:
        index = int(probabilities.argmax())
        return {"label": self.label(index), "index": index, "probabilities": probabilities.tolist()}

    def label(self, index: int) -> str:
        return self.classes[index] if index < len(self.classes) else str(index)

    # ------------------------------------------------------------ explanations

    def explain(self, instances: Any, target: Any = None, methods: Any = None) -> list[dict[str, Any]]:
        """Attributions for each instance's predicted class (or `target`): one per input feature."""
        tensors = self.model_inputs(instances)
        output = self.logits(tensors)
        if output.ndim != 2:
            raise BadRequest("explanations need a classifier (a model returning one score per class)")
        targets = self._targets(target, output)
        try:
            if self.is_text:
                explain_text = self._explain_text_layer if self.staged is not None else self._explain_text
                answers = explain_text(tensors, targets)
            else:
                answers = self._explain_numeric(tensors[0], targets, instances)
                if self.is_image:
                    self._explain_image(tensors[0], targets, answers, self._image_methods(methods))
            for answer, predicted in zip(answers, output.argmax(dim=1).tolist()):
                answer["predicted_label"] = self.label(predicted)
            return answers
        except BadRequest:
            raise
        except ImportError as error:
            raise ModelLoadError(f"explanations need captum: {error}") from None

    def _targets(self, target: Any, output: torch.Tensor) -> list[int]:
        predicted = output.argmax(dim=1).tolist()
        if target is None:
            return predicted
        count = output.shape[1]
        targets = target if isinstance(target, list) else [target] * len(predicted)
        if len(targets) != len(predicted):
            raise BadRequest(f"`target` has {len(targets)} entries for {len(predicted)} instances")
        resolved = []
        for value in targets:
            if isinstance(value, str) and value in self.classes:
                value = self.classes.index(value)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
                names = ", ".join(self.classes[:10]) + (", ..." if len(self.classes) > 10 else "")
                raise BadRequest(
                    f"`target` {value!r} is not a class index (0..{count - 1})"
                    + (f" or a class name ({names})" if self.classes else "")
                )
            resolved.append(value)
        return resolved

    @property
    def staged(self) -> _Stages | None:
        """The model through its attribution layer, when torch.train exported it in stages."""
        if not self.manifest.get("attribution_layer") or not (hasattr(self.net, "first") and hasattr(self.net, "rest")):
            return None
        if getattr(self, "_staged", None) is None:
            self._staged = _Stages(self.net).eval()
        return self._staged

    def _image_methods(self, methods: Any) -> list[str]:
        if methods is None:
            return list(IMAGE_METHODS)
        chosen = [methods] if isinstance(methods, str) else methods
        if not isinstance(chosen, list) or not all(isinstance(m, str) and m in IMAGE_METHODS for m in chosen):
            raise BadRequest(f"`methods` {abbreviate(methods)}: name some of {', '.join(IMAGE_METHODS)}")
        return chosen

    def _explain_image(
        self, images: torch.Tensor, targets: list[int], answers: list[dict[str, Any]], methods: list[str]
    ) -> None:
        """Occlusion and GradCAM maps, and the image as the model saw it, added to each answer."""
        from captum.attr import LayerAttribution, LayerGradCam, Occlusion

        channels, height, width = images.shape[1:]
        window = max(1, round(min(height, width) / 4))  # a quarter of the side, as the original's 15 of 32
        stride = max(1, window // 2)
        results: dict[str, torch.Tensor] = {}
        with torch.enable_grad():
            if "occlusion" in methods:
                with torch.no_grad():
                    results["occlusion"] = Occlusion(lambda batch: self._forward((batch,))).attribute(
                        images,
                        target=targets,
                        sliding_window_shapes=(channels, window, window),
                        strides=(channels, stride, stride),
                        baselines=0,
                    )
            if "gradcam" in methods and self.staged is not None:
                staged = self.staged
                cam = LayerGradCam(staged, staged.first).attribute(images, target=targets, relu_attributions=True)
                results["gradcam"] = LayerAttribution.interpolate(cam, (height, width), "bilinear")[:, 0]
        for index, answer in enumerate(answers):
            answer["image"] = images[index].tolist()
            if "integrated_gradients" not in methods:
                answer.pop("attributions"), answer.pop("delta")
            answer["methods"] = [m for m in methods if m == "integrated_gradients" or m in results]
            for name, maps in results.items():
                answer[name] = maps[index].detach().tolist()

    def _explain_text_layer(self, tensors: tuple[torch.Tensor, ...], targets: list[int]) -> list[dict[str, Any]]:
        """LayerIntegratedGradients on the token embeddings, from a baseline of padding between [CLS] and [SEP]."""
        from captum.attr import LayerIntegratedGradients

        input_ids, attention_mask = tensors
        special = set(self.tokenizer.all_special_ids) - {self.tokenizer.pad_token_id}
        pad_id = int(self.tokenizer.pad_token_id or 0)
        keep = torch.zeros_like(input_ids, dtype=torch.bool)
        for token in special:
            keep |= input_ids == token
        baselines = torch.where(keep, input_ids, torch.full_like(input_ids, pad_id))
        staged = self.staged
        with torch.enable_grad():
            attributions, delta = LayerIntegratedGradients(staged, staged.first).attribute(
                input_ids,
                baselines=baselines,
                target=targets,
                additional_forward_args=(attention_mask,),
                n_steps=IG_STEPS,
                return_convergence_delta=True,
            )
        per_token = attributions.detach().sum(dim=-1)
        answers = []
        for row, (ids, mask, target) in enumerate(zip(input_ids, attention_mask, targets)):
            length = int(mask.sum())
            scores = per_token[row, :length]
            norm = float(torch.linalg.vector_norm(scores)) or 1.0
            answers.append(
                {
                    "target": target,
                    "label": self.label(target),
                    "method": "layer_integrated_gradients",
                    "layer": "embeddings",
                    "baseline": "padding",
                    "tokens": self.tokenizer.convert_ids_to_tokens(ids[:length].tolist()),
                    "attributions": (scores / norm).tolist(),
                    "delta": float(delta[row]),
                }
            )
        return answers

    def _explain_numeric(self, inputs: torch.Tensor, targets: list[int], instances: list) -> list[dict[str, Any]]:
        from captum.attr import IntegratedGradients

        inputs = inputs.detach().clone().requires_grad_(True)
        baseline = torch.zeros_like(inputs)
        with torch.enable_grad():
            attributions, delta = IntegratedGradients(lambda batch: self._forward((batch,))).attribute(
                inputs, baselines=baseline, target=targets, n_steps=IG_STEPS, return_convergence_delta=True
            )
        answers = []
        for index, (attribution, target) in enumerate(zip(attributions.detach(), targets)):
            # The attributions in the layout the instance came in (nested or flat).
            layout = np.shape(instances[index]) if isinstance(instances[index], list) else ()
            shaped = attribution.reshape(layout) if layout and math.prod(layout) == attribution.numel() else attribution
            answers.append(
                {
                    "target": target,
                    "label": self.label(target),
                    "method": "integrated_gradients",
                    "baseline": "zeros",
                    "attributions": shaped.tolist(),
                    "delta": float(delta[index]),
                }
            )
        return answers

    def _explain_text(self, tensors: tuple[torch.Tensor, ...], targets: list[int]) -> list[dict[str, Any]]:
        # Gradients can't reach a TorchScript model's embedding layer (captum's layer methods
        # need hooks), so each token's attribution is the score lost when it is replaced by
        # padding: captum's FeatureAblation, one attribution per token.
        from captum.attr import FeatureAblation

        input_ids, attention_mask = tensors
        pad_id = int(self.tokenizer.pad_token_id or 0)

        def forward(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self._forward((ids, mask))

        with torch.inference_mode():
            attributions = FeatureAblation(forward).attribute(
                input_ids, baselines=pad_id, target=targets, additional_forward_args=(attention_mask,)
            )
        answers = []
        for row, (ids, mask, target) in enumerate(zip(input_ids, attention_mask, targets)):
            length = int(mask.sum())
            tokens = self.tokenizer.convert_ids_to_tokens(ids[:length].tolist())
            answers.append(
                {
                    "target": target,
                    "label": self.label(target),
                    "method": "feature_ablation",
                    "baseline": "padding",
                    "tokens": tokens,
                    "attributions": attributions[row, :length].float().tolist(),
                }
            )
        return answers


# ------------------------------------------------------------------ loading helpers


def load_torchscript(path: Path) -> torch.jit.ScriptModule:
    if not path.is_file():
        raise ModelLoadError(f"no model file at {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notices
        try:
            return torch.jit.load(str(path), map_location="cpu")
        except Exception as error:  # noqa: BLE001
            raise ModelLoadError(
                f"{path} is not a TorchScript model ({first_line(error)}); an eager model needs "
                "its state_dict and the Python file defining its nn.Module"
            ) from None


def load_eager(module_file: Path, weights: Path, manifest: dict[str, Any]) -> torch.nn.Module:
    """The nn.Module defined in `module_file`, built with what its constructor takes, with `weights` loaded."""
    if not module_file.is_file():
        raise ModelLoadError(f"the model's Python file is missing: {module_file}")
    spec = importlib.util.spec_from_file_location(f"ptflow_served_{module_file.stem}", module_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001
        raise ModelLoadError(f"importing {module_file} failed: {type(error).__name__}: {error}") from None
    classes = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and value.__module__ == spec.name and issubclass(value, torch.nn.Module)
    ]
    model_class = _model_class(classes, manifest.get("module_class"), module_file)
    offered = {
        "num_classes": len(manifest.get("classes") or []) or None,
        "classes": manifest.get("classes"),
        **(manifest.get("hparams") or {}),
    }
    parameters = inspect.signature(model_class).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    arguments = {
        name: value for name, value in offered.items() if value is not None and (accepts_any or name in parameters)
    }
    try:
        net = model_class(**arguments)
        state = torch.load(weights, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]  # a Lightning checkpoint
        net.load_state_dict(state)
    except Exception as error:  # noqa: BLE001
        raise ModelLoadError(
            f"building {model_class.__name__} from {module_file} with {weights.name} failed: "
            f"{type(error).__name__}: {first_line(error)}"
        ) from None
    return net


def _model_class(classes: list[type], wanted: str | None, module_file: Path) -> type:
    """The class named by the manifest, else the one LightningModule (torch.train's user modules), else the
    one class no other class in the file derives from."""
    if wanted:
        for cls in classes:
            if cls.__name__ == wanted:
                return cls
        raise ModelLoadError(f"{module_file} defines no nn.Module named {wanted!r}")
    lightning = [cls for cls in classes if any(base.__name__ == "LightningModule" for base in cls.__mro__[1:])]
    candidates = lightning or classes
    leaves = [cls for cls in candidates if not any(o is not cls and issubclass(o, cls) for o in candidates)]
    if len(leaves) != 1:
        raise ModelLoadError(
            f"{module_file} defines {len(leaves)} candidate model classes "
            f"({', '.join(sorted(cls.__name__ for cls in leaves)) or 'none'}); name the model's "
            f"class as `module_class` in {MANIFEST}"
        )
    return leaves[0]


def load_tokenizer(directory: Path) -> Any:
    if not directory.is_dir():
        raise ModelLoadError(f"the text model's tokenizer is missing: {directory}")
    try:
        from transformers import AutoTokenizer
    except ImportError as error:
        raise ModelLoadError(f"a text model needs transformers to tokenize its input: {error}") from None
    return AutoTokenizer.from_pretrained(str(directory))


# ------------------------------------------------------------------ small helpers


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def abbreviate(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1] if "Traceback" in text and lines else lines[0] if lines else type(error).__name__)[:300]
