"""Reading a source file's text and choosing how to import it."""

from __future__ import annotations

from dataclasses import field

from ptflow.compiler.importer import ir_reader
from ptflow.compiler.importer.errors import NOT_KFP, ImportRefused
from ptflow.compiler.records import record


@record
class Imported:
    """The .ptflow source, warnings (code, document path, message) about what changes in meaning, and the
    source's parse as the file `path` (tree, parse diagnostics) for a checker to reuse."""

    source: str
    warnings: list = field(default_factory=list)
    path: str = ""
    parsed: tuple | None = None


def import_text(text: str, origin: str) -> str:
    """The .ptflow source for the KFP document `text` (read from `origin`); raises ImportRefused."""
    return import_document(text, origin).source


def import_document(text: str, origin: str, path: str | None = None) -> Imported:
    """The .ptflow source and its warnings for the KFP document `text`, to be saved as `path`; raises
    ImportRefused."""
    from ptflow.compiler.importer.writer import write_and_parse

    def write(module) -> Imported:
        source, tree, diagnostics = write_and_parse(module, path or origin)
        return Imported(source, path=path or origin, parsed=(tree, diagnostics))

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
        imported = write(module)
        imported.warnings = [(w.code, w.where, w.message) for w in warnings]
        return imported
    spec, platform = ir_reader.read(documents)
    if platform is None:
        from ptflow.compiler.importer.from_v1_component import import_v1_component

        return write(import_v1_component(spec, text, origin))
    from ptflow.compiler.importer.from_ir import IrImporter

    return write(IrImporter(spec, platform, origin, ir_reader.workspace(documents)).run())
