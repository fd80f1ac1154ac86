"""Execution options: the `with { ... }` block of a step.

Each key is parsed and checked here (quantities, durations, types), so the
targets receive a clean `TaskOptions` and never see a bad value.  Values may
be constants or, for resources, node selectors and the image, a pipeline
parameter read at run time.
"""

from __future__ import annotations

from typing import Callable

from ptflow.compiler import dag
from ptflow.compiler import quantities
from ptflow.compiler import tree
from ptflow.compiler.components import NOT_CONSTANT, constant_value
from ptflow.compiler.diagnostics import Diagnostics, suggest
from ptflow.compiler.types import STR

STEP_OPTIONS = (
    "cpu", "cpu_request", "memory", "memory_request", "gpus", "accelerator", "node_selector", "tolerations",
    "env", "secrets", "volumes", "retries", "retry", "timeout", "cache", "max_cache_staleness", "display_name",
    "after", "image", "labels", "annotations", "pull_policy",
)
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TOLERATION_KEYS = ("key", "operator", "value", "effect", "seconds")


class OptionParser:
    """Reads one `with` block into `TaskOptions`.

    `parameter_of(expr)` returns the pipeline input an expression names (or
    None); it lets resources come from pipeline parameters.
    """

    def __init__(self, diagnostics: Diagnostics, parameter_of: Callable[[tree.Expr], dag.PipelineInput | None]):
        self.diagnostics = diagnostics
        self.parameter_of = parameter_of

    def parse(self, block: tree.DictExpr | None) -> tuple[dag.TaskOptions, list[tree.Expr]]:
        """The options, and the expressions listed in `after` (resolved by the caller)."""
        options = dag.TaskOptions()
        after: list[tree.Expr] = []
        if block is None:
            return options, after
        seen: set[str] = set()
        for entry in block.entries:
            key = entry.key.name
            if key in seen:
                self.diagnostics.report("PTF205", f"option `{key}` is set twice", entry.key.span)
                continue
            seen.add(key)
            handler = getattr(self, f"_opt_{key}", None)
            if handler is None or key not in STEP_OPTIONS:
                hint, fix = suggest(key, STEP_OPTIONS, entry.key.span)
                self.diagnostics.report(
                    "PTF210", f"unknown option `{key}`", entry.key.span,
                    hint=hint or "see `ptflow explain PTF210`", fix=fix,
                )
                continue
            if key == "after":
                after = self._after(entry.value)
                continue
            handler(options, entry.value)
        if "retries" in seen and "retry" in seen:
            self.diagnostics.report("PTF210", "set either `retries` or `retry`, not both",
                                    block.get("retry").key.span)
        return options, after

    # -- helpers
    def _bad(self, expr: tree.Expr, message: str, hint: str | None = None) -> None:
        self.diagnostics.report("PTF309", message, expr.span, hint=hint)

    def _constant(self, expr: tree.Expr):
        value = constant_value(expr)
        return None if value is NOT_CONSTANT else value

    def _quantity(self, expr: tree.Expr, check, what: str) -> dag.OptionValue | None:
        parameter = self.parameter_of(expr)
        if parameter is not None:
            return parameter
        value = self._constant(expr)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self._bad(expr, f"{what} must be a string such as \"2\", a number, or a pipeline parameter")
            return None
        text = str(value)
        problem = check(text)
        if problem:
            self._bad(expr, problem)
            return None
        return text

    def _string(self, expr: tree.Expr, what: str, allow_parameter: bool = False) -> dag.OptionValue | None:
        if allow_parameter:
            parameter = self.parameter_of(expr)
            if parameter is not None:
                return parameter
        value = self._constant(expr)
        if not isinstance(value, str):
            self._bad(expr, f"{what} must be a string")
            return None
        return value

    def _string_dict(self, expr: tree.Expr, what: str, allow_parameters: bool = False) -> dict:
        if not isinstance(expr, tree.DictExpr):
            self._bad(expr, f"{what} must be a dict such as {{\"key\": \"value\"}}")
            return {}
        result = {}
        for entry in expr.entries:
            value = self._string(entry.value, f"each value of {what}", allow_parameter=allow_parameters) \
                if not isinstance(self._constant(entry.value), (int, float)) or isinstance(
                    self._constant(entry.value), bool) else str(self._constant(entry.value))
            if value is not None:
                result[entry.key.name] = value
        return result

    # -- resources
    def _opt_cpu(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.cpu_limit = self._quantity(expr, quantities.cpu_error, "`cpu`")

    def _opt_cpu_request(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.cpu_request = self._quantity(expr, quantities.cpu_error, "`cpu_request`")

    def _opt_memory(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.memory_limit = self._quantity(expr, quantities.memory_error, "`memory`")

    def _opt_memory_request(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.memory_request = self._quantity(expr, quantities.memory_error, "`memory_request`")

    def _opt_gpus(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        parameter = self.parameter_of(expr)
        if parameter is not None:
            options.gpus = parameter
            return
        value = self._constant(expr)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._bad(expr, "`gpus` must be a whole number of GPUs (0 or more), or a pipeline parameter")
            return
        options.gpus = value

    def _opt_accelerator(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.accelerator = self._string(expr, "`accelerator`", allow_parameter=True)

    def _opt_node_selector(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.node_selector = self._string_dict(expr, "`node_selector`", allow_parameters=True)

    def _opt_tolerations(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        items = expr.items if isinstance(expr, tree.ListExpr) else [expr]
        for item in items:
            value = self._constant(item)
            if not isinstance(value, dict):
                self._bad(item, "each toleration is a dict: {key: \"gpu\", operator: \"Exists\", effect: "
                          "\"NoSchedule\"}")
                continue
            unknown = [k for k in value if k not in _TOLERATION_KEYS]
            if unknown:
                self._bad(item, f"unknown toleration field `{unknown[0]}` (fields: {', '.join(_TOLERATION_KEYS)})")
                continue
            operator = value.get("operator", "Equal")
            if operator not in ("Equal", "Exists"):
                self._bad(item, f"toleration operator must be `Equal` or `Exists`, not `{operator}`")
                continue
            effect = value.get("effect")
            if effect is not None and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                self._bad(item, f"toleration effect must be NoSchedule, PreferNoSchedule or NoExecute, not "
                          f"`{effect}`")
                continue
            options.tolerations.append(dag.Toleration(
                key=value.get("key"), operator=value.get("operator"), value=value.get("value"),
                effect=effect, seconds=value.get("seconds"),
            ))

    # -- environment, secrets, volumes
    def _opt_env(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        for name, value in self._string_dict(expr, "`env`").items():
            options.env[name] = dag.Constant(value, STR)

    def _opt_secrets(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        items = expr.items if isinstance(expr, tree.ListExpr) else [expr]
        for item in items:
            value = self._constant(item)
            if not isinstance(value, dict) or not isinstance(value.get("name"), str):
                self._bad(item, "each secret is {name: \"minio\", env: {MINIO_KEY: \"accesskey\"}} or "
                          "{name: \"creds\", mount_path: \"/secrets\"}")
                continue
            env = value.get("env") or {}
            mount_path = value.get("mount_path")
            unknown = [k for k in value if k not in ("name", "env", "mount_path")]
            if unknown or not isinstance(env, dict) or (not env and not mount_path):
                self._bad(item, "a secret needs `env` (variable: key) and/or `mount_path`, and nothing else")
                continue
            options.secrets.append(dag.SecretUse(value["name"], {str(k): str(v) for k, v in env.items()},
                                               mount_path))

    def _opt_volumes(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        items = expr.items if isinstance(expr, tree.ListExpr) else [expr]
        for item in items:
            value = self._constant(item)
            if (not isinstance(value, dict) or set(value) != {"pvc", "mount_path"}
                    or not all(isinstance(v, str) for v in value.values())):
                self._bad(item, "each volume is {pvc: \"my-claim\", mount_path: \"/data\"}")
                continue
            options.volumes.append(dag.VolumeUse(value["pvc"], value["mount_path"]))

    # -- retries, timeout, caching
    def _opt_retries(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        value = self._constant(expr)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._bad(expr, "`retries` must be a whole number (0 or more)")
            return
        options.retry = dag.Retry(value)

    def _opt_retry(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        value = self._constant(expr)
        if not isinstance(value, dict):
            self._bad(expr, "`retry` is a dict: {max: 3, backoff: \"30s\", factor: 2, max_backoff: \"1h\"}")
            return
        unknown = [k for k in value if k not in ("max", "backoff", "factor", "max_backoff")]
        if unknown:
            self._bad(expr, f"unknown retry field `{unknown[0]}` (fields: max, backoff, factor, max_backoff)")
            return
        count = value.get("max")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            self._bad(expr, "`retry.max` must be a whole number (0 or more)")
            return
        retry = dag.Retry(count)
        for field, attr in (("backoff", "backoff_seconds"), ("max_backoff", "max_backoff_seconds")):
            if field in value:
                seconds = quantities.duration_seconds(value[field])
                if seconds is None:
                    self._bad(expr, f"`retry.{field}` must be a duration such as \"30s\", \"5m\" or \"1h\"")
                    return
                setattr(retry, attr, seconds)
        if "factor" in value:
            factor = value["factor"]
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 1:
                self._bad(expr, "`retry.factor` must be a number of at least 1")
                return
            retry.backoff_factor = float(factor)
        options.retry = retry

    def _opt_timeout(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        seconds = quantities.duration_seconds(self._constant(expr))
        if seconds is None or seconds <= 0 or seconds != int(seconds):
            self._bad(expr, "`timeout` must be a whole number of seconds or a duration such as \"30m\"")
            return
        options.timeout_seconds = int(seconds)

    def _opt_cache(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        value = self._constant(expr)
        if not isinstance(value, bool):
            self._bad(expr, "`cache` must be true or false")
            return
        options.cache = value

    def _opt_max_cache_staleness(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        value = self._constant(expr)
        if not isinstance(value, str) or not value.startswith("P"):
            self._bad(expr, "`max_cache_staleness` is an ISO 8601 duration such as \"P0D\" or \"P30D\"")
            return
        options.max_cache_staleness = value

    # -- presentation and the container
    def _opt_display_name(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.display_name = self._string(expr, "`display_name`")

    def _opt_image(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.image = self._string(expr, "`image`", allow_parameter=True)

    def _opt_labels(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.labels = self._string_dict(expr, "`labels`")

    def _opt_annotations(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        options.annotations = self._string_dict(expr, "`annotations`")

    def _opt_pull_policy(self, options: dag.TaskOptions, expr: tree.Expr) -> None:
        value = self._constant(expr)
        if value not in _PULL_POLICIES:
            self._bad(expr, f"`pull_policy` is one of {', '.join(_PULL_POLICIES)}")
            return
        options.pull_policy = value

    def _opt_after(self, options: dag.TaskOptions, expr: tree.Expr) -> None:  # handled by parse()
        pass

    def _after(self, expr: tree.Expr) -> list[tree.Expr]:
        items = expr.items if isinstance(expr, tree.ListExpr) else [expr]
        result = []
        for item in items:
            if isinstance(item, tree.Name):
                result.append(item)
            else:
                self.diagnostics.report("PTF402", "`after` lists step names: `after: [prepare, train]`", item.span)
        return result

