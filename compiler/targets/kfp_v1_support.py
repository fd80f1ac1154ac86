"""What KFP 1.x can't run, reported (PTF501) before lowering a pipeline to it.

Argo and kfp 1.8 lack some of what the checked DAG can say (see
docs/targets.md); each such use is reported at the line that makes it, so
compiler/targets/kfp_v1.py only ever lowers what it can write.  The option
values it can't write are declared in the option table (compiler/options.py).
"""

from __future__ import annotations

from ptflow.compiler import dag
from ptflow.compiler.diagnostics import Diagnostics, codes
from ptflow.compiler.names import k8s_name
from ptflow.compiler.options import OPTIONS, OPTIONS_BY_NAME, check_option_support
from ptflow.compiler.targets.kfp_v1 import MAX_GENERATE_NAME, MAX_TEMPLATE_NAME
from ptflow.compiler.targets.kfp_v1_container import RUNTIME_VARIABLES
from ptflow.compiler.targets.kfp_v1_resource import RESOURCE_STEP_OPTIONS, creates_claim, is_resource_step


def check_support(graph: dag.PipelineGraph, target: str, diagnostics: Diagnostics) -> None:
    """Report (PTF501) each construct KFP 1.x can't express, naming it and the target (`kfp-v1`)."""
    _SupportCheck(graph, diagnostics).run()


