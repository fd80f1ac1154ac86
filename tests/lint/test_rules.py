"""Every lint rule: what it reports (code, line:column, the spanned text, message) and what it leaves alone."""

from ptflow.compiler.api import check_file
from ptflow.compiler.diagnostics import Severity
from ptflow.compiler.diagnostics.codes import CODES
from ptflow.compiler.lint import RULES, lint
from tests.lint.helpers import FIT, apply_fix, findings, lint_source


def test_every_rule_is_registered_with_its_metadata():
    assert sorted(RULES) == [f"PTF6{n:02d}" for n in range(1, 11)]
    for code, rule in RULES.items():
        entry = CODES[code]
        assert entry.severity is Severity.WARNING and entry.tags == rule.tags and entry.title == rule.title
        assert "Fix:" in rule.explanation and "    " in rule.explanation  # the fix and an indented example
        assert rule.name[0].isupper() and "_" not in rule.name


# ------------------------------------------------------------ PTF601


SPLIT = """component split(data: Dataset) -> (train: Dataset, test: Dataset, rows: int, report: Markdown,
                                   logs: Artifact) {
    image = "splitter:1.0"
    command = ["split", data.path, train.path, test.path, rows.path, report.path, logs.path]
}
"""


def test_unused_dataset_output_of_a_step_whose_other_outputs_are_used(tmp_path):
    text = (
        FIT
        + SPLIT
        + """pipeline p() {
    raw = make()
    parts = split(data: raw.data)
    model = fit(data: parts.train)
}
"""
    )
    assert findings(tmp_path, text, code="PTF601") == [
        "PTF601 16:5 'parts' output `test` (Dataset) of step `parts` is never used, though its other outputs are",
    ]
    (diagnostic,) = [d for d in lint_source(tmp_path, text) if d.code == "PTF601"]
    assert diagnostic.related[0].span.line == 9 and diagnostic.related[0].message == "`test` is declared here"


def test_unused_outputs_not_flagged_for_sinks_returns_uses_and_ui_outputs(tmp_path):
    # `model` is the end of a branch; `parts.test` is returned; rows/report/logs are UI outputs.
    text = (
        FIT
        + SPLIT
        + """pipeline p() -> (test: Dataset) {
    raw = make()
    parts = split(data: raw.data)
    model = fit(data: parts.train)
    return (test: parts.test)
}
"""
    )
    assert findings(tmp_path, text, code="PTF601") == []


def test_outputs_read_by_conditions_loops_and_fan_in_count_as_used(tmp_path):
    text = """component two() -> (items: list[int], data: Dataset, flag: bool) {
    image = "x:1"
    command = ["two", items.path, data.path, flag.path]
}
component use(x: int) {
    image = "x:1"
    command = ["use", x]
}
component gather(data: list[Dataset]) {
    image = "x:1"
    command = ["gather", data]
}
pipeline p() {
    t = two()
    for i in t.items {
        u = use(x: i)
        inner = two()
    }
    g = gather(data: inner.data)
    if t.flag {
        v = use(x: 1)
    }
}
"""
    # t.data is a Dataset nobody reads, while t.items and t.flag are read.
    assert findings(tmp_path, text, code="PTF601") == [
        "PTF601 14:5 't' output `data` (Dataset) of step `t` is never used, though its other outputs are",
    ]


# ------------------------------------------------------------ PTF602


def test_unused_pipeline_parameter(tmp_path):
    text = (
        FIT
        + """pipeline p(n: int = 2, lr: float = 0.1, tag: str = "x", gpus: int = 0) {
    d = make(n: n) with { image: tag, gpus: gpus, accelerator: "nvidia.com/gpu", cpu: "1" }
}
"""
    )
    assert findings(tmp_path, text, code="PTF602") == [
        "PTF602 9:24 'lr' parameter `lr` of pipeline `p` is never used",
    ]


def test_parameters_used_in_loops_and_conditions_are_used(tmp_path):
    text = (
        FIT
        + """pipeline p(ns: list[int] = [1], go: bool = true) {
    for n in ns {
        if go {
            d = make(n: n)
        }
    }
}
"""
    )
    assert findings(tmp_path, text, code="PTF602") == []


# ------------------------------------------------------------ PTF603


