"""What each page shows: a request's path and query -> a template and its context (or a file, or JSON).

Every function here reads; none writes.  A page that names something the
store does not have raises `NotFound`, which the server answers with 404.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from ptflow.runtime.runner import logs as run_logs
from ptflow.runtime.runner.artifacts import local_path_for_uri
from ptflow.runtime.runner.values import to_text
from ptflow.runtime.runner.views import shown_step, step_name
from ptflow.ui import charts, dag, files, layout, markdown
from ptflow.ui.readonly import RUN_STATES, ReadOnlyStore

PER_PAGE = 50
LOG_TAIL_BYTES = 64 * 1024
INLINE_TEXT_BYTES = 256 * 1024


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass
class Page:
    template: str
    context: dict


@dataclass
class Raw:
    """A response that is not a page: a file from the store, JSON, or plain text."""

    body: bytes
    content_type: str
    headers: dict[str, str] | None = None


@dataclass
class Redirect:
    location: str


# ------------------------------------------------------------------ helpers


def when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else "-"


def took(start: float | None, end: float | None, now: float | None = None) -> str:
    if not start:
        return "-"
    end = end or now
    if not end:
        return "-"
    seconds = max(0.0, end - start)
    if seconds < 60:
        return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def shown_path(path: str) -> str:
    """A file as the user would type it: relative to where `ptflow ui` was started when it lies below."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith("..") else relative


def value_text(value: Any) -> str:
    return value if isinstance(value, str) else to_text(value)


def run_url(run_id: str) -> str:
    return f"/runs/{quote(run_id, safe='')}"


def step_url(run_id: str, step: str, execution_id: int | None = None) -> str:
    """A step's page; `step` is its name in the `.ptflow` file (`_step_names` gives each node's)."""
    url = f"{run_url(run_id)}/steps/{quote(step, safe='')}"
    return url + (f"?e={execution_id}" if execution_id is not None else "")


def _step_names(store: ReadOnlyStore, run_id: str, drawing: dag.PipelineDrawing) -> dict[str, str]:
    """Each node of the run's picture -> the name its page's URL uses: the step as the `.ptflow` file names
    it (`final_summary`, `total`), as `ptflow show` prints it, rather than its compiled task name
    (`final-summary`, `exit-handler-1/total`).  A node keeps its compiled name where the file's name would
    be shared with another node or be another node's compiled name: each URL names one step."""
    recorded = store.step_names(run_id)
    node_ids = [node.id for node in drawing.picture.nodes()]
    shown = {node_id: step_name(node_id, recorded) for node_id in node_ids}
    taken: dict[str, int] = {}
    for name in shown.values():
        taken[name] = taken.get(name, 0) + 1
    return {
        node_id: name if taken[name] == 1 and (name == node_id or name not in shown) else node_id
        for node_id, name in shown.items()
    }


def execution_url(execution_id: int) -> str:
    """A link to an execution from anywhere (another run's page): it redirects to the step page."""
    return f"/executions/{execution_id}"


def artifact_url(artifact_id: int) -> str:
    return f"/artifacts/{artifact_id}"


def _first(query: dict[str, list[str]], name: str) -> str | None:
    """The first value of a query parameter, if given."""
    values = query.get(name)
    return values[0] if values else None


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        raise BadRequest(f"not a number: {text!r}") from None


# ---------------------------------------------------------------- runs list


