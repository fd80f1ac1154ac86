"""The pipeline workspace: one volume that every step of a run shares (kfp's `PipelineConfig(workspace=...)`).

`workspace = {size: "10Gi", pvc_spec_patch: {...}}` in a pipeline body asks for it; steps reach it through the
run value `pipeline.workspace_path`, and `importer(..., download_to_workspace: true)` copies what it imports
there. This module reads the property and writes what kfp-v2 writes for it; vertex and kfp-v1 refuse it
(compiler/targets/), and `ptflow run` makes a folder in the run's store (runtime/runner/).
"""

from __future__ import annotations

import re
from dataclasses import field

from ptflow.compiler import tree
from ptflow.compiler.components import constant_value
from ptflow.compiler.diagnostics import Diagnostics, codes, did_you_mean
from ptflow.compiler.records import record
from ptflow.compiler.source import Span

# A Kubernetes resource quantity, as kfp's WorkspaceConfig accepts it ("10Gi", "500Mi", "1.5T").
SIZE = re.compile(r"^(?:0|[1-9]\d*)(?:\.\d+)?(?:Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$")
FIELDS = ("size", "pvc_spec_patch")


@record
class Workspace:
    """The shared volume a pipeline asks for: its size and a patch onto the claim kfp makes for it."""

    size: str
    pvc_spec_patch: dict = field(default_factory=dict)
    span: Span | None = None


def read_workspace(prop: tree.Property, diagnostics: Diagnostics) -> Workspace | None:
    """The `workspace = {...}` property, or None (reported) when it is not a dict with a valid `size`."""
    value = constant_value(prop.value)
    example = 'workspace = {size: "10Gi"}'
    if not isinstance(value, dict):
        diagnostics.report(
            codes.INVALID_VALUE, "`workspace` must be a constant dict", prop.value.span, hint=f"write `{example}`"
        )
        return None
    ok = True
    for key in value:
        if key not in FIELDS:
            diagnostics.report(
                codes.INVALID_VALUE,
                f"`workspace` has no field `{key}`",
                prop.value.span,
                suggestion=did_you_mean(key, FIELDS),
                hint="its fields are size and pvc_spec_patch",
            )
            ok = False
    size = value.get("size")
    if not isinstance(size, str) or not SIZE.match(size.strip()):
        what = "needs a `size`" if size is None else f"size `{size}` is not a Kubernetes quantity"
        diagnostics.report(codes.INVALID_VALUE, f"`workspace` {what}", prop.value.span, hint=f"write `{example}`")
        return None
    patch = value.get("pvc_spec_patch", {})
    if not isinstance(patch, dict):
        diagnostics.report(
            codes.INVALID_VALUE,
            "`workspace` field `pvc_spec_patch` must be a dict of PersistentVolumeClaim spec fields",
            prop.value.span,
            hint='write `pvc_spec_patch: {storageClassName: "standard"}`',
        )
        return None
    return Workspace(size.strip(), patch, prop.span) if ok else None


def kfp_pipeline_config(workspace: Workspace) -> dict:
    """The platform spec's `pipelineConfig`, as kfp 2.17 writes it (an empty patch included)."""
    return {"workspace": {"kubernetes": {"pvcSpecPatch": workspace.pvc_spec_patch}, "size": workspace.size}}