def test_unused_import_with_a_fix_that_deletes_the_line(tmp_path):
    text = (
        "import stdlib.torch as torch\nimport stdlib.torch as used\n"
        + FIT
        + """pipeline p() {
    d = make()
    s = used.prepare_images()
}
"""
    )
    assert findings(tmp_path, text, code="PTF603") == [
        "PTF603 1:1 'import stdlib.torch as torch' `torch` is imported but never used",
    ]
    (diagnostic,) = [d for d in lint_source(tmp_path, text) if d.code == "PTF603"]
    fixed = apply_fix(text, diagnostic.fix)
    assert fixed.startswith("import stdlib.torch as used\ncomponent fit")
    (tmp_path / "fixed.ptflow").write_text(fixed)
    assert [d.code for d in lint(check_file(str(tmp_path / "fixed.ptflow")))] == []


# ------------------------------------------------------------ PTF604


def test_latest_and_untagged_images(tmp_path):
    text = """component a() {
    image = "python:latest"
    command = ["a"]
}
component b() {
    image = "localhost:5000/team/trainer"
    command = ["b"]
}
component c() {
    image = "python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    command = ["c"]
}
component d() {
    image = "localhost:5000/trainer:2.1"
    command = ["d"]
}
pipeline p() {
    x = a() with { image: "ghcr.io/me/override" }
    y = b()
    z = c()
    w = d()
}
"""
    assert findings(tmp_path, text, code="PTF604") == [
        "PTF604 2:13 '\"python:latest\"' image `python:latest` uses the mutable tag `latest`",
        "PTF604 6:13 '\"localhost:5000/team/trainer\"' image `localhost:5000/team/trainer` has no tag, "
        "so it means `localhost:5000/team/trainer:latest`",
        "PTF604 18:27 '\"ghcr.io/me/override\"' image `ghcr.io/me/override` has no tag, "
        "so it means `ghcr.io/me/override:latest`",
    ]


# ------------------------------------------------------------ PTF605


GPU_STEP = (
    FIT
    + """pipeline p() {
    d = make() with { cpu: "1" }
    t = fit(data: d.data) with { gpus: 1, memory: "16Gi" }
}
"""
)


def test_gpus_without_accelerator_on_kfp_v2_with_a_fix(tmp_path):
    expected = [
        "PTF605 11:34 'gpus: 1' `gpus` without `accelerator`: KFP v2 ignores a GPU count that has no accelerator type"
    ]
    assert findings(tmp_path, GPU_STEP, code="PTF605") == expected
    assert findings(tmp_path, GPU_STEP, target="kfp-v2", code="PTF605") == expected
    (diagnostic,) = [d for d in lint_source(tmp_path, GPU_STEP) if d.code == "PTF605"]
    fixed = apply_fix(GPU_STEP, diagnostic.fix)
    assert 'with { gpus: 1, accelerator: "nvidia.com/gpu", memory: "16Gi" }' in fixed
    (tmp_path / "fixed.ptflow").write_text(fixed)
    assert [d.code for d in lint(check_file(str(tmp_path / "fixed.ptflow")))] == []


def test_gpus_without_accelerator_on_vertex_and_kfp_v1(tmp_path):
    (diagnostic,) = [d for d in lint_source(tmp_path, GPU_STEP, "vertex") if d.code == "PTF605"]
    assert diagnostic.message == "`gpus` without `accelerator`: Vertex AI needs the accelerator type"
    assert diagnostic.fix is None and "NVIDIA_TESLA_T4" in diagnostic.hint
    assert findings(tmp_path, GPU_STEP, target="kfp-v1", code="PTF605") == []


def test_zero_gpus_and_gpu_parameters(tmp_path):
    text = (
        FIT
        + """pipeline p(gpus: int = 0) {
    d = make() with { gpus: 0 }
    t = fit(data: d.data) with { gpus: gpus, cpu: "2" }
}
"""
    )
    assert findings(tmp_path, text, code="PTF605") == [
        "PTF605 11:34 'gpus: gpus' `gpus` without `accelerator`: KFP v2 ignores a GPU count that has no "
        "accelerator type",
    ]


# ------------------------------------------------------------ PTF606


