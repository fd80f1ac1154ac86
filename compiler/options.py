"""Execution options: the `with { ... }` block of a step, and the one table that defines them.

`OPTIONS` has a row per option: its name, the values it accepts, a one-line
doc, the function that reads and checks its value, the `TaskOptions` field it
sets, and how each target writes it (or refuses it with PTF501).  Everything
else is derived from the table: parsing (`OptionParser`), the PTF210 text,
completion and hover in editors, the option table in docs/language.md
(`compiler/doc_tables.py` writes it), the targets' PTF501 checks
(`check_option_support`) and which options reach the steps that
`--target vertex` puts in place of `serve.deploy`.

Values are checked here (quantities, durations, types), so the targets
receive a clean `TaskOptions` and never see a bad value.  Values may be
constants or, for resources, node selectors and the image, a pipeline
parameter read at run time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from ptflow.compiler import quantities, tree
from ptflow.compiler.diagnostics import Diagnostics, codes, did_you_mean
from ptflow.compiler.records import record

if TYPE_CHECKING:
    from ptflow.compiler import dag

# The DAG model (`dag`, with networkx) is imported inside the functions that build its objects: the code
# catalogue reads this table for PTF210's text, and `ptflow explain` must stay quick to start.

_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TOLERATION_KEYS = ("key", "operator", "value", "effect", "seconds")
_RETRY_FIELDS = ("max", "backoff", "factor", "max_backoff")
# The pod fields Kubernetes' downward API gives to environment variables (besides one label or annotation).
_POD_FIELDS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_EMPTY_DIR_FIELDS = ("name", "mount_path", "medium", "size_limit")
_EMPTY_DIR_MEDIA = ("Memory", "HugePages")
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_AFFINITY_FIELDS = ("match_expressions", "match_fields", "weight")
_AFFINITY_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_POD_FIELD_KEYED = re.compile(r"metadata\.(labels|annotations)\['[^'\]]+'\]")

# (task, target name) -> (message, hint) of the PTF501 error when the target can't write this task's value.
RefusalCheck = Callable[["dag.Task", str], "tuple[str, str | None] | None"]
# Reads and checks one option's value; returns what goes into its `TaskOptions` field (None: nothing).
Reader = Callable[["OptionParser", tree.Expr, str], Any]

# The steps that `--target vertex` puts in place of `serve.deploy` (compiler/targets/vertex.py).
VERTEX_DEPLOY_STEPS = ("model", "upload", "endpoint", "deploy")


@record(frozen=True)
class Refusal:
    """The values of an option a target can't write: `when` says which (for the docs), `check` finds them."""

    when: str  # "when a value is a pipeline parameter"
    check: RefusalCheck
    # A container setting: refused on a step with no container (a pipeline call, an importer), all of a step's
    # such settings named in one error (`_container_settings_refused`).
    needs_container: bool = False


@record(frozen=True)
class Lowering:
    """How one target writes one option.

    `writes` says where the value lands in the target's document (None: the
    target can't express the option at all); the target's lowering module
    writes it there (kfp_v2.py, kfp_v1_container.py), and
    tests/compiler/test_options.py checks that each written option changes
    each target's document.  `refuses` names the values it can't write,
    reported as PTF501 at the step before anything is lowered.
    `deploy_steps` (vertex only) are the steps replacing `serve.deploy` that
    carry the option; the others get its default.  `ignores` says what
    happens instead when the target leaves the option out on purpose; a step
    that sets it gets a PTF504 warning saying so.
    """

    writes: str | None
    refuses: Refusal | None = None
    deploy_steps: tuple[str, ...] = ("model",)
    ignores: str | None = None


@record(frozen=True)
class Option:
    """One row of the option table."""

    name: str
    value: str  # the values it accepts, as a user writes them
    doc: str  # one line: what it does
    read: Reader
    field: str | None  # the `TaskOptions` field it sets; None for `after` (the checker resolves its step names)
    lowering: Mapping[str, Lowering]  # target name -> how that target writes it


