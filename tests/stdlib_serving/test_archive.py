"""serve.archive for real: torch-model-archiver run by `python -m ptflow.runtime serve.archive`.

What a user checks: the archive holds the model, its handler and what the
handler needs, in the layout KServe reads; config.properties carries KServe's
settings; a request without a usable handler fails at once, naming the
problem, without building anything.
"""

from __future__ import annotations

import json
import zipfile

import pytest
import torch
from torch import nn

from tests.runtime.steps import run_step


def mar_members(archive_dir, name="digits"):
    with zipfile.ZipFile(archive_dir / "model-store" / f"{name}.mar") as packed:
        manifest = json.loads(packed.read("MAR-INF/MANIFEST.json"))
        return set(packed.namelist()), manifest


def read_properties(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_the_archive_has_kserves_layout_and_ptflows_handler(digits_archive, digits_model):
    members, manifest = mar_members(digits_archive)
    assert {
        "model.pt",
        "ptflow-model.json",
        "index_to_name.json",
        "torchserve_handler.py",
        "ptflow_inference.py",
    } <= members
    assert manifest["model"]["modelName"] == "digits"
    assert manifest["model"]["serializedFile"] == "model.pt"
    assert manifest["model"]["handler"] == "torchserve_handler.py"
    with zipfile.ZipFile(digits_archive / "model-store" / "digits.mar") as packed:
        assert packed.read("model.pt") == (digits_model / "model.pt").read_bytes()

    properties = read_properties(digits_archive / "config" / "config.properties")
    assert properties["enable_envvars_config"] == "true"
    assert properties["install_py_dep_per_model"] == "true"  # captum for :explain, installed as the model loads
    assert properties["model_store"] == "/mnt/models/model-store"
    assert properties["inference_address"] == "http://0.0.0.0:8085"
    snapshot = json.loads(properties["model_snapshot"])
    assert snapshot["modelCount"] == 1
    assert snapshot["models"]["digits"]["1.0"]["marName"] == "digits.mar"
    assert snapshot["models"]["digits"]["1.0"]["defaultVersion"] is True


def test_the_config_output_is_the_same_config_properties(tmp_path, digits_model):
    run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "digits",
        "--version",
        "2.1",
        "--workers",
        "2",
        "--batch_size",
        "4",
        "--outputs-dir",
        tmp_path,
    ).check()
    config = (tmp_path / "config").read_text()
    assert config == (tmp_path / "archive" / "config" / "config.properties").read_text()
    entry = json.loads(read_properties(tmp_path / "config")["model_snapshot"])["models"]["digits"]["2.1"]
    assert (entry["minWorkers"], entry["maxWorkers"], entry["batchSize"]) == (2, 2, 4)
    assert mar_members(tmp_path / "archive")[1]["model"]["modelVersion"] == "2.1"


def test_a_built_in_handler_with_an_eager_model_and_extra_files(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "net.py").write_text(
        "import torch\n\n\nclass Net(torch.nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.fc = torch.nn.Linear(4, 2)\n\n"
        "    def forward(self, x):\n        return self.fc(x)\n"
    )
    torch.save({f"fc.{key}": value for key, value in nn.Linear(4, 2).state_dict().items()}, source / "weights.pt")
    extra = tmp_path / "extra"
    (extra / "vocab").mkdir(parents=True)
    (extra / "index_to_name.json").write_text('{"0": "no", "1": "yes"}')
    (extra / "vocab" / "words.txt").write_text("a\nb\n")
    run_step(
        "serve.archive",
        "--model",
        source / "weights.pt",
        "--model_file",
        source / "net.py",
        "--name",
        "eager",
        "--handler",
        "base_handler",
        "--extra_files",
        extra,
        "--outputs-dir",
        tmp_path / "out",
    ).check()
    members, manifest = mar_members(tmp_path / "out" / "archive", "eager")
    assert manifest["model"]["handler"] == "base_handler"
    assert manifest["model"]["modelFile"] == "net.py"
    # The extra folder's contents keep their own sub-folders.
    assert {"weights.pt", "net.py", "index_to_name.json", "vocab/words.txt"} <= members
    assert "ptflow_inference.py" not in members


