"""Running a PyTorchJob's command here: the same world size, as processes under torchrun.

`distributed.pytorchjob` in local mode starts `torchrun --standalone
--nproc_per_node N` with N = (1 + workers) x nproc_per_node, the number of
processes the cluster job would have, on this machine.  The command gets the
same RANK / LOCAL_RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT variables it
gets in the pods; on a machine without GPUs it should use the gloo backend
(`torch.distributed.init_process_group("gloo")`, or Lightning's ddp on CPU).

A command starting with `python` runs with this interpreter, so it sees the
same packages as the step.  Output is passed through to the step's log and
its tail kept for the job record.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from ptflow.runtime.contract import StepError

LOG_TAIL_LINES = 200
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class LocalResult:
    command: list[str]
    processes: int
    returncode: int
    elapsed_s: float
    log_tail: list[str]


def torchrun_command(command: list[str], processes: int) -> list[str]:
    program = list(command)
    if program[0] in ("python", "python3") or os.path.basename(program[0]).startswith("python3"):
        program[0] = sys.executable
    elif shutil.which(program[0]) is None and not os.path.exists(program[0]):
        raise StepError(f"--command: `{program[0]}` is not a program on this machine's PATH")
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nnodes",
        "1",
        "--nproc_per_node",
        str(processes),
        "--no-python",
        *program,
    ]


def run_locally(command: list[str], processes: int, env: dict, timeout_s: float) -> LocalResult:
    """Run `command` as `processes` ranks; StepError if it fails or outlives `timeout_s`."""
    full_command = torchrun_command(command, processes)
    environment = {**os.environ, **{str(k): str(v) for k, v in env.items()}, "PYTHONUNBUFFERED": "1"}
    # A rank that checks is_chief_process() must not see the step's own rank variables.
    for variable in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "GROUP_RANK", "NODE_RANK"):
        if variable not in env:
            environment.pop(variable, None)
    started = time.perf_counter()
    process = subprocess.Popen(
        full_command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        start_new_session=True,
    )
    tail: collections.deque[str] = collections.deque(maxlen=LOG_TAIL_LINES)
    reader = threading.Thread(target=_pass_through, args=(process, tail), daemon=True)
    reader.start()
    try:
        returncode = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _stop(process)
        reader.join(timeout=5)
        raise StepError(
            f"the local distributed run did not finish within {timeout_s:g} s (--timeout); it was "
            "stopped. Last output:\n" + "\n".join(list(tail)[-15:])
        ) from None
    except BaseException:
        _stop(process)  # Ctrl-C or a runner stopping the step: take the ranks down too
        raise
    reader.join(timeout=5)
    result = LocalResult(full_command, processes, returncode, time.perf_counter() - started, list(tail))
    if returncode != 0:
        raise StepError(
            f"the local distributed run ({processes} processes under torchrun) failed with exit code "
            f"{returncode}. Last output:\n" + "\n".join(result.log_tail[-15:])
        )
    return result


def _pass_through(process: subprocess.Popen, tail: collections.deque) -> None:
    for line in process.stdout:
        sys.stderr.write(line)
        tail.append(line.rstrip("\n"))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
