"""One real input per diagnostic code, with what the user must then see (see harness.py).

Keyed by code; tests/diagnostics/test_every_code.py fails for a code of the
catalogue without a case here, so a new code comes with the input that makes it fire.
"""

from __future__ import annotations

from pathlib import Path

from tests.diagnostics.harness import (
    argo,
    called,
    cli,
    compiled,
    compiled_base,
    edited_ir,
    ir,
    on_a_full_disk,
    ptflow,
    pyproject,
    yaml_file,
)

# Components the .ptflow cases call (lines 1-12 of main.ptflow; a case's pipeline starts on line 13).
C = """\
component make(rows: int = 10) -> (data: Dataset, count: int, names: list[str]) {
    image = "alpine"
    command = ["make", rows, data.path, count.path, names.path]
}
component fit(data: Dataset, max_epochs: int, note: str?) -> (model: Model) {
    image = "alpine"
    command = ["fit", data.path, max_epochs, model.path]
}
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
"""


def p(body: str) -> str:
    """main.ptflow: the components above, then `body`."""
    return C + body.strip("\n") + "\n"


CASES = {
    # ------------------------------------------------------------------ syntax
    "PTF101": ptflow(
        p("""
pipeline q() {
    a = say(msg: "a" ⟦msg⟧: "b")
}"""),
        "unexpected `msg`; expected one of `)`, `,`",
    ),
    "PTF102": ptflow(
        p("""
pipeline q() {
    a = say(msg: ⟦@⟧"a")
}"""),
        "unexpected character '@'",
    ),
    "PTF103": ptflow(
        p("""
pipeline q() {
    a = say(msg: ⟦"open)⟧
}"""),
        "unterminated string",
    ),
    "PTF104": ptflow(
        p("""
pipeline q(n: int = 1) {
    a = say(msg: "a")
    b = n with ⟦{ memory: "1Gi" }⟧
}"""),
        "`with { ... }` options belong to a step, and this is not a call",
    ),
    "PTF105": ptflow(
        p("""
pipeline q() {
    a = say(msg: "a⟦\\q⟧")
}"""),
        "invalid escape `\\q` in string",
    ),
    "PTF106": ptflow(
        p("""
pipeline q() {
    a = say(msg: f"⟦{}⟧")
}"""),
        "empty `{}` in f-string",
    ),
    "PTF107": ptflow(
        p("""
pipeline q() {
    for x in [1, 2] {
        ⟦finally { a = say(msg: "bye") }⟧
    }
}"""),
        "`finally` is allowed only at the top level of a pipeline body",
    ),
    # `{` of the pipeline and `(` of the call are open too, so the 99th `[` is one too many
    "PTF108": ptflow(
        p(
            """
pipeline q() {
    s = say(msg: """
            + "[" * 98
            + "⟦[⟧"
            + "[" * 101
            + "1"
            + "]" * 200
            + """)
}"""
        ),
        "nested too deeply: more than 100 brackets open here",
    ),
    # ------------------------------------------------------------------ names
    "PTF201": ptflow(
        p("""
pipeline q() {
    a = ⟦sya⟧(msg: "a")
}"""),
        "unknown component `sya`",
        hint="did you mean `say`?",
        fix="say",
    ),
    "PTF202": ptflow(
        p("""
pipeline q() {
    m = make()
    a = fit(data: m.⟦dta⟧, max_epochs: 1)
}"""),
        "step `m` (`make`) has no output `dta`",
        hint="did you mean `data`?",
        fix="data",
    ),
    "PTF203": ptflow(
        p("""
pipeline q() {
    m = make()
    a = fit(data: m.data, ⟦max_epoch⟧: 1)
}"""),
        "`fit` has no input `max_epoch`",
        hint="did you mean `max_epochs`?",
        fix="max_epochs",
    ),
    "PTF204": ptflow(
        p("""
pipeline q() {
    m = make()
    a = ⟦fit(data: m.data)⟧
}"""),
        "`fit` needs input `max_epochs` (`int`)",
    ),
    "PTF205": ptflow(
        p("""
pipeline q() {
    a = say(msg: "a")
    ⟦a⟧ = say(msg: "b")
}"""),
        "step `a` is declared twice",
    ),
    "PTF206": ptflow(
        p("""
pipeline q() {
    train_model = say(msg: "a")
    ⟦Train__Model⟧ = say(msg: "b")
}"""),
        "steps `train_model` and `Train__Model` both become the task name `train-model`",
    ),
    "PTF207": ptflow(
        """
import ⟦"nothere.ptflow"⟧ as other
pipeline q() {}
""",
        "can't import `nothere.ptflow`",
    ),
    "PTF208": ptflow(
        """
import "a.ptflow" as a
pipeline q() {}
""",
        "import cycle: a.ptflow → b.ptflow → a.ptflow",
        files={
            "a.ptflow": 'import "b.ptflow" as b\n',
            "b.ptflow": 'import ⟦"a.ptflow"⟧ as a\n',
        },
        marked="b.ptflow",
    ),
    "PTF209": ptflow(
        """
import ⟦"notacomponent.yaml"⟧ as other
pipeline q() {}
""",
        "`notacomponent.yaml` is not a usable KFP component",
        files={"notacomponent.yaml": "just: a mapping\n"},
    ),
    "PTF210": ptflow(
        p("""
pipeline q() {
    a = say(msg: "a") with { ⟦memroy⟧: "1Gi" }
}"""),
        "unknown option `memroy`",
        hint="did you mean `memory`?",
        fix="memory",
    ),
    "PTF211": ptflow(
        p("""
pipeline q() {
    a = ⟦say⟧.run(msg: "a")
}"""),
        "`say` is a component, not a module",
    ),
    "PTF212": ptflow(
        p("""
pipeline q() {
    a = say(⟦"hi"⟧)
}"""),
        "inputs of `say` are passed by name",
    ),
    "PTF213": ptflow(
        p("""
pipeline q() {
    ⟦descripton⟧ = "x"
    a = say(msg: "a")
}"""),
        "pipelines have no property `descripton`",
        hint="did you mean `description`?",
        fix="description",
    ),
    "PTF214": cli(
        ["compile", "base.ptflow", "--pipeline", "bsae", "-o", "out.yaml"],
        "`base.ptflow` has no pipeline `bsae`",
        hint="did you mean `base`?",
    ),
    "PTF215": ptflow(
        """
component ⟦noimage⟧() {
    command = ["echo", "hi"]
}
pipeline q() { a = noimage() }
""",
        "component `noimage` has no `image`",
    ),
    "PTF216": ptflow(
        p("""
pipeline q() -> (model: Model, ⟦count: int⟧) {
    m = make()
    f = fit(data: m.data, max_epochs: 1)
    return (model: f.model)
}"""),
        "output `count` is declared but never returned",
    ),
    # ------------------------------------------------------------------ types
    "PTF301": ptflow(
        p("""
pipeline q() {
    m = make(rows: ⟦"ten"⟧)
}"""),
        "input `rows` of `make` is a `int`, but this is a str",
    ),
    "PTF302": ptflow(
        p("""
pipeline q(path: str = "x") {
    f = fit(data: ⟦path⟧, max_epochs: 1)
}"""),
        "a parameter (`str`) is passed where an artifact (`Dataset`) is expected",
    ),
    "PTF303": ptflow(
        p("""
component use(model: Model) {
    image = "alpine"
    command = ["use", model.path]
}
pipeline q() {
    m = make()
    u = use(model: ⟦m.data⟧)
}"""),
        "input `model` of `use`: expected `Model`, found `Dataset`",
    ),
    "PTF304": ptflow(
        p("""
pipeline q() {
    m = make()
    f = fit(data: ⟦m⟧, max_epochs: 1)
}"""),
        "`m` is a whole step; pass one of its outputs",
        hint="did you mean `m.data`?",
        fix="m.data",
    ),
    "PTF305": ptflow(
        p("""
pipeline q(go: bool = true) {
    m = make()
    if go {
        f = fit(data: m.data, max_epochs: 1)
    }
    s = say(msg: "x")
    g = fit(data: m.data, max_epochs: 1, note: ⟦f.model⟧)
}"""),
        "`f.model` is produced inside an `if`, so it may not exist here",
    ),
    "PTF306": ptflow(
        p("""
pipeline q(n: int = 3) {
    for x in ⟦n⟧ { s = say(msg: "a") }
}"""),
        "`for` needs a list, but this is a `int`",
    ),
    "PTF307": ptflow(
        p("""
pipeline q(name: str = "x") {
    if ⟦name⟧ { s = say(msg: "a") }
}"""),
        "condition",
    ),
    "PTF308": ptflow(
        p("""
pipeline q(epochs: int = ⟦"three"⟧) {
    s = say(msg: "a")
}"""),
        'default "three" of `epochs` is not a `int`',
    ),
    "PTF309": ptflow(
        p("""
pipeline q() {
    s = say(msg: "a") with { memory: ⟦"8GB"⟧ }
}"""),
        "`8GB`: Kubernetes has no `GB` unit; write `8G` or `8Gi`",
    ),
    "PTF310": ptflow(
        """
component c(x: ⟦Datset⟧) {
    image = "alpine"
    command = ["c", x.path]
}
pipeline q() {}
""",
        "unknown type `Datset`",
        hint="did you mean `Dataset`?",
        fix="Dataset",
    ),
    "PTF311": ptflow(
        p("""
pipeline q(name: str = "x") {
    if ⟦name > "a"⟧ { s = say(msg: "a") }
}"""),
        "`>` compares numbers, not `str`",
    ),
    "PTF312": ptflow(
        p("""
pipeline q() {
    s = say(msg: ⟦pipeline⟧)
}"""),
        "`pipeline` alone is not a value",
    ),
    "PTF313": ptflow(
        """
component c(data: Dataset) {
    image = "alpine"
    command = ["c", ⟦data⟧]
}
pipeline q() {}
""",
        "`data` is an artifact: pass `data.path`, `data.uri` or `data.metadata`",
    ),
    "PTF314": ptflow(
        p("""
pipeline q() {
    m = make(rows: ⟦99999999999999999999⟧)
}"""),
        "integer 99999999999999999999 is out of range: integers are 64-bit, from -2^63 to 2^63-1",
    ),
    # ------------------------------------------------------------------ graph
    "PTF401": ptflow(
        p("""
pipeline q() {
    ⟦a = fit(data: c.data, max_epochs: 1)⟧
    b = say(msg: "x") with { after: [a] }
    c = make() with { after: [b] }
}"""),
        "steps depend on each other in a cycle: a → b → c → a",
    ),
    "PTF402": ptflow(
        p("""
pipeline q() {
    a = say(msg: "a")
    b = say(msg: "b") with { after: [⟦aa⟧] }
}"""),
        "`after` names `aa`, which is not a step of this pipeline",
        hint="did you mean `a`?",
        fix="a",
    ),
    "PTF403": ptflow(
        p("""
pipeline q(n: int) {
    if n > 1 {
        m = make(rows: n)
    }
    s = say(msg: "done") with { after: [⟦m⟧] }
}"""),
        "`s` can't run after `m`, which is inside a condition that doesn't contain it",
    ),
    "PTF404": ptflow(
        p("""
pipeline q() {
    m = make()
    finally {
        s = say(msg: f"{⟦m.count⟧}")
    }
}"""),
        "`finally` steps can't use outputs of the body (`m.count`)",
    ),
    "PTF405": ptflow(
        p("""
pipeline q(go: bool = true) {
    m = make()
    if go {
        a = fit(data: m.data, max_epochs: 1)
    } elif m.count > 3 {
        b = fit(data: m.data, max_epochs: 2)
    } else {
        c = say(msg: "none")
    }
    s = fit(data: m.data, max_epochs: 1, note: ⟦oneof(a.model, b.model)⟧)
}"""),
        "the `else` arm at line 19 gives `oneof` no value: when that arm runs there would be none",
    ),
    "PTF406": ptflow(
        p("""
pipeline q(go: bool = true) {
    if go {
        m = make()
    }
    s = say(msg: ⟦collect(m.names)⟧)
}"""),
        "`collect(...)` can only be returned from the pipeline: KFP refuses `dsl.Collected` of a step in no loop "
        "as another step's input",
    ),
    # -------------------------------------------------------------- targets
    "PTF501": compiled(
        p("""
pipeline q() {
    ⟦s = say(msg: "a") with { max_cache_staleness: "P1D" }⟧
}"""),
        "kfp-v2",
        "`max_cache_staleness` on step `s` is not supported by kfp-v2",
    ),
    "PTF504": compiled(
        """
import stdlib.serve as serve
import stdlib.torch as torch
pipeline q(name: str = "digits") {
    data = torch.prepare_images()
    train = torch.train(data: data.data)
    mar = serve.archive(model: train.model_file, name: name)
    ⟦deploy = serve.deploy(name: name, archive: mar.archive, namespace: "team-a")⟧
}
""",
        "vertex",
        "`namespace` of `deploy` is a KServe setting; vertex ignores it",
    ),
    "PTF570": compiled(
        p(
            """
pipeline q() {
    ⟦"""
            + "a_very_long_step_name_" * 6
            + """ = say(msg: "a")⟧
}"""
        ),
        "kfp-v1",
        "gives the Argo template name",
    ),
}

