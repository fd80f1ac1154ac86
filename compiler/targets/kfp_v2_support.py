"""What KFP v2 IR can't express, reported (PTF501) before lowering a pipeline to it.

The option values it can't write are declared in the option table
(compiler/options.py); this walks the pipeline and the pipelines it calls.
`--target vertex` runs the same check first (compiler/targets/vertex.py).
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.diagnostics import Diagnostics
from ptflow.compiler.options import check_option_support


def check_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    """Report (PTF501) each construct `target` (kfp-v2 or vertex) can't express, at the step that uses it."""
    for task in graph.tasks.values():
        check_option_support(task, target, diagnostics)
        if task.component.kind == dag.ComponentKind.PIPELINE and task.component.pipeline is not None:
            check_support(task.component.pipeline, target, diagnostics)