def test_a_custom_handler_file_is_packed(tmp_path, digits_model):
    handler = tmp_path / "my_handler.py"
    handler.write_text(
        "from ts.torch_handler.base_handler import BaseHandler\n\n\nclass MyHandler(BaseHandler):\n    pass\n"
    )
    run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "custom",
        "--handler_file",
        handler,
        "--outputs-dir",
        tmp_path / "out",
    ).check()
    members, manifest = mar_members(tmp_path / "out" / "archive", "custom")
    assert manifest["model"]["handler"] == "my_handler.py"
    assert "my_handler.py" in members


HANDLER_PROBLEMS = {
    "no class and no handle function": ("def helper():\n    return 1\n", "defines 0 classes"),
    "two classes": (
        "class A:\n    def handle(self, d, c):\n        pass\n\n\nclass B:\n    pass\n",
        "defines 2 classes",
    ),
    "a class without handle": (
        "class Handler:\n    def initialize(self, context):\n        pass\n",
        "has no `handle` method",
    ),
    "a syntax error": ("class Handler(:\n", "does not parse"),
}


@pytest.mark.parametrize("problem", HANDLER_PROBLEMS)
def test_an_unusable_handler_file_fails_before_anything_is_built(tmp_path, digits_model, problem):
    source, expected = HANDLER_PROBLEMS[problem]
    handler = tmp_path / "handler.py"
    handler.write_text(source)
    result = run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "digits",
        "--handler_file",
        handler,
        "--outputs-dir",
        tmp_path / "out",
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert not (tmp_path / "out" / "archive" / "model-store").exists()


@pytest.mark.parametrize(
    "handler, expected",
    [
        ("", "--handler is empty: an archive needs a handler"),
        ("image_clasifier", "did you mean `image_classifier`?"),
        ("nonsense", "is not a handler TorchServe knows"),
    ],
)
def test_an_archive_without_a_usable_handler_fails_clearly(tmp_path, digits_model, handler, expected):
    result = run_step(
        "serve.archive", "--model", digits_model, "--name", "digits", "--handler", handler, "--outputs-dir", tmp_path
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive" / "model-store").exists()


def test_a_handler_entry_function_must_exist(tmp_path, digits_model):
    handler = tmp_path / "functions.py"
    handler.write_text("def serve(data, context):\n    return data\n")
    result = run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "digits",
        "--handler_file",
        handler,
        "--handler",
        "handle_it",
        "--outputs-dir",
        tmp_path / "out",
    )
    assert result.returncode == 2
    assert "defines no top-level function `handle_it`" in result.stderr
    run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "digits",
        "--handler_file",
        handler,
        "--handler",
        "serve",
        "--outputs-dir",
        tmp_path / "ok",
    ).check()
    assert mar_members(tmp_path / "ok" / "archive")[1]["model"]["handler"] == "functions:serve"


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--name", "bad name"], "a model name is 1-128 letters"),
        (["--name", "digits", "--workers", "0"], "must be at least 1"),
    ],
)
def test_bad_names_and_settings_fail_before_building(tmp_path, digits_model, arguments, expected):
    result = run_step("serve.archive", "--model", digits_model, *arguments, "--outputs-dir", tmp_path)
    assert result.returncode == 2 and expected in result.stderr


def test_a_folder_without_a_model_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_step("serve.archive", "--model", empty, "--name", "digits", "--outputs-dir", tmp_path / "out")
    assert result.returncode == 2
    assert "holds 0 model files" in result.stderr


def test_an_archive_for_a_cluster_without_pypi_leaves_its_requirements_to_the_image(tmp_path, digits_model):
    """`install_requirements: false`: TorchServe doesn't pip-install the handler's requirements when KServe loads
    the model (a cluster without PyPI access, whose serving image has captum); they stay listed in the archive."""
    run_step(
        "serve.archive",
        "--model",
        digits_model,
        "--name",
        "digits",
        "--install_requirements",
        "false",
        "--outputs-dir",
        tmp_path,
    ).check()
    assert read_properties(tmp_path / "config")["install_py_dep_per_model"] == "false"
    members, _ = mar_members(tmp_path / "archive")
    assert "requirements.txt" in members
