"""Executing a PipelineSpec's DAGs: dependencies, conditions, loops, sub-DAGs, exit handlers, fan-in.

Each DAG is scheduled by one thread that starts a task as soon as everything
it waits for has finished; container steps then share `--parallelism` lanes
(logs.py), loops additionally their `parallelismLimit`.  Semantics follow KFP's backend:

- a task waits for its `dependentTasks` and the producers of its inputs;
- once a task of a DAG failed, the DAG starts no new task except those whose
  `triggerPolicy.strategy` is ALL_UPSTREAM_TASKS_COMPLETED (exit handlers and
  `ignore_upstream_failure` steps), which also run when what they wait for
  failed; an input from a failed task is left out, so its default applies;
- a `triggerPolicy.condition` is CEL over the task's resolved inputs; a task
  whose condition is false is skipped (a skipped task counts as done);
- a loop runs its component's DAG once per item; the loop's outputs are the
  lists of its iterations' outputs (KFP's Collected);
- `taskFinalStatus` hands an exit task the state of the group it guards.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ptflow.compiler.diagnostics import codes
from ptflow.compiler.ir_collected import CollectedOutputs, collected_outputs
from ptflow.runtime.runner import store as states
from ptflow.runtime.runner import values
from ptflow.runtime.runner.artifacts import Artifact
from ptflow.runtime.runner.cel import CelError, evaluate_condition, select
from ptflow.runtime.runner.cluster_objects import (
    ObjectError,
    ObjectSources,
    StepObjects,
    honoured_settings,
    step_objects,
)
from ptflow.runtime.runner.commands import ContainerRuntime, is_runtime_command
from ptflow.runtime.runner.conditions import why_false
from ptflow.runtime.runner.failures import StepFailure
from ptflow.runtime.runner.interruption import signal_of
from ptflow.runtime.runner.launcher import ContainerLauncher, ResolvedTask, run_importer
from ptflow.runtime.runner.logs import Lanes
from ptflow.runtime.runner.placeholders import JobNames, PlaceholderError, resolve_value_references
from ptflow.runtime.runner.preflight import upstream_tasks
from ptflow.runtime.runner.process_groups import KILL_GRACE_SECONDS, Watchdog, stop_processes
from ptflow.runtime.runner.progress import Progress
from ptflow.runtime.runner.spec import Pipeline
from ptflow.runtime.runner.store import DATABASE, Store, StoreFull, full_error, is_disk_full
from ptflow.runtime.runner.volumes import ClaimError, is_claim_step, mount_folder, run_claim_step

ALL_UPSTREAM_TASKS_COMPLETED = "ALL_UPSTREAM_TASKS_COMPLETED"
_MAX_THREADS = 10_000
_MISSING = object()


@dataclass
class RunOptions:
    parallelism: int = max(1, os.cpu_count() or 1)
    use_cache: bool = True
    containers: bool = False
    step_timeout: float | None = None
    objects: ObjectSources = field(default_factory=ObjectSources)  # --secrets and --config-maps


@dataclass
class TaskResult:
    state: str
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, list[Artifact]] = field(default_factory=dict)
    failures: list[StepFailure] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.state in (states.SUCCEEDED, states.CACHED)


@dataclass
class RunResult:
    run_id: str
    status: str
    seconds: float
    outputs: dict[str, Any]
    failures: list[StepFailure]
    counts: dict[str, int]


@dataclass
class DagFrame:
    """One DAG being executed: its component, inputs, and the results of its tasks so far."""

    key: str
    component: dict
    path: str
    parameters: dict[str, Any]
    artifacts: dict[str, list[Artifact]]
    results: dict[str, TaskResult] = field(default_factory=dict)


class InputError(Exception):
    """A task input that can't be given a value."""


