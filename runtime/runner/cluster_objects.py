"""Secrets, ConfigMaps and emptyDirs in a local run.

On Kubernetes a step's `secrets` and `config_maps` (kfp-kubernetes' `secretAsEnv`, `secretAsVolume`,
`configMapAsEnv`, `configMapAsVolume`) come from objects of the cluster.  Here they come from what the user
names: `ptflow run --secrets DIR|FILE --config-maps DIR|FILE`.  A folder holds each object as a folder
`DIR/<name>` with one file per key (the layout `kubectl create secret generic NAME --from-file=DIR/NAME` reads);
a file holds them all (object_files.py: a map name -> key -> value, or Kubernetes manifests).  A key given as an
environment variable reaches the step's process through its environment only: never on a command line, in a log
header or in the run record.  A mounted object is a folder bound read-only at the mount path with `--containers`
(a step on this machine can't have a folder at `/certs`): its own folder, or for an object from a file a private
temporary folder of its keys, removed when the step ends.  An `emptyDir` is a fresh temporary folder, bound at
its mount path with `--containers` and removed when the step ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.runtime.runner.object_files import KEY, OBJECT_NAME, load_objects


class ObjectError(Exception):
    """A secret or ConfigMap (or one of its keys) the step needs and that isn't there."""


class ObjectSource:
    """Where the objects of one kind (secrets, or ConfigMaps) come from: what `--secrets` or `--config-maps`
    names.  `option` is how messages name it (`--secrets /home/me/secrets`)."""

    def __init__(self, option: str, where: Path):
        self.option = option
        self.where = where

    def has(self, name: str) -> bool:
        raise NotImplementedError

    def value(self, name: str, key: str) -> str | None:
        """A key's value; None when the object has no such key."""
        raise NotImplementedError

    def folder(self, name: str) -> tuple[str, bool]:
        """A folder holding the object's keys as files, to mount, and whether it is a temporary copy."""
        raise NotImplementedError

    def missing(self, kind: str, name: str) -> str:
        return f"the {kind} `{name}` is not in {self.option} {self.where}"

    def missing_key(self, kind: str, name: str, key: str) -> str:
        return f"the {kind} `{name}` has no key `{key}`"


class ObjectFolder(ObjectSource):
    """DIR/NAME/KEY: a folder per object holding a file per key."""

    def has(self, name: str) -> bool:
        return (self.where / name).is_dir()

    def value(self, name: str, key: str) -> str | None:
        path = self.where / name / key
        if not KEY.fullmatch(key) or key in (".", "..") or not path.is_file():
            return None
        try:
            return path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise ObjectError(f"the key `{key}` of `{name}` in {self.option} can't be read as text ({error})") from None

    def folder(self, name: str) -> tuple[str, bool]:
        return str(self.where / name), False

    def missing(self, kind: str, name: str) -> str:
        return f"{super().missing(kind, name)} (no folder {self.where / name})"

    def missing_key(self, kind: str, name: str, key: str) -> str:
        return f"{super().missing_key(kind, name, key)} (no file {self.where / name / key})"


class ObjectFile(ObjectSource):
    """One file holding every object (object_files.py), read once when the run starts."""

    def __init__(self, option: str, where: Path, objects: dict[str, dict[str, str]]):
        super().__init__(option, where)
        self.objects = objects

    def has(self, name: str) -> bool:
        return name in self.objects

    def value(self, name: str, key: str) -> str | None:
        return self.objects[name].get(key)

    def folder(self, name: str) -> tuple[str, bool]:
        folder = tempfile.mkdtemp(prefix="ptflow-object-")  # readable by this user only, as each file
        for key, value in self.objects[name].items():
            path = Path(folder) / key
            path.touch(mode=0o600)
            path.write_text(value)
        return folder, True

    def missing_key(self, kind: str, name: str, key: str) -> str:
        return f"{super().missing_key(kind, name, key)} in {self.option} {self.where}"


def object_source(option: str, given: str, kind: str) -> ObjectSource:
    """What `--secrets`/`--config-maps GIVEN` names: a folder, or a file read now.  Raises ObjectFileError (a
    malformed file, with its line) or ObjectError (nothing there)."""
    path = Path(given).resolve()
    if path.is_dir():
        return ObjectFolder(option, path)
    if path.is_file():
        return ObjectFile(option, path, load_objects(path, kind))
    raise ObjectError(f"{option} {given}: no such folder or file")


