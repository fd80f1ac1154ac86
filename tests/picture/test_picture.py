"""Pictures of pipelines: every example (and a pipeline with every construct)
drawn as dot, Mermaid and SVG, checked against the compiler's own DAG.

The dot text is read back by Graphviz itself (`-Tjson`) and the SVG is drawn
by Graphviz, so these tests need Graphviz's `dot`; they skip, saying so, only
where it is not installed.  The Mermaid text is read back by a small parser
of the subset `to_mermaid` writes.
"""

import html
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from ptflow.compiler import dag, picture
from ptflow.compiler.api import check_file

REPO = Path(__file__).resolve().parents[2]
EVERY_SHAPE = Path(__file__).parent / "every_shape.ptflow"
FILES = sorted(REPO.glob("examples/**/*.ptflow")) + [EVERY_SHAPE]
needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None or importlib.util.find_spec("graphviz") is None,
    reason="needs Graphviz's `dot` (apt-get install graphviz) and the Python package `graphviz`",
)


def pipelines():
    for path in FILES:
        result = check_file(str(path))
        assert result.ok, [d.message for d in result.diagnostics if d.is_error]
        for name, graph in result.pipelines.items():
            yield pytest.param(graph, id=f"{path.stem}:{name}")


PIPELINES = list(pipelines())


def expected_groups(graph: dag.PipelineGraph) -> list[dag.TaskGroup]:
    return [group for group in graph.root.groups() if group is not graph.root]


def expected_edges(graph: dag.PipelineGraph) -> set[tuple[str, str, str]]:
    """(producer, consumer, `output: type`) for every output a task reads."""
    edges = set()
    for task in graph.tasks.values():
        values = list(task.arguments.values()) + list(task.options.env.values())
        while values:
            value = values.pop()
            if isinstance(value, dag.Interpolation):
                values.extend(part for part in value.parts if not isinstance(part, str))
            elif isinstance(value, dag.TaskOutput):
                edges.add((value.task, task.name, f"{value.output}: {value.type}"))
    return edges


# ------------------------------------------------------------------ model


@pytest.mark.parametrize("graph", PIPELINES)
def test_every_step_is_a_node_and_every_group_a_cluster(graph):
    drawing = picture.build_picture(graph)
    steps = {node.id for node in drawing.nodes() if node.shape != "empty"}
    assert steps == set(graph.tasks)
    finally_clusters = 1 if graph.exit_tasks else 0
    assert len(drawing.clusters()) == len(expected_groups(graph)) + finally_clusters


@pytest.mark.parametrize("graph", PIPELINES)
def test_every_output_a_step_reads_is_an_edge_labelled_with_it(graph):
    drawing = picture.build_picture(graph)
    drawn = {
        (e.source, e.target, line)
        for e in drawing.edges
        if e.kind in ("data", "fan_in")
        for line in e.label.split("\n")
        if line != "(fan-in)"
    }
    assert drawn == expected_edges(graph)


# -------------------------------------------------------------------- dot


def read_back_dot(dot_text: str) -> dict:
    import graphviz

    return json.loads(graphviz.Source(dot_text).pipe(format="json"))


@needs_graphviz
@pytest.mark.parametrize("graph", PIPELINES)
def test_dot_nests_each_step_in_the_clusters_of_its_groups(graph):
    drawing = picture.build_picture(graph)
    layout = read_back_dot(picture.to_dot(drawing))
    objects = layout["objects"]
    clusters = [o for o in objects if o["name"].startswith("cluster")]
    nodes = {
        o["_gvid"]: o["name"]
        for o in objects
        if "nodes" not in o and "subgraphs" not in o and not o["name"].startswith("cluster")
    }
    assert set(graph.tasks) <= set(nodes.values())
    assert len(clusters) == len(drawing.clusters())
    # The clusters a step is in are the groups it is in, innermost to outermost.
    cluster_names = {c.id: c for c in drawing.clusters()}
    for task in graph.tasks.values():
        containing = {
            cluster_names[c["name"]].label
            for c in clusters
            if task.name in {nodes[i] for i in c.get("nodes", []) if i in nodes}
        }
        expected = {cluster.label for cluster in drawing.clusters() if task.name in {n.id for n in cluster.nodes()}}
        assert containing == expected
        depth = sum(1 for group in task.group.ancestors() if group is not graph.root)
        assert len(containing) == depth + (1 if task.in_finally else 0)