TASK_M = (
    "      m:\n        cachingOptions:\n          enableCache: true\n        componentRef:\n          name: comp-m\n"
)
S_INPUTS = """        inputs:
          artifacts:
            data:
              taskOutputArtifact:
                outputArtifactKey: data
                producerTask: m
          parameters:
            "n":
              taskOutputParameter:
                outputParameterKey: count
                producerTask: m
"""

SKIPPED_M = "        taskInfo:\n          name: m\n"

# The compiled BASE pipeline's IR has components comp-m (make) and comp-s (show), executors exec-m and
# exec-s, and root tasks m and s; see harness.BASE.
CASES.update(
    {
        "PTF503": ir(
            "sdkVersion: ptflow-0.1.0\n", "sdkVersion: ptflow-0.1.0\n---\n⟦stray⟧: 1\n", "unexpected document"
        ),
        "PTF510": ir(
            "    executorLabel: exec-m\n",
            "    ⟦executorLable⟧: exec-m\n",
            "unknown field `executorLable` in ComponentSpec",
            hint="did you mean `executorLabel`?",
            fix="executorLabel",
        ),
        "PTF511": ir("          enableCache: true\n", "          enableCache: ⟦yes please⟧\n", "expected"),
        "PTF512": ir(
            "    executorLabel: exec-m\n", "    executorLabel: exec-m\n    ⟦dag⟧: {tasks: {}}\n", "alternatives"
        ),
        "PTF513": ir(
            'schemaVersion: "2.1.0"',
            'schemaVersion: ⟦"9.9.9"⟧',
            "schemaVersion '9.9.9' is not supported: KFP only accepts 2.1.0",
        ),
        "PTF514": ir("pipelineInfo:\n  name: base\n", 'pipelineInfo:\n  name: ⟦""⟧\n', "the pipeline has no name"),
        "PTF515": ir(
            TASK_M,
            "      ⟦m⟧:\n        cachingOptions:\n          enableCache: true\n",
            "task has no `componentRef.name`",
        ),
        "PTF516": ir(
            "          name: comp-s\n",
            "          name: ⟦comp-ss⟧\n",
            "no component named `comp-ss`",
            hint="did you mean `comp-s`?",
            fix="comp-s",
        ),
        "PTF517": ir(
            "    executorLabel: exec-s\n",
            "    executorLabel: ⟦exec-ss⟧\n",
            "no executor named `exec-ss` in deploymentSpec.executors",
            hint="did you mean `exec-s`?",
            fix="exec-s",
        ),
        "PTF518": ir("                producerTask: m\n", "                producerTask: ⟦mm⟧\n", "no task named `mm`"),
        "PTF519": ir(
            "                outputParameterKey: count\n",
            "                outputParameterKey: ⟦cuont⟧\n",
            "has no output parameter `cuont`",
            hint="did you mean `count`?",
            fix="count",
        ),
        "PTF520": ir(
            "              componentInputParameter: rows\n",
            "              componentInputParameter: ⟦rosw⟧\n",
            "has no input parameter `rosw`",
            hint="did you mean `rows`?",
            fix="rows",
        ),
        "PTF521": ir(
            TASK_M,
            TASK_M.replace("      m:", "      ⟦m⟧:") + "        dependentTasks:\n        - s\n",
            "dependency cycle: m → s → m",
        ),
        "PTF522": ir(
            S_INPUTS,
            S_INPUTS.replace("        inputs:", "        ⟦inputs⟧:").split("          parameters:")[0],
            "required input parameter `n` of `comp-s` is not supplied",
        ),
        "PTF523": ir(
            """            rows:
              componentInputParameter: rows
""",
            """            rows:
              componentInputParameter: rows
            ⟦extra⟧:
              componentInputParameter: rows
""",
            "has no input parameter `extra`",
        ),
        "PTF524": ir(
            "                outputParameterKey: count\n", "                outputParameterKey: ⟦data⟧\n", "artifact"
        ),
        "PTF525": ir(
            '''        - "{{$.inputs.parameters['n']}}"''',
            """        - ⟦"{{$.inputs.parameters['nn']}}"⟧""",
            "names `nn`",
        ),
        "PTF526": ir(
            '''        - "{{$.inputs.parameters['n']}}"''',
            """        - ⟦"{{$.inputs.parameters[n]}}"⟧""",
            "placeholder",
        ),
        "PTF527": ir("        image: alpine\n", '        image: ⟦""⟧\n', "image"),
        "PTF528": ir(
            "        taskInfo:\n          name: s\n",
            '        taskInfo:\n          name: s\n        triggerPolicy:\n          condition: ⟦"1 +"⟧\n',
            "condition",
        ),
        "PTF529": ir("        defaultValue: 5.0\n", '        defaultValue: ⟦"five"⟧\n', "is not a"),
        "PTF530": ir(
            "        taskInfo:\n          name: s\n",
            "        taskInfo:\n          name: s\n        parameterIterator:\n          itemInput: item\n"
            "          items:\n            inputParameter: ⟦nothere⟧\n",
            "loop items come from `nothere`, which is not an input parameter of this task",
        ),
        "PTF531": ir(
            "        taskInfo:\n          name: m\n      s:\n",
            "        taskInfo:\n          name: m\n      ⟦S_⟧:\n",
            "not a valid Kubernetes name",
        ),
        "PTF532": ir(
            "  inputDefinitions:\n    parameters:\n      rows:\n        defaultValue: 5.0\n",
            "  outputDefinitions:\n    parameters:\n      ⟦result⟧:\n        parameterType: STRING\n"
            "  inputDefinitions:\n    parameters:\n      rows:\n        defaultValue: 5.0\n",
            "output parameter `result` is declared but the DAG never sets it",
        ),
        "PTF533": ir(
            (
                "        count:\n          parameterType: NUMBER_INTEGER\n",
                "                outputParameterKey: count\n",
            ),
            ("        count:\n          parameterType: STRING\n", "                outputParameterKey: ⟦count⟧\n"),
            "output `count` of task `m` is a STRING, but the input expects a NUMBER_INTEGER",
        ),
        "PTF536": ir(
            "deploymentSpec:\n  executors:\n",
            "deploymentSpec:\n  executors:\n    ⟦exec-unused⟧:\n      container:\n        image: alpine\n",
            "executor `exec-unused` is not used by any component",
        ),
        "PTF534": yaml_file(
            """
⟦just: a mapping⟧
""",
            "not a KFP pipeline document",
        ),
        "PTF535": yaml_file(
            """
name: [unclosed
⟦⟧""",
            "not valid YAML",
        ),
    }
)

