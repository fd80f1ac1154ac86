"""The local store: artifacts on disk and an SQLite record of runs, executions, artifacts and events.

Layout of a store directory (`.ptflow/` by default):

    ptflow.db                    runs, executions, artifacts, events (ML Metadata's model)
    ptflow.lock                  held while a runner opens the database (see _opening_lock)
    ptflow.reserve               disk space kept for recording a run's failure on a full disk (release_reserve)
    runs/<run>/runner.lock       locked by the runner while it runs the run (see RunnerLock), then removed
    runs/<run>/lane-<n>.log      what the steps run in lane n printed (see logs.py)
    runs/<run>/lane-<n>/         the working directory of the steps run in lane n
    runs/<run>/<execution>.*     a step's output parameter files and executor output file
    artifacts/<execution>/<name> output artifacts, moved here from artifacts/.staging/ on success

A run makes its folder once and a log file and folder per lane, never a file
or folder per step (except the staging folder of a step that has output
artifacts): on a VM's disk each costs 0.3-0.4 ms, more than the runner's other
per-step work.

The database is in WAL mode with a busy timeout, so several runners can share
one store; each execution is committed on its own, so a runner killed at any
point leaves finished steps recorded and unfinished ones visibly unfinished.
`synchronous = NORMAL` is enough for that: in WAL mode a commit that a killed
process made is never lost or torn; only a crash of the machine itself can
lose the last commits, never corrupt the database.  Artifacts are written
under a staging name and renamed into place before the execution that made
them is committed, so the database never points at a half-written file.

A run whose runner died (SIGKILL, a crash, the machine's power) stays
RUNNING in the database; the runner's lock on `runs/<run>/runner.lock` was
released by the kernel when it died, so whoever opens the store next (`ptflow
run`, `runs`, `show`) records such runs and their unfinished steps as
INTERRUPTED and removes what those steps had staged.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptflow.runtime.runner import logs
from ptflow.runtime.runner.artifacts import Artifact, content_digest, fingerprint, local_path_for_uri
from ptflow.runtime.runner.logs import LogRange, ranges_from_json, ranges_to_json
from ptflow.runtime.runner.views import find_step

DATABASE = "ptflow.db"
BUSY_TIMEOUT_MS = 60_000
RESERVE = "ptflow.reserve"
RESERVE_BYTES = 512 * 1024
LARGE_VALUE_BYTES = 4096
_LARGE_VALUE = "$ptflow-large-value"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    source TEXT,
    spec_digest TEXT,
    parameters TEXT,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    pid INTEGER,
    host TEXT,
    outputs TEXT,
    error TEXT,
    step_names TEXT
);
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL REFERENCES runs(id),
    task TEXT NOT NULL,
    component TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    cache_key TEXT,
    cached_from INTEGER,
    started REAL,
    finished REAL,
    attempts INTEGER DEFAULT 0,
    exit_code INTEGER,
    log TEXT,
    inputs TEXT,
    outputs TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status);
CREATE INDEX IF NOT EXISTS executions_by_cache_key ON executions(cache_key, status);
CREATE INDEX IF NOT EXISTS executions_by_run ON executions(run_id);
CREATE TABLE IF NOT EXISTS artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uri TEXT NOT NULL,
    name TEXT,
    type TEXT,
    type_version TEXT,
    metadata TEXT,
    digest TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    created REAL
);
CREATE INDEX IF NOT EXISTS artifacts_by_uri ON artifacts(uri);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id INTEGER NOT NULL REFERENCES executions(id),
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_by_artifact ON events(artifact_id);
CREATE INDEX IF NOT EXISTS events_by_execution ON events(execution_id);
CREATE TABLE IF NOT EXISTS large_values (
    digest TEXT PRIMARY KEY,
    json TEXT NOT NULL
);
"""
# `runs.parameters`, `runs.outputs`, `executions.inputs` and `executions.outputs` are JSON objects of values; a
# value whose JSON is LARGE_VALUE_BYTES or more is kept once in `large_values`, by its digest, and written in its
# place as {"$ptflow-large-value": DIGEST} (see _pack): a 50 MB parameter passed to ten steps is stored once,
# not eleven times.
# `runs.step_names` maps the compiled name of each task to the step's name in the `.ptflow` file
# ({"final-summary": "final_summary"}), so views show the user's spelling; NULL for a run of compiled IR.
# `executions.log` holds where an execution's log is: a JSON list of byte ranges of lane files, one per attempt
# that started a process (logs.LogRange); stores written before lane files hold the path of a log file there.

# Execution states.
RUNNING, SUCCEEDED, FAILED, CACHED, SKIPPED, NOT_RUN = "RUNNING", "SUCCEEDED", "FAILED", "CACHED", "SKIPPED", "NOT_RUN"
# A run stopped by a signal (Ctrl-C, SIGTERM, SIGHUP), or whose runner died, and its unfinished steps.
INTERRUPTED = "INTERRUPTED"
RUNNER_LOCK = "runner.lock"


