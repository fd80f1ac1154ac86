"""Reading a source file's text and choosing how to import it."""

from __future__ import annotations

from ptflow.compiler.importer import ir_reader
from ptflow.compiler.importer.errors import NOT_KFP, ImportRefused
from ptflow.compiler.importer.from_ir import IrImporter
from ptflow.compiler.importer.from_v1_component import import_v1_component
from ptflow.compiler.importer.writer import write


def import_text(text: str, origin: str) -> str:
    """The .ptflow source for the KFP document `text` (read from `origin`); raises ImportRefused."""
    spec, platform = ir_reader.read(text, origin)
    if platform is None:
        return write(import_v1_component(spec, text, origin))
    try:
        module = IrImporter(spec, platform, origin).run()
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # A field the reader checked for is present but malformed (a list where a mapping belongs, a missing key).
        raise ImportRefused(NOT_KFP, "", f"a malformed KFP document ({type(error).__name__}: {error})") from None
    return write(module)