# The compiled BASE pipeline for kfp-v1: templates base (the DAG), m and s.
CASES.update(
    {
        "PTF571": argo(
            "        name: s\n        template: s\n",
            "        name: ⟦m⟧\n        template: s\n",
            "task `m` is defined twice in DAG `base`",
        ),
        "PTF572": argo("\n    name: s\n", "\n    name: ⟦s⟧\n    script: {image: alpine, source: x}\n", "exactly one"),
        "PTF573": argo(
            "        name: s\n        template: s\n",
            "        name: s\n        template: ⟦ss⟧\n",
            "no template named `ss`",
            hint="did you mean `s`?",
            fix="s",
        ),
        "PTF574": argo(
            "        dependencies:\n        - m\n",
            "        dependencies:\n        - ⟦mm⟧\n",
            "depends on `mm`, which is not a task",
            hint="did you mean `m`?",
            fix="m",
        ),
        "PTF575": argo(
            '            value: "{{inputs.parameters.rows}}"\n        name: m\n',
            '            value: "{{inputs.parameters.rows}}"\n        dependencies: [⟦s⟧]\n        name: m\n',
            "dependency cycle in DAG `base`: m -> s -> m",
        ),
        "PTF576": argo(
            '          - from: "{{tasks.m.outputs.artifacts.m-data}}"',
            '          - from: ⟦"{{tasks.mm.outputs.artifacts.m-data}}"⟧',
            "has no task `mm`",
        ),
        "PTF577": argo(
            ("        dependencies:\n        - m\n", '- from: "{{tasks.m.outputs.artifacts.m-data}}"'),
            ("", '- from: ⟦"{{tasks.m.outputs.artifacts.m-data}}"⟧'),
            "`m` is not among its dependencies (direct or indirect)",
        ),
        "PTF578": argo(
            '      - "{{inputs.parameters.m-count}}"',
            '      - ⟦"{{inputs.parameters.m-cuont}}"⟧',
            "declares no input parameter `m-cuont`",
        ),
        "PTF579": argo(
            '            value: "{{inputs.parameters.rows}}"',
            '            value: ⟦"{{workflow.parameters.nothere}}"⟧',
            "has no parameter `nothere`",
        ),
        "PTF580": argo('      - "{{inputs.parameters.m-count}}"', '      - ⟦"{{item}}"⟧', "loop item"),
        "PTF581": argo(
            "      - arguments:\n          parameters:\n          - name: rows\n"
            '            value: "{{inputs.parameters.rows}}"\n        name: m\n        template: m\n',
            "      - name: m\n        template: ⟦m⟧\n",
            "input parameter `rows` of template `m` is not supplied by task `m`",
        ),
        "PTF582": argo(
            "      - /tmp/outputs/count/data\n      image: alpine\n",
            '      - /tmp/outputs/count/data\n      image: ⟦""⟧\n',
            "image",
        ),
        "PTF583": argo("\n    name: s\n", "\n    name: s\n    ⟦parallelism⟧: 2\n", "parallelism"),
        "PTF584": argo(
            "        template: s\n",
            "        ⟦templat⟧: s\n",
            "unknown field `templat`",
            hint="did you mean `template`?",
            fix="template",
        ),
        "PTF585": argo(
            "  serviceAccountName: pipeline-runner\n",
            '  serviceAccountName: pipeline-runner\n  parallelism: ⟦"2"⟧\n',
            "parallelism",
        ),
        "PTF586": argo(
            ("metadata:\n", "  generateName: base-\n"),
            ("⟦metadata⟧:\n", ""),
            "a Workflow needs `metadata.name` or `metadata.generateName`",
        ),
        "PTF587": argo(
            ("spec:\n", "  templates:\n"),
            ("⟦spec⟧:\n", "  other_templates:\n"),
            "a Workflow needs `spec.templates`, a non-empty list",
        ),
        "PTF588": argo(
            "  - dag:\n      tasks:\n",
            "  - ⟦dag⟧:\n      tasks: []\n      old_tasks:\n",
            "DAG template `base` has no tasks",
        ),
        "PTF589": argo(
            '      - "{{inputs.parameters.m-count}}"',
            '      - ⟦"{{tasks.m.outputs.parameters.m-count}}"⟧',
            "can't be resolved",
        ),
    }
)


