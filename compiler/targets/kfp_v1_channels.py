"""Channels: the values kfp 1.8 passes into Argo templates by name.

A pipeline input, a task's output, a loop's item or an output gathered after
a loop reaches the templates that use it as a parameter or artifact named
the way kfp 1.8 names it; the lowering (kfp_v1.py) makes and routes
channels, the container builder (kfp_v1_container.py) reads them.
"""

from __future__ import annotations

import enum

from ptflow.compiler import dag
from ptflow.compiler.records import record


class ChannelKind(enum.StrEnum):
    """Where a channel's value comes from."""

    PARAM = "param"  # a pipeline input
    TASK = "task"  # a task's output
    ITEM = "item"  # a loop's item (or a field of it)
    GATHERED = "gathered"  # a task output collected after a loop (fan-in)


@record(frozen=True)
class Channel:
    """A value passed into templates by name, as kfp 1.8 names it."""

    name: str  # `rows`, `make-count`, `loop-item-param-1-subvar-lr`, `names-loop-item`, ...
    source: str | dag.Task | dag.LoopGroup  # the pipeline input name, the producing task, or the loop whose item it is
    kind: ChannelKind
    artifact: bool = False
    output: str | None = None  # for task outputs
    field: str | None = None  # for a field of a dict item

    def task_output(self) -> tuple[str, str]:
        """(task name, output name) of a channel that carries a task's output (kind TASK or GATHERED)."""
        assert isinstance(self.source, dag.Task) and self.output is not None, f"`{self.name}` is no task output"
        return self.source.name, self.output