@dataclass(frozen=True)
class ObjectSources:
    """What `--secrets` and `--config-maps` name (None: not given)."""

    secrets: ObjectSource | None = None
    config_maps: ObjectSource | None = None


@dataclass
class StepObjects:
    """What a step gets from its secrets, ConfigMaps and emptyDirs."""

    env: dict[str, str] = field(default_factory=dict)  # given to the process only, never written down
    mounts: list[tuple[str, str]] = field(default_factory=list)  # (folder here, mount path) with --containers
    scratch: list[str] = field(default_factory=list)  # emptyDirs and copies of objects, removed when the step ends
    # The objects used, as `secret/minio`: part of the step's cache key (their values are not, they may be secret).
    names: list[str] = field(default_factory=list)

    def remove_scratch(self) -> None:
        for folder in self.scratch:
            shutil.rmtree(folder, ignore_errors=True)


# platform config key -> (what the object is called in messages, its name field)
_KINDS = {
    "secretAsEnv": ("secret", "secretName"),
    "secretAsVolume": ("secret", "secretName"),
    "configMapAsEnv": ("ConfigMap", "configMapName"),
    "configMapAsVolume": ("ConfigMap", "configMapName"),
}


def honoured_settings(sources: ObjectSources, containers: bool) -> set[str]:
    """The kfp-kubernetes settings this run honours: env from an object whose folder or file was given, mounts of such
    objects and emptyDirs only when steps run in containers (a host step can't see a folder at its mount path)."""
    honoured = set()
    if sources.secrets is not None:
        honoured.add("secretAsEnv")
        if containers:
            honoured.add("secretAsVolume")
    if sources.config_maps is not None:
        honoured.add("configMapAsEnv")
        if containers:
            honoured.add("configMapAsVolume")
    if containers:
        honoured.add("emptyDirMounts")
    return honoured


def step_objects(
    settings: dict, sources: ObjectSources, containers: bool, name_of: Callable[[dict], Any]
) -> StepObjects:
    """The environment, mounts and scratch folders of one step from its kfp-kubernetes settings; `name_of` gives
    the value of a `...NameParameter` binding (a constant, a pipeline parameter or a step output).  Raises
    ObjectError for a missing object or key that is not `optional`."""
    objects = StepObjects()
    honoured = honoured_settings(sources, containers)
    for setting in ("secretAsEnv", "configMapAsEnv", "secretAsVolume", "configMapAsVolume"):
        if setting not in honoured:
            continue
        kind, name_field = _KINDS[setting]
        source = sources.secrets if kind == "secret" else sources.config_maps
        assert source is not None, "honoured_settings keeps only the settings whose source was given"
        for entry in settings.get(setting) or []:
            name = _object_name(entry.get(name_field) or name_of(entry.get(f"{name_field}Parameter") or {}), kind)
            optional = bool(entry.get("optional"))
            objects.names.append(f"{kind}/{name}")
            if not source.has(name):
                if optional:
                    continue
                raise ObjectError(source.missing(kind, name))
            if setting.endswith("AsVolume"):
                folder, temporary = source.folder(name)
                if temporary:
                    objects.scratch.append(folder)
                # Read-only, as Kubernetes mounts secret and ConfigMap volumes.
                objects.mounts.append((folder, f"{entry['mountPath']}:ro"))
                continue
            key_field = "secretKey" if kind == "secret" else "configMapKey"
            for pair in entry.get("keyToEnv") or []:
                key = pair[key_field]
                value = source.value(name, key)
                if value is not None:
                    objects.env[pair["envVar"]] = value
                elif not optional:
                    raise ObjectError(source.missing_key(kind, name, key))
    if "emptyDirMounts" in honoured:
        for entry in settings.get("emptyDirMounts") or []:
            scratch = tempfile.mkdtemp(prefix=f"ptflow-emptydir-{entry.get('volumeName', 'volume')}-")
            objects.scratch.append(scratch)
            objects.mounts.append((scratch, entry["mountPath"]))
    return objects


def _object_name(name: Any, kind: str) -> str:
    if not isinstance(name, str) or not OBJECT_NAME.fullmatch(name):
        raise ObjectError(f"`{name}` is not a Kubernetes name for a {kind} (lower-case letters, digits, - and .)")
    return name
