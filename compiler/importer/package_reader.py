"""Reading the text of a source file, or of the one document inside a KFP package (.tar.gz, .tgz, .zip).

kfp 1.8 (and `ptflow compile -o x.tar.gz`) packages a pipeline as an archive
holding one `pipeline.yaml`.  Nothing is extracted to disk: the document is read
into memory, at most `MAX_DOCUMENT_BYTES` of it, so an archive that expands to
gigabytes (a tar or zip bomb) is refused after reading that much.  Members whose
path is absolute or climbs out with `..` (path traversal), links and devices,
archives of many members and truncated or corrupt archives are refused with the
member's path; the caller turns the refusal into a PTF920 diagnostic.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ptflow.compiler.importer.errors import NOT_KFP, ImportRefused

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # a 1000-step workflow is about 2 MiB
MAX_MEMBERS = 100
_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


def is_package(path: str) -> bool:
    return path.lower().endswith((*_TAR_SUFFIXES, ".zip"))


def read_package(path: str) -> tuple[str, str]:
    """(the document's text, its origin as `package!member`); raises ImportRefused or OSError."""
    if path.lower().endswith(".zip"):
        name, data = _from_zip(path)
    else:
        name, data = _from_tar(path)
    origin = f"{Path(path).name}!{name}"
    try:
        return data.decode("utf-8"), origin
    except UnicodeDecodeError as error:
        raise ImportRefused(NOT_KFP, name, f"the member is not UTF-8 text ({error.reason})") from None


def _check_member_name(name: str) -> None:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (parts and parts[0].endswith(":")):
        raise ImportRefused(NOT_KFP, name, "a member path outside the archive (path traversal): refused")


def _the_document(names: list[str]) -> str:
    if len(names) > MAX_MEMBERS:
        raise ImportRefused(NOT_KFP, "", f"{len(names)} members: a KFP package holds one pipeline document")
    documents = [n for n in names if n.lower().endswith(_DOCUMENT_SUFFIXES)]
    if len(documents) != 1:
        found = ", ".join(names[:5]) or "nothing"
        raise ImportRefused(NOT_KFP, "", f"a KFP package holds exactly one .yaml (or .json) document; found {found}")
    return documents[0]


def _too_big(name: str) -> ImportRefused:
    return ImportRefused(
        NOT_KFP, name, f"the member expands past {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB (an archive bomb?): refused"
    )


def _from_tar(path: str) -> tuple[str, bytes]:
    try:
        with tarfile.open(path, "r:*") as archive:
            members = archive.getmembers()
            for member in members:
                _check_member_name(member.name)
                if not (member.isfile() or member.isdir()):
                    raise ImportRefused(NOT_KFP, member.name, "a link or device in the archive: refused")
            name = _the_document([m.name for m in members if m.isfile()])
            member = next(m for m in members if m.name == name)
            if member.size > MAX_DOCUMENT_BYTES:
                raise _too_big(name)
            stream = archive.extractfile(member)
            data = stream.read(MAX_DOCUMENT_BYTES + 1) if stream else b""
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise ImportRefused(NOT_KFP, "", f"not a readable tar archive (truncated or corrupt: {error})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_big(name)
    return name, data


def _from_zip(path: str) -> tuple[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            for info in infos:
                _check_member_name(info.filename)
            name = _the_document([i.filename for i in infos if not i.is_dir()])
            info = archive.getinfo(name)
            if info.file_size > MAX_DOCUMENT_BYTES:
                raise _too_big(name)
            with archive.open(info) as stream:
                data = stream.read(MAX_DOCUMENT_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError) as error:
        raise ImportRefused(NOT_KFP, "", f"not a readable zip archive (truncated or corrupt: {error})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_big(name)
    return name, data