class Run:
    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        options: RunOptions,
        progress: Progress,
        arguments: dict[str, Any],
        container_runtime: ContainerRuntime | None = None,
    ):
        self.pipeline = pipeline
        self.store = store
        self.options = options
        self.progress = progress
        self.arguments = arguments
        self.container_runtime = container_runtime
        self.stopping = threading.Event()
        self.interruption: str | None = None  # why the run is being stopped, once it is: "interrupted by SIGTERM"
        self.full_disk: StoreFull | None = None  # the store's disk filled up: the run stops and fails
        self.job_uuid = str(uuid.uuid4())
        self.created_utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.run_id = ""
        self.run_dir = store.runs_dir  # the run's own folder, once the run has an id
        self.workspace_dir = ""  # the folder its steps share, when the pipeline asks for a workspace
        self.lanes: Lanes | None = None
        self.launcher = ContainerLauncher(self)
        self._processes: set[subprocess.Popen] = set()
        self.watchdog: Watchdog | None = None
        # Tasks and loop iterations run on reused threads. The pool is unbounded in practice: a DAG's thread
        # waits for its tasks' threads, so a small bound could deadlock; --parallelism bounds the steps.
        self.threads = ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix="ptflow-task")
        self._busy = threading.Condition()
        self._in_flight = 0  # tasks and iterations submitted to the threads and not yet ended

    def _submit(self, function, *args) -> Future:
        """Run `function(*args)` on a task thread, counted until it ends (so an interrupted run can wait for it)."""
        with self._busy:
            self._in_flight += 1

        def counted() -> None:
            try:
                function(*args)
            finally:
                with self._busy:
                    self._in_flight -= 1
                    self._busy.notify_all()

        return self.threads.submit(counted)

    # --------------------------------------------------------------- the run
    def execute(self) -> RunResult:
        started = time.monotonic()
        parameters = self._root_parameters()
        # The source's absolute path, so `ptflow ui` started from another folder finds the file (and its names).
        source = os.path.abspath(self.pipeline.source) if self.pipeline.source else ""
        self.run_id = self.store.start_run(
            self.pipeline.name, source, self.pipeline.digest(), parameters, self.pipeline.step_names
        )
        self.run_dir = self.store.run_dir(self.run_id)
        if self.pipeline.wants_workspace():  # in the store, so `--containers` steps see it at the same path
            workspace = self.run_dir / "workspace"
            workspace.mkdir(exist_ok=True)
            self.workspace_dir = str(workspace)
        self.lanes = Lanes(self.store.root, self.run_dir, self.options.parallelism)
        self.progress.run_started(self.run_id, self.pipeline.name, str(self.store.root), self.pipeline.step_names)
        self.watchdog = Watchdog()
        self._warn_kubernetes_settings_ignored()
        default_root = self.pipeline.spec.get("defaultPipelineRoot")
        if default_root:
            self.progress.warning(
                f"the pipeline's default root {default_root} has no effect in a local run: "
                f"artifacts go to {self.store.artifacts_dir}"
            )
        try:
            try:
                result = self._run_dag(DagFrame("root", self.pipeline.root, "", parameters, {}))
            except Exception as error:
                if not is_disk_full(error):
                    raise
                self._note_full_disk(error)
            if self.full_disk is None:
                # Every step has ended. (After Ctrl-C the lanes stay open: a task thread may be ending its step.)
                self.lanes.close()
                status = states.SUCCEEDED if result.ok else states.FAILED
                _collect_conditional_outputs(
                    result, collected_outputs(self.pipeline.spec.get("components") or {}, self.pipeline.root)
                )
                outputs = _public_outputs(result)
                failures = result.failures
                summary = "; ".join(f.message for f in failures) or None
                try:
                    self.store.finish_run(self.run_id, status, outputs, summary)
                except StoreFull as full:
                    self._note_full_disk(full)
            if self.full_disk is not None:
                return self._fail_on_full_disk(started)
        except BaseException as error:  # Ctrl-C, SIGTERM, or a runner bug: stop the steps, record how the run ended
            self._abandon(error)
            raise
        finally:
            self.threads.shutdown(wait=False)
            self.watchdog.close()
        finished = self.store.find_run(self.run_id)
        assert finished is not None, "the run was recorded when it started"
        counts = dict(finished["counts"])
        seconds = time.monotonic() - started
        self.progress.run_finished(self.run_id, status, seconds, counts)
        return RunResult(self.run_id, status, seconds, outputs, failures, counts)

    def _warn_kubernetes_settings_ignored(self) -> None:
        """One line naming the kfp-kubernetes settings this run can't honour, and how to honour those it could."""
        containers = self.container_runtime is not None
        honoured = honoured_settings(self.options.objects, containers)
        if containers:  # PVCs are bound into the steps' containers (volumes.py)
            honoured.add("pvcMount")
        ignored = [name for name in self.pipeline.kubernetes_settings_without_effect() if name not in honoured]
        if "emptyDirMounts" in honoured:  # mounted as a plain folder: its medium and size limit are not
            ignored += self.pipeline.empty_dir_fields_without_effect()
        if not ignored:
            return
        notes = []
        if any(name in ignored for name in ("secretAsEnv", "secretAsVolume", "configMapAsEnv", "configMapAsVolume")):
            notes.append("secrets and ConfigMaps come from --secrets and --config-maps, each a folder or a file")
        if any(name in ignored for name in ("pvcMount", "emptyDirMounts", "secretAsVolume", "configMapAsVolume")):
            what = "PVCs" if ignored == ["pvcMount"] else "volumes"
            notes.append(f"{what} are mounted with --containers")
        if any(name.startswith("emptyDirMounts.") for name in ignored):
            notes.append("an emptyDir is a folder on this machine's disk, of any size")
        note = f" ({'; '.join(notes)})" if notes else ""
        self.progress.warning(f"Kubernetes settings have no effect in a local run: {', '.join(ignored)}{note}")

    def _root_parameters(self) -> dict[str, Any]:
        definitions = (self.pipeline.root.get("inputDefinitions") or {}).get("parameters") or {}
        parameters = {
            name: values.as_protobuf(d["defaultValue"])
            for name, d in definitions.items()
            if "defaultValue" in (d or {})
        }
        parameters.update({name: values.as_protobuf(v) for name, v in self.arguments.items()})
        return parameters

    # ------------------------------------------------------- a full disk
    def _note_full_disk(self, error: BaseException) -> None:
        """The store's disk is full: the run fails (once, with the first path that could not be written)."""
        with self._busy:
            first = self.full_disk is None
            if first:
                self.full_disk = full_error(error, self.store.root / DATABASE)
        if first:
            self.progress.warning(str(self.full_disk))
            self.stop()

    def _fail_on_full_disk(self, started: float) -> RunResult:
        """Stop everything, free what the unfinished steps staged, and record the run as FAILED if at all possible."""
        self.stop()
        self._wait_for_task_threads()
        if self.lanes is not None:
            self.lanes.close()
        message = str(self.full_disk)
        self.store.discard_staged(self.run_id)
        if not self._record_failure(message):
            self.progress.warning(
                f"run {self.run_id} could not be recorded as failed; the next ptflow command "
                "on this store records it as interrupted"
            )
        try:
            recorded = self.store.find_run(self.run_id)
        except sqlite3.Error:
            recorded = None
        counts = dict(recorded["counts"]) if recorded else {}
        seconds = time.monotonic() - started
        self.progress.run_finished(self.run_id, states.FAILED, seconds, counts)
        failure = StepFailure("", "", "", message, codes.STORE_DISK_FULL)
        return RunResult(self.run_id, states.FAILED, seconds, {}, [failure], counts)

    def _record_failure(self, message: str) -> bool:
        """Record the run FAILED; on a full disk, again after releasing the store's reserve file. Whether it was."""
        try:
            self.store.fail_run(self.run_id, message)
            return True
        except StoreFull:
            pass
        # SQLite can't commit on a full disk: the reserve file's space gives it room to record the failure.
        if not self.store.release_reserve():
            return False
        try:
            self.store.fail_run(self.run_id, message)
            return True
        except StoreFull:
            return False  # the room the reserve freed was taken first

    def _wait_for_task_threads(self) -> None:
        """Let the task threads record how their steps ended (and settle what never started), bounded."""
        with self._busy:
            self._busy.wait_for(lambda: self._in_flight == 0, timeout=KILL_GRACE_SECONDS + 5)

    def _abandon(self, error: BaseException) -> None:
        """The run ends early: stop every step, let their threads record them, record the run.

        Interrupted (a signal), it and its unfinished steps are INTERRUPTED; a runner bug makes it FAILED.
        """
        signal_name = signal_of(error)
        reason = f"interrupted by {signal_name}"
        if signal_name:
            self.interruption = reason  # what the steps stopped from now on are recorded as
        self.stop()
        self._wait_for_task_threads()
        if signal_name:
            self.store.interrupt_run(self.run_id, reason)
        else:
            self.store.finish_run(self.run_id, states.FAILED, error=repr(error))
        self.progress.close()

    def stop(self) -> None:
        """Stop starting steps and end the running ones, all at once (Ctrl-C, SIGTERM)."""
        self.stopping.set()
        stop_processes(list(self._processes))

    # A set's add, discard and copy are each atomic under the GIL: no lock needed around them.
    def before_process_start(self) -> None:
        """A step process is about to start: have the watchdog running before it does (see `Watchdog.start`)."""
        if self.watchdog is not None:
            self.watchdog.start()

    def track(self, process: subprocess.Popen) -> None:
        self._processes.add(process)
        if self.watchdog is not None:
            self.watchdog.watch(process.pid)  # its process group: the step runs in a session of its own

    def untrack(self, process: subprocess.Popen) -> None:
        self._processes.discard(process)
        if self.watchdog is not None:
            self.watchdog.forget(process.pid)

    # ------------------------------------------------------------------ DAGs
    def _run_dag(self, frame: DagFrame) -> TaskResult:
        tasks: dict[str, dict] = (frame.component.get("dag") or {}).get("tasks") or {}
        waits_for = {name: set(upstream_tasks(task)) & set(tasks) for name, task in tasks.items()}
        unfinished_upstream = {name: len(upstream) for name, upstream in waits_for.items()}
        downstream: dict[str, list[str]] = {name: [] for name in tasks}
        for name in sorted(tasks):
            for upstream in waits_for[name]:
                downstream[upstream].append(name)
        ready = deque(sorted(name for name, count in unfinished_upstream.items() if count == 0))
        running: dict[str, Future] = {}
        finished: queue.Queue = queue.Queue()
        failed = False

        def settle(name: str, result: TaskResult) -> None:
            nonlocal failed
            frame.results[name] = result
            failed = failed or result.state == states.FAILED
            for waiting in downstream[name]:
                unfinished_upstream[waiting] -= 1
                if unfinished_upstream[waiting] == 0:
                    ready.append(waiting)

        def guarded(name: str) -> TaskResult:
            try:
                return self._run_task(frame, name, tasks[name])
            except Exception as error:  # a full disk, or a runner bug: fail the task, don't hang the DAG
                path = _join(frame.path, name)
                if is_disk_full(error):
                    self._note_full_disk(error)
                    self.progress.step_failed(path, "stopped: the store's disk is full")
                    return TaskResult(states.FAILED)  # the run's failure says why, once
                message = f"internal error while running `{path}`: {type(error).__name__}: {error}"
                self.progress.step_failed(path, message)
                return TaskResult(states.FAILED, failures=[StepFailure(path, frame.key, name, message)])

        def in_background(name: str) -> None:
            finished.put((name, guarded(name)))

        while len(frame.results) < len(tasks):
            while ready:
                name = ready.popleft()
                task = tasks[name]
                finishes_anyway = (task.get("triggerPolicy") or {}).get("strategy") == ALL_UPSTREAM_TASKS_COMPLETED
                upstream_failed = any(
                    frame.results[u].state in (states.FAILED, states.NOT_RUN) for u in waits_for[name]
                )
                if not finishes_anyway and (failed or upstream_failed or self.stopping.is_set()):
                    settle(name, self._not_run(frame, name, task))
                elif not running and not ready:
                    # Nothing else can start until this task ends (a chain): run it on this thread.
                    settle(name, guarded(name))
                else:
                    running[name] = self._submit(in_background, name)
            if len(frame.results) == len(tasks):
                break
            if not running:  # only a cycle leaves tasks waiting with nothing running; pre-flight refuses those
                raise RuntimeError(
                    f"tasks of `{frame.key}` wait for each other: {sorted(set(tasks) - set(frame.results))}"
                )
            name, result = finished.get()
            running.pop(name).result()
            settle(name, result)
        return self._dag_result(frame, failed)

    def _not_run(self, frame: DagFrame, name: str, task: dict) -> TaskResult:
        path = _join(frame.path, name)
        component = self.pipeline.component(task["componentRef"]["name"])
        why = (
            f"not started: the run was {self.interruption}"
            if self.interruption
            else "not started: an upstream step failed"
        )
        if "executorLabel" in component and self.full_disk is None:
            try:
                self.store.record_execution(
                    self.run_id, path, task["componentRef"]["name"], "container", states.NOT_RUN, error=why
                )
            except StoreFull as full:
                self._note_full_disk(full)
        return TaskResult(states.NOT_RUN, error=why)

    def _dag_result(self, frame: DagFrame, failed: bool) -> TaskResult:
        failures = [f for r in frame.results.values() for f in r.failures]
        parameters, artifacts = _dag_outputs(frame.component, frame.results)
        return TaskResult(states.FAILED if failed else states.SUCCEEDED, parameters, artifacts, failures)

    # ----------------------------------------------------------------- tasks
    def _run_task(self, frame: DagFrame, name: str, task: dict) -> TaskResult:
        path = _join(frame.path, name)
        component_key = task["componentRef"]["name"]
        component = self.pipeline.component(component_key)
        try:
            parameters, artifacts = self._resolve_inputs(frame, task)
        except (InputError, CelError) as error:
            return self._task_failed(
                frame, name, component_key, component, f"`{path}`: {error}", codes.RUN_INPUT_WITHOUT_VALUE
            )
        names = JobNames(
            self.run_id,
            self.job_uuid,
            name,
            "",
            str(self.store.artifacts_dir),
            self.created_utc,
            workspace_path=self.workspace_dir,
        )
        try:
            parameters = resolve_value_references(parameters, names, _constant_inputs(task))
        except PlaceholderError as error:
            return self._task_failed(
                frame, name, component_key, component, f"`{path}`: {error}", codes.RUN_INPUT_WITHOUT_VALUE
            )
        condition = (task.get("triggerPolicy") or {}).get("condition")
        if condition:
            try:
                should_run = evaluate_condition(condition, parameters, artifacts)
            except CelError as error:
                return self._task_failed(
                    frame,
                    name,
                    component_key,
                    component,
                    f"the condition of `{path}` can't be evaluated: {error}",
                    codes.RUN_CONDITION_NOT_EVALUABLE,
                )
            if not should_run:
                reason = why_false(self.pipeline.condition_arms.get(name), condition, parameters)
                # Recorded, so `ptflow show` and `ptflow ui` can say why the task (often a whole branch) did not run.
                self.store.record_execution(
                    self.run_id,
                    path,
                    component_key,
                    "dag" if "dag" in component else "container",
                    states.SKIPPED,
                    error=reason,
                )
                self.progress.step_skipped(path, reason)
                return TaskResult(states.SKIPPED)
        if "parameterIterator" in task or "artifactIterator" in task:
            return self._run_loop(frame, name, task, component_key, component, parameters, artifacts)
        if "dag" in component:
            return self._run_dag(DagFrame(component_key, component, path, parameters, artifacts))
        executor = self.pipeline.executor(component["executorLabel"])
        try:
            volumes = self._claim_mounts(frame, component["executorLabel"])
            objects = self._step_objects(frame, component["executorLabel"])
        except (InputError, ClaimError, ObjectError) as error:
            return self._task_failed(
                frame, name, component_key, component, f"`{path}`: {error}", codes.RUN_INPUT_WITHOUT_VALUE
            )
        step = ResolvedTask(
            path,
            frame.key,
            name,
            task,
            component_key,
            component,
            component["executorLabel"],
            executor,
            parameters,
            artifacts,
            volumes + objects.mounts,
            objects.env,
            objects.names,
        )
        if "importer" in executor:
            outcome = run_importer(self, step)
        elif is_claim_step(executor):
            outcome = run_claim_step(self, step)
        elif "container" in executor:
            try:
                outcome = self.launcher.launch(step)
            finally:
                objects.remove_scratch()  # an emptyDir lives as long as its pod
        else:
            kind = next(iter(executor), "nothing")
            return self._task_failed(
                frame,
                name,
                component_key,
                component,
                f"`{path}` uses a `{kind}` executor, which only runs on a cluster",
                codes.RUN_STEP_FAILED,
            )
        return TaskResult(
            outcome.state, outcome.parameters, outcome.artifacts, [outcome.failure] if outcome.failure else []
        )

    def _claim_mounts(self, frame: DagFrame, executor_label: str) -> list[tuple[str, str]]:
        """(folder, mount path) of each PVC the step mounts, when steps run in containers (else none: a step
        on this machine can't see a folder at its mount path)."""
        if self.container_runtime is None:
            return []
        mounts = []
        for entry in self.pipeline.kubernetes(executor_label).get("pvcMount") or []:
            name = entry.get("constant")
            if name is None:
                name = self._parameter_source(frame, entry.get("pvcNameParameter") or entry)
                if name is _MISSING:
                    raise InputError(f"the name of the volume claim mounted at {entry.get('mountPath')} has no value")
            folder = mount_folder(self.store.root, name, entry.get("subPath", ""))
            mounts.append((str(folder), entry["mountPath"]))
        return mounts

    def _step_objects(self, frame: DagFrame, executor_label: str) -> StepObjects:
        """The step's environment from secrets and ConfigMaps, and their folders and emptyDirs to mount."""

        def name_of(binding: dict) -> Any:
            value = self._parameter_source(frame, binding)
            if value is _MISSING:
                raise InputError("the name of a secret or ConfigMap it uses has no value")
            return value

        return step_objects(
            self.pipeline.kubernetes(executor_label),
            self.options.objects,
            self.container_runtime is not None,
            name_of,
        )

    def _task_failed(
        self, frame: DagFrame, name: str, component_key: str, component: dict, message: str, code: str
    ) -> TaskResult:
        path = _join(frame.path, name)
        if "executorLabel" in component:
            self.store.record_execution(self.run_id, path, component_key, "container", states.FAILED, error=message)
        self.progress.step_failed(path, message)
        return TaskResult(states.FAILED, failures=[StepFailure(path, frame.key, name, message, code)], error=message)

    def _resolve_inputs(self, frame: DagFrame, task: dict) -> tuple[dict[str, Any], dict[str, list[Artifact]]]:
        inputs = task.get("inputs") or {}
        parameters: dict[str, Any] = {}
        for input_name, source in (inputs.get("parameters") or {}).items():
            value = self._parameter_source(frame, source)
            if value is _MISSING:
                continue
            selector = source.get("parameterExpressionSelector")
            if selector:
                value = select(selector, value)
            parameters[input_name] = value
        artifacts: dict[str, list[Artifact]] = {}
        for input_name, source in (inputs.get("artifacts") or {}).items():
            found = self._artifact_source(frame, source)
            if found:
                artifacts[input_name] = found
        return parameters, artifacts

    def _parameter_source(self, frame: DagFrame, source: dict) -> Any:
        if "componentInputParameter" in source:
            return frame.parameters.get(source["componentInputParameter"], _MISSING)
        if "taskOutputParameter" in source:
            reference = source["taskOutputParameter"]
            result = frame.results.get(reference["producerTask"])
            if result is None or not result.ok:
                return _MISSING
            return result.parameters.get(reference["outputParameterKey"], _MISSING)
        if "runtimeValue" in source:
            runtime_value = source["runtimeValue"]
            if "constant" in runtime_value:
                return values.as_protobuf(runtime_value["constant"])
            legacy = runtime_value.get("constantValue") or {}  # IR from kfp 1.x-era compilers
            for key in ("stringValue", "intValue", "doubleValue"):
                if key in legacy:
                    return values.as_protobuf(float(legacy[key]) if key == "intValue" else legacy[key])
            return _MISSING
        if "taskFinalStatus" in source:
            producer = source["taskFinalStatus"]["producerTask"]
            result = frame.results.get(producer)
            state = "SUCCEEDED" if result is not None and result.state != states.FAILED else "FAILED"
            status: dict[str, Any] = {
                "state": state,
                "pipelineJobResourceName": self.run_id,
                "pipelineTaskName": _join(frame.path, producer),
            }
            if state == "FAILED":
                messages = [f.message for f in (result.failures if result else [])] or ["the group failed"]
                status["error"] = {"code": 2.0, "message": "; ".join(messages)}  # 2 = google.rpc UNKNOWN
            return status
        raise InputError(f"an input has a source this runner does not know: {_source_kind(source)}")

    def _artifact_source(self, frame: DagFrame, source: dict) -> list[Artifact]:
        if "componentInputArtifact" in source:
            return list(frame.artifacts.get(source["componentInputArtifact"], []))
        if "taskOutputArtifact" in source:
            reference = source["taskOutputArtifact"]
            result = frame.results.get(reference["producerTask"])
            if result is None or not result.ok:
                return []
            return list(result.artifacts.get(reference["outputArtifactKey"], []))
        raise InputError(f"an artifact input has a source this runner does not know: {_source_kind(source)}")

    # ----------------------------------------------------------------- loops
    def _run_loop(
        self,
        frame: DagFrame,
        name: str,
        task: dict,
        component_key: str,
        component: dict,
        parameters: dict[str, Any],
        artifacts: dict[str, list[Artifact]],
    ) -> TaskResult:
        path = _join(frame.path, name)
        over_artifacts = "artifactIterator" in task
        iterator = task.get("artifactIterator" if over_artifacts else "parameterIterator") or {}
        item_input = iterator.get("itemInput", "")
        try:
            items = self._loop_items(iterator.get("items") or {}, parameters, artifacts, over_artifacts)
        except InputError as error:
            return self._task_failed(
                frame, name, component_key, component, f"loop `{path}`: {error}", codes.RUN_INPUT_WITHOUT_VALUE
            )
        limit = int((task.get("iteratorPolicy") or {}).get("parallelismLimit") or 0) or len(items) or 1
        turns = threading.BoundedSemaphore(limit)
        results: list[TaskResult | None] = [None] * len(items)
        failed = threading.Event()
        iterations = []

        def iterate(index: int, item: Any) -> None:
            try:
                if failed.is_set() or self.stopping.is_set():
                    results[index] = TaskResult(states.NOT_RUN)
                    return
                iteration_parameters = dict(parameters)
                iteration_artifacts = dict(artifacts)
                if over_artifacts:
                    iteration_artifacts[item_input] = [item]
                else:
                    iteration_parameters[item_input] = item
                iteration_frame = DagFrame(
                    component_key, component, f"{path}[{index}]", iteration_parameters, iteration_artifacts
                )
                try:
                    result = self._run_dag(iteration_frame)
                except Exception as error:
                    if is_disk_full(error):
                        self._note_full_disk(error)
                        result = TaskResult(states.FAILED)
                    else:
                        message = f"internal error in `{path}[{index}]`: {type(error).__name__}: {error}"
                        result = TaskResult(states.FAILED, failures=[StepFailure(path, frame.key, name, message)])
                results[index] = result
                if result.state == states.FAILED:
                    failed.set()
            finally:
                turns.release()

        for index, item in enumerate(items):
            turns.acquire()  # at most `parallelismLimit` iterations at once
            iterations.append(self._submit(iterate, index, item))
        for iteration in iterations:
            iteration.result()
        finished = [r for r in results if r is not None]
        any_failed = any(r.state == states.FAILED for r in finished)
        collected_parameters: dict[str, list] = {}
        collected_artifacts: dict[str, list[Artifact]] = {}
        outputs = (component.get("dag") or {}).get("outputs") or {}
        for output in outputs.get("parameters") or {}:
            collected_parameters[output] = [r.parameters[output] for r in finished if output in r.parameters]
        for output in outputs.get("artifacts") or {}:
            collected_artifacts[output] = [a for r in finished for a in r.artifacts.get(output, [])]
        failures = [f for r in finished for f in r.failures]
        return TaskResult(
            states.FAILED if any_failed else states.SUCCEEDED, collected_parameters, collected_artifacts, failures
        )

    def _loop_items(self, items: dict, parameters: dict, artifacts: dict, over_artifacts: bool) -> list:
        if over_artifacts:
            name = items.get("inputArtifact", "")
            if name not in artifacts:
                raise InputError(f"its items come from artifact input `{name}`, which has no value")
            return list(artifacts[name])
        if "raw" in items:
            raw = items["raw"]
            value = json.loads(raw) if isinstance(raw, str) else raw
        else:
            name = items.get("inputParameter", "")
            if name not in parameters:
                raise InputError(f"its items come from input `{name}`, which has no value")
            value = parameters[name]
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    raise InputError(f"its items, input `{name}`, are not a JSON list: {value[:60]!r}") from None
        if not isinstance(value, list):
            raise InputError(f"its items are a {values.type_name(value)}, not a list")
        return [values.as_protobuf(v) for v in value]


