"""Running one container step, as KFP's launcher does, plus the store's bookkeeping around it.

For each attempt: build the executor input, substitute the placeholders, run
the command as a subprocess in a lane (its output goes into the lane's log,
see logs.py), then read the output parameter files and the executor output
file.  A step's record (RUNNING, with where its log starts) is committed
before its process starts.  Output artifacts are written to a staging folder
and renamed into the store only when the step succeeded; the execution's
outcome and its events are committed after that, in one transaction.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ptflow.compiler.diagnostics import codes
from ptflow.runtime.runner import logs, values
from ptflow.runtime.runner import store as states
from ptflow.runtime.runner.artifacts import Artifact, is_local_uri, local_path_for_uri
from ptflow.runtime.runner.commands import CommandNotFound, CommandPlan, plan
from ptflow.runtime.runner.failures import StepFailure, describe_exit, log_tail
from ptflow.runtime.runner.logs import TAIL_BYTES, Lane, LogRange
from ptflow.runtime.runner.placeholders import JobNames, PlaceholderError, Resolver
from ptflow.runtime.runner.process_groups import stop_processes
from ptflow.runtime.runner.views import step_name

if TYPE_CHECKING:
    from ptflow.runtime.runner.engine import Run

DEFAULT_STORE = ".ptflow"  # `ptflow run`'s default; a log hint names --store only for another


@dataclass
class ResolvedTask:
    """One container or importer task, its inputs resolved."""

    path: str
    dag_key: str
    task_name: str
    task: dict
    component_key: str
    component: dict
    executor_label: str
    executor: dict
    parameters: dict[str, Any]
    artifacts: dict[str, list[Artifact]]
    # (folder here, mount path): PVCs (volumes.py), secrets, ConfigMaps and emptyDirs (cluster_objects.py)
    volumes: list[tuple[str, str]] = field(default_factory=list)
    # Environment variables from secrets and ConfigMaps: given to the process only, never on a command line or
    # in the run record (their values may be secret).
    hidden_env: dict[str, str] = field(default_factory=dict)
    object_names: list[str] = field(default_factory=list)  # the secrets and ConfigMaps used, as `secret/minio`


@dataclass
class StepResult:
    state: str
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, list[Artifact]] = field(default_factory=dict)
    failure: StepFailure | None = None


@dataclass
class RetryPolicy:
    """A task's retryPolicy; `of` gives every field (KFP's defaults where the task leaves one out)."""

    max_retries: int
    backoff: float
    factor: float
    max_backoff: float

    @classmethod
    def of(cls, task: dict) -> RetryPolicy:
        policy = task.get("retryPolicy") or {}
        return cls(
            max_retries=int(policy.get("maxRetryCount") or 0),
            backoff=_seconds(policy.get("backoffDuration"), 0.0),
            factor=float(policy.get("backoffFactor") or 2.0),
            max_backoff=_seconds(policy.get("backoffMaxDuration"), 3600.0),
        )

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        return min(self.backoff * self.factor ** (retry - 1), self.max_backoff)


def _seconds(duration: Any, default: float) -> float:
    """A protobuf Duration in JSON form ("30s", "1.5s") or a number of seconds."""
    if duration is None or duration == "":
        return default
    if isinstance(duration, (int, float)):
        return float(duration)
    text = str(duration).strip()
    return float(text[:-1]) if text.endswith("s") else float(text)


def with_defaults(parameters: dict[str, Any], component: dict) -> dict[str, Any]:
    """The task's parameters plus the component's defaults for those not given (the launcher's addDefaultParams)."""
    result = dict(parameters)
    for name, definition in ((component.get("inputDefinitions") or {}).get("parameters") or {}).items():
        if name not in result and "defaultValue" in (definition or {}):
            result[name] = values.as_protobuf(definition["defaultValue"])
    return result


def missing_inputs(parameters: dict, artifacts: dict, component: dict) -> list[str]:
    definitions = component.get("inputDefinitions") or {}
    missing = []
    for name, definition in (definitions.get("parameters") or {}).items():
        definition = definition or {}
        if name not in parameters and not definition.get("isOptional") and "defaultValue" not in definition:
            missing.append(name)
    for name, definition in (definitions.get("artifacts") or {}).items():
        if not artifacts.get(name) and not (definition or {}).get("isOptional"):
            missing.append(name)
    return missing


def cache_key(step: ResolvedTask, parameters: dict[str, Any], digests: dict[str, list[str]]) -> str:
    """Component (its interface and its executor) + input values + input artifact contents."""
    component = {k: step.component.get(k) for k in ("inputDefinitions", "outputDefinitions")}
    material: dict[str, Any] = {
        "component": component,
        "executor": step.executor,
        "parameters": parameters,
        "artifacts": digests,
    }
    if step.object_names:  # a step given another secret or ConfigMap is another step (their values stay out)
        material["objects"] = sorted(step.object_names)
    text = values.canonical_json(material)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def custom_cache_key(pipeline: str, step: ResolvedTask, key: str) -> str:
    """The cache key of a step given one (`cache_key`, kfp's `set_caching_options(cache_key=...)`), as KFP's
    driver makes it: the key replaces the inputs, the command and the image, so the step reuses a result of
    the same component with the same key whatever else changed.  The component goes with it (KFP hashes the
    task's component name and the key), and the pipeline's name (KFP keeps a pipeline's cache to itself), so
    that a key shared by other steps or pipelines of a store can't hand them this step's outputs."""
    text = values.canonical_json({"pipeline": pipeline, "component": step.component_key, "cache_key": key})
    return "custom:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Execution:
    """A step's record in the store, as its attempts go by."""

    uuid: str
    run_dir: str
    id: int | None = None  # None until the store has it
    logs: list[LogRange] = field(default_factory=list)  # one per attempt that started a process

    # Output files lie flat in the run's folder, named after the execution: no folder per step.
    def output_file(self, name: str) -> str:
        return f"{self.run_dir}{os.sep}{self.uuid}.output-{name}"

    @property
    def executor_output(self) -> str:
        return f"{self.run_dir}{os.sep}{self.uuid}.executor_output.json"


@dataclass
class Prepared:
    """An attempt's command line and what the step will be given, ready to start."""

    executor_input: dict
    argv: list[str]
    env: dict[str, str]
    image: str
    timeout: float | None


class ContainerLauncher:
    """Runs container steps of one run; shared by all its threads."""

    def __init__(self, run: Run):
        self.run = run
        self.store = run.store
        self._warned_images: set[str] = set()
        self._executables: dict[str, str | None] = {}  # command name -> its path on PATH, looked up once
        self._artifacts_root = str(self.store.artifacts_dir)
        # Execution ids: 64 random bits per run, then a count; as unique in a store as uuid4s, no syscall each.
        self._id_prefix = os.urandom(8).hex()
        self._id_count = itertools.count()

    # ------------------------------------------------------------- the step
    def launch(self, step: ResolvedTask) -> StepResult:
        run = self.run
        parameters = with_defaults(step.parameters, step.component)
        missing = missing_inputs(parameters, step.artifacts, step.component)
        if missing:
            return self._refused(
                step,
                parameters,
                f"input{'s' if len(missing) > 1 else ''} "
                f"{', '.join(f'`{m}`' for m in missing)} of step `{self._named(step.path)}` "
                "received no value (its producer was skipped or did not produce it)",
                codes.RUN_INPUT_WITHOUT_VALUE,
            )
        key = None
        caching = step.task.get("cachingOptions") or {}
        if run.options.use_cache and caching.get("enableCache") is True:
            if caching.get("cacheKey"):
                key = custom_cache_key(run.pipeline.name, step, str(caching["cacheKey"]))
            else:
                digests = {n: [self.store.artifact_digest(a) for a in items] for n, items in step.artifacts.items()}
                key = cache_key(step, parameters, digests)
            hit = self.store.cached(key)
            if hit is not None:
                self.store.record_execution(
                    run.run_id,
                    step.path,
                    step.component_key,
                    "container",
                    states.CACHED,
                    cache_key=key,
                    cached_from=hit.execution_id,
                    inputs=parameters,
                    parameters=hit.parameters,
                    input_artifacts=step.artifacts,
                    outputs=hit.artifacts,
                )
                run.progress.step_cached(step.path, hit.run_id)
                return StepResult(states.CACHED, hit.parameters, hit.artifacts)
        execution = Execution(self._new_execution_id(), str(run.run_dir))
        policy = RetryPolicy.of(step.task)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(step, parameters, key, execution, attempt)
            if isinstance(outcome, StepResult):
                assert execution.id is not None, "an attempt that succeeded recorded its execution"
                self.store.finish_execution(
                    execution.id,
                    states.SUCCEEDED,
                    parameters=outcome.parameters,
                    outputs=outcome.artifacts,
                    inputs=step.artifacts,
                    exit_code=0,
                    attempts=attempt,
                    logs=execution.logs,
                )
                run.progress.step_finished(step.path)
                return outcome
            failure = outcome
            failure.attempts = attempt
            if attempt <= policy.max_retries and not run.stopping.is_set():
                delay = policy.delay(attempt)
                run.progress.step_retrying(step.path, attempt, delay, _short(failure))
                if run.stopping.wait(delay):
                    break  # the run is stopping: no further attempt
                continue
            break
        if execution.id is None:  # no attempt got as far as starting a process
            self._record_start(step, parameters, key, execution, attempt)
        assert execution.id is not None, "_record_start gives the execution its id"
        if execution.logs:
            failure.log_tail = log_tail(logs.read_range(self.store.root, execution.logs[-1], TAIL_BYTES))
            failure.log_hint = self._log_hint(step.path)
        # A step the runner stopped because the run was interrupted did not fail on its own.
        state = states.INTERRUPTED if run.interruption else states.FAILED
        self.store.finish_execution(
            execution.id,
            state,
            inputs=step.artifacts,
            exit_code=failure.exit_code,
            error=failure.message,
            attempts=attempt,
            logs=execution.logs,
        )
        run.progress.step_failed(step.path, _short(failure))
        return StepResult(states.FAILED, failure=failure)

    def _new_execution_id(self) -> str:
        return f"{self._id_prefix}{next(self._id_count):016x}"  # next() on a count is atomic under the GIL

    def _refused(self, step: ResolvedTask, parameters: dict, message: str, code: str) -> StepResult:
        self.store.record_execution(
            self.run.run_id,
            step.path,
            step.component_key,
            "container",
            states.FAILED,
            inputs=parameters,
            input_artifacts=step.artifacts,
            error=message,
        )
        self.run.progress.step_failed(step.path, message)
        return StepResult(states.FAILED, failure=StepFailure(step.path, step.dag_key, step.task_name, message, code))

    def _record_start(
        self, step: ResolvedTask, parameters: dict, key: str | None, execution: Execution, attempt: int
    ) -> None:
        """Commit that an attempt starts (and where its log starts), before its process exists."""
        if execution.id is None:
            execution.id, _ = self.store.start_execution(
                self.run.run_id,
                step.path,
                step.component_key,
                "container",
                key,
                parameters,
                execution.uuid,
                attempts=attempt,
                logs=execution.logs,
            )
        else:
            self.store.record_attempt(execution.id, attempt, execution.logs)

    def _named(self, task: str) -> str:
        """A task as the `.ptflow` file names it (`crash_now`, not `exit-handler-1/crash-now`), for messages."""
        return step_name(task, self.run.pipeline.step_names)

    def _log_hint(self, task: str) -> str:
        """The command that prints a step's whole log."""
        default = self.store.root == Path(DEFAULT_STORE).resolve()
        store = "" if default else f" --store {shlex.quote(str(self.store.root))}"
        name = self._named(task)
        return f"ptflow show {self.run.run_id}{store} --log {shlex.quote(name)}"

    # ---------------------------------------------------------- one attempt
    def _attempt(
        self, step: ResolvedTask, parameters: dict, key: str | None, execution: Execution, attempt: int
    ) -> StepResult | StepFailure:
        has_artifacts = bool((step.component.get("outputDefinitions") or {}).get("artifacts"))
        # Only steps that make artifacts need a staging folder (and its rename into the store).
        staging = self.store.staging_for(execution.uuid, attempt) if has_artifacts else None
        if attempt > 1:  # what a failed attempt wrote must not pass for this attempt's outputs
            for name in (step.component.get("outputDefinitions") or {}).get("parameters") or {}:
                _remove(execution.output_file(name))
            _remove(execution.executor_output)
        outcome = self._run_attempt(step, parameters, key, execution, attempt, staging)
        if isinstance(outcome, StepFailure) and staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        return outcome

    def _run_attempt(
        self,
        step: ResolvedTask,
        parameters: dict,
        key: str | None,
        execution: Execution,
        attempt: int,
        staging: Path | None,
    ) -> StepResult | StepFailure:
        run = self.run

        def fail(message: str, code: str = codes.RUN_STEP_FAILED, exit_code: int | None = None) -> StepFailure:
            return StepFailure(step.path, step.dag_key, step.task_name, message, code, exit_code, attempt)

        prepared = self._prepare(step, parameters, execution, staging, fail)
        if isinstance(prepared, StepFailure):
            return prepared
        lanes = run.lanes
        assert lanes is not None, "the run opens its lanes before any step starts"
        lane = lanes.acquire()
        try:
            ended = self._run_in_lane(step, parameters, key, execution, attempt, prepared, lane, fail)
        finally:
            lanes.release(lane)
        if isinstance(ended, StepFailure):
            return ended
        exit_code, timed_out = ended
        if timed_out:
            return fail(
                f"step `{self._named(step.path)}` timed out after {prepared.timeout:g}s",
                codes.RUN_STEP_TIMED_OUT,
                exit_code,
            )
        if exit_code != 0:
            return fail(f"step `{self._named(step.path)}` {describe_exit(exit_code)}", exit_code=exit_code)
        return self._collect(step, prepared.executor_input, staging, execution, fail)

    def _run_in_lane(
        self,
        step: ResolvedTask,
        parameters: dict,
        key: str | None,
        execution: Execution,
        attempt: int,
        prepared: Prepared,
        lane: Lane,
        fail,
    ) -> tuple[int, bool] | StepFailure:
        """Record the attempt's start (and its log's), run its process, note where its log ends."""
        run = self.run
        if run.stopping.is_set():
            return fail(f"step `{self._named(step.path)}` was not started: the run is stopping")
        command = self._plan(step, prepared, lane, fail)
        if isinstance(command, StepFailure):
            return command
        header = f"{logs.HEADER_PREFIX} attempt {attempt}: {' '.join(command.argv)[:2000]}\n"
        log = LogRange(attempt, lane.file, lane.begin(header), started=time.time())
        execution.logs.append(log)
        self._record_start(step, parameters, key, execution, attempt)
        run.progress.step_started(step.path, command.how)
        try:
            ended = self._run_process(command, lane, prepared.timeout)
            log.exit_code = ended[0]
            return ended
        except OSError as error:  # the command went away since it was found, or can't be executed
            return fail(
                f"step `{self._named(step.path)}` runs command `{command.argv[0]}`, which can't be started here "
                f"({error.strerror or error})",
                codes.RUN_COMMAND_NOT_FOUND,
            )
        finally:
            log.end = lane.offset()  # committed with the attempt's outcome
            log.ended = time.time()

    def _prepare(
        self, step: ResolvedTask, parameters: dict, execution: Execution, staging: Path | None, fail
    ) -> Prepared | StepFailure:
        """The executor input, the command line with its placeholders filled in, and how it runs here."""
        run = self.run
        executor_input = self._executor_input(step, parameters, staging, execution)
        names = JobNames(
            run.run_id,
            run.job_uuid,
            step.task_name,
            execution.uuid,
            self._artifacts_root,
            run.created_utc,
            workspace_path=run.workspace_dir,
        )
        container = step.executor.get("container") or {}
        resolver = Resolver(executor_input, names)
        try:
            argv = resolver.command(list(container.get("command") or []) + list(container.get("args") or []))
            env = {
                item["name"]: resolver.text(str(item.get("value", "")), f"environment variable `{item['name']}`")
                for item in container.get("env") or []
            }
            image = resolver.text(str(container.get("image", "")), "the image")
        except PlaceholderError as error:
            return fail(f"step `{self._named(step.path)}`: {error}", codes.RUN_INPUT_WITHOUT_VALUE)
        return Prepared(executor_input, argv, env, image, self._timeout(step))

    def _plan(self, step: ResolvedTask, prepared: Prepared, lane: Lane, fail) -> CommandPlan | StepFailure:
        """How the command runs here: in this Python, on the host, or in a container working in the lane."""
        try:
            command = plan(
                prepared.argv,
                prepared.image,
                prepared.env,
                str(lane.workdir),
                [str(self.store.root)],
                self.run.container_runtime,
                self._executables,
                volumes=step.volumes,
                hidden_env=step.hidden_env,
            )
        except CommandNotFound as missing:
            what = f"command `{missing.command}`" if missing.command else "an empty command"
            return fail(
                f"step `{self._named(step.path)}` runs {what}, which is not on this machine's PATH "
                f"(its image `{prepared.image}` is not used without --containers)",
                codes.RUN_COMMAND_NOT_FOUND,
            )
        if command.how == "host":
            self._warn_image_unused(prepared.image, step)
        return command

    def _executor_input(self, step: ResolvedTask, parameters: dict, staging: Path | None, execution: Execution) -> dict:
        definitions = step.component.get("outputDefinitions") or {}
        output_parameters = {
            name: {"outputFile": execution.output_file(name)} for name in definitions.get("parameters") or {}
        }
        output_artifacts = {}
        for name, definition in (definitions.get("artifacts") or {}).items():
            artifact_type = (definition or {}).get("artifactType") or {}
            output_artifacts[name] = {
                "artifacts": [
                    Artifact(
                        name=name,
                        schema_title=artifact_type.get("schemaTitle", "system.Artifact"),
                        schema_version=artifact_type.get("schemaVersion", "0.0.1"),
                        uri=str(staging / name),
                    ).to_runtime_artifact()
                ]
            }
        return {
            "inputs": {
                "parameterValues": parameters,
                "artifacts": {
                    name: {"artifacts": [a.to_runtime_artifact() for a in items]}
                    for name, items in step.artifacts.items()
                    if items
                },
            },
            "outputs": {
                "parameters": output_parameters,
                "artifacts": output_artifacts,
                "outputFile": execution.executor_output,
            },
        }

    def _timeout(self, step: ResolvedTask) -> float | None:
        limits = []
        deadline = self.run.pipeline.kubernetes(step.executor_label).get("activeDeadlineSeconds")
        if deadline:
            limits.append(float(deadline))
        if self.run.options.step_timeout:
            limits.append(float(self.run.options.step_timeout))
        return min(limits) if limits else None

    def _run_process(self, command: CommandPlan, lane: Lane, timeout: float | None) -> tuple[int, bool]:
        # The step writes straight into its lane's log; in its own session, so a timeout or Ctrl-C stops all of it.
        self.run.before_process_start()
        process = subprocess.Popen(
            command.argv,
            stdout=lane.fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=lane.workdir,
            env=command.env,
            start_new_session=True,
        )
        self.run.track(process)
        try:
            if self.run.stopping.is_set():
                # Ctrl-C or SIGTERM came while this step was starting: `stop` sets `stopping` before it lists
                # the tracked processes, so a step it did not list sees the flag here and is stopped the same way.
                stop_processes([process])
                return process.returncode, False
            return process.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            stop_processes([process])
            return process.returncode, True
        except BaseException:  # Ctrl-C, SIGTERM: the step runs in its own session, so it must be stopped here
            stop_processes([process])
            raise
        finally:
            self.run.untrack(process)

    # -------------------------------------------------------------- outputs
    def _collect(
        self, step: ResolvedTask, executor_input: dict, staging: Path | None, execution: Execution, fail
    ) -> StepResult | StepFailure:
        executor_output: dict = {}
        try:
            written = _read_text(executor_input["outputs"]["outputFile"])
            if written is not None:
                executor_output = json.loads(written) or {}
        except (OSError, json.JSONDecodeError) as error:
            return fail(f"step `{self._named(step.path)}` wrote an executor output file that is not JSON ({error})")
        definitions = step.component.get("outputDefinitions") or {}
        parameters: dict[str, Any] = {}
        reported = executor_output.get("parameterValues") or {}
        for name, entry in executor_input["outputs"]["parameters"].items():
            parameter_type = ((definitions.get("parameters") or {}).get(name) or {}).get("parameterType", values.STRING)
            if name in reported:
                parameters[name] = values.as_protobuf(reported[name])
                continue
            try:
                text = _read_text(entry["outputFile"])
            except OSError:
                text = None
            if text is None:
                return fail(
                    f"step `{self._named(step.path)}` did not write its output parameter `{name}` "
                    f"(expected a file at {entry['outputFile']})"
                )
            text = _universal_newlines(text)  # as reading the file in text mode always did
            try:
                parameters[name] = values.from_text(text, parameter_type)
            except values.ValueTypeError as error:
                return fail(
                    f"step `{self._named(step.path)}` wrote output parameter `{name}` that is not a "
                    f"{parameter_type}: {error}"
                )
        artifacts: dict[str, list[Artifact]] = {}
        final = self.store.final_for(execution.uuid) if executor_input["outputs"]["artifacts"] else None
        for name, entry in executor_input["outputs"]["artifacts"].items():
            runtime = entry["artifacts"][0]
            artifact = Artifact(
                name=name,
                schema_title=runtime["type"]["schemaTitle"],
                schema_version=runtime["type"]["schemaVersion"],
                uri=str(final / name),
            )
            reported_artifact = ((executor_output.get("artifacts") or {}).get(name) or {}).get("artifacts") or []
            if reported_artifact:
                artifact.metadata.update(reported_artifact[0].get("metadata") or {})
                reported_uri = reported_artifact[0].get("uri")
                if reported_uri and reported_uri != runtime["uri"]:
                    problem = self._foreign_uri(reported_uri)
                    if problem:
                        return fail(
                            f"step `{self._named(step.path)}` reported output `{name}` at {reported_uri}: {problem}",
                            codes.RUN_PATH_ESCAPES_STORE,
                        )
                    artifact.uri = reported_uri
            artifacts[name] = [artifact]
        if staging is not None:
            self.store.publish(staging, execution.uuid)
        return StepResult(states.SUCCEEDED, parameters, artifacts)

    def _foreign_uri(self, uri: str) -> str | None:
        """Why a step-reported artifact URI is refused, or None if it is acceptable."""
        if not is_local_uri(uri):
            return None  # a remote URI names no file here, so it can't escape the store
        path = local_path_for_uri(uri) or ""
        if ".." in Path(path).parts or not self.store.inside(path):
            return "a local artifact must stay inside the store " + str(self.store.root)
        return None

    def _warn_image_unused(self, image: str, step: ResolvedTask) -> None:
        with self.run.progress.lock:
            if image in self._warned_images:
                return
            self._warned_images.add(image)
        self.run.progress.warning(
            f"image `{image}` is not used: its steps run their command on this machine "
            "(--containers runs them in the image)"
        )


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


_READ_SIZE = 1 << 16


def _read_text(path: str) -> str | None:
    """A small file's text, None when it does not exist; three system calls, no stat first."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        chunks = [os.read(fd, _READ_SIZE)]
        if len(chunks[0]) == _READ_SIZE:  # a short read of a regular file is its end: usually one read
            while chunk := os.read(fd, _READ_SIZE):
                chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _short(failure: StepFailure) -> str:
    message = failure.message
    prefix = f"step `{failure.task}` "
    return message[len(prefix) :] if message.startswith(prefix) else message


def run_importer(run: Run, step: ResolvedTask) -> StepResult:
    """An importer: point at the URI (local paths and file:// must exist), record it as an artifact."""
    importer = step.executor.get("importer") or {}
    source = importer.get("artifactUri") or {}
    if "runtimeParameter" in source:
        uri = step.parameters.get(source["runtimeParameter"])
    elif "constant" in source:
        uri = source["constant"]
    else:
        uri = (source.get("constantValue") or {}).get("stringValue")
    output_name = next(iter((step.component.get("outputDefinitions") or {}).get("artifacts") or {"artifact": {}}))
    if not isinstance(uri, str) or not uri:
        return _importer_failed(run, step, f"importer `{step.path}` has no artifact URI")
    if not is_local_uri(uri) and "://" not in uri:
        uri = os.path.abspath(uri)  # a relative path, read from where `ptflow run` was started
    path = local_path_for_uri(uri)
    if is_local_uri(uri) and not os.path.exists(path or ""):
        return _importer_failed(run, step, f"importer `{step.path}`: {uri} does not exist")
    if not is_local_uri(uri):
        run.progress.warning(
            f"importer `{step.path}` points at {uri}; steps here get its URI, "
            "but its file can't be read on this machine"
        )
    type_schema = importer["typeSchema"]  # the IR check refuses an importer without one (PTF515)
    resolver = Resolver(
        {"inputs": {"parameterValues": step.parameters}},
        JobNames(
            run.run_id,
            run.job_uuid,
            step.task_name,
            "",
            str(run.store.artifacts_dir),
            run.created_utc,
            workspace_path=run.workspace_dir,
        ),
    )
    try:
        metadata = resolver.structure(importer.get("metadata") or {}, "the importer's metadata")
    except PlaceholderError as error:
        return _importer_failed(run, step, f"importer `{step.path}`: {error}")
    artifact = Artifact(
        name=output_name,
        schema_title=type_schema.get("schemaTitle", "system.Artifact"),
        schema_version=type_schema.get("schemaVersion", "0.0.1"),
        uri=uri,
        metadata=metadata,
    )
    run.store.record_execution(
        run.run_id,
        step.path,
        step.component_key,
        "importer",
        states.SUCCEEDED,
        inputs=step.parameters,
        outputs={output_name: [artifact]},
    )
    run.progress.step_finished(step.path)
    return StepResult(states.SUCCEEDED, {}, {output_name: [artifact]})


def _importer_failed(run: Run, step: ResolvedTask, message: str) -> StepResult:
    run.store.record_execution(
        run.run_id, step.path, step.component_key, "importer", states.FAILED, inputs=step.parameters, error=message
    )
    run.progress.step_failed(step.path, message)
    return StepResult(states.FAILED, failure=StepFailure(step.path, step.dag_key, step.task_name, message))