# ------------------------------------------------------------------ lint rules (warnings)
CASES.update(
    {
        "PTF601": ptflow(
            p("""
component split(data: Dataset) -> (train: Dataset, test: Dataset) {
    image = "alpine:3"
    command = ["split", data.path, train.path, test.path]
}
pipeline q() {
    raw = make()
    ⟦parts⟧ = split(data: raw.data)
    f = fit(data: parts.train, max_epochs: 1)
}"""),
            "output `test` (Dataset) of step `parts` is never used, though its other outputs are",
        ),
        "PTF602": ptflow(
            p("""
pipeline q(⟦lr⟧: float = 0.1) {
    s = say(msg: "a")
}"""),
            "parameter `lr` of pipeline `q` is never used",
        ),
        "PTF603": ptflow(
            """
⟦import stdlib.torch as torch⟧
component c() {
    image = "alpine:3"
    command = ["c"]
}
pipeline q() { s = c() }
""",
            "`torch` is imported but never used",
        ),
        "PTF604": ptflow(
            """
component c() {
    image = ⟦"python:latest"⟧
    command = ["c"]
}
pipeline q() { s = c() }
""",
            "image `python:latest` uses the mutable tag `latest`",
        ),
        "PTF605": ptflow(
            p("""
pipeline q() {
    s = say(msg: "a") with { ⟦gpus: 1⟧, memory: "16Gi" }
}"""),
            "`gpus` without `accelerator`",
        ),
        "PTF606": ptflow(
            """
component download(url: str) -> (data: Dataset) {
    image = "curl:8"
    command = ["get", url, data.path]
}
pipeline q() {
    a = download(url: ⟦"https://example.com/data.csv"⟧)
}
""",
            "step `a` reads `https://example.com/data.csv` but is cached",
        ),
        "PTF607": ptflow(
            """
component c() {
    image = "alpine:3"
    command = ["c"]
    env = {⟦AWS_SECRET_ACCESS_KEY: "abc"⟧}
}
pipeline q() { s = c() }
""",
            "`AWS_SECRET_ACCESS_KEY` looks like a secret, but its value is written in the file",
        ),
        "PTF608": ptflow(
            p("""
pipeline q() {
    s = say(msg: "a") with { memory: ⟦"100"⟧, cpu: "1" }
}"""),
            "memory `100` is 100 bytes: a quantity without a unit counts bytes",
        ),
        "PTF609": ptflow(
            p("""
pipeline q() {
    ⟦s⟧ = say(msg: "a")
    t = say(msg: "b") with { gpus: 1, accelerator: "nvidia.com/gpu" }
}"""),
            "step `s` sets no cpu or memory, in a pipeline whose step `t` requests GPUs",
        ),
        "PTF610": ptflow(
            """
component train_model() {
    image = "alpine:3"
    command = ["train"]
}
pipeline ⟦Train_Model⟧() { s = train_model() }
""",
            "pipeline `Train_Model` and component `train_model` both become `train-model`",
        ),
        "PTF690": ptflow(
            p("""
pipeline q() {
    s = say(msg: "a") with { memory: "100" }  # ptflow: ignore[⟦PTF6O8⟧]
}"""),
            "unknown code `PTF6O8` in a suppression comment",
            hint="did you mean `PTF608`?",
            fix="PTF608",
        ),
        "PTF691": pyproject(
            """
[tool.ptflow]
⟦ignroe = ["PTF604"]⟧
""",
            "unknown key `ignroe` in [tool.ptflow]",
            hint="did you mean `ignore`?",
            fix="ignore",
        ),
    }
)

