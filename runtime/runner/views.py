"""Text views of the store for `ptflow runs`, `ptflow show` and `ptflow lineage`."""

from __future__ import annotations

import time
from typing import Any

from ptflow.runtime.runner.artifacts import Artifact
from ptflow.runtime.runner.values import to_text

METRICS_TYPES = ("system.Metrics", "system.ClassificationMetrics", "system.SlicedClassificationMetrics")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)] if rows else \
        [len(h) for h in headers]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines) + "\n"


def when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else "-"


def duration(start: float | None, end: float | None) -> str:
    if not start or not end:
        return "-"
    seconds = end - start
    return f"{seconds:.2f}s" if seconds < 60 else f"{int(seconds // 60)}m{seconds % 60:04.1f}s"


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state.lower().replace('_', ' ')}" for state, n in sorted(counts.items()))


def runs_view(runs: list[dict]) -> str:
    if not runs:
        return "no runs in this store\n"
    rows = [[r["id"], r["pipeline"], r["status"].lower(), when(r["started"]), duration(r["started"], r["finished"]),
             counts_text(r["counts"])] for r in runs]
    return table(["RUN", "PIPELINE", "STATUS", "STARTED", "TOOK", "STEPS"], rows)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _value(value: Any) -> str:
    return _short(to_text(value) if not isinstance(value, str) else repr(value))


def _outputs(execution: dict) -> str:
    parts = [f"{name}={_value(v)}" for name, v in sorted(execution["outputs"].items())]
    for name, artifacts in sorted(execution["output_artifacts"].items()):
        parts.append(f"{name}=#{artifacts[0].id}" if len(artifacts) == 1 else f"{name}=[{len(artifacts)}]")
    return " ".join(parts)


def run_view(run: dict, executions: list[dict], cache_sources: dict[int, str],
             log_tails: dict[int, list[str]] | None = None) -> str:
    """The run, a table of its steps, its metrics, and for each failed step its error and the end of its log."""
    out = [f"run       {run['id']}",
           f"pipeline  {run['pipeline']}" + (f" ({run['source']})" if run.get("source") else ""),
           f"status    {run['status'].lower()}",
           f"started   {when(run['started'])}, took {duration(run['started'], run['finished'])}"]
    if run["parameters"]:
        out.append("params    " + " ".join(f"{k}={to_text(v)}" for k, v in sorted(run["parameters"].items())))
    if run.get("error"):
        out.append(f"error     {run['error']}")
    out.append("")
    rows = []
    for execution in executions:
        status = execution["status"].lower()
        if execution["status"] == "CACHED":
            status += f" ({cache_sources.get(execution['cached_from'], '?')})"
        attempts = execution.get("attempts") or 0
        rows.append([execution["task"], status,
                     duration(execution["started"], execution["finished"]) if execution["status"] != "CACHED" else "-",
                     str(attempts) if attempts > 1 else "", _outputs(execution)])
    out.append(table(["STEP", "STATUS", "TOOK", "TRIES", "OUTPUTS (#artifact id)"], rows).rstrip("\n"))
    metrics = _metrics(executions)
    if metrics:
        out += ["", "metrics"]
        out += [f"  {task} {name}: {', '.join(f'{k}={_short(to_text(v))}' for k, v in sorted(meta.items()))}"
                for task, name, meta in metrics]
    failed = [e for e in executions if e["status"] == "FAILED"]
    for execution in failed:
        out += ["", f"{execution['task']} failed: {execution.get('error') or ''}"]
        tail = (log_tails or {}).get(execution["id"])
        if tail:
            out.append(f"  last lines of its log (all of it: ptflow show {run['id']} --log {execution['task']}):")
            out += [f"  | {line}" for line in tail]
    if run.get("outputs"):
        out += ["", "outputs"] + [f"  {k} = {to_text(v)}" for k, v in sorted(run["outputs"].items())]
    return "\n".join(out) + "\n"


def _metrics(executions: list[dict]) -> list[tuple[str, str, dict]]:
    found = []
    for execution in executions:
        for name, artifacts in sorted(execution["output_artifacts"].items()):
            for artifact in artifacts:
                if artifact.schema_title in METRICS_TYPES and artifact.metadata:
                    found.append((execution["task"], name, artifact.metadata))
    return found


def _artifact_line(artifact: Artifact) -> str:
    return f"#{artifact.id} {artifact.schema_title} {artifact.uri}"


def lineage_view(artifact: dict, lineage: dict) -> str:
    out = [f"artifact  #{artifact['id']} {artifact['name']} ({artifact['type']})",
           f"uri       {artifact['uri']}",
           f"digest    {artifact.get('digest') or '-'}"]
    if artifact.get("metadata") and artifact["metadata"] != "{}":
        out.append(f"metadata  {artifact['metadata']}")
    producers = lineage["producers"]
    out += ["", "produced by"]
    if not producers:
        out.append("  (nothing recorded)")
    for execution in producers:
        out.append(f"  {execution['task']} in run {execution['run_id']} ({execution['status'].lower()}, "
                   f"component {execution['component']})")
        for name, value in sorted(execution["inputs"].items()):
            out.append(f"    input {name} = {_value(value)}")
        for name, artifacts in sorted(execution["input_artifacts"].items()):
            for item in artifacts:
                out.append(f"    input {name} = {_artifact_line(item)}")
    out += ["", "consumed by"]
    if not lineage["consumers"]:
        out.append("  (nothing yet)")
    for execution in lineage["consumers"]:
        out.append(f"  {execution['task']} in run {execution['run_id']} as `{execution['name']}` "
                   f"({execution['status'].lower()})")
    return "\n".join(out) + "\n"


def execution_json(execution: dict) -> dict:
    return {
        "task": execution["task"],
        "status": execution["status"],
        "component": execution["component"],
        "started": execution["started"],
        "finished": execution["finished"],
        "attempts": execution["attempts"],
        "exit_code": execution["exit_code"],
        "cached_from": execution["cached_from"],
        "uuid": execution["uuid"],
        "log": _log_json(execution),
        "error": execution["error"],
        "inputs": execution["inputs"],
        "outputs": execution["outputs"],
        "input_artifacts": {k: [_artifact_json(a) for a in v] for k, v in execution["input_artifacts"].items()},
        "output_artifacts": {k: [_artifact_json(a) for a in v] for k, v in execution["output_artifacts"].items()},
    }


def _log_json(execution: dict) -> list[dict]:
    """Where the step's log is: per attempt, a byte range of a lane file (relative to the store)."""
    ranges = execution.get("log_ranges") or []
    if not ranges and execution.get("log"):  # a store from before lane files: one file per execution
        return [{"attempt": None, "file": execution["log"], "start": 0, "end": None}]
    return [{"attempt": r.attempt, "file": r.file, "start": r.start, "end": r.end, "started": r.started,
             "ended": r.ended, "exit_code": r.exit_code} for r in ranges]


def _artifact_json(artifact: Artifact) -> dict:
    return {"id": artifact.id, "name": artifact.name, "type": artifact.schema_title, "uri": artifact.uri,
            "metadata": artifact.metadata}

