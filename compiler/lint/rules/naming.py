"""Definitions whose names become the same Kubernetes name."""

from __future__ import annotations

from ptflow.compiler import tree
from ptflow.compiler.diagnostics import Related
from ptflow.compiler.lint.context import LintContext
from ptflow.compiler.lint.registry import Rule, rule
from ptflow.compiler.names import k8s_name


@rule
class KubernetesNameCollision(Rule):
    code = "PTF610"
    name = "KubernetesNameCollision"
    title = "imports, components or pipelines whose names collide after Kubernetes sanitization"
    tags = ("portability",)
    explanation = """
KFP turns names into Kubernetes names: lower case, every run of other
characters replaced by `-`. Two definitions of one file whose names differ
only in case or in `_` become the same name: two pipelines compile to the
same `pipelineInfo.name` (uploading one replaces the other), and the KFP v1
SDK names Argo templates after components and pipelines, so a component and
a pipeline called `Train` and `train` clash there (kubeflow/pipelines#2993,
#3823). Step names that collide are an error already (PTF206); this rule
covers imports, components and pipelines.

    component train_model(...) { ... }
    pipeline Train_Model() { ... }
             ^^^^^^^^^^^ pipeline `Train_Model` and component `train_model` both become `train-model`

Fix: rename one of them.
"""

    def check(self, context: LintContext) -> None:
        module = context.module
        if module is None:
            return
        definitions = (
            [("import", node.alias) for node in module.imports]
            + [("component", d.name) for d in module.components]
            + [("pipeline", d.name) for d in module.pipelines]
        )
        definitions.sort(key=lambda item: (item[1].span.line, item[1].span.column))
        first_by_name: dict[str, tuple[str, tree.Identifier]] = {}
        for kind, identifier in definitions:
            if identifier.missing:
                continue
            sanitized = k8s_name(identifier.name)
            first = first_by_name.get(sanitized)
            if first is None:
                first_by_name[sanitized] = (kind, identifier)
                continue
            first_kind, first_identifier = first
            if first_identifier.name == identifier.name:
                continue  # the same name twice: the checker's PTF205
            context.report(
                f"{kind} `{identifier.name}` and {first_kind} `{first_identifier.name}` both become "
                f"`{sanitized}` as Kubernetes names",
                identifier.span,
                related=[Related(first_identifier.span, f"`{first_identifier.name}` is here")],
                hint="rename one of them",
            )
