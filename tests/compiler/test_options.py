"""Step options (`with { ... }`): every option's good and bad forms, and what each target makes of it.

The option table (compiler/options.py) is the one list of options; these
tests hold every row to it: each option has good forms, bad forms with their
exact code, position and message, and a form that each target either writes
into its documents or refuses with PTF501 at the step's line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ptflow.compiler import dag
from ptflow.compiler.api import check_file, compile_file
from ptflow.compiler.options import OPTIONS, OPTIONS_BY_NAME
from ptflow.compiler.targets.registry import TARGETS
from ptflow.compiler.types import STR

N = STR  # the type of the pipeline parameter `n` below

SOURCE = """\
component step(x: str) -> (y: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $0 > $1", x, y.path]
}
pipeline inner(x: str) {
    a = step(x: x)
}
pipeline p(n: str = "1", sel: str = "gpu", acc: str = "nvidia-tesla-t4", count: int = 1, aff: dict = {}, tols: list) {
    first = step(x: "a")
    STEP
}
"""
STEP_LINE = 10
STEP = 's = step(x: "b") with { OPTIONS }'


def write(tmp_path: Path, options: str, step: str = STEP) -> tuple[str, str]:
    """The file with step `s` given `options`; and the step's line, to find columns in."""
    line = step.replace("OPTIONS", options)
    path = tmp_path / "main.ptflow"
    path.write_text(SOURCE.replace("STEP", line))
    return str(path), "    " + line


def options_of(tmp_path: Path, options: str) -> dag.Task:
    path, _ = write(tmp_path, options)
    result = check_file(path)
    assert result.diagnostics == [], [d.message for d in result.diagnostics]
    return result.pipelines["p"].tasks["s"]


# ---------------------------------------------------------------- good forms: what the checked DAG holds

