"""Things declared and never used: step outputs, pipeline parameters, imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptflow.compiler.dag import GroupKind
from ptflow.compiler.diagnostics import Fix, Related
from ptflow.compiler.lint.context import LintContext, names_used
from ptflow.compiler.lint.registry import Rule, rule

if TYPE_CHECKING:
    from ptflow.compiler import dag

# Outputs that carry data to a next step.  Metrics, HTML, Markdown and the
# generic Artifact (logs, UI metadata, TensorBoard files) are results people
# look at in the UI, so leaving them unread is normal.
_DATA_ARTIFACTS = {"system.Dataset": "Dataset", "system.Model": "Model"}


@rule
class UnusedStepOutput(Rule):
    code = "PTF601"
    name = "UnusedStepOutput"
    title = "a Dataset or Model output is never used while the step's other outputs are"
    tags = ("correctness",)
    explanation = """
A step passes some of its outputs on, but a `Dataset` or `Model` output of
the same step is read by no step and not returned by the pipeline. That is
usually a forgotten edge: the test split that is never evaluated, the
fine-tuned model that is never exported.

    split = split_data(data: raw.data)     # -> (train: Dataset, test: Dataset)
    ^^^^^ output `test` (Dataset) of step `split` is never used, though its other outputs are
    model = train(data: split.train)

A step none of whose outputs is used is the end of a branch (it reports,
deploys or stores something) and is not flagged. Metrics, HTML, Markdown and
plain `Artifact` outputs (logs, TensorBoard files, UI metadata) are for
people to look at in the KFP UI and are not flagged either.

Fix: pass the output to the step that should read it, return it from the
pipeline (`return (test: split.test)`), or remove it from the component.
"""

    def check(self, context: LintContext) -> None:
        for pipeline in context.pipelines:
            if pipeline.graph is None:
                continue
            read: dict[str, set[str]] = {}
            for producer, output in outputs_read(pipeline.graph):
                read.setdefault(producer, set()).add(output)
            for step in pipeline.steps:
                task = step.task
                if task is None:
                    continue
                used = read.get(task.name)
                if not used:
                    continue  # the end of a branch
                if any(group.kind == GroupKind.LOOP for group in task.group.ancestors()):
                    continue  # a loop's trials (HPO) keep what only the best one needs
                for port in task.component.outputs:
                    kind = _DATA_ARTIFACTS.get(port.type.name) if port.type.is_artifact else None
                    if kind is None or port.name in used:
                        continue
                    related = [Related(port.span, f"`{port.name}` is declared here")] if port.span else []
                    context.report(
                        f"output `{port.name}` ({kind}) of step `{step.name}` is never used, though its "
                        f"other outputs are",
                        step.name_span,
                        related=related,
                        hint=f"pass `{step.name}.{port.name}` to a step or return it from the pipeline",
                    )


def outputs_read(graph: dag.PipelineGraph) -> set[tuple[str, str]]:
    """(task, output) pairs that something in the pipeline reads."""
    from ptflow.compiler import dag

    values: list[dag.Value] = []
    for task in graph.tasks.values():
        values.extend(task.arguments.values())
        values.extend(task.options.env.values())
    for group in graph.root.groups():
        if isinstance(group, dag.LoopGroup) and group.items is not None:
            values.append(group.items)
        if isinstance(group, dag.ConditionGroup):
            for condition in [group.condition, *group.excluded]:
                if condition is not None:
                    values.extend(dag.condition_values(condition))
    values.extend(graph.returns.values())
    read = set()
    while values:
        value = values.pop()
        if isinstance(value, dag.TaskOutput):
            read.add((value.task, value.output))
        elif isinstance(value, dag.OneOf):
            values.extend(value.choices)
        elif isinstance(value, dag.Interpolation):
            values.extend(part for part in value.parts if not isinstance(part, str))
        elif isinstance(value, dag.Structured):
            values.extend(value.run_time_values())
    return read


@rule
class UnusedPipelineParameter(Rule):
    code = "PTF602"
    name = "UnusedPipelineParameter"
    title = "a pipeline parameter is never used"
    tags = ("correctness", "style")
    explanation = """
A pipeline declares a parameter that no step, option, loop, condition or
f-string reads. Whoever runs the pipeline can set it, and nothing changes.

    pipeline train(epochs: int = 3, lr: float = 0.01) {
                                     ^^ parameter `lr` of pipeline `train` is never used
        t = fit(data: d.data, epochs: epochs)
    }

Fix: pass it to the step that should use it (`fit(..., lr: lr)`), or remove it.
"""

    def check(self, context: LintContext) -> None:
        for pipeline in context.pipelines:
            used = context.names_in(pipeline)
            for param in pipeline.definition.params:
                if param.name.missing or param.name.name in used:
                    continue
                context.report(
                    f"parameter `{param.name.name}` of pipeline `{pipeline.name}` is never used",
                    param.name.span,
                    hint="pass it to a step, or remove it",
                )


@rule
class UnusedImport(Rule):
    code = "PTF603"
    name = "UnusedImport"
    title = "an import is never used"
    tags = ("style",)
    explanation = """
A module or component file is imported but nothing in the file refers to its
name. The import still costs a read and a check of that file on every compile.

    import stdlib.torch as torch
    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ `torch` is imported but never used

Fix: remove the import (the fix deletes the line), or use it.
"""

    def check(self, context: LintContext) -> None:
        module = context.module
        if module is None:
            return
        used = names_used(module.components).union(*(context.names_in(p) for p in context.pipelines))
        for node in module.imports:
            if node.alias.missing or node.alias.name in used:
                continue
            context.report(
                f"`{node.alias.name}` is imported but never used",
                node.span,
                fix=Fix("remove the import", _whole_lines(context, node.span), ""),
            )


def _whole_lines(context: LintContext, span):
    """The lines `span` stands on, newline included, when nothing but a comment shares them."""
    text = context.text
    span_start, span_end = context.offsets(span)
    start = text.rfind("\n", 0, span_start) + 1
    end = text.find("\n", span_end)
    end = len(text) if end < 0 else end + 1
    before, after = text[start:span_start], text[span_end:end].strip()
    if before.strip() or (after and not after.startswith("#")):
        return span
    return context.text_span(start, end)
