"""Reading a source file's text and choosing how to import it."""

from __future__ import annotations

from ptflow.compiler.importer import ir_reader
from ptflow.compiler.importer.from_ir import IrImporter
from ptflow.compiler.importer.writer import write


def import_text(text: str, origin: str) -> str:
    """The .ptflow source for the KFP document `text` (read from `origin`); raises ImportRefused."""
    spec, platform = ir_reader.read(text, origin)
    return write(IrImporter(spec, platform, origin).run())