@needs_graphviz
@pytest.mark.parametrize("graph", PIPELINES)
def test_dot_edges_carry_the_labels_of_the_values_they_carry(graph):
    layout = read_back_dot(picture.to_dot(picture.build_picture(graph)))
    names = {o["_gvid"]: o["name"] for o in layout["objects"]}
    drawn = set()
    for edge in layout.get("edges", []):
        for line in edge.get("label", "").split("\\n"):
            drawn.add((names[edge["tail"]], names[edge["head"]], line))
    assert expected_edges(graph) <= drawn


def test_dot_for_every_construct():
    graph = check_file(str(EVERY_SHAPE)).pipelines["every_shape"]
    dot = picture.to_dot(picture.build_picture(graph))
    for label in [
        "for size in sizes parallel 2",
        "for name in made.names",
        "if best.best > limit and go",
        "if / elif / else",
        "if made.count == 0",
        "elif not go",
        "else",
        "exit handler",
        "finally",
        'for item in [{\\"a\\": 1}, {\\"a\\": 2}]',
    ]:
        assert f'label="{label}";' in dot, label
    # Fan-in is drawn thick, `after` dashed, display names escaped for HTML.
    assert re.search(r'"scored" -> "best" \[label="score: list\[float\]\\n\(fan-in\)", penwidth=2.5', dot)
    assert re.search(r'"base" -> "again" \[label="after", style=dashed', dot)
    assert "<b>Make &lt;rows&gt; &amp; &quot;names&quot;</b>" in dot and "made: make" in dot
    # What a loop iterates over and what a condition tests point at the cluster.
    assert re.search(r'"made" -> "inner" \[label="names: list\[str\]", lhead="cluster_\d+_loop"', dot)
    assert re.search(r'-> "none" \[label="count: int", lhead="cluster_\d+_condition"', dot)
    # The nested pipeline and the importer have shapes of their own.
    assert re.search(r'"prep" \[label=<<b>prep</b>.*prepare.*shape=box3d', dot)
    assert re.search(r'"base" \[label=<<b>base</b>.*importer.*shape=cylinder', dot)


# ---------------------------------------------------------------- mermaid


def read_back_mermaid(text: str):
    """Nodes with the subgraphs they are in, subgraph labels, and edges, from `to_mermaid`'s output."""
    node_line = re.compile(r'^\s*(n_\w+)(\(|\[\[|\[\()"(.*)"(\)|\]\]|\)\])$')
    subgraph_line = re.compile(r'^\s*subgraph (n_\w+) \["(.*)"\]$')
    edge_line = re.compile(r'^\s*(n_\w+) (-->|==>|-\.->)\|"(.*)"\| (n_\w+)$')
    open_subgraphs: list[str] = []
    nodes, subgraphs, edges = {}, {}, []
    lines = text.splitlines()
    assert lines[:4] == ["---", lines[1], "---", "flowchart TB"] and lines[1].startswith("title: ")
    for line in lines[4:]:
        if match := subgraph_line.match(line):
            subgraphs[match.group(1)] = match.group(2)
            open_subgraphs.append(match.group(1))
        elif line.strip() == "end":
            open_subgraphs.pop()
        elif match := node_line.match(line):
            nodes[match.group(1)] = (match.group(3), list(open_subgraphs))
        elif match := edge_line.match(line):
            edges.append((match.group(1), match.group(2), match.group(3), match.group(4)))
        else:
            assert re.match(r"^\s*(class \w+ \w+|classDef \w+ .+)$", line), f"unexpected line: {line!r}"
    assert not open_subgraphs, "every subgraph is closed"
    return nodes, subgraphs, edges


@pytest.mark.parametrize("graph", PIPELINES)
def test_mermaid_has_a_node_per_step_in_its_subgraphs_and_labelled_edges(graph):
    drawing = picture.build_picture(graph)
    nodes, subgraphs, edges = read_back_mermaid(picture.to_mermaid(drawing))
    steps = {text.split("<br/>")[0] for text, _ in nodes.values() if "(no steps)" not in text}
    titles = {t.options.display_name or t.step for t in graph.tasks.values()}
    assert {re.sub(r"</?b>", "", s) for s in steps} == {picture._mermaid_text(t) for t in titles}
    assert len(subgraphs) == len(drawing.clusters())
    by_title = {re.sub(r"</?b>", "", text.split("<br/>")[0]): inside for text, inside in nodes.values()}
    for task in graph.tasks.values():
        inside = by_title[picture._mermaid_text(task.options.display_name or task.step)]
        depth = sum(1 for group in task.group.ancestors() if group is not graph.root)
        assert len(inside) == depth + (1 if task.in_finally else 0)
    labels = {line for _, _, label, _ in edges for line in label.split("<br/>")}
    assert {picture._mermaid_text(label) for _, _, label in expected_edges(graph)} <= labels


