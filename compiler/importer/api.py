"""Reading a source file's text and choosing how to import it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ptflow.compiler.importer import ir_reader
from ptflow.compiler.importer.errors import NOT_KFP, ImportRefused


@dataclass
class Imported:
    """The .ptflow source, and warnings (code, document path, message) about what changes in meaning."""

    source: str
    warnings: list = field(default_factory=list)


def import_text(text: str, origin: str) -> str:
    """The .ptflow source for the KFP document `text` (read from `origin`); raises ImportRefused."""
    return import_document(text, origin).source


def import_document(text: str, origin: str) -> Imported:
    """The .ptflow source and its warnings for the KFP document `text`; raises ImportRefused."""
    from ptflow.compiler.importer.writer import write

    documents = ir_reader.load(text)
    try:
        return _import(documents, text, origin, write)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # A field the reader checked for is present but malformed (a list where a mapping belongs, a missing key).
        raise ImportRefused(NOT_KFP, "", f"a malformed KFP document ({type(error).__name__}: {error})") from None


def _import(documents: list, text: str, origin: str, write) -> Imported:
    from ptflow.compiler.importer.from_argo import ArgoImporter, is_argo_workflow

    if is_argo_workflow(documents[0]):
        if len(documents) > 1:
            raise ImportRefused(NOT_KFP, "document 2", "kfp 1.x writes a workflow as one document")
        module, warnings = ArgoImporter(documents[0], origin).run()
        return Imported(write(module), [(w.code, w.where, w.message) for w in warnings])
    spec, platform = ir_reader.read(documents)
    if platform is None:
        from ptflow.compiler.importer.from_v1_component import import_v1_component

        return Imported(write(import_v1_component(spec, text, origin)))
    from ptflow.compiler.importer.from_ir import IrImporter

    return Imported(write(IrImporter(spec, platform, origin).run()))
