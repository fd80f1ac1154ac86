"""Pictures of a served model's answers: coloured words for text explanations, heat maps for images.

What the original samples showed with captum's `visualize_text` and matplotlib
figures, written without either: one self-contained HTML page (the heat maps
inlined as PNG data URLs, so KFP's UI can show it as a v2 HTML artifact or a
v1 `web-app` viewer) and the heat maps as PNG files.

Text: each token on a background whose colour says the sign of its
attribution (green: towards the explained class, red: against it) and whose
strength says its size, word pieces joined into words; with the predicted
label, the explained label and the attribution score, as visualize_text's
table has them.  Images: the input in grey with each method's map over it
(red: towards the class, blue: against it; GradCAM is positive only).
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The methods an image explanation may carry, the answer key of each, and its title.
IMAGE_MAPS = (
    ("integrated_gradients", "attributions", "Integrated gradients"),
    ("occlusion", "occlusion", "Occlusion"),
    ("gradcam", "gradcam", "GradCAM (last feature map)"),
)
# Heat maps are drawn at least this many pixels wide, so an 8x8 digit is visible.
MIN_PICTURE_SIDE = 160

STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
mark { padding: 0.1em 0.2em; margin: 0 0.05em; border-radius: 0.2em; color: #000; }
figure { display: inline-block; margin: 0 1em 1em 0; text-align: center; }
img { image-rendering: pixelated; }
"""


@dataclass
class Page:
    """The HTML page and the PNG heat maps (file name -> bytes) it shows."""

    html: str
    pictures: dict[str, bytes] = field(default_factory=dict)


def page_for(model_name: str, verb: str, response: Any) -> Page:
    """The page for a predict or explain answer (`{"predictions": [...]}` or `{"explanations": [...]}`)."""
    title = f"{model_name}: {verb}"
    if not isinstance(response, dict):
        return Page(_document(title, "<p>The answer is not a JSON object.</p>"))
    if verb == "explain":
        explanations = response.get("explanations") or []
        pictures: dict[str, bytes] = {}
        sections = [
            _explanation_section(index, item, pictures)
            for index, item in enumerate(explanations)
            if isinstance(item, dict)
        ]
        return Page(_document(title, "\n".join(sections) or "<p>No explanations in the answer.</p>"), pictures)
    return Page(_document(title, _predictions_table(response.get("predictions") or [])))


