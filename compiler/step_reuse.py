"""Reusing a step's resolution from the last build of the same pipeline (the language server's re-check).

An edit inside a pipeline makes a new pipeline declaration, so `recheck.py`'s reuse of a whole pipeline's
check does not apply to it; but most of its statements are the very syntax nodes of the last parse
(`incremental_parser.py` re-parses only the statements an edit touched).  Resolving a step, its arguments
and options into typed values, reads only:

- its own statement;
- the spec it calls;
- the declarations of the pipeline: each step's name, the spec it calls, the groups it sits in (named here
  by their kinds and places among their siblings: what a step reads from another depends on which loops
  and conditions lie between them, not on what their headers say, which only the steps inside them read,
  and those are parsed anew with them) and whether it is in a `finally`;
- the pipeline's inputs (names, types, defaults) and which properties it sets (`workspace`).

When all but the first (the *environment*) are as they were in the last build, a step whose statement is
the same node resolves as it did, so the builder takes the last build's arguments and options for it
instead of resolving it again.  Only resolutions that reported nothing are remembered (a report may read
more, such as every name of the file for a "did you mean"), and none whose values point at a group of the
last build (a loop's item, a `oneof`'s branches: the groups are made anew by each build), nor an
importer's (its spec is made anew too).  An edit that declares, renames or moves a step, or changes what
one calls, changes the environment, and every step is resolved again.
"""

from __future__ import annotations

from ptflow.compiler import dag, tree
from ptflow.compiler.records import record


@record
class StepResolution:
    """What resolving one step gave, to give again."""

    node: tree.Step
    spec: dag.ComponentSpec
    arguments: dict[str, dag.Value]
    options: dag.TaskOptions
    after: list[tree.Name]


@record
class StepResolutions:
    """The resolutions of one build of a pipeline, and the environment they were made in."""

    environment: tuple  # compared by value: ids of objects held by `keep_alive`, names, types
    keep_alive: list  # the objects whose ids `environment` holds: while kept, no other object takes their ids
    steps: dict[int, StepResolution]  # id(statement node) -> its resolution

    def reusable(self, environment: tuple) -> dict[int, StepResolution]:
        """The resolutions a build in `environment` may take (none if it differs)."""
        return self.steps if environment == self.environment else {}


# The last build of a pipeline not built before: nothing to take, everything to remember.
NO_RESOLUTIONS = StepResolutions((), [], {})

_NEW_EACH_BUILD = (dag.ComponentKind.IMPORTER, dag.ComponentKind.IMPORTER_BUILTIN)


def environment_of(
    inputs: list[dag.Port], properties: list[str], steps: list, root: dag.TaskGroup
) -> tuple[tuple, list]:
    """(environment, objects to keep alive) of a build whose declarations are `steps` (`StepDecl`s, their
    specs and groups known) in the group tree under `root`.  See the top."""
    keep_alive: list = []
    groups = _group_keys(root)
    declared = []
    for decl in steps:
        spec = decl.spec
        if spec is not None and spec.kind in _NEW_EACH_BUILD:
            spec_key: object = (spec.kind, spec.name)
        else:
            spec_key = id(spec)
            keep_alive.append(spec)
        # (Which `finally` a step is in needs no key: reading such a step's output is always a mistake.)
        declared.append((decl.name, spec_key, groups[id(decl.group)], decl.in_finally))
    signature = tuple((port.name, repr(port.type), repr(port.default)) for port in inputs)
    return (signature, tuple(sorted(properties)), tuple(declared)), keep_alive


def _group_keys(root: dag.TaskGroup) -> dict[int, tuple]:
    """Each group's key (by id): for it and each group around it, outermost first, its place among its parent's
    groups and its kind.  (The kinds and their nesting are what a reader depends on; the places only make the
    key stricter: a kept step's own groups can't change without its statement being parsed anew.)"""
    keys: dict[int, tuple] = {id(root): ()}
    pending = [root]
    while pending:
        parent = pending.pop()
        inner = [child for child in parent.children if isinstance(child, dag.TaskGroup)]
        for place, group in enumerate(inner):
            keys[id(group)] = (*keys[id(parent)], (place, group.kind))
            pending.append(group)
    return keys


def rememberable(spec: dag.ComponentSpec, arguments: dict[str, dag.Value], options: dag.TaskOptions) -> bool:
    """Whether a resolution may be given again in a later build: not an importer's, and no value in it points
    at a group of this build."""
    if spec.kind in _NEW_EACH_BUILD:
        return False
    values = [*arguments.values(), *options.env.values(), *options.run_time_values(), *options.resources_from_steps()]
    return not any(_points_at_a_group(value) for value in values)


def _points_at_a_group(value: object) -> bool:
    if isinstance(value, (dag.LoopItem, dag.OneOf)):
        return True
    if isinstance(value, dag.Interpolation):
        return any(_points_at_a_group(part) for part in value.parts)
    if isinstance(value, dag.Structured):
        return any(_points_at_a_group(entry) for entry in value.entries)
    if isinstance(value, tuple):  # a dict entry of a Structured: (key, value)
        return any(_points_at_a_group(part) for part in value)
    return False
