"""Secrets, ConfigMaps and emptyDirs in a local run.

On Kubernetes a step's `secrets` and `config_maps` (kfp-kubernetes' `secretAsEnv`, `secretAsVolume`,
`configMapAsEnv`, `configMapAsVolume`) come from objects of the cluster.  Here they come from folders the user
names: `ptflow run --secrets DIR --config-maps DIR`, each object a folder `DIR/<name>` holding one file per key
(the layout `kubectl create secret generic NAME --from-file=DIR/NAME` reads).  A key given as an environment
variable reaches the step's process through its environment only: never on a command line, in a log header or in
the run record.  A mounted object is its folder, bound read-only at the mount path with `--containers` (a step
on this machine can't have a folder at `/certs`).  An `emptyDir` is a fresh temporary folder, bound at its mount
path with `--containers` and removed when the step ends.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A Kubernetes object name (RFC 1123 subdomain), and a key of a secret or ConfigMap: safe names of files.
_OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
_KEY = re.compile(r"[-._a-zA-Z0-9]+")


@dataclass(frozen=True)
class ObjectFolders:
    """The folders `--secrets` and `--config-maps` name (None: not given)."""

    secrets: Path | None = None
    config_maps: Path | None = None


@dataclass
class StepObjects:
    """What a step gets from its secrets, ConfigMaps and emptyDirs."""

    env: dict[str, str] = field(default_factory=dict)  # given to the process only, never written down
    mounts: list[tuple[str, str]] = field(default_factory=list)  # (folder here, mount path) with --containers
    scratch: list[str] = field(default_factory=list)  # emptyDir folders, removed when the step ends
    # The objects used, as `secret/minio`: part of the step's cache key (their values are not, they may be secret).
    names: list[str] = field(default_factory=list)

    def remove_scratch(self) -> None:
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)


class ObjectError(Exception):
    """A secret or ConfigMap (or one of its keys) the step needs and that isn't there."""


# (platform config key, what the object is called in messages, its name field, the option that gives its folder)
_KINDS = {
    "secretAsEnv": ("secret", "secretName", "--secrets"),
    "secretAsVolume": ("secret", "secretName", "--secrets"),
    "configMapAsEnv": ("ConfigMap", "configMapName", "--config-maps"),
    "configMapAsVolume": ("ConfigMap", "configMapName", "--config-maps"),
}


def honoured_settings(folders: ObjectFolders, containers: bool) -> set[str]:
    """The kfp-kubernetes settings this run honours: env from an object whose folder was given, mounts of such
    objects and emptyDirs only when steps run in containers (a host step can't see a folder at its mount path)."""
    honoured = set()
    if folders.secrets is not None:
        honoured.add("secretAsEnv")
        if containers:
            honoured.add("secretAsVolume")
    if folders.config_maps is not None:
        honoured.add("configMapAsEnv")
        if containers:
            honoured.add("configMapAsVolume")
    if containers:
        honoured.add("emptyDirMounts")
    return honoured


def step_objects(
    settings: dict, folders: ObjectFolders, containers: bool, name_of: Callable[[dict], Any]
) -> StepObjects:
    """The environment, mounts and scratch folders of one step from its kfp-kubernetes settings; `name_of` gives
    the value of a `...NameParameter` binding (a constant, a pipeline parameter or a step output).  Raises
    ObjectError for a missing object or key that is not `optional`."""
    objects = StepObjects()
    honoured = honoured_settings(folders, containers)
    for setting in ("secretAsEnv", "configMapAsEnv", "secretAsVolume", "configMapAsVolume"):
        if setting not in honoured:
            continue
        kind, name_field, option = _KINDS[setting]
        root = folders.secrets if kind == "secret" else folders.config_maps
        assert root is not None, "honoured_settings keeps only the settings whose folder was given"
        for entry in settings.get(setting) or []:
            name = entry.get(name_field) or name_of(entry.get(f"{name_field}Parameter") or {})
            folder = _object_folder(root, kind, name, option)
            optional = bool(entry.get("optional"))
            objects.names.append(f"{kind}/{name}")
            if not folder.is_dir():
                if optional:
                    continue
                raise ObjectError(f"the {kind} `{name}` is not in {option} {root} (no folder {folder})")
            if setting.endswith("AsVolume"):
                # Read-only, as Kubernetes mounts secret and ConfigMap volumes.
                objects.mounts.append((str(folder), f"{entry['mountPath']}:ro"))
                continue
            key_field = "secretKey" if kind == "secret" else "configMapKey"
            for pair in entry.get("keyToEnv") or []:
                key = pair[key_field]
                value = _read_key(folder, kind, name, key, optional)
                if value is not None:
                    objects.env[pair["envVar"]] = value
    if "emptyDirMounts" in honoured:
        for entry in settings.get("emptyDirMounts") or []:
            scratch = tempfile.mkdtemp(prefix=f"ptflow-emptydir-{entry.get('volumeName', 'volume')}-")
            objects.scratch.append(scratch)
            objects.mounts.append((scratch, entry["mountPath"]))
    return objects


def _object_folder(root: Path, kind: str, name: Any, option: str) -> Path:
    if not isinstance(name, str) or not _OBJECT_NAME.fullmatch(name):
        raise ObjectError(
            f"`{name}` is not a Kubernetes name for a {kind} (lower-case letters, digits, - and .), "
            f"so it can't be a folder of {option}"
        )
    return root / name


def _read_key(folder: Path, kind: str, name: str, key: str, optional: bool) -> str | None:
    """A key's value, or None for a missing key of an optional object."""
    path = folder / key
    if not _KEY.fullmatch(key) or key in (".", "..") or not path.is_file():
        if optional:
            return None
        raise ObjectError(f"the {kind} `{name}` has no key `{key}` (no file {path})")
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ObjectError(f"the key `{key}` of the {kind} `{name}` can't be read as text ({error})") from None