class OptionParser:
    """Reads one `with` block into `TaskOptions`, row by row of `OPTIONS`.

    `parameter_of(expr)` returns the pipeline input an expression names (or
    None); it lets resources come from pipeline parameters.  `value_of(expr)`
    evaluates a name or a member where the step stands (a pipeline parameter,
    a step output, a loop item; None once it reported what is wrong): it lets
    the names of secrets, ConfigMaps and PVCs come from run-time values.
    """

    def __init__(
        self,
        diagnostics: Diagnostics,
        parameter_of: Callable[[tree.Expr], dag.PipelineInput | None],
        value_of: Callable[[tree.Expr], dag.Value | None] | None = None,
    ):
        self.diagnostics = diagnostics
        self.parameter_of = parameter_of
        self.value_of = value_of

    def parse(self, block: tree.DictExpr | None) -> tuple[dag.TaskOptions, list[tree.Name]]:
        """The options, and the expressions listed in `after` (resolved by the caller)."""
        from ptflow.compiler import dag

        options = dag.TaskOptions()
        after: list[tree.Name] = []
        if block is None:
            return options, after
        seen: set[str] = set()
        for entry in block.entries:
            key = entry.key.name
            if key in seen:
                self.diagnostics.report(codes.DUPLICATE_NAME, f"option `{key}` is set twice", entry.key.span)
                continue
            seen.add(key)
            option = OPTIONS_BY_NAME.get(key)
            if option is None:
                self.diagnostics.report(
                    codes.UNKNOWN_OPTION,
                    f"unknown option `{key}`",
                    entry.key.span,
                    suggestion=did_you_mean(key, OPTION_NAMES, at=entry.key.span),
                    hint="see `ptflow explain PTF210`",
                )
                continue
            computed_key = _bracketed_key_in(entry.value)
            if computed_key is not None:
                # Option dicts are read by their written keys; `[name]: ...` would silently become the text `[name]`.
                self.bad(
                    computed_key,
                    f"`{key}` needs its keys written in the file; a key in brackets is known only at run time",
                )
                continue
            value = option.read(self, entry.value, f"`{key}`")
            if key == "after":  # step names: the checker resolves them to tasks, so they are no TaskOptions field
                after = value
            elif value is not None and option.field is not None:
                setattr(options, option.field, value)
        cache_key = block.get("cache_key")
        if cache_key is not None and options.cache_key is not None and not options.cache:
            self.bad(
                cache_key.value,
                "`cache_key` is set on a step with `cache: false`: the key is never used",
                hint="remove `cache_key`, or `cache: false` to let the step reuse results by its key",
            )
        retry = block.get("retry")
        if "retries" in seen and retry is not None:
            self.diagnostics.report(codes.UNKNOWN_OPTION, "set either `retries` or `retry`, not both", retry.key.span)
        return options, after

    # -- helpers the readers share
    def bad(self, expr: tree.Expr | tree.Identifier, message: str, hint: str | None = None) -> None:
        self.diagnostics.report(codes.INVALID_OPTION_VALUE, message, expr.span, hint=hint)

    def unknown_field(self, expr: tree.Expr, value: dict, fields: Collection[str], what: str) -> bool:
        """Report the first key of a dict option value that isn't one of `fields`; whether there was one."""
        unknown = [key for key in value if key not in fields]
        if unknown:
            self.bad(expr, f"unknown {what} field `{unknown[0]}` (fields: {', '.join(fields)})")
        return bool(unknown)

    def constant(self, expr: tree.Expr):
        from ptflow.compiler.components import NOT_CONSTANT, constant_value

        value = constant_value(expr)
        return None if value is NOT_CONSTANT else value

    def string(self, expr: tree.Expr, what: str, allow_parameter: bool = False) -> dag.OptionValue | None:
        if allow_parameter:
            parameter = self.parameter_of(expr)
            if parameter is not None:
                return parameter
        value = self.constant(expr)
        if not isinstance(value, str):
            self.bad(expr, f"{what} must be a string")
            return None
        return value

    def object_name(self, expr: tree.Expr, what: str) -> dag.ObjectName | None:
        """The name of a Kubernetes object: a non-empty string constant, or a string known at run time (a
        pipeline parameter, a step output, a loop item), which kfp-kubernetes reads when the step starts."""
        from ptflow.compiler import dag
        from ptflow.compiler.components import NOT_CONSTANT, constant_value

        value = constant_value(expr)
        if value is not NOT_CONSTANT:
            if not isinstance(value, str) or not value:
                self.bad(expr, f"{what} must be a non-empty string, a pipeline parameter or a step output")
                return None
            return value
        if not isinstance(expr, (tree.Name, tree.Member)) or self.value_of is None:
            self.bad(
                expr,
                f"{what} must be a string constant, a pipeline parameter or a step output",
                hint="an f-string or an expression can't name a Kubernetes object: compute the name in a step "
                "and pass its output",
            )
            return None
        resolved = self.value_of(expr)
        if resolved is None:
            return None  # reported where it was evaluated (an unknown name, an output of a loop, ...)
        if not isinstance(resolved, (dag.PipelineInput, dag.TaskOutput, dag.LoopItem)) or (
            isinstance(resolved, dag.TaskOutput) and resolved.gathered
        ):
            self.bad(expr, f"{what} must be one string known when the step starts, not a list of them")
            return None
        type_ = resolved.type
        if type_ is None or not type_.is_param or type_.name not in ("str", "any") or type_.is_list:
            self.bad(
                expr,
                f"{what} must be a string, but this is a `{type_}`",
                hint="pass a `str` pipeline parameter or a `str` step output",
            )
            return None
        return resolved

    def is_run_time(self, expr: tree.Expr) -> bool:
        """Whether an expression names a value known at run time (a pipeline parameter, a step's output)
        rather than writing a constant."""
        return isinstance(expr, (tree.Name, tree.Member))

    def run_time_resource(self, expr: tree.Expr, what: str) -> dag.OptionValue | None:
        """A resource known when the step starts: a pipeline parameter or one output of a step (kfp's
        `set_cpu_limit(task.output)`); kfp passes it to the step as an input and reads it in the executor."""
        from ptflow.compiler import dag

        parameter = self.parameter_of(expr)
        if parameter is not None:
            return parameter
        resolved = self.value_of(expr) if self.value_of is not None else None
        if resolved is None:
            if self.value_of is None:
                self.bad(expr, f"{what} must be a constant or a pipeline parameter here")
            return None  # else reported where it was evaluated (an unknown name, an output of a loop, ...)
        if not isinstance(resolved, dag.TaskOutput) or resolved.gathered:
            self.bad(
                expr,
                f"{what} must be a constant, a pipeline parameter or one output of a step",
                hint="a loop item or a list gathered from a loop can't size a step's container",
            )
            return None
        type_ = resolved.type
        if type_ is None or not type_.is_param or type_.is_list or type_.name not in ("str", "int", "float", "any"):
            self.bad(
                expr,
                f"{what} must be a string or a number known when the step starts, but this is a `{type_}`",
                hint="pass a `str` or `int` step output",
            )
            return None
        return resolved

    def constant_string(self, expr: tree.Expr, what: str, owner: str) -> str | None:
        """A field of a Kubernetes setting that kfp-kubernetes writes as a constant (a path, a key)."""
        from ptflow.compiler.components import NOT_CONSTANT, constant_value

        value = constant_value(expr)
        if value is NOT_CONSTANT:
            self.bad(
                expr,
                f"{what} of {owner} must be a constant string: only the name of the object may be a pipeline "
                "parameter or a step output",
            )
            return None
        if not isinstance(value, str) or not value:
            self.bad(expr, f"{what} of {owner} must be a non-empty string")
            return None
        return value

    def string_dict(self, expr: tree.Expr, what: str, allow_parameters: bool = False) -> dict:
        if not isinstance(expr, tree.DictExpr):
            self.bad(expr, f'{what} must be a dict such as {{"key": "value"}}')
            return {}
        result = {}
        for entry in expr.entries:
            constant = self.constant(entry.value)
            if isinstance(constant, (int, float)) and not isinstance(constant, bool):
                value: dag.OptionValue | None = str(constant)
            else:
                value = self.string(entry.value, f"each value of {what}", allow_parameter=allow_parameters)
            if value is not None:
                result[entry.key.name] = value
        return result


def _bracketed_key_in(expr: tree.Expr) -> tree.Expr | None:
    """The first key written in brackets (`{[name]: ...}`) anywhere in an option's value, if any."""
    for inner in tree.walk_expr(expr):
        if isinstance(inner, tree.DictExpr):
            for entry in inner.entries:
                if entry.computed is not None:
                    return entry.computed
    return None


# ---------------------------------------------------------------- readers, one per kind of value


def _quantity(check: Callable[[str], str | None]) -> Reader:
    """A Kubernetes quantity (checked by `check`) or a pipeline parameter."""

    def read(parser: OptionParser, expr: tree.Expr, what: str) -> dag.OptionValue | None:
        if parser.is_run_time(expr):
            return parser.run_time_resource(expr, what)
        value = parser.constant(expr)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            parser.bad(expr, f'{what} must be a string such as "2", a number, a pipeline parameter or a step output')
            return None
        text = str(value)
        problem = check(text)
        if problem:
            parser.bad(expr, problem)
            return None
        return text

    return read


def _string(allow_parameter: bool = False) -> Reader:
    def read(parser: OptionParser, expr: tree.Expr, what: str) -> dag.OptionValue | None:
        return parser.string(expr, what, allow_parameter=allow_parameter)

    return read


def _string_dict(allow_parameters: bool = False) -> Reader:
    def read(parser: OptionParser, expr: tree.Expr, what: str) -> dict:
        return parser.string_dict(expr, what, allow_parameters=allow_parameters)

    return read


def _items(expr: tree.Expr) -> list[tree.Expr]:
    """The items of a list option; a single item may be written without the brackets."""
    return expr.items if isinstance(expr, tree.ListExpr) else [expr]


def _read_gpus(parser: OptionParser, expr: tree.Expr, what: str) -> dag.OptionValue | None:
    if parser.is_run_time(expr):
        return parser.run_time_resource(expr, what)
    value = parser.constant(expr)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        parser.bad(expr, "`gpus` must be a whole number of GPUs (0 or more), a pipeline parameter or a step output")
        return None
    return value


def _read_accelerator(parser: OptionParser, expr: tree.Expr, what: str) -> dag.OptionValue | None:
    if parser.is_run_time(expr):
        return parser.run_time_resource(expr, what)
    value = parser.constant(expr)
    if not isinstance(value, str):
        parser.bad(expr, f"{what} must be a string, a pipeline parameter or a step output")
        return None
    return value


def _read_tolerations(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.Toleration]:
    from ptflow.compiler import dag

    tolerations = []
    for item in _items(expr):
        value = parser.constant(item)
        if not isinstance(value, dict):
            parser.bad(item, 'each toleration is a dict: {key: "gpu", operator: "Exists", effect: "NoSchedule"}')
            continue
        if parser.unknown_field(item, value, _TOLERATION_KEYS, "toleration"):
            continue
        operator = value.get("operator", "Equal")
        if operator not in ("Equal", "Exists"):
            parser.bad(item, f"toleration operator must be `Equal` or `Exists`, not `{operator}`")
            continue
        effect = value.get("effect")
        if effect is not None and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            parser.bad(item, f"toleration effect must be NoSchedule, PreferNoSchedule or NoExecute, not `{effect}`")
            continue
        tolerations.append(
            dag.Toleration(
                key=value.get("key"),
                operator=value.get("operator"),
                value=value.get("value"),
                effect=effect,
                seconds=value.get("seconds"),
            )
        )
    return tolerations