GOOD = [
    ('cpu: "2"', "cpu_limit", "2"),
    ("cpu: 0.5", "cpu_limit", "0.5"),
    ('cpu: "500m"', "cpu_limit", "500m"),
    ("cpu: n", "cpu_limit", "param:n"),
    ("cpu: first.y", "cpu_limit", dag.TaskOutput("first", "y", STR)),
    ('cpu_request: "250m"', "cpu_request", "250m"),
    ('memory: "16Gi"', "memory_limit", "16Gi"),
    ("memory: sel", "memory_limit", "param:sel"),
    ("memory_request: first.y", "memory_request", dag.TaskOutput("first", "y", STR)),
    ('memory_request: "512M"', "memory_request", "512M"),
    ("gpus: 1", "gpus", 1),
    ('gpus: "2"', "gpus", 2),
    ("gpus: 0", "gpus", 0),
    ("gpus: n", "gpus", "param:n"),
    ("gpus: first.y", "gpus", dag.TaskOutput("first", "y", STR)),
    ('accelerator: "nvidia-tesla-t4"', "accelerator", "nvidia-tesla-t4"),
    ("accelerator: acc", "accelerator", "param:acc"),
    ("accelerator: first.y", "accelerator", dag.TaskOutput("first", "y", STR)),
    (
        'node_selector: {"cloud.google.com/gke-nodepool": "gpu", zone: 2}',
        "node_selector",
        {"cloud.google.com/gke-nodepool": "gpu", "zone": "2"},
    ),
    ("node_selector: {pool: sel}", "node_selector", {"pool": "param:sel"}),
    (
        'node_affinity: {match_expressions: [{key: "zone", operator: "In", values: ["a", "b"]}]}',
        "node_affinity",
        [dag.NodeAffinityTerm([dag.NodeRequirement("zone", "In", ["a", "b"])])],
    ),
    (
        'node_affinity: [{match_fields: [{key: "metadata.name", operator: "NotIn", values: ["n1"]}], weight: 50}, '
        '{match_expressions: [{key: "gpu", operator: "Exists"}, {key: "cores", operator: "Gt", values: ["8"]}]}]',
        "node_affinity",
        [
            dag.NodeAffinityTerm([], [dag.NodeRequirement("metadata.name", "NotIn", ["n1"])], 50),
            dag.NodeAffinityTerm([dag.NodeRequirement("gpu", "Exists"), dag.NodeRequirement("cores", "Gt", ["8"])]),
        ],
    ),
    (
        'tolerations: {key: "gpu", operator: "Exists", effect: "NoSchedule"}',
        "tolerations",
        [dag.Toleration(key="gpu", operator="Exists", effect="NoSchedule")],
    ),
    (
        'tolerations: [{key: "a", value: "b"}, {operator: "Exists", effect: "NoExecute", seconds: 60}]',
        "tolerations",
        [dag.Toleration(key="a", value="b"), dag.Toleration(operator="Exists", effect="NoExecute", seconds=60)],
    ),
    (
        'env: {LOG_LEVEL: "debug", WORKERS: 4}',
        "env",
        {"LOG_LEVEL": dag.Constant("debug", STR), "WORKERS": dag.Constant("4", STR)},
    ),
    (
        'secrets: {name: "minio", env: {AWS_KEY: "accesskey"}}',
        "secrets",
        [dag.SecretUse("minio", {"AWS_KEY": "accesskey"})],
    ),
    ('secrets: [{name: "certs", mount_path: "/certs"}]', "secrets", [dag.SecretUse("certs", {}, "/certs")]),
    # Names known at run time: a pipeline parameter, a step output.
    ('secrets: {name: n, mount_path: "/certs"}', "secrets", [dag.SecretUse(dag.PipelineInput("n", N), {}, "/certs")]),
    (
        'secrets: {name: first.y, env: {KEY: "key"}}',
        "secrets",
        [dag.SecretUse(dag.TaskOutput("first", "y", STR), {"KEY": "key"})],
    ),
    (
        'config_maps: {name: "settings", env: {LOG_LEVEL: "level"}}',
        "config_maps",
        [dag.ConfigMapUse("settings", {"LOG_LEVEL": "level"})],
    ),
    (
        'config_maps: [{name: "settings", mount_path: "/cfg", env: {A: "a"}}]',
        "config_maps",
        [dag.ConfigMapUse("settings", {"A": "a"}, "/cfg")],
    ),
    (
        'field_env: {POD_NAME: "metadata.name", RUN: "metadata.annotations[\'pipelines.kubeflow.org/run_name\']"}',
        "field_env",
        {"POD_NAME": "metadata.name", "RUN": "metadata.annotations['pipelines.kubeflow.org/run_name']"},
    ),
    ('volumes: {pvc: "shared", mount_path: "/data"}', "volumes", [dag.VolumeUse("shared", "/data")]),
    (
        'volumes: {pvc: n, mount_path: "/data", sub_path: "models"}',
        "volumes",
        [dag.VolumeUse(dag.PipelineInput("n", N), "/data", "models")],
    ),
    (
        'config_maps: {name: first.y, mount_path: "/cfg"}',
        "config_maps",
        [dag.ConfigMapUse(dag.TaskOutput("first", "y", STR), {}, "/cfg")],
    ),
    ('empty_dirs: {name: "scratch", mount_path: "/scratch"}', "empty_dirs", [dag.EmptyDirUse("scratch", "/scratch")]),
    (
        'empty_dirs: [{name: "shm", mount_path: "/dev/shm", medium: "Memory", size_limit: "1Gi"}]',
        "empty_dirs",
        [dag.EmptyDirUse("shm", "/dev/shm", "Memory", "1Gi")],
    ),
    ("retries: 3", "retry", dag.Retry(3)),
    ("retries: 0", "retry", dag.Retry(0)),
    ('retry: {max: 3, backoff: "30s", factor: 2, max_backoff: "1h"}', "retry", dag.Retry(3, 30, 2.0, 3600)),
    ("retry: {max: 1}", "retry", dag.Retry(1)),
    ('timeout: "2h"', "timeout_seconds", 7200),
    ("timeout: 90", "timeout_seconds", 90),
    ("cache: false", "cache", False),
    ("ignore_upstream_failure: true", "ignore_upstream_failure", True),
    ('max_cache_staleness: "P30D"', "max_cache_staleness", "P30D"),
    ('cache_key: "features-v2"', "cache_key", "features-v2"),
    ('display_name: "Train the model"', "display_name", "Train the model"),
    ('image: "registry/trainer:1.2"', "image", "registry/trainer:1.2"),
    ("image: sel", "image", "param:sel"),
    ('labels: {team: "ml"}', "labels", {"team": "ml"}),
    ('annotations: {owner: "me"}', "annotations", {"owner": "me"}),
    ('pull_policy: "IfNotPresent"', "pull_policy", "IfNotPresent"),
    ('image_pull_secrets: ["regcred", "mirror"]', "image_pull_secrets", ["regcred", "mirror"]),
    ('image_pull_secrets: "regcred"', "image_pull_secrets", ["regcred"]),
    ("image_pull_secrets: [n]", "image_pull_secrets", [dag.PipelineInput("n", N)]),
    (
        'secrets: {name: "s", mount_path: "/s", optional: true}',
        "secrets",
        [dag.SecretUse("s", {}, "/s", optional=True)],
    ),
    ("node_affinity_json: {}", "node_affinity_json", {}),
    ("node_affinity_json: aff", "node_affinity_json", "param:aff"),
    ('node_selector_json: {disktype: "ssd"}', "node_selector_json", {"disktype": "ssd"}),
    ("tolerations_json: tols", "tolerations_json", "param:tols"),
    (
        'ephemeral_volumes: {name: "v", mount_path: "/v", access_modes: ["ReadWriteOnce"], size: "5Gi"}',
        "ephemeral_volumes",
        [dag.EphemeralVolumeUse("v", "/v", ["ReadWriteOnce"], "5Gi")],
    ),
    (
        'ephemeral_volumes: [{name: "v", mount_path: "/v", access_modes: ["ReadWriteMany"], size: "1Gi", '
        'storage_class: "fast", labels: {a: "b"}}]',
        "ephemeral_volumes",
        [dag.EphemeralVolumeUse("v", "/v", ["ReadWriteMany"], "1Gi", "fast", {"a": "b"})],
    ),
    (
        "security_context: {run_as_user: 65534, run_as_group: 0}",
        "security_context",
        dag.SecurityContext(65534, 0),
    ),
    ("after: [first]", "after", ["first"]),
    ("after: first", "after", ["first"]),
    (
        'vertex_custom_job: {machine_type: "n1-standard-8", accelerator_type: "NVIDIA_TESLA_T4", accelerator_count: 2}',
        "vertex_custom_job",
        dag.VertexCustomJob("n1-standard-8", "NVIDIA_TESLA_T4", 2),
    ),
    ("vertex_custom_job: {}", "vertex_custom_job", dag.VertexCustomJob()),
]


def _expected(value):
    """`param:NAME` stands for the pipeline parameter NAME."""
    if isinstance(value, str) and value.startswith("param:"):
        return value.removeprefix("param:")
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    return value


