"""How a container step's command runs on this machine: in this Python, on the host, or in a container.

- A step whose command is the ptflow runtime (`python -m ptflow.runtime ...`)
  runs in the current environment, whatever its image: `python` becomes
  `sys.executable`, so the step sees the same ptflow that compiled it.
- Any other step runs its command on the host (with a one-line warning that
  its image is not used), or in Docker/Podman with `--containers`.

Commands are argument lists, never shell strings: only a component that asks
for `sh -c` itself gets a shell.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

_PYTHON = re.compile(r"^python(3(\.\d+)?)?$")


class CommandNotFound(Exception):
    def __init__(self, command: str):
        super().__init__(command)
        self.command = command


class NoContainerRuntime(Exception):
    """`--containers` was asked for but neither Docker nor Podman answers."""


def is_runtime_command(argv: list[str]) -> bool:
    """`python -m ptflow.runtime ...` (any python, any runtime sub-module)."""
    if len(argv) < 3 or not _PYTHON.match(os.path.basename(argv[0])):
        return False
    return argv[1] == "-m" and (argv[2] == "ptflow.runtime" or argv[2].startswith("ptflow.runtime."))


@dataclass
class ContainerRuntime:
    """A container engine that answered: `docker` or `podman`."""

    executable: str

    def wrap(
        self,
        argv: list[str],
        image: str,
        env: dict[str, str],
        workdir: str,
        mounts: list[str],
        volumes: list[tuple[str, str]] | tuple = (),
        hidden_env: dict[str, str] | None = None,
    ) -> list[str]:
        """The engine's command line; `mounts` are folders seen at the same path inside, `volumes` (folder here,
        path inside) are the PVCs, secrets, ConfigMaps and emptyDirs the step mounts.  `hidden_env` is passed
        by name only (`-e NAME`): the engine takes its value from its own environment, so a secret's value is
        never on the command line (which the step's log shows)."""
        command = [self.executable, "run", "--rm", "-w", workdir]
        for mount in mounts:
            command += ["-v", f"{mount}:{mount}"]
        for folder, path in volumes:
            command += ["-v", f"{folder}:{path}"]
        for name, value in env.items():
            command += ["-e", f"{name}={value}"]
        for name in hidden_env or {}:
            command += ["-e", name]
        return command + ["--entrypoint", argv[0], image, *argv[1:]]


def find_container_runtime() -> ContainerRuntime:
    """The first of docker and podman whose daemon answers; raises NoContainerRuntime saying why not."""
    reasons = []
    for name in ("docker", "podman"):
        executable = shutil.which(name)
        if executable is None:
            reasons.append(f"{name}: not installed")
            continue
        try:
            answer = subprocess.run(
                [executable, "info", "--format", "{{.ServerVersion}}"],
                capture_output=True,
                text=True,
                timeout=15,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            reasons.append(f"{name}: no answer within 15 s")
            continue
        if answer.returncode == 0:
            return ContainerRuntime(executable)
        last_line = (answer.stderr or answer.stdout).strip().splitlines()[-1:] or ["no daemon"]
        reasons.append(f"{name}: {last_line[0]}")
    raise NoContainerRuntime("; ".join(reasons))


@dataclass
class CommandPlan:
    argv: list[str]
    how: str  # "runtime", "host" or "container"
    env: dict[str, str] | None = None  # None: the runner's own environment


def plan(
    argv: list[str],
    image: str,
    env: dict[str, str],
    workdir: str,
    mounts: list[str],
    container_runtime: ContainerRuntime | None,
    found: dict[str, str | None] | None = None,
    volumes: list[tuple[str, str]] | tuple = (),
    hidden_env: dict[str, str] | None = None,
) -> CommandPlan:
    """The argv to start for a resolved command line; raises CommandNotFound for a missing host command.

    `found` remembers where commands were found on PATH, for a runner that plans many steps.
    """
    if not argv:
        raise CommandNotFound("")
    process_env = {**os.environ, **env, **(hidden_env or {})} if env or hidden_env else None
    if is_runtime_command(argv):
        return CommandPlan([sys.executable, *argv[1:]], "runtime", process_env)
    if container_runtime is not None:
        wrapped = container_runtime.wrap(argv, image, env, workdir, mounts, volumes, hidden_env)
        # The engine's own environment carries the hidden values to the `-e NAME` options.
        return CommandPlan(wrapped, "container", {**os.environ, **hidden_env} if hidden_env else None)
    if os.sep in argv[0]:
        executable = argv[0] if os.path.exists(argv[0]) else None
    else:  # which() found an existing executable (once per run per name); no stat per step
        executable = _which(argv[0], process_env, found)
    if executable is None:
        raise CommandNotFound(argv[0])
    return CommandPlan([executable, *argv[1:]], "host", process_env)


def _which(name: str, env: dict[str, str] | None, found: dict[str, str | None] | None) -> str | None:
    if found is None or env is not None:  # a step's own PATH is looked up afresh
        return shutil.which(name, path=(env if env is not None else os.environ).get("PATH"))
    if name not in found:
        found[name] = shutil.which(name, path=os.environ.get("PATH"))
    return found[name]