def _read_env(parser: OptionParser, expr: tree.Expr, what: str) -> dict[str, dag.Constant]:
    from ptflow.compiler import dag
    from ptflow.compiler.types import STR

    return {name: dag.Constant(value, STR) for name, value in parser.string_dict(expr, what).items()}


def _env_or_mount(
    parser: OptionParser, expr: tree.Expr, kind: str, example: str
) -> list[tuple[dag.ObjectName, dict, str | None, bool]]:
    """The (name, env, mount_path) of each item of a `secrets` or `config_maps` option: both are Kubernetes
    objects whose keys become environment variables (`env: {VAR: key}`) and/or files (`mount_path`).  The
    name may be known at run time only (a pipeline parameter, a step output); the keys and the path may not.
    `optional: true` lets the pod start when the object does not exist."""
    uses = []
    for item in _items(expr):
        if not isinstance(item, tree.DictExpr) or item.get("name") is None:
            parser.bad(item, example)
            continue
        unknown = [e for e in item.entries if e.key.name not in ("name", "env", "mount_path", "optional")]
        if unknown:
            parser.bad(
                unknown[0].key,
                f"unknown {kind} field `{unknown[0].key.name}`",
                hint=f"a {kind} needs `env` (variable: key) and/or `mount_path`, and may be `optional`",
            )
            continue
        name_entry, env_entry, mount_entry = item.get("name"), item.get("env"), item.get("mount_path")
        optional_entry = item.get("optional")
        optional = False
        if optional_entry is not None:
            from ptflow.compiler.components import constant_value

            optional_value = constant_value(optional_entry.value)
            if not isinstance(optional_value, bool):
                parser.bad(optional_entry.value, f"`optional` of a {kind} is true or false")
                continue
            optional = optional_value
        if env_entry is None and mount_entry is None:
            parser.bad(item, f"a {kind} needs `env` (variable: key) and/or `mount_path`, and nothing else")
            continue
        assert name_entry is not None, "checked above"
        name = parser.object_name(name_entry.value, f"the name of a {kind}")
        env: dict[str, str] = {}
        if env_entry is not None:
            if not isinstance(env_entry.value, tree.DictExpr) or not env_entry.value.entries:
                parser.bad(env_entry.value, f'`env` of a {kind} is a dict of variable: key, such as {{VAR: "key"}}')
                continue
            for entry in env_entry.value.entries:
                key = parser.constant_string(entry.value, f"the key of `{entry.key.name}`", f"a {kind}")
                if key is not None:
                    env[entry.key.name] = key
            if len(env) != len(env_entry.value.entries):
                continue
        mount_path = None
        if mount_entry is not None:
            mount_path = parser.constant_string(mount_entry.value, "`mount_path`", f"a {kind}")
            if mount_path is None:
                continue
        if name is not None:
            uses.append((name, env, mount_path, optional))
    return uses


def _read_secrets(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.SecretUse]:
    from ptflow.compiler import dag

    example = 'each secret is {name: "minio", env: {MINIO_KEY: "accesskey"}} or {name: "creds", mount_path: "/secrets"}'
    return [dag.SecretUse(*use) for use in _env_or_mount(parser, expr, "secret", example)]


def _read_config_maps(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.ConfigMapUse]:
    from ptflow.compiler import dag

    example = (
        'each config map is {name: "settings", env: {LOG_LEVEL: "level"}} or {name: "settings", mount_path: "/cfg"}'
    )
    return [dag.ConfigMapUse(*use) for use in _env_or_mount(parser, expr, "config map", example)]


def _read_field_env(parser: OptionParser, expr: tree.Expr, what: str) -> dict[str, str]:
    if not isinstance(expr, tree.DictExpr):
        parser.bad(expr, '`field_env` is a dict of variable: pod field, such as {POD_NAME: "metadata.name"}')
        return {}
    result = {}
    for entry in expr.entries:
        path = parser.constant(entry.value)
        if not isinstance(path, str) or not (path in _POD_FIELDS or _POD_FIELD_KEYED.fullmatch(path)):
            parser.bad(
                entry.value,
                f"`{entry.key.name}`: not a pod field Kubernetes gives to environment variables",
                hint="write one of " + ", ".join(_POD_FIELDS) + ", metadata.labels['KEY'] or "
                "metadata.annotations['KEY']",
            )
            continue
        result[entry.key.name] = path
    return result


def _read_empty_dirs(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.EmptyDirUse]:
    from ptflow.compiler import dag

    volumes = []
    for item in _items(expr):
        value = parser.constant(item)
        if (
            not isinstance(value, dict)
            or not isinstance(value.get("name"), str)
            or not isinstance(value.get("mount_path"), str)
        ):
            parser.bad(
                item,
                'each empty dir is {name: "scratch", mount_path: "/scratch"}, with optional '
                'medium: "Memory" and size_limit: "1Gi"',
            )
            continue
        if parser.unknown_field(item, value, _EMPTY_DIR_FIELDS, "empty dir"):
            continue
        medium = value.get("medium")
        if medium is not None and medium not in _EMPTY_DIR_MEDIA:
            parser.bad(
                item,
                f"an empty dir's medium is {' or '.join(_EMPTY_DIR_MEDIA)}, not `{medium}`",
                hint="leave `medium` out to use the node's disk",
            )
            continue
        size_limit = value.get("size_limit")
        problem = (
            quantities.memory_error(size_limit)
            if isinstance(size_limit, str)
            else (None if size_limit is None else 'an empty dir\'s size_limit is a quantity such as "1Gi"')
        )
        if problem:
            parser.bad(item, problem)
            continue
        volumes.append(dag.EmptyDirUse(value["name"], value["mount_path"], medium, size_limit))
    return volumes


def _node_requirements(value: Any, where: str) -> tuple[list[dag.NodeRequirement], str | None]:
    """The requirements of one `match_expressions`/`match_fields` list, or what is wrong with it."""
    from ptflow.compiler import dag

    if not isinstance(value, list):
        return [], f'`{where}` is a list such as [{{key: "zone", operator: "In", values: ["a"]}}]'
    requirements = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            return [], f'each entry of `{where}` is {{key: "zone", operator: "In", values: ["a"]}}'
        key, operator, values = item["key"], item.get("operator"), item.get("values", [])
        if operator not in _AFFINITY_OPERATORS:
            return [], f"node affinity operator of `{key}` is one of {', '.join(_AFFINITY_OPERATORS)}, not `{operator}`"
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return [], f"the values of `{key}` are a list of strings"
        if operator in ("Exists", "DoesNotExist") and values:
            return [], f"`{key}` {operator} takes no values"
        if operator in ("In", "NotIn") and not values:
            return [], f"`{key}` {operator} needs at least one value"
        if operator in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit()):
            return [], f'`{key}` {operator} takes one whole number, as a string: ["4"]'
        requirements.append(dag.NodeRequirement(key, operator, list(values)))
    return requirements, None


def _read_node_affinity(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.NodeAffinityTerm]:
    from ptflow.compiler import dag

    terms = []
    for item in _items(expr):
        value = parser.constant(item)
        if not isinstance(value, dict) or not value:
            parser.bad(
                item,
                'each node affinity term is {match_expressions: [{key: "zone", operator: "In", '
                'values: ["a"]}]}, with `weight` (1-100) when it is a preference',
            )
            continue
        if parser.unknown_field(item, value, _AFFINITY_FIELDS, "node affinity"):
            continue
        expressions, problem = _node_requirements(value.get("match_expressions", []), "match_expressions")
        fields, field_problem = _node_requirements(value.get("match_fields", []), "match_fields")
        weight = value.get("weight")
        if problem or field_problem:
            parser.bad(item, problem or field_problem or "")
            continue
        if not expressions and not fields:
            parser.bad(item, "a node affinity term needs `match_expressions` or `match_fields`")
            continue
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100):
            parser.bad(
                item,
                "a node affinity `weight` is a whole number from 1 to 100",
                hint="leave `weight` out for a term the node must match",
            )
            continue
        terms.append(dag.NodeAffinityTerm(expressions, fields, weight))
    return terms


