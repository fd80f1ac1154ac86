"""A run's DAG: the pipeline's picture, with each step's status from the store.

The picture is the one `ptflow graph` draws (compiler/picture.py: steps named
as the user wrote them, loops, conditions, exit handler and `finally` as
nested groups, edges labelled with what they carry), built from the run's
`.ptflow` source.  The store records each execution under its compiled task
path (`exit-handler-1/for-loop-2[0]/sq`); the groups in that path carry the
names the KFP lowering gives them (`kfp_v2.group_names`), which is how a
skipped `condition-5` is matched to the `elif` group it stands for.

A loop's body is drawn once: its steps gather the executions of all
iterations (`4 runs: 3 succeeded, 1 running`).  A run whose source is not a
`.ptflow` file (compiled IR), or no longer compiles, is drawn from the task
paths themselves: the groups they name, without edges.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.compiler.picture import Cluster, Node, Picture
from ptflow.runtime.runner.views import ITERATION as _ITERATION  # shared with `ptflow show`'s step names

# Step states, as shown (lower case, CSS class st-<state>).
STATE_OF_STATUS = {
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "CACHED": "cached",
    "SKIPPED": "skipped",
    "NOT_RUN": "not_run",
}


@dataclass
class PipelineDrawing:
    """What the source says: the picture, the step declarations, and the KFP names of the groups."""

    picture: Picture
    spans: dict[str, Any] = field(default_factory=dict)  # node id -> Span of its declaration
    group_names: dict[str, str] = field(default_factory=dict)  # KFP group name -> cluster id
    from_source: bool = True
    _layout: object = field(default=None, repr=False)

    def layout(self):
        """The picture laid out (layout.py); kept with the drawing, which is cached per file version."""
        if self._layout is None:
            from ptflow.ui.layout import lay_out

            self._layout = lay_out(self.picture)
        return self._layout


@dataclass
class StepStatus:
    node_id: str
    state: str
    executions: list[dict]
    reason: str = ""  # why it was skipped or not run
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        if len(self.executions) > 1:
            parts = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(self.counts.items()))
            return f"{len(self.executions)} runs: {parts}"
        if self.state == "skipped" and self.reason:
            return "skipped: condition false" if self.reason.startswith("condition") else "skipped"
        return self.state.replace("_", " ")


# ------------------------------------------------------------ the picture

_cache: dict[tuple, PipelineDrawing | None] = {}
_cache_lock = threading.Lock()


def drawing_for(source: str | None, pipeline: str) -> PipelineDrawing | None:
    """The picture of `pipeline` in the `.ptflow` file `source`, compiled once per file version."""
    if not source or not source.endswith(".ptflow"):
        return None
    try:
        stat = os.stat(source)
    except OSError:
        return None
    key = (os.path.realpath(source), stat.st_mtime_ns, stat.st_size, pipeline)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    drawing = _compile_drawing(source, pipeline)
    with _cache_lock:
        _cache[key] = drawing
    return drawing


def load_compiler() -> None:
    """Import what drawing a `.ptflow` needs (a server does this once, at start)."""
    import ptflow.compiler.api
    import ptflow.compiler.picture
    import ptflow.compiler.targets.kfp_v2  # noqa: F401


def _compile_drawing(source: str, pipeline: str) -> PipelineDrawing | None:
    from ptflow.compiler import picture as pictures
    from ptflow.compiler.api import check_file
    from ptflow.compiler.names import k8s_name
    from ptflow.compiler.targets.kfp_v2 import group_names

    result = check_file(source)
    graph = next((g for g in result.pipelines.values() if k8s_name(g.name) == pipeline or g.name == pipeline), None)
    if graph is None:
        return None
    drawn = pictures.build_picture(graph)
    kfp_names = group_names(graph)
    by_name = {
        kfp_names[id(c.group)]: c.id for c in drawn.clusters() if c.group is not None and id(c.group) in kfp_names
    }
    spans = {task.name: task.span for task in graph.tasks.values()}
    return PipelineDrawing(drawn, spans, by_name)


def drawing_from_paths(pipeline: str, executions: list[dict]) -> PipelineDrawing:
    """A picture of the groups and steps the task paths name (a run of compiled IR)."""
    root = Cluster("root", "root", pipeline)
    clusters: dict[str, Cluster] = {}
    seen: set[str] = set()
    for execution in executions:
        parts = [_ITERATION.sub("", part) for part in execution["task"].split("/")]
        holder = root
        for depth, part in enumerate(parts[:-1]):
            key = "/".join(parts[: depth + 1])
            if key not in clusters:
                clusters[key] = Cluster(f"cluster_{len(clusters) + 1}", _group_kind(part), part)
                holder.children.append(clusters[key])
            holder = clusters[key]
        node_id = "/".join(parts)
        if node_id not in seen:
            seen.add(node_id)
            holder.children.append(Node(node_id, parts[-1], execution.get("component") or ""))
    if not root.children:
        root.children.append(Node("root_empty", "(no steps yet)", "", shape="empty"))
    names = {cluster.label: cluster.id for cluster in clusters.values()}
    return PipelineDrawing(Picture(pipeline, pipeline, root), {}, names, from_source=False)


def _group_kind(name: str) -> str:
    for prefix, kind in (
        ("for-loop", "loop"),
        ("condition-branches", "branches"),
        ("condition", "condition"),
        ("exit-handler", "exit_handler"),
    ):
        if name.startswith(prefix):
            return kind
    return "exit_handler"  # a nested pipeline's task: a plain frame


# ------------------------------------------------------------- the states


def node_of(task_path: str, node_ids: set[str]) -> str | None:
    """The picture node an execution belongs to: its full path (IR pictures), else the first step it names."""
    parts = [_ITERATION.sub("", part) for part in task_path.split("/")]
    full = "/".join(parts)
    if full in node_ids:
        return full
    return next((part for part in parts if part in node_ids), None)


def step_statuses(drawing: PipelineDrawing, executions: list[dict], run_status: str) -> dict[str, StepStatus]:
    """Each node's state: gathered over its executions (loop iterations), else pending, skipped or not run."""
    picture = drawing.picture
    node_ids = {node.id for node in picture.nodes()}
    by_node: dict[str, list[dict]] = {}
    skipped_groups: dict[str, str] = {}  # cluster id -> reason
    for execution in executions:
        owner = node_of(execution["task"], node_ids)
        if owner is not None:
            by_node.setdefault(owner, []).append(execution)
            continue
        last = _ITERATION.sub("", execution["task"].rsplit("/", 1)[-1])
        if execution["status"] == "SKIPPED" and last in drawing.group_names:
            skipped_groups.setdefault(drawing.group_names[last], execution.get("error") or "skipped")
    parents = _parents(picture.root)
    finished = run_status != "RUNNING"
    statuses = {}
    for node in picture.nodes():
        found = by_node.get(node.id, [])
        counts: dict[str, int] = {}
        for execution in found:
            state = STATE_OF_STATUS.get(execution["status"], execution["status"].lower())
            if state == "running" and finished:
                state = "interrupted"
            counts[state] = counts.get(state, 0) + 1
        reason = ""
        if found:
            state = _gathered(counts)
            reason = next((e.get("error") or "" for e in found if e["status"] in ("SKIPPED", "NOT_RUN")), "")
        else:
            skipping = next((skipped_groups[c] for c in _ancestors(node.id, parents) if c in skipped_groups), None)
            if skipping is not None:
                state, reason = "skipped", skipping
            elif run_status == "RUNNING":
                state = "pending"
            else:
                state, reason = "not_run", "no record of this step in the run"
        statuses[node.id] = StepStatus(node.id, state, found, reason, counts)
    return statuses


