"""The compile path stays light and never runs user code."""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys
from ptflow.cli import main
code = main(["compile", sys.argv[1], "-o", sys.argv[2]])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "pytorch_lightning", "lightning", "ax"))
kfp_init_ran = "kfp" in sys.modules and hasattr(sys.modules["kfp"], "__version__")
print(code, heavy, kfp_init_ran, "kfp.dsl" in sys.modules)
"""


def test_compiling_imports_neither_torch_nor_the_kfp_sdk(tmp_path):
    example = REPO / "examples" / "control_flow" / "control_flow.ptflow"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(example), str(tmp_path / "out.yaml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "0 [] False False"


def test_the_compiler_never_evaluates_or_imports_user_code():
    offenders = []
    for path in sorted((REPO / "compiler").rglob("*.py")):
        text = path.read_text()
        patterns = [r"\beval\(", r"\bexec\(", r"yaml\.load\(", r"yaml\.unsafe_load", r"__import__\("]
        if path.name != "protos.py":  # loads kfp's generated *_pb2 modules, never user files
            patterns.append(r"spec_from_file_location\(")
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(REPO)}:{line}: {match.group(0)}")
    assert offenders == []


COLD_START_PROBE = r"""
import sys
from ptflow.cli import main
code = main(sys.argv[1:])
# protobuf as `google.protobuf`/`google._upb`: a bare `google` namespace package may be put in sys.modules at
# start-up by the `*-nspkg.pth` files of google-cloud packages, before ptflow runs.
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in ("networkx", "yaml", "lark") or m.startswith(("google.protobuf", "google._upb"))
                or m.startswith("ptflow.commands.") and m not in
                ("ptflow.commands.common", "ptflow.commands.exit_codes", "ptflow.commands." + sys.argv[1]))
print(code, loaded)
"""


def test_check_and_compile_import_only_what_they_need(tmp_path):
    """Cold start (issue 14): no networkx (its import and backend scan cost more than a small compile; the DAG
    is built when first read), no PyYAML for a clean kfp-v2 compile, no protobuf (kfp's descriptors and the strict
    parse of the IR are `ptflow validate`'s and the test suite's: tests/support/kfp_compare.py), no other
    command's module, and no lark once the clean parser's tables are on disk (a text without syntax errors is
    parsed from them: compiler/parser_tables.py)."""
    example = str(REPO / "examples" / "hello" / "hello.ptflow")
    # The tables are kept in the temporary folder: this test's own, where a first `check` builds them.
    env = dict(os.environ, TMPDIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", COLD_START_PROBE, "check", example], capture_output=True, env=env)
    assert first.returncode == 0, first.stderr
    for argv in (["check", example], ["compile", example, "-o", str(tmp_path / "hello.yaml")]):
        result = subprocess.run(
            [sys.executable, "-c", COLD_START_PROBE, *argv], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[-1] == "0 []", argv
