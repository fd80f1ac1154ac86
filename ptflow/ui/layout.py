"""Lay out a pipeline picture (compiler/picture.py) as nested boxes, and write it as SVG.

Graphviz is not needed (the page must work on a machine without it) and a
general compound-graph layout is more than a pipeline needs.  Each group
(loop, condition, exit handler, ...) is laid out on its own, inside out:

- its children (steps and inner groups) are put in layers: a child comes
  below every sibling it depends on, where "depends" is any edge from
  inside one sibling to inside the other (so an edge crossing a group's
  border orders the groups that contain its two ends);
- a layer is a row, centred, wrapped when it gets too wide (a loop of a
  thousand steps stays readable);
- a group's box is its rows plus a margin and its label.

Edges are drawn afterwards, bottom of the source to top of the target.
Everything is plain SVG with classes; the page's CSS colours a step by
the class of its status (`st-running`, ...), which live updates change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from ptflow.compiler.picture import Cluster, Node, Picture

NODE_WIDTH, NODE_HEIGHT = 200, 64
GAP_X, GAP_Y = 26, 40
PADDING, LABEL_HEIGHT = 14, 24
MAX_ROW_WIDTH = 1500
LABEL_CHAR_WIDTH = 7.2  # about, at the 12px of a group's label


@dataclass
class Box:
    x: float = 0.0
    y: float = 0.0
    width: float = NODE_WIDTH
    height: float = NODE_HEIGHT
    rows: list[list[str]] = field(default_factory=list)  # a group's children's ids, row by row


@dataclass
class Layout:
    picture: Picture
    boxes: dict[str, Box]  # node and cluster ids -> their box (absolute, after place())
    width: float
    height: float


def lay_out(picture: Picture) -> Layout:
    elements: dict[str, Node | Cluster] = {}
    parent: dict[str, str] = {}

    def index(cluster: Cluster) -> None:
        elements[cluster.id] = cluster
        for child in cluster.children:
            parent[child.id] = cluster.id
            if isinstance(child, Cluster):
                index(child)
            else:
                elements[child.id] = child

    index(picture.root)

    def chain(element_id: str) -> list[str]:
        """The element and its groups, outermost first."""
        found = [element_id]
        while found[-1] in parent:
            found.append(parent[found[-1]])
        return found[::-1]

    # Sibling dependencies, per group: (group id) -> {child: children it waits for}.
    depends: dict[str, dict[str, set[str]]] = {}
    for edge in picture.edges:
        if edge.source not in elements or edge.target not in elements:
            continue
        source_chain, target_chain = chain(edge.source), chain(edge.target)
        common = 0
        while common < min(len(source_chain), len(target_chain)) and source_chain[common] == target_chain[common]:
            common += 1
        if common == 0 or common >= min(len(source_chain), len(target_chain)):
            continue  # one end contains the other (an edge into its own group): no order between siblings
        group = source_chain[common - 1]
        depends.setdefault(group, {}).setdefault(target_chain[common], set()).add(source_chain[common])

    boxes: dict[str, Box] = {}

    def measure(cluster: Cluster) -> Box:
        for child in cluster.children:
            boxes[child.id] = measure(child) if isinstance(child, Cluster) else Box()
        rows = _rows(cluster, depends.get(cluster.id, {}), boxes)
        width = max((_row_width(row, boxes) for row in rows), default=NODE_WIDTH)
        if cluster is not picture.root:  # room for the group's label (and a note such as "4 iterations")
            width = max(width, min(len(cluster.label) + 16, 60) * LABEL_CHAR_WIDTH)
        height = sum(max(boxes[i].height for i in row) for row in rows) + GAP_Y * max(0, len(rows) - 1)
        top = LABEL_HEIGHT if cluster is not picture.root else 0
        box = Box(width=width + 2 * PADDING, height=height + 2 * PADDING + top, rows=rows)
        return box

    root_box = measure(picture.root)
    boxes[picture.root.id] = root_box

    def place(cluster: Cluster, x: float, y: float) -> None:
        box = boxes[cluster.id]
        box.x, box.y = x, y
        top = y + PADDING + (LABEL_HEIGHT if cluster is not picture.root else 0)
        for row in box.rows:
            row_height = max(boxes[i].height for i in row)
            left = x + (box.width - _row_width(row, boxes)) / 2
            for element_id in row:
                child, element = boxes[element_id], elements[element_id]
                if isinstance(element, Cluster):
                    place(element, left, top)
                else:  # a step is centred in its row
                    child.x, child.y = left, top + (row_height - child.height) / 2
                left += child.width + GAP_X
            top += row_height + GAP_Y

    place(picture.root, 0, 0)
    return Layout(picture, boxes, root_box.width, root_box.height)


def _rows(cluster: Cluster, waits_for: dict[str, set[str]], boxes: dict[str, Box]) -> list[list[str]]:
    """The group's children in layers (longest path from the top), each layer wrapped to MAX_ROW_WIDTH."""
    order = [child.id for child in cluster.children]
    layer: dict[str, int] = {}
    for _ in range(len(order) + 1):  # relax; a cycle (never in a checked pipeline) just stops changing
        changed = False
        for element_id in order:
            wanted = max(
                (layer.get(before, 0) + 1 for before in waits_for.get(element_id, ()) if before in layer), default=0
            )
            if layer.get(element_id) != wanted:
                layer[element_id] = wanted
                changed = True
        if not changed:
            break
    layers: dict[int, list[str]] = {}
    for element_id in order:
        layers.setdefault(layer[element_id], []).append(element_id)
    rows: list[list[str]] = []
    for number in sorted(layers):
        row: list[str] = []
        for element_id in layers[number]:
            if row and _row_width(row + [element_id], boxes) > MAX_ROW_WIDTH:
                rows.append(row)
                row = []
            row.append(element_id)
        rows.append(row)
    return rows


