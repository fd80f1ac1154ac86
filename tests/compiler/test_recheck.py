"""The language server's re-check (`compiler/recheck.py`) gives exactly what a fresh whole check gives.

One incremental loader and one `CheckReuse` check a sequence of real edits;
after each, the diagnostics and the pipelines' graphs are compared with a fresh
check.  The edits keep their length where it matters, so the declarations
below them stay the very same tree objects and only the re-check's own rule
(a pipeline is re-checked when a callee changed) stands between a stale graph
and the right one.
"""

from __future__ import annotations

from pathlib import Path

from ptflow.compiler import dag
from ptflow.compiler.api import check_file
from ptflow.compiler.lint import check_diagnostics
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.recheck import CheckReuse

# `outer` calls `inner`, which calls `say`, declared below both: an edit of `say` moves neither pipeline.
START = """\
import stdlib.torch as torch

pipeline outer(n: int = 1) {
    got  = inner(word: "hi")
    loud = shout(msg: got.out)
}

pipeline inner(word: str) -> (out: str) {
    hello = say(msg: word)
    return (out: hello.said)
}

pipeline unrelated(epochs: int = 1) {
    data  = torch.prepare_images(max_samples: 100)
    train = torch.train(data: data.data, max_epochs: epochs)
}

component say(msg: str) -> (said: str) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $0 > $1", msg, said.path]
}

component shout(msg: str) {
    image   = "python:3.11-slim"
    command = ["echo", msg]
}
"""

# (what, old, new): each replaces the first `old` in the text as it is by then.
EDITS = [
    ("a digit in an unrelated pipeline", "max_samples: 100", "max_samples: 200"),
    ("a component's output type, as long as before", "-> (said: str)", "-> (said: int)"),
    ("and back", "-> (said: int)", "-> (said: str)"),
    ("its input renamed, as long as before", "say(msg: str)", "say(txt: str)"),
    ("its command follows", '$1", msg, said', '$1", txt, said'),
    ("the caller follows", "say(msg: word)", "say(txt: word)"),
    ("the middle pipeline's output renamed", "(out: str) {", "(res: str) {"),
    ("its return follows", "return (out:", "return (res:"),
    ("the outer caller follows", "got.out", "got.res"),
    ("a component that calls itself a pipeline's name", "component shout(", "component inner("),
    ("and back", "component inner(", "component shout("),
    ("a step calling a name that isn't there", "loud = shout(", "loud = shoud("),
    ("and back", "loud = shoud(", "loud = shout("),
    # The lint rules read the re-checked program too: a parameter no step reads any more, and read again.
    ("a parameter left unused", "max_epochs: epochs)", "max_epochs: 1)"),
    ("and used again", "max_epochs: 1)", "max_epochs: epochs)"),
]


def edited(text: str):
    for what, old, new in EDITS:
        assert old in text, old
        text = text.replace(old, new, 1)
        yield what, text


def check(path: str, text: str, loader: ModuleLoader, reuse: CheckReuse | None):
    """The check's result, and everything `ptflow check` reports for it (lint findings included)."""
    result = check_file(path, text, loader=loader, reuse=reuse)
    return result, repr(check_diagnostics(result))


def test_every_edit_rechecks_as_a_fresh_check_does(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader, reuse = ModuleLoader(incremental=True), CheckReuse()
    check_file(path, START, loader=loader, reuse=reuse)
    reports, messages = set(), set()
    for what, text in edited(START):
        result, diagnostics = check(path, text, loader, reuse)
        fresh, fresh_diagnostics = check(path, text, ModuleLoader(), None)
        assert diagnostics == fresh_diagnostics, what
        assert sorted(result.pipelines) == sorted(fresh.pipelines), what
        for name, graph in result.pipelines.items():
            assert graph_summary(graph) == graph_summary(fresh.pipelines[name]), (what, name)
        reports.update(d.code for d in result.diagnostics)
        messages.update(d.message for d in check_diagnostics(result))
    # The sequence went through the mistakes it was written for, and ends clean.
    assert {"PTF301", "PTF204", "PTF202", "PTF201"} <= reports, reports
    assert "parameter `epochs` of pipeline `unrelated` is never used" in messages
    assert result.ok


def test_an_edited_component_rechecks_the_pipelines_that_call_it_and_no_other(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader, reuse = ModuleLoader(incremental=True), CheckReuse()
    before = check_file(path, START, loader=loader, reuse=reuse)
    after = check_file(path, START.replace("-> (said: str)", "-> (said: int)"), loader=loader, reuse=reuse)
    # `inner` returns what `say` makes: the wrong type is reported at its return ...
    assert [(d.code, d.span.line) for d in after.diagnostics] == [("PTF301", 10)], after.diagnostics
    # ... and `outer`, which calls `inner`, was built again against the new `say`.
    nested = after.pipelines["outer"].tasks["got"].component.pipeline
    assert nested is after.pipelines["inner"]
    assert nested.tasks["hello"].component.outputs[0].type.name == "int"
    # The pipeline that calls neither is the graph of the last check, taken as it was.
    assert after.pipelines["unrelated"] is before.pipelines["unrelated"]
    assert after.pipelines["outer"] is not before.pipelines["outer"]


def test_an_edit_inside_one_pipeline_reuses_every_other_declaration(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader, reuse = ModuleLoader(incremental=True), CheckReuse()
    before = check_file(path, START, loader=loader, reuse=reuse)
    after = check_file(path, START.replace("max_samples: 100", "max_samples: 200"), loader=loader, reuse=reuse)
    assert after.pipelines["unrelated"] is not before.pipelines["unrelated"]
    assert after.pipelines["outer"] is before.pipelines["outer"]
    assert after.pipelines["inner"] is before.pipelines["inner"]
    assert after.scope.symbols["say"].spec is before.scope.symbols["say"].spec


def graph_summary(graph: dag.PipelineGraph | None) -> object:
    """What a graph says, down through the pipelines it calls: its ports, and each task's component and
    that component's ports."""
    if graph is None:
        return None
    return (
        graph.name,
        repr(graph.inputs),
        repr(graph.outputs),
        [
            (
                name,
                task.component.name,
                repr(task.component.inputs),
                repr(task.component.outputs),
                graph_summary(task.component.pipeline),
            )
            for name, task in graph.tasks.items()
        ],
    )