def _document(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def _predictions_table(predictions: list) -> str:
    rows = []
    for index, item in enumerate(predictions):
        if isinstance(item, dict) and "probabilities" in item:
            probability = max(item["probabilities"]) if item["probabilities"] else float("nan")
            rows.append(
                f"<tr><td>{index}</td><td>{html.escape(str(item.get('label')))}</td><td>{probability:.3f}</td></tr>"
            )
        else:
            rows.append(f'<tr><td>{index}</td><td colspan="2">{html.escape(str(item))[:200]}</td></tr>')
    return (
        "<table><tr><th>instance</th><th>predicted label</th><th>probability</th></tr>\n" + "\n".join(rows) + "</table>"
    )


def _explanation_section(index: int, item: dict, pictures: dict[str, bytes]) -> str:
    if "tokens" in item:
        return _text_section(index, item)
    if "image" in item:
        return _image_section(index, item, pictures)
    return (
        f"<h2>Instance {index}</h2><p>Attributions for {html.escape(str(item.get('label')))} "
        f"({html.escape(str(item.get('method')))}): {len(np.ravel(item.get('attributions', [])))} values.</p>"
    )


# ------------------------------------------------------------------ text


def words_and_scores(tokens: list[str], scores: list[float]) -> list[tuple[str, float]]:
    """Word pieces (`##ing`) joined to their word, scores summed; [CLS]/[SEP]/[PAD] left out."""
    words: list[tuple[str, float]] = []
    for token, score in zip(tokens, scores):
        if token in ("[CLS]", "[SEP]", "[PAD]", "<s>", "</s>", "<pad>"):
            continue
        if token.startswith("##") and words:
            word, total = words[-1]
            words[-1] = (word + token[2:], total + score)
        else:
            words.append((token, score))
    return words


def word_colour(score: float, largest: float) -> str:
    """Green for a positive attribution, red for a negative one, stronger the larger it is."""
    strength = 0.0 if largest <= 0 else min(1.0, abs(score) / largest)
    hue = 120 if score >= 0 else 0
    lightness = 100 - int(round(50 * strength))
    return f"hsl({hue}, 75%, {lightness}%)"


def _text_section(index: int, item: dict) -> str:
    words = words_and_scores(list(item.get("tokens") or []), list(item.get("attributions") or []))
    largest = max((abs(score) for _, score in words), default=0.0)
    marked = " ".join(
        f'<mark style="background-color: {word_colour(score, largest)}" title="{score:+.3f}">{html.escape(word)}</mark>'
        for word, score in words
    )
    total = sum(score for _, score in words)
    predicted = item.get("predicted_label", item.get("label"))
    return (
        f"<h2>Instance {index}</h2>\n<table><tr><th>predicted label</th><th>attribution label</th>"
        f"<th>attribution score</th><th>method</th><th>word importance</th></tr>\n"
        f"<tr><td>{html.escape(str(predicted))}</td><td>{html.escape(str(item.get('label')))}</td>"
        f"<td>{total:.3f}</td><td>{html.escape(str(item.get('method')))}</td><td>{marked}</td></tr></table>\n"
        + _score_list(words)
    )


def _score_list(words: list[tuple[str, float]]) -> str:
    ranked = sorted(words, key=lambda pair: -abs(pair[1]))
    cells = "".join(f"<tr><td>{html.escape(word)}</td><td>{score:+.3f}</td></tr>" for word, score in ranked)
    return f"<table><tr><th>word</th><th>attribution</th></tr>{cells}</table>"


# ------------------------------------------------------------------ images


def _image_section(index: int, item: dict, pictures: dict[str, bytes]) -> str:
    image = np.asarray(item["image"], dtype=np.float32)
    figures = [_figure("Input", encode_png(upscaled(grey(image))))]
    for method, key, title in IMAGE_MAPS:
        if key not in item or method not in item.get("methods", [method]):
            continue
        heat = attribution_map(np.asarray(item[key], dtype=np.float32), image.shape)
        picture = encode_png(overlay(grey(image), heat))
        name = f"instance-{index}-{method}.png"
        pictures[name] = picture
        figures.append(_figure(title, picture))
    return (
        f"<h2>Instance {index}: {html.escape(str(item.get('label')))}</h2>\n"
        f"<p>Attributions towards class {html.escape(str(item.get('label')))} (index {item.get('target')})."
        f" Red: towards it; blue: against it.</p>\n" + "".join(figures)
    )


def _figure(caption: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def grey(image: np.ndarray) -> np.ndarray:
    """A CHW image in [0, 1] as an HxW grey image."""
    image = image.reshape(-1, *image.shape[-2:]) if image.ndim >= 2 else image.reshape(1, 1, -1)
    return np.clip(image.mean(axis=0), 0.0, 1.0)


def attribution_map(values: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """One value per pixel: channels summed; a flat list laid out as the image."""
    height, width = image_shape[-2:]
    if values.size % (height * width) != 0:
        raise ValueError(f"{values.size} attributions don't fit a {height}x{width} image")
    return values.reshape(-1, height, width).sum(axis=0)


def upscaled(pixels: np.ndarray) -> np.ndarray:
    factor = max(1, -(-MIN_PICTURE_SIDE // max(pixels.shape[-2:])))
    return np.kron(pixels, np.ones((factor, factor), dtype=pixels.dtype))


def overlay(base: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """RGB: the grey image, tinted red where `heat` is positive and blue where negative."""
    largest = float(np.abs(heat).max()) or 1.0
    strength = np.clip(heat / largest, -1.0, 1.0)
    rgb = np.repeat((0.35 + 0.4 * base)[..., None], 3, axis=-1)  # dimmed, so the colours show
    red, blue = np.clip(strength, 0, 1), np.clip(-strength, 0, 1)
    rgb[..., 0] = rgb[..., 0] * (1 - red) + red
    rgb[..., 1] = rgb[..., 1] * (1 - np.maximum(red, blue))
    rgb[..., 2] = rgb[..., 2] * (1 - blue) + blue
    return upscaled_rgb(rgb)


def upscaled_rgb(rgb: np.ndarray) -> np.ndarray:
    factor = max(1, -(-MIN_PICTURE_SIDE // max(rgb.shape[:2])))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def encode_png(pixels: np.ndarray) -> bytes:
    """An HxW (grey) or HxWx3 (RGB) array in [0, 1] as PNG bytes."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(np.clip(pixels * 255.0, 0, 255).astype(np.uint8)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