def runs_list(store: ReadOnlyStore, query: dict[str, list[str]]) -> Page:
    pipeline = (query.get("pipeline") or [""])[0] or None
    status = ((query.get("status") or [""])[0] or "").upper() or None
    if status and status not in RUN_STATES:
        raise BadRequest(f"no run status {status!r}; one of {', '.join(RUN_STATES)}")
    page = max(1, _int(_first(query, "page"), 1))
    runs, total = store.page_of_runs(pipeline, status, page, PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    now = time.time()
    rows = [
        {
            "id": r["id"],
            "url": run_url(r["id"]),
            "pipeline": r["pipeline"],
            "status": r["status"].lower(),
            "started": when(r["started"]),
            "took": took(r["started"], r["finished"], now if r["status"] == "RUNNING" else None),
            "counts": sorted((state.lower(), n) for state, n in r["counts"].items()),
        }
        for r in runs
    ]

    def link(number: int) -> str:
        return "/?" + urlencode({k: v for k, v in (("pipeline", pipeline), ("status", status), ("page", number)) if v})

    return Page(
        "runs.html",
        {
            "title": "Runs",
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "previous": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "pipelines": store.pipelines(),
            "pipeline": pipeline or "",
            "status": (status or "").lower(),
            "statuses": [s.lower() for s in RUN_STATES],
            "compare": f"/compare?{urlencode({'pipeline': pipeline})}" if pipeline else None,
        },
    )


# ------------------------------------------------------------------ a run


def _run_or_404(store: ReadOnlyStore, run_id: str) -> dict:
    run = store.run(run_id)
    if run is None:
        raise NotFound(f"no run {run_id!r} in this store")
    return run


def _drawing(run: dict, executions: list[dict]) -> dag.PipelineDrawing:
    drawing = dag.drawing_for(run.get("source"), run["pipeline"])
    return drawing or dag.drawing_from_paths(run["pipeline"], executions)


def _node_views(run: dict, statuses: dict[str, dag.StepStatus], names: dict[str, str]) -> dict[str, layout.NodeView]:
    views = {}
    for node_id, status in statuses.items():
        tooltip = status.text + (f" — {status.reason}" if status.reason else "")
        views[node_id] = layout.NodeView(status.state, status.text, step_url(run["id"], names[node_id]), tooltip)
    return views


def run_page(store: ReadOnlyStore, run_id: str) -> Page:
    run = _run_or_404(store, run_id)
    executions = store.execution_states(run_id)
    drawing = _drawing(run, executions)
    statuses = dag.step_statuses(drawing, executions, run["status"])
    iterations = dag.loop_iterations(drawing, executions)
    notes = {cluster: f"{n} iteration{'s' if n != 1 else ''}" for cluster, n in iterations.items()}
    names = _step_names(store, run_id, drawing)
    svg = layout.to_svg(
        drawing.layout(), _node_views(run, statuses, names), notes, edge_labels=len(drawing.picture.edges) <= 80
    )
    steps = []
    titles = {node.id: node for node in drawing.picture.nodes()}
    for node_id, status in statuses.items():
        node = titles[node_id]
        if node.shape == "empty":
            continue
        started = [e["started"] for e in status.executions if e.get("started")]
        finished = [e["finished"] for e in status.executions if e.get("finished")]
        steps.append(
            {
                "id": node_id,
                "title": node.title,
                "calls": node.subtitle,
                "url": step_url(run_id, names[node_id]),
                "state": status.state,
                "text": status.text,
                "reason": status.reason,
                "took": took(min(started), max(finished))
                if started and finished and status.state != "running"
                else "-",
            }
        )
    changed = False
    if drawing.from_source and run.get("source"):
        try:
            changed = os.stat(run["source"]).st_mtime > run["started"]
        except OSError:
            changed = False
    return Page(
        "run.html",
        {
            "source_changed": changed,
            "title": f"Run {run_id}",
            "run": run,
            "status": run["status"].lower(),
            "svg": svg,
            "steps": steps,
            "started": when(run["started"]),
            "took": took(run["started"], run["finished"], time.time()),
            "parameters": sorted((k, value_text(v)) for k, v in run["parameters"].items()),
            "outputs": sorted((k, value_text(v)) for k, v in (run.get("outputs") or {}).items()),
            "source": shown_path(run["source"]) if run.get("source") else "",
            "from_source": drawing.from_source,
            "live": run["status"] == "RUNNING",
            "state_url": f"{run_url(run_id)}/state.json",
            "tensorboard": f"/tensorboard/{quote(run_id, safe='')}",
            "compare": f"/compare?{urlencode({'pipeline': run['pipeline'], 'run': run_id})}",
        },
    )


def run_state(store: ReadOnlyStore, run_id: str) -> Raw:
    """What live updates need: the run's status and each step's state and text."""
    run = _run_or_404(store, run_id)
    executions = store.execution_states(run_id)
    drawing = _drawing(run, executions)
    statuses = dag.step_statuses(drawing, executions, run["status"])
    document = {
        "status": run["status"].lower(),
        "took": took(run["started"], run["finished"], time.time()),
        "counts": {k.lower(): v for k, v in run["counts"].items()},
        "steps": {node_id: {"state": s.state, "text": s.text, "reason": s.reason} for node_id, s in statuses.items()},
    }
    return Raw(json.dumps(document).encode(), "application/json")


# ------------------------------------------------------------------ a step


def step_page(store: ReadOnlyStore, run_id: str, step: str, query: dict[str, list[str]]) -> Page | Redirect:
    """The page of one step, named as the `.ptflow` file names it; a URL with its compiled task name (the
    form these pages used before) is sent on to that."""
    run = _run_or_404(store, run_id)
    executions = store.execution_states(run_id)
    drawing = _drawing(run, executions)
    nodes = {node.id: node for node in drawing.picture.nodes()}
    names = _step_names(store, run_id, drawing)
    node_of_name = {name: node_id for node_id, name in names.items()}
    if step not in node_of_name:
        if step in nodes:
            chosen = _first(query, "e")
            return Redirect(step_url(run_id, names[step], _int(chosen, 0) if chosen is not None else None))
        raise NotFound(f"run {run_id} has no step {step!r}")
    node_id = node_of_name[step]
    status = dag.step_statuses(drawing, executions, run["status"])[node_id]
    chosen_id = _int(_first(query, "e"), 0) or None
    ids = [e["id"] for e in status.executions]
    if chosen_id is None and ids:
        running = [e["id"] for e in status.executions if e["status"] in ("RUNNING", "FAILED")]
        chosen_id = running[0] if running else ids[0]
    if chosen_id is not None and chosen_id not in ids:
        raise NotFound(f"execution {chosen_id} is not of step {step!r} in run {run_id}")
    execution = store.execution_with_artifacts(chosen_id) if chosen_id else None
    declared = dag.source_line(drawing.spans.get(node_id))
    if declared:
        declared = (shown_path(declared[0]), *declared[1:])
    return Page(
        "step.html",
        {
            "title": f"{nodes[node_id].title} — {run_id}",
            "run": run,
            "run_url": run_url(run_id),
            "node": nodes[node_id],
            "status": status,
            "declared": declared,
            "iterations": [
                {
                    "id": e["id"],
                    "task": shown_step(e),
                    "state": dag.STATE_OF_STATUS.get(e["status"], e["status"].lower()),
                    "url": step_url(run_id, step, e["id"]),
                    "chosen": e["id"] == chosen_id,
                }
                for e in status.executions
            ]
            if len(status.executions) > 1
            else [],
            "execution": _execution_view(store, run, execution) if execution else None,
            "state_url": f"{run_url(run_id)}/state.json",
            "waiting": status.state == "pending",
        },
    )


def _execution_view(store: ReadOnlyStore, run: dict, execution: dict) -> dict:
    state = dag.STATE_OF_STATUS.get(execution["status"], execution["status"].lower())
    if state == "running" and run["status"] != "RUNNING":
        state = "interrupted"
    cached_from = None
    log_source = execution
    if execution["status"] == "CACHED" and execution["cached_from"]:
        original = store.execution(execution["cached_from"])
        if original is not None:
            cached_from = {
                "run": original["run_id"],
                "task": shown_step(original),
                "url": execution_url(original["id"]),
                "execution": original["id"],
            }
            log_source = original
    attempts = []
    for log in log_source.get("log_ranges") or []:
        text = run_logs.as_text(run_logs.read_range(store.root, log, LOG_TAIL_BYTES)) if log.end is not None else ""
        attempts.append(
            {
                "number": log.attempt,
                "text": text,
                "open": log.end is None,
                "took": took(log.started, log.ended),
                "exit_code": log.exit_code,
                "started": when(log.started),
            }
        )
    whole = run_logs.as_text(store.read_log(log_source, LOG_TAIL_BYTES))
    return {
        "id": execution["id"],
        "task": shown_step(execution),
        "component": execution["component"],
        "state": state,
        "started": when(execution["started"]),
        "took": took(execution["started"], execution["finished"], time.time() if state == "running" else None),
        "attempts": execution.get("attempts") or 0,
        "exit_code": execution.get("exit_code"),
        "error": execution.get("error"),
        "cache_key": execution.get("cache_key"),
        "cached_from": cached_from,
        "inputs": sorted((k, value_text(v)) for k, v in execution["inputs"].items()),
        "outputs": sorted((k, value_text(v)) for k, v in execution["outputs"].items()),
        "input_artifacts": _artifact_items(store, execution["input_artifacts"], render=False),
        "output_artifacts": _artifact_items(store, execution["output_artifacts"], render=True),
        "tensorboard": (
            f"/tensorboard/{quote(run['id'], safe='')}?{urlencode({'step': execution['task']})}"
            if _has_tensorboard_logs(execution)
            else None
        ),
        "log": whole,
        "log_url": f"/executions/{log_source['id']}/log",
        "log_json": f"/executions/{log_source['id']}/log.json",
        "attempt_logs": attempts,
        "live": state == "running",
    }


def _has_tensorboard_logs(execution: dict) -> bool:
    from ptflow.commands.tensorboard import holds_tensorboard_logs

    for found in execution["output_artifacts"].values():
        for artifact in found:
            path = local_path_for_uri(artifact.uri)
            if path and holds_tensorboard_logs(Path(path)):
                return True
    return False


def _artifact_items(store: ReadOnlyStore, artifacts: dict, render: bool) -> list[dict]:
    items = []
    for name, found in sorted(artifacts.items()):
        for artifact in found:
            entry = {
                "name": name,
                "id": artifact.id,
                "type": artifact.schema_title,
                "uri": artifact.uri,
                "url": artifact_url(artifact.id),
            }
            if render:
                entry["view"] = artifact_view(
                    store, artifact.id, artifact.schema_title, artifact.uri, artifact.metadata
                )
            items.append(entry)
    return items


# ------------------------------------------------------------- artifacts


def artifact_view(store: ReadOnlyStore, artifact_id: int, kind: str, uri: str, metadata: dict) -> dict:
    """How an artifact is drawn, the way the KFP UI draws it (template `artifact_view.html` reads this)."""
    view: dict[str, Any] = {"kind": kind, "id": artifact_id}
    path = local_path_for_uri(uri)
    relative = files.relative_to_store(store.root, path) if path else None
    view["file_url"] = f"/files/{quote(relative)}" if relative and path and os.path.isfile(path) else None
    if kind == "system.Metrics" and metadata:
        view["metrics"] = sorted((k, value_text(v)) for k, v in metadata.items())
    if kind in ("system.ClassificationMetrics", "system.SlicedClassificationMetrics") and metadata:
        matrix = charts.confusion_matrix(metadata)
        if matrix:
            view["confusion_svg"] = charts.confusion_matrix_svg(*matrix)
        points = charts.roc_points(metadata)
        if points:
            view["roc_svg"] = charts.roc_svg(points)
    if relative is not None and path and os.path.exists(path):
        real = Path(path)
        if real.is_dir():
            view["listing"] = [
                {"name": name, "size": size, "url": f"/files/{quote(relative + '/' + name)}"}
                for name, size, _ in files.listing(real)
            ]
            shown = _folder_main_file(real)
            if shown is not None:
                real = shown
                rel = files.relative_to_store(store.root, real)
                view["file_url"] = f"/files/{quote(rel)}" if rel else None
        if real.is_file():
            suffix = real.suffix.lower()
            if kind == "system.Markdown" or suffix == ".md":
                view["markdown"] = markdown.render(_read_text(real))
            elif kind == "system.HTML" or suffix in (".html", ".htm"):
                # Served as HTML whatever the file is called (a step writes `page`, not `page.html`).
                view["html_url"] = f"/artifacts/{artifact_id}/content" if real == Path(path) else view["file_url"]
            elif suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"):
                view["image_url"] = view["file_url"]
            elif kind == "system.Markdown":
                view["markdown"] = markdown.render(_read_text(real))
    elif path is None:
        view["remote"] = uri
    return view


def _folder_main_file(folder: Path) -> Path | None:
    """The file a folder artifact is shown by: its only file, or an index.html."""
    entries = [p for p in folder.iterdir() if not p.is_symlink()] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].is_file():
        return entries[0]
    index = folder / "index.html"
    return index if index.is_file() and not index.is_symlink() else None