def test_mermaid_for_every_construct():
    graph = check_file(str(EVERY_SHAPE)).pipelines["every_shape"]
    text = picture.to_mermaid(picture.build_picture(graph))
    nodes, subgraphs, edges = read_back_mermaid(text)
    assert 'title: "pipeline Every shape"' in text
    assert sorted(subgraphs.values()) == sorted(
        [
            "exit handler",
            "for size in sizes parallel 2",
            "for name in made.names",
            "if best.best #62; limit and go",
            "if / elif / else",
            "if made.count == 0",
            "elif not go",
            "else",
            "for item in [{#34;a#34;: 1}, {#34;a#34;: 2}]",
            "finally",
        ]
    )
    arrows = {(source, arrow, label, target) for source, arrow, label, target in edges}
    assert ("n_scored", "==>", "score: list[float]<br/>(fan-in)", "n_best") in arrows
    assert ("n_base", "-.->", "after", "n_again") in arrows
    assert any(
        source == "n_made" and label == "names: list[str]" and subgraphs.get(target) == "for name in made.names"
        for source, _, label, target in edges
    )
    assert any(
        arrow == "-.->" and subgraphs.get(source) == "exit handler" and subgraphs.get(target) == "finally"
        for source, arrow, _, target in edges
    )
    assert nodes["n_prep"][0].startswith("<b>prep</b>") and '[["<b>prep</b>' in text
    assert '[("<b>base</b>' in text


def test_mermaid_ids_never_clash_or_use_keywords():
    graph = check_file(str(EVERY_SHAPE)).pipelines["every_shape"]
    _, subgraphs, _ = read_back_mermaid(picture.to_mermaid(picture.build_picture(graph)))
    ids = picture._MermaidIds()
    assert ids("end") == "n_end" and ids("a-b") == "n_a_b" and ids("a_b") == "n_a_b_2" and ids("a-b") == "n_a_b"
    assert all(name.startswith("n_") for name in subgraphs)


# -------------------------------------------------------------------- svg


@needs_graphviz
@pytest.mark.parametrize("graph", PIPELINES)
def test_svg_has_a_node_per_step_and_a_cluster_per_group(graph):
    drawing = picture.build_picture(graph)
    svg = picture.render(drawing, "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    # Graphviz writes `-` in titles as `&#45;`.
    node_titles = [html.unescape(t) for t in re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', svg)]
    cluster_titles = re.findall(r'<g id="clust\d+" class="cluster">\s*<title>([^<]*)</title>', svg)
    assert set(graph.tasks) <= set(node_titles)
    assert len([t for t in node_titles if not t.endswith("_empty")]) == len(graph.tasks)
    finally_clusters = 1 if graph.exit_tasks else 0
    assert len(cluster_titles) == len(expected_groups(graph)) + finally_clusters


@needs_graphviz
def test_png_is_a_png():
    graph = check_file(str(EVERY_SHAPE)).pipelines["every_shape"]
    assert picture.render(picture.build_picture(graph), "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_an_empty_group_still_shows(tmp_path):
    source = tmp_path / "empty.ptflow"
    source.write_text(
        'component c() { image = "x" command = ["c"] }\n'
        "pipeline p(go: bool = true) {\n    first = c()\n    if go {\n    }\n}\n"
    )
    graph = check_file(str(source)).pipelines["p"]
    drawing = picture.build_picture(graph)
    (cluster,) = drawing.clusters()
    assert cluster.label == "if go" and [n.title for n in cluster.nodes()] == ["(no steps)"]


def _box(layout_object: dict) -> tuple[float, float, float, float]:
    """A Graphviz bounding box `x1,y1,x2,y2` (y grows upwards)."""
    return tuple(float(v) for v in layout_object["bb"].split(","))


@needs_graphviz
@pytest.mark.parametrize("graph", [p for p in PIPELINES if p.values[0].exit_tasks])
def test_the_finally_block_is_drawn_below_the_exit_handler_with_its_label_outside_it(graph):
    drawing = picture.build_picture(graph)
    layout = read_back_dot(picture.to_dot(drawing))
    labels = {c.id: c.kind for c in drawing.clusters()}
    clusters = {labels[o["name"]]: o for o in layout["objects"] if o["name"] in labels}
    _, exit_bottom, _, _ = _box(clusters["exit_handler"])
    _, _, _, finally_top = _box(clusters["finally"])
    assert finally_top < exit_bottom
    [finally_edge] = [e for e in layout["edges"] if e.get("label", "").startswith("finally")]
    _, label_y = (float(v) for v in finally_edge["lp"].split(","))
    assert finally_top < label_y < exit_bottom
