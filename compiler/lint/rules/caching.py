"""Caching a step whose input lives outside the pipeline."""

from __future__ import annotations

import re

from ptflow.compiler import tree
from ptflow.compiler.dag import ComponentKind
from ptflow.compiler.diagnostics import Fix, Related
from ptflow.compiler.lint.context import LintContext, StepView
from ptflow.compiler.lint.registry import Rule, rule

EXTERNAL_URI = re.compile(r"(?<![A-Za-z0-9+.-])(?:gs|s3|https?|minio)://[^\s\"']*", re.IGNORECASE)


def add_option_fix(context: LintContext, step: StepView, option: str, message: str) -> Fix:
    """A fix that adds `option` (`key: value`) to a step's `with` block, creating it if needed."""
    options = step.node.options
    if options is None:
        return Fix(message, context.insertion(context.offsets(step.node.call.span)[1]), f" with {{ {option} }}")
    if not options.entries:
        return Fix(message, options.span, f"{{ {option} }}")
    return Fix(message, context.insertion(context.offsets(options.entries[-1].span)[1]), f", {option}")


@rule
class CachedExternalRead(Rule):
    code = "PTF606"
    name = "CachedExternalRead"
    title = "a cached step reads data from outside the pipeline"
    tags = ("correctness",)
    explanation = """
KFP reuses a step's earlier result when the step's component and inputs are
the same as before. An input that names data outside the pipeline (an
`importer`, or a `gs://`, `s3://`, `minio://` or `http(s)://` URI passed as a
string) stays the same when the data behind it changes, so the step keeps
returning what it computed from the old data (kubeflow/pipelines#4857).

    raw = download(url: "https://example.com/data.csv")
                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ step `raw` reads `https://example.com/data.csv` but is cached

A URI that comes from a pipeline parameter's default is flagged too; a step with
an argument that holds the run's id (`f"s3://logs/{pipeline.job_id}"`) is not,
since its inputs differ in every run and KFP never reuses its result. Setting
`cache: true` explicitly says the data behind the URI never changes (a
versioned object) and silences the rule.

Fix: `with { cache: false }` (the fix adds it), or make the URI name an
immutable version of the data and say so with `cache: true`.
"""

    def check(self, context: LintContext) -> None:
        for pipeline in context.pipelines:
            defaults = {
                p.name.name: p
                for p in pipeline.definition.params
                if isinstance(p.default, tree.Literal) and isinstance(p.default.value, str)
            }
            for step in pipeline.steps:
                if step.task is None or step.option("cache") is not None:
                    continue
                if step.task.component.kind == ComponentKind.IMPORTER:
                    context.report(
                        f"importer step `{step.name}` is cached: when the data at its URI changes, "
                        "KFP reuses the old artifact",
                        step.name_span,
                        fix=add_option_fix(context, step, "cache: false", "add `cache: false`"),
                        hint="add `cache: false`, or `cache: true` if the URI names immutable data",
                    )
                    continue
                if _holds_the_run_id(step):
                    continue  # its cache key differs in every run, so KFP never reuses an old result
                found = self._external_uri(step, defaults)
                if found is None:
                    continue
                uri, span, related = found
                context.report(
                    f"step `{step.name}` reads `{uri}` but is cached: when the data there changes, "
                    "KFP reuses the old result",
                    span,
                    related=related,
                    fix=add_option_fix(context, step, "cache: false", "add `cache: false`"),
                    hint="add `cache: false`, or `cache: true` if the URI names immutable data",
                )

    def _external_uri(self, step: StepView, defaults: dict):
        """The first URI the step's arguments hold: (uri, span, related spans), or None."""
        for argument in step.node.call.args:
            for expr in tree.walk_expr(argument.value):
                texts = []
                if isinstance(expr, tree.Literal) and isinstance(expr.value, str):
                    texts = [expr.value]
                elif isinstance(expr, tree.FString):
                    texts = [part for part in expr.parts if isinstance(part, str)]
                elif isinstance(expr, tree.Name) and expr.id in defaults:
                    param = defaults[expr.id]
                    match = EXTERNAL_URI.search(param.default.value)
                    if match:
                        return match[0], expr.span, [Related(param.default.span, f"`{expr.id}` defaults to it here")]
                for text in texts:
                    match = EXTERNAL_URI.search(text)
                    if match:
                        return match[0], expr.span, []
        return None


def _holds_the_run_id(step: StepView) -> bool:
    """Whether an argument holds `pipeline.job_id`, which is new in every run (a run's name can repeat)."""
    return any(
        isinstance(expr, tree.Member)
        and isinstance(expr.obj, tree.Name)
        and expr.obj.id == "pipeline"
        and expr.attr.name == "job_id"
        for argument in step.node.call.args
        for expr in tree.walk_expr(argument.value)
    )
