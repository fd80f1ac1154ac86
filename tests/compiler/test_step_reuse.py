"""The language server's re-check of a pipeline takes each untouched step's resolution from the last build, and
still gives exactly what a fresh check gives: the same diagnostics, lint findings, and compiled documents.

Edits inside one pipeline go through one incremental loader and one `CheckReuse`, as in the language server:
some leave every declaration as it was (an argument's constant, a reference to another output, a mistake
made and mended), others change what the steps read (a step renamed, added or deleted, a callee changed, a
loop's list or a condition, a parameter's type, a component's signature, a `workspace`).  After each, the
check is compared with a fresh one, and the pipeline's graph is lowered to KFP v2 and KFP v1 from both.
"""

from __future__ import annotations

import os
from pathlib import Path

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics import Diagnostics
from ptflow.compiler.index import imported_scopes
from ptflow.compiler.modules import ModuleLoader
from ptflow.compiler.recheck import CheckReuse
from ptflow.compiler.targets.registry import target_named
from ptflow.lsp.analysis import with_lint_findings
from tests.support.edited_text import EditedText

PROGRAM = """\
component square(x: int) -> (y: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $(($0 * $0)) > $1", x, y.path]
}

component add_up(xs: list[int], label: str = "total") -> (sum: int) {
    image   = "python:3.11-slim"
    command = ["sh", "-c", "echo $0 > $1", xs, sum.path, label]
}

component say(msg: str, times: int = 1) {
    image   = "python:3.11-slim"
    command = ["echo", msg, times]
}

component keep(settings: dict) {
    image   = "python:3.11-slim"
    command = ["echo", settings]
}

component report(status: Status) {
    image   = "python:3.11-slim"
    command = ["echo", status]
}

pipeline inner(n: int) -> (y: int) {
    s = square(x: n)
    return (y: s.y)
}

pipeline main(numbers: list[int] = [1, 2, 3], n: int = 2, cpu: str = "1", word: str = "hi") -> (out: int) {
    description = "every kind of step the builder resolves"
    first  = square(x: n)
    second = square(x: first.y) with { cpu: cpu, memory: "1Gi", retries: 2 }
    third  = say(msg: f"{word} {second.y}", times: 3) with { after: [first] }
    called = inner(n: first.y)
    for item in numbers parallel 2 {
        sq = square(x: item)
        echo = say(msg: f"{word} {item}")
        listed = add_up(xs: [item, 1])
        kept   = keep(settings: {"item": item})
    }
    total = add_up(xs: sq.y, label: "sum")
    if total.sum > 10 {
        big = square(x: 1)
    } else {
        small = square(x: 2)
    }
    chosen = square(x: oneof(big.y, small.y))
    picked = say(msg: f"{called.y}")
    reader = say(msg: f"{late.y}")
    data   = importer(uri: "gs://bucket/data.csv", type: Dataset)
    try {
        risky = square(x: total.sum)
    } finally {
        cleanup = say(msg: "cleaned")
    }
    late   = square(x: 7)
    return (out: total.sum)
}
"""


def edits(text: str):
    """(what, new text) for each edit, each applied to the text before it."""

    edited = EditedText(text)
    replace, in_place = edited.replace, edited.in_place

    # Nothing any other step reads changes: the other steps' resolutions are taken from the last build.
    yield "a constant argument", replace("times: 3)", "times: 4)")
    yield "an f-string's text", replace('f"{word} {second.y}"', 'f"{word}, {second.y}"')
    yield "another output read", replace("second = square(x: first.y)", "second = square(x: called.y)")
    yield "an option's value", replace('memory: "1Gi"', 'memory: "2Gi"')
    yield "a wrong type", replace('label: "sum"', "label: 3")
    yield "another step edited below it", replace("times: 4)", "times: 6)")  # the mistake is reported again
    yield "mended", replace("label: 3", 'label: "sum"')
    yield "an unknown output", replace("x: total.sum)", "x: total.summ)")
    yield "mended", replace("x: total.summ)", "x: total.sum)")
    # What steps read changes: every step is resolved again.
    yield "a step renamed", replace("    first  = square(x: n)\n", "    primo  = square(x: n)\n")
    replace("[first]", "[primo]")
    yield "its readers follow", replace("inner(n: first.y)", "inner(n: primo.y)")
    yield "a step added", replace("    picked =", "    extra = square(x: 5)\n    picked =")
    yield "a callee changed", replace("extra = square(x: 5)", 'extra = say(msg: "5")')
    yield "a step deleted", replace('    extra = say(msg: "5")\n', "")
    yield "a loop's list", replace("for item in numbers parallel 2", "for item in [4, 5] parallel 2")
    yield "a condition", replace("if total.sum > 10", "if total.sum > 11")
    yield "a parameter's type", in_place('word: str = "hi"', "word: int = 1234")
    yield "and back", in_place("word: int = 1234", 'word: str = "hi"')
    yield "a workspace", replace('    description = "every', '    workspace = {size: "1Gi"}\n    description = "every')
    yield "a step reading it", replace("    picked =", "    where = say(msg: pipeline.workspace_path)\n    picked =")
    yield "the workspace taken away", in_place('    workspace = {size: "1Gi"}\n', "    # no workspace here .....\n")
    yield "and put back", in_place("    # no workspace here .....\n", '    workspace = {size: "1Gi"}\n')
    # The loop put inside another one, in place: `total` (kept) now reads a list of lists.
    nested = "    for item in [4] {for o in [5]{\n"
    assert len(nested) == len("    for item in [4, 5] parallel 2 {\n") - 1  # the second `}` below makes up for it
    closing = '        kept   = keep(settings: {"item": item})\n    }\n'
    replace("    for item in [4, 5] parallel 2 {\n", nested)
    yield "a loop nested in another", replace(closing, closing[:-1] + "}\n")
    replace(nested, "    for item in [4, 5] parallel 2 {\n")
    yield "and back", replace(closing[:-1] + "}\n", closing)
    # A header changed in place: the steps in its body are new nodes, the others kept.
    yield "a loop over other items", in_place("for item in [4, 5] parallel 2", 'for item in ["ab"] parallel 2')
    yield "and back", in_place('for item in ["ab"] parallel 2', "for item in [4, 5] parallel 2")
    # The loop made a condition: `total` reads an output that may not exist, not a list of them.
    loop = "    for item in [4, 5] parallel 2 {\n        sq = square(x: item)"
    condition = "    if n > 1 {                     \n        sq = square(x: n)   "
    yield "a loop made an `if`", in_place(loop, condition)
    yield "and back", in_place(condition, loop)
    # A step moved into the `finally` of a `try` with no steps, its reader above kept: the groups around the
    # steps are as they were, but the body can't read what runs after it.
    late = "    late   = square(x: 7)\n"
    yield "a step moved into `finally`", replace(late, "    try {\n    } finally {\n" + late + "    }\n")
    yield "and back", replace("    try {\n    } finally {\n" + late + "    }\n", late)
    yield "a component's input type", replace("component say(msg: str,", "component say(msg: int,")
    yield "and back", replace("component say(msg: int,", "component say(msg: str,")
    yield (
        "a component's signature",
        replace("component say(msg: str, times: int = 1)", "component say(msg: str, times: int)"),
    )
    yield "a called pipeline's body", replace("    s = square(x: n)\n", "    s = square(x: n + 0)\n")
    yield "mended", replace("square(x: n + 0)", "square(x: n)")
    yield "a constant again", replace("times: 6)", "times: 5)")


