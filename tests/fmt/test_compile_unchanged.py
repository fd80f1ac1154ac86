"""Formatting never changes what a file compiles to.

Every example is compiled (to each target) before and after formatting, and
the documents are compared whole, descriptions taken from `##` doc comments
included.  Ugly re-layouts of the examples compile, once formatted, to what
the re-layout itself compiles to.
"""

import pytest

from ptflow.compiler.api import check_file, compile_file
from ptflow.compiler.formatter import format_source
from tests.fmt.layouts import EXAMPLES, RELAYOUTS, STDLIB

TARGETS = ["kfp-v2", "kfp-v1", "vertex"]


def outcome(path, target, text=None):
    """The compiled documents, or (when the target can't express the pipeline) the diagnostics."""
    result = compile_file(str(path), target, text=text)
    if result.ok:
        return result.documents
    return [(d.code, d.message) for d in result.diagnostics]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_example_compiles_to_the_same_documents_after_formatting(path, target):
    formatted = format_source(path.read_text(), str(path))
    before = outcome(path, target)
    assert outcome(path, target, formatted) == before
    if target == "kfp-v2":
        assert isinstance(before, list) and before and isinstance(before[0], dict)  # it did compile


@pytest.mark.parametrize("relayout", RELAYOUTS, ids=str)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_ugly_relayout_compiles_the_same_once_formatted(path, relayout):
    ugly = RELAYOUTS[relayout](path.read_text())
    formatted = format_source(ugly, str(path))
    assert outcome(path, "kfp-v2", formatted) == outcome(path, "kfp-v2", ugly)


@pytest.mark.parametrize("path", STDLIB, ids=lambda p: p.stem)
def test_a_library_declares_the_same_components_after_formatting(path):
    # Standard-library files have no pipeline to compile: compare what the
    # checker makes of each component (ports, types, defaults, docs, runtime).
    formatted = format_source(path.read_text(), str(path))
    before = check_file(str(path))
    after = check_file(str(path), formatted)
    assert [(d.code, d.message) for d in after.diagnostics] == [(d.code, d.message) for d in before.diagnostics]
    assert _components(after) == _components(before)
    assert _components(before)


def _components(result):
    from ptflow.compiler.checker import ComponentSymbol

    described = {}
    for name, symbol in result.scope.symbols.items():
        if isinstance(symbol, ComponentSymbol):
            spec = symbol.spec
            described[name] = (
                spec.description,
                [(p.name, str(p.type), repr(p.default), p.doc) for p in spec.inputs],
                [(p.name, str(p.type), p.doc) for p in spec.outputs],
                spec.container.runtime_step if spec.container else None,
            )
    return described
