"""Whether a name may be renamed: the checks behind an editor's rename.

A rename is refused when the new name is not a name, is a keyword, or would
clash with another name in the same scope (a step, a pipeline parameter or
output, a loop variable); the edits themselves are the index's occurrences
of the definition (compiler/index.py).
"""

from __future__ import annotations

from ptflow.compiler.checker import ModuleScope
from ptflow.compiler.index import KEYWORDS, NAME, Definition, DefinitionKind, FileIndex
from ptflow.compiler.pipeline_checker import BUILTINS


def rename_problem(index: FileIndex, scope: ModuleScope, definition: Definition, new_name: str) -> str | None:
    """Why `definition` can't be renamed to `new_name` (None when it can)."""
    from ptflow.compiler.names import k8s_name

    if definition.kind not in (DefinitionKind.STEP, DefinitionKind.PARAMETER, DefinitionKind.LOOP):
        return f"only steps, pipeline parameters and loop variables can be renamed, not a {definition.kind}"
    if not NAME.fullmatch(new_name):
        return f"`{new_name}` is not a valid name: use letters, digits and `_`, not starting with a digit"
    if new_name in KEYWORDS or new_name == "pipeline":
        return f"`{new_name}` is a keyword"
    if new_name == definition.name:
        return None
    if new_name in BUILTINS or new_name in scope.symbols:
        return f"`{new_name}` is already an import or a definition of this file"
    pipeline = definition.owner or ""
    names = index.pipeline_names.get(pipeline, {})
    if new_name in names:
        return f"`{new_name}` is already a {_kind_label(names[new_name].kind)} of pipeline `{pipeline}`"
    outputs = _pipeline_outputs(scope, pipeline)
    if new_name in outputs:
        return f"`{new_name}` is already an output of pipeline `{pipeline}`"
    for loop in index.loops:
        if loop.pipeline == pipeline and loop.definition.name == new_name and loop.definition is not definition:
            return f"`{new_name}` is already a loop variable of pipeline `{pipeline}`"
    if definition.kind == DefinitionKind.STEP:
        for other in names.values():
            if (
                other.kind == DefinitionKind.STEP
                and other is not definition
                and k8s_name(other.name) == k8s_name(new_name)
            ):
                return (
                    f"`{new_name}` and step `{other.name}` would have the same task name "
                    f"`{k8s_name(new_name)}` in the compiled pipeline"
                )
    return None


def _kind_label(kind: str) -> str:
    return {"parameter": "parameter", "step": "step", "loop": "loop variable"}.get(kind, kind)


def _pipeline_outputs(scope: ModuleScope, pipeline: str) -> set[str]:
    for definition in scope.pipelines():
        if definition.name.name == pipeline:
            return {o.name.name for o in definition.outputs}
    return set()
