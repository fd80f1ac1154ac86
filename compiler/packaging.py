"""Packaging a compiled pipeline the way KFP's upload accepts it (.tar.gz, .zip)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path


def write_package(path: Path, text: str, member: str = "pipeline.yaml") -> None:
    data = text.encode("utf-8")
    temporary = path.with_name(path.name + ".tmp")
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, data)
    else:
        with tarfile.open(temporary, "w:gz") as archive:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    temporary.replace(path)
