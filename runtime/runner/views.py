"""Text views of the store for `ptflow runs`, `ptflow show` and `ptflow lineage`."""

from __future__ import annotations

import re
import time
from typing import Any

from ptflow.runtime.runner.artifacts import Artifact
from ptflow.runtime.runner.values import to_text

# The names the KFP lowering gives the groups it adds around steps (compiler/targets/kfp_v2.py `group_names`):
# they are in a task's path in the store, but not in the `.ptflow` file.
_GROUP = re.compile(r"^(?:for-loop|condition-branches|condition|exit-handler)-\d+$")
ITERATION = re.compile(r"\[\d+\]$")
_INDEXES = re.compile(r"(?:\[\d+\])+$")

METRICS_TYPES = ("system.Metrics", "system.ClassificationMetrics", "system.SlicedClassificationMetrics")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = (
        [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
        if rows
        else [len(h) for h in headers]
    )
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [headers, *rows]]
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


def is_group(path_part: str) -> bool:
    """Whether a part of a task path is a group the compiler added (`for-loop-2[1]`, `condition-3`)."""
    return bool(_GROUP.match(ITERATION.sub("", path_part)))


def step_name(task_path: str, names: dict[str, str] | None = None) -> str:
    """A task as the user named it in the `.ptflow` file: the compiler's groups left out of its path.

    `exit-handler-1/summary` -> `summary`; `condition-1/condition-branches-2/train` -> `train`; a nested
    pipeline's step keeps the call's name (`inner/train`); a loop's iterations keep their index, on the
    step (`for-loop-2[1]/train` -> `train[1]`), so each execution has a name of its own.  `names` (the
    run's `step_names`) gives each compiled name its spelling in the file: `final-summary` -> `final_summary`.
    """
    names = names or {}
    parts, indexes = [], ""
    for part in task_path.split("/"):
        if is_group(part):
            match = ITERATION.search(part)
            indexes += match.group(0) if match else ""
        else:
            parts.append(names.get(part, part))
    if not parts:  # a group itself (a skipped `if`): `if (line 12)` from `names`, else its compiled name
        group = task_path.rsplit("/", 1)[-1]
        return names.get(group, group)
    return "/".join(parts) + indexes


def shown_step(execution: dict) -> str:
    """An execution's step as the `.ptflow` file names it (see step_name)."""
    return step_name(execution["task"], execution.get("step_names"))


class AmbiguousStep(LookupError):
    """A step name that fits several executions of a run (a loop's iterations, nested pipelines)."""

    def __init__(self, name: str, candidates: list[dict]):
        self.name = name
        self.candidates = candidates
        listed = ", ".join(f"`{shown_step(e)}` ({e['task']})" for e in candidates)
        super().__init__(f"`{name}` names {len(candidates)} steps of this run: {listed}; name one of them")


def find_steps(executions: list[dict], name: str) -> list[dict]:
    """The executions a step name given on the command line means, most specific spelling first.

    Accepted: the compiled task path, the name `ptflow show` prints (`train[1]`, `inner/train`), or the
    step's own name from the `.ptflow` file (`train`), which may fit several executions.  Task names are
    Kubernetes names (`final_summary` is compiled to `final-summary`): either spelling is accepted.
    """
    spellings = {name, name.replace("_", "-")}
    for spelling in (
        lambda e: e["task"],
        shown_step,
        lambda e: step_name(e["task"]),  # the compiled spelling, groups left out (`crash-now`)
        lambda e: _INDEXES.sub("", shown_step(e)),
        lambda e: _INDEXES.sub("", step_name(e["task"])),
        lambda e: _INDEXES.sub("", shown_step(e)).rsplit("/", 1)[-1],
        lambda e: _INDEXES.sub("", step_name(e["task"])).rsplit("/", 1)[-1],
    ):
        found = [e for e in executions if spelling(e) in spellings]
        if found:
            return found
    return []


def find_step(executions: list[dict], name: str) -> dict | None:
    """The one execution a step name means; None when there is none; AmbiguousStep when there are several.

    The same task recorded twice (the last record is the one that counts) is one step, not several.
    """
    found = find_steps(executions, name)
    if len({e["task"] for e in found}) > 1:
        raise AmbiguousStep(name, list({e["task"]: e for e in found}.values()))
    return found[-1] if found else None


def runs_view(runs: list[dict]) -> str:
    if not runs:
        return "no runs in this store\n"
    rows = [
        [
            r["id"],
            r["pipeline"],
            r["status"].lower(),
            when(r["started"]),
            duration(r["started"], r["finished"]),
            counts_text(r["counts"]),
        ]
        for r in runs
    ]
    return table(["RUN", "PIPELINE", "STATUS", "STARTED", "TOOK", "STEPS"], rows)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _value(value: Any) -> str:
    return _short(to_text(value) if not isinstance(value, str) else repr(value))


