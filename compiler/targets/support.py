"""What each target can express, and validation of compiled documents, by the target table.

Constructs a target can't express are reported at check time with PTF501,
naming the construct and the target, so no silently wrong file is written.
Each target's own check is named in compiler/targets/registry.py.
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.diagnostics import Diagnostics, codes
from ptflow.compiler.targets.registry import target_named


def check_target_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    target_named(target).check_support(graph, diagnostics)


def validate_documents(documents: list[dict], target: str, diagnostics: Diagnostics) -> None:
    """Validate what ptflow produced; a problem here is a ptflow bug (PTF502)."""
    for problem in target_named(target).validate(documents):
        if problem.is_error:
            diagnostics.report(
                codes.COMPILED_DOCUMENT_INVALID,
                f"ptflow produced an invalid document ({problem.code}: {problem.message})",
                None,
                hint="please report this with the .ptflow file",
            )


# The validators of the target table: the `ptflow validate` checks, given the documents ptflow wrote.


def validate_ir_documents(documents: list[dict]) -> list:
    """KFP v2 IR: the PipelineSpec and the platform spec, by the KFP backend's rules and ptflow's semantic checks.

    Not the strict protobuf parse into kfp's PipelineSpec that `ptflow validate` adds: loading kfp's
    descriptors and parsing is about 30 ms of CPU, a sixth of a cold `ptflow compile`, and what it would
    catch here is a bug in ptflow's lowering (a misspelt or mistyped field: the user's values are checked
    before lowering, and no key comes from the user).  The test suite runs the full validator, protobuf
    included, on the output of every example (tests/compiler/test_examples.py), of every kfp corpus twin
    (tests/kfp_corpus/test_twins.py) and of the kfp v2 differential pipelines.
    """
    from ptflow.compiler.validate.ir import validate_ir

    return validate_ir(documents, None, typed=False)


def validate_argo_documents(documents: list[dict]) -> list:
    """KFP 1.x: the one Argo Workflow, by Argo's own rules.

    Not the typed round trip through hera's models that `ptflow validate` adds: importing hera is 0.74 s
    of CPU, three quarters of a cold `ptflow compile --target kfp-v1`, and what it would catch here is a
    bug in ptflow's lowering (the user's values are checked before lowering, and no key comes from the
    user).  The test suite runs the full validator, hera included, on the kfp-v1 output of every example
    and of every kfp 1.8 golden (tests/compiler/test_examples.py, tests/kfp_v1/test_kfp_v1_goldens.py).
    """
    from ptflow.compiler.validate.argo import validate_workflow

    return validate_workflow(documents[0], None, typed=False)
