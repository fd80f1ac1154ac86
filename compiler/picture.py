"""Pictures of a checked pipeline: Graphviz dot, Mermaid, and SVG/PNG through Graphviz.

`build_picture` turns a `PipelineGraph` into a `Picture`: steps are nodes
(labelled with the step, or its display name, and the component it calls);
loops, conditions (one cluster per `if`/`elif`/`else` arm, inside a cluster
for the whole chain), the exit handler and the `finally` steps are nested
clusters; edges carry the outputs that flow along them (`data: Dataset`),
fan-in edges (a loop's outputs gathered after it) are marked, `after`
ordering is dashed, and what a loop iterates over or a condition tests is an
edge into that cluster.  `to_dot` and `to_mermaid` write a picture as text;
`render` runs Graphviz's `dot` for SVG or PNG.
"""

from __future__ import annotations

import graphlib
import json
import re
from dataclasses import field

from ptflow.compiler import dag
from ptflow.compiler.records import record

GRAPHVIZ_FORMATS = ("svg", "png")


class GraphvizMissing(RuntimeError):
    """SVG or PNG was asked for, and Graphviz's `dot` program is not installed."""


# ----------------------------------------------------------------- model


@record
class Node:
    id: str  # unique in the picture: the task name
    title: str  # the step name, or its display name
    subtitle: str  # what it calls (and the step name, under a display name)
    shape: str = "step"  # step, pipeline, importer, empty (stands in for an empty cluster)


