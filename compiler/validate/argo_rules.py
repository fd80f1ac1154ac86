"""Argo Workflow validation, layer 2: the main rules of Argo's own `validate.ValidateWorkflow`.

`argo lint` and the KFP 1.x API server run these rules: names, unique
templates, one type per template, entrypoint/onExit/template references,
dependencies and cycles, and that every `{{...}}` variable resolves where it
is used.  Reported with JSON paths, like the other layers (see argo.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import field
from typing import Any

from ptflow.compiler.diagnostics import codes, did_you_mean
from ptflow.compiler.records import record
from ptflow.compiler.validate.yaml_source import Path, PathReport

# Argo's own patterns (workflow/validate/validate.go).
_FIELD_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_PARAM_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
_GENERATE_NAME = re.compile(r"^[a-z0-9]([-.a-z0-9]*)?$")
_OBJECT_NAME = re.compile(r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")
MAX_FIELD_NAME = 128
MAX_OBJECT_NAME = 63
MAX_GENERATE_NAME = MAX_OBJECT_NAME - 5  # Argo/Kubernetes append 5 random characters

TEMPLATE_TYPES = (
    "container",
    "script",
    "resource",
    "dag",
    "steps",
    "suspend",
    "data",
    "http",
    "containerSet",
    "plugin",
)
LEAF_TYPES = ("container", "script", "resource", "suspend", "data", "http", "containerSet", "plugin")
# Sources an input artifact may carry itself, so that no argument is needed.
_ARTIFACT_SOURCES = ("from", "fromExpression", "raw", "s3", "gcs", "http", "git", "hdfs", "oss", "artifactory", "azure")
# Variables with these prefixes must resolve; anything else in `{{ }}` is left to the user.
_ARGO_PREFIXES = (
    "inputs.",
    "outputs.",
    "pod.",
    "retries",
    "steps.",
    "tasks.",
    "workflow.",
    "item",
    "node.",
    "lastRetry.",
)
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
# Task fields a DAG task's `{{tasks.T.X}}` may read besides outputs.
_TASK_FIELDS = ("id", "status", "startedAt", "finishedAt", "ip", "exitCode", "hostNodeName")
_TEMPLATE_OUTPUT_FIELDS = ("result", "exitCode")


@record
class _Template:
    """What the rules need to know about one template."""

    index: int
    name: str
    body: dict
    kind: str | None  # the template type, None when it has none or several
    input_parameters: dict[str, dict] = field(default_factory=dict)
    input_artifacts: dict[str, dict] = field(default_factory=dict)
    output_parameters: set[str] = field(default_factory=set)
    output_artifacts: set[str] = field(default_factory=set)

    @property
    def path(self) -> Path:
        return ("spec", "templates", self.index)


@record
class _Task:
    index: int
    name: str
    body: dict
    dependencies: list[tuple[str, Path]]  # (task name, path of the reference)


class WorkflowRules:
    """The main rules of Argo's `ValidateWorkflow` (v3.3), reported with JSON paths."""

    def __init__(self, report: PathReport, document: dict):
        self.report = report
        self.document = document
        self.spec: dict = document["spec"]
        self.templates: dict[str, _Template] = {}
        self.workflow_parameters: set[str] = set()

    def add(self, code: str, path: Path, message: str, related: Sequence[tuple[Path, str]] = (), **options) -> None:
        """A finding in the Workflow (the file's one document), `related` as (path, message) places in it."""
        self.report.add(code, 0, path, message, related=[(0, at, why) for at, why in related], **options)

    def run(self) -> None:
        self.check_metadata()
        self.collect_workflow_parameters()
        self.collect_templates()
        self.check_entry_points()
        for template in self.templates.values():
            self.check_template(template)

    # ------------------------------------------------------------ workflow

    def check_metadata(self) -> None:
        metadata = self.document.get("metadata")
        if not isinstance(metadata, dict) or not (metadata.get("name") or metadata.get("generateName")):
            self.add(
                codes.ARGO_MISSING_FIELD,
                ("metadata",),
                "a Workflow needs `metadata.name` or `metadata.generateName`",
                part="key",
            )
            return
        generate_name = metadata.get("generateName")
        if isinstance(generate_name, str) and generate_name:
            if len(generate_name) > MAX_GENERATE_NAME:
                self.add(
                    codes.ARGO_INVALID_NAME,
                    ("metadata", "generateName"),
                    f"`{generate_name}` is {len(generate_name)} "
                    f"characters long; at most {MAX_GENERATE_NAME} are allowed (Kubernetes names have at most "
                    f"{MAX_OBJECT_NAME}, and 5 random characters are appended)",
                )
            elif not _GENERATE_NAME.match(generate_name):
                self.add(
                    codes.ARGO_INVALID_NAME,
                    ("metadata", "generateName"),
                    f"`{generate_name}` is not a valid name prefix: "
                    "lowercase letters, digits, `-` and `.`, starting with a letter or digit",
                )
        name = metadata.get("name")
        if isinstance(name, str) and name and (len(name) > MAX_OBJECT_NAME or not _OBJECT_NAME.match(name)):
            self.add(
                codes.ARGO_INVALID_NAME,
                ("metadata", "name"),
                f"`{name}` is not a valid Kubernetes name: at most "
                f"{MAX_OBJECT_NAME} lowercase letters, digits, `-` and `.`, starting and ending with a letter "
                "or digit",
            )

    def collect_workflow_parameters(self) -> None:
        arguments = _mapping(self.spec.get("arguments"))
        parameters = _named_items(
            self,
            _list(arguments.get("parameters")),
            ("spec", "arguments", "parameters"),
            "workflow parameter",
            _PARAM_NAME,
        )
        self.workflow_parameters = set(parameters)

    def collect_templates(self) -> None:
        for index, body in enumerate(self.spec["templates"]):
            path = ("spec", "templates", index)
            if not isinstance(body, dict):
                continue  # the typed check reports it
            name = body.get("name")
            if not isinstance(name, str) or not name:
                if "name" in body:
                    self.add(codes.ARGO_INVALID_NAME, path + ("name",), "a template name must be a non-empty string")
                else:
                    self.add(codes.ARGO_MISSING_FIELD, path, "required field `name` is missing", part="key")
                continue
            _check_field_name(self, path + ("name",), name, "template")
            if name in self.templates:
                first = self.templates[name]
                self.add(
                    codes.ARGO_DUPLICATE_NAME,
                    path + ("name",),
                    f"template `{name}` is defined twice",
                    related=[(first.path + ("name",), "first defined here")],
                )
                continue
            self.templates[name] = self.describe_template(index, name, body)

    def describe_template(self, index: int, name: str, body: dict) -> _Template:
        path = ("spec", "templates", index)
        kinds = [k for k in TEMPLATE_TYPES if body.get(k) is not None]
        if len(kinds) != 1:
            found = ", ".join(f"`{k}`" for k in kinds) if kinds else "none"
            self.add(
                codes.ARGO_TEMPLATE_TYPE,
                path + ("name",),
                f"template `{name}` must have exactly one of {', '.join(TEMPLATE_TYPES)}; it has {found}",
            )
        template = _Template(index, name, body, kinds[0] if len(kinds) == 1 else None)
        inputs = _mapping(body.get("inputs"))
        outputs = _mapping(body.get("outputs"))
        template.input_parameters = _named_items(
            self, _list(inputs.get("parameters")), path + ("inputs", "parameters"), "input parameter", _PARAM_NAME
        )
        template.input_artifacts = _named_items(
            self, _list(inputs.get("artifacts")), path + ("inputs", "artifacts"), "input artifact", _PARAM_NAME
        )
        output_parameters = _named_items(
            self, _list(outputs.get("parameters")), path + ("outputs", "parameters"), "output parameter", _PARAM_NAME
        )
        template.output_parameters = set(output_parameters)
        template.output_artifacts = set(
            _named_items(
                self, _list(outputs.get("artifacts")), path + ("outputs", "artifacts"), "output artifact", _PARAM_NAME
            )
        )
        for position, parameter in enumerate(_list(outputs.get("parameters"))):
            if isinstance(parameter, dict) and "valueFrom" not in parameter and "value" not in parameter:
                self.add(
                    codes.ARGO_MISSING_FIELD,
                    path + ("outputs", "parameters", position),
                    f"output parameter `{parameter.get('name')}` needs `valueFrom`",
                    part="key",
                )
        return template

    def check_entry_points(self) -> None:
        arguments = _mapping(self.spec.get("arguments"))
        supplied: dict[str, set] = {
            "parameters": self.workflow_parameters,
            "artifacts": {a.get("name") for a in _list(arguments.get("artifacts")) if isinstance(a, dict)},
        }
        for key in ("entrypoint", "onExit"):
            name = self.spec.get(key)
            if name is None:
                if key == "entrypoint":
                    self.add(codes.ARGO_MISSING_FIELD, ("spec",), "`spec.entrypoint` is required", part="key")
                continue
            template = self.templates.get(name) if isinstance(name, str) else None
            if template is None:
                self.unknown_template(("spec", key), name)
                continue
            self.check_supplied(template, supplied, ("spec", key), "spec.arguments")

    def unknown_template(self, path: Path, name: Any) -> None:
        self.add(
            codes.ARGO_UNKNOWN_TEMPLATE,
            path,
            f"no template named `{name}`",
            suggestion=did_you_mean(name, self.templates) if isinstance(name, str) else None,
        )

    def check_supplied(self, template: _Template, supplied: dict[str, set], path: Path, by: str) -> None:
        """Inputs of `template` with no default and no source must be among `supplied`."""
        for name, parameter in template.input_parameters.items():
            if "value" in parameter or "default" in parameter or "valueFrom" in parameter:
                continue
            if name not in supplied["parameters"]:
                self.add(
                    codes.ARGO_INPUT_NOT_SUPPLIED,
                    path,
                    f"input parameter `{name}` of template `{template.name}` is not supplied by {by}",
                )
        for name, artifact in template.input_artifacts.items():
            if artifact.get("optional") is True or any(k in artifact for k in _ARTIFACT_SOURCES):
                continue
            if name not in supplied["artifacts"]:
                self.add(
                    codes.ARGO_INPUT_NOT_SUPPLIED,
                    path,
                    f"input artifact `{name}` of template `{template.name}` is not supplied by {by}",
                )

    # ------------------------------------------------------------ templates

    def check_template(self, template: _Template) -> None:
        body, path = template.body, template.path
        if template.kind in LEAF_TYPES or template.kind is None:
            if body.get("parallelism") is not None and template.kind is not None:
                self.add(
                    codes.ARGO_FIELD_NOT_VALID_HERE,
                    path + ("parallelism",),
                    f"`parallelism` is only valid on dag and "
                    f"steps templates; `{template.name}` is a {template.kind} template",
                    part="key",
                )
        elif body.get("activeDeadlineSeconds") is not None:
            self.add(
                codes.ARGO_FIELD_NOT_VALID_HERE,
                path + ("activeDeadlineSeconds",),
                "`activeDeadlineSeconds` is only "
                f"valid on leaf templates; `{template.name}` is a {template.kind} template",
                part="key",
            )
        if template.kind == "container":
            container = _mapping(body.get("container"))
            image = container.get("image")
            if not isinstance(image, str) or not image.strip():
                where = path + ("container", "image") if "image" in container else path + ("container",)
                self.add(
                    codes.ARGO_NO_IMAGE,
                    where,
                    f"container template `{template.name}` has no image",
                    part="value" if "image" in container else "key",
                )
        if template.kind == "dag":
            DagRules(self, template).run()
        elif template.kind == "steps":
            self.check_steps(template)
        elif template.kind is not None:
            scope = LeafScope(template)
            for string_path, text, part in _strings(body, path):
                self.check_variables(string_path, text, part, scope.resolve)

    def check_steps(self, template: _Template) -> None:
        """Steps templates: template references only (KFP never writes them)."""
        for group_index, group in enumerate(_list(template.body.get("steps"))):
            for step_index, step in enumerate(_list(group)):
                if isinstance(step, dict) and isinstance(step.get("template"), str):
                    if step["template"] not in self.templates:
                        self.unknown_template(
                            template.path + ("steps", group_index, step_index, "template"), step["template"]
                        )

    def check_variables(self, path: Path, text: str, part: str, resolve) -> None:
        """Report each `{{...}}` in `text` that `resolve` can't resolve."""
        if "{{" not in text:
            return
        for match in _PLACEHOLDER.finditer(text):
            tag = match.group(1).strip()
            if tag.startswith("=") or not tag.startswith(_ARGO_PREFIXES):
                continue  # an expression, or a custom variable Argo leaves alone
            if tag.startswith("workflow."):
                problem = self.resolve_workflow(tag)
            else:
                problem = resolve(tag)
            if problem is not None:
                code, message = problem
                self.add(code, path, message, part=part)

    def resolve_workflow(self, tag: str) -> tuple[str, str] | None:
        if tag.startswith("workflow.parameters."):
            name = tag.removeprefix("workflow.parameters.")
            if name not in self.workflow_parameters:
                return codes.ARGO_UNKNOWN_WORKFLOW_PARAMETER, (
                    f"`{{{{{tag}}}}}`: `spec.arguments.parameters` has no parameter `{name}`"
                )
        return None