class _SupportCheck:
    def __init__(self, graph: dag.PipelineGraph, diagnostics: Diagnostics):
        self.graph = graph
        self.diagnostics = diagnostics
        self.components_seen: set[int] = set()

    def report(self, span, what: str, hint: str | None = None) -> None:
        self.diagnostics.report(
            codes.NOT_SUPPORTED_BY_TARGET, f"{what} is not supported by kfp-v1 (KFP 1.x / Argo)", span, hint=hint
        )

    def deploy_of_an_archive(self, task: dag.Task) -> None:
        """`serve.deploy(archive: ...)` without `storage_uri`: on KFP 1.x an artifact reaches a step as a file in
        its pod, with no object-store URI KServe could fetch, so the deploy could only fail when it runs."""
        container = task.component.container
        if container is None or container.runtime_step != "serve.deploy":
            return
        given = {name for name, value in task.arguments.items() if not _is_null(value)}
        if "archive" in given and "storage_uri" not in given:
            self.report(
                task.span,
                f"step `{task.step}` deploys its `archive` artifact, a file inside the step's pod on KFP 1.x that "
                "KServe can't fetch, which",
                "upload the archive first (storage.upload gives an s3:// `uri`) and deploy `storage_uri`, or compile "
                "for kfp-v2, where the archive's URI is in the pipeline root",
            )

    def run(self) -> None:
        graph = self.graph
        prefix = f"{k8s_name(graph.display_name or k8s_name(graph.given_name or graph.name))}-"
        if len(prefix) > MAX_GENERATE_NAME:
            self.diagnostics.report(
                codes.ARGO_INVALID_NAME,
                f"the workflow name prefix `{prefix}` made from pipeline `{graph.name}` has {len(prefix)} "
                f"characters; Argo allows at most {MAX_GENERATE_NAME}",
                graph.span,
                hint="shorten the pipeline's name (or its display_name)",
            )
        for task in graph.tasks.values():
            if len(task.name) > MAX_TEMPLATE_NAME:
                self.diagnostics.report(
                    codes.ARGO_INVALID_NAME,
                    f"step `{task.step}` gives the Argo template name `{task.name}` of "
                    f"{len(task.name)} characters; Argo allows at most {MAX_TEMPLATE_NAME}",
                    task.span,
                )
        if graph.pipeline_root is not None:
            self.report(
                graph.pipeline_root_span or graph.span,
                "a pipeline's default root (`pipeline_root`)",
                "KFP 1.x writes artifacts where the cluster's artifact repository says; remove it for kfp-v1",
            )
        if graph.workspace is not None:
            self.report(
                graph.workspace.span or graph.span,
                "the pipeline workspace (`workspace`)",
                "KFP 1.x makes no shared volume for a run: mount a claim on the steps (`volumes`), "
                "or compile for kfp-v2",
            )
        for task in graph.tasks.values():
            if is_resource_step(task):
                self.resource_step(task)
            self.claims_made_by_steps(task)
        for task in graph.tasks.values():
            self.deploy_of_an_archive(task)
        if graph.returns:
            self.report(
                graph.span,
                f"pipeline outputs (`return` in `{graph.name}`)",
                "KFP 1.x pipelines have no outputs; compile the pipeline that calls this one",
            )
        self.exit_handlers()
        self.image_pull_secrets()
        for task in graph.tasks.values():
            self.task(task)
        for group in graph.root.groups():
            if isinstance(group, dag.LoopGroup) and isinstance(group.items, dag.TaskOutput) and group.items.gathered:
                self.report(group.span, "a loop over a list gathered from another loop")
            if isinstance(group, dag.ConditionGroup) and group.condition is not None:
                for value in dag.condition_values(group.condition):
                    if isinstance(value, dag.OneOf):
                        self.report_oneof(value, group.span)

    def exit_handlers(self) -> None:
        """Argo has one `onExit`, run after the whole workflow: one exit handler that guards the whole body."""
        handlers = self.graph.exit_handlers
        for extra in handlers[1:]:
            self.report(
                extra.span,
                "a second exit handler (`try { } finally { }`)",
                "Argo runs one exit handler, after the whole workflow; keep one `finally`, or compile for kfp-v2",
            )
        if len(handlers) == 1:
            outside = [
                c for c in self.graph.root.children if c is not handlers[0] and not getattr(c, "in_finally", False)
            ]
            if outside:
                self.report(
                    handlers[0].span,
                    "a `try` that guards part of the pipeline",
                    "Argo runs the exit handler after the whole workflow; guard the whole body with `finally`",
                )
        for handler in handlers:
            if handler.display_name is not None:
                self.report(
                    handler.span,
                    f'naming an exit handler (`display_name: "{handler.display_name}"`)',
                    "kfp 1.8's ExitHandler has no name",
                )

    def resource_step(self, task: dag.Task) -> None:
        """create_pvc becomes a VolumeOp, whose claim kfp 1.8 writes at compile time; delete_pvc a ResourceOp."""
        if creates_claim(task):
            named = [name for name in ("pvc_name", "pvc_name_suffix") if task.arguments.get(name) is not None]
            if len(named) != 1:
                self.report(
                    task.span,
                    f"`create_pvc` with {'both' if named else 'neither'} `pvc_name` {'and' if named else 'nor'} "
                    f"`pvc_name_suffix` (step `{task.step}`)",
                    "give exactly one: kfp 1.8's VolumeOp names the claim from it",
                )
            for name, value in task.arguments.items():
                if not isinstance(value, dag.Constant):
                    self.report(
                        task.span,
                        f"`{name}` of `create_pvc` (step `{task.step}`) with a value known at run time",
                        "kfp 1.8's VolumeOp writes the claim at compile time: give it a constant, or compile for "
                        "kfp-v2",
                    )
        defaults = dag.TaskOptions()
        kept = {OPTIONS_BY_NAME[name].field for name in RESOURCE_STEP_OPTIONS}
        given = [
            option.name
            for option in OPTIONS
            if option.field is not None
            and option.field not in kept
            and getattr(task.options, option.field) != getattr(defaults, option.field)
        ]
        if given:
            self.report(
                task.span,
                f"{', '.join(f'`{name}`' for name in given)} on step `{task.step}`, which "
                f"{dag.kubernetes_resource_step(task)} (an Argo resource template, with no pod of its own),",
                f"keep only {', '.join(f'`{name}`' for name in RESOURCE_STEP_OPTIONS)} on it",
            )

    def claims_made_by_steps(self, task: dag.Task) -> None:
        """A claim named by a step output is mounted by name only when a `create_pvc` step makes it."""
        for volume in task.options.volumes:
            claim = volume.pvc
            if isinstance(claim, dag.TaskOutput) and not creates_claim(self.graph.tasks[claim.task]):
                self.report(
                    task.span,
                    f"mounting a PVC named by `{claim.task}.{claim.output}` (step `{task.step}`), which no "
                    "`k8s.create_pvc` makes,",
                    "KFP 1.x writes the claim's name into the pod at compile time: write the name as a string "
                    "constant, make the claim with `k8s.create_pvc`, or compile for kfp-v2",
                )

    def image_pull_secrets(self) -> None:
        """kfp 1.8 sets image pull secrets once, for the whole workflow: the steps that set them must agree."""
        first: dag.Task | None = None
        for task in self.graph.tasks.values():
            secrets = task.options.image_pull_secrets
            if not secrets or not all(isinstance(name, str) for name in secrets):
                continue  # names known at run time are refused with the step's other options
            if first is None:
                first = task
            elif secrets != first.options.image_pull_secrets:
                self.report(
                    task.span,
                    f"`image_pull_secrets: {_names_text(secrets)}` on step `{task.step}`, unlike "
                    f"`{_names_text(first.options.image_pull_secrets)}` on step `{first.step}`,",
                    "KFP 1.x sets one list of image pull secrets for the whole workflow: give every step the same "
                    "list, or compile for kfp-v2",
                )

    def report_oneof(self, value: dag.OneOf, fallback) -> None:
        self.report(
            value.span or fallback,
            "`oneof(...)` (the output of whichever arm ran)",
            "kfp 1.8 has no dsl.OneOf; use the value inside each arm, or compile for kfp-v2",
        )

    def task(self, task: dag.Task) -> None:
        component = task.component
        if component.kind != dag.ComponentKind.CONTAINER:
            kind = {
                "pipeline": "calling a pipeline from a pipeline",
                "importer": "`importer`",
                "ir-graph": "a pipeline imported from KFP v2 IR",
            }.get(component.kind, component.kind)
            self.report(
                task.span,
                f"{kind} (step `{task.step}`)",
                "KFP 1.x has no nested pipelines or importer; use kfp-v2"
                if component.kind != dag.ComponentKind.IMPORTER
                else "download the artifact in a container step instead",
            )
            return
        if id(component) not in self.components_seen:  # a component's own problems are said once, where it is
            self.components_seen.add(id(component))
            span = component.span or task.span
            for port in component.inputs:
                if port.type.is_artifact and port.type.is_list:
                    self.report(
                        port.span or span, f"a list of artifacts as input `{port.name}` of component `{component.name}`"
                    )
            for arg in _all_args(component):
                problem = _unsupported_arg(arg)
                if problem:
                    self.report(span, f"{problem} in the command of component `{component.name}`")
        for value in task.arguments.values():
            if isinstance(value, dag.TaskOutput) and value.gathered > 1 and not value.type.is_artifact:
                self.report(
                    task.span,
                    f"gathering over nested loops (`{value.task}.{value.output}` into `{task.step}`)",
                    "KFP 1.x gathers a parameter after one loop only; use kfp-v2",
                )
            if isinstance(value, dag.TaskOutput) and value.gathered and self._made_under_a_condition(value):
                self.report(
                    task.span,
                    f"gathering an output made under an `if` inside the loop (`{value.task}.{value.output}` into "
                    f"`{task.step}`)",
                    "Argo fails a loop whose skipped iterations lack the output; use kfp-v2",
                )
            if isinstance(value, dag.TaskOutput) and value.gathered and value.type.is_artifact:
                self.report(
                    task.span,
                    f"gathering artifacts over a loop (`{value.task}.{value.output}` into `{task.step}`)",
                    "KFP 1.x gathers only parameters after a loop",
                )
            if isinstance(value, dag.OneOf):
                self.report_oneof(value, task.span)
            for part in _values_in(value):
                if isinstance(part, dag.RuntimeValue) and part.which not in RUNTIME_VARIABLES:
                    self.report(task.span, f"`pipeline.{part.which}` (step `{task.step}`)")
        check_option_support(task, "kfp-v1", self.diagnostics)

    def _made_under_a_condition(self, value: dag.TaskOutput) -> bool:
        """Whether a gathered output's producer sits in an `if` inside the loops it is gathered over."""
        loops_left = value.gathered
        for group in self.graph.tasks[value.task].group.ancestors():
            if loops_left == 0:
                return False
            if isinstance(group, dag.LoopGroup):
                loops_left -= 1
            elif isinstance(group, (dag.ConditionGroup, dag.BranchesGroup)):
                return True
        return False


