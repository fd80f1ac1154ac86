"""The run store, opened read-only, and the queries the pages need.

`ReadOnlyStore` is a `Store` whose database connection is opened with
SQLite's `mode=ro` URI: any write would fail, and nothing creates folders,
the schema or the WAL switch the runner's `Store()` does.  The reading
methods of `Store` (executions, lineage, logs) are inherited unchanged, so
the page shows exactly what `ptflow show` and `ptflow lineage` print.
A `ptflow run` on the same store keeps writing meanwhile: WAL mode lets this
reader see each committed step without blocking the runner.  Nothing here
writes to the store: not even SQLite's -wal/-shm files (see __init__).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from ptflow.runtime.runner.store import (
    DATABASE,
    Store,
    StoreError,
    _with_log_ranges,
)

RUN_STATES = ("RUNNING", "SUCCEEDED", "FAILED", "INTERRUPTED")


class ReadOnlyStore(Store):
    def __init__(self, root: str | Path):  # not super().__init__(): that creates folders and the schema
        self.root = Path(root).resolve()
        self.runs_dir = self.root / "runs"
        self.artifacts_dir = self.root / "artifacts"
        self.staging_dir = self.artifacts_dir / ".staging"
        database = self.root / DATABASE
        if not database.is_file():
            raise StoreError(f"no run store at {root} (runs are recorded by `ptflow run`)")
        self._lock = threading.RLock()
        self._runner_locks = {}  # this process runs nothing: a run is alive while its runner holds its lock
        # While a runner has the database open its WAL file exists, and a `mode=ro` reader joins it (seeing each
        # committed step).  Without one, `mode=ro` would leave an empty -wal and -shm file behind, a write to the
        # store: `immutable=1` reads the database file alone and creates nothing.  Pages open a store per request,
        # so a runner that starts later is seen by the next request.
        mode = "ro" if Path(f"{database}-wal").exists() else "ro&immutable=1"
        try:
            self._db = sqlite3.connect(
                f"file:{quote(str(database))}?mode={mode}",
                uri=True,
                timeout=10,
                isolation_level=None,
                check_same_thread=False,
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA query_only = ON")
            self._db.execute("SELECT id FROM runs LIMIT 1").fetchall()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{database} is not a ptflow store database: {error}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------- runs list
    def pipelines(self) -> list[str]:
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT pipeline FROM runs ORDER BY pipeline")]

    def page_of_runs(
        self, pipeline: str | None, status: str | None, page: int, per_page: int
    ) -> tuple[list[dict], int]:
        """One page of runs, newest first, and how many runs match the filter.

        A RUNNING run whose runner died shows as INTERRUPTED (decided per row by
        its runner's lock, as `ptflow runs` does, until a runner command records
        it), so those two filters look at the RUNNING and INTERRUPTED rows, which
        are few, one by one; the others are plain SQL.
        """
        where, parameters = [], []
        if pipeline:
            where.append("pipeline = ?")
            parameters.append(pipeline)
        if status in ("RUNNING", "INTERRUPTED"):
            where.append("status IN ('RUNNING', 'INTERRUPTED')")
        elif status:
            where.append("status = ?")
            parameters.append(status)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        offset = max(0, page - 1) * per_page
        with self._lock:
            if status in ("RUNNING", "INTERRUPTED"):
                rows = self._db.execute(
                    f"SELECT id, status, pid, host FROM runs{clause} ORDER BY started DESC", parameters
                ).fetchall()
                wanted = status == "RUNNING"
                matching = [
                    row["id"]
                    for row in rows
                    if (row["status"] == "RUNNING" and self._runner_alive(row["id"], row["pid"], row["host"])) == wanted
                ]
                chosen = [
                    self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
                    for run_id in matching[offset : offset + per_page]
                ]
                return [self._run_view(row) for row in chosen], len(matching)
            total = self._db.execute(f"SELECT COUNT(*) FROM runs{clause}", parameters).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM runs{clause} ORDER BY started DESC LIMIT ? OFFSET ?", [*parameters, per_page, offset]
            ).fetchall()
        return [self._run_view(row) for row in rows], total

    def run(self, run_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return self._run_view(row) if row else None

    def runs_by_id(self, run_ids: list[str]) -> list[dict]:
        found = [self.run(run_id) for run_id in run_ids]
        return [run for run in found if run is not None]

    def recent_runs_of(self, pipeline: str, limit: int = 200) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM runs WHERE pipeline = ? ORDER BY started DESC LIMIT ?", (pipeline, limit)
            ).fetchall()
        return [self._run_view(row) for row in rows]

    # ------------------------------------------------------------ executions
    def execution_states(self, run_id: str) -> list[dict]:
        """The few columns live updates need, for every execution of a run (cheap to poll)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, task, status, started, finished, attempts, cached_from, error FROM executions"
                " WHERE run_id = ? ORDER BY id",
                (run_id,),
            ).fetchall()
        names = self.step_names(run_id)
        return [{**dict(row), "step_names": names} for row in rows]

    def execution_with_artifacts(self, execution_id: int) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM executions WHERE id = ?", (execution_id,)).fetchone()
            if row is None:
                return None
            execution = _with_log_ranges(dict(row))
            execution["step_names"] = self.step_names(execution["run_id"])
            execution["inputs"] = json.loads(execution["inputs"] or "{}")
            execution["outputs"] = json.loads(execution["outputs"] or "{}")
            execution["input_artifacts"] = self._artifacts_of(row["id"], "INPUT")
            execution["output_artifacts"] = self._artifacts_of(row["id"], "OUTPUT")
        return execution

    def artifact(self, artifact_id: int) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
        if row is None:
            return None
        artifact = dict(row)
        artifact["metadata"] = json.loads(artifact["metadata"] or "{}")
        return artifact

    def final_outputs(self, run_id: str) -> dict[str, float]:
        """Scalar metrics of a run: `step.output.key` -> value, from Metrics artifacts and number outputs."""
        with self._lock:
            rows = self._db.execute(
                "SELECT x.task, x.outputs, e.name AS output, a.type, a.metadata FROM executions x"
                " LEFT JOIN events e ON e.execution_id = x.id AND e.kind = 'OUTPUT'"
                " LEFT JOIN artifacts a ON a.id = e.artifact_id"
                " WHERE x.run_id = ? AND x.status IN ('SUCCEEDED', 'CACHED') ORDER BY x.id",
                (run_id,),
            ).fetchall()
        metrics: dict[str, float] = {}
        for row in rows:
            for name, value in json.loads(row["outputs"] or "{}").items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    metrics[f"{row['task']}.{name}"] = value
            if row["type"] == "system.Metrics":
                for key, value in json.loads(row["metadata"] or "{}").items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        metrics[f"{row['task']}.{row['output']}.{key}"] = value
        return metrics