def _check_field_name(rules: WorkflowRules, path: Path, name: str, what: str) -> None:
    if len(name) > MAX_FIELD_NAME or not _FIELD_NAME.match(name):
        rules.add(
            codes.ARGO_INVALID_NAME,
            path,
            f"{what} name `{name}` is invalid: at most {MAX_FIELD_NAME} letters, digits "
            "and `-`, starting with a letter or digit",
        )


def _named_items(rules: WorkflowRules, items: list, path: Path, what: str, pattern: re.Pattern) -> dict[str, dict]:
    """name -> item of a list of named items (parameters, artifacts); bad and duplicate names reported."""
    named: dict[str, dict] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue  # the typed check reports a missing or mistyped name
        name = item["name"]
        if not pattern.match(name):
            rules.add(
                codes.ARGO_INVALID_NAME,
                path + (index, "name"),
                f"{what} name `{name}` is invalid: only letters, digits, `-` and `_` are allowed",
            )
        if name in named:
            rules.add(
                codes.ARGO_DUPLICATE_NAME,
                path + (index, "name"),
                f"{what} `{name}` is declared twice",
                related=[(path + (first[name], "name"), "first declared here")],
            )
            continue
        named[name] = item
        first[name] = index
    return named


class LeafScope:
    """What a leaf template (container, script, ...) may reference."""

    def __init__(self, template: _Template):
        self.template = template

    def resolve(self, tag: str) -> tuple[str, str] | None:
        template = self.template
        if tag == "item" or tag.startswith("item."):
            return codes.ARGO_ITEM_OUTSIDE_LOOP, (
                f"`{{{{{tag}}}}}` in template `{template.name}`: the loop item is only "
                "defined in a DAG task with withItems/withParam; pass it as an input parameter"
            )
        if tag.startswith("inputs.parameters."):
            return _declared(template, "parameters", tag.removeprefix("inputs.parameters."), tag)
        if tag.startswith("inputs.artifacts."):
            name = tag.removeprefix("inputs.artifacts.").removesuffix(".path")
            return _declared(template, "artifacts", name, tag)
        if tag in ("inputs.parameters", "pod.name", "retries", "node.name") or tag.startswith(
            ("outputs.parameters.", "outputs.artifacts.", "lastRetry.")
        ):
            return None
        return codes.ARGO_UNKNOWN_VARIABLE, (
            f"`{{{{{tag}}}}}` can't be resolved in {template.kind} template `{template.name}`"
        )


