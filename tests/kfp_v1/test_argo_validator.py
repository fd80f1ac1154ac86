"""The Argo Workflow validator on kfp 1.8.22's own output, and on broken variants of it.

Every golden (compiled by the real kfp 1.8.22) must be clean.  Each broken
variant changes the text of one golden in one place, as a hand edit or a
buggy generator would, and must give exactly the listed diagnostics: code,
line in the broken file, and message (which starts with the JSON path).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.source import SourceText
from ptflow.compiler.validate.argo import validate_workflow

GOLDEN = Path(__file__).parent / "golden"
GOLDENS = sorted(GOLDEN.glob("*.yaml"))


def validate_text(text: str, name: str = "workflow.yaml"):
    return validate_workflow(yaml.safe_load(text), SourceText(name, text))


def broken(golden: str, old: str, new: str) -> str:
    """The golden's text with `old` (which must occur exactly once) replaced by `new`."""
    text = (GOLDEN / f"{golden}.yaml").read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {golden}.yaml"
    return text.replace(old, new)


def test_there_is_a_golden_per_pipeline():
    pipelines = {p.stem for p in (Path(__file__).parent / "pipelines").glob("*.py")}
    assert {p.stem for p in GOLDENS} == pipelines
    assert len(pipelines) >= 18


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: p.stem)
def test_kfp_compiled_golden_is_clean(path):
    text = path.read_text()
    assert [(d.code, d.message) for d in validate_text(text, path.name)] == []