def _read_text(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read(INLINE_TEXT_BYTES)
    return data.decode("utf-8", "replace")


def artifact_page(store: ReadOnlyStore, artifact_id: int) -> Page:
    artifact = store.artifact(artifact_id)
    if artifact is None:
        raise NotFound(f"no artifact #{artifact_id} in this store")
    lineage = store.lineage(artifact_id)
    producers, consumers = lineage["producers"], lineage["consumers"]
    inputs = []
    for producer in producers[:1]:
        for name, found in sorted(producer["input_artifacts"].items()):
            for item in found:
                inputs.append(
                    {
                        "label": f"#{item.id} {name}",
                        "sublabel": item.schema_title,
                        "href": artifact_url(item.id),
                        "kind": "artifact",
                    }
                )
    columns = [
        column
        for column in (
            inputs,
            [
                {
                    "label": shown_step(e).rsplit("/", 1)[-1],
                    "sublabel": f"run {e['run_id']}",
                    "kind": "execution",
                    "href": execution_url(e["id"]),
                }
                for e in producers
            ],
            [
                {
                    "label": f"#{artifact_id} {artifact['name'] or ''}",
                    "sublabel": artifact["type"] or "",
                    "kind": "artifact",
                    "current": True,
                }
            ],
            [
                {
                    "label": shown_step(e).rsplit("/", 1)[-1],
                    "sublabel": f"run {e['run_id']} as {e['name']}",
                    "kind": "execution",
                    "href": execution_url(e["id"]),
                }
                for e in consumers
            ],
        )
        if column
    ]
    return Page(
        "artifact.html",
        {
            "title": f"Artifact #{artifact_id}",
            "artifact": artifact,
            "metadata": json.dumps(artifact["metadata"], indent=2)[:20000] if artifact["metadata"] else "",
            "view": artifact_view(store, artifact_id, artifact["type"] or "", artifact["uri"], artifact["metadata"]),
            "lineage_svg": charts.lineage_svg(columns),
            "producers": [
                {
                    "task": shown_step(e),
                    "run": e["run_id"],
                    "status": e["status"].lower(),
                    "url": execution_url(e["id"]),
                }
                for e in producers
            ],
            "consumers": [
                {
                    "task": shown_step(e),
                    "run": e["run_id"],
                    "status": e["status"].lower(),
                    "as": e["name"],
                    "url": execution_url(e["id"]),
                }
                for e in consumers
            ],
        },
    )


def artifact_content(store: ReadOnlyStore, artifact_id: int) -> Raw:
    """An artifact's file, typed by its artifact type where the file name says nothing (system.HTML)."""
    artifact = store.artifact(artifact_id)
    if artifact is None:
        raise NotFound(f"no artifact #{artifact_id} in this store")
    path = local_path_for_uri(artifact["uri"])
    relative = files.relative_to_store(store.root, path) if path else None
    if relative is None:
        raise NotFound("this artifact has no file in the store")
    kind = "text/html; charset=utf-8" if artifact["type"] == "system.HTML" else None
    return store_file(store, relative, kind)


def store_file(store: ReadOnlyStore, relative: str, kind: str | None = None) -> Raw:
    path = files.inside_store(store.root, relative)
    if path is None or not path.is_file():
        raise NotFound("no such file in the store")
    headers = {
        "Content-Security-Policy": files.ARTIFACT_CSP,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    kind = kind or files.content_type(path)
    if not kind.startswith(("text/", "image/", "application/json")):
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(path.name)}"
    return Raw(path.read_bytes(), kind, headers)


# -------------------------------------------------------------------- logs


def execution_redirect(store: ReadOnlyStore, execution_id: int) -> Redirect:
    execution = _execution_or_404(store, execution_id)
    run = _run_or_404(store, execution["run_id"])
    executions = store.execution_states(run["id"])
    drawing = _drawing(run, executions)
    node = dag.node_of(execution["task"], {n.id for n in drawing.picture.nodes()})
    if node is None:  # a skipped group: its run's page says so
        return Redirect(run_url(run["id"]))
    return Redirect(step_url(run["id"], _step_names(store, run["id"], drawing)[node], execution_id))


def _execution_or_404(store: ReadOnlyStore, execution_id: int) -> dict:
    execution = store.execution(execution_id)
    if execution is None:
        raise NotFound(f"no execution {execution_id}")
    return execution


def log_text(store: ReadOnlyStore, execution_id: int) -> Raw:
    execution = _execution_or_404(store, execution_id)
    return Raw(store.read_log(execution), "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})


def log_tail(store: ReadOnlyStore, execution_id: int) -> Raw:
    execution = _execution_or_404(store, execution_id)
    run = store.run(execution["run_id"])
    running = execution["status"] == "RUNNING" and run is not None and run["status"] == "RUNNING"
    text = run_logs.as_text(store.read_log(execution, LOG_TAIL_BYTES))
    document = {
        "text": text,
        "running": running,
        "status": execution["status"].lower(),
        "exit_code": execution.get("exit_code"),
    }
    return Raw(json.dumps(document).encode(), "application/json")


# ----------------------------------------------------------------- compare


def compare_page(store: ReadOnlyStore, query: dict[str, list[str]]) -> Page:
    pipeline = (query.get("pipeline") or [""])[0]
    chosen = [r for r in query.get("run", []) if r]
    if not pipeline and chosen:
        first = store.run(chosen[0])
        pipeline = first["pipeline"] if first else ""
    candidates = store.recent_runs_of(pipeline) if pipeline else []
    runs = store.runs_by_id(chosen) if chosen else [r for r in candidates if r["status"] == "SUCCEEDED"][:20]
    runs = [r for r in runs if r["pipeline"] == pipeline] if pipeline else runs
    metrics = {r["id"]: store.final_outputs(r["id"]) for r in runs}
    parameter_names = sorted({name for r in runs for name in r["parameters"]})
    varying = [
        n for n in parameter_names if len({json.dumps(r["parameters"].get(n), sort_keys=True) for r in runs}) > 1
    ]
    metric_names = sorted({name for found in metrics.values() for name in found})
    x = (query.get("x") or [""])[0] or (varying[0] if varying else (parameter_names[0] if parameter_names else ""))
    y = (query.get("y") or [""])[0] or next(
        (m for m in metric_names if m.endswith("accuracy")), metric_names[0] if metric_names else ""
    )
    points = [
        (r["parameters"].get(x), metrics[r["id"]][y], r["id"], run_url(r["id"]))
        for r in runs
        if x in r["parameters"] and y in metrics[r["id"]]
    ]
    chart = (
        charts.scatter_svg(
            [(value_text(p) if not isinstance(p, (int, float)) else p, v, i, u) for p, v, i, u in points], x, y
        )
        if points
        else ""
    )
    return Page(
        "compare.html",
        {
            "title": f"Compare runs of {pipeline}" if pipeline else "Compare runs",
            "pipeline": pipeline,
            "pipelines": store.pipelines(),
            "candidates": candidates[:200],
            "chosen": {r["id"] for r in runs},
            "runs": runs,
            "run_url": run_url,
            "parameters": [
                (n, n in varying, [value_text(r["parameters"][n]) if n in r["parameters"] else "" for r in runs])
                for n in parameter_names
            ],
            "metrics": [(m, [metrics[r["id"]].get(m) for r in runs]) for m in metric_names],
            "x": x,
            "y": y,
            "x_choices": parameter_names,
            "y_choices": metric_names,
            "chart": chart,
        },
    )
