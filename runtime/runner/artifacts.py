"""Artifacts as the runner passes them between steps, and where their files live."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

# The launcher's LocalPathForURI: remote buckets are mounted under these roots.
_MOUNTED_SCHEMES = {"gs": "/gcs/", "s3": "/s3/", "minio": "/minio/"}


@dataclass
class Artifact:
    """One artifact: a RuntimeArtifact in the executor input, a row in the store."""

    name: str
    schema_title: str
    schema_version: str
    uri: str
    metadata: dict = field(default_factory=dict)
    id: int | None = None  # the store's id, once recorded

    @property
    def path(self) -> str | None:
        return local_path_for_uri(self.uri)

    def to_runtime_artifact(self) -> dict:
        return {
            "name": self.name,
            "type": {"schemaTitle": self.schema_title, "schemaVersion": self.schema_version},
            "uri": self.uri,
            "metadata": dict(self.metadata),
        }


def local_path_for_uri(uri: str) -> str | None:
    """Where the file of `uri` is on this machine, as the KFP launcher maps it."""
    if not uri:
        return None
    if uri.startswith("/"):
        return uri
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    if parsed.scheme in _MOUNTED_SCHEMES:
        return _MOUNTED_SCHEMES[parsed.scheme] + uri.split("://", 1)[1]
    return None


def is_local_uri(uri: str) -> bool:
    return uri.startswith("/") or uri.startswith("file://")


def content_digest(path: str) -> tuple[str, int]:
    """sha256 of a file, or of a directory's relative names and file contents; and the byte size."""
    digest = hashlib.sha256()
    size = 0
    if os.path.isdir(path):
        for folder, folders, files in os.walk(path):
            folders.sort()
            for name in sorted(files):
                full = os.path.join(folder, name)
                relative = os.path.relpath(full, path)
                digest.update(b"F" + relative.encode() + b"\0")
                size += _hash_file(full, digest)
    elif os.path.exists(path):
        size = _hash_file(path, digest)
    else:
        digest.update(b"missing")
    return "sha256:" + digest.hexdigest(), size


def _hash_file(path: str, digest) -> int:
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size


def fingerprint(path: str) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file or a directory's newest entry; None if missing."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    if not os.path.isdir(path):
        return status.st_size, status.st_mtime_ns
    total, newest = 0, status.st_mtime_ns
    for folder, _, files in os.walk(path):
        newest = max(newest, os.stat(folder).st_mtime_ns)
        for name in files:
            entry = os.stat(os.path.join(folder, name))
            total += entry.st_size
            newest = max(newest, entry.st_mtime_ns)
    return total, newest