def _component_lookup(result):
    scopes = [result.scope, *imported_scopes(result.scope)]

    def component(path: str, name: str):
        for scope in scopes:
            if os.path.normpath(scope.path) == os.path.normpath(path):
                return getattr(scope.symbols.get(name), "spec", None)
        return None

    return component


def _lowered(result, target: str) -> list:
    """Each pipeline's documents and source map for `target`, lowered from the check's own graphs."""
    lowered: list = []
    for name, graph in sorted(result.pipelines.items()):
        problems = Diagnostics()
        target_named(target).check_support(graph, problems)  # KFP v1 has no nested pipelines and no importer
        if problems.has_errors:
            lowered.append((name, [str(problem) for problem in problems]))
            continue
        documents, source_map = target_named(target).lower(graph, {}, _component_lookup(result))
        lowered.append((name, documents, sorted((repr(k), repr(v)) for k, v in source_map.items())))
    return lowered


def test_every_edit_inside_a_pipeline_checks_and_compiles_as_a_fresh_check_does(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader, reuse = ModuleLoader(incremental=True), CheckReuse()
    compiled = 0
    for what, text in [("opened", PROGRAM), *edits(PROGRAM)]:
        incremental = check_file(path, text, loader=loader, reuse=reuse)
        fresh = check_file(path, text, loader=ModuleLoader())
        assert repr(incremental.diagnostics) == repr(fresh.diagnostics), what
        assert repr(with_lint_findings(incremental)) == repr(with_lint_findings(fresh)), what
        if fresh.ok:
            for target in ("kfp-v2", "kfp-v1"):
                assert _lowered(incremental, target) == _lowered(fresh, target), (what, target)
            compiled += 1
    assert compiled >= 15


def test_an_argument_edit_takes_the_other_steps_resolutions_and_a_rename_takes_none(tmp_path: Path):
    path = str(tmp_path / "main.ptflow")
    loader, reuse = ModuleLoader(incremental=True), CheckReuse()
    before = check_file(path, PROGRAM, loader=loader, reuse=reuse).pipelines["main"]
    edited = PROGRAM.replace("times: 3)", "times: 4)")
    after = check_file(path, edited, loader=loader, reuse=reuse).pipelines["main"]
    same = {name for name, task in after.tasks.items() if task.arguments is before.tasks[name].arguments}
    # Every step but the edited one, the loop's (their item belongs to the last build's loop) and the
    # importer's (its spec is made anew) is taken as it was.
    assert same == set(before.tasks) - {"third", "sq", "echo", "listed", "kept", "chosen", "data"}, same
    assert after.tasks["third"].arguments["times"].value == 4
    assert all(task.group is not before.tasks[name].group for name, task in after.tasks.items())

    # An edit inside a loop's body (a new `for` statement, with the same header) keeps the steps outside it.
    inside = edited.replace("xs: [item, 1]", "xs: [item, 2]")
    looped = check_file(path, inside, loader=loader, reuse=reuse).pipelines["main"]
    kept = {name for name, task in looped.tasks.items() if task.arguments is after.tasks[name].arguments}
    assert kept == same | {"third"}, kept  # those outside the loop, now the edited `third` too
    edited = inside

    renamed = edited.replace("    first  = square(x: n)\n", "    primo  = square(x: n)\n")
    renamed = renamed.replace("x: first.y)", "x: primo.y)").replace("[first]", "[primo]")
    renamed = renamed.replace("inner(n: first.y)", "inner(n: primo.y)")
    graph = check_file(path, renamed, loader=loader, reuse=reuse).pipelines["main"]
    assert "primo" in graph.tasks
    assert not any(
        name in after.tasks and task.arguments is after.tasks[name].arguments for name, task in graph.tasks.items()
    )