def _names_text(names) -> str:
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


def _all_args(component: dag.ComponentSpec):
    container = component.container
    if container is None:
        return
    pending = list(container.command) + list(container.args)
    while pending:
        arg = pending.pop(0)
        yield arg
        if isinstance(arg, (dag.Concat, dag.Template)):
            pending[:0] = arg.parts
        elif isinstance(arg, dag.IfPresent):
            pending[:0] = [*arg.then, *(arg.otherwise or ())]


def _unsupported_arg(arg) -> str | None:
    if isinstance(arg, (dag.InputUri, dag.OutputUri)):
        return "`.uri` (an artifact URI)"
    if isinstance(arg, (dag.InputMetadata, dag.OutputMetadata)):
        return "`.metadata` (artifact metadata)"
    if isinstance(arg, dag.RuntimePlaceholder) and arg.which not in RUNTIME_VARIABLES:
        name = {"executor_input": "executor.input", "executor_output_file": "executor.output_file"}.get(
            arg.which, f"pipeline.{arg.which}"
        )
        return f"`{name}`"
    return None


def _values_in(value):
    if isinstance(value, dag.Interpolation):
        for part in value.parts:
            if not isinstance(part, str):
                yield from _values_in(part)
    elif isinstance(value, dag.Structured):
        for part in value.run_time_values():
            yield from _values_in(part)
    else:
        yield value


def _is_null(value: dag.Value) -> bool:
    return isinstance(value, dag.Constant) and value.value is None
