"""Captum explanations as the original samples gave them, through a real server, and their pictures.

Text: a MiniLM classifier fine-tuned briefly on the shipped news sentences is
asked to explain sentences that differ in one word, the word that decides the
class; the top-attributed word must be that word, not "the" or "as".  Images:
the digits CNN explains a PNG sent as base64 with integrated gradients,
occlusion and GradCAM, and `serve.predict` draws the heat maps.  Every call
goes through `serve.predict --archive`, which serves the `.mar` here with
`ptflow serve` on 127.0.0.1.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import numpy as np
import pytest
import torch

from ptflow.stdlib.serving.inference import BadRequest, ModelRunner
from tests.runtime.steps import run_step

# Each sentence's class is decided by one word; the rest is the same filler.
DECIDING_WORDS = {"election": "World", "football": "Sports", "stock": "Business", "smartphone": "Sci/Tech"}
FILLER = "They talked about the {} as expected."
STOP_WORDS = {"they", "talked", "about", "the", "as", "expected", "."}


@pytest.fixture(scope="module")
def minilm_news_archive(tmp_path_factory):
    """all-MiniLM-L6-v2 fine-tuned for two epochs on 160 shipped sentences, archived as `news`."""
    root = tmp_path_factory.mktemp("minilm_news")
    run_step("torch.prepare_text", "--outputs-dir", root / "prepared", "--max_samples", "160").check()
    run_step(
        "torch.train",
        "--data",
        root / "prepared" / "data",
        "--outputs-dir",
        root / "trained",
        "--model",
        "bert",
        "--max_epochs",
        "2",
        "--max_length",
        "20",
        "--batch_size",
        "16",
        "--lr",
        "0.0002",
        env={"HF_HUB_OFFLINE": "1"},
    ).check()
    run_step(
        "serve.archive",
        "--model",
        root / "trained" / "model_file",
        "--name",
        "news",
        "--outputs-dir",
        root / "archived",
    ).check()
    return root / "archived" / "archive"


def explain(archive, outputs, body: dict, *more: str) -> dict:
    run_step(
        "serve.predict",
        "--archive",
        archive,
        "--verb",
        "explain",
        "--request",
        json.dumps(body),
        "--outputs-dir",
        outputs,
        "--mlpipeline-ui-metadata",
        outputs / "ui-metadata.json",
        *more,
        timeout=300,
    ).check()
    return json.loads((outputs / "response").read_text())


def test_the_word_that_decides_the_class_gets_the_top_attribution(minilm_news_archive, tmp_path):
    sentences = [FILLER.format(word) for word in DECIDING_WORDS]
    answer = explain(minilm_news_archive, tmp_path, {"instances": sentences})
    for (word, label), explanation in zip(DECIDING_WORDS.items(), answer["explanations"]):
        assert explanation["method"] == "layer_integrated_gradients" and explanation["layer"] == "embeddings"
        assert explanation["predicted_label"] == explanation["label"] == label
        ranked = [
            token
            for _, token in sorted(zip(explanation["attributions"], explanation["tokens"]), reverse=True)
            if token not in ("[CLS]", "[SEP]")
        ]
        assert ranked[0] == word, f"{label}: top words {ranked[:4]}"
        assert ranked[0] not in STOP_WORDS

    # The page: each word coloured by its attribution, the deciding word the most strongly (green).
    page = (tmp_path / "visualization").read_text()
    marks = re.findall(
        r'<mark style="background-color: hsl\((\d+), 75%, (\d+)%\)" title="([-+.\d]+)">(\w+)</mark>', page
    )
    assert len(marks) == 4 * 7  # seven words per sentence, [CLS] and [SEP] left out
    first_sentence = marks[:7]
    strongest = min(first_sentence, key=lambda mark: int(mark[1]))  # the darkest background
    assert strongest[3] == "election" and strongest[0] == "120"  # green: towards the class
    assert "<th>word importance</th>" in page and "World" in page
    # KFP v1 shows the same page as a web-app viewer.
    entries = json.loads((tmp_path / "ui-metadata.json").read_text())["outputs"]
    assert {"type": "web-app", "storage": "inline", "source": page} in entries


def test_every_archive_that_explains_lists_captum(minilm_news_archive, digits_archive):
    for archive in (minilm_news_archive, digits_archive):
        (mar,) = (archive / "model-store").glob("*.mar")
        with zipfile.ZipFile(mar) as packed:
            assert "captum" in packed.read("requirements.txt").decode().split()


def png_base64(image: np.ndarray, image_format: str = "PNG") -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray((image * 255).round().astype(np.uint8)).save(buffer, format=image_format)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_a_png_digit_is_explained_three_ways_and_drawn_as_heat_maps(digits_archive, digit_images, tmp_path):
    image = digit_images[0, 0].numpy()
    answer = explain(digits_archive, tmp_path, {"instances": [png_base64(image)]})
    (explanation,) = answer["explanations"]
    assert explanation["methods"] == ["integrated_gradients", "occlusion", "gradcam"]
    assert np.array(explanation["attributions"]).shape == (1, 8, 8)
    assert np.array(explanation["occlusion"]).shape == (1, 8, 8)
    gradcam = np.array(explanation["gradcam"])
    assert gradcam.shape == (8, 8) and gradcam.min() >= 0 and gradcam.max() > 0  # ReLU'd class activation
    # The PNG was decoded to what the model takes: the same pixels, to 8-bit precision.
    np.testing.assert_allclose(np.array(explanation["image"])[0], image, atol=1 / 255)

    pictures = sorted(path.name for path in (tmp_path / "heat_maps").iterdir())
    assert pictures == ["instance-0-gradcam.png", "instance-0-integrated_gradients.png", "instance-0-occlusion.png"]
    from PIL import Image

    heat = np.asarray(Image.open(tmp_path / "heat_maps" / "instance-0-gradcam.png"))
    assert heat.shape == (160, 160, 3)
    # Where GradCAM is strongest the picture is tinted red.
    row, column = np.unravel_index(gradcam.argmax(), gradcam.shape)
    pixel = heat[row * 20 + 10, column * 20 + 10]
    assert pixel[0] > 200 and pixel[1] < 60
    page = (tmp_path / "visualization").read_text()
    assert page.count("data:image/png;base64,") == 4  # the input and three heat maps


def test_images_arrive_as_png_jpeg_or_base64_objects_and_predict_like_numbers(digits_model, digit_images):
    runner = ModelRunner.load(digits_model)
    image = digit_images[3, 0].numpy()
    as_numbers = runner.predict([image.tolist()])[0]["probabilities"]
    png = png_base64(image)
    for instance in (png, {"data": png}, {"b64": png}, f"data:image/png;base64,{png}", base64.b64decode(png)):
        torch.testing.assert_close(
            torch.tensor(runner.predict([instance])[0]["probabilities"]), torch.tensor(as_numbers), atol=0.02, rtol=0
        )
    jpeg = runner.predict([png_base64(image, "JPEG")])[0]
    assert len(jpeg["probabilities"]) == 10
    for instance, reason in (
        ("not base64!", "not base64"),
        (base64.b64encode(b"GIF89a").decode(), "not a PNG or JPEG"),
        ({"pixels": png}, "without `data` or `b64`"),
    ):
        with pytest.raises(BadRequest, match=reason):
            runner.predict([instance])


def test_an_explanation_may_ask_for_some_methods(digits_model, digit_images):
    runner = ModelRunner.load(digits_model)
    (answer,) = runner.explain([digit_images[0].tolist()], methods=["gradcam"])
    assert answer["methods"] == ["gradcam"] and "attributions" not in answer and "occlusion" not in answer
    with pytest.raises(BadRequest, match="name some of integrated_gradients, occlusion, gradcam"):
        runner.explain([digit_images[0].tolist()], methods=["saliency"])
