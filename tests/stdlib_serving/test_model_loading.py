"""What `ptflow serve` and the TorchServe handler can load, and the runner's answers, in this process.

The servers themselves are tested as subprocesses elsewhere; here the model
runner is called directly on real files: torch.train's model folder, a bare
TorchScript file, an archive, serve.archive's folder, an eager model, and a
text model (tokenizer included) whose explanations are per token.
"""

from __future__ import annotations

import json
import shutil
import warnings

import pytest
import torch
from torch import nn

from ptflow.stdlib.serving.inference import BadRequest, ModelLoadError, ModelRunner
from ptflow.stdlib.serving.model_server import load_servable
from tests.runtime.steps import run_step
from tests.stdlib_serving.conftest import expected_probabilities


def test_the_same_model_from_every_kind_of_target(
    tmp_path, digits_model, digits_archive, in_process_model, digit_images
):
    bare = tmp_path / "digits.pt"
    shutil.copyfile(digits_model / "model.pt", bare)
    targets = {
        "model folder": (digits_model, "model"),
        "torchscript file": (bare, "digits"),
        "archive folder": (digits_archive, "digits"),
        "mar": (digits_archive / "model-store" / "digits.mar", "digits"),
    }
    expected = expected_probabilities(in_process_model, digit_images)
    for kind, (target, name) in targets.items():
        servable = load_servable(target)
        assert servable.name == name, kind
        answers = servable.runner.predict(digit_images.tolist())
        if kind == "torchscript file":  # no manifest: raw outputs, not classes
            got = torch.softmax(torch.tensor([answer["output"] for answer in answers]), dim=1)
        else:
            got = torch.tensor([answer["probabilities"] for answer in answers])
        torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5, msg=kind)
    assert load_servable(digits_model, "renamed").name == "renamed"


def test_unloadable_targets_say_why(tmp_path, digits_archive):
    with pytest.raises(ModelLoadError, match="nothing at"):
        load_servable(tmp_path / "missing")
    broken = tmp_path / "broken.mar"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ModelLoadError, match="not a readable TorchServe archive"):
        load_servable(broken)
    store = tmp_path / "two" / "model-store"
    store.mkdir(parents=True)
    for name in ("a", "b"):
        shutil.copyfile(digits_archive / "model-store" / "digits.mar", store / f"{name}.mar")
    with pytest.raises(ModelLoadError, match="holds 2 .mar archives"):
        load_servable(tmp_path / "two")
    assert load_servable(tmp_path / "two", "b").name == "b"
    not_torchscript = tmp_path / "weights.pt"
    torch.save(nn.Linear(2, 2).state_dict(), not_torchscript)
    with pytest.raises(ModelLoadError, match="is not a TorchScript model"):
        load_servable(not_torchscript)