_VOLUME_FIELDS = ("pvc", "mount_path", "sub_path")


def _read_volumes(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.VolumeUse]:
    """PVC mounts.  The claim's name may be known at run time only (a pipeline parameter, a step output, such
    as the name a `k8s.create_pvc` step gives); the paths may not."""
    from ptflow.compiler import dag

    volumes = []
    for item in _items(expr):
        if not isinstance(item, tree.DictExpr) or item.get("pvc") is None or item.get("mount_path") is None:
            parser.bad(item, 'each volume is {pvc: "my-claim", mount_path: "/data"}, with optional sub_path: "models"')
            continue
        unknown = [e for e in item.entries if e.key.name not in _VOLUME_FIELDS]
        if unknown:
            parser.bad(
                unknown[0].key, f"unknown volume field `{unknown[0].key.name}` (fields: {', '.join(_VOLUME_FIELDS)})"
            )
            continue
        pvc_entry, mount_entry, sub_path_entry = item.get("pvc"), item.get("mount_path"), item.get("sub_path")
        assert pvc_entry is not None and mount_entry is not None, "checked above"
        pvc = parser.object_name(pvc_entry.value, "the name of a PVC (`pvc`)")
        mount_path = parser.constant_string(mount_entry.value, "`mount_path`", "a volume")
        sub_path = None
        if sub_path_entry is not None:
            sub_path = parser.constant_string(sub_path_entry.value, "`sub_path`", "a volume")
            if sub_path is None:
                continue
        if pvc is not None and mount_path is not None:
            volumes.append(dag.VolumeUse(pvc, mount_path, sub_path))
    return volumes


def _read_image_pull_secrets(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.ObjectName]:
    names = []
    for item in _items(expr):
        if isinstance(item, (tree.Name, tree.Member)):
            name = parser.object_name(item, "the name of an image pull secret")
            if name is not None:
                names.append(name)
            continue
        value = parser.constant(item)
        if not isinstance(value, str) or not value:
            parser.bad(item, '`image_pull_secrets` lists secret names: ["regcred"] (or pipeline parameters)')
            continue
        names.append(value)
    return names


def _json(example: str, constant_form: str | None = None) -> Reader:
    """A Kubernetes object as JSON (a dict), written as a constant or taken from a pipeline parameter, as
    kfp-kubernetes' `*_json` functions take it.  With `constant_form`, only a parameter (a `dict` or a `list`):
    kfp-kubernetes turns a constant into that option's own form, so ptflow writes the constant there."""

    def read(parser: OptionParser, expr: tree.Expr, what: str) -> dag.JsonValue | None:
        from ptflow.compiler.components import NOT_CONSTANT, constant_value

        accepted = ("dict", "any") if constant_form is None else ("dict", "list", "any")
        parameter = parser.parameter_of(expr)
        if parameter is not None:
            if parameter.type is None or not parameter.type.is_param or parameter.type.name not in accepted:
                parser.bad(
                    expr,
                    f"{what} takes a `{'` or `'.join(accepted[:-1])}` pipeline parameter, "
                    f"but this is a `{parameter.type}`",
                )
                return None
            return parameter
        if constant_form is not None:
            parser.bad(expr, f"{what} takes a pipeline parameter", hint=f"write constant values with `{constant_form}`")
            return None
        value = constant_value(expr)
        if value is NOT_CONSTANT or not isinstance(value, dict):
            parser.bad(expr, f"{what} is {example}, or a pipeline parameter holding one")
            return None
        return value

    return read


def _read_ephemeral_volumes(parser: OptionParser, expr: tree.Expr, what: str) -> list[dag.EphemeralVolumeUse]:
    from ptflow.compiler import dag

    fields = ("name", "mount_path", "access_modes", "size", "storage_class", "labels", "annotations")
    volumes = []
    for item in _items(expr):
        value = parser.constant(item)
        required = ("name", "mount_path", "access_modes", "size")
        if not isinstance(value, dict) or any(k not in value for k in required):
            parser.bad(
                item,
                'each ephemeral volume is {name: "scratch", mount_path: "/scratch", access_modes: ["ReadWriteOnce"], '
                'size: "5Gi"}, with optional storage_class, labels and annotations',
            )
            continue
        if parser.unknown_field(item, value, fields, "ephemeral volume"):
            continue
        modes = value["access_modes"]
        if not isinstance(modes, list) or not modes or not all(m in _ACCESS_MODES for m in modes):
            parser.bad(item, f"an ephemeral volume's access_modes are a list of {', '.join(_ACCESS_MODES)}")
            continue
        problem = quantities.memory_error(value["size"]) if isinstance(value["size"], str) else "size is a quantity"
        strings = [value[k] for k in ("name", "mount_path") if not isinstance(value[k], str) or not value[k]]
        storage_class = value.get("storage_class")
        metadata = [value.get(k, {}) for k in ("labels", "annotations")]
        if problem or strings or not (storage_class is None or isinstance(storage_class, str)):
            parser.bad(item, problem or "an ephemeral volume's name, mount_path and storage_class are strings")
            continue
        if not all(isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in metadata):
            parser.bad(item, "an ephemeral volume's labels and annotations are dicts of strings")
            continue
        volumes.append(
            dag.EphemeralVolumeUse(
                value["name"], value["mount_path"], list(modes), value["size"], storage_class, *metadata
            )
        )
    return volumes


def _read_security_context(parser: OptionParser, expr: tree.Expr, what: str) -> dag.SecurityContext | None:
    from ptflow.compiler import dag

    value = parser.constant(expr)
    fields = ("run_as_user", "run_as_group", "run_as_non_root")
    if not isinstance(value, dict) or not value:
        parser.bad(expr, "`security_context` is {run_as_user: 1000, run_as_group: 1000, run_as_non_root: true}")
        return None
    if parser.unknown_field(expr, value, fields, "security_context"):
        return None
    for key in ("run_as_user", "run_as_group"):
        number = value.get(key)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 0):
            parser.bad(expr, f"`security_context.{key}` is a whole number (0 or more)")
            return None
    non_root = value.get("run_as_non_root")
    if non_root is not None and not isinstance(non_root, bool):
        parser.bad(expr, "`security_context.run_as_non_root` is true or false")
        return None
    return dag.SecurityContext(value.get("run_as_user"), value.get("run_as_group"), non_root)


def _read_retries(parser: OptionParser, expr: tree.Expr, what: str) -> dag.Retry | None:
    from ptflow.compiler import dag

    value = parser.constant(expr)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        parser.bad(expr, "`retries` must be a whole number (0 or more)")
        return None
    return dag.Retry(value)


def _read_retry(parser: OptionParser, expr: tree.Expr, what: str) -> dag.Retry | None:
    from ptflow.compiler import dag

    value = parser.constant(expr)
    if not isinstance(value, dict):
        parser.bad(expr, '`retry` is a dict: {max: 3, backoff: "30s", factor: 2, max_backoff: "1h"}')
        return None
    if parser.unknown_field(expr, value, _RETRY_FIELDS, "retry"):
        return None
    count = value.get("max")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        parser.bad(expr, "`retry.max` must be a whole number (0 or more)")
        return None
    retry = dag.Retry(count)
    for field, attr in (("backoff", "backoff_seconds"), ("max_backoff", "max_backoff_seconds")):
        if field in value:
            seconds = quantities.duration_seconds(value[field])
            if seconds is None:
                parser.bad(expr, f'`retry.{field}` must be a duration such as "30s", "5m" or "1h"')
                return None
            setattr(retry, attr, seconds)
    if "factor" in value:
        factor = value["factor"]
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 1:
            parser.bad(expr, "`retry.factor` must be a number of at least 1")
            return None
        retry.backoff_factor = float(factor)
    return retry