class AmbiguousRun(LookupError):
    """A run-id prefix that matches more than one run."""

    def __init__(self, reference: str, runs: list[dict]):
        self.reference = reference
        self.runs = runs
        listed = ", ".join(f"{run['id']} ({run['pipeline']})" for run in runs[:10])
        more = f" and {len(runs) - 10} more" if len(runs) > 10 else ""
        super().__init__(f"`{reference}` is the start of {len(runs)} run ids: {listed}{more}; give more of the id")


class StoreError(Exception):
    """The store can't be used: not a directory, a database that isn't ours, a path that escapes it."""


class StoreFull(StoreError):
    """The file system of the store has no space left (or the user's quota on it is used up)."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        free = _free_bytes(self.path)
        where = f"the file system at {_mount_point(self.path)}"
        shown = f"{where} has {free:,} bytes free" if free is not None else f"{where} is full"
        super().__init__(
            f"the store's disk is full: could not write {self.path} ({shown}); free space there, "
            "or run with --store DIR on another disk"
        )


SQLITE_FULL = 13


def is_disk_full(error: BaseException) -> bool:
    """Whether an error says the disk (or the quota) is full: ENOSPC, EDQUOT, or SQLite's SQLITE_FULL."""
    if isinstance(error, StoreFull):
        return True
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return getattr(error, "sqlite_errorcode", None) == SQLITE_FULL or "database or disk is full" in str(error)
    return False


def full_error(error: BaseException, database: Path) -> StoreFull:
    """The StoreFull for a disk-full error: the file it could not write (the database's, for SQLite)."""
    if isinstance(error, StoreFull):
        return error
    if isinstance(error, OSError) and error.filename:
        return StoreFull(error.filename)
    return StoreFull(database)