def _gathered(counts: dict[str, int]) -> str:
    for state in ("running", "failed", "interrupted", "not_run"):
        if counts.get(state):
            return state
    if set(counts) == {"cached"}:
        return "cached"
    if set(counts) == {"skipped"}:
        return "skipped"
    return "succeeded"


def _parents(root: Cluster) -> dict[str, str]:
    found = {}
    for cluster in [root, *root.clusters()]:
        for child in cluster.children:
            found[child.id] = cluster.id
    return found


def _ancestors(element_id: str, parents: dict[str, str]):
    while element_id in parents:
        element_id = parents[element_id]
        yield element_id


def loop_iterations(drawing: PipelineDrawing, executions: list[dict]) -> dict[str, int]:
    """Cluster id -> how many iterations of that loop ran (from the `[i]` in the task paths)."""
    counts: dict[str, set[str]] = {}
    for execution in executions:
        prefix = ""
        for part in execution["task"].split("/")[:-1]:
            match = _ITERATION.search(part)
            name = _ITERATION.sub("", part)
            if match and name in drawing.group_names:
                counts.setdefault(drawing.group_names[name], set()).add(prefix + part)
            prefix += part + "/"
    return {cluster: len(seen) for cluster, seen in counts.items()}


def source_line(span) -> tuple[str, int, str] | None:
    """(file, line, text of the line) of a declaration span."""
    if span is None or not getattr(span, "file", None):
        return None
    try:
        lines = Path(span.file).read_text(encoding="utf-8").splitlines()
        text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    except OSError:
        text = ""
    return str(span.file), span.line, text.strip()