def _source_kind(source: dict) -> str:
    """What kind of source an input names (its field: `parameterExpressionSelector`), not its whole value."""
    return ", ".join(f"`{kind}`" for kind in source) or "none"


def _dag_outputs(component: dict, results: dict[str, TaskResult]) -> tuple[dict[str, Any], dict[str, list[Artifact]]]:
    """A DAG's outputs from its tasks' results: valueFromParameter, valueFromOneof, artifactSelectors."""
    outputs = (component.get("dag") or {}).get("outputs") or {}
    parameters: dict[str, Any] = {}
    for name, source in (outputs.get("parameters") or {}).items():
        selectors = (
            [source["valueFromParameter"]]
            if "valueFromParameter" in source
            else ((source.get("valueFromOneof") or {}).get("parameterSelectors") or [])
        )
        for selector in selectors:
            result = results.get(selector.get("producerSubtask", ""))
            if result is not None and result.ok and selector.get("outputParameterKey") in result.parameters:
                parameters[name] = result.parameters[selector["outputParameterKey"]]
                break
    artifacts: dict[str, list[Artifact]] = {}
    for name, source in (outputs.get("artifacts") or {}).items():
        for selector in source.get("artifactSelectors") or []:
            result = results.get(selector.get("producerSubtask", ""))
            if result is not None and result.ok and result.artifacts.get(selector.get("outputArtifactKey")):
                artifacts[name] = result.artifacts[selector["outputArtifactKey"]]
                break
    return parameters, artifacts


