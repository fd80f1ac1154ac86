"""Container images: a mutable `:latest` tag, or no tag at all."""

from __future__ import annotations

from ptflow.compiler import tree
from ptflow.compiler.lint.context import LintContext
from ptflow.compiler.lint.registry import Rule, rule


def image_tag(reference: str) -> str | None:
    """The tag of an image reference, "" when it has none, None when it is pinned by digest.

    The tag is after the last `:` of the last path component, so a registry
    port (`localhost:5000/trainer`) is not mistaken for one.
    """
    if "@" in reference:
        return None
    last = reference.rsplit("/", 1)[-1]
    return last.partition(":")[2]


@rule
class MutableImageTag(Rule):
    code = "PTF604"
    name = "MutableImageTag"
    title = "an image is `:latest` or has no tag"
    tags = ("correctness", "portability")
    explanation = """
An image written as `name:latest` or as `name` alone (which means `:latest`)
can change under the pipeline: two runs of the same pipeline may run
different code, and KFP's cache, which keys on the image reference and not
on its content, keeps returning results made by an older image.

    image = "python:latest"
            ^^^^^^^^^^^^^^^ image `python:latest` uses the mutable tag `latest`

Fix: pin a version tag (`python:3.11-slim`) or, for full reproducibility, a
digest (`python@sha256:...`).
"""

    def check(self, context: LintContext) -> None:
        for component in context.components():
            prop = component.property("image")
            if prop is not None:
                self._check_image(context, prop.value)
        for pipeline in context.pipelines:
            for step in pipeline.steps:
                entry = step.option("image")
                if entry is not None:
                    self._check_image(context, entry.value)

    def _check_image(self, context: LintContext, value: tree.Expr) -> None:
        if not isinstance(value, tree.Literal) or not isinstance(value.value, str) or not value.value.strip():
            return  # a parameter, or a mistake the checker reports
        reference = value.value.strip()
        tag = image_tag(reference)
        if tag == "latest":
            context.report(
                f"image `{reference}` uses the mutable tag `latest`",
                value.span,
                hint="pin a version tag or a digest (`@sha256:...`)",
            )
        elif tag == "":
            context.report(
                f"image `{reference}` has no tag, so it means `{reference}:latest`",
                value.span,
                hint="pin a version tag or a digest (`@sha256:...`)",
            )
