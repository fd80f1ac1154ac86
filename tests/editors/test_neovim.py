"""The Neovim set-up of docs/editors.md, tested through a real headless Neovim.

`tests/editors/nvim_driver.lua` loads `editors/neovim/ptflow.lua` exactly as a
user's init.lua would, opens a project file with a mistake and records what
Neovim's own LSP client got from the real `ptflow lsp` server: the diagnostic,
a completion, a hover, a definition into the standard library, a rename and a
format.  Debian 12 ships Neovim 0.7, the oldest version the set-up supports;
`make test` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ptflow.compiler.modules import stdlib_directory

REPO = Path(__file__).resolve().parents[2]
SETUP = REPO / "editors" / "neovim" / "ptflow.lua"
DRIVER = Path(__file__).with_name("nvim_driver.lua")

MAIN = """\
import stdlib.torch as torch

pipeline main(epochs: int = 1) {
    data = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epoch: epochs)
}
"""

MESSY = """\
pipeline   tidy( n:int=1 ){
  step=say( msg :"hi" ,times: n )
}
component say(msg: str, times: int = 1) -> (said: str) {
        image="python:3.11-slim"
  command=["sh","-c","echo $0 > $1",msg,said.path]
}
"""


@pytest.fixture(scope="module")
def neovim_session(tmp_path_factory) -> dict:
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed (`make test` installs Debian's neovim; apt-get failed here)")
    project = tmp_path_factory.mktemp("nvim-project")
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (project / "main.ptflow").write_text(MAIN)
    (project / "messy.ptflow").write_text(MESSY)
    result = project / "result.json"
    env = {
        **os.environ,
        "PTFLOW_NVIM_SETUP": str(SETUP),
        "PTFLOW_NVIM_PROJECT": str(project),
        "PTFLOW_NVIM_RESULT": str(result),
        "PTFLOW_NVIM_SERVER": json.dumps([sys.executable, "-m", "ptflow", "lsp"]),
        "XDG_CONFIG_HOME": str(project / "config"),
        "XDG_DATA_HOME": str(project / "data"),
        "XDG_STATE_HOME": str(project / "state"),
        "XDG_CACHE_HOME": str(project / "cache"),
    }
    completed = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {DRIVER}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=project,
    )
    assert result.exists(), f"Neovim wrote no result: {completed.stdout}\n{completed.stderr}"
    recorded = json.loads(result.read_text())
    assert "error" not in recorded, recorded["error"]
    recorded["project"] = project
    return recorded


def test_the_setup_sets_the_filetype_and_the_server_reports_the_mistake(neovim_session):
    assert neovim_session["filetype"] == "ptflow"
    [diagnostic] = neovim_session["diagnostics"]
    assert diagnostic["code"] == "PTF203"
    assert "`max_epoch`" in diagnostic["message"]
    line = MAIN.splitlines()[diagnostic["line"]]
    assert line[diagnostic["col"] :].startswith("max_epoch:")


def test_completion_after_a_module_lists_its_components(neovim_session):
    assert {"train", "prepare_images", "tensorboard"} <= set(neovim_session["completion"])


def test_hover_shows_the_components_signature(neovim_session):
    hover = neovim_session["hover"]
    text = hover if isinstance(hover, str) else json.dumps(hover)
    assert "train(" in text and "max_epochs" in text


def test_definition_goes_into_the_standard_library(neovim_session):
    definition = neovim_session["definition"]
    torch_module = (stdlib_directory() / "torch.ptflow").resolve()
    assert Path(definition["uri"].removeprefix("file://")).resolve() == torch_module
    declared = torch_module.read_text().splitlines()[definition["line"]]
    assert "component train(" in declared


def test_rename_changes_the_step_and_every_use(neovim_session):
    lines = neovim_session["after_rename"]
    assert lines[3].strip().startswith("digits = torch.prepare_images(")
    assert "data: digits.data" in lines[4]


def test_format_gives_what_ptflow_fmt_writes(neovim_session):
    expected = subprocess.run(
        [sys.executable, "-m", "ptflow", "fmt", "-"], input=MESSY, capture_output=True, text=True, check=True
    ).stdout
    assert neovim_session["formatted"] == expected.splitlines()
    assert neovim_session["formatted"] != MESSY.splitlines()