def _read_timeout(parser: OptionParser, expr: tree.Expr, what: str) -> int | None:
    seconds = quantities.duration_seconds(parser.constant(expr))
    if seconds is None or seconds <= 0 or seconds != int(seconds):
        parser.bad(expr, '`timeout` must be a whole number of seconds or a duration such as "30m"')
        return None
    return int(seconds)


def _read_cache(parser: OptionParser, expr: tree.Expr, what: str) -> bool | None:
    value = parser.constant(expr)
    if not isinstance(value, bool):
        parser.bad(expr, "`cache` must be true or false")
        return None
    return value


def _read_ignore_upstream_failure(parser: OptionParser, expr: tree.Expr, what: str) -> bool | None:
    value = parser.constant(expr)
    if not isinstance(value, bool):
        parser.bad(expr, "`ignore_upstream_failure` must be true or false")
        return None
    return value


def _read_max_cache_staleness(parser: OptionParser, expr: tree.Expr, what: str) -> str | None:
    value = parser.constant(expr)
    if not isinstance(value, str) or not value.startswith("P"):
        parser.bad(expr, '`max_cache_staleness` is an ISO 8601 duration such as "P0D" or "P30D"')
        return None
    return value


def _read_cache_key(parser: OptionParser, expr: tree.Expr, what: str) -> str | None:
    """kfp's `set_caching_options(cache_key=...)` writes the key into the task at compile time: a protobuf
    string field, so a pipeline parameter has nowhere to go (kfp 2.17 fails on one), and an empty key is
    dropped without a word (kfp writes a key only when it is non-empty)."""
    if parser.is_run_time(expr):
        parser.bad(
            expr,
            "`cache_key` must be a string constant: KFP writes it into the pipeline at compile time",
            hint="write the key in the file; change it by hand when the step's results must be recomputed",
        )
        return None
    value = parser.constant(expr)
    if not isinstance(value, str) or not value:
        parser.bad(expr, '`cache_key` must be a non-empty string such as "features-v2"')
        return None
    return value


def _read_pull_policy(parser: OptionParser, expr: tree.Expr, what: str) -> str | None:
    value = parser.constant(expr)
    if value not in _PULL_POLICIES:
        parser.bad(expr, f"`pull_policy` is one of {', '.join(_PULL_POLICIES)}")
        return None
    return value


_CUSTOM_JOB_STRINGS = ("machine_type", "accelerator_type", "boot_disk_type", "service_account", "network")
_CUSTOM_JOB_COUNTS = ("accelerator_count", "replica_count", "boot_disk_size_gb")


def _read_vertex_custom_job(parser: OptionParser, expr: tree.Expr, what: str) -> dag.VertexCustomJob | None:
    """Constants only: gcpc writes them into the worker pool specs when the pipeline is compiled."""
    from ptflow.compiler import dag

    value = parser.constant(expr)
    fields = (*_CUSTOM_JOB_STRINGS, *_CUSTOM_JOB_COUNTS)
    if not isinstance(value, dict):
        parser.bad(
            expr,
            '`vertex_custom_job` is a dict of constants: {machine_type: "n1-standard-8", '
            'accelerator_type: "NVIDIA_TESLA_T4", accelerator_count: 2}',
        )
        return None
    if parser.unknown_field(expr, value, fields, "vertex_custom_job"):
        return None
    for name, given in value.items():
        if name in _CUSTOM_JOB_STRINGS and not isinstance(given, str):
            parser.bad(expr, f"`vertex_custom_job.{name}` must be a string")
            return None
        if name in _CUSTOM_JOB_COUNTS and (isinstance(given, bool) or not isinstance(given, int) or given < 1):
            parser.bad(expr, f"`vertex_custom_job.{name}` must be a whole number (1 or more)")
            return None
    return dag.VertexCustomJob(**value)


def _read_after(parser: OptionParser, expr: tree.Expr, what: str) -> list[tree.Name]:
    """The step names listed; the checker resolves them to tasks."""
    result: list[tree.Name] = []
    for item in _items(expr):
        if isinstance(item, tree.Name):
            result.append(item)
        else:
            parser.diagnostics.report(
                codes.INVALID_AFTER, "`after` lists step names: `after: [prepare, train]`", item.span
            )
    return result


# ---------------------------------------------------------------- what targets refuse (PTF501)


def _ignore_upstream_failure_refused_v1(task: dag.Task, target: str):
    if task.options.ignore_upstream_failure:
        return (
            f"`ignore_upstream_failure` on step `{task.step}` is not supported by {target}: kfp 1.8 runs a step "
            "only after its upstream steps succeeded",
            "run the step in `finally` (an exit handler), or compile for kfp-v2",
        )
    return None


def _cache_staleness_refused(task: dag.Task, target: str):
    if task.options.max_cache_staleness is not None:
        return (
            f"`max_cache_staleness` on step `{task.step}` is not supported by {target} (KFP v2 caches by inputs only)",
            "use `cache: false` to always re-run the step",
        )
    return None


def _selector_parameter_refused(task: dag.Task, target: str):
    if not task.options.node_selector:  # most steps: answered without the import below
        return None
    from ptflow.compiler import dag

    if any(isinstance(v, dag.PipelineInput) for v in task.options.node_selector.values()):
        return (
            f"a node selector taken from a pipeline parameter (step `{task.step}`) is not supported by {target}",
            None,
        )
    return _container_settings_refused(task, target)


def _container_settings_refused(task: dag.Task, target: str):
    """Container settings on a step with no container of its own (a pipeline call, an importer): kfp-v2 has
    nowhere to write them, and dropping them silently would lose what the user asked for.  One error names
    every such setting of the step (each option's refusal gives the same text, and they are merged)."""
    from ptflow.compiler import dag

    kind = task.component.kind
    if kind == dag.ComponentKind.CONTAINER:
        return None
    defaults = _default_options()
    given = [
        option.name
        for option in OPTIONS
        if option.field is not None
        and (refusal := option.lowering[target].refuses) is not None
        and refusal.needs_container
        and getattr(task.options, option.field) != getattr(defaults, option.field)
    ]
    if not given:
        return None
    calls_a_pipeline = kind in (dag.ComponentKind.PIPELINE, dag.ComponentKind.IR_GRAPH)
    what = "calls a pipeline" if calls_a_pipeline else "is an importer"
    names = ", ".join(f"`{name}`" for name in given[:-1]) + (" and " if len(given) > 1 else "") + f"`{given[-1]}`"
    verb, it = ("is", "it") if len(given) == 1 else ("are", "them")
    return (
        f"{names} on step `{task.step}` {verb} not supported by {target}: the step {what}, which has no "
        "container of its own",
        f"set {it} on the steps inside the pipeline" if calls_a_pipeline else f"remove {names}",
    )


def _accelerator_run_time_refused_v1(task: dag.Task, target: str):
    from ptflow.compiler import dag

    accelerator = task.options.accelerator
    if not isinstance(accelerator, (dag.PipelineInput, dag.TaskOutput)):
        return None
    source = "a pipeline parameter" if isinstance(accelerator, dag.PipelineInput) else "a step output"
    return (
        f"an accelerator type taken from {source} (step `{task.step}`) is not supported by kfp-v1 (KFP 1.x / Argo)",
        "on KFP 1.x the accelerator picks the GPU resource name or node pool at compile time",
    )