@record
class Cluster:
    id: str  # starts with "cluster", as Graphviz wants
    kind: str  # loop, branches, condition, exit_handler, finally
    label: str
    children: list[Node | Cluster] = field(default_factory=list)
    group: object = field(default=None, repr=False, compare=False)  # the graph's group it draws (None: finally)

    def nodes(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
            else:
                yield from child.nodes()

    def clusters(self):
        for child in self.children:
            if isinstance(child, Cluster):
                yield child
                yield from child.clusters()


@record
class Edge:
    source: str  # a node or cluster id
    target: str
    label: str
    kind: str  # data, fan_in, after, iterates, tests, finally


@record
class Picture:
    name: str
    title: str
    root: Cluster  # the pipeline itself (drawn as the whole picture, not as a cluster)
    edges: list[Edge] = field(default_factory=list)

    def nodes(self) -> list[Node]:
        return list(self.root.nodes())

    def clusters(self) -> list[Cluster]:
        return list(self.root.clusters())


# --------------------------------------------------------------- building


def build_picture(graph: dag.PipelineGraph) -> Picture:
    return _PictureBuilder(graph).build()


class _PictureBuilder:
    def __init__(self, graph: dag.PipelineGraph):
        self.graph = graph
        self.cluster_count = 0
        self.cluster_of_group: dict[int, Cluster] = {}
        self.edges: list[Edge] = []

    def build(self) -> Picture:
        graph = self.graph
        root = Cluster("root", "root", graph.name)
        # One `finally` cluster per exit handler, keyed by the group its steps run after.
        finally_clusters: dict[int, tuple[dag.ExitHandlerGroup | None, Cluster]] = {}
        for child in _in_source_order(graph.root.children):
            if isinstance(child, dag.Task) and child.in_finally:
                guarded = child.exit_handler or graph.exit_group
                if id(guarded) not in finally_clusters:
                    finally_clusters[id(guarded)] = (guarded, self._new_cluster("finally", "finally"))
                finally_clusters[id(guarded)][1].children.append(self._node(child))
            else:
                root.children.append(self._member(child))
        for _, finally_cluster in finally_clusters.values():
            root.children.append(finally_cluster)
        for cluster in [root, *root.clusters()]:
            if not cluster.children:
                cluster.children.append(Node(f"{cluster.id}_empty", "(no steps)", "", shape="empty"))
        self._data_edges()
        self._group_edges()
        self._after_edges()
        for guarded, finally_cluster in finally_clusters.values():
            if guarded is not None:
                exit_cluster = self.cluster_of_group[id(guarded)]
                self.edges.append(
                    Edge(exit_cluster.id, finally_cluster.id, "finally (runs even on failure)", "finally")
                )
        title = graph.display_name or graph.name
        return Picture(graph.name, title, root, self.edges)

    def _new_cluster(self, kind: str, label: str) -> Cluster:
        self.cluster_count += 1
        return Cluster(f"cluster_{self.cluster_count}_{kind}", kind, label)

    def _member(self, child) -> Node | Cluster:
        if isinstance(child, dag.Task):
            return self._node(child)
        cluster = self._new_cluster(child.kind, self._group_label(child))
        cluster.group = child
        self.cluster_of_group[id(child)] = cluster
        cluster.children.extend(self._member(grandchild) for grandchild in _in_source_order(child.children))
        return cluster

    def _node(self, task: dag.Task) -> Node:
        component = task.component
        shape = {"pipeline": "pipeline", "ir-graph": "pipeline", "importer": "importer"}.get(component.kind, "step")
        calls = component.name if component.kind != dag.ComponentKind.IMPORTER else "importer"
        if task.options.display_name:
            return Node(task.name, task.options.display_name, f"{task.step}: {calls}", shape)
        return Node(task.name, task.step, calls, shape)

    def _group_label(self, group: dag.TaskGroup) -> str:
        if isinstance(group, dag.LoopGroup):
            label = f"for {group.var} in {self._value(group.items)}"
            if group.parallelism is not None:
                label += f" parallel {group.parallelism}"
            return label
        if isinstance(group, dag.ConditionGroup):
            if group.condition is None:
                return "else"
            return f"{group.keyword} {self._condition(group.condition)}"
        if isinstance(group, dag.BranchesGroup):
            keywords = []
            for arm in group.children:
                if isinstance(arm, dag.ConditionGroup) and arm.keyword not in keywords:
                    keywords.append(arm.keyword)
            return " / ".join(keywords)
        if isinstance(group, dag.ExitHandlerGroup):
            return f"exit handler {group.display_name}" if group.display_name else "exit handler"
        return group.kind

    # -- edges
    def _step(self, task_name: str) -> str:
        task = self.graph.tasks.get(task_name)
        return task.step if task is not None else task_name

    def _data_edges(self) -> None:
        labels: dict[tuple[str, str, str], list[str]] = {}
        for task in self.graph.tasks.values():
            values = [*task.arguments.values(), *task.options.env.values()]
            for output in _task_outputs(values):
                if output.task not in self.graph.tasks:
                    continue
                kind = "fan_in" if output.gathered else "data"
                text = f"{output.output}: {output.type}"
                entry = labels.setdefault((output.task, task.name, kind), [])
                if text not in entry:
                    entry.append(text)
        for (source, target, kind), texts in labels.items():
            label = "\n".join(texts) + ("\n(fan-in)" if kind == "fan_in" else "")
            self.edges.append(Edge(source, target, label, kind))

    def _group_edges(self) -> None:
        """What a loop iterates over and what a condition tests, as edges into the cluster."""
        for group in self.graph.root.groups():
            cluster = self.cluster_of_group.get(id(group))
            if cluster is None:
                continue
            if isinstance(group, dag.LoopGroup) and group.items is not None:
                values, kind = [group.items], "iterates"
            elif isinstance(group, dag.ConditionGroup) and group.condition is not None:
                values, kind = list(dag.condition_values(group.condition)), "tests"
            else:
                continue
            seen = set()
            for output in _task_outputs(values):
                if output.task in self.graph.tasks and (output.task, output.output) not in seen:
                    seen.add((output.task, output.output))
                    self.edges.append(Edge(output.task, cluster.id, f"{output.output}: {output.type}", kind))

    def _after_edges(self) -> None:
        for task in self.graph.tasks.values():
            for before in task.after:
                if before in self.graph.tasks:
                    self.edges.append(Edge(before, task.name, "after", "after"))

    # -- text of values and conditions, as written in .ptflow
    def _value(self, value) -> str:
        if isinstance(value, dag.Constant):
            return _literal(value.value)
        if isinstance(value, dag.PipelineInput):
            return value.name
        if isinstance(value, dag.TaskOutput):
            return f"{self._step(value.task)}.{value.output}"
        if isinstance(value, dag.LoopItem):
            return value.loop.var + (f".{value.field}" if value.field else "")
        if isinstance(value, dag.FinalStatus):
            return "pipeline.status"
        if isinstance(value, dag.OneOf):
            return "oneof(" + ", ".join(self._value(choice) for choice in value.choices) + ")"
        if isinstance(value, dag.RuntimeValue):
            return f"pipeline.{value.which}"
        if isinstance(value, dag.Interpolation):
            parts = []
            for part in value.parts:
                if isinstance(part, str):
                    parts.append(part.replace("{", "{{").replace("}", "}}"))
                else:
                    parts.append("{" + self._value(part) + "}")
            return 'f"' + "".join(parts) + '"'
        if isinstance(value, dag.Structured):
            return self._structured(value)
        return "?"

    def _structured(self, value: dag.Structured) -> str:
        """A list or dict with run-time values, as written in .ptflow (`[a.out, 1]`, `{[name]: a.out}`)."""

        def part(item) -> str:
            if isinstance(item, str):
                return json.dumps(item, ensure_ascii=False)
            return self._value(item)

        if not value.is_dict:
            return "[" + ", ".join(part(item) for item in value.entries) + "]"
        keys = [part(key) if isinstance(key, str) else f"[{self._value(key)}]" for key, _ in value.entries]
        return "{" + ", ".join(f"{key}: {part(item)}" for key, (_, item) in zip(keys, value.entries)) + "}"

    def _condition(self, condition, level: int = 0) -> str:
        # Levels, loosest first: or 0, and 1, not 2, comparison 3.
        if isinstance(condition, dag.BoolOp):
            own = 0 if condition.op == "or" else 1
            text = f"{self._condition(condition.left, own)} {condition.op} {self._condition(condition.right, own + 1)}"
        elif isinstance(condition, dag.Not):
            own, text = 2, f"not {self._condition(condition.operand, 2)}"
        elif isinstance(condition, dag.Compare):
            own, text = 3, f"{self._value(condition.left)} {condition.op} {self._value(condition.right)}"
        else:
            own, text = 4, self._value(condition.value)
        return f"({text})" if own < level else text


def _in_source_order(children):
    return sorted(children, key=lambda child: child.span.start if child.span is not None else 0)


def _task_outputs(values):
    for value in values:
        if isinstance(value, dag.TaskOutput):
            yield value
        elif isinstance(value, dag.OneOf):
            yield from value.choices
        elif isinstance(value, dag.Interpolation):
            yield from _task_outputs(part for part in value.parts if not isinstance(part, str))
        elif isinstance(value, dag.Structured):
            yield from _task_outputs(value.run_time_values())


def _literal(value, limit: int = 40) -> str:
    """A constant as .ptflow writes it, shortened when long."""
    text = json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


# ------------------------------------------------------------------- dot

_DOT_CLUSTER_STYLE = {
    "loop": 'style="rounded,dashed"; color="#3b6fb6"; fontcolor="#3b6fb6"',
    "branches": 'style="rounded,dotted"; color="#8a6d1d"; fontcolor="#8a6d1d"',
    "condition": 'style="rounded"; color="#c08a17"; fontcolor="#8a6d1d"',
    "exit_handler": 'style="rounded"; color="#777777"; fontcolor="#555555"',
    "finally": 'style="rounded,filled"; color="#b5523b"; fillcolor="#fbefec"; fontcolor="#b5523b"',
}
_DOT_SHAPES = {
    "step": 'shape=box, style="rounded,filled", fillcolor="#eef3fb"',
    "pipeline": 'shape=box3d, style=filled, fillcolor="#e8f4ea"',
    "importer": 'shape=cylinder, style=filled, fillcolor="#f4f0e6"',
    "empty": 'shape=plaintext, fontcolor="#888888"',
}
_DOT_EDGE_STYLE = {
    "data": "",
    "fan_in": ', penwidth=2.5, arrowhead=normal, color="#3b6fb6"',
    "after": ', style=dashed, color="#777777", fontcolor="#777777"',
    "iterates": ', color="#3b6fb6", fontcolor="#3b6fb6"',
    "tests": ', color="#c08a17", fontcolor="#8a6d1d"',
    "finally": ', style=dashed, color="#b5523b", fontcolor="#b5523b"',
}


def _dot_string(text: str) -> str:
    """A double-quoted dot string; line breaks become centred lines."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _dot_node(node: Node, indent: str) -> str:
    if node.shape == "empty":
        label = _dot_string(node.title)
    else:
        subtitle = f'<br/><font point-size="10" color="#555555">{_html(node.subtitle)}</font>' if node.subtitle else ""
        label = f"<<b>{_html(node.title)}</b>{subtitle}>"
    return f"{indent}{_dot_string(node.id)} [label={label}, {_DOT_SHAPES[node.shape]}];"


def to_dot(picture: Picture) -> str:
    lines = [
        f"digraph {_dot_string(picture.name)} {{",
        f'    graph [compound=true, rankdir=TB, fontname="Helvetica", labelloc=t, fontsize=16, '
        f"label={_dot_string('pipeline ' + picture.title)}, nodesep=0.4, ranksep=0.5];",
        '    node [fontname="Helvetica", fontsize=12];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]

    def emit(children, indent: str) -> None:
        for child in children:
            if isinstance(child, Node):
                lines.append(_dot_node(child, indent))
                continue
            lines.append(f"{indent}subgraph {_dot_string(child.id)} {{")
            lines.append(f"{indent}    label={_dot_string(child.label)}; {_DOT_CLUSTER_STYLE[child.kind]};")
            emit(child.children, indent + "    ")
            lines.append(f"{indent}}}")

    emit(picture.root.children, "    ")
    clusters = {cluster.id: cluster for cluster in picture.clusters()}
    depth = _node_depths(picture)
    for edge in picture.edges:
        # An edge to or from a cluster is drawn to its first node, or from its
        # deepest one, and clipped at the cluster's border (Graphviz's
        # lhead/ltail, with compound=true).  Leaving from the deepest node puts
        # what follows a group (the `finally` block) below all of it, instead
        # of beside its first row with the label crossing the group's border.
        attributes = [f"label={_dot_string(edge.label)}"]
        source, target = edge.source, edge.target
        if source in clusters:
            attributes.append(f"ltail={_dot_string(source)}")
            source = max(clusters[source].nodes(), key=lambda node: depth.get(node.id, 0)).id
        if target in clusters:
            attributes.append(f"lhead={_dot_string(target)}")
            target = next(clusters[target].nodes()).id
        lines.append(
            f"    {_dot_string(source)} -> {_dot_string(target)} [{', '.join(attributes)}{_DOT_EDGE_STYLE[edge.kind]}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_depths(picture: Picture) -> dict[str, int]:
    """Each node's longest chain of edges from a node nothing points to (its row in a top-down drawing)."""
    clusters = {cluster.id: cluster for cluster in picture.clusters()}

    def members(end: str) -> list[str]:
        return [node.id for node in clusters[end].nodes()] if end in clusters else [end]

    successors: dict[str, set[str]] = {}
    for edge in picture.edges:
        for source in members(edge.source):
            successors.setdefault(source, set()).update(members(edge.target))
    predecessors: dict[str, set[str]] = {node.id: set() for node in picture.nodes()}
    for source, targets in successors.items():
        for target in targets:
            predecessors.setdefault(target, set()).add(source)
    depth: dict[str, int] = {}
    for node in graphlib.TopologicalSorter(predecessors).static_order():  # a DAG's picture has no cycles
        depth[node] = max((depth[before] + 1 for before in predecessors.get(node, ())), default=0)
    return depth


# --------------------------------------------------------------- mermaid

_MERMAID_ARROWS = {
    "data": "-->",
    "fan_in": "==>",
    "after": "-.->",
    "iterates": "-->",
    "tests": "-->",
    "finally": "-.->",
}
_MERMAID_SHAPES = {"step": ('("', '")'), "pipeline": ('[["', '"]]'), "importer": ('[("', '")]'), "empty": ('["', '"]')}
_MERMAID_CLASSES = {
    "loop": "fill:#f3f7fd,stroke:#3b6fb6,stroke-dasharray:5 5",
    "branches": "fill:#fffdf5,stroke:#8a6d1d,stroke-dasharray:2 2",
    "condition": "fill:#fdf8ec,stroke:#c08a17",
    "exit_handler": "fill:#f7f7f7,stroke:#777777",
    "finally": "fill:#fbefec,stroke:#b5523b",
}


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: entity codes for what Mermaid would read as markup."""
    escaped = "".join({"#": "#35;", '"': "#34;", "<": "#60;", ">": "#62;", "&": "#38;"}.get(c, c) for c in text)
    return escaped.replace("\n", "<br/>")


class _MermaidIds:
    """Mermaid ids: letters, digits and `_`, never a keyword such as `end`."""

    def __init__(self):
        self.ids: dict[str, str] = {}
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        if name not in self.ids:
            base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
            candidate, number = base, 1
            while candidate in self.used:
                number += 1
                candidate = f"{base}_{number}"
            self.used.add(candidate)
            self.ids[name] = candidate
        return self.ids[name]


def to_mermaid(picture: Picture) -> str:
    ids = _MermaidIds()
    lines = ["---", f"title: {json.dumps('pipeline ' + picture.title)}", "---", "flowchart TB"]

    def emit(children, indent: str) -> None:
        for child in children:
            if isinstance(child, Node):
                opening, closing = _MERMAID_SHAPES[child.shape]
                text = f"<b>{_mermaid_text(child.title)}</b>"
                if child.subtitle:
                    text += f"<br/><small>{_mermaid_text(child.subtitle)}</small>"
                lines.append(f"{indent}{ids(child.id)}{opening}{text}{closing}")
                continue
            lines.append(f'{indent}subgraph {ids(child.id)} ["{_mermaid_text(child.label)}"]')
            emit(child.children, indent + "    ")
            lines.append(f"{indent}end")
            lines.append(f"{indent}class {ids(child.id)} {child.kind}")

    emit(picture.root.children, "    ")
    for edge in picture.edges:
        lines.append(
            f'    {ids(edge.source)} {_MERMAID_ARROWS[edge.kind]}|"{_mermaid_text(edge.label)}"| {ids(edge.target)}'
        )
    for kind, style in _MERMAID_CLASSES.items():
        lines.append(f"    classDef {kind} {style}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- graphviz


def render(picture: Picture, output_format: str) -> bytes:
    """The picture as SVG or PNG, drawn by Graphviz; raises GraphvizMissing without it."""
    if output_format not in GRAPHVIZ_FORMATS:
        raise ValueError(f"Graphviz renders {', '.join(GRAPHVIZ_FORMATS)}, not {output_format}")
    try:
        import graphviz
    except ImportError as error:
        raise GraphvizMissing(
            "drawing SVG or PNG needs the Python package `graphviz` (pip install graphviz) and Graphviz's "
            "`dot` program (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
            "or use --format dot or --format mermaid"
        ) from error
    source = graphviz.Source(to_dot(picture))
    try:
        return source.pipe(format=output_format)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizMissing(
            "drawing SVG or PNG needs Graphviz's `dot` program, which is not installed or not on PATH: "
            "install the Graphviz package (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
            "or use --format dot or --format mermaid"
        ) from error
