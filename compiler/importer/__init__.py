"""`ptflow import`: KFP documents back to idiomatic .ptflow source.

    read (ir_reader)  ->  a model of components and pipelines (model; from_ir for v2 IR,
    from_v1_component for a v1 component.yaml)  ->  text (writer)  ->  `ptflow fmt`

Nothing here runs user code: YAML is read with the project's safe reader.  What
ptflow can't express is an `ImportRefused` naming the document path of the field
and the feature, never a silent drop.
"""

from ptflow.compiler.importer.api import import_text
from ptflow.compiler.importer.errors import ImportRefused

__all__ = ["ImportRefused", "import_text"]