def _run_time_name_refused_v1(task: dag.Task, target: str):
    """kfp-v1 writes the names of secrets, ConfigMaps and PVCs into the pod at compile time: a name known
    only at run time (a pipeline parameter, a step output) has nowhere to go.  One error for all three (the
    three options' refusals have the same text and are merged)."""
    from ptflow.compiler import dag

    options = task.options
    names = [use.secret for use in options.secrets] + [use.config_map for use in options.config_maps]
    # A claim named by a step's output may be one `k8s.create_pvc` makes, which kfp-v1 writes as a VolumeOp:
    # compiler/targets/kfp_v1_support.py, which sees the step that makes it, decides.
    claims = [volume.pvc for volume in options.volumes if not isinstance(volume.pvc, dag.TaskOutput)]
    if all(isinstance(name, str) for name in names + claims):
        return None
    return (
        f"step `{task.step}` names a secret, ConfigMap or PVC with a value known at run time; {target} "
        "(KFP 1.x / Argo) writes those names into the pod at compile time",
        "write the name as a string constant, or compile for kfp-v2",
    )


def _not_written_by_v1(field: str, name: str, why: str) -> Refusal:
    """An option ptflow's kfp-v1 target does not write: PTF501 at the step, saying why."""

    def refused(task: dag.Task, target: str):
        if getattr(task.options, field) == getattr(_default_options(), field):
            return None
        return (f"`{name}` on step `{task.step}` is not supported by {target} (KFP 1.x / Argo): {why}", None)

    return Refusal("always", refused)


def _json_parameter_refused_v1(name: str, hint: str) -> Refusal:
    """A Kubernetes object given whole from a pipeline parameter: kfp 1.8 writes affinity and node selectors
    into the template at compile time (`add_affinity`, one label at a time), so a whole dict known only at run
    time has nowhere to go.  A constant is written."""

    def refused(task: dag.Task, target: str):
        from ptflow.compiler import dag

        if not isinstance(getattr(task.options, name), dag.PipelineInput):
            return None
        return (
            f"`{name}` from a pipeline parameter (step `{task.step}`) is not supported by {target} (KFP 1.x / "
            "Argo): kfp 1.8 writes it into the template at compile time",
            hint,
        )

    return Refusal("from a pipeline parameter", refused)


def _image_pull_secrets_refused_v1(task: dag.Task, target: str):
    """kfp 1.8 writes the workflow's `imagePullSecrets` at compile time: a name known only at run time has nowhere
    to go.  (Steps that set different lists are refused by compiler/targets/kfp_v1_support.py, which sees them
    all.)"""
    if all(isinstance(name, str) for name in task.options.image_pull_secrets):
        return None
    return (
        f"`image_pull_secrets` on step `{task.step}` names a secret with a value known at run time; {target} "
        "(KFP 1.x / Argo) writes the workflow's image pull secrets at compile time",
        "write the name as a string constant, or compile for kfp-v2",
    )


def _custom_job_on_container_only(task: dag.Task, target: str):
    if task.options.vertex_custom_job is None:
        return None
    from ptflow.compiler import dag

    container = task.component.container
    if task.component.kind == dag.ComponentKind.CONTAINER and container is not None:
        if container.runtime_step == "serve.deploy":  # lowered to gcpc's deployment (targets/vertex.py)
            return (
                f"`vertex_custom_job` on step `{task.step}`: on vertex, serve.deploy deploys to a Vertex AI "
                "endpoint, which no CustomJob runs",
                "remove `vertex_custom_job`",
            )
        return None
    return (
        f"`vertex_custom_job` on step `{task.step}` needs a container step on {target}: a CustomJob runs one container",
        "set it on the training step itself",
    )


def check_option_support(task: dag.Task, target: str, diagnostics: Diagnostics) -> None:
    """Report (PTF501) each option value of `task` that `target` can't write, once per distinct reason."""
    refusal_checks, ignored = _support_table(target)
    reasons: list[tuple[str, str | None]] = []
    for check in refusal_checks:
        reason = check(task, target)
        if reason is not None and reason not in reasons:
            reasons.append(reason)
    for message, hint in reasons:
        diagnostics.report(codes.NOT_SUPPORTED_BY_TARGET, message, task.span, hint=hint)
    defaults = _default_options()
    for option, field_name, ignores in ignored:
        if getattr(task.options, field_name) != getattr(defaults, field_name):
            diagnostics.report(
                codes.INPUT_IGNORED_BY_TARGET,
                f"`{option.name}` on step `{task.step}` is ignored by {target}: {ignores}",
                task.span,
            )


@functools.cache
def _support_table(target: str) -> tuple[tuple[RefusalCheck, ...], tuple[tuple[Option, str, str], ...]]:
    """`target`'s refusal checks in table order, each once, and (option, field, why) of the options it ignores.

    A check is a function of the step and the target alone, so one shared by many options (`_CONTAINER_ONLY`,
    on some 25 of them, names all of a step's container settings at once) gives the same answer for each:
    asking it once per step instead of once per option is the same report, for a twenty-fifth of the work.
    """
    checks: dict[RefusalCheck, None] = {}  # ordered, without repeats
    for option in OPTIONS:
        refuses = option.lowering[target].refuses
        if refuses is not None:
            checks.setdefault(refuses.check)
    ignored = tuple(
        (option, option.field, ignores)
        for option in OPTIONS
        if (ignores := option.lowering[target].ignores) and option.field
    )
    return tuple(checks), ignored


@functools.cache
def _default_options() -> dag.TaskOptions:
    """The options of a step without `with` (read only: shared by every check)."""
    from ptflow.compiler import dag

    return dag.TaskOptions()


# ---------------------------------------------------------------- the table


def _lowerings(
    v2: str | None,
    v1: str | None,
    v2_refuses: Refusal | None = None,
    v1_refuses: Refusal | None = None,
    deploy_steps: tuple[str, ...] = ("model",),
) -> dict[str, Lowering]:
    """The lowering of each target.  `vertex` is kfp-v2 IR, so it writes (and refuses) what kfp-v2 does;
    `deploy_steps` says which of the steps replacing `serve.deploy` keep the option."""
    return {
        "kfp-v2": Lowering(v2, v2_refuses),
        "kfp-v1": Lowering(v1, v1_refuses),
        "vertex": Lowering(v2, v2_refuses, deploy_steps),
    }


def _kubernetes_lowerings(
    v2: str, v1: str | None, v2_refuses: Refusal | None = None, v1_refuses: Refusal | None = None
) -> dict[str, Lowering]:
    """A kfp-kubernetes setting: Vertex AI Pipelines runs steps without Kubernetes, so vertex refuses it."""
    return {
        "kfp-v2": Lowering(v2, v2_refuses),
        "kfp-v1": Lowering(v1, v1_refuses),
        "vertex": Lowering(None, _KUBERNETES_ON_VERTEX),
    }


def _kubernetes_settings_refused_on_vertex(task: dag.Task, target: str):
    """One error for all the Kubernetes settings of a step (the same text from each option's refusal).  A step
    run as a CustomJob has its pod settings refused by the CustomJob's own check (targets/vertex.py)."""
    if task.options.vertex_custom_job is not None:
        return None
    defaults = _default_options()
    given = [
        option.name
        for option in OPTIONS
        if option.lowering["vertex"].refuses is _KUBERNETES_ON_VERTEX
        and option.field is not None
        and getattr(task.options, option.field) != getattr(defaults, option.field)
    ]
    if not given:
        return None
    return (
        f"step `{task.step}` sets Kubernetes settings ({', '.join(f'`{name}`' for name in given)}), which "
        f"{target} can't apply: Vertex AI Pipelines runs steps without Kubernetes",
        "remove them for vertex (a step's machine comes from cpu, memory, gpus and accelerator, or from "
        "vertex_custom_job), or compile for kfp-v2",
    )


_PARAMETER = " or a pipeline parameter"
_RESOURCE_RUN_TIME = ", a pipeline parameter or a step output"
_CONTAINER_ONLY = Refusal(
    "on a step that calls a pipeline or is an importer", _container_settings_refused, needs_container=True
)
_PLATFORM = "kfp-kubernetes platform config"
_KUBERNETES_ON_VERTEX = Refusal("always: Vertex AI has no Kubernetes", _kubernetes_settings_refused_on_vertex)
_RUN_TIME_NAME_V1 = Refusal("when the name is a pipeline parameter or a step output", _run_time_name_refused_v1)
_RUN_TIME_CLAIM_V1 = Refusal(
    "when the claim's name is a pipeline parameter, or the output of a step other than `k8s.create_pvc`",
    _run_time_name_refused_v1,
)
_ALL_DEPLOY_STEPS = VERTEX_DEPLOY_STEPS

