"""Compile a pipeline with kfp's own compiler and with ptflow, and compare.

The differential tests hold a KFP Python DSL pipeline and the equivalent
.ptflow source.  Both are compiled and must be equal as parsed YAML, up to a
renaming of tasks, components, executors and groups, ignoring `sdkVersion`.
Step names in the .ptflow sources are chosen as kfp names tasks, so most tests
need no renaming; where they do, the test passes the map explicitly.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import yaml

from ptflow.compiler.api import compile_file


def compile_kfp(pipeline_func, tmp_path: Path) -> list[dict]:
    from kfp import compiler

    out = tmp_path / "kfp.yaml"
    compiler.Compiler().compile(pipeline_func, str(out))
    return [d for d in yaml.safe_load_all(out.read_text()) if d is not None]


def compile_ptflow(source: str, tmp_path: Path, name: str = "pipeline.ptflow", **options) -> list[dict]:
    path = tmp_path / name
    path.write_text(source)
    result = compile_file(str(path), **options)
    errors = [f"{d.span}: {d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.ok, "ptflow reported errors:\n" + "\n".join(errors)
    assert_valid_ir(result.documents)
    return result.documents


def assert_valid_ir(documents: list[dict]) -> None:
    """What ptflow wrote passes `ptflow validate`'s full IR check, the strict protobuf parse included (which
    `ptflow compile` leaves out: this suite is where a lowering bug that misspells a field shows up)."""
    from ptflow.compiler.validate.ir import validate_ir

    if documents and "kind" not in documents[0]:  # KFP v2 IR (kfp-v2, vertex), not an Argo Workflow
        problems = [f"{d.code} {d.message}" for d in validate_ir(documents) if d.is_error]
        assert problems == [], "ptflow validate rejects what ptflow compiled:\n" + "\n".join(problems)


def _normalize(documents: list[dict]) -> list[dict]:
    documents = json.loads(json.dumps(documents))
    for document in documents:
        document.pop("sdkVersion", None)
    return documents


def rename(documents: list[dict], names: dict[str, str]) -> list[dict]:
    """Apply a renaming of tasks/components/executors/groups wherever KFP puts those names."""
    if not names:
        return documents
    text = json.dumps(documents)
    # Longest first, so `train-2` is not touched by the rule for `train`.
    for old in sorted(names, key=len, reverse=True):
        new = names[old]
        for prefix in ('"', '"comp-', '"exec-', "pipelinechannel--", "'pipelinechannel--"):
            text = text.replace(f'{prefix}{old}"', f'{prefix}{new}"')
            text = text.replace(f"{prefix}{old}-", f"{prefix}{new}-")
    return json.loads(text)


def assert_same_ir(ptflow_docs: list[dict], kfp_docs: list[dict], names: dict[str, str] | None = None) -> None:
    ours = _normalize(rename(ptflow_docs, names or {}))
    theirs = _normalize(kfp_docs)
    if ours != theirs:
        a = yaml.safe_dump_all(ours, sort_keys=True).splitlines()
        b = yaml.safe_dump_all(theirs, sort_keys=True).splitlines()
        diff = "\n".join(difflib.unified_diff(b, a, "kfp", "ptflow", lineterm="", n=3))
        raise AssertionError("ptflow's IR differs from kfp's:\n" + diff)