def _outputs(execution: dict) -> str:
    parts = [f"{name}={_value(v)}" for name, v in sorted(execution["outputs"].items())]
    for name, artifacts in sorted(execution["output_artifacts"].items()):
        parts.append(f"{name}=#{artifacts[0].id}" if len(artifacts) == 1 else f"{name}=[{len(artifacts)}]")
    return " ".join(parts)


def run_view(
    run: dict, executions: list[dict], cache_sources: dict[int, str], log_tails: dict[int, list[str]] | None = None
) -> str:
    """The run, a table of its steps, its metrics, and for each failed step its error and the end of its log."""
    out = [
        f"run       {run['id']}",
        f"pipeline  {run['pipeline']}" + (f" ({run['source']})" if run.get("source") else ""),
        f"status    {run['status'].lower()}",
        f"started   {when(run['started'])}, took {duration(run['started'], run['finished'])}",
    ]
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
        rows.append(
            [
                shown_step(execution),
                status,
                duration(execution["started"], execution["finished"]) if execution["status"] != "CACHED" else "-",
                str(attempts) if attempts > 1 else "",
                _outputs(execution),
            ]
        )
    out.append(table(["STEP", "STATUS", "TOOK", "TRIES", "OUTPUTS (#artifact id)"], rows).rstrip("\n"))
    metrics = _metrics(executions)
    if metrics:
        out += ["", "metrics"]
        out += [
            f"  {task} {name}: {', '.join(f'{k}={_short(to_text(v))}' for k, v in sorted(meta.items()))}"
            for task, name, meta in metrics
        ]
    for execution in executions:
        if execution["status"] == "SKIPPED" and execution.get("error"):
            out += ["", f"{shown_step(execution)} skipped: {execution['error']}"]
    failed = [e for e in executions if e["status"] == "FAILED"]
    for execution in failed:
        name = shown_step(execution)
        out += ["", f"{name} failed: {execution.get('error') or ''}"]
        tail = (log_tails or {}).get(execution["id"])
        if tail:
            out.append(f"  last lines of its log (all of it: ptflow show {run['id']} --log {name}):")
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
                    found.append((shown_step(execution), name, artifact.metadata))
    return found


def _artifact_line(artifact: Artifact) -> str:
    return f"#{artifact.id} {artifact.schema_title} {artifact.uri}"


def lineage_view(artifact: dict, lineage: dict) -> str:
    out = [
        f"artifact  #{artifact['id']} {artifact['name']} ({artifact['type']})",
        f"uri       {artifact['uri']}",
        f"digest    {artifact.get('digest') or '-'}",
    ]
    if artifact.get("metadata") and artifact["metadata"] != "{}":
        out.append(f"metadata  {artifact['metadata']}")
    producers = lineage["producers"]
    out += ["", "produced by"]
    if not producers:
        out.append("  (nothing recorded)")
    for execution in producers:
        out.append(
            f"  {shown_step(execution)} in run {execution['run_id']} ({execution['status'].lower()}, "
            f"component {execution['component']})"
        )
        for name, value in sorted(execution["inputs"].items()):
            out.append(f"    input {name} = {_value(value)}")
        for name, artifacts in sorted(execution["input_artifacts"].items()):
            for item in artifacts:
                out.append(f"    input {name} = {_artifact_line(item)}")
    out += ["", "consumed by"]
    if not lineage["consumers"]:
        out.append("  (nothing yet)")
    for execution in lineage["consumers"]:
        out.append(
            f"  {shown_step(execution)} in run {execution['run_id']} as `{execution['name']}` "
            f"({execution['status'].lower()})"
        )
    return "\n".join(out) + "\n"


def execution_json(execution: dict) -> dict:
    return {
        "step": shown_step(execution),  # as the .ptflow file names it
        "task": execution["task"],  # the compiled task path, compiler groups included
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
    return [
        {
            "attempt": r.attempt,
            "file": r.file,
            "start": r.start,
            "end": r.end,
            "started": r.started,
            "ended": r.ended,
            "exit_code": r.exit_code,
        }
        for r in ranges
    ]


def _artifact_json(artifact: Artifact) -> dict:
    return {
        "id": artifact.id,
        "name": artifact.name,
        "type": artifact.schema_title,
        "uri": artifact.uri,
        "metadata": artifact.metadata,
    }
