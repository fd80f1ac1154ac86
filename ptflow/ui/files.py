"""Which files the page may serve: only those inside the store, found without leaving it.

A requested path is relative to the store.  It is refused (None) when it is
absolute, has a `..`, `.` or empty part, a backslash or NUL, or when the file
it resolves to (symbolic links followed) is not inside the store's real
folder: a link that points out of the store is not followed out.  The
caller answers 404 for a refused path, the same as for a missing file, so
the answer says nothing about what exists outside.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

# Artifacts are untrusted: HTML is sent with a sandboxing CSP (no scripts, no same origin), and
# everything is sent with nosniff so a browser does not guess a more dangerous type.
ARTIFACT_CSP = "sandbox; default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'; media-src 'self'"


def inside_store(root: Path, relative: str) -> Path | None:
    """The file `relative` names under the store `root`, or None if the path is refused or leaves the store."""
    if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    real_root = Path(os.path.realpath(root))
    candidate = Path(os.path.realpath(real_root.joinpath(*parts)))
    if candidate != real_root and real_root not in candidate.parents:
        return None
    if not candidate.exists():
        return None
    return candidate


def relative_to_store(root: Path, path: str | os.PathLike) -> str | None:
    """`path` as a store-relative path for a URL, or None when it is not inside the store."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real != real_root and real_root not in real.parents:
        return None
    return real.relative_to(real_root).as_posix()


def content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        guessed = "text/plain" if _looks_like_text(path) else "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "image/svg+xml"):
        guessed += "; charset=utf-8"
    return guessed


def _looks_like_text(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(2048)
    except OSError:
        return False
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut at the end of the sample
    return True


def listing(folder: Path, limit: int = 500) -> list[tuple[str, int, bool]]:
    """(relative path, size, is a folder) of the files in an artifact folder, walking at most `limit` entries."""
    found = []
    for current, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            path = Path(current) / name
            if path.is_symlink():
                continue
            try:
                found.append((path.relative_to(folder).as_posix(), path.stat().st_size, False))
            except OSError:
                continue
            if len(found) >= limit:
                return found
    return found