# ------------------------------------------------------------ the command line and the local runner
RUN = """\
component fail() {
    image = "alpine"
    command = ["sh", "-c", "exit 3"]
}
component missing_command() {
    image = "alpine"
    command = ["ptflow-no-such-command"]
}
component slow() {
    image = "alpine"
    command = ["sleep", "30"]
}
component say(msg: str) {
    image = "alpine"
    command = ["echo", msg]
}
pipeline fails() { f = fail() }
pipeline no_command() { m = missing_command() }
pipeline too_slow() { s = slow() }
pipeline needs(n: int) { s = say(msg: f"{n}") }
"""
CASES.update(
    {
        "PTF901": cli(["validate", "nothere.yaml"], "cannot read `nothere.yaml`"),
        # `ptflow import` of YAML that is no KFP document, and of a v1 component with a field ptflow doesn't know.
        "PTF920": cli(
            ["import", "settings.yaml"],
            "`settings.yaml` at `pipelineInfo`: not KFP v2 IR: no `pipelineInfo`",
            files={"settings.yaml": "retries: 3\nregion: eu\n"},
        ),
        "PTF921": cli(
            ["import", "train.yaml"],
            "`train.yaml` at `sparkles`: a KFP v1 component field ptflow does not know",
            files={
                "train.yaml": """
                    name: train
                    sparkles: true
                    implementation:
                      container: {image: alpine, command: [echo, hi]}
                    """
            },
        ),
        # A kfp 1.8 workflow whose step sets `max_cache_staleness`, which KFP v2 has no form for.
        "PTF922": cli(
            ["import", "caching.yaml"],
            "`caching.yaml` at `spec.templates[3].metadata.annotations['pipelines.kubeflow.org/max_cache_staleness']`: "
            "`max_cache_staleness` has no KFP v2 form (v2 caches by inputs only): kfp-v2 refuses it (PTF501); "
            "use `cache: false` there",
            files={"caching.yaml": (Path(__file__).parents[1] / "kfp_v1" / "golden" / "caching.yaml").read_text()},
        ),
        "PTF902": cli(
            ["compile", "base.ptflow", "-p", "rwos=3", "-o", "out.yaml"],
            "pipeline `base` has no parameter `rwos`",
            hint="did you mean `rows`?",
        ),
        "PTF540": cli(
            ["run", "notapipeline.yaml", "--store", "store"],
            "is not a KFP PipelineSpec",
            files={"notapipeline.yaml": "- just\n- a list\n"},
        ),
        "PTF542": cli(
            ["run", "run.ptflow", "--pipeline", "needs", "--store", "store"],
            "pipeline `needs` needs parameter `n`",
            files={"run.ptflow": RUN},
        ),
        "PTF544": cli(
            ["run", "run.ptflow", "--pipeline", "fails", "--store", "store"], "step `f`", files={"run.ptflow": RUN}
        ),
        "PTF545": cli(
            ["run", "run.ptflow", "--pipeline", "no_command", "--store", "store"],
            "ptflow-no-such-command",
            files={"run.ptflow": RUN},
        ),
        "PTF546": cli(
            ["run", "run.ptflow", "--pipeline", "too_slow", "--store", "store", "--step-timeout", "1"],
            "step `s` timed out after 1s",
            files={"run.ptflow": RUN},
        ),
        "PTF548": cli(["run", "base.ptflow", "--store", "store", "--containers"], "needs Docker or Podman"),
        "PTF910": cli(["runs", "--store", "not-a-store"], "no run store at"),
        "PTF911": cli(
            ["show", "nosuchrun", "--store", "store"],
            "no run `nosuchrun`",
            files={"run.ptflow": RUN},
            before=["run", "run.ptflow", "--pipeline", "fails", "--store", "store"],
        ),
        "PTF914": cli(["submit", "base.ptflow", "--host", "http://127.0.0.1:9"], "submitting `base` to"),
    }
)