C = "conditions"
CASES = [
    # -- unknown and mistyped fields (the typed round trip through hera's models)
    (
        "misspelled_image",
        C,
        "      image: alpine:3.19\n    outputs:",
        "      imagee: alpine:3.19\n    outputs:",
        [
            ("PTF582", 48, "spec.templates[4].container: container template `flip` has no image"),
            (
                "PTF584",
                51,
                "spec.templates[4].container.imagee: unknown field `imagee` (Container has no such field; "
                "Argo would silently drop it)",
            ),
        ],
    ),
    (
        "misspelled_dependencies",
        C,
        "dependencies: [flip]",
        "dependancies: [flip]",
        [
            (
                "PTF577",
                39,
                "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-side}}` in task "
                "`condition-1`: `flip` is not among its dependencies (direct or indirect), so Argo can't "
                "resolve its outputs",
            ),
            (
                "PTF584",
                40,
                "spec.templates[3].dag.tasks[0].dependancies: unknown field `dependancies` (DAGTask has no "
                "such field; Argo would silently drop it)",
            ),
        ],
    ),
    (
        "command_is_a_string",
        C,
        'command: [sh, -c, echo heads > "$0", /tmp/outputs/side/data]',
        "command: 'echo heads'",
        [
            (
                "PTF585",
                50,
                "spec.templates[4].container.command: wrong type: should be a valid list; got the string 'echo heads'",
            ),
        ],
    ),
    (
        "retry_limit_is_a_list",
        "retries",
        "retryStrategy: {limit: 2}",
        "retryStrategy: {limit: [2]}",
        [
            (
                "PTF585",
                26,
                "spec.templates[0].retryStrategy.limit: wrong type: should be a valid string or a valid "
                "integer; got a list",
            ),
        ],
    ),
    (
        "parallelism_is_a_string",
        "loop_items",
        "    parallelism: 2\n",
        "    parallelism: '2'\n",
        [
            ("PTF585", 13, "spec.templates[0].parallelism: wrong type: the string '2' would be read as the integer 2"),
        ],
    ),
    (
        "gpu_quantity_is_a_list",
        "resources",
        "nvidia.com/gpu: 1}",
        "nvidia.com/gpu: [1]}",
        [
            (
                "PTF585",
                29,
                'spec.templates[1].container.resources.limits["nvidia.com/gpu"]: wrong type: should be a '
                "valid string; got a list",
            ),
        ],
    ),
    (
        "task_without_name",
        C,
        "      - {name: flip, template: flip}",
        "      - {template: flip}",
        [
            (
                "PTF576",
                39,
                "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-side}}` in task "
                "`condition-1`: DAG `conditions` has no task `flip`",
            ),
            (
                "PTF574",
                40,
                "spec.templates[3].dag.tasks[0].dependencies[0]: task `condition-1` depends on `flip`, which "
                "is not a task of DAG `conditions`",
            ),
            ("PTF586", 46, "spec.templates[3].dag.tasks[2]: required field `name` is missing"),
        ],
    ),
    (
        "not_a_workflow",
        C,
        "kind: Workflow",
        "kind: CronWorkflow",
        [
            (
                "PTF587",
                2,
                "kind: expected `apiVersion: argoproj.io/v1alpha1` and `kind: Workflow`, found apiVersion "
                "'argoproj.io/v1alpha1', kind 'CronWorkflow'",
            ),
        ],
    ),
    # -- Argo's ValidateWorkflow rules
    (
        "unknown_task_template",
        C,
        "        template: condition-1\n",
        "        template: condition-1x\n",
        [
            ("PTF573", 38, "spec.templates[3].dag.tasks[0].template: no template named `condition-1x`"),
        ],
    ),
    (
        "unknown_entrypoint",
        C,
        "entrypoint: conditions",
        "entrypoint: condition",
        [
            ("PTF573", 11, "spec.entrypoint: no template named `condition`"),
        ],
    ),
    (
        "unknown_on_exit",
        "exit_handler",
        "onExit: say",
        "onExit: sayy",
        [
            ("PTF573", 89, "spec.onExit: no template named `sayy`"),
        ],
    ),
    (
        "unknown_dependency",
        C,
        "dependencies: [flip]",
        "dependencies: [flipp]",
        [
            (
                "PTF577",
                39,
                "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-side}}` in task "
                "`condition-1`: `flip` is not among its dependencies (direct or indirect), so Argo can't "
                "resolve its outputs",
            ),
            (
                "PTF574",
                40,
                "spec.templates[3].dag.tasks[0].dependencies[0]: task `condition-1` depends on `flipp`, which "
                "is not a task of DAG `conditions`",
            ),
        ],
    ),
    (
        "dependency_cycle",
        C,
        "      - {name: flip, template: flip}",
        "      - {name: flip, template: flip, dependencies: [condition-1]}",
        [
            (
                "PTF575",
                40,
                "spec.templates[3].dag.tasks[0].dependencies[0]: dependency cycle in DAG `conditions`: "
                "condition-1 -> flip -> condition-1",
            ),
        ],
    ),
    (
        "unknown_output",
        C,
        "flip.outputs.parameters.flip-side}}",
        "flip.outputs.parameters.flip-sides}}",
        [
            (
                "PTF576",
                39,
                "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-sides}}` in task "
                "`condition-1`: template `flip` of task `flip` declares no output parameter `flip-sides` "
                "(did you mean `flip-side`?)",
            ),
        ],
    ),
    (
        "unknown_output_artifact",
        "outputs_by_value",
        "artifacts.make-data}}",
        "artifacts.make-dat}}",
        [
            (
                "PTF576",
                61,
                "spec.templates[1].dag.tasks[1].arguments.artifacts[0].from: "
                "`{{tasks.make.outputs.artifacts.make-dat}}` in task `use`: template `make` of task `make` "
                "declares no output artifact `make-dat` (did you mean `make-data`?)",
            ),
        ],
    ),
    (
        "undeclared_input",
        C,
        "command: [echo, not quick]",
        "command: [echo, '{{inputs.parameters.message}}']",
        [
            (
                "PTF578",
                100,
                "spec.templates[7].container.command[1]: `{{inputs.parameters.message}}`: template `say-3` "
                "declares no input parameter `message`",
            ),
        ],
    ),
    (
        "unknown_workflow_parameter",
        C,
        """'"{{inputs.parameters.mode}}\"""",
        """'"{{workflow.parameters.modes}}\"""",
        [
            (
                "PTF579",
                44,
                "spec.templates[3].dag.tasks[1].when: `{{workflow.parameters.modes}}`: "
                "`spec.arguments.parameters` has no parameter `modes`",
            ),
        ],
    ),
    (
        "item_in_a_container",
        C,
        "command: [echo, heads]",
        "command: [echo, '{{item}}']",
        [
            (
                "PTF580",
                70,
                "spec.templates[5].container.command[1]: `{{item}}` in template `say`: the loop item is only "
                "defined in a DAG task with withItems/withParam; pass it as an input parameter",
            ),
        ],
    ),
    (
        "item_without_loop",
        "loop_items",
        "        withItems: [0.1, 0.01, 0.001]\n",
        "",
        [
            (
                "PTF580",
                51,
                "spec.templates[2].dag.tasks[0].arguments.parameters[1].value: `{{item}}` in task "
                "`for-loop-2`, which has no withItems or withParam",
            ),
        ],
    ),
    (
        "input_not_supplied",
        C,
        "- {name: threshold, value: '{{inputs.parameters.threshold}}'}",
        "- {name: limit, value: '{{inputs.parameters.threshold}}'}",
        [
            (
                "PTF581",
                38,
                "spec.templates[3].dag.tasks[0].template: input parameter `threshold` of template "
                "`condition-1` is not supplied by task `condition-1`",
            ),
        ],
    ),
    (
        "parallelism_on_a_container",
        C,
        "  - name: flip\n    container:",
        "  - name: flip\n    parallelism: 2\n    container:",
        [
            (
                "PTF583",
                48,
                "spec.templates[4].parallelism: `parallelism` is only valid on dag and steps templates; "
                "`flip` is a container template",
            ),
        ],
    ),
    (
        "deadline_on_a_dag",
        C,
        "  - name: condition-3\n    dag:",
        "  - name: condition-3\n    activeDeadlineSeconds: 60\n    dag:",
        [
            (
                "PTF583",
                27,
                "spec.templates[2].activeDeadlineSeconds: `activeDeadlineSeconds` is only valid on leaf "
                "templates; `condition-3` is a dag template",
            ),
        ],
    ),
    (
        "duplicate_template",
        C,
        "  - name: say-3\n",
        "  - name: say-2\n",
        [
            ("PTF573", 29, "spec.templates[2].dag.tasks[0].template: no template named `say-3`"),
            ("PTF571", 97, "spec.templates[7].name: template `say-2` is defined twice"),
        ],
    ),
    (
        "invalid_template_name",
        C,
        "  - name: say-3\n",
        "  - name: say_3\n",
        [
            ("PTF573", 29, "spec.templates[2].dag.tasks[0].template: no template named `say-3`"),
            (
                "PTF570",
                97,
                "spec.templates[7].name: template name `say_3` is invalid: at most 128 letters, digits and "
                "`-`, starting with a letter or digit",
            ),
        ],
    ),
    (
        "two_template_types",
        C,
        "  - name: flip\n    container:",
        "  - name: flip\n    suspend: {}\n    container:",
        [
            (
                "PTF572",
                47,
                "spec.templates[4].name: template `flip` must have exactly one of container, script, resource, "
                "dag, steps, suspend, data, http, containerSet, plugin; it has `container`, `suspend`",
            ),
        ],
    ),
    (
        "empty_dag",
        C,
        "      tasks:\n      - {name: say-3, template: say-3}\n",
        "      tasks: []\n",
        [
            ("PTF588", 27, "spec.templates[2].dag: DAG template `condition-3` has no tasks"),
        ],
    ),
    (
        "generate_name_too_long",
        C,
        "generateName: conditions-",
        "generateName: " + "c" * 60 + "-",
        [
            (
                "PTF570",
                4,
                "metadata.generateName: `" + "c" * 60 + "-` is 61 characters long; at most 58 are allowed "
                "(Kubernetes names have at most 63, and 5 random characters are appended)",
            ),
        ],
    ),
    (
        "task_name_starting_with_a_digit_in_a_dag_with_dependencies",
        "artifact_passing",
        "      - name: train\n        template: train",
        "      - name: 9train\n        template: train",
        [
            (
                "PTF570",
                29,
                "spec.templates[0].dag.tasks[2].name: task name `9train` starts with a digit, which Argo refuses "
                "in a DAG that uses dependencies",
            ),
        ],
    ),
    (
        "input_artifact_not_supplied",
        "artifact_passing",
        "        arguments:\n          artifacts:\n          - {name: download-raw, "
        "from: '{{tasks.download.outputs.artifacts.download-raw}}'}\n      - name: download",
        "      - name: download",
        [
            (
                "PTF581",
                19,
                "spec.templates[0].dag.tasks[0].template: input artifact `download-raw` of template `clean` "
                "is not supplied by task `clean`",
            ),
        ],
    ),
    (
        "depends_expression_names_an_unknown_task",
        "artifact_passing",
        "dependencies: [clean, download]",
        "depends: 'clean && (dowload.Succeeded || !clean.Failed)'",
        [
            (
                "PTF574",
                31,
                "spec.templates[0].dag.tasks[2].depends: task `train` depends on `dowload`, which is not a task "
                "of DAG `artifact-passing`",
            ),
        ],
    ),
    (
        "dag_output_from_an_unknown_task",
        "artifact_passing",
        "      - {name: url}\n    dag:",
        "      - {name: url}\n    outputs:\n      artifacts:\n"
        "      - {name: cleaned, from: '{{tasks.clen.outputs.artifacts.clean-cleaned}}'}\n    dag:",
        [
            (
                "PTF576",
                18,
                "spec.templates[0].outputs.artifacts[0].from: `{{tasks.clen.outputs.artifacts.clean-cleaned}}` "
                "in the outputs of DAG `artifact-passing`: DAG `artifact-passing` has no task `clen` "
                "(did you mean `clean`?)",
            ),
        ],
    ),
    (
        "input_parameter_declared_twice",
        "artifact_passing",
        "      - {name: url}\n    dag:",
        "      - {name: url}\n      - {name: url}\n    dag:",
        [
            ("PTF571", 16, "spec.templates[0].inputs.parameters[1].name: input parameter `url` is declared twice"),
        ],
    ),
    (
        "artifact_read_as_an_output_parameter",
        "artifact_passing",
        "'{{tasks.download.outputs.artifacts.download-raw}}'}\n      - name: download",
        "'{{tasks.download.outputs.parameters.download-raw}}'}\n      - name: download",
        [
            (
                "PTF576",
                23,
                "spec.templates[0].dag.tasks[0].arguments.artifacts[0].from: "
                "`{{tasks.download.outputs.parameters.download-raw}}` in task `clean`: template `download` of task "
                "`download` declares no output parameter `download-raw`",
            ),
        ],
    ),
    (
        "a_key_that_is_not_a_string",  # YAML reads `1:` as an integer key: reported, not a crash
        "artifact_passing",
        "      image: alpine:3.19\n    inputs:\n      artifacts:\n      - {name: download-raw, path: /tmp/inputs",
        "      image: alpine:3.19\n      env:\n      - {name: A, value: x, 1: y}\n    inputs:\n      artifacts:\n"
        "      - {name: download-raw, path: /tmp/inputs",
        [
            (
                "PTF584",
                42,
                "spec.templates[1].container.env[0].1: unknown field `1` (EnvVar has no such field; Argo would "
                "silently drop it)",
            ),
        ],
    ),
    (
        "unknown_dependency_after_a_known_one",
        "artifact_passing",
        "dependencies: [clean, download]",
        "dependencies: [clean, dowload]",
        [
            (
                "PTF574",
                31,
                "spec.templates[0].dag.tasks[2].dependencies[1]: task `train` depends on `dowload`, which is not "
                "a task of DAG `artifact-passing`",
            ),
        ],
    ),
    (
        "workflow_without_a_name",
        "artifact_passing",
        "  generateName: artifact-passing-\n",
        "",
        [("PTF586", 3, "metadata: a Workflow needs `metadata.name` or `metadata.generateName`")],
    ),
    (
        "unknown_input_artifact_in_a_command",
        "artifact_passing",
        "command: [cp, /tmp/inputs/raw/data, /tmp/outputs/cleaned/data]",
        "command: [cp, '{{inputs.artifacts.download-rw.path}}', /tmp/outputs/cleaned/data]",
        [
            (
                "PTF578",
                39,
                "spec.templates[1].container.command[1]: `{{inputs.artifacts.download-rw.path}}`: template "
                "`clean` declares no input artifact `download-rw` (did you mean `download-raw`?)",
            ),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_broken_workflow_gives_exact_diagnostics(case):
    _, golden, old, new, expected = case
    found = validate_text(broken(golden, old, new))
    assert [(d.code, d.span.line, d.message) for d in found] == expected


def test_hints_name_the_closest_field_task_and_template():
    found = validate_text(broken(C, "dependencies: [flip]", "dependancies: [flipp]"))
    assert [d.hint for d in found if d.code == "PTF584"] == ["did you mean `dependencies`?"]
    found = validate_text(broken(C, "dependencies: [flip]", "dependencies: [flipp]"))
    assert [d.hint for d in found if d.code == "PTF574"] == ["did you mean `flip`?"]
    found = validate_text(broken(C, "        template: condition-1\n", "        template: condition-1x\n"))
    assert [d.hint for d in found] == ["did you mean `condition-1`?"]


def test_integer_quantities_and_int_or_string_fields_are_accepted():
    """kfp writes `nvidia.com/gpu: 1`, `limit: 3`, `factor: 2`; Kubernetes and Argo accept them,
    hera's str Quantity would not."""
    text = (GOLDEN / "resources.yaml").read_text()
    assert "nvidia.com/gpu: 1}" in text
    assert validate_text(text) == []
    text = broken("resources", "nvidia.com/gpu: 1}", "nvidia.com/gpu: 1.5, ephemeral-storage: 10}")
    assert validate_text(text) == []


def test_span_points_at_the_key_of_an_unknown_field_and_the_value_of_a_wrong_one():
    text = broken(C, "      image: alpine:3.19\n    outputs:", "      imagee: alpine:3.19\n    outputs:")
    unknown = next(d for d in validate_text(text) if d.code == "PTF584")
    assert (unknown.span.line, unknown.span.column, unknown.span.end_column) == (51, 7, 13)
    text = broken(C, "entrypoint: conditions", "entrypoint: condition")
    (wrong,) = validate_text(text)
    assert (wrong.span.line, wrong.span.column, wrong.span.end_column) == (11, 15, 24)


def test_without_a_source_the_diagnostics_have_no_span_but_the_same_messages():
    document = yaml.safe_load(broken(C, "entrypoint: conditions", "entrypoint: condition"))
    (found,) = validate_workflow(document)
    assert (found.code, found.span, found.message) == ("PTF573", None, "spec.entrypoint: no template named `condition`")


def test_document_is_located_in_a_multi_document_file():
    text = "# a leading empty document\n---\n" + broken(C, "entrypoint: conditions", "entrypoint: condition")
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    (found,) = validate_workflow(documents[0], SourceText("two.yaml", text))
    assert found.span.line == 13


def test_many_problems_are_all_reported_in_file_order():
    text = broken(C, "entrypoint: conditions", "entrypoint: condition")
    text = text.replace("command: [echo, heads]", "command: [echo, '{{item}}']")
    text = text.replace("dependencies: [flip]", "dependencies: [flipp]")
    assert [d.code for d in validate_text(text)] == ["PTF573", "PTF577", "PTF574", "PTF580"]


def test_without_hera_the_rules_still_run_and_the_typed_check_says_it_was_skipped(monkeypatch):
    """hera is installed here; this simulates its absence by blocking the import."""
    monkeypatch.setitem(sys.modules, "hera.workflows.models", None)
    text = broken(C, "dependencies: [flip]", "dependancies: [flip]")
    found = validate_text(text)
    assert [(d.code, d.severity.label) for d in found] == [("PTF539", "warning"), ("PTF577", "error")]
    assert "hera is not installed" in found[0].message


def test_an_optional_input_artifact_may_go_unsupplied():
    """The `input_artifact_not_supplied` case again, its input marked `optional: true`: Argo runs it without one."""
    text = broken(
        "artifact_passing",
        "        arguments:\n          artifacts:\n          - {name: download-raw, "
        "from: '{{tasks.download.outputs.artifacts.download-raw}}'}\n      - name: download",
        "      - name: download",
    )
    declared = (
        "      - {name: download-raw, path: /tmp/inputs/raw/data}\n    outputs:\n      artifacts:\n      - {name: clean"
    )
    assert text.count(declared) == 1
    optional = text.replace(declared, declared.replace("/data}", "/data, optional: true}"))
    assert [(d.code, d.message) for d in validate_text(optional)] == []
    required = text.replace(declared, declared.replace("/data}", "/data, optional: false}"))
    assert [d.code for d in validate_text(required)] == ["PTF581"]


def test_a_task_name_may_start_with_a_digit_in_a_dag_without_dependencies():
    """Argo refuses such names only where `dependencies`/`depends` name tasks; kfp 1.8 writes neither here."""
    text = (GOLDEN / "loop_items.yaml").read_text()
    assert "dependencies" not in text and "depends" not in text
    assert text.count("      - name: train\n") == 1  # a task of the loop's DAG
    renamed = text.replace("      - name: train\n", "      - name: 9train\n")
    assert [(d.code, d.message) for d in validate_text(renamed)] == []


def test_a_depends_expression_orders_tasks_as_dependencies_do():
    """`depends` (Argo's newer form) names the same tasks, so `train` may still read `clean`'s outputs."""
    text = broken("artifact_passing", "dependencies: [clean, download]", "depends: 'clean && download.Succeeded'")
    assert [(d.code, d.message) for d in validate_text(text)] == []


def test_a_duplicate_name_points_back_at_the_first_declaration():
    text = broken(
        "artifact_passing", "      - {name: url}\n    dag:", "      - {name: url}\n      - {name: url}\n    dag:"
    )
    [duplicate] = validate_text(text)
    assert [(r.span.line, r.message) for r in duplicate.related] == [(15, "first declared here")]


def test_dag_outputs_taken_from_its_tasks_are_clean():
    text = broken(
        "artifact_passing",
        "      - {name: url}\n    dag:",
        "      - {name: url}\n    outputs:\n      artifacts:\n"
        "      - {name: cleaned, from: '{{tasks.clean.outputs.artifacts.clean-cleaned}}'}\n    dag:",
    )
    assert [(d.code, d.message) for d in validate_text(text)] == []


def test_the_parameters_after_a_duplicate_are_still_checked():
    text = broken(
        "artifact_passing",
        "      - {name: url}\n    dag:",
        "      - {name: url}\n      - {name: url}\n      - {name: u rl}\n    dag:",
    )
    assert [(d.code, d.span.line) for d in validate_text(text)] == [("PTF581", 10), ("PTF571", 16), ("PTF570", 17)]


@pytest.mark.parametrize(
    "declaration",
    [
        "{name: url, default: 'https://example.com/data.csv'}",
        "{name: url, value: 'https://example.com/data.csv'}",
        "{name: url, valueFrom: {configMapKeyRef: {name: settings, key: url}}}",
    ],
    ids=["default", "value", "valueFrom"],
)
def test_an_input_parameter_with_its_own_value_needs_no_argument(declaration):
    """Without `spec.arguments`, the entrypoint's `url` is reported; with a default, value or valueFrom it is not."""
    text = broken(
        "artifact_passing",
        "  arguments:\n    parameters:\n    - {name: url, value: 'https://example.com/data.csv'}\n",
        "",
    )
    assert [(d.code, d.message) for d in validate_text(text)] == [
        (
            "PTF581",
            "spec.entrypoint: input parameter `url` of template `artifact-passing` is not supplied by spec.arguments",
        )
    ]
    declared = text.replace("      - {name: url}\n    dag:", f"      - {declaration}\n    dag:")
    assert declared != text
    assert [(d.code, d.message) for d in validate_text(declared)] == []


def test_a_command_may_name_its_input_artifacts_path():
    text = broken(
        "artifact_passing",
        "command: [cp, /tmp/inputs/raw/data, /tmp/outputs/cleaned/data]",
        "command: [cp, '{{inputs.artifacts.download-raw.path}}', /tmp/outputs/cleaned/data]",
    )
    assert [(d.code, d.message) for d in validate_text(text)] == []


def test_a_workflow_without_metadata_is_reported_once_not_a_crash():
    text = (GOLDEN / "artifact_passing.yaml").read_text()
    body = text[text.index("\nspec:\n") + 1 :]
    found = validate_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n" + body)
    # Once: hera's model also calls `metadata` required, which says less than this (it was reported twice).
    assert [(d.code, d.message) for d in found] == [
        ("PTF586", "metadata: a Workflow needs `metadata.name` or `metadata.generateName`"),
    ]


def test_a_task_reads_the_outputs_of_its_ancestors_only():
    """`c` reads `a` through `b` (an indirect dependency: fine); `d` waits for `a` only, so `b`'s output may not
    exist yet when it starts (PTF577).  Also a long chain whose last task reads the first one's output."""
    template = (
        "  - name: say\n    inputs: {parameters: [{name: x}]}\n    outputs: {parameters: [{name: y, valueFrom: "
        "{path: /tmp/y}}]}\n    container: {image: 'alpine:3.19', command: [echo, '{{inputs.parameters.x}}']}\n"
    )

    def task(name, after, reads):
        dependencies = f", dependencies: [{after}]" if after else ""
        return (
            f"      - {{name: {name}, template: say{dependencies}, arguments: {{parameters: "
            f"[{{name: x, value: '{reads}'}}]}}}}\n"
        )

    def workflow(tasks):
        return (
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: p-}\nspec:\n"
            "  entrypoint: p\n  templates:\n  - name: p\n    dag:\n      tasks:\n" + "".join(tasks) + template
        )

    text = workflow(
        [
            task("a", None, "go"),
            task("b", "a", "{{tasks.a.outputs.parameters.y}}"),
            task("c", "b", "{{tasks.a.outputs.parameters.y}}"),
            task("d", "a", "{{tasks.b.outputs.parameters.y}}"),
        ]
    )
    (found,) = validate_text(text)
    assert found.code == "PTF577"
    assert found.message.startswith("spec.templates[0].dag.tasks[3].arguments.parameters[0].value: `{{tasks.b.")
    chain = [task("t0", None, "go")]
    chain += [task(f"t{i}", f"t{i - 1}", "{{tasks.t0.outputs.parameters.y}}") for i in range(1, 300)]
    assert validate_text(workflow(chain)) == []


def test_an_empty_template_name_is_invalid_not_missing():
    text = broken("conditions", "  - name: flip\n", "  - name: ''\n")
    assert [(d.code, d.span.line, d.message) for d in validate_text(text)] == [
        ("PTF573", 46, "spec.templates[3].dag.tasks[2].template: no template named `flip`"),
        ("PTF570", 47, "spec.templates[4].name: a template name must be a non-empty string"),
    ]


def test_a_task_may_read_another_tasks_status():
    """`{{tasks.T.status}}` (and Argo's other task fields) is not an output, and needs none declared."""
    text = broken(
        "conditions",
        """when: '"{{tasks.flip.outputs.parameters.flip-side}}" == "heads"'""",
        """when: '"{{tasks.flip.status}}" == "Succeeded"'""",
    )
    assert [(d.code, d.message) for d in validate_text(text)] == []


def test_a_variable_after_an_expression_in_the_same_string_is_still_checked():
    text = broken(
        "conditions",
        """when: '"{{tasks.flip.outputs.parameters.flip-side}}" == "heads"'""",
        """when: '"{{=1}}" == "{{tasks.flip.outputs.parameters.flip-sid}}"'""",
    )
    assert [(d.code, d.span.line, d.message) for d in validate_text(text)] == [
        (
            "PTF576",
            39,
            "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-sid}}` in task "
            "`condition-1`: template `flip` of task `flip` declares no output parameter `flip-sid` "
            "(did you mean `flip-side`?)",
        )
    ]


def test_an_argument_written_as_a_bare_string_is_a_wrong_type_not_a_crash():
    text = broken(
        "conditions", "          - {name: threshold, value: '{{inputs.parameters.threshold}}'}", "          - threshold"
    )
    assert [(d.code, d.span.line, d.message) for d in validate_text(text)] == [
        (
            "PTF581",
            38,
            "spec.templates[3].dag.tasks[0].template: input parameter `threshold` of template `condition-1` "
            "is not supplied by task `condition-1`",
        ),
        (
            "PTF585",
            43,
            "spec.templates[3].dag.tasks[0].arguments.parameters[0]: wrong type: should be a valid dictionary or "
            "instance of Parameter; got the string 'threshold'",
        ),
    ]


STEPS_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: steps-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: hello, template: say}
    - - {name: bye, template: sya}
  - name: say
    container: {image: 'alpine:3.19', command: [echo, hi]}
"""


def test_a_steps_template_naming_an_unknown_template_is_reported():
    """kfp never writes `steps`, but a hand-written workflow may: its template references are checked."""
    [problem] = validate_text(STEPS_WORKFLOW)
    assert (problem.code, problem.span.line) == ("PTF573", 10)
    assert problem.message == "spec.templates[0].steps[1][0].template: no template named `sya`"
    assert problem.hint == "did you mean `say`?"


def test_an_output_named_by_a_number_is_a_wrong_type_and_not_an_output():
    text = broken("conditions", "      - name: flip-side\n        valueFrom:", "      - name: 3\n        valueFrom:")
    assert [(d.code, d.span.line, d.message) for d in validate_text(text)] == [
        (
            "PTF576",
            39,
            "spec.templates[3].dag.tasks[0].when: `{{tasks.flip.outputs.parameters.flip-side}}` in task "
            "`condition-1`: template `flip` of task `flip` declares no output parameter `flip-side`",
        ),
        (
            "PTF585",
            54,
            "spec.templates[4].outputs.parameters[0].name: wrong type: should be a valid string; got the integer 3",
        ),
    ]


def test_an_output_parameter_without_value_from_is_reported_at_the_parameter():
    text = broken(
        "conditions",
        "      - name: flip-side\n        valueFrom: {path: /tmp/outputs/side/data}\n",
        "      - name: flip-side\n",
    )
    [problem] = validate_text(text)
    assert (problem.code, problem.span.line, problem.span.column) == ("PTF586", 54, 9)
    assert problem.message == "spec.templates[4].outputs.parameters[0]: output parameter `flip-side` needs `valueFrom`"


# ------------------------------------------------- found missing by mutation testing (tools/mutation.py)


def _workflow(templates: list[dict], **spec) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "p-"},
        "spec": {"entrypoint": "main", "templates": templates, **spec},
    }


def _container(name: str) -> dict:
    return {"name": name, "container": {"image": "alpine:3.19", "command": ["true"]}}


def _dag(*tasks: tuple[str, list[str]]) -> dict:
    """The `main` DAG template: (task name, the tasks it depends on), each running template `work`."""
    return {
        "name": "main",
        "dag": {
            "tasks": [
                {"name": name, "template": "work", **({"dependencies": after} if after else {})}
                for name, after in tasks
            ]
        },
    }


def _findings(document: dict) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in validate_workflow(document)]


@pytest.mark.parametrize("name, valid", [("Bad_Name", False), ("a" * 63, True), ("a" * 64, False)])
def test_a_workflow_name_is_held_to_kubernetes_names_by_its_letters_and_its_length(name, valid):
    document = _workflow([_dag(("a", [])), _container("work")])
    document["metadata"] = {"name": name}
    expected = f"metadata.name: `{name}` is not a valid Kubernetes name: at most 63 lowercase letters, digits, `-`"
    findings = _findings(document)
    if valid:
        assert findings == []
    else:
        assert [(code, message[: len(expected)]) for code, message in findings] == [("PTF570", expected)]


def test_a_template_defined_twice_leaves_the_templates_after_it_known():
    document = _workflow([_dag(("a", [])), _container("dup"), _container("dup"), _container("work")])
    assert _findings(document) == [("PTF571", "spec.templates[2].name: template `dup` is defined twice")]


def test_without_an_entrypoint_the_on_exit_template_is_still_checked():
    document = _workflow([_dag(("a", [])), _container("work")], onExit="nope")
    del document["spec"]["entrypoint"]
    assert _findings(document) == [
        ("PTF586", "spec: `spec.entrypoint` is required"),
        ("PTF573", "spec.onExit: no template named `nope`"),
    ]


def test_a_cycle_among_tasks_after_ones_already_walked_is_found():
    """`x` walks to `y` first; the cycle `a <-> b` hangs below `s`, which is not in it."""
    document = _workflow([_dag(("x", ["y"]), ("y", []), ("s", ["a"]), ("a", ["b"]), ("b", ["a"])), _container("work")])
    assert _findings(document) == [
        ("PTF575", "spec.templates[0].dag.tasks[3].dependencies[0]: dependency cycle in DAG `main`: a -> b -> a")
    ]


def test_a_generate_name_with_capitals_or_underscores_is_not_a_valid_prefix():
    document = _workflow([_dag(("a", [])), _container("work")])
    document["metadata"] = {"generateName": "My_pipeline-"}
    assert _findings(document) == [
        (
            "PTF570",
            "metadata.generateName: `My_pipeline-` is not a valid name prefix: lowercase letters, digits, `-` and "
            "`.`, starting with a letter or digit",
        )
    ]


def test_a_template_that_is_not_a_mapping_is_a_wrong_type_and_the_rest_are_still_checked():
    """The typed layer reports the string; the rules skip it rather than crash, and still see `nope`."""
    document = _workflow([_dag(("a", [])), "work", _container("work"), _container("other")], onExit="nope")
    assert _findings(document) == [
        (
            "PTF585",
            "spec.templates[1]: wrong type: should be a valid dictionary or instance of Template; got the string "
            "'work'",
        ),
        ("PTF573", "spec.onExit: no template named `nope`"),
    ]


def test_a_template_without_a_name_is_missing_its_name():
    document = _workflow([_dag(("a", [])), _container("work"), {"container": {"image": "alpine:3.19"}}])
    assert _findings(document) == [("PTF586", "spec.templates[2]: required field `name` is missing")]


@pytest.mark.parametrize(
    "variable",
    [
        "inputs.parameters",
        "pod.name",
        "retries",
        "node.name",
        "outputs.parameters.out",
        "outputs.artifacts.out",
        "lastRetry.exitCode",
    ],
)
def test_argo_defines_these_variables_in_every_leaf_template(variable):
    work = _container("work")
    work["container"]["command"] = ["echo", f"{{{{{variable}}}}}"]
    assert _findings(_workflow([_dag(("a", [])), work])) == []


def test_an_input_variable_a_leaf_template_cannot_have_is_unknown():
    work = _container("work")
    work["container"]["command"] = ["echo", "{{inputs.name}}"]
    assert _findings(_workflow([_dag(("a", [])), work])) == [
        (
            "PTF589",
            "spec.templates[1].container.command[1]: `{{inputs.name}}` can't be resolved in container template `work`",
        )
    ]


def test_a_variable_in_a_key_is_checked_and_pointed_at_as_a_key():
    text = (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Workflow\n"
        "metadata: {generateName: p-}\n"
        "spec:\n"
        "  entrypoint: work\n"
        "  templates:\n"
        "  - name: work\n"
        "    metadata:\n"
        "      annotations:\n"
        "        '{{inputs.parameters.who}}': owner\n"
        "    container: {image: 'alpine:3.19'}\n"
    )
    [found] = validate_text(text)
    assert (found.code, found.message) == (
        "PTF578",
        'spec.templates[0].metadata.annotations["{{inputs.parameters.who}}"]: `{{inputs.parameters.who}}`: '
        "template `work` declares no input parameter `who`",
    )
    # the key, quotes included, not the value `owner` after it
    assert (found.span.line, found.span.column, found.span.end_column) == (10, 9, 36)


def test_a_task_that_is_not_a_mapping_is_a_wrong_type_and_the_other_tasks_are_still_checked():
    document = _workflow([_dag(("a", [])), _container("work")])
    document["spec"]["templates"][0]["dag"]["tasks"][:0] = ["a"]
    document["spec"]["templates"][0]["dag"]["tasks"][1]["template"] = "nope"
    assert _findings(document) == [
        (
            "PTF585",
            "spec.templates[0].dag.tasks[0]: wrong type: should be a valid dictionary or instance of DAGTask; got the "
            "string 'a'",
        ),
        ("PTF573", "spec.templates[0].dag.tasks[1].template: no template named `nope`"),
    ]


def test_a_task_defined_twice_is_reported_and_checked_as_first_defined():
    """Like a duplicate template: the second `a` is only reported, so its unknown template is not."""
    document = _workflow([_dag(("a", []), ("a", [])), _container("work")])
    document["spec"]["templates"][0]["dag"]["tasks"][1]["template"] = "nope"
    assert _findings(document) == [
        ("PTF571", "spec.templates[0].dag.tasks[1].name: task `a` is defined twice in DAG `main`")
    ]


def test_a_task_without_a_template_is_reported():
    document = _workflow([_dag(("a", [])), _container("work")])
    del document["spec"]["templates"][0]["dag"]["tasks"][0]["template"]
    assert _findings(document) == [("PTF586", "spec.templates[0].dag.tasks[0]: task `a` needs a `template`")]


def test_a_task_may_not_loop_over_both_items_and_a_parameter():
    document = _workflow([_dag(("a", [])), _container("work")])
    document["spec"]["templates"][0]["dag"]["tasks"][0].update(withItems=[1, 2], withParam="[1, 2]")
    assert _findings(document) == [
        ("PTF583", "spec.templates[0].dag.tasks[0].withParam: task `a` has both withItems and withParam")
    ]


def _passing(value: str, producer: dict | None = None) -> dict:
    """`main`: task `b`, after `a`, passes `value` as an argument; `producer` replaces task `a`'s body."""
    document = _workflow([_dag(("a", []), ("b", ["a"])), _container("work")])
    tasks = document["spec"]["templates"][0]["dag"]["tasks"]
    if producer is not None:
        tasks[0] = {"name": "a", **producer}
    tasks[1]["arguments"] = {"parameters": [{"name": "p", "value": value}]}
    return document


@pytest.mark.parametrize("variable", ["tasks.name", "node.name"])
def test_a_dag_task_may_read_its_own_name(variable):
    assert _findings(_passing(f"{{{{{variable}}}}}")) == []


def test_a_pod_variable_cannot_be_resolved_in_a_dag_task():
    assert _findings(_passing("{{pod.name}}")) == [
        (
            "PTF589",
            "spec.templates[0].dag.tasks[1].arguments.parameters[0].value: `{{pod.name}}` can't be resolved in task "
            "`b`",
        )
    ]


def test_a_field_that_no_task_has_is_not_a_variable_even_of_a_task_whose_template_is_elsewhere():
    """`a` runs a template of another WorkflowTemplate, so its outputs can't be checked; its fields can."""
    document = _passing("{{tasks.a.phase}}", {"templateRef": {"name": "other", "template": "work"}})
    assert _findings(document) == [
        (
            "PTF589",
            "spec.templates[0].dag.tasks[1].arguments.parameters[0].value: `{{tasks.a.phase}}` in task `b`: not a "
            "variable of task `a`",
        )
    ]


@pytest.mark.parametrize("output", ["result", "exitCode", "parameters"])
def test_a_task_may_read_the_result_exit_code_and_parameters_of_its_dependency(output):
    assert _findings(_passing(f"{{{{tasks.a.outputs.{output}}}}}")) == []


@pytest.mark.parametrize("output", ["outputs.phase", "outputs.parameters.out.value"])
def test_an_output_of_a_dependency_that_argo_does_not_define_is_not_a_variable(output):
    assert _findings(_passing(f"{{{{tasks.a.{output}}}}}")) == [
        (
            "PTF589",
            f"spec.templates[0].dag.tasks[1].arguments.parameters[0].value: `{{{{tasks.a.{output}}}}}` in task `b`: "
            "not a variable of task `a`",
        )
    ]


def test_an_empty_task_name_is_invalid_as_an_empty_template_name_is():
    document = _workflow([_dag(("a", [])), _container("work")])
    document["spec"]["templates"][0]["dag"]["tasks"][0]["name"] = ""
    assert _findings(document) == [
        ("PTF570", "spec.templates[0].dag.tasks[0].name: a task name must be a non-empty string")
    ]


@pytest.mark.parametrize(
    "metadata, expected",
    [
        ({"name": "fixed", "generateName": ""}, []),  # an empty prefix beside a name: Argo uses the name
        (
            {"generateName": 5},
            [("PTF585", "metadata.generateName: wrong type: should be a valid string; got the integer 5")],
        ),
    ],
    ids=["empty-prefix", "a-number"],
)
def test_a_generate_name_is_checked_only_when_it_is_text(metadata, expected):
    document = _workflow([_dag(("a", [])), _container("work")])
    document["metadata"] = metadata
    assert _findings(document) == expected


def test_variables_argo_leaves_alone_are_not_checked():
    """`{{=...}}` is an expression and `{{my.own}}` no variable of Argo's: both are passed on as they are."""
    work = _container("work")
    work["container"]["command"] = ["echo", "{{my.own}}", "{{=inputs.parameters.x}}"]
    assert _findings(_workflow([_dag(("a", [])), work])) == []


def test_an_empty_image_is_reported_at_the_image_and_a_missing_one_at_the_container():
    blank = _container("work")
    blank["container"]["image"] = "  "
    assert _findings(_workflow([_dag(("a", [])), blank])) == [
        ("PTF582", "spec.templates[1].container.image: container template `work` has no image")
    ]
    missing = _container("work")
    del missing["container"]["image"]
    assert _findings(_workflow([_dag(("a", [])), missing])) == [
        ("PTF582", "spec.templates[1].container: container template `work` has no image")
    ]
