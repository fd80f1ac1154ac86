"""The table of compilation targets: one row per `--target`.

Each row names the functions that check what the target can express (PTF501,
before lowering), lower a checked pipeline to its documents, and validate
those documents; and says which file suffix `ptflow compile` writes and what
the target is for.  The command line (`--target` choices and help), the
compiler's front door (compiler/api.py), compiler/targets/support.py and
docs/targets.md (compiler/doc_tables.py) all read it, so a new target is a
row here, its modules, and a lowering per option in compiler/options.py.

The functions are named as "module:function" and imported on first use: the
command line reads this table to build its help, and compiling for one target
must not import the others' code.  Their shapes are the same for every target:

    check_support(graph, target_name, diagnostics) -> None
    lower(graph, parameter_overrides, find_component) -> (documents, source_map)
    validate(documents) -> list of diagnostics on the documents
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from ptflow.compiler.records import record


def _function(reference: str) -> Callable[..., Any]:
    module, name = reference.split(":")
    return getattr(import_module(module), name)


@record(frozen=True)
class Target:
    """A compile target: its name, and where its support check, lowering and validation live."""

    name: str  # what `--target` takes
    description: str  # one line, for `--help` and the docs
    suffix: str  # the default output file's suffix: `hello.ptflow` -> `hello<suffix>`
    support: str  # "module:function" of its check_support
    lowering: str  # "module:function" of its lower
    validator: str  # "module:function" of its validate

    def check_support(self, graph, diagnostics) -> None:
        _function(self.support)(graph, self.name, diagnostics)

    def lower(self, graph, parameter_overrides: dict, find_component) -> tuple[list[dict], dict]:
        return _function(self.lowering)(graph, parameter_overrides, find_component)

    def validate(self, documents: list[dict]) -> list:
        return _function(self.validator)(documents)


_TARGETS = "ptflow.compiler.targets"

TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target(
            "kfp-v2",
            "KFP 2.x IR: a PipelineSpec, and the kfp-kubernetes platform spec when a step needs one",
            ".yaml",
            f"{_TARGETS}.kfp_v2_support:check_support",
            f"{_TARGETS}.kfp_v2:lower_pipeline",
            f"{_TARGETS}.support:validate_ir_documents",
        ),
        Target(
            "kfp-v1",
            "an Argo Workflow for KFP 1.x (kfp 1.8's format)",
            ".argo.yaml",
            f"{_TARGETS}.kfp_v1_support:check_support",
            f"{_TARGETS}.kfp_v1:lower_pipeline",
            f"{_TARGETS}.support:validate_argo_documents",
        ),
        Target(
            "vertex",
            "KFP 2.x IR for Vertex AI Pipelines: serve.deploy deploys to a Vertex AI endpoint",
            ".yaml",
            f"{_TARGETS}.vertex:check_support",
            f"{_TARGETS}.vertex:lower_pipeline",
            f"{_TARGETS}.support:validate_ir_documents",
        ),
    )
}

DEFAULT_TARGET = "kfp-v2"
TARGET_NAMES: tuple[str, ...] = tuple(TARGETS)


def target_named(name: str) -> Target:
    """The target called `name`; a ValueError naming the known ones for any other."""
    target = TARGETS.get(name)
    if target is None:
        raise ValueError(f"unknown target `{name}` (targets: {', '.join(TARGET_NAMES)})")
    return target