def _invalid_document_from_a_lowering_bug():
    """What ptflow's own lowering would hand to its output check if it had a bug: a task calling no component."""
    import yaml

    from ptflow.compiler.diagnostics import Diagnostics
    from ptflow.compiler.targets.support import validate_documents

    documents = list(yaml.safe_load_all(compiled_base("kfp-v2").replace("name: comp-s", "name: comp-gone")))
    diagnostics = Diagnostics()
    validate_documents(documents, "kfp-v2", diagnostics)
    return diagnostics.items


CASES.update(
    {
        # A lowering bug is the only way to an invalid document, so this one is made by calling the check
        # that guards `ptflow compile` with the document such a bug would produce.
        "PTF502": called(
            _invalid_document_from_a_lowering_bug,
            "ptflow produced an invalid document (PTF516: root.dag.tasks.s.componentRef.name: "
            "no component named `comp-gone`)",
        ),
        # An install without hera (pip --no-deps): the typed check of Argo fields says it was skipped.
        "PTF539": argo(
            "apiVersion:",
            "⟦apiVersion⟧:",
            "typed check of the Argo fields skipped: hera is not installed",
            without=("hera.workflows.models",),
        ),
        "PTF543": cli(
            ["run", "escape.yaml", "--store", "store"],
            "output `../../outside` of `comp-m` would be written outside the store",
            files={"escape.yaml": edited_ir("        count:\n", "        ../../outside:\n")},
        ),
        "PTF549": cli(
            ["run", "condition.yaml", "--store", "store"],
            "the condition of `m` can't be evaluated: condition '1 + 1' gave 2, not a boolean",
            files={
                "condition.yaml": edited_ir(
                    SKIPPED_M, SKIPPED_M + '        triggerPolicy:\n          condition: "1 + 1"\n'
                )
            },
        ),
        "PTF550": cli(
            ["run", "skipped.yaml", "--store", "store"],
            "inputs `n`, `data` of step `s` received no value (its producer was skipped",
            files={
                "skipped.yaml": edited_ir(
                    (SKIPPED_M, "        dependentTasks:\n        - m\n"),
                    (SKIPPED_M + '        triggerPolicy:\n          condition: "false"\n', ""),
                )
            },
        ),
        "PTF912": cli(
            ["lineage", "nothere", "--store", "store"],
            "no artifact `nothere` in store",
            files={"run.ptflow": RUN},
            before=["run", "run.ptflow", "--pipeline", "fails", "--store", "store"],
        ),
        # An install without the vertex extra.
        "PTF913": cli(
            ["submit", "base.ptflow", "--vertex", "--project", "p", "--region", "europe-west4"],
            "needs the `google-cloud-aiplatform` package, which is not installed",
            without=("google.cloud.aiplatform",),
        ),
    }
)

# A step that writes 20 MB of scratch data inside the store, on a disk of 8 MB.
FILL_UP = """
component scratch(mb: int) -> (n: int) {
    image = "alpine:3"
    command = ["sh", "-c", "head -c $(($0 * 1000000)) /dev/zero > scratch.bin; echo 1 > \\"$1\\"", mb, n.path]
}
pipeline fill_up(mb: int = 20) { s = scratch(mb: mb) }
"""
CASES["PTF915"] = on_a_full_disk(
    ["run", "fill.ptflow", "--store", "store"],
    "the store's disk is full: could not write",
    files={"fill.ptflow": FILL_UP},
)

# Codes no input in this file makes fire yet (see the test that keeps this list from growing): none.
UNCOVERED: set[str] = set()