def _declared(template: _Template, kind: str, name: str, tag: str) -> tuple[str, str] | None:
    declared = template.input_parameters if kind == "parameters" else template.input_artifacts
    if name in declared:
        return None
    suggestion = did_you_mean(name, declared)
    extra = f" ({suggestion.hint})" if suggestion else ""
    return codes.ARGO_UNDECLARED_INPUT, (
        f"`{{{{{tag}}}}}`: template `{template.name}` declares no input {kind[:-1]} `{name}`{extra}"
    )


class DagRules:
    """Rules for one DAG template: task names, templates, dependencies, cycles, variables, inputs."""

    def __init__(self, rules: WorkflowRules, template: _Template):
        self.rules = rules
        self.template = template
        self.tasks: dict[str, _Task] = {}

    @property
    def path(self) -> Path:
        return self.template.path + ("dag", "tasks")

    def run(self) -> None:
        tasks = _list(_mapping(self.template.body.get("dag")).get("tasks"))
        if not tasks:
            self.rules.add(
                codes.ARGO_EMPTY_DAG,
                self.template.path + ("dag",),
                f"DAG template `{self.template.name}` has no tasks",
                part="key",
            )
            return
        self.collect(tasks)
        self.check_dependencies()
        if self.find_cycle():
            return  # ancestors are meaningless in a cycle; the cycle is the problem to fix
        for task in self.tasks.values():
            self.check_task(task)
        outputs = self.template.body.get("outputs")
        if outputs is not None:
            for string_path, text, part in _strings(outputs, self.template.path + ("outputs",)):
                self.rules.check_variables(string_path, text, part, self.resolver(None))

    def collect(self, tasks: list) -> None:
        uses_dependencies = any(isinstance(t, dict) and (t.get("dependencies") or t.get("depends")) for t in tasks)
        for index, body in enumerate(tasks):
            path = self.path + (index,)
            if not isinstance(body, dict):
                continue
            name = body.get("name")
            if not isinstance(name, str) or not name:
                if "name" not in body:
                    self.rules.add(codes.ARGO_MISSING_FIELD, path, "required field `name` is missing", part="key")
                elif name == "":  # another type is the typed check's to report
                    self.rules.add(codes.ARGO_INVALID_NAME, path + ("name",), "a task name must be a non-empty string")
                continue
            _check_field_name(self.rules, path + ("name",), name, "task")
            if uses_dependencies and name[:1].isdigit():
                self.rules.add(
                    codes.ARGO_INVALID_NAME,
                    path + ("name",),
                    f"task name `{name}` starts with a digit, which Argo refuses in a DAG that uses dependencies",
                )
            if name in self.tasks:
                self.rules.add(
                    codes.ARGO_DUPLICATE_NAME,
                    path + ("name",),
                    f"task `{name}` is defined twice in DAG `{self.template.name}`",
                    related=[(self.path + (self.tasks[name].index, "name"), "first defined here")],
                )
                continue
            self.tasks[name] = _Task(index, name, body, _dependencies(body, path))

    def check_dependencies(self) -> None:
        for task in self.tasks.values():
            known = []
            for name, path in task.dependencies:
                if name in self.tasks:
                    known.append((name, path))
                    continue
                self.rules.add(
                    codes.ARGO_UNKNOWN_DEPENDENCY,
                    path,
                    f"task `{task.name}` depends on `{name}`, which is not a task of DAG `{self.template.name}`",
                    suggestion=did_you_mean(name, self.tasks),
                )
            task.dependencies = known

    def find_cycle(self) -> bool:
        """Report one cycle per strongly connected set of tasks, as `a -> b -> a`."""
        state: dict[str, int] = {}  # 1 on the stack, 2 done
        found = False
        for start in self.tasks:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterator]] = [(start, iter(self.tasks[start].dependencies))]
            trail = [start]
            state[start] = 1
            while stack:
                name, children = stack[-1]
                step = next(children, None)
                if step is None:
                    stack.pop()
                    trail.pop()
                    state[name] = 2
                    continue
                child = step[0]
                if state.get(child) == 1:
                    cycle = trail[trail.index(child) :] + [child]
                    first = self.tasks[cycle[0]]
                    dependency_path = next(p for n, p in first.dependencies if n == cycle[1])
                    # the cycle is written in the direction the work flows
                    self.rules.add(
                        codes.ARGO_DEPENDENCY_CYCLE,
                        dependency_path,
                        f"dependency cycle in DAG `{self.template.name}`: {' -> '.join(reversed(cycle))}",
                    )
                    found = True
                elif not state.get(child):
                    state[child] = 1
                    trail.append(child)
                    stack.append((child, iter(self.tasks[child].dependencies)))
        return found

    def depends_on(self, task: _Task, name: str) -> bool:
        """Whether `task` waits, directly or through other tasks, for the task `name`.

        Asked per reference rather than precomputing every task's ancestors: those sets
        add up to N²/2 names for an N-step chain, where a reference almost always names
        a direct dependency and is answered at the first step of the walk."""
        seen: set[str] = set()
        stack = [task.name]
        while stack:
            for dependency, _ in self.tasks[stack.pop()].dependencies:
                if dependency == name:
                    return True
                if dependency not in seen:
                    seen.add(dependency)
                    stack.append(dependency)
        return False

    def check_task(self, task: _Task) -> None:
        path = self.path + (task.index,)
        body = task.body
        called = None
        if "templateRef" not in body:
            name = body.get("template")
            if name is None and "inline" not in body:
                self.rules.add(codes.ARGO_MISSING_FIELD, path, f"task `{task.name}` needs a `template`", part="key")
            elif name is not None:
                called = self.rules.templates.get(name) if isinstance(name, str) else None
                if called is None:
                    self.rules.unknown_template(path + ("template",), name)
        if "withItems" in body and "withParam" in body:
            self.rules.add(
                codes.ARGO_FIELD_NOT_VALID_HERE,
                path + ("withParam",),
                f"task `{task.name}` has both withItems and withParam",
                part="key",
            )
        for key in ("arguments", "when", "withParam", "withItems"):
            if key in body:
                for string_path, text, part in _strings(body[key], path + (key,)):
                    self.rules.check_variables(string_path, text, part, self.resolver(task))
        if called is not None:
            arguments = _mapping(body.get("arguments"))
            supplied = {
                kind: {a.get("name") for a in _list(arguments.get(kind)) if isinstance(a, dict)}
                for kind in ("parameters", "artifacts")
            }
            self.rules.check_supplied(called, supplied, path + ("template",), f"task `{task.name}`")

    def resolver(self, task: _Task | None):
        """How `{{...}}` resolves in `task` (or, for None, in the DAG's outputs, which see every task)."""

        def resolve(tag: str) -> tuple[str, str] | None:
            where = f"task `{task.name}`" if task else f"the outputs of DAG `{self.template.name}`"
            if tag == "item" or tag.startswith("item."):
                if task is not None and ("withItems" in task.body or "withParam" in task.body):
                    return None
                return codes.ARGO_ITEM_OUTSIDE_LOOP, f"`{{{{{tag}}}}}` in {where}, which has no withItems or withParam"
            if tag.startswith("inputs.parameters."):
                return _declared(self.template, "parameters", tag.removeprefix("inputs.parameters."), tag)
            if tag.startswith("inputs.artifacts."):
                return _declared(self.template, "artifacts", tag.removeprefix("inputs.artifacts."), tag)
            if tag in ("tasks.name", "node.name"):
                return None
            if tag.startswith("tasks."):
                return self.resolve_task_reference(tag, task, where)
            return codes.ARGO_UNKNOWN_VARIABLE, f"`{{{{{tag}}}}}` can't be resolved in {where}"

        return resolve

    def resolve_task_reference(self, tag: str, task: _Task | None, where: str) -> tuple[str, str] | None:
        parts = tag.split(".")
        name = parts[1]  # the tag starts with `tasks.`, so there is a second part (maybe empty)
        producer = self.tasks.get(name)
        if producer is None:
            suggestion = did_you_mean(name, self.tasks)
            extra = f" ({suggestion.hint})" if suggestion else ""
            return codes.ARGO_UNKNOWN_TASK_OUTPUT, (
                f"`{{{{{tag}}}}}` in {where}: DAG `{self.template.name}` has no task `{name}`{extra}"
            )
        if task is not None and not self.depends_on(task, name):
            return codes.ARGO_MISSING_DEPENDENCY, (
                f"`{{{{{tag}}}}}` in {where}: `{name}` is not among its dependencies "
                f"(direct or indirect), so Argo can't resolve its outputs"
            )
        rest = parts[2:]
        if len(rest) == 1 and rest[0] in _TASK_FIELDS:
            return None
        if rest[:1] != ["outputs"] or len(rest) < 2:
            return codes.ARGO_UNKNOWN_VARIABLE, f"`{{{{{tag}}}}}` in {where}: not a variable of task `{name}`"
        template_name = producer.body.get("template")
        called = self.rules.templates.get(template_name) if isinstance(template_name, str) else None
        if called is None:
            return None  # the unknown template is reported on its own; a templateRef can't be checked here
        if len(rest) == 2 and rest[1] in _TEMPLATE_OUTPUT_FIELDS + ("parameters",):
            return None
        if len(rest) == 3 and rest[1] in ("parameters", "artifacts"):
            declared = called.output_parameters if rest[1] == "parameters" else called.output_artifacts
            if rest[2] in declared:
                return None
            suggestion = did_you_mean(rest[2], declared)
            extra = f" ({suggestion.hint})" if suggestion else ""
            return codes.ARGO_UNKNOWN_TASK_OUTPUT, (
                f"`{{{{{tag}}}}}` in {where}: template `{called.name}` of task `{name}` "
                f"declares no output {rest[1][:-1]} `{rest[2]}`{extra}"
            )
        return codes.ARGO_UNKNOWN_VARIABLE, f"`{{{{{tag}}}}}` in {where}: not a variable of task `{name}`"


def _dependencies(body: dict, path: Path) -> list[tuple[str, Path]]:
    """(task name, path) of every task named in `dependencies` and `depends`."""
    found = []
    for index, name in enumerate(_list(body.get("dependencies"))):
        if isinstance(name, str):
            found.append((name, path + ("dependencies", index)))
    depends = body.get("depends")
    if isinstance(depends, str):
        # `a && (b.Succeeded || !c.Failed)`: each word is a task name, with an optional `.Result`
        for token in re.findall(r"[A-Za-z0-9_][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?", depends):
            found.append((token.split(".")[0], path + ("depends",)))
    return found


# ------------------------------------------------------------ small helpers


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _strings(node: Any, path: Path) -> Iterator[tuple[Path, str, str]]:
    """(path, text, "key"|"value") of every string key and value under `node`."""
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            yield where, current, "value"
        elif isinstance(current, dict):
            for key, value in current.items():
                if isinstance(key, str) and "{{" in key:
                    yield where + (key,), key, "key"
                stack.append((value, where + (key,)))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                stack.append((value, where + (index,)))
