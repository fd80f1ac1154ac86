"""The VS Code extension in editors/vscode, built and tested with its own npm toolchain.

`npm test` type-checks and bundles the extension, runs the TextMate grammar
tests (vscode-tmgrammar-test on editors/vscode/tests/*.ptflow) and the unit
tests of the server launcher; `vsce package` builds the .vsix that users
install.  VS Code itself can't run here, so the package is checked for what
VS Code loads from it.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.editors.conftest import GRAMMAR_PATH, GRAMMAR_TESTS_DIR, VSCODE_DIR, run

NODE_BUILTINS = {
    "child_process",
    "crypto",
    "fs",
    "net",
    "os",
    "path",
    "util",
    "events",
    "stream",
    "url",
    "assert",
    "buffer",
    "readline",
    "tty",
    "worker_threads",
    "perf_hooks",
    "string_decoder",
}


@pytest.fixture(scope="module")
def vsix(node_toolchain, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vsix") / "ptflow.vsix"
    result = run(["npm", "run", "package", "--", "--out", str(out)], timeout=300)
    assert result.returncode == 0, f"npm run package failed:\n{result.stdout}\n{result.stderr}"
    return out


def test_npm_test_passes_grammar_and_unit_tests(node_toolchain):
    result = run(["npm", "test"], timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Every grammar test file ran (a glob that matched nothing would pass too).
    for test_file in sorted(GRAMMAR_TESTS_DIR.glob("*.ptflow")):
        assert f"✓ tests/{test_file.name} run successfuly" in output, f"{test_file.name} did not run"
    passed = re.search(r"ℹ pass (\d+)", output)
    failed = re.search(r"ℹ fail (\d+)", output)
    assert passed and int(passed.group(1)) > 0, output
    assert failed and int(failed.group(1)) == 0, output


def test_grammar_tests_catch_a_wrong_scope(node_toolchain, tmp_path):
    """The grammar test runner really compares scopes: a wrong expectation fails it."""
    wrong = tmp_path / "wrong.ptflow"
    wrong.write_text(
        '# SYNTAX TEST "source.ptflow" "a deliberately wrong expectation"\n'
        "pipeline p() {}\n"
        "#        ^ keyword.control.loop.ptflow\n"
    )
    result = run(["npx", "vscode-tmgrammar-test", "--compact", str(wrong)], timeout=120)
    assert result.returncode != 0
    assert "Missing required scopes: [ keyword.control.loop.ptflow ]" in result.stdout + result.stderr
    assert "entity.name.function.pipeline.ptflow" in result.stdout + result.stderr


def test_vsix_holds_what_vscode_loads_and_nothing_else(vsix):
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
    assert {
        "extension/package.json",
        "extension/syntaxes/ptflow.tmLanguage.json",
        "extension/language-configuration.json",
        "extension/out/extension.js",
        "extension/readme.md",
        "extension.vsixmanifest",
    } <= names
    leaked = [
        name
        for name in names
        if re.match(r"extension/(src|tests|scripts|node_modules|out/test)/", name) or name.endswith(".ts")
    ]
    assert leaked == []


def test_vsix_manifest_registers_the_language_grammar_and_settings(vsix):
    with zipfile.ZipFile(vsix) as archive:
        manifest = json.loads(archive.read("extension/package.json"))
        grammar = json.loads(archive.read("extension/syntaxes/ptflow.tmLanguage.json"))
        configuration = json.loads(archive.read("extension/language-configuration.json"))
    contributes = manifest["contributes"]
    [language] = contributes["languages"]
    assert language["id"] == "ptflow"
    assert language["extensions"] == [".ptflow"]
    assert language["configuration"] == "./language-configuration.json"
    [grammar_entry] = contributes["grammars"]
    assert grammar_entry == {
        "language": "ptflow",
        "scopeName": "source.ptflow",
        "path": "./syntaxes/ptflow.tmLanguage.json",
    }
    assert grammar["scopeName"] == "source.ptflow"
    assert grammar == json.loads(GRAMMAR_PATH.read_text())
    assert configuration["comments"]["lineComment"] == "#"
    settings = contributes["configuration"]["properties"]
    assert settings["ptflow.path"]["default"] == "ptflow"
    assert settings["ptflow.serverArgs"]["default"] == []
    assert manifest["main"] == "./out/extension.js"


def test_bundled_extension_needs_nothing_but_vscode_and_node(vsix):
    """node_modules are not packaged, so the language client must be inside extension.js."""
    with zipfile.ZipFile(vsix) as archive:
        bundle = archive.read("extension/out/extension.js").decode()
    required = set(re.findall(r"""\brequire\(\s*["']([^"']+)["']\s*\)""", bundle))
    assert "vscode" in required
    assert required - {"vscode"} <= NODE_BUILTINS, required - {"vscode"} - NODE_BUILTINS
    # The client and the entry points VS Code calls are in the bundle.
    assert "vscode-languageclient" in bundle
    assert re.search(r"\bactivate\s*:", bundle) and re.search(r"\bdeactivate\s*:", bundle)
    assert "ptflow.restartServer" in bundle


def test_extension_package_json_in_the_vsix_matches_the_source(vsix):
    with zipfile.ZipFile(vsix) as archive:
        packaged = json.loads(archive.read("extension/package.json"))
    source = json.loads((VSCODE_DIR / "package.json").read_text())
    assert packaged["contributes"] == source["contributes"]
    assert packaged["version"] == source["version"]