def _mount_point(path: str) -> str:
    folder = os.path.abspath(path)
    while not os.path.ismount(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _free_bytes(path: str) -> int | None:
    folder = path
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    try:
        status = os.statvfs(folder or ".")
    except (OSError, AttributeError):
        return None
    return status.f_bavail * status.f_frsize


@dataclass
class CachedResult:
    execution_id: int
    run_id: str
    parameters: dict[str, Any]
    artifacts: dict[str, list[Artifact]]


class Store:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.runs_dir = self.root / "runs"
        self.artifacts_dir = self.root / "artifacts"
        self.staging_dir = self.artifacts_dir / ".staging"
        try:
            for folder in (self.root, self.runs_dir, self.artifacts_dir, self.staging_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the store at {self.root}: {error.strerror or error}") from None
        self._lock = threading.RLock()
        self._runner_locks: dict[str, RunnerLock] = {}  # the runs this process is running
        try:
            with _opening_lock(self.root):
                self._open_database()
        except sqlite3.DatabaseError as error:
            # Opening a WAL database creates its -wal and -shm files: on a full disk that is an "I/O error".
            if is_disk_full(error) or ("disk I/O error" in str(error) and (_free_bytes(str(self.root)) or 0) < 65536):
                raise StoreFull(self.root / DATABASE) from None
            raise StoreError(f"{self.root / DATABASE} is not a ptflow store database: {error}") from None
        self._keep_reserve()
        self.record_dead_runners()

    # ---------------------------------------------------------- a full disk
    def _keep_reserve(self) -> None:
        """Make sure the reserve file exists, if there is room for it (see release_reserve)."""
        reserve = self.root / RESERVE
        if reserve.exists():
            return
        try:
            with open(reserve, "wb") as handle:
                try:
                    os.posix_fallocate(handle.fileno(), 0, RESERVE_BYTES)
                except (AttributeError, OSError):  # no fallocate here (or not on this file system): write it
                    handle.write(bytes(RESERVE_BYTES))
        except OSError:  # no room for it now; the next store opened with room makes it
            try:
                reserve.unlink()
            except OSError:
                pass

    def release_reserve(self) -> bool:
        """Delete the reserve file, so that a full disk has room to record how the run ended; whether it was there.

        The store keeps RESERVE_BYTES of its disk allocated in `ptflow.reserve`: when the disk fills up, SQLite
        can't commit anything, not even the run's failure, until some space is freed.
        """
        try:
            (self.root / RESERVE).unlink()
            return True
        except OSError:
            return False

    def discard_staged(self, run_id: str) -> None:
        """Remove what the run's unfinished steps staged (their outputs will never be published)."""
        with self._lock:
            steps = [
                row["uuid"]
                for row in self._db.execute(
                    "SELECT uuid FROM executions WHERE run_id = ? AND status = ?", (run_id, RUNNING)
                ).fetchall()
            ]
        for step in steps:
            for staged in self.staging_dir.glob(f"{step}-*"):
                shutil.rmtree(staged, ignore_errors=True)

    def fail_run(self, run_id: str, error: str) -> None:
        """Record a run and its unfinished steps as FAILED with `error`, in one transaction."""
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "UPDATE executions SET status = ?, finished = ?, error = COALESCE(error, ?)"
                " WHERE run_id = ? AND status = ?",
                (FAILED, now, error, run_id, RUNNING),
            )
            db.execute("UPDATE runs SET status = ?, finished = ?, error = ? WHERE id = ?", (FAILED, now, error, run_id))
        self._release_runner_lock(run_id)

    def _open_database(self) -> None:
        """Connect, switch to WAL and create the schema if it is missing.

        Two runners opening a fresh store at once both try to switch the new
        file to WAL; SQLite answers one of them "database is locked" at once,
        without waiting on the busy timeout (the switch needs an exclusive
        lock while the reader holds a shared one).  So opening is serialized
        across processes by `_opening_lock`; afterwards the busy timeout is
        enough.
        """
        self._db = sqlite3.connect(
            self.root / DATABASE, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA synchronous = NORMAL")  # first, so creating a store syncs less
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._create_schema()

    def _create_schema(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                # A store made before a column was added: add it (older runs read it as NULL).
                columns = {row["name"] for row in self._db.execute("PRAGMA table_info(runs)")}
                if "step_names" not in columns:
                    self._db.execute("ALTER TABLE runs ADD COLUMN step_names TEXT")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    class _Transaction:
        def __init__(self, store: Store):
            self.store = store

        def __enter__(self):
            self.store._lock.acquire()
            self.store._db.execute("BEGIN IMMEDIATE")
            return self.store._db

        def __exit__(self, kind, error, traceback):
            db = self.store._db
            try:
                if kind is None:
                    try:
                        db.execute("COMMIT")
                    except sqlite3.OperationalError as failed:
                        if db.in_transaction:
                            db.execute("ROLLBACK")
                        if is_disk_full(failed):
                            raise StoreFull(self.store.root / DATABASE) from failed
                        raise
                elif db.in_transaction:  # SQLite may have rolled back already (a full disk mid-statement)
                    db.execute("ROLLBACK")
            finally:
                self.store._lock.release()
            if error is not None and is_disk_full(error) and not isinstance(error, StoreFull):
                raise StoreFull(self.store.root / DATABASE) from error
            return False

    def _transaction(self) -> _Transaction:
        return Store._Transaction(self)

    def _write(self, sql: str, parameters: tuple) -> sqlite3.Cursor:
        """One statement as its own transaction.

        SQLite runs a lone write statement in autocommit mode as a write
        transaction from its start (waiting on the busy timeout like BEGIN
        IMMEDIATE), so this is as safe as a transaction around it, and costs
        two statements fewer, which matters twice per step.
        """
        with self._lock:
            try:
                return self._db.execute(sql, parameters)
            except sqlite3.OperationalError as error:
                if is_disk_full(error):
                    raise StoreFull(self.root / DATABASE) from error
                raise

    def _write_with(self, large: dict[str, str], sql: str, parameters: tuple) -> sqlite3.Cursor:
        """One statement, in a transaction with the large values it refers to when there are any."""
        if not large:
            return self._write(sql, parameters)
        with self._transaction() as db:
            _save_large_values(db, large)
            return db.execute(sql, parameters)

    def _unpack(self, text: str | None) -> dict:
        """A JSON object of values as stored, with its large values read back in place of their references."""
        values = json.loads(text or "{}")
        for name, value in values.items():
            if isinstance(value, dict) and set(value) == {_LARGE_VALUE}:
                with self._lock:
                    row = self._db.execute(
                        "SELECT json FROM large_values WHERE digest = ?", (value[_LARGE_VALUE],)
                    ).fetchone()
                values[name] = json.loads(row["json"]) if row else None
        return values

    def close(self) -> None:
        for lock in self._runner_locks.values():
            lock.release()
        self._runner_locks.clear()
        # The last connection to close checkpoints the WAL and removes it; doing that under the
        # opening lock keeps it from racing another runner's WAL switch.
        with self._lock, _opening_lock(self.root):
            self._db.close()

    # ------------------------------------------------------------------ paths
    def inside(self, path: str | os.PathLike) -> bool:
        """Whether `path` (after resolving links and `..`) lies inside the store."""
        resolved = Path(os.path.realpath(path))
        return resolved == self.root or self.root in resolved.parents

    def run_dir(self, run_id: str) -> Path:
        """The run's folder, made once per run: lanes, output files, executor outputs."""
        folder = self.runs_dir / run_id
        folder.mkdir(exist_ok=True)
        return folder

    def staging_for(self, execution_uuid: str, attempt: int) -> Path:
        """A fresh folder for one attempt's output artifacts."""
        folder = self.staging_dir / f"{execution_uuid}-{attempt}"
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def final_for(self, execution_uuid: str) -> Path:
        return self.artifacts_dir / execution_uuid

    def publish(self, staging: Path, execution_uuid: str) -> Path:
        """Move an attempt's staged outputs to their final place in one rename."""
        final = self.final_for(execution_uuid)
        if final.exists():  # an earlier attempt of the same execution got this far
            shutil.rmtree(final)
        os.rename(staging, final)
        return final

    # ------------------------------------------------------------------- runs
    def start_run(
        self, pipeline: str, source: str, spec_digest: str, parameters: dict, step_names: dict | None = None
    ) -> str:
        """Record a new run as RUNNING, its runner lock held by this process from before the record exists."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_id = f"{_slug(pipeline)}-{stamp}-{uuid.uuid4().hex[:6]}"
        try:
            self._runner_locks[run_id] = RunnerLock.hold(self.run_dir(run_id) / RUNNER_LOCK)
        except OSError as error:
            if is_disk_full(error):
                raise full_error(error, self.root / DATABASE) from None
            raise
        packed, large = _pack(parameters)
        with self._transaction() as db:
            _save_large_values(db, large)
            db.execute(
                "INSERT INTO runs (id, pipeline, source, spec_digest, parameters, status, started, pid, host,"
                " step_names) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    pipeline,
                    source,
                    spec_digest,
                    packed,
                    RUNNING,
                    time.time(),
                    os.getpid(),
                    socket.gethostname(),
                    json.dumps(step_names) if step_names else None,
                ),
            )
        return run_id

    def finish_run(self, run_id: str, status: str, outputs: dict | None = None, error: str | None = None) -> None:
        packed, large = _pack(outputs or {})
        with self._transaction() as db:
            _save_large_values(db, large)
            db.execute(
                "UPDATE runs SET status = ?, finished = ?, outputs = ?, error = ? WHERE id = ?",
                (status, time.time(), packed, error, run_id),
            )
        self._release_runner_lock(run_id)

    def interrupt_run(self, run_id: str, reason: str) -> None:
        """Record a run and its unfinished steps as INTERRUPTED, in one transaction."""
        with self._transaction() as db:
            self._interrupt(db, run_id, reason)
        self._release_runner_lock(run_id)

    def _interrupt(self, db, run_id: str, reason: str) -> list[str]:
        """Mark the run's RUNNING steps and the run INTERRUPTED; the uuids of those steps."""
        now = time.time()
        steps = [
            row["uuid"]
            for row in db.execute(
                "SELECT uuid FROM executions WHERE run_id = ? AND status = ?", (run_id, RUNNING)
            ).fetchall()
        ]
        db.execute(
            "UPDATE executions SET status = ?, finished = ?, error = COALESCE(error, ?)"
            " WHERE run_id = ? AND status = ?",
            (INTERRUPTED, now, reason, run_id, RUNNING),
        )
        db.execute(
            "UPDATE runs SET status = ?, finished = ?, error = ? WHERE id = ?", (INTERRUPTED, now, reason, run_id)
        )
        return steps

    def _release_runner_lock(self, run_id: str) -> None:
        """After the run's end is committed: a finished run needs no lock file (one who looked sees it ended)."""
        lock = self._runner_locks.pop(run_id, None)
        if lock is not None:
            lock.release()
            try:
                os.unlink(self.runs_dir / run_id / RUNNER_LOCK)
            except OSError:
                pass

    def record_dead_runners(self) -> list[str]:
        """Record the RUNNING runs whose runner is gone (and their RUNNING steps) as INTERRUPTED; their ids.

        What their unfinished steps staged is removed.  A store that can't be written (read-only, a full
        disk) is left as it is: reading it still shows those runs as INTERRUPTED (see _run_view).
        """
        with self._lock:
            rows = self._db.execute("SELECT id, pid, host FROM runs WHERE status = ?", (RUNNING,)).fetchall()
        dead = [row for row in rows if not self._runner_alive(row["id"], row["pid"], row["host"])]
        recorded: list[str] = []
        for row in dead:
            reason = f"interrupted: its runner (pid {row['pid']} on {row['host']}) ended without finishing it"
            try:
                with self._transaction() as db:
                    still_running = db.execute(
                        "SELECT 1 FROM runs WHERE id = ? AND status = ?", (row["id"], RUNNING)
                    ).fetchone()
                    steps = self._interrupt(db, row["id"], reason) if still_running else []
            except sqlite3.OperationalError:
                return recorded
            for step in steps:
                for staged in self.staging_dir.glob(f"{step}-*"):
                    shutil.rmtree(staged, ignore_errors=True)
            recorded.append(row["id"])
        return recorded

    def _runner_alive(self, run_id: str, pid: int | None, host: str | None) -> bool:
        if run_id in self._runner_locks:
            return True  # this process runs it
        if host != socket.gethostname():
            return True  # another machine's runner (a shared folder): can't tell from here; trust the record
        lock_file = self.runs_dir / run_id / RUNNER_LOCK
        if lock_file.exists():
            return RunnerLock.is_held(lock_file)
        return _process_alive(pid)  # a run recorded before runner locks

    def runs(self, limit: int) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM runs ORDER BY started DESC LIMIT ?", (limit,)).fetchall()
        return [self._run_view(row) for row in rows]

    def find_run(self, reference: str) -> dict | None:
        """A run by id, unique id prefix, or `latest`; None when nothing matches.

        Raises AmbiguousRun when the prefix matches several runs: saying "no run"
        then would send the user looking for a run that is there.
        """
        with self._lock:
            if reference in ("latest", "last"):
                row = self._db.execute("SELECT * FROM runs ORDER BY started DESC LIMIT 1").fetchone()
                return self._run_view(row) if row else None
            rows = self._db.execute(
                "SELECT * FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started DESC", (len(reference), reference)
            ).fetchall()
        exact = [r for r in rows if r["id"] == reference]
        if exact:
            return self._run_view(exact[0])
        if len(rows) > 1:
            raise AmbiguousRun(reference, [self._run_view(row) for row in rows])
        return self._run_view(rows[0]) if rows else None

    def _run_view(self, row: sqlite3.Row) -> dict:
        run = dict(row)
        run["parameters"] = self._unpack(run["parameters"])
        run["outputs"] = self._unpack(run["outputs"])
        # Stored as JSON text (a store opened read-only may predate the column): `ptflow show --json` gives the map.
        run["step_names"] = json.loads(run["step_names"]) if run.get("step_names") else {}
        if run["status"] == RUNNING and not self._runner_alive(run["id"], run.get("pid"), run.get("host")):
            run["status"] = INTERRUPTED
        with self._lock:
            counts = self._db.execute(
                "SELECT status, COUNT(*) AS n FROM executions WHERE run_id = ? GROUP BY status", (run["id"],)
            ).fetchall()
        run["counts"] = {r["status"]: r["n"] for r in counts}
        return run

    # ------------------------------------------------------------- executions
    def start_execution(
        self,
        run_id: str,
        task: str,
        component: str,
        kind: str,
        cache_key: str | None,
        inputs: dict,
        execution_uuid: str | None = None,
        *,
        attempts: int = 1,
        logs: list[LogRange] | None = None,
    ) -> tuple[int, str]:
        """Record a step about to run (RUNNING), with where its log starts, in one transaction."""
        execution_uuid = execution_uuid or uuid.uuid4().hex
        packed, large = _pack(inputs)
        cursor = self._write_with(
            large,
            "INSERT INTO executions (uuid, run_id, task, component, kind, status, cache_key, started, inputs,"
            " attempts, log) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                execution_uuid,
                run_id,
                task,
                component,
                kind,
                RUNNING,
                cache_key,
                time.time(),
                packed,
                attempts,
                ranges_to_json(logs) if logs else None,
            ),
        )
        assert cursor.lastrowid is not None, "an INSERT sets the new row's id"
        return cursor.lastrowid, execution_uuid

    def record_attempt(self, execution_id: int, attempt: int, logs: list[LogRange] | None = None) -> None:
        """A new attempt of a recorded execution: its number, and its log ranges so far (where this one starts)."""
        self._write(
            "UPDATE executions SET attempts = ?, log = COALESCE(?, log) WHERE id = ?",
            (attempt, ranges_to_json(logs) if logs else None, execution_id),
        )

    def finish_execution(
        self,
        execution_id: int,
        status: str,
        *,
        parameters: dict | None = None,
        outputs: dict[str, list[Artifact]] | None = None,
        inputs: dict[str, list[Artifact]] | None = None,
        exit_code: int | None = None,
        error: str | None = None,
        attempts: int | None = None,
        logs: list[LogRange] | None = None,
    ) -> None:
        """Record how an execution ended, its output artifacts, its events and its log ranges, in one transaction."""
        packed, large = _pack(parameters or {})
        update = (
            "UPDATE executions SET status = ?, finished = ?, outputs = ?, exit_code = ?, error = ?,"
            " attempts = COALESCE(?, attempts), log = COALESCE(?, log) WHERE id = ?",
            (
                status,
                time.time(),
                packed,
                exit_code,
                error,
                attempts,
                ranges_to_json(logs) if logs else None,
                execution_id,
            ),
        )
        if not any(inputs or {}) and not any(outputs or {}):  # no events: one statement is the transaction
            self._write_with(large, *update)
            return
        with self._transaction() as db:
            _save_large_values(db, large)
            self._record_events(db, execution_id, inputs or {}, "INPUT")
            self._record_events(db, execution_id, outputs or {}, "OUTPUT")
            db.execute(*update)

    def record_execution(
        self,
        run_id: str,
        task: str,
        component: str,
        kind: str,
        status: str,
        *,
        cache_key: str | None = None,
        cached_from: int | None = None,
        inputs: dict | None = None,
        parameters: dict | None = None,
        input_artifacts: dict[str, list[Artifact]] | None = None,
        outputs: dict[str, list[Artifact]] | None = None,
        error: str | None = None,
    ) -> int:
        """An execution that did not run a process: a cache hit, a skipped or never-started step."""
        now = time.time()
        packed_inputs, large = _pack(inputs or {})
        packed_outputs, large_outputs = _pack(parameters or {})
        with self._transaction() as db:
            _save_large_values(db, {**large, **large_outputs})
            cursor = db.execute(
                "INSERT INTO executions (uuid, run_id, task, component, kind, status, cache_key, cached_from,"
                " started, finished, inputs, outputs, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
                    run_id,
                    task,
                    component,
                    kind,
                    status,
                    cache_key,
                    cached_from,
                    now,
                    now,
                    packed_inputs,
                    packed_outputs,
                    error,
                ),
            )
            execution_id = int(cursor.lastrowid)
            self._record_events(db, execution_id, input_artifacts or {}, "INPUT")
            self._record_events(db, execution_id, outputs or {}, "OUTPUT")
        return execution_id

    def _record_events(self, db, execution_id: int, artifacts: dict[str, list[Artifact]], kind: str) -> None:
        for name, items in artifacts.items():
            for position, artifact in enumerate(items):
                if artifact.id is None:
                    artifact.id = self._insert_artifact(db, artifact)
                db.execute(
                    "INSERT INTO events (execution_id, artifact_id, kind, name, position) VALUES (?, ?, ?, ?, ?)",
                    (execution_id, artifact.id, kind, name, position),
                )

    def _insert_artifact(self, db, artifact: Artifact) -> int:
        path = local_path_for_uri(artifact.uri)
        digest, size, mtime = None, None, None
        if path and os.path.exists(path):
            digest, size = content_digest(path)
            stamp = fingerprint(path)
            mtime = stamp[1] if stamp else None
        elif not path:
            digest = "uri:" + artifact.uri  # a remote artifact: its identity is its URI
        cursor = db.execute(
            "INSERT INTO artifacts (uri, name, type, type_version, metadata, digest, size, mtime_ns, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                artifact.uri,
                artifact.name,
                artifact.schema_title,
                artifact.schema_version,
                json.dumps(artifact.metadata),
                digest,
                size,
                mtime,
                time.time(),
            ),
        )
        return int(cursor.lastrowid)

    # ---------------------------------------------------------------- caching
    def artifact_digest(self, artifact: Artifact) -> str:
        """The content digest of an input artifact: recorded at creation, recomputed if the file changed."""
        path = local_path_for_uri(artifact.uri)
        if path is None or not os.path.exists(path):
            # remote, or a mount this machine lacks (gs:// is /gcs/...): known by its URI, so that two
            # missing files are not one cached input
            return "uri:" + artifact.uri
        stamp = fingerprint(path)
        if artifact.id is not None and stamp is not None:
            with self._lock:
                row = self._db.execute(
                    "SELECT digest, size, mtime_ns FROM artifacts WHERE id = ?", (artifact.id,)
                ).fetchone()
            if row and row["digest"] and (row["size"], row["mtime_ns"]) == stamp:
                return row["digest"]
        return content_digest(path)[0]

    def cached(self, cache_key: str) -> CachedResult | None:
        """The newest successful execution with this key whose output files still exist."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, run_id, outputs FROM executions WHERE cache_key = ? AND status = ?"
                " ORDER BY id DESC LIMIT 5",
                (cache_key, SUCCEEDED),
            ).fetchall()
            for row in rows:
                artifacts = self._artifacts_of(row["id"], "OUTPUT")
                if all(_exists(a) for items in artifacts.values() for a in items):
                    return CachedResult(row["id"], row["run_id"], self._unpack(row["outputs"]), artifacts)
        return None

    def _artifacts_of(self, execution_id: int, kind: str) -> dict[str, list[Artifact]]:
        rows = self._db.execute(
            "SELECT e.name AS event_name, e.position, a.* FROM events e JOIN artifacts a ON a.id = e.artifact_id"
            " WHERE e.execution_id = ? AND e.kind = ? ORDER BY e.name, e.position",
            (execution_id, kind),
        ).fetchall()
        found: dict[str, list[Artifact]] = {}
        for row in rows:
            found.setdefault(row["event_name"], []).append(_artifact_from_row(row))
        return found

    # ---------------------------------------------------------------- reading
    def executions(self, run_id: str) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM executions WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
            result = []
            for row in rows:
                execution = _with_log_ranges(dict(row))
                execution["step_names"] = self.step_names(run_id)
                execution["inputs"] = self._unpack(execution["inputs"])
                execution["outputs"] = self._unpack(execution["outputs"])
                execution["input_artifacts"] = self._artifacts_of(row["id"], "INPUT")
                execution["output_artifacts"] = self._artifacts_of(row["id"], "OUTPUT")
                result.append(execution)
        return result

    def execution(self, execution_id: int) -> dict | None:
        """One execution with its log ranges (the one a cache hit points at)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM executions WHERE id = ?", (execution_id,)).fetchone()
            if row is None:
                return None
        execution = _with_log_ranges(dict(row))
        execution["step_names"] = self.step_names(execution["run_id"])
        return execution

    def step_names(self, run_id: str) -> dict[str, str]:
        """The run's compiled task names and the `.ptflow` step names they stand for ({} when not recorded)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        # `SELECT *`: a store opened read-only may predate the column
        text = row["step_names"] if row is not None and "step_names" in row.keys() else None
        return json.loads(text) if text else {}

    # ------------------------------------------------------------------- logs
    def read_log(self, execution: dict, limit: int | None = None) -> bytes:
        """What an execution printed, all attempts (the last `limit` bytes when given); b"" if nothing."""
        if not execution.get("log_ranges"):
            # Stores written before lane files kept one log file per execution, named in `log`.
            return logs.read_file(execution["log"], limit) if execution.get("log") else b""
        ranges = execution["log_ranges"]
        if any(log.end is None for log in ranges):
            ranges = self._bounded(execution["run_id"], ranges)
        data = b"".join(logs.read_range(self.root, log, limit) for log in ranges)
        return data if limit is None else data[-limit:]

    def _bounded(self, run_id: str, ranges: list[LogRange]) -> list[LogRange]:
        """Ranges whose end was never recorded (a killed runner) end where their lane's next range starts."""
        with self._lock:
            rows = self._db.execute(
                "SELECT log FROM executions WHERE run_id = ? AND log LIKE '[%'", (run_id,)
            ).fetchall()
        starts: dict[str, list[int]] = {}
        for row in rows:
            for other in ranges_from_json(row["log"]):
                starts.setdefault(other.file, []).append(other.start)
        bounded = []
        for log in ranges:
            if log.end is None:
                later = [start for start in starts.get(log.file, []) if start > log.start]
                log = LogRange(log.attempt, log.file, log.start, min(later) if later else None)
            bounded.append(log)
        return bounded

    def run_of_executions(self, execution_ids: list[int]) -> dict[int, str]:
        """The run each of these executions belongs to (where a cache hit came from)."""
        if not execution_ids:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, run_id FROM executions WHERE id IN ({','.join('?' * len(execution_ids))})",
                tuple(execution_ids),
            ).fetchall()
        return {row["id"]: row["run_id"] for row in rows}

    def find_artifacts(self, reference: str) -> list[dict]:
        """Artifacts by id, URI, local path, or `RUN/TASK/OUTPUT` (the run may be a prefix)."""
        with self._lock:
            if reference.isdigit():
                rows = self._db.execute("SELECT * FROM artifacts WHERE id = ?", (int(reference),)).fetchall()
                if rows:
                    return [dict(r) for r in rows]
            candidates = {reference}
            if os.path.exists(reference):
                candidates.add(os.path.realpath(reference))
                candidates.add(os.path.abspath(reference))
            rows = self._db.execute(
                f"SELECT * FROM artifacts WHERE uri IN ({','.join('?' * len(candidates))}) ORDER BY id",
                tuple(candidates),
            ).fetchall()
            if rows:
                return [dict(r) for r in rows]
            run_part, _, rest = reference.partition("/")
            task, _, output = rest.rpartition("/")
            if not (run_part and task and output):
                return []
            rows = self._db.execute(
                "SELECT a.*, x.task AS producer_task, x.run_id AS producer_run FROM artifacts a"
                " JOIN events e ON e.artifact_id = a.id JOIN executions x ON x.id = e.execution_id"
                " WHERE e.kind = 'OUTPUT' AND e.name = ? AND substr(x.run_id, 1, ?) = ?"
                " ORDER BY x.id DESC",
                (output, len(run_part), run_part),
            ).fetchall()
        if not rows:
            return []
        # The step as the user names it (`summary`, `train[1]`) or its compiled path, in the latest run that fits.
        latest = [dict(r, task=r["producer_task"]) for r in rows if r["producer_run"] == rows[0]["producer_run"]]
        chosen = find_step(latest, task)
        if chosen is None:
            return []
        found = [
            {k: v for k, v in r.items() if k not in ("task", "producer_task", "producer_run")}
            for r in latest
            if r["task"] == chosen["task"]
        ]
        return list({r["id"]: r for r in found}.values())

    def lineage(self, artifact_id: int) -> dict:
        """Who produced an artifact (with that execution's inputs) and who consumed it."""
        with self._lock:
            events = self._db.execute(
                "SELECT e.kind, e.name, x.* FROM events e JOIN executions x ON x.id = e.execution_id"
                " WHERE e.artifact_id = ? ORDER BY x.id",
                (artifact_id,),
            ).fetchall()
            producers: list[dict] = []
            consumers: list[dict] = []
            for event in events:
                execution = _with_log_ranges(dict(event))
                execution["step_names"] = self.step_names(execution["run_id"])
                execution["inputs"] = self._unpack(execution["inputs"])
                execution["outputs"] = self._unpack(execution["outputs"])
                execution["input_artifacts"] = self._artifacts_of(event["id"], "INPUT")
                execution["output_artifacts"] = self._artifacts_of(event["id"], "OUTPUT")
                (producers if event["kind"] == "OUTPUT" else consumers).append(execution)
        return {"producers": producers, "consumers": consumers}