def _collect_conditional_outputs(result: TaskResult, collected: CollectedOutputs) -> None:
    """A pipeline output collected from a step inside an `if` is the list of its zero or one values."""
    for name in collected.parameters:
        result.parameters[name] = [result.parameters[name]] if name in result.parameters else []
    for name in collected.artifacts:
        result.artifacts.setdefault(name, [])


def _constant_inputs(task: dict) -> set[str]:
    """The task's inputs whose value is a constant of the document (the only ones that may be templates)."""
    parameters = (task.get("inputs") or {}).get("parameters") or {}
    return {name for name, source in parameters.items() if "runtimeValue" in (source or {})}


def _public_outputs(result: TaskResult) -> dict[str, Any]:
    outputs: dict[str, Any] = dict(result.parameters)
    for name, items in result.artifacts.items():
        uris = [a.uri for a in items]
        outputs[name] = uris[0] if len(uris) == 1 else uris
    return outputs


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def needs_containers(pipeline: Pipeline) -> bool:
    """Whether any container step would run outside this Python (so --containers matters)."""
    for executor in (pipeline.spec.get("deploymentSpec") or {}).get("executors", {}).values():
        container = (executor or {}).get("container")
        if container and not is_runtime_command(
            list(container.get("command") or []) + list(container.get("args") or [])
        ):
            return True
    return False
