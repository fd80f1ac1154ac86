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
from dataclasses import dataclass, field

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

    def wrap(self, argv: list[str], image: str, env: dict[str, str], workdir: str, mounts: list[str]) -> list[str]:
        command = [self.executable, "run", "--rm", "-w", workdir]
        for mount in mounts:
            command += ["-v", f"{mount}:{mount}"]
        for name, value in env.items():
            command += ["-e", f"{name}={value}"]
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
            answer = subprocess.run([executable, "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                                    text=True, timeout=15, stdin=subprocess.DEVNULL)
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
    env: dict[str, str] = field(default_factory=dict)


def plan(argv: list[str], image: str, env: dict[str, str], workdir: str, mounts: list[str],
         container_runtime: ContainerRuntime | None) -> CommandPlan:
    """The argv to start for a resolved command line; raises CommandNotFound for a missing host command."""
    if not argv:
        raise CommandNotFound("")
    process_env = {**os.environ, **env}
    if is_runtime_command(argv):
        return CommandPlan([sys.executable, *argv[1:]], "runtime", process_env)
    if container_runtime is not None:
        return CommandPlan(container_runtime.wrap(argv, image, env, workdir, mounts), "container", dict(os.environ))
    executable = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=process_env.get("PATH"))
    if executable is None or not os.path.exists(executable):
        raise CommandNotFound(argv[0])
    return CommandPlan([executable, *argv[1:]], "host", process_env)