def test_an_eager_model_is_built_from_its_file_and_weights(tmp_path):
    (tmp_path / "module.py").write_text(
        "import torch\n\n\nclass Block(torch.nn.Module):\n    pass\n\n\n"
        "class Tiny(torch.nn.Module):\n    def __init__(self, num_classes, hidden=4):\n        super().__init__()\n"
        "        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Linear(hidden, num_classes))\n\n"
        "    def forward(self, x):\n        return self.net(x)\n"
    )
    torch.manual_seed(0)
    reference = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2))
    torch.save({f"net.{key}": value for key, value in reference.state_dict().items()}, tmp_path / "state_dict.pt")
    manifest = {
        "format": "state_dict",
        "file": "state_dict.pt",
        "module_file": "module.py",
        "classes": ["no", "yes"],
        "inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 3]}],
        "hparams": {"hidden": 5, "lr": 0.1},
    }
    (tmp_path / "ptflow-model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match=r"2 candidate model classes \(Block, Tiny\); name the model's class"):
        ModelRunner.load(tmp_path)
    (tmp_path / "ptflow-model.json").write_text(json.dumps({**manifest, "module_class": "Tiny"}))
    runner = ModelRunner.load(tmp_path)
    sample = [[0.1, -0.2, 0.3]]
    answer = runner.predict(sample)[0]
    with torch.no_grad():
        expected = torch.softmax(reference(torch.tensor(sample)), dim=1)[0]
    torch.testing.assert_close(torch.tensor(answer["probabilities"]), expected)
    assert answer["label"] == ["no", "yes"][int(expected.argmax())]


def test_the_runner_refuses_bad_instances_with_reasons(digits_model):
    runner = ModelRunner.load(digits_model)
    cases = [
        ({"instances": []}, "must be a list"),
        ([], "is empty"),
        ([[1, 2]], "has 2 values"),
        ([[True] * 64], "not an array of numbers"),
        ([[0.1] * 64, [0.1] * 63], "instance 1 has 63 values"),
        ([[float("nan")] * 64], "NaN or infinite"),
        ([[0.0] * 64] * 2000, "send at most 1024"),
    ]
    for instances, reason in cases:
        with pytest.raises(BadRequest, match=reason):
            runner.predict(instances)


def test_a_text_model_answers_strings_and_explains_per_token(news_model):
    from transformers import AutoTokenizer

    runner = ModelRunner.load(news_model)
    sentences = ["Stocks fell sharply after the earnings report", "The team won the final match"]
    answers = runner.predict(sentences)

    tokenizer = AutoTokenizer.from_pretrained(str(news_model / "tokenizer"))
    encoded = tokenizer(sentences, padding="max_length", truncation=True, max_length=64, return_tensors="pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.jit.load(str(news_model / "model.pt"))
    with torch.no_grad():
        expected = torch.softmax(model(encoded["input_ids"], encoded["attention_mask"]), dim=1)
    torch.testing.assert_close(torch.tensor([a["probabilities"] for a in answers]), expected, atol=1e-6, rtol=1e-5)

    (explanation,) = runner.explain(sentences[:1])
    tokens = tokenizer.convert_ids_to_tokens(tokenizer(sentences[0])["input_ids"])
    assert explanation["tokens"] == tokens
    assert len(explanation["attributions"]) == len(tokens)  # one per token, [CLS] and [SEP] included
    # Captum's LayerIntegratedGradients on the token embeddings, as the original BERT handler.
    assert explanation["method"] == "layer_integrated_gradients" and explanation["layer"] == "embeddings"
    assert abs(explanation["delta"]) < 0.05  # the integral's completeness: attributions sum to the score change
    assert torch.linalg.vector_norm(torch.tensor(explanation["attributions"])) == pytest.approx(1.0)
    with pytest.raises(BadRequest, match="takes a string per instance"):
        runner.predict([[1, 2, 3]])


def test_a_text_models_archive_asks_torchserve_for_captum_and_transformers(news_model, tmp_path):
    import zipfile

    run_step("serve.archive", "--model", news_model, "--name", "news", "--outputs-dir", tmp_path).check()
    with zipfile.ZipFile(tmp_path / "archive" / "model-store" / "news.mar") as packed:
        names = set(packed.namelist())
        assert packed.read("requirements.txt").decode().split() == ["captum", "transformers"]
        manifest = json.loads(packed.read("MAR-INF/MANIFEST.json"))
    assert manifest["model"]["requirementsFile"] == "requirements.txt"
    tokenizer_files = {f"tokenizer/{path.name}" for path in (news_model / "tokenizer").iterdir()}
    assert "tokenizer/tokenizer_config.json" in tokenizer_files
    assert tokenizer_files | {"ptflow-model.json", "model.pt"} <= names
    # and it serves: the runner loads the unpacked archive with its tokenizer
    servable = load_servable(tmp_path / "archive")
    assert servable.runner.is_text and servable.name == "news"
    assert (
        servable.runner.predict(["Stocks rallied"])[0]["label"]
        in json.loads((news_model / "ptflow-model.json").read_text())["classes"]
    )