def test_cached_steps_reading_external_uris(tmp_path):
    text = """component download(url: str, out: str = "x") -> (data: Dataset) {
    image = "curl:8"
    command = ["get", url, out, data.path]
}
pipeline p(source: str = "s3://bucket/data.csv", name: str = "local") {
    a = download(url: "https://example.com/data.csv")
    b = download(url: f"gs://bucket/{name}.csv") with { retries: 2 }
    c = download(url: source)
    d = download(url: "data.csv", out: "minio://store/out") with { cache: false }
    e = download(url: "gs://pinned/v1/data.csv") with { cache: true }
    f = download(url: name)
    base = importer(uri: "gs://models/resnet", type: Model)
    g = download(url: "s3://bucket/data.csv", out: f"out-{pipeline.job_id}")
    h = download(url: f"s3://{name}/{pipeline.job_name}")
}
"""
    # `g` is not flagged (an argument holds the run's id, so KFP never reuses its result); `h` is (a run's
    # name can repeat).
    assert findings(tmp_path, text, code="PTF606") == [
        "PTF606 6:23 '\"https://example.com/data.csv\"' step `a` reads `https://example.com/data.csv` but is "
        "cached: when the data there changes, KFP reuses the old result",
        "PTF606 7:23 'f\"gs://bucket/{name}.csv\"' step `b` reads `gs://bucket/` but is cached: when the data "
        "there changes, KFP reuses the old result",
        "PTF606 8:23 'source' step `c` reads `s3://bucket/data.csv` but is cached: when the data there changes, "
        "KFP reuses the old result",
        "PTF606 12:5 'base' importer step `base` is cached: when the data at its URI changes, KFP reuses the old "
        "artifact",
        "PTF606 14:23 'f\"s3://{name}/{pipeline.job_name}\"' step `h` reads `s3://` but is cached: when the data "
        "there changes, KFP reuses the old result",
    ]


def test_cache_fix_adds_the_option_in_every_shape_of_with(tmp_path):
    text = """component download(url: str) -> (data: Dataset) {
    image = "curl:8"
    command = ["get", url, data.path]
}
pipeline p() {
    a = download(url: "gs://b/a")
    b = download(url: "gs://b/b") with { retries: 2, }
    c = download(url: "gs://b/c") with {}
}
"""
    diagnostics = [d for d in lint_source(tmp_path, text) if d.code == "PTF606"]
    fixed = text
    for diagnostic in sorted(diagnostics, key=lambda d: -d.fix.span.start):  # apply from the end
        fixed = apply_fix(fixed, diagnostic.fix)
    assert 'a = download(url: "gs://b/a") with { cache: false }' in fixed
    assert 'b = download(url: "gs://b/b") with { retries: 2, cache: false, }' in fixed
    assert 'c = download(url: "gs://b/c") with { cache: false }' in fixed
    (tmp_path / "fixed.ptflow").write_text(fixed)
    result = check_file(str(tmp_path / "fixed.ptflow"))
    assert result.ok and [d.code for d in lint(result)] == []


# ------------------------------------------------------------ PTF607


def test_secret_looking_env_literals(tmp_path):
    text = """component c() {
    image = "x:1"
    command = ["c"]
    env = {AWS_SECRET_ACCESS_KEY: "abc", TOKENIZER_NAME: "bert", LOG_LEVEL: "debug"}
}
pipeline p() {
    s = c() with {
        env: {HF_TOKEN: "hf_123", DB_PASSWORD: "hunter2", REF_TOKEN: "$(OTHER)", EMPTY_KEY: ""},
        secrets: [{name: "minio", env: {MINIO_SECRET_KEY: "secretkey"}}],
    }
}
"""
    assert findings(tmp_path, text, code="PTF607") == [
        "PTF607 4:12 'AWS_SECRET_ACCESS_KEY: \"abc\"' `AWS_SECRET_ACCESS_KEY` looks like a secret, but its value "
        "is written in the file",
        "PTF607 8:15 'HF_TOKEN: \"hf_123\"' `HF_TOKEN` looks like a secret, but its value is written in the file",
        "PTF607 8:35 'DB_PASSWORD: \"hunter2\"' `DB_PASSWORD` looks like a secret, but its value is written in "
        "the file",
    ]
    # The value itself never appears in what is reported.
    for diagnostic in lint_source(tmp_path, text):
        assert "hunter2" not in diagnostic.message + (diagnostic.hint or "")


