"""The Emacs set-up of docs/editors.md (editors/emacs/ptflow-mode.el), tested through real Emacs + eglot.

Debian 12 ships Emacs 28 with eglot 1.9 as `elpa-eglot`; `make test` installs
them.  `tests/editors/emacs_driver.el` loads the mode as a user's init file
would and records what eglot got from the real `ptflow lsp` server.
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
from tests.editors.test_neovim import MAIN, MESSY

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("emacs_driver.el")


@pytest.fixture(scope="module")
def emacs_session(tmp_path_factory) -> dict:
    emacs = shutil.which("emacs")
    if emacs is None:
        pytest.skip("Emacs is not installed (`make test` installs Debian's emacs-nox and elpa-eglot; apt-get failed)")
    project = tmp_path_factory.mktemp("emacs-project")
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (project / "main.ptflow").write_text(MAIN)
    (project / "messy.ptflow").write_text(MESSY)
    result = project / "result.json"
    env = {
        **os.environ,
        "HOME": str(project / "home"),
        "PTFLOW_EMACS_PROJECT": str(project),
        "PTFLOW_EMACS_RESULT": str(result),
        "PTFLOW_EMACS_SETUP_DIR": str(REPO / "editors" / "emacs"),
        "PTFLOW_EMACS_SERVER": json.dumps([sys.executable, "-m", "ptflow", "lsp"]),
    }
    completed = subprocess.run(
        [emacs, "--batch", "-l", str(DRIVER)], env=env, capture_output=True, text=True, timeout=180, cwd=project
    )
    assert result.exists(), f"Emacs wrote no result: {completed.stdout}\n{completed.stderr}"
    recorded = json.loads(result.read_text())
    if "Cannot open load file" in recorded.get("error", "") and "eglot" in recorded["error"]:
        pytest.skip("eglot is not installed (Debian's elpa-eglot, or Emacs 29+)")
    assert "error" not in recorded, recorded["error"]
    return recorded


def test_the_mode_is_set_and_eglot_shows_the_servers_diagnostic(emacs_session):
    assert emacs_session["mode"] == "ptflow-mode"
    [diagnostic] = emacs_session["diagnostics"]
    assert "PTF203" in diagnostic["text"] and "`max_epoch`" in diagnostic["text"]
    assert diagnostic["line"] == 5


def test_completion_after_a_module_lists_its_components(emacs_session):
    assert {"train", "prepare_images", "tensorboard"} <= set(emacs_session["completion"])


def test_hover_shows_the_components_signature(emacs_session):
    assert "train(" in emacs_session["hover"] and "max_epochs" in emacs_session["hover"]


def test_definition_goes_into_the_standard_library(emacs_session):
    definition = emacs_session["definition"]
    torch_module = (stdlib_directory() / "torch.ptflow").resolve()
    assert Path(definition["file"]).resolve() == torch_module
    assert "component train(" in torch_module.read_text().splitlines()[definition["line"] - 1]


def test_rename_changes_the_step_and_every_use(emacs_session):
    lines = emacs_session["after_rename"].splitlines()
    assert lines[3].strip().startswith("digits = torch.prepare_images(")
    assert "data: digits.data" in lines[4]


def test_format_gives_what_ptflow_fmt_writes(emacs_session):
    expected = subprocess.run(
        [sys.executable, "-m", "ptflow", "fmt", "-"], input=MESSY, capture_output=True, text=True, check=True
    ).stdout
    assert emacs_session["formatted"] == expected