# Kubeflow has no CustomJob: the step runs as an ordinary pod there, with a warning, so one pipeline serves
# Vertex AI and `ptflow run` (which runs the kfp-v2 document here).  `gpus` and `accelerator` choose its node.
_ORDINARY_STEP = "the step runs as an ordinary step (ptflow run too); `gpus` and `accelerator` choose its node"
_CUSTOM_JOB_LOWERINGS = {
    "kfp-v2": Lowering(None, ignores=_ORDINARY_STEP),
    "kfp-v1": Lowering(None, ignores=_ORDINARY_STEP),
    "vertex": Lowering(
        "the step's component wrapped as gcpc's CustomTrainingJobOp (`worker_pool_specs`, "
        "`service_account`, `network`)",
        Refusal("on `serve.deploy`, a step that calls a pipeline or an importer", _custom_job_on_container_only),
        deploy_steps=(),
    ),
}

OPTIONS: tuple[Option, ...] = (
    Option(
        "cpu",
        'a CPU quantity: "2", 0.5, "500m"' + _RESOURCE_RUN_TIME,
        "the container's CPU limit",
        _quantity(quantities.cpu_error),
        "cpu_limit",
        _lowerings(
            "executor `resources.cpuLimit`",
            "container `resources.limits.cpu`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "cpu_request",
        'a CPU quantity: "2", 0.5, "500m"' + _RESOURCE_RUN_TIME,
        "the CPU the container is guaranteed",
        _quantity(quantities.cpu_error),
        "cpu_request",
        _lowerings(
            "executor `resources.cpuRequest`",
            "container `resources.requests.cpu`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "memory",
        'a memory quantity: "16Gi", "512M"' + _RESOURCE_RUN_TIME,
        "the container's memory limit",
        _quantity(quantities.memory_error),
        "memory_limit",
        _lowerings(
            "executor `resources.memoryLimit`",
            "container `resources.limits.memory`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "memory_request",
        'a memory quantity: "16Gi", "512M"' + _RESOURCE_RUN_TIME,
        "the memory the container is guaranteed",
        _quantity(quantities.memory_error),
        "memory_request",
        _lowerings(
            "executor `resources.memoryRequest`",
            "container `resources.requests.memory`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "gpus",
        "a whole number (0 or more)" + _RESOURCE_RUN_TIME,
        "how many GPUs the container gets",
        _read_gpus,
        "gpus",
        _lowerings(
            "executor `resources.accelerator.count`",
            "the GPU resource limit (`nvidia.com/gpu`)",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "accelerator",
        'a string: "nvidia-tesla-t4", "nvidia.com/gpu"' + _RESOURCE_RUN_TIME,
        "the GPU type, with `gpus`",
        _read_accelerator,
        "accelerator",
        _lowerings(
            "executor `resources.accelerator.type` (with `gpus`)",
            "the GPU resource name, or a GKE accelerator node selector",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=Refusal("from a pipeline parameter or a step output", _accelerator_run_time_refused_v1),
        ),
    ),
    Option(
        "node_selector",
        'a dict of strings: {"cloud.google.com/gke-nodepool": "gpu"}',
        "the labels of the nodes the pod may run on",
        _string_dict(allow_parameters=True),
        "node_selector",
        _kubernetes_lowerings(
            f"{_PLATFORM} `nodeSelector`",
            "pod `nodeSelector` on the template",
            v2_refuses=Refusal(
                "when a value is a pipeline parameter, or on a step that calls a pipeline or is an importer",
                _selector_parameter_refused,
                needs_container=True,
            ),
        ),
    ),
    Option(
        "node_affinity",
        '{match_expressions: [{key: "zone", operator: "In", values: ["a"]}], weight: 50}, or a list of them',
        "the nodes the pod must run on (no `weight`) or prefers (`weight` 1-100)",
        _read_node_affinity,
        "node_affinity",
        _kubernetes_lowerings(
            f"{_PLATFORM} `nodeAffinity`",
            "template `affinity.nodeAffinity`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "tolerations",
        '{key: "gpu", operator: "Exists", effect: "NoSchedule"}, or a list of them',
        "node taints the pod tolerates",
        _read_tolerations,
        "tolerations",
        _kubernetes_lowerings(
            f"{_PLATFORM} `tolerations`", "pod `tolerations` on the template", v2_refuses=_CONTAINER_ONLY
        ),
    ),
    Option(
        "env",
        'a dict of strings: {LOG_LEVEL: "debug"}',
        "environment variables of the container",
        _read_env,
        "env",
        _lowerings("executor container `env`", "container `env`", v2_refuses=_CONTAINER_ONLY),
    ),
    Option(
        "secrets",
        '{name: "minio", env: {VAR: "key"}} and/or mount_path: "/secrets", or a list of them; `name` may be a '
        "pipeline parameter or a step output",
        "Kubernetes secrets as environment variables or files",
        _read_secrets,
        "secrets",
        _kubernetes_lowerings(
            f"{_PLATFORM} `secretAsEnv` / `secretAsVolume`",
            "container `env` / `volumeMounts`",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_RUN_TIME_NAME_V1,
        ),
    ),
    Option(
        "config_maps",
        '{name: "settings", env: {VAR: "key"}} and/or mount_path: "/cfg", or a list of them; `name` may be a '
        "pipeline parameter or a step output",
        "Kubernetes ConfigMaps as environment variables or files",
        _read_config_maps,
        "config_maps",
        _kubernetes_lowerings(
            f"{_PLATFORM} `configMapAsEnv` / `configMapAsVolume`",
            "container `env` / `volumeMounts`",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_RUN_TIME_NAME_V1,
        ),
    ),
    Option(
        "field_env",
        '{POD_NAME: "metadata.name", TEAM: "metadata.labels[\'team\']"}',
        "environment variables read from the pod's fields (the downward API)",
        _read_field_env,
        "field_env",
        _kubernetes_lowerings(
            f"{_PLATFORM} `fieldPathAsEnv`",
            "container `env` (`valueFrom.fieldRef`)",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "volumes",
        '{pvc: "my-claim", mount_path: "/data", sub_path: "models"}, or a list of them; `pvc` may be a '
        "pipeline parameter or a step output",
        "persistent volume claims mounted into the container",
        _read_volumes,
        "volumes",
        _kubernetes_lowerings(
            f"{_PLATFORM} `pvcMount`",
            "template `volumes` and container `volumeMounts` (`subPath`); a claim `k8s.create_pvc` makes is "
            "named by its `name` output, as kfp 1.8 mounts a VolumeOp's volume",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_RUN_TIME_CLAIM_V1,
        ),
    ),
    Option(
        "empty_dirs",
        '{name: "scratch", mount_path: "/scratch", medium: "Memory", size_limit: "1Gi"}, or a list of them',
        "empty scratch volumes that live as long as the pod",
        _read_empty_dirs,
        "empty_dirs",
        _kubernetes_lowerings(
            f"{_PLATFORM} `emptyDirMounts`",
            "template `volumes` (`emptyDir`) and container `volumeMounts`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "retries",
        "a whole number (0 or more)",
        "how many times a failed step is retried",
        _read_retries,
        "retry",
        _lowerings("task `retryPolicy`", "template `retryStrategy`", deploy_steps=_ALL_DEPLOY_STEPS),
    ),
    Option(
        "retry",
        '{max: 3, backoff: "30s", factor: 2, max_backoff: "1h"}',
        "retries with exponential backoff (instead of `retries`)",
        _read_retry,
        "retry",
        _lowerings("task `retryPolicy`", "template `retryStrategy`", deploy_steps=_ALL_DEPLOY_STEPS),
    ),
    Option(
        "timeout",
        'a duration: "30m", "2h", or whole seconds',
        "how long the step may run",
        _read_timeout,
        "timeout_seconds",
        _kubernetes_lowerings(
            f"{_PLATFORM} `activeDeadlineSeconds`",
            "template `activeDeadlineSeconds`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "cache",
        "true or false",
        "whether a step with the same inputs may reuse an earlier result",
        _read_cache,
        "cache",
        _lowerings("task `cachingOptions`", "the `enable_caching` label", deploy_steps=_ALL_DEPLOY_STEPS),
    ),
    Option(
        "max_cache_staleness",
        'an ISO 8601 duration: "P0D", "P30D"',
        "how old a reused result may be",
        _read_max_cache_staleness,
        "max_cache_staleness",
        _lowerings(
            None,
            "the `max_cache_staleness` annotation",
            v2_refuses=Refusal("always: KFP v2 caches by inputs only", _cache_staleness_refused),
        ),
    ),
    Option(
        "cache_key",
        'a string constant: "features-v2"',
        "reuse an earlier result of the same step with the same key, whatever its inputs, command or image",
        _read_cache_key,
        "cache_key",
        _lowerings(
            "task `cachingOptions.cacheKey`",
            None,
            v1_refuses=_not_written_by_v1(
                "cache_key", "cache_key", "kfp 1.8 computes a step's cache key from its pod and has no custom one"
            ),
        ),
    ),
    Option(
        "ignore_upstream_failure",
        "true or false",
        "run the step when its upstream steps are done, even if one failed; inputs from them need defaults",
        _read_ignore_upstream_failure,
        "ignore_upstream_failure",
        _lowerings(
            "task `triggerPolicy.strategy: ALL_UPSTREAM_TASKS_COMPLETED`",
            None,
            v1_refuses=Refusal("always: kfp 1.8 has no such policy", _ignore_upstream_failure_refused_v1),
        ),
    ),
    Option(
        "display_name",
        "a string",
        "the step's name in the KFP UI",
        _string(),
        "display_name",
        _lowerings("task `taskInfo.name`", "the `task_display_name` annotation", deploy_steps=("deploy",)),
    ),
    Option(
        "after",
        "a step name or a list of them: [prepare, train]",
        "steps that must finish first",
        _read_after,
        None,
        _lowerings("task `dependentTasks`", "DAG task `dependencies`", deploy_steps=("model", "endpoint")),
    ),
    Option(
        "image",
        'a string: "my-registry/trainer:1.2"' + _PARAMETER,
        "the container image, instead of the component's",
        _string(allow_parameter=True),
        "image",
        _lowerings("executor container `image`", "container `image`", v2_refuses=_CONTAINER_ONLY),
    ),
    Option(
        "labels",
        "a dict of strings",
        "Kubernetes labels of the pod",
        _string_dict(),
        "labels",
        _kubernetes_lowerings(
            f"{_PLATFORM} `podMetadata.labels`",
            "template `metadata.labels`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "annotations",
        "a dict of strings",
        "Kubernetes annotations of the pod",
        _string_dict(),
        "annotations",
        _kubernetes_lowerings(
            f"{_PLATFORM} `podMetadata.annotations`",
            "template `metadata.annotations`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "pull_policy",
        "Always, IfNotPresent or Never",
        "when Kubernetes pulls the image",
        _read_pull_policy,
        "pull_policy",
        _kubernetes_lowerings(
            f"{_PLATFORM} `imagePullPolicy`",
            "container `imagePullPolicy`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "image_pull_secrets",
        'a secret name or a list of them: ["regcred"]',
        "the secrets Kubernetes pulls the image with",
        _read_image_pull_secrets,
        "image_pull_secrets",
        _kubernetes_lowerings(
            f"{_PLATFORM} `imagePullSecret`",
            "workflow `spec.imagePullSecrets`, for every pod",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=Refusal(
                "when a name is a pipeline parameter, or when steps set different lists (KFP 1.x has one per pipeline)",
                _image_pull_secrets_refused_v1,
            ),
        ),
    ),
    Option(
        "node_affinity_json",
        "a Kubernetes NodeAffinity as a dict: {requiredDuringSchedulingIgnoredDuringExecution: {...}}" + _PARAMETER,
        "node affinity written as Kubernetes writes it (instead of `node_affinity`)",
        _json("a Kubernetes NodeAffinity dict"),
        "node_affinity_json",
        _kubernetes_lowerings(
            f"{_PLATFORM} `nodeAffinity` (`nodeAffinityJson`)",
            "template `affinity.nodeAffinity` (after the terms of `node_affinity`)",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_json_parameter_refused_v1("node_affinity_json", "write the terms with `node_affinity`"),
        ),
    ),
    Option(
        "node_selector_json",
        'a dict of labels: {disktype: "ssd"}' + _PARAMETER,
        "the node selector as one JSON value, which may be a pipeline parameter (instead of `node_selector`)",
        _json("a dict of node labels"),
        "node_selector_json",
        _kubernetes_lowerings(
            f"{_PLATFORM} `nodeSelector` (`nodeSelectorJson`)",
            "pod `nodeSelector` on the template (with the labels of `node_selector`)",
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_json_parameter_refused_v1(
                "node_selector_json", "write the labels with `node_selector`, each of which may be a pipeline parameter"
            ),
        ),
    ),
    Option(
        "tolerations_json",
        "a pipeline parameter holding a Kubernetes toleration (a dict) or a list of them",
        "tolerations given at run time (constant ones are `tolerations`)",
        _json("", constant_form="tolerations"),
        "tolerations_json",
        _kubernetes_lowerings(
            f"{_PLATFORM} `tolerations` (`tolerationJson`)",
            None,
            v2_refuses=_CONTAINER_ONLY,
            v1_refuses=_not_written_by_v1("tolerations_json", "tolerations_json", "write them with `tolerations`"),
        ),
    ),
    Option(
        "ephemeral_volumes",
        '{name: "scratch", mount_path: "/scratch", access_modes: ["ReadWriteOnce"], size: "5Gi", '
        'storage_class: "fast", labels: {...}, annotations: {...}}, or a list of them',
        "volumes claimed for the pod from a template and deleted with it (generic ephemeral volumes)",
        _read_ephemeral_volumes,
        "ephemeral_volumes",
        _kubernetes_lowerings(
            f"{_PLATFORM} `genericEphemeralVolume`",
            "template `volumes` (`ephemeral.volumeClaimTemplate`) and container `volumeMounts`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "security_context",
        "{run_as_user: 1000, run_as_group: 1000, run_as_non_root: true}",
        "the user and group the container runs as",
        _read_security_context,
        "security_context",
        _kubernetes_lowerings(
            f"{_PLATFORM} `securityContext`",
            "container `securityContext`",
            v2_refuses=_CONTAINER_ONLY,
        ),
    ),
    Option(
        "vertex_custom_job",
        '{machine_type: "n1-standard-8", accelerator_type: "NVIDIA_TESLA_T4", '
        'accelerator_count: 2, replica_count: 1, boot_disk_size_gb: 100, service_account: "...", network: "..."}',
        "run the step as a Vertex AI CustomJob on that machine (vertex only)",
        _read_vertex_custom_job,
        "vertex_custom_job",
        _CUSTOM_JOB_LOWERINGS,
    ),
)

OPTIONS_BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
OPTION_NAMES: tuple[str, ...] = tuple(OPTIONS_BY_NAME)


def known_options_text(width: int = 76) -> str:
    """The sentence that lists every option, wrapped like the code catalogue's text (PTF210)."""
    import textwrap

    return textwrap.fill("The known step options are: " + ", ".join(OPTION_NAMES) + ".", width=width)
