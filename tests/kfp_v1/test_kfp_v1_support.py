"""What KFP 1.x can't express is an error at check time (PTF501, PTF570), never a silently wrong file."""

from __future__ import annotations

import textwrap

import pytest

from ptflow.compiler.api import compile_file

SAY = """
component say(message: str) {
    image   = "alpine:3.19"
    command = ["echo", message]
}
"""
CASES = [
    (
        "artifact_uri",
        """
component deploy(model: Model) {
    image   = "alpine:3.19"
    command = ["deploy", "--uri", model.uri]
}
component train() -> (model: Model) {
    image   = "alpine:3.19"
    command = ["train", model.path]
}
pipeline p() {
    t = train()
    d = deploy(model: t.model)
}
""",
        [
            (
                "PTF501",
                1,
                1,
                "`.uri` (an artifact URI) in the command of component `deploy` is not supported by kfp-v1 "
                "(KFP 1.x / Argo)",
            )
        ],
    ),
    (
        "executor_input",
        """
component report() -> (metrics: Metrics) {
    image   = "alpine:3.19"
    command = ["report", executor.input, metrics.path]
}
pipeline p() {
    r = report()
}
""",
        [
            (
                "PTF501",
                1,
                1,
                "`executor.input` in the command of component `report` is not supported by kfp-v1 (KFP 1.x / Argo)",
            )
        ],
    ),
    (
        "importer",
        SAY
        + """
component use(model: Model) {
    image   = "alpine:3.19"
    command = ["use", model.path]
}
pipeline p() {
    base = importer(uri: "gs://models/resnet18", type: Model)
    u = use(model: base.artifact)
}
""",
        [("PTF501", 11, 5, "`importer` (step `base`) is not supported by kfp-v1 (KFP 1.x / Argo)")],
    ),
    (
        "nested_pipeline",
        SAY
        + """
pipeline inner() {
    s = say(message: "inner")
}
pipeline outer() {
    i = inner()
}
""",
        [
            (
                "PTF501",
                10,
                5,
                "calling a pipeline from a pipeline (step `i`) is not supported by kfp-v1 (KFP 1.x / Argo)",
            )
        ],
    ),
    (
        "pipeline_outputs",
        """
component make() -> (n: int) {
    image   = "alpine:3.19"
    command = ["sh", "-c", "echo 1 > $0", n.path]
}
pipeline p() -> (n: int) {
    m = make()
    return (n: m.n)
}
""",
        [("PTF501", 5, 1, "pipeline outputs (`return` in `p`) is not supported by kfp-v1 (KFP 1.x / Argo)")],
    ),
    (
        "gathered_over_nested_loops",
        """
component double(n: int) -> (out: int) {
    image   = "alpine:3.19"
    command = ["double", n, out.path]
}
component total(numbers: list) {
    image   = "alpine:3.19"
    command = ["total", numbers]
}
pipeline p() {
    for x in [1, 2] {
        for y in [3, 4] {
            d = double(n: y)
        }
    }
    t = total(numbers: d.out)
}
""",
        [
            (
                "PTF501",
                15,
                5,
                "gathering over nested loops (`d.out` into `t`) is not supported by kfp-v1 (KFP 1.x / Argo)",
            ),
        ],
    ),
    (
        "gathered_from_under_an_if",
        """
component double(n: int) -> (out: int) {
    image   = "alpine:3.19"
    command = ["double", n, out.path]
}
component total(numbers: list) {
    image   = "alpine:3.19"
    command = ["total", numbers]
}
pipeline p(limit: int = 3) {
    for y in [3, 4] {
        if y > limit {
            d = double(n: y)
        }
    }
    t = total(numbers: d.out)
}
""",
        [
            (
                "PTF501",
                15,
                5,
                "gathering an output made under an `if` inside the loop (`d.out` into `t`) is not supported by "
                "kfp-v1 (KFP 1.x / Argo)",
            ),
        ],
    ),
    (
        "gathered_artifacts",
        """
component train(lr: float) -> (model: Model) {
    image   = "alpine:3.19"
    command = ["train", lr, model.path]
}
component pick(models: list[Model]) {
    image   = "alpine:3.19"
    command = ["pick", models]
}
pipeline p() {
    for lr in [0.1, 0.01] {
        t = train(lr: lr)
    }
    best = pick(models: t.model)
}
""",
        [
            (
                "PTF501",
                5,
                16,
                "a list of artifacts as input `models` of component `pick` is not supported by kfp-v1 (KFP 1.x / Argo)",
            ),
            (
                "PTF501",
                13,
                5,
                "gathering artifacts over a loop (`t.model` into `best`) is not supported by kfp-v1 (KFP 1.x / Argo)",
            ),
        ],
    ),
    (
        "pipeline_root",
        SAY
        + """
pipeline p() {
    s = say(message: pipeline.root)
}
""",
        [("PTF501", 7, 5, "`pipeline.root` (step `s`) is not supported by kfp-v1 (KFP 1.x / Argo)")],
    ),
    (
        "accelerator_from_parameter",
        SAY
        + """
pipeline p(kind: str = "nvidia.com/gpu") {
    s = say(message: "hi") with { gpus: 1, accelerator: kind }
}
""",
        [
            (
                "PTF501",
                7,
                5,
                "an accelerator type taken from a pipeline parameter (step `s`) is not supported by kfp-v1 "
                "(KFP 1.x / Argo)",
            )
        ],
    ),
    (
        "different_image_pull_secrets",
        SAY
        + """
pipeline p() {
    a = say(message: "a") with { image_pull_secrets: ["regcred"] }
    b = say(message: "b")
    c = say(message: "c") with { image_pull_secrets: ["regcred", "mirror"] }
}
""",
        [
            (
                "PTF501",
                9,
                5,
                '`image_pull_secrets: ["regcred", "mirror"]` on step `c`, unlike `["regcred"]` on step `a`, is not '
                "supported by kfp-v1 (KFP 1.x / Argo)",
            )
        ],
    ),
    (
        "image_pull_secret_from_parameter",
        SAY
        + """
pipeline p(secret: str = "regcred") {
    s = say(message: "hi") with { image_pull_secrets: [secret] }
}
""",
        [
            (
                "PTF501",
                7,
                5,
                "`image_pull_secrets` on step `s` names a secret with a value known at run time; kfp-v1 (KFP 1.x / "
                "Argo) writes the workflow's image pull secrets at compile time",
            )
        ],
    ),
    (
        "node_affinity_json_from_parameter",
        SAY
        + """
pipeline p(affinity: dict = {}) {
    s = say(message: "hi") with { node_affinity_json: affinity }
}
""",
        [
            (
                "PTF501",
                7,
                5,
                "`node_affinity_json` from a pipeline parameter (step `s`) is not supported by kfp-v1 (KFP 1.x / "
                "Argo): kfp 1.8 writes it into the template at compile time",
            )
        ],
    ),
    (
        "workflow_name_too_long",
        SAY
        + """
pipeline a_pipeline_whose_name_is_far_too_long_for_an_argo_workflow_name() {
    s = say(message: "hi")
}
""",
        [
            (
                "PTF570",
                6,
                1,
                "the workflow name prefix `a-pipeline-whose-name-is-far-too-long-for-an-argo-workflow-name-` "
                "made from pipeline `a_pipeline_whose_name_is_far_too_long_for_an_argo_workflow_name` has 64 "
                "characters; Argo allows at most 58",
            )
        ],
    ),
    (
        "workspace",
        SAY
        + """
pipeline p() {
    workspace = {size: "1Gi"}
    s = say(message: pipeline.workspace_path)
}
""",
        [
            ("PTF501", 7, 5, "the pipeline workspace (`workspace`) is not supported by kfp-v1 (KFP 1.x / Argo)"),
            ("PTF501", 8, 5, "`pipeline.workspace_path` (step `s`) is not supported by kfp-v1 (KFP 1.x / Argo)"),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_unsupported_construct_gives_exact_diagnostic(case, tmp_path):
    _, source, expected = case
    path = tmp_path / "main.ptflow"
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    result = compile_file(str(path), "kfp-v1")
    assert not result.ok
    errors = [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics if d.is_error]
    assert errors == expected


@pytest.mark.parametrize("length", [128, 129])
def test_an_argo_template_name_may_have_128_characters(length, tmp_path):
    step = "s" * length
    path = tmp_path / "main.ptflow"
    path.write_text(SAY + f'\npipeline p() {{\n    {step} = say(message: "hi")\n}}\n')
    result = compile_file(str(path), "kfp-v1")
    errors = [(d.code, d.message) for d in result.diagnostics if d.is_error]
    if length == 128:
        assert result.ok, errors
        assert [t["name"] for t in result.documents[0]["spec"]["templates"]].count(step) == 1
    else:
        assert errors == [
            (
                "PTF570",
                f"step `{step}` gives the Argo template name `{step}` of 129 characters; Argo allows at most 128",
            )
        ]