def _row_width(row: list[str], boxes: dict[str, Box]) -> float:
    return sum(boxes[i].width for i in row) + GAP_X * max(0, len(row) - 1)


# -------------------------------------------------------------------- SVG


@dataclass
class NodeView:
    """What a step's box shows besides the picture's own title: its status and a link."""

    state: str = "pending"  # pending, running, succeeded, failed, cached, skipped, not_run, interrupted
    status_text: str = ""
    href: str | None = None
    tooltip: str = ""


def to_svg(
    layout: Layout, views: dict[str, NodeView], cluster_notes: dict[str, str] | None = None, edge_labels: bool = True
) -> str:
    """The laid-out picture as an inline <svg> (steps are links when their view has an href)."""
    picture, boxes = layout.picture, layout.boxes
    margin = 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dag" width="{layout.width + 2 * margin:.0f}" '
        f'height="{layout.height + 2 * margin:.0f}" viewBox="{-margin} {-margin} {layout.width + 2 * margin:.0f} '
        f'{layout.height + 2 * margin:.0f}" role="img" aria-label="pipeline {escape(picture.title)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    notes = cluster_notes or {}
    for cluster in picture.clusters():
        box = boxes[cluster.id]
        label = cluster.label + (f"  ·  {notes[cluster.id]}" if cluster.id in notes else "")
        out.append(
            f'<g class="group group-{cluster.kind}" data-group="{escape(cluster.id)}">'
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="8"/>'
            f'<text x="{box.x + 10:.0f}" y="{box.y + 17:.0f}">'
            f"{escape(_clip(label, int(box.width / LABEL_CHAR_WIDTH) - 2))}</text>"
            f"<title>{escape(label)}</title></g>"
        )
    for edge in picture.edges:
        if edge.source not in boxes or edge.target not in boxes:
            continue
        source, target = boxes[edge.source], boxes[edge.target]
        x1, y1 = source.x + source.width / 2, source.y + source.height
        x2, y2 = target.x + target.width / 2, target.y
        if y2 <= y1:  # the target is beside or above (a wrapped row): leave from the side
            x1, y1 = (
                (source.x + source.width, source.y + source.height / 2)
                if x2 > x1
                else (source.x, source.y + source.height / 2)
            )
        bend = max(20.0, abs(y2 - y1) / 2)
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + bend:.0f} {x2:.0f},{y2 - bend:.0f} {x2:.0f},{y2 - 2:.0f}"
        label = edge.label.replace("\n", " ")
        text = ""
        if edge_labels and label and edge.kind != "after":
            text = (
                f'<text x="{(x1 + x2) / 2 + 4:.0f}" y="{(y1 + y2) / 2:.0f}">'
                f"{escape(_clip(label.split(' (fan-in)')[0], 28))}</text>"
            )
        out.append(
            f'<g class="edge edge-{edge.kind}"><path d="{path}" marker-end="url(#arrow)"/>{text}'
            f"<title>{escape(label)}</title></g>"
        )
    for node in picture.nodes():
        box = boxes[node.id]
        view = views.get(node.id, NodeView())
        state = "empty" if node.shape == "empty" else view.state
        body = (
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.width:.0f}" height="{box.height:.0f}" rx="7"/>'
            f'<text class="title" x="{box.x + 10:.0f}" y="{box.y + 19:.0f}">{escape(_clip(node.title, 24))}</text>'
            f'<text class="subtitle" x="{box.x + 10:.0f}" y="{box.y + 36:.0f}">'
            f"{escape(_clip(node.subtitle, 30))}</text>"
            f'<text class="status" x="{box.x + 10:.0f}" y="{box.y + 54:.0f}">'
            f"{escape(_clip(view.status_text, 30))}</text>"
            f"<title>{escape(view.tooltip or node.title)}</title>"
        )
        group = f'<g class="node st-{state} shape-{node.shape}" data-node="{escape(node.id)}">{body}</g>'
        if view.href:
            group = f'<a href="{escape(view.href)}">{group}</a>'
        out.append(group)
    out.append("</svg>")
    return "".join(out)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"