@contextmanager
def _opening_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on `root/ptflow.lock` while the database is opened.

    Without fcntl (Windows) this is a no-op: one runner per store there.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = open(root / "ptflow.lock", "a")
    except OSError:  # a store folder that is gone or read-only: nothing to race with
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _with_log_ranges(execution: dict) -> dict:
    """An execution row with `log_ranges`, from its `log` (left as it is when it names a log file instead)."""
    text = execution.get("log") or ""
    execution["log_ranges"] = ranges_from_json(text) if text.startswith("[") else []
    return execution


def _artifact_from_row(row) -> Artifact:
    return Artifact(
        name=row["name"] or "",
        schema_title=row["type"] or "system.Artifact",
        schema_version=row["type_version"] or "0.0.1",
        uri=row["uri"],
        metadata=json.loads(row["metadata"] or "{}"),
        id=row["id"],
    )


def _exists(artifact: Artifact) -> bool:
    path = local_path_for_uri(artifact.uri)
    return path is None or os.path.exists(path)


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower()).strip("-")
    return cleaned[:40] or "run"


def _pack(values: dict) -> tuple[str, dict[str, str]]:
    """The JSON to store for `values`, each large value replaced by a reference; the large values' JSON by digest.

    A dict value shaped like a reference is stored as a large value too, so reading back is unambiguous.
    """
    packed: dict[str, Any] = {}
    large: dict[str, str] = {}
    for name, value in values.items():
        # A string of fewer than LARGE_VALUE_BYTES / 6 characters can't reach the limit (\uXXXX is 6 bytes).
        if (isinstance(value, str) and len(value) * 6 >= LARGE_VALUE_BYTES) or isinstance(value, (list, dict)):
            text = json.dumps(value)
            if len(text) >= LARGE_VALUE_BYTES or (isinstance(value, dict) and _LARGE_VALUE in value):
                digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
                large[digest] = text
                packed[name] = {_LARGE_VALUE: digest}
                continue
        packed[name] = value
    return json.dumps(packed), large


def _save_large_values(db, large: dict[str, str]) -> None:
    for digest, text in large.items():
        if db.execute("SELECT 1 FROM large_values WHERE digest = ?", (digest,)).fetchone() is None:
            db.execute("INSERT INTO large_values (digest, json) VALUES (?, ?)", (digest, text))


class RunnerLock:
    """An exclusive lock on a run's `runner.lock`, held by the runner for as long as it runs the run.

    The kernel releases it when the runner dies, however it dies, and a pid can be reused by another process
    while a lock can't be inherited by one; so "can the lock be taken" tells whether the runner is alive.
    Without fcntl (Windows) nothing is locked and the runner's pid is what tells.
    """

    def __init__(self, handle):
        self._handle = handle

    @classmethod
    def hold(cls, path: Path) -> RunnerLock:
        handle = open(path, "a")
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        return cls(handle)

    def release(self) -> None:
        self._handle.close()  # closing the file releases the lock

    @staticmethod
    def is_held(path: Path) -> bool:
        try:
            import fcntl
        except ImportError:
            return True
        try:
            handle = open(path, "rb")  # flock needs no write access: a read-only store can tell too
        except OSError:
            return True  # can't tell: trust the record
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return True  # can't tell from here; trust the record
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