def _actual(value):
    if isinstance(value, dag.PipelineInput):
        return value.name
    if isinstance(value, dict):
        return {k: _actual(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("text,field,value", GOOD, ids=[g[0] for g in GOOD])
def test_a_good_value_reaches_the_checked_dag(tmp_path, text, field, value):
    task = options_of(tmp_path, text)
    actual = task.after if field == "after" else getattr(task.options, field)
    assert _actual(actual) == _expected(value)


def test_every_option_has_a_good_form_here():
    tested = {text.split(":")[0] for text, _, _ in GOOD}
    assert tested == set(OPTIONS_BY_NAME)


# ---------------------------------------------------------------- bad forms: exact code, position, message

GPUS_MESSAGE = "`gpus` must be a whole number of GPUs (0 or more), a pipeline parameter or a step output"
BAD = [
    # (option text, code, where in the step's line it points, message, hint)
    (
        'cpu: "two"',
        "PTF309",
        '"two"',
        "`two` is not a CPU quantity (write a number of cores such as `2` or `0.5`, or millicores such as `500m`)",
        None,
    ),
    (
        "cpu: true",
        "PTF309",
        "true",
        '`cpu` must be a string such as "2", a number, a pipeline parameter or a step output',
        None,
    ),
    (
        "cpu_request: [1]",
        "PTF309",
        "[1]",
        '`cpu_request` must be a string such as "2", a number, a pipeline parameter or a step output',
        None,
    ),
    ('memory: "8GB"', "PTF309", '"8GB"', "`8GB`: Kubernetes has no `GB` unit; write `8G` or `8Gi`", None),
    (
        'memory_request: "lots"',
        "PTF309",
        '"lots"',
        "`lots` is not a memory quantity (write for example `512Mi`, `8Gi` or `8G`)",
        None,
    ),
    ("gpus: -1", "PTF309", "-1", GPUS_MESSAGE, None),
    ("gpus: 1.5", "PTF309", "1.5", GPUS_MESSAGE, None),
    ("accelerator: 3", "PTF309", "3", "`accelerator` must be a string, a pipeline parameter or a step output", None),
    ('node_selector: "gpu"', "PTF309", '"gpu"', '`node_selector` must be a dict such as {"key": "value"}', None),
    ("node_selector: {pool: true}", "PTF309", "true", "each value of `node_selector` must be a string", None),
    (
        "node_affinity: {weight: 5}",
        "PTF309",
        "{weight",
        "a node affinity term needs `match_expressions` or `match_fields`",
        None,
    ),
    (
        "node_affinity: {match: []}",
        "PTF309",
        "{match",
        "unknown node affinity field `match` (fields: match_expressions, match_fields, weight)",
        None,
    ),
    (
        'node_affinity: {match_expressions: [{key: "zone", operator: "Near", values: ["a"]}]}',
        "PTF309",
        "{match",
        "node affinity operator of `zone` is one of In, NotIn, Exists, DoesNotExist, Gt, Lt, not `Near`",
        None,
    ),
    (
        'node_affinity: {match_expressions: [{key: "gpu", operator: "Exists", values: ["a"]}]}',
        "PTF309",
        "{match",
        "`gpu` Exists takes no values",
        None,
    ),
    (
        'node_affinity: {match_expressions: [{key: "zone", operator: "In"}]}',
        "PTF309",
        "{match",
        "`zone` In needs at least one value",
        None,
    ),
    (
        'node_affinity: {match_expressions: [{key: "cores", operator: "Gt", values: ["many"]}]}',
        "PTF309",
        "{match",
        '`cores` Gt takes one whole number, as a string: ["4"]',
        None,
    ),
    (
        'node_affinity: {match_fields: "name"}',
        "PTF309",
        "{match",
        '`match_fields` is a list such as [{key: "zone", operator: "In", values: ["a"]}]',
        None,
    ),
    (
        'node_affinity: {match_expressions: [{key: "zone", operator: "In", values: ["a"]}], weight: 0}',
        "PTF309",
        "{match",
        "a node affinity `weight` is a whole number from 1 to 100",
        "leave `weight` out for a term the node must match",
    ),
    (
        'node_affinity: "zone"',
        "PTF309",
        '"zone"',
        'each node affinity term is {match_expressions: [{key: "zone", '
        'operator: "In", values: ["a"]}]}, with `weight` (1-100) when it is a preference',
        None,
    ),
    (
        'tolerations: "gpu"',
        "PTF309",
        '"gpu"',
        'each toleration is a dict: {key: "gpu", operator: "Exists", effect: "NoSchedule"}',
        None,
    ),
    (
        'tolerations: {key: "gpu", color: "red"}',
        "PTF309",
        "{key",
        "unknown toleration field `color` (fields: key, operator, value, effect, seconds)",
        None,
    ),
    (
        'tolerations: [{key: "gpu", operator: "Maybe"}]',
        "PTF309",
        "{key",
        "toleration operator must be `Equal` or `Exists`, not `Maybe`",
        None,
    ),
    (
        'tolerations: {key: "gpu", effect: "Sometimes"}',
        "PTF309",
        "{key",
        "toleration effect must be NoSchedule, PreferNoSchedule or NoExecute, not `Sometimes`",
        None,
    ),
    ('env: ["A"]', "PTF309", '["A"]', '`env` must be a dict such as {"key": "value"}', None),
    ("env: {A: [1]}", "PTF309", "[1]", "each value of `env` must be a string", None),
    (
        'secrets: "minio"',
        "PTF309",
        '"minio"',
        'each secret is {name: "minio", env: {MINIO_KEY: "accesskey"}} or {name: "creds", mount_path: "/secrets"}',
        None,
    ),
    (
        'secrets: {name: "minio"}',
        "PTF309",
        "{name",
        "a secret needs `env` (variable: key) and/or `mount_path`, and nothing else",
        None,
    ),
    (
        'secrets: {name: "minio", mount_path: "/s", extra: 1}',
        "PTF309",
        "extra",
        "unknown secret field `extra`",
        "a secret needs `env` (variable: key) and/or `mount_path`, and may be `optional`",
    ),
    # A name may be known at run time only; what is not a string known when the step starts says so.
    (
        'secrets: {name: 3, mount_path: "/s"}',
        "PTF309",
        "3",
        "the name of a secret must be a non-empty string, a pipeline parameter or a step output",
        None,
    ),
    (
        'secrets: {name: f"s-{n}", mount_path: "/s"}',
        "PTF309",
        'f"s-',
        "the name of a secret must be a string constant, a pipeline parameter or a step output",
        "an f-string or an expression can't name a Kubernetes object: compute the name in a step and pass its output",
    ),
    (
        "secrets: {name: n, mount_path: n}",
        "PTF309",
        "n}",
        "`mount_path` of a secret must be a constant string: only the name of the object may be a pipeline "
        "parameter or a step output",
        None,
    ),
    (
        'config_maps: {name: "settings", env: {LEVEL: first.y}}',
        "PTF309",
        "first.y",
        "the key of `LEVEL` of a config map must be a constant string: only the name of the object may be a "
        "pipeline parameter or a step output",
        None,
    ),
    (
        'config_maps: {name: count, mount_path: "/cfg"}',
        "PTF309",
        "count",
        "the name of a config map must be a string, but this is a `int`",
        "pass a `str` pipeline parameter or a `str` step output",
    ),
    (
        'config_maps: ["settings"]',
        "PTF309",
        '"settings"',
        'each config map is {name: "settings", env: {LOG_LEVEL: "level"}} or {name: "settings", mount_path: "/cfg"}',
        None,
    ),
    (
        'config_maps: {name: "settings", path: "/cfg"}',
        "PTF309",
        "path",
        "unknown config map field `path`",
        "a config map needs `env` (variable: key) and/or `mount_path`, and may be `optional`",
    ),
    (
        'field_env: ["metadata.name"]',
        "PTF309",
        '["metadata.name"]',
        '`field_env` is a dict of variable: pod field, such as {POD_NAME: "metadata.name"}',
        None,
    ),
    (
        'field_env: {NODE: "spec.node"}',
        "PTF309",
        '"spec.node"',
        "`NODE`: not a pod field Kubernetes gives to environment variables",
        "write one of metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, "
        "status.hostIP, status.hostIPs, status.podIP, status.podIPs, metadata.labels['KEY'] or "
        "metadata.annotations['KEY']",
    ),
    (
        'volumes: {pvc: "claim"}',
        "PTF309",
        "{pvc",
        'each volume is {pvc: "my-claim", mount_path: "/data"}, with optional sub_path: "models"',
        None,
    ),
    (
        'volumes: {pvc: "claim", mount_path: "/data", sub_path: n}',
        "PTF309",
        "n}",
        "`sub_path` of a volume must be a constant string: only the name of the object may be a pipeline "
        "parameter or a step output",
        None,
    ),
    (
        'volumes: {pvc: "claim", mount_path: "/data", read_only: true}',
        "PTF309",
        "read_only",
        "unknown volume field `read_only` (fields: pvc, mount_path, sub_path)",
        None,
    ),
    (
        'empty_dirs: {name: "scratch"}',
        "PTF309",
        "{name",
        'each empty dir is {name: "scratch", mount_path: '
        '"/scratch"}, with optional medium: "Memory" and size_limit: "1Gi"',
        None,
    ),
    (
        'empty_dirs: {name: "s", mount_path: "/s", size: "1Gi"}',
        "PTF309",
        "{name",
        "unknown empty dir field `size` (fields: name, mount_path, medium, size_limit)",
        None,
    ),
    (
        'empty_dirs: {name: "s", mount_path: "/s", medium: "Disk"}',
        "PTF309",
        "{name",
        "an empty dir's medium is Memory or HugePages, not `Disk`",
        "leave `medium` out to use the node's disk",
    ),
    (
        'empty_dirs: {name: "s", mount_path: "/s", size_limit: "1GB"}',
        "PTF309",
        "{name",
        "`1GB`: Kubernetes has no `GB` unit; write `1G` or `1Gi`",
        None,
    ),
    (
        'empty_dirs: {name: "s", mount_path: "/s", size_limit: 1}',
        "PTF309",
        "{name",
        'an empty dir\'s size_limit is a quantity such as "1Gi"',
        None,
    ),
    ("retries: -1", "PTF309", "-1", "`retries` must be a whole number (0 or more)", None),
    ("retries: 1.5", "PTF309", "1.5", "`retries` must be a whole number (0 or more)", None),
    ("retry: 3", "PTF309", "3", '`retry` is a dict: {max: 3, backoff: "30s", factor: 2, max_backoff: "1h"}', None),
    # retry's error paths: an unknown field, no `max`, a bad backoff, a factor below 1
    (
        'retry: {max: 3, jitter: "1s"}',
        "PTF309",
        "{max",
        "unknown retry field `jitter` (fields: max, backoff, factor, max_backoff)",
        None,
    ),
    ('retry: {backoff: "30s"}', "PTF309", "{backoff", "`retry.max` must be a whole number (0 or more)", None),
    (
        'retry: {max: 3, backoff: "soon"}',
        "PTF309",
        "{max",
        '`retry.backoff` must be a duration such as "30s", "5m" or "1h"',
        None,
    ),
    (
        "retry: {max: 3, max_backoff: true}",
        "PTF309",
        "{max",
        '`retry.max_backoff` must be a duration such as "30s", "5m" or "1h"',
        None,
    ),
    ("retry: {max: 3, factor: 0.5}", "PTF309", "{max", "`retry.factor` must be a number of at least 1", None),
    ("retry: {max: 3, factor: true}", "PTF309", "{max", "`retry.factor` must be a number of at least 1", None),
    (
        'timeout: "soon"',
        "PTF309",
        '"soon"',
        '`timeout` must be a whole number of seconds or a duration such as "30m"',
        None,
    ),
    ("timeout: 0", "PTF309", "0", '`timeout` must be a whole number of seconds or a duration such as "30m"', None),
    ("timeout: 1.5", "PTF309", "1.5", '`timeout` must be a whole number of seconds or a duration such as "30m"', None),
    ('cache: "no"', "PTF309", '"no"', "`cache` must be true or false", None),
    ("ignore_upstream_failure: 1", "PTF309", "1", "`ignore_upstream_failure` must be true or false", None),
    (
        'max_cache_staleness: "30d"',
        "PTF309",
        '"30d"',
        '`max_cache_staleness` is an ISO 8601 duration such as "P0D" or "P30D"',
        None,
    ),
    ('cache_key: ""', "PTF309", '""', '`cache_key` must be a non-empty string such as "features-v2"', None),
    ("cache_key: 2", "PTF309", "2", '`cache_key` must be a non-empty string such as "features-v2"', None),
    (
        "cache_key: sel",
        "PTF309",
        "sel",
        "`cache_key` must be a string constant: KFP writes it into the pipeline at compile time",
        "write the key in the file; change it by hand when the step's results must be recomputed",
    ),
    (
        'cache: false, cache_key: "k"',
        "PTF309",
        '"k"',
        "`cache_key` is set on a step with `cache: false`: the key is never used",
        "remove `cache_key`, or `cache: false` to let the step reuse results by its key",
    ),
    ("display_name: 3", "PTF309", "3", "`display_name` must be a string", None),
    ('image: ["a"]', "PTF309", '["a"]', "`image` must be a string", None),
    ('labels: "team"', "PTF309", '"team"', '`labels` must be a dict such as {"key": "value"}', None),
    ("annotations: {owner: false}", "PTF309", "false", "each value of `annotations` must be a string", None),
    ('pull_policy: "Sometimes"', "PTF309", '"Sometimes"', "`pull_policy` is one of Always, IfNotPresent, Never", None),
    (
        'image_pull_secrets: ["regcred", 3]',
        "PTF309",
        "3",
        '`image_pull_secrets` lists secret names: ["regcred"] (or pipeline parameters)',
        None,
    ),
    (
        'secrets: {name: "s", mount_path: "/s", optional: "yes"}',
        "PTF309",
        '"yes"',
        "`optional` of a secret is true or false",
        None,
    ),
    (
        'node_affinity_json: ["a"]',
        "PTF309",
        '["a"]',
        "`node_affinity_json` is a Kubernetes NodeAffinity dict, or a pipeline parameter holding one",
        None,
    ),
    (
        "node_selector_json: n",
        "PTF309",
        "n }",
        "`node_selector_json` takes a `dict` pipeline parameter, but this is a `str`",
        None,
    ),
    (
        'tolerations_json: {key: "gpu"}',
        "PTF309",
        "{key",
        "`tolerations_json` takes a pipeline parameter",
        "write constant values with `tolerations`",
    ),
    (
        'ephemeral_volumes: {name: "v", mount_path: "/v", access_modes: ["ReadWriteSometimes"], size: "1Gi"}',
        "PTF309",
        "{name",
        "an ephemeral volume's access_modes are a list of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod",
        None,
    ),
    (
        'ephemeral_volumes: {name: "v", mount_path: "/v"}',
        "PTF309",
        "{name",
        'each ephemeral volume is {name: "scratch", mount_path: "/scratch", access_modes: ["ReadWriteOnce"], '
        'size: "5Gi"}, with optional storage_class, labels and annotations',
        None,
    ),
    (
        "security_context: {run_as_user: -1}",
        "PTF309",
        "{run_as_user",
        "`security_context.run_as_user` is a whole number (0 or more)",
        None,
    ),
    (
        "security_context: {privileged: true}",
        "PTF309",
        "{privileged",
        "unknown security_context field `privileged` (fields: run_as_user, run_as_group, run_as_non_root)",
        None,
    ),
    ('after: ["first"]', "PTF402", '"first"', "`after` lists step names: `after: [prepare, train]`", None),
    (
        'vertex_custom_job: "n1-standard-8"',
        "PTF309",
        '"n1',
        "`vertex_custom_job` is a dict of constants: "
        '{machine_type: "n1-standard-8", accelerator_type: "NVIDIA_TESLA_T4", accelerator_count: 2}',
        None,
    ),
    (
        'vertex_custom_job: {machine: "n1-standard-8"}',
        "PTF309",
        "{machine",
        "unknown vertex_custom_job field "
        "`machine` (fields: machine_type, accelerator_type, boot_disk_type, service_account, network, "
        "accelerator_count, replica_count, boot_disk_size_gb)",
        None,
    ),
    (
        "vertex_custom_job: {replica_count: 0}",
        "PTF309",
        "{replica",
        "`vertex_custom_job.replica_count` must be a whole number (1 or more)",
        None,
    ),
    ("vertex_custom_job: {network: 3}", "PTF309", "{network", "`vertex_custom_job.network` must be a string", None),
    # keys: unknown (with and without a near one), twice, and both ways of retrying
    ('memroy: "1Gi"', "PTF210", "memroy", "unknown option `memroy`", "did you mean `memory`?"),
    ('colour: "red"', "PTF210", "colour", "unknown option `colour`", "see `ptflow explain PTF210`"),
    ('cpu: "1", cpu: "2"', "PTF205", 'cpu: "2"', "option `cpu` is set twice", None),
    ("retries: 2, retry: {max: 3}", "PTF210", "retry:", "set either `retries` or `retry`, not both", None),
]


@pytest.mark.parametrize("text,code,at,message,hint", BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_is_one_error_at_the_value(tmp_path, text, code, at, message, hint):
    path, line = write(tmp_path, text)
    [diagnostic] = check_file(path).diagnostics
    assert (diagnostic.code, diagnostic.message, diagnostic.hint) == (code, message, hint)
    # The column of `at` in the part of the line that `text` fills.
    assert (diagnostic.span.line, diagnostic.span.column) == (STEP_LINE, line.index(at, line.index("{")) + 1)


def test_an_unknown_option_comes_with_a_fix_that_renames_it(tmp_path):
    path, _ = write(tmp_path, 'memroy: "1Gi"')
    [diagnostic] = check_file(path).diagnostics
    assert diagnostic.fix is not None and diagnostic.fix.replacement == "memory"


def test_every_option_has_a_bad_form_here():
    tested = {text.split(":")[0] for text, code, *_ in BAD if code != "PTF210"}
    assert set(OPTIONS_BY_NAME) <= tested


# ---------------------------------------------------------------- what each target makes of each option

# A form of each option that every target that writes it must write: the documents differ from the same
# step without it (`context` is given in both, for an option that needs another to show).
WRITTEN = {
    "cpu": ('cpu: "2"', ""),
    "cpu_request": ('cpu_request: "1"', ""),
    "memory": ('memory: "8Gi"', ""),
    "memory_request": ('memory_request: "4Gi"', ""),
    "gpus": ("gpus: 1", ""),
    "accelerator": ('accelerator: "nvidia-tesla-t4"', "gpus: 1"),
    "node_selector": ('node_selector: {pool: "gpu"}', ""),
    "tolerations": ('tolerations: {key: "gpu", operator: "Exists"}', ""),
    "node_affinity": ('node_affinity: {match_expressions: [{key: "zone", operator: "In", values: ["a"]}]}', ""),
    "env": ('env: {LOG_LEVEL: "debug"}', ""),
    "secrets": ('secrets: {name: "minio", env: {KEY: "accesskey"}}', ""),
    "config_maps": ('config_maps: {name: "settings", env: {LEVEL: "level"}, mount_path: "/cfg"}', ""),
    "field_env": ('field_env: {POD_NAME: "metadata.name"}', ""),
    "volumes": ('volumes: {pvc: "shared", mount_path: "/data"}', ""),
    "empty_dirs": ('empty_dirs: {name: "scratch", mount_path: "/scratch", size_limit: "1Gi"}', ""),
    "retries": ("retries: 2", ""),
    "retry": ('retry: {max: 2, backoff: "10s"}', ""),
    "timeout": ('timeout: "1h"', ""),
    "cache": ("cache: false", ""),
    "ignore_upstream_failure": ("ignore_upstream_failure: true", ""),
    "max_cache_staleness": ('max_cache_staleness: "P1D"', ""),
    "cache_key": ('cache_key: "features-v2"', ""),
    "display_name": ('display_name: "Step S"', ""),
    "after": ("after: [first]", ""),
    "image": ('image: "busybox:1.36"', ""),
    "labels": ('labels: {team: "ml"}', ""),
    "annotations": ('annotations: {owner: "me"}', ""),
    "pull_policy": ('pull_policy: "Always"', ""),
    "image_pull_secrets": ('image_pull_secrets: ["regcred"]', ""),
    "vertex_custom_job": ('vertex_custom_job: {machine_type: "n1-standard-8"}', ""),
    "node_affinity_json": (
        "node_affinity_json: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
        '[{matchExpressions: [{key: "zone", operator: "In", values: ["a"]}]}]}}',
        "",
    ),
    "node_selector_json": ('node_selector_json: {disktype: "ssd"}', ""),
    "tolerations_json": ("tolerations_json: tols", ""),
    "ephemeral_volumes": (
        'ephemeral_volumes: {name: "v", mount_path: "/v", access_modes: ["ReadWriteOnce"], size: "1Gi"}',
        "",
    ),
    "security_context": ("security_context: {run_as_non_root: true}", ""),
}

# The forms a target refuses: (option, target) -> (option text, the step line it is written in).
CALLS_A_PIPELINE = 's = inner(x: "b") with { OPTIONS }'
REFUSED = {
    ("max_cache_staleness", "kfp-v2"): ('max_cache_staleness: "P1D"', STEP),
    ("max_cache_staleness", "vertex"): ('max_cache_staleness: "P1D"', STEP),
    ("node_selector", "kfp-v2"): ("node_selector: {pool: sel}", STEP),
    ("node_selector", "vertex"): ('node_selector: {pool: "gpu"}', CALLS_A_PIPELINE),
    ("tolerations", "kfp-v2"): ('tolerations: {key: "gpu"}', CALLS_A_PIPELINE),
    ("tolerations", "vertex"): ('tolerations: {key: "gpu"}', CALLS_A_PIPELINE),
    ("secrets", "kfp-v2"): ('secrets: {name: "s", mount_path: "/s"}', CALLS_A_PIPELINE),
    ("secrets", "vertex"): ('secrets: {name: "s", mount_path: "/s"}', CALLS_A_PIPELINE),
    ("volumes", "kfp-v2"): ('volumes: {pvc: "v", mount_path: "/v"}', CALLS_A_PIPELINE),
    ("volumes", "vertex"): ('volumes: {pvc: "v", mount_path: "/v"}', CALLS_A_PIPELINE),
    ("accelerator", "kfp-v1"): ("gpus: 1, accelerator: acc", STEP),
    ("image_pull_secrets", "kfp-v1"): ("image_pull_secrets: [n]", STEP),
    ("secrets", "kfp-v1"): ('secrets: {name: n, mount_path: "/s"}', STEP),
    ("config_maps", "kfp-v1"): ('config_maps: {name: first.y, mount_path: "/c"}', STEP),
    ("volumes", "kfp-v1"): ('volumes: {pvc: n, mount_path: "/v"}', STEP),
    ("node_affinity_json", "kfp-v1"): ("node_affinity_json: aff", STEP),
    ("node_selector_json", "kfp-v1"): ("node_selector_json: aff", STEP),
    ("tolerations_json", "kfp-v1"): ("tolerations_json: tols", STEP),
    ("ignore_upstream_failure", "kfp-v1"): ("ignore_upstream_failure: true", STEP),
    ("cache_key", "kfp-v1"): ('cache_key: "features-v2"', STEP),
    ("vertex_custom_job", "vertex"): ("vertex_custom_job: {}", CALLS_A_PIPELINE),
}
# Container settings on a step that calls a pipeline: kfp-v2 has no container to write them to (they were
# dropped without a word before).  The accelerator goes with a GPU count; both are refused in one error each.
CONTAINER_SETTINGS = {
    "cpu": 'cpu: "2"',
    "cpu_request": 'cpu_request: "1"',
    "memory": 'memory: "1Gi"',
    "memory_request": 'memory_request: "1Gi"',
    "gpus": "gpus: 1",
    "accelerator": 'accelerator: "nvidia-tesla-t4"',
    "env": 'env: {LOG_LEVEL: "debug"}',
    "timeout": 'timeout: "1h"',
    "image": 'image: "repo/other:1"',
    "labels": 'labels: {team: "ml"}',
    "annotations": 'annotations: {owner: "me"}',
    "pull_policy": 'pull_policy: "Always"',
    "image_pull_secrets": 'image_pull_secrets: ["regcred"]',
    "config_maps": 'config_maps: {name: "settings", mount_path: "/cfg"}',
    "field_env": 'field_env: {POD_NAME: "metadata.name"}',
    "empty_dirs": 'empty_dirs: {name: "scratch", mount_path: "/scratch"}',
    "node_affinity": 'node_affinity: {match_expressions: [{key: "gpu", operator: "Exists"}]}',
    "node_affinity_json": "node_affinity_json: {}",
    "node_selector_json": 'node_selector_json: {disktype: "ssd"}',
    "tolerations_json": "tolerations_json: tols",
    "ephemeral_volumes": 'ephemeral_volumes: {name: "v", mount_path: "/v", access_modes: ["ReadWriteOnce"], '
    'size: "1Gi"}',
    "security_context": "security_context: {run_as_user: 1000}",
}
for _name, _text in CONTAINER_SETTINGS.items():
    for _target in ("kfp-v2", "vertex"):
        REFUSED[(_name, _target)] = (_text, CALLS_A_PIPELINE)

WRITES = [
    (option.name, target) for option in OPTIONS for target in TARGETS if option.lowering[target].writes is not None
]
REFUSES = [
    (option.name, target) for option in OPTIONS for target in TARGETS if option.lowering[target].refuses is not None
]


def test_every_option_says_how_every_target_writes_it():
    for option in OPTIONS:
        assert set(option.lowering) == set(TARGETS), option.name
        for target, lowering in option.lowering.items():
            assert lowering.writes or lowering.refuses or lowering.ignores, (
                f"{option.name} on {target}: neither written, refused nor ignored with a warning"
            )
    assert set(WRITTEN) == set(OPTIONS_BY_NAME)
    assert set(REFUSED) == set(REFUSES)


IGNORES = [(option.name, target) for option in OPTIONS for target in TARGETS if option.lowering[target].ignores]


@pytest.mark.parametrize("name,target", IGNORES, ids=[f"{n}-{t}" for n, t in IGNORES])
def test_an_ignored_option_is_a_ptf504_warning_at_its_step_and_the_file_compiles(tmp_path, name, target):
    text, context = WRITTEN[name]
    result = compiled(tmp_path, text, target)
    assert result.ok
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("PTF504", STEP_LINE, 5)]
    assert result.diagnostics[0].message.startswith(f"`{name}` on step `s` is ignored by {target}: ")
    assert result.documents == compiled(tmp_path, context, target).documents


def compiled(tmp_path: Path, options: str, target: str, step: str = STEP):
    path, _ = write(tmp_path, options, step)
    return compile_file(path, target)


@pytest.mark.parametrize("name,target", WRITES, ids=[f"{n}-{t}" for n, t in WRITES])
def test_a_written_option_reaches_the_targets_document(tmp_path, name, target):
    text, context = WRITTEN[name]
    with_option = compiled(tmp_path, ", ".join(filter(None, [context, text])), target)
    without = compiled(tmp_path, context, target)
    assert with_option.ok and without.ok, [d.message for d in with_option.diagnostics + without.diagnostics]
    assert with_option.documents != without.documents, f"`{text}` changed nothing in the {target} document"


@pytest.mark.parametrize("name,target", REFUSES, ids=[f"{n}-{t}" for n, t in REFUSES])
def test_a_refused_option_is_ptf501_at_its_step(tmp_path, name, target):
    text, step = REFUSED[(name, target)]
    result = compiled(tmp_path, text, target, step)
    assert not result.ok
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("PTF501", STEP_LINE, 5)]
    assert target in result.diagnostics[0].message


def test_refusals_of_one_step_for_several_options_are_one_error(tmp_path):
    options = 'secrets: {name: "s", mount_path: "/s"}, volumes: {pvc: "v", mount_path: "/v"}, tolerations: {key: "g"}'
    result = compiled(tmp_path, options, "kfp-v2", CALLS_A_PIPELINE)
    assert [(d.message, d.hint) for d in result.diagnostics] == [
        (
            "`tolerations`, `secrets` and `volumes` on step `s` are not supported by kfp-v2: the step calls a "
            "pipeline, which has no container of its own",
            "set them on the steps inside the pipeline",
        )
    ]


IMPORTER_STEP = 's = importer(uri: "gs://bucket/data", type: Dataset) with { OPTIONS }'


@pytest.mark.parametrize("options", ['secrets: {name: "s", mount_path: "/s"}', 'node_selector: {pool: "gpu"}'])
def test_a_kubernetes_setting_on_an_importer_is_refused_by_name(tmp_path, options):
    """An importer runs no container of ours: kfp-kubernetes settings on it would be dropped without a word."""
    name = options.split(":")[0]
    result = compiled(tmp_path, options, "kfp-v2", IMPORTER_STEP)
    assert [(d.code, d.span.line, d.message, d.hint) for d in result.diagnostics] == [
        (
            "PTF501",
            STEP_LINE,
            f"`{name}` on step `s` is not supported by kfp-v2: the step is an importer, which has no container of "
            "its own",
            f"remove `{name}`",
        )
    ]


def test_options_that_set_one_field_agree_on_the_vertex_deploy_steps():
    by_field: dict[str, set] = {}
    for option in OPTIONS:
        if option.field is not None:
            by_field.setdefault(option.field, set()).add(option.lowering["vertex"].deploy_steps)
    assert all(len(steps) == 1 for steps in by_field.values()), by_field


@pytest.mark.parametrize("name", sorted(CONTAINER_SETTINGS))
def test_a_container_setting_on_a_pipeline_call_says_why_it_cannot_be_kept(tmp_path, name):
    result = compiled(tmp_path, CONTAINER_SETTINGS[name], "kfp-v2", CALLS_A_PIPELINE)
    [problem] = result.diagnostics
    assert problem.message == (
        f"`{name}` on step `s` is not supported by kfp-v2: the step calls a pipeline, which has no container of its own"
    )
    assert problem.hint == "set it on the steps inside the pipeline"


def test_vertex_refuses_every_kubernetes_setting_of_a_step_in_one_error(tmp_path):
    """Vertex AI Pipelines has no Kubernetes: kfp-kubernetes settings would be dropped there, so vertex refuses
    them at the step, all named in one error; the same step compiles for kfp-v2."""
    options = 'secrets: {name: "s", mount_path: "/s"}, labels: {team: "ml"}, timeout: "1h", cpu: "2"'
    result = compiled(tmp_path, options, "vertex")
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == [
        (
            "PTF501",
            STEP_LINE,
            "step `s` sets Kubernetes settings (`secrets`, `timeout`, `labels`), which vertex can't apply: "
            "Vertex AI Pipelines runs steps without Kubernetes",
        )
    ]
    assert compiled(tmp_path, options, "kfp-v2").ok


# ---------------------------------------------------------------- resources from step outputs

RESOURCE_SOURCES = """\
component step(x: str) -> (y: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $0 > $1", x, y.path]
}
component sizes() -> (many: list[str], flag: bool) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo '[\\"1\\"]' > $0; echo true > $1", many.path, flag.path]
}
pipeline p(names: list[str] = ["a"]) {
    size = sizes()
    first = step(x: "a")
    for name in names {
        each = step(x: name)
    }
    BODY
}
"""


def _check_resources(tmp_path: Path, body: str):
    path = tmp_path / "main.ptflow"
    path.write_text(RESOURCE_SOURCES.replace("BODY", body))
    return check_file(str(path))


def test_a_step_sized_by_a_step_output_waits_for_that_step(tmp_path):
    result = _check_resources(tmp_path, 's = step(x: "b") with { cpu: first.y }')
    assert result.diagnostics == []
    assert result.pipelines["p"].tasks["s"].upstream_tasks() == {"first"}


@pytest.mark.parametrize(
    "body,at,message",
    [
        (
            "for name in names { s = step(x: name) with { memory: name } }",
            "name }",
            "`memory` must be a constant, a pipeline parameter or one output of a step",
        ),
        (
            's = step(x: "b") with { cpu: each.y }',
            "each.y",
            "`cpu` must be a constant, a pipeline parameter or one output of a step",
        ),
        (
            's = step(x: "b") with { gpus: size.many }',
            "size.many",
            "`gpus` must be a string or a number known when the step starts, but this is a `list[str]`",
        ),
        (
            's = step(x: "b") with { accelerator: size.flag }',
            "size.flag",
            "`accelerator` must be a string or a number known when the step starts, but this is a `bool`",
        ),
    ],
    ids=["loop item", "gathered from a loop", "a list output", "a bool output"],
)
def test_a_resource_from_a_value_that_cannot_size_a_step_is_ptf309(tmp_path, body, at, message):
    result = _check_resources(tmp_path, body)
    [diagnostic] = result.diagnostics
    line = RESOURCE_SOURCES.replace("BODY", body).splitlines()[diagnostic.span.line - 1]
    assert (diagnostic.code, diagnostic.message) == ("PTF309", message)
    assert diagnostic.span.column == line.index(at) + 1


def test_an_image_from_a_pipeline_parameter_is_read_from_the_steps_input_on_kfp_v2(tmp_path):
    result = compiled(tmp_path, "image: sel", "kfp-v2")
    assert result.ok, [d.message for d in result.diagnostics]
    executor = result.documents[0]["deploymentSpec"]["executors"]["exec-s"]
    assert executor["container"]["image"] == "{{$.inputs.parameters['pipelinechannel--sel']}}"
    task = result.documents[0]["root"]["dag"]["tasks"]["s"]
    assert task["inputs"]["parameters"]["pipelinechannel--sel"] == {"componentInputParameter": "sel"}