# ------------------------------------------------------------ PTF608


def test_suspicious_quantities(tmp_path):
    text = (
        FIT
        + """pipeline p() {
    a = make() with { memory: "100", cpu: "4000" }
    b = make() with { memory: "64Ki", cpu: "2m", memory_request: 512 }
    c = make() with { memory: "2Pi", cpu_request: "0.001" }
    d = make() with { memory: "1Mi" }
    ok = make() with { memory: "512Mi", cpu: "500m", memory_request: "8G", cpu_request: "64" }
}
"""
    )
    assert findings(tmp_path, text, code="PTF608") == [
        "PTF608 10:31 '\"100\"' memory `100` is 100 bytes: a quantity without a unit counts bytes",
        "PTF608 10:43 '\"4000\"' cpu `4000` is 4000 cores",
        "PTF608 11:31 '\"64Ki\"' memory `64Ki` is 64 KiB (65,536 bytes), too little for a container",
        "PTF608 11:44 '\"2m\"' cpu `2m` is 0.002 of a core (`m` means thousandths)",
        "PTF608 11:66 '512' memory_request: memory `512` is 512 bytes: a quantity without a unit counts bytes",
        "PTF608 12:31 '\"2Pi\"' memory `2Pi` is 2 PiB",
        "PTF608 12:51 '\"0.001\"' cpu_request: cpu `0.001` is 0.001 of a core",
        "PTF608 13:31 '\"1Mi\"' memory `1Mi` is 1 MiB (1,048,576 bytes), too little for a container",
    ]
    hints = [d.hint for d in lint_source(tmp_path, text) if d.code == "PTF608"]
    assert hints[:4] == [
        "did you mean `100Mi` or `100Gi`?",
        "did you mean `4000m` (4 cores)?",
        "did you mean `64Mi` or `64Gi`?",
        "did you mean `2` (2 cores)?",
    ]
    # a hint never repeats the unit that was too small
    assert hints[-1] == "did you mean `1Gi`?"


def test_an_invalid_quantity_is_the_checkers_error_not_a_lint_warning(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text(FIT + 'pipeline p() {\n    a = make() with { memory: "512m" }\n}\n')
    result = check_file(str(path))
    assert [d.code for d in result.diagnostics] == ["PTF309"]
    assert [d.code for d in lint(result)] == []


# ------------------------------------------------------------ PTF609


def test_steps_without_resources_in_a_gpu_pipeline(tmp_path):
    text = (
        FIT
        + """pipeline p() {
    d = make()
    t = fit(data: d.data) with { gpus: 1, accelerator: "nvidia.com/gpu" }
    e = fit(data: d.data) with { memory: "4Gi" }
    m = importer(uri: "gs://m", type: Model) with { cache: false }
}
"""
    )
    assert findings(tmp_path, text, code="PTF609") == [
        "PTF609 10:5 'd' step `d` sets no cpu or memory, in a pipeline whose step `t` requests GPUs",
    ]
    (diagnostic,) = [d for d in lint_source(tmp_path, text) if d.code == "PTF609"]
    assert diagnostic.related[0].span.line == 11 and diagnostic.related[0].message == "`t` requests GPUs here"


def test_no_resource_warnings_without_gpus(tmp_path):
    text = FIT + "pipeline p() {\n    d = make()\n    t = fit(data: d.data)\n}\n"
    assert findings(tmp_path, text, code="PTF609") == []


# ------------------------------------------------------------ PTF610


def test_names_that_collide_after_kubernetes_sanitization(tmp_path):
    (tmp_path / "lib.ptflow").write_text(FIT)
    text = """import "./lib.ptflow" as Train_Lib
component train_lib() {
    image = "x:1"
    command = ["x"]
}
pipeline prepare() {
    a = train_lib()
    b = Train_Lib.make()
}
pipeline PREPARE() {
    c = prepare()
}
"""
    assert findings(tmp_path, text, code="PTF610") == [
        "PTF610 2:11 'train_lib' component `train_lib` and import `Train_Lib` both become `train-lib` as "
        "Kubernetes names",
        "PTF610 10:10 'PREPARE' pipeline `PREPARE` and pipeline `prepare` both become `prepare` as Kubernetes names",
    ]
