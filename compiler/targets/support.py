"""What each target can express, and validation of compiled documents.

Constructs a target can't express are reported at check time with PTF501,
naming the construct and the target, so no silently wrong file is written.
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.diagnostics import Diagnostics


def check_target_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    if target in ("kfp-v2", "vertex"):
        _check_v2(graph, target, diagnostics)
        if target == "vertex":
            from ptflow.compiler.targets.vertex import check_support

            check_support(graph, diagnostics)
    elif target == "kfp-v1":
        from ptflow.compiler.targets.kfp_v1_support import check_support

        check_support(graph, diagnostics)


def _check_v2(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    for task in graph.tasks.values():
        if task.options.max_cache_staleness is not None:
            diagnostics.report(
                "PTF501", f"`max_cache_staleness` on step `{task.step}` is not supported by {target} "
                "(KFP v2 caches by inputs only)", task.span, hint="use `cache: false` to always re-run the step",
            )
        if any(isinstance(v, dag.PipelineInput) for v in task.options.node_selector.values()):
            diagnostics.report(
                "PTF501", f"a node selector taken from a pipeline parameter (step `{task.step}`) is not supported "
                f"by {target}", task.span,
            )
        if task.component.kind == dag.ComponentKind.PIPELINE and _has_platform_options(task.options):
            diagnostics.report(
                "PTF501", f"step `{task.step}` calls a pipeline; {target} accepts secrets, volumes, node "
                "selectors and tolerations only on container steps", task.span,
            )
        if task.component.kind == dag.ComponentKind.PIPELINE and task.component.pipeline is not None:
            _check_v2(task.component.pipeline, target, diagnostics)


def _has_platform_options(options: dag.TaskOptions) -> bool:
    return bool(options.secrets or options.volumes or options.node_selector or options.tolerations)


def validate_documents(documents: list[dict], target: str, diagnostics: Diagnostics) -> None:
    """Validate what ptflow produced; a problem here is a ptflow bug (PTF502)."""
    try:
        if target in ("kfp-v2", "vertex"):
            from ptflow.compiler.validate.ir import validate_ir as validate
        else:
            from ptflow.compiler.validate.argo import validate_workflow

            def validate(docs, source=None):
                return validate_workflow(docs[0], source)
    except ImportError:
        return
    for problem in validate(documents, None):
        if problem.is_error:
            diagnostics.report("PTF502", f"ptflow produced an invalid document ({problem.code}: {problem.message})",
                               None, hint="please report this with the .ptflow file")
