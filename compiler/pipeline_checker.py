"""Pipeline bodies: from statements to the checked DAG (`dag.PipelineGraph`).

Two passes over a pipeline body:

1. declare: every step gets a task in the group (loop, condition, exit
   handler) it sits in, so steps can be used before or after they are
   written, as in any declarative language;
2. resolve: every argument, condition, loop and option is evaluated into a
   typed `Value` in the context of the group that uses it.  That is where the
   language's rules about groups live: an output used after its loop is the
   list of its values (fan-in), an output of a step inside an `if` does not
   exist outside it, `finally` steps can't read the body's outputs.

The language server's builds take the resolution of a step whose statement and surroundings are as they
were in the last build of the pipeline from that build instead (`step_reuse.py`).

Then the dependencies between tasks are recorded (the graph's `dag`, a networkx
graph built on first use) and checked for cycles.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Collection
from dataclasses import field

from ptflow.compiler import dag, tree, types
from ptflow.compiler.components import (
    NOT_CONSTANT,
    build_ports,
    check_unique_names,
    constant_value,
    resolve_type,
    value_fits,
)
from ptflow.compiler.diagnostics import Diagnostics, Related, Suggestion, codes, did_you_mean
from ptflow.compiler.names import k8s_name
from ptflow.compiler.oneof_checker import OneOfChecker
from ptflow.compiler.options import OptionParser
from ptflow.compiler.records import record
from ptflow.compiler.source import Span
from ptflow.compiler.step_reuse import StepResolution, StepResolutions, environment_of, rememberable
from ptflow.compiler.workspace import read_workspace

PIPELINE_PROPERTIES = ("description", "display_name", "name", "pipeline_root", "workspace")
PIPELINE_VALUES = {
    "job_name": "job_name",
    "job_id": "job_id",
    "job_resource_name": "job_resource_name",
    "job_create_time": "job_create_time",
    "job_schedule_time": "job_schedule_time",
    "task_name": "task_name",  # of the step the value is passed to, as kfp's placeholder as an argument is
    "task_id": "task_id",
    "root": "root",
    "status": "status",
    "workspace_path": "workspace_path",  # needs the pipeline's `workspace` property (compiler/workspace.py)
}
IMPORTER_INPUTS = ("uri", "type", "metadata", "reimport", "download_to_workspace")
ONEOF = "oneof"
COLLECT = "collect"
BUILTINS = ("importer", ONEOF, COLLECT)


@record
class StepDecl:
    """A step found in pass 1, before its arguments are resolved."""

    node: tree.Step
    name: str
    name_span: Span
    group: dag.TaskGroup
    in_finally: bool
    spec: dag.ComponentSpec | None = None  # what the step calls, known before its arguments
    exit_handler: dag.ExitHandlerGroup | None = None  # for a step in `finally`: the group it runs after
    task: dag.Task | None = None


@record
class BodyScope:
    """Names visible at one point of a pipeline body (loop variables nest)."""

    loops: dict[str, dag.LoopGroup] = field(default_factory=dict)


class PipelineBuilder:
    """Builds the `PipelineGraph` of one `pipeline` definition.

    `resolve_callee(expr)` is supplied by the checker: it turns a callee
    expression (`train`, `torch.train`) into a `ComponentSpec`, reporting
    unknown names itself, or returns None.
    """

    def __init__(
        self,
        definition: tree.PipelineDef,
        diagnostics: Diagnostics,
        resolve_callee: Callable[[tree.Expr], dag.ComponentSpec | None],
        global_names: Collection[str],
        last_resolutions: StepResolutions | None = None,
    ):
        self.definition = definition
        # The language server's last build of this pipeline (see `step_reuse.py`), and this build's, for the next.
        self.last_resolutions = last_resolutions
        self.resolutions: StepResolutions | None = None
        self.diagnostics = diagnostics
        self.resolve_callee = resolve_callee
        # The names of the file's imports and definitions (the builtins are looked up in BUILTINS): a live
        # view, not a copy, since a 1 MB file has a thousand pipelines, each built with its own builder.
        self.global_names = global_names
        self.steps: dict[str, StepDecl] = {}
        self.task_names: dict[str, StepDecl] = {}  # sanitized name -> step, to find collisions in O(1)
        self.group_spans: dict[int, tree.Statement | tree.Branch] = {}
        self.loop_scopes: dict[int, BodyScope] = {}
        self.returns: list[tree.Return] = []
        self.properties: dict[str, tree.Property] = {}
        self.finally_node: tree.Finally | None = None
        self.source_map: dict[str, object] = {}
        self.exit_handlers: list[dag.ExitHandlerGroup] = []  # in the order written
        self._declaring_exit_of: dag.ExitHandlerGroup | None = None  # the handler whose `finally` is being read
        self._resolving_returns = False

    # ------------------------------------------------------------ entry
    def build(self) -> dag.PipelineGraph:
        definition = self.definition
        # An input and an output may share a name (kfp allows it): the body reads inputs by name, and
        # outputs are only named as the keys of `return (...)`, so a name never means both.
        check_unique_names(
            [p.name for p in definition.params], self.diagnostics, f"the inputs of `{definition.name.name}`"
        )
        check_unique_names(
            [o.name for o in definition.outputs], self.diagnostics, f"the outputs of `{definition.name.name}`"
        )
        self.inputs = build_ports(definition.params, self.diagnostics, definition.name.name)
        self.input_by_name = {p.name: p for p in self.inputs}
        for param in definition.params:
            if param.name.name in self.global_names or param.name.name in BUILTINS:
                self.diagnostics.report(
                    codes.DUPLICATE_NAME,
                    f"parameter `{param.name.name}` has the name of an import or definition of this file",
                    param.name.span,
                )
        outputs = []
        for output in definition.outputs:
            type_ = resolve_type(output.type, self.diagnostics)
            outputs.append(dag.Port(output.name.name, type_, doc=output.doc, span=output.span))
        self.root = dag.TaskGroup(dag.GroupKind.ROOT, definition.span)
        self._declare_body(definition.body)
        graph = dag.PipelineGraph(
            name=definition.name.name,
            inputs=self.inputs,
            outputs=outputs,
            root=self.root,
            tasks={},
            span=definition.span,
        )
        graph.description = self._string_property("description") or definition.doc
        graph.display_name = self._string_property("display_name")
        graph.given_name = self._string_property("name")
        if graph.given_name is not None and not k8s_name(graph.given_name):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "`name` needs a letter or a digit: the compiled pipeline is named after it",
                self.properties["name"].value.span,
            )
            graph.given_name = None
        graph.pipeline_root = self._string_property("pipeline_root")
        if graph.pipeline_root is not None:
            graph.pipeline_root_span = self.properties["pipeline_root"].span
        if "workspace" in self.properties:
            graph.workspace = read_workspace(self.properties["workspace"], self.diagnostics)
        graph.exit_group = self.exit_group
        graph.exit_handlers = list(self.exit_handlers)
        for decl in self.steps.values():
            decl.spec = self._callee(decl)
        self._resolve_groups(self.root)
        self.after_nodes: dict[str, list[tree.Name]] = {}
        self._resolve_steps()
        for decl in self.steps.values():
            if decl.task is not None:
                graph.tasks[decl.task.name] = decl.task
                self.source_map[decl.task.name] = decl.node.span
        graph.exit_tasks = [d.task for d in self.steps.values() if d.in_finally and d.task is not None]
        self._check_after(graph)
        graph.returns = self._resolve_returns(outputs)
        self._record_dependencies(graph)
        return graph

    # ------------------------------------------------- pass 1: declare
    def _declare_body(self, statements: list[tree.Statement]) -> None:
        body = list(statements)
        finally_nodes = [s for s in body if isinstance(s, tree.Finally)]
        self.exit_group = None
        main_group = self.root
        if finally_nodes:
            self.finally_node = finally_nodes[0]
            for extra in finally_nodes[1:]:
                self.diagnostics.report(
                    codes.MISPLACED_STATEMENT,
                    "a pipeline has at most one `finally` block",
                    extra.span,
                    related=[Related(self.finally_node.span, "the first one is here")],
                )
            last_real = [s for s in body if not isinstance(s, (tree.Property, tree.Return))]
            if last_real and last_real[-1] is not self.finally_node:
                self.diagnostics.report(
                    codes.MISPLACED_STATEMENT,
                    "`finally` must be the last block of the pipeline body",
                    self.finally_node.span,
                )
            self.exit_group = dag.ExitHandlerGroup(
                dag.GroupKind.EXIT_HANDLER,
                self.finally_node.span,
                parent=self.root,
                display_name=self._exit_handler_name(self.finally_node),
            )
            self.root.children.append(self.exit_group)
            self.exit_handlers.append(self.exit_group)
            main_group = self.exit_group
        for statement in body:
            if isinstance(statement, tree.Finally):
                if statement is self.finally_node:
                    self._declare_exit_steps(statement, self.exit_group)
                continue
            if isinstance(statement, tree.Try) and self.exit_group is None:
                self._declare_try(statement)
                continue
            self._declare_statement(statement, main_group, BodyScope(), in_finally=False, top_level=True)

    def _declare_try(self, statement: tree.Try) -> None:
        """`try { body } finally { steps }`: one exit handler group, its steps run after it."""
        group = dag.ExitHandlerGroup(
            dag.GroupKind.EXIT_HANDLER,
            statement.span,
            parent=self.root,
            display_name=self._exit_handler_name(statement.final),
        )
        self.root.children.append(group)
        self.exit_handlers.append(group)
        self._declare_block(statement.body.body, group, BodyScope(), in_finally=False)
        self._declare_exit_steps(statement.final, group)

    def _declare_exit_steps(self, node: tree.Finally, group: dag.ExitHandlerGroup | None) -> None:
        self._declaring_exit_of = group
        self._declare_block(node.body.body, self.root, BodyScope(), in_finally=True)
        self._declaring_exit_of = None

    def _exit_handler_name(self, node: tree.Finally) -> str | None:
        """`finally with { display_name: "..." }`: the exit handler's name (kfp's `ExitHandler(name=)`)."""
        if node.options is None:
            return None
        name = None
        for entry in node.options.entries:
            if entry.key.name != "display_name":
                self.diagnostics.report(
                    codes.UNKNOWN_OPTION,
                    f"an exit handler has no option `{entry.key.name}`; it takes only `display_name`",
                    entry.key.span,
                    suggestion=did_you_mean(entry.key.name, ["display_name"], at=entry.key.span),
                )
                continue
            value = constant_value(entry.value)
            if not isinstance(value, str) or not value:
                self.diagnostics.report(
                    codes.INVALID_OPTION_VALUE, "`display_name` must be a non-empty string", entry.value.span
                )
                continue
            name = value
        return name

    def _declare_block(self, statements, group: dag.TaskGroup, scope: BodyScope, in_finally: bool) -> None:
        for statement in statements:
            self._declare_statement(statement, group, scope, in_finally, top_level=False)

    def _declare_statement(self, statement, group: dag.TaskGroup, scope: BodyScope, in_finally: bool, top_level: bool):
        if isinstance(statement, tree.Step):
            self._declare_step(statement, group, in_finally)
        elif isinstance(statement, tree.For):
            loop = dag.LoopGroup(dag.GroupKind.LOOP, statement.span, parent=group, var=statement.var.name)
            group.children.append(loop)
            self.group_spans[id(loop)] = statement
            inner = BodyScope(dict(scope.loops))
            if statement.var.name in inner.loops or statement.var.name in self.input_by_name:
                self.diagnostics.report(
                    codes.DUPLICATE_NAME, f"loop variable `{statement.var.name}` hides another name", statement.var.span
                )
            inner.loops[statement.var.name] = loop
            self.loop_scopes[id(loop)] = inner
            self._declare_block(statement.body.body, loop, inner, in_finally)
        elif isinstance(statement, tree.If):
            self._declare_if(statement, group, scope, in_finally)
        elif isinstance(statement, tree.Property):
            if not top_level or in_finally:
                self.diagnostics.report(
                    codes.MISPLACED_STATEMENT,
                    f"`{statement.name.name} = ...` must be at the top of the pipeline body",
                    statement.span,
                    hint="a step is `name = component(...)`",
                )
                return
            self._declare_property(statement)
        elif isinstance(statement, tree.Return):
            if not top_level or in_finally:
                self.diagnostics.report(
                    codes.MISPLACED_STATEMENT, "`return` must be at the top level of the pipeline body", statement.span
                )
                return
            self.returns.append(statement)
        elif isinstance(statement, tree.Finally):
            self.diagnostics.report(
                codes.MISPLACED_STATEMENT,
                "`finally` is allowed only at the top level of a pipeline body",
                statement.span,
            )
        elif isinstance(statement, tree.Try):
            where = (
                "inside a pipeline whose whole body a `finally` already guards"
                if top_level
                else "only at the top level of a pipeline body"
            )
            self.diagnostics.report(
                codes.MISPLACED_STATEMENT,
                f"`try` is allowed {where}: exit handlers don't nest",
                statement.span,
                related=[Related(self.finally_node.span, "that `finally`")]
                if top_level and self.finally_node
                else None,
            )

    def _declare_if(self, statement: tree.If, group: dag.TaskGroup, scope: BodyScope, in_finally: bool) -> None:
        if len(statement.branches) == 1:
            branch = statement.branches[0]
            condition_group = dag.ConditionGroup(dag.GroupKind.CONDITION, branch.span, parent=group, keyword="if")
            group.children.append(condition_group)
            self.group_spans[id(condition_group)] = branch
            self.loop_scopes[id(condition_group)] = scope
            self._declare_block(branch.body.body, condition_group, scope, in_finally)
            return
        branches = dag.BranchesGroup(dag.GroupKind.BRANCHES, statement.span, parent=group)
        group.children.append(branches)
        self.loop_scopes[id(branches)] = scope
        for branch in statement.branches:
            condition_group = dag.ConditionGroup(
                dag.GroupKind.CONDITION, branch.span, parent=branches, keyword=branch.keyword
            )
            branches.children.append(condition_group)
            self.group_spans[id(condition_group)] = branch
            self.loop_scopes[id(condition_group)] = scope
            self._declare_block(branch.body.body, condition_group, scope, in_finally)

    def _declare_property(self, prop: tree.Property) -> None:
        key = prop.name.name
        if key not in PIPELINE_PROPERTIES:
            self.diagnostics.report(
                codes.UNKNOWN_PROPERTY,
                f"pipelines have no property `{key}`",
                prop.name.span,
                suggestion=did_you_mean(key, PIPELINE_PROPERTIES, at=prop.name.span),
                hint="a step calls a component: `name = component(input: value)`",
            )
            return
        if key in self.properties:
            self.diagnostics.report(
                codes.DUPLICATE_NAME,
                f"`{key}` is set twice",
                prop.name.span,
                related=[Related(self.properties[key].name.span, "first set here")],
            )
            return
        self.properties[key] = prop

    def _string_property(self, key: str) -> str | None:
        prop = self.properties.get(key)
        if prop is None:
            return None
        value = constant_value(prop.value)
        if not isinstance(value, str):
            self.diagnostics.report(codes.INVALID_VALUE, f"`{key}` must be a string", prop.value.span)
            return None
        return value

    def _declare_step(self, node: tree.Step, group: dag.TaskGroup, in_finally: bool) -> None:
        if node.name is not None:
            name, name_span = node.name.name, node.name.span
            if node.name.missing:
                return
        else:
            callee = node.call.func
            name = callee.attr.name if isinstance(callee, tree.Member) else getattr(callee, "id", "step")
            name_span = node.call.func.span
        if name in self.steps:
            first = self.steps[name]
            if node.name is None:
                self.diagnostics.report(
                    codes.DUPLICATE_NAME,
                    f"a step named `{name}` already exists; name this one: `{name}_2 = {name}(...)`",
                    name_span,
                    related=[Related(first.name_span, "the other step")],
                )
            else:
                self.diagnostics.report(
                    codes.DUPLICATE_NAME,
                    f"step `{name}` is declared twice",
                    name_span,
                    related=[Related(first.name_span, "first declared here")],
                )
            return
        if name in self.input_by_name:
            self.diagnostics.report(
                codes.DUPLICATE_NAME,
                f"step `{name}` has the name of a pipeline parameter",
                name_span,
                related=[Related(_parameter_span(self.input_by_name[name]), "the parameter")],
            )
            return
        task_name = k8s_name(name)
        other = self.task_names.get(task_name)
        if other is not None:
            self.diagnostics.report(
                codes.KUBERNETES_NAME_COLLISION,
                f"steps `{other.name}` and `{name}` both become the task name `{task_name}`",
                name_span,
                related=[Related(other.name_span, f"`{other.name}` is here")],
                hint="rename one of them",
            )
            return
        if not task_name:
            self.diagnostics.report(
                codes.KUBERNETES_NAME_COLLISION,
                f"step name `{name}` has no letters or digits for a task name",
                name_span,
            )
            return
        decl = StepDecl(node, name, name_span, group, in_finally, exit_handler=self._declaring_exit_of)
        self.steps[name] = decl
        self.task_names[task_name] = decl

    # ------------------------------------------------- pass 2: resolve
    def _resolve_groups(self, group: dag.TaskGroup) -> None:
        """Evaluate loop items and conditions, outermost first."""
        for child in group.children:
            if isinstance(child, dag.LoopGroup):
                self._resolve_loop(child)
            elif isinstance(child, dag.ConditionGroup):
                self._resolve_condition(child)
            elif isinstance(child, dag.BranchesGroup):
                previous: list[dag.Condition] = []
                for arm in child.children:
                    assert isinstance(arm, dag.ConditionGroup), "a branches group holds only its arms"
                    self._resolve_condition(arm)
                    arm.excluded = list(previous)
                    if arm.condition is not None:
                        previous.append(arm.condition)
            if isinstance(child, dag.TaskGroup):
                self._resolve_groups(child)

    def _resolve_loop(self, loop: dag.LoopGroup) -> None:
        node = self.group_spans[id(loop)]
        assert isinstance(node, tree.For), "a loop group is declared from a `for`"
        assert loop.parent is not None, "a loop always sits inside the pipeline's group"
        outer_scope = self._scope_of(loop.parent)
        items = node.iterable
        if isinstance(items, tree.ListExpr):
            value = constant_value(items)
            if value is NOT_CONSTANT:
                self.diagnostics.report(
                    codes.LOOP_OVER_NON_LIST,
                    "a list to loop over must hold only constants; loop over a "
                    "parameter or a step output for values known at run time",
                    items.span,
                )
                return
            if not value:
                self.diagnostics.report(codes.LOOP_OVER_NON_LIST, "the list to loop over is empty", items.span)
                return
            loop.items = dag.Constant(value, types.type_of_literal(value))
            loop.item_type = _item_type(value)
            loop.field_types = _field_types(value)
        else:
            resolved = self._value(items, loop.parent, outer_scope)
            if resolved is None:
                return
            if isinstance(resolved, dag.OneOf):
                self.diagnostics.report(
                    codes.INVALID_VALUE,
                    "a loop over `oneof(...)` is not supported",
                    items.span,
                    hint="pass the `oneof(...)` to a step that returns the list, and loop over that output",
                )
                return
            type_ = resolved.type
            if type_.is_error:
                return
            if type_.is_artifact and type_.is_list:
                loop.items = resolved
                loop.item_type = type_.element()
            elif type_.is_param and type_.name in ("list", "any"):
                loop.items = resolved
                loop.item_type = type_.element() if type_.name == "list" else types.ANY_ITEM
            else:
                self.diagnostics.report(
                    codes.LOOP_OVER_NON_LIST, f"`for` needs a list, but this is a `{type_}`", items.span
                )
                return
            loop.field_types = {}
        if node.parallelism is not None:
            count = constant_value(node.parallelism)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                self.diagnostics.report(
                    codes.INVALID_OPTION_VALUE,
                    "`parallel` takes a whole number: how many iterations run at once, 0 for no limit",
                    node.parallelism.span,
                )
            else:
                loop.parallelism = count  # 0 is kfp's `parallelism=0`: no limit, so no `iteratorPolicy`

    def _resolve_condition(self, group: dag.ConditionGroup) -> None:
        branch = self.group_spans[id(group)]
        assert isinstance(branch, tree.Branch), "a condition group is declared from an `if`/`elif`/`else` branch"
        if branch.condition is None:
            return
        assert group.parent is not None, "a condition always sits inside another group"
        group.condition = self._condition(branch.condition, group.parent, self._scope_of(group.parent))

    def _scope_of(self, group: dag.TaskGroup | None) -> BodyScope:
        while group is not None:
            if id(group) in self.loop_scopes:
                return self.loop_scopes[id(group)]
            group = group.parent
        return BodyScope()

    def _callee(self, decl: StepDecl) -> dag.ComponentSpec | None:
        """What a step calls; the importer's spec depends on its `type:` argument."""
        spec = self.resolve_callee(decl.node.call.func)
        if spec is not None and spec.kind == dag.ComponentKind.IMPORTER_BUILTIN:
            return self._importer_spec(decl.node.call)
        return spec

    def _resolve_steps(self) -> None:
        if self.last_resolutions is None:
            for decl in self.steps.values():
                self._resolve_step(decl)
            return
        environment, keep_alive = environment_of(
            self.inputs, list(self.properties), list(self.steps.values()), self.root
        )
        last = self.last_resolutions.reusable(environment)
        self.resolutions = StepResolutions(environment, keep_alive, {})
        remembered = self.resolutions.steps
        for decl in self.steps.values():
            # The same id is the same node: the last build's nodes are kept alive by its resolutions.  The same
            # environment means the same spec (see `step_reuse.py`).
            resolution = last.get(id(decl.node))
            if resolution is not None:
                self._add_task(decl, resolution.spec, resolution.arguments, resolution.options, resolution.after)
                remembered[id(decl.node)] = resolution
                continue
            reported = self.diagnostics.offered
            self._resolve_step(decl)
            task = decl.task
            if task is not None and self.diagnostics.offered == reported:
                if rememberable(task.component, task.arguments, task.options):
                    after = self.after_nodes[task.name]
                    remembered[id(decl.node)] = StepResolution(
                        decl.node, task.component, task.arguments, task.options, after
                    )

    def _resolve_step(self, decl: StepDecl) -> None:
        node = decl.node
        spec = decl.spec
        scope = self._scope_of(decl.group)
        options, after = OptionParser(
            self.diagnostics,
            lambda e: self._parameter_of(e, scope),
            lambda e: self._value(e, decl.group, scope, in_finally=decl.in_finally),
        ).parse(node.options)
        if spec is None and (self._is_oneof(node.call) or self._is_collect(node.call)):
            return  # `x = oneof(...)`, reported as a value written as a step; its values mean nothing here
        if spec is None:
            # Still evaluate the arguments, to report mistakes in them too.
            for argument in node.call.args:
                if not (argument.name and argument.name.name == "type"):
                    self._value(argument.value, decl.group, scope, in_finally=decl.in_finally)
            return
        if spec.kind == dag.ComponentKind.IMPORTER:
            arguments = self._importer_arguments(node.call, decl, scope)
            if arguments is None:
                return
        else:
            arguments = self._arguments(spec, node.call, decl, scope)
        if options.ignore_upstream_failure:
            self._check_inputs_survive_upstream_failure(spec, node.call, arguments)
        self._add_task(decl, spec, arguments, options, after)

    def _add_task(
        self,
        decl: StepDecl,
        spec: dag.ComponentSpec,
        arguments: dict[str, dag.Value],
        options: dag.TaskOptions,
        after: list[tree.Name],
    ) -> None:
        """The step's task, in its group."""
        task = dag.Task(
            name=k8s_name(decl.name),
            step=decl.name,
            component=spec,
            arguments=arguments,
            options=options,
            group=decl.group,
            span=decl.node.span,
            in_finally=decl.in_finally,
            exit_handler=decl.exit_handler,
        )
        self.after_nodes[task.name] = after
        decl.task = task
        decl.group.children.append(task)

    def _arguments(
        self, spec: dag.ComponentSpec, call: tree.Call, decl: StepDecl, scope: BodyScope
    ) -> dict[str, dag.Value]:
        arguments: dict[str, dag.Value] = {}
        given: dict[str, tree.Identifier] = {}  # input name -> where it was passed
        for argument in call.args:
            if argument.name is None:
                self.diagnostics.report(
                    codes.POSITIONAL_ARGUMENT,
                    f"inputs of `{spec.name}` are passed by name",
                    argument.span,
                    hint=_name_hint(spec, argument),
                )
                continue
            name = argument.name.name
            if argument.name.missing:
                continue
            if name in given:
                self.diagnostics.report(
                    codes.DUPLICATE_NAME,
                    f"input `{name}` is passed twice",
                    argument.name.span,
                    related=[Related(given[name].span, "first passed here")],
                )
                continue
            given[name] = argument.name
            port = spec.input(name)
            value = self._value(argument.value, decl.group, scope, in_finally=decl.in_finally, expected=port)
            if port is None:
                candidates = [p.name for p in spec.inputs]
                not_given = [c for c in candidates if c not in given] or candidates
                self.diagnostics.report(
                    codes.UNKNOWN_INPUT,
                    f"`{spec.name}` has no input `{name}`",
                    argument.name.span,
                    suggestion=did_you_mean(name, not_given, at=argument.name.span),
                    hint="its inputs are " + ", ".join(f"`{c}`" for c in candidates)
                    if candidates
                    else f"`{spec.name}` takes no inputs",
                )
                continue
            if value is None:
                continue
            if not self._check_fits(value, port, argument, spec):
                continue
            arguments[name] = value
        for port in spec.inputs:
            if port.name in given:
                continue
            if port.type.kind == types.TypeKind.STATUS:
                if decl.in_finally:
                    self.diagnostics.report(
                        codes.MISSING_INPUT,
                        f"`{spec.name}` needs `{port.name}`",
                        call.span,
                        hint=f"pass `{port.name}: pipeline.status`",
                    )
                else:
                    self.diagnostics.report(
                        codes.TYPE_MISMATCH,
                        f"`{spec.name}` takes the pipeline's final status (`{port.name}: Status`), "
                        "so it can only run in `finally`",
                        call.span,
                    )
                continue
            if port.required:
                self.diagnostics.report(
                    codes.MISSING_INPUT,
                    f"`{spec.name}` needs input `{port.name}` (`{port.type}`)",
                    call.span,
                    hint=f"pass `{port.name}: ...`",
                    related=[Related(port.span, "declared here")] if port.span else None,
                )
        return arguments

    def _check_inputs_survive_upstream_failure(
        self, spec: dag.ComponentSpec, call: tree.Call, arguments: dict[str, dag.Value]
    ) -> None:
        """A step that runs after its upstream failed gets no value from it: each input an upstream step
        feeds needs a default (kfp's rule for `.ignore_upstream_failure()`)."""
        for argument in call.args:
            if argument.name is None or argument.name.name not in arguments:
                continue
            port = spec.input(argument.name.name)
            producers = sorted(dag.tasks_in_value(arguments[argument.name.name]))
            if port is None or not producers or not port.required:
                continue
            self.diagnostics.report(
                codes.OPTIONAL_VALUE_REQUIRED,
                f"with `ignore_upstream_failure`, input `{port.name}` of `{spec.name}` needs a default: "
                f"it comes from `{producers[0]}`, which may fail without making it",
                argument.value.span,
                related=[Related(port.span, f"input `{port.name}` is declared here")] if port.span else None,
                hint=f"give `{port.name}` a default in `{spec.name}`, or make it optional (`{port.type}?`)",
            )

    def _check_fits(self, value: dag.Value, port: dag.Port, argument: tree.Argument, spec: dag.ComponentSpec) -> bool:
        if isinstance(value, dag.Constant) and port.type.is_param:
            if not value_fits(value.value, port.type):
                self.diagnostics.report(
                    codes.TYPE_MISMATCH,
                    f"input `{port.name}` of `{spec.name}` is a `{port.type.as_optional(False)}`, "
                    f"but this is {_describe_constant(value.value)}",
                    argument.value.span,
                    related=[Related(port.span, "the input is declared here")] if port.span else None,
                )
                return False
            return True
        mismatch = types.assignable(value.type, port.type)
        if mismatch is None:
            return True
        related = []
        producer = self._producer_span(value)
        if producer is not None:
            related.append(Related(producer, "the value comes from here"))
        if port.span is not None:
            related.append(Related(port.span, f"input `{port.name}` is declared here"))
        self.diagnostics.report(
            mismatch.code,
            f"input `{port.name}` of `{spec.name}`: {mismatch.message}",
            argument.value.span,
            related=related,
            hint=_fan_in_hint(value, argument.value, f"give `{spec.name}` an input `{port.name}: {value.type}`"),
        )
        return False

    def _producer_span(self, value: dag.Value):
        if isinstance(value, dag.TaskOutput):
            for decl in self.steps.values():
                if k8s_name(decl.name) == value.task:  # every task is named so (_resolve_step)
                    return decl.node.span
        if isinstance(value, dag.PipelineInput) and value.name in self.input_by_name:
            return self.input_by_name[value.name].span
        return None

    def _importer_spec(self, call: tree.Call) -> dag.ComponentSpec | None:
        args = {a.name.name: a for a in call.args if a.name is not None}
        for argument in call.args:
            if argument.name is None:
                self.diagnostics.report(
                    codes.POSITIONAL_ARGUMENT,
                    'importer inputs are passed by name: `importer(uri: "gs://...", type: Model)`',
                    argument.span,
                )
            elif argument.name.name not in IMPORTER_INPUTS:
                self.diagnostics.report(
                    codes.UNKNOWN_INPUT,
                    f"importer has no input `{argument.name.name}`",
                    argument.name.span,
                    hint="its inputs are " + ", ".join(IMPORTER_INPUTS),
                )
        if "uri" not in args:
            self.diagnostics.report(codes.MISSING_INPUT, "importer needs `uri`", call.span)
            return None
        artifact_type = types.artifact("system.Artifact")
        if "type" in args:
            type_expr = args["type"].value
            if isinstance(type_expr, tree.Name) and type_expr.id in types.ARTIFACT_TYPES:
                artifact_type = types.artifact(types.ARTIFACT_TYPES[type_expr.id])
            elif isinstance(type_expr, tree.TypeExpr):
                artifact_type = resolve_type(type_expr.ref, self.diagnostics)
            elif isinstance(type_expr, tree.Literal) and isinstance(type_expr.value, str):
                artifact_type = types.artifact(type_expr.value)
            else:
                self.diagnostics.report(
                    codes.UNKNOWN_TYPE,
                    "importer `type` is an artifact type such as `Model`, or a schema title string",
                    type_expr.span,
                )
        metadata = {}
        if "metadata" in args:
            expr = args["metadata"].value
            value = constant_value(expr)
            if isinstance(value, dict):
                metadata = value
            elif not isinstance(expr, tree.DictExpr):  # a dict with run-time values inside: see _importer_arguments
                self.diagnostics.report(
                    codes.INVALID_VALUE,
                    "importer `metadata` must be a dict written here",
                    expr.span,
                    hint='its values may be parameters, step outputs and f-strings: `metadata: {"name": name}`',
                )
        reimport = self._importer_flag(args, "reimport")
        download = self._importer_flag(args, "download_to_workspace")
        return dag.ComponentSpec(
            name="importer",
            kind=dag.ComponentKind.IMPORTER,
            inputs=[dag.Port("uri", types.STR)],
            outputs=[dag.Port("artifact", artifact_type)],
            importer=dag.ImporterConfig(artifact_type, metadata, reimport, download_to_workspace=download),
        )

    def _importer_flag(self, args: dict, name: str) -> bool:
        """A true/false importer input (false when not given, or reported when it is not a boolean)."""
        if name not in args:
            return False
        value = constant_value(args[name].value)
        if not isinstance(value, bool):
            self.diagnostics.report(
                codes.INVALID_VALUE, f"importer `{name}` must be true or false", args[name].value.span
            )
            return False
        return value

    def _importer_arguments(self, call: tree.Call, decl: StepDecl, scope: BodyScope) -> dict[str, dag.Value] | None:
        argument = next(a for a in call.args if a.name is not None and a.name.name == "uri")
        uri = self._value(argument.value, decl.group, scope, in_finally=decl.in_finally)
        if uri is None:
            return None
        if not isinstance(uri, (dag.Constant, dag.PipelineInput)) or (
            isinstance(uri, dag.Constant) and not isinstance(uri.value, str)
        ):
            self.diagnostics.report(
                codes.INVALID_VALUE, "importer `uri` must be a string or a pipeline parameter", argument.value.span
            )
            return None
        arguments: dict[str, dag.Value] = {"uri": uri}
        metadata = next((a.value for a in call.args if a.name is not None and a.name.name == "metadata"), None)
        if isinstance(metadata, tree.DictExpr) and constant_value(metadata) is NOT_CONSTANT:
            # Metadata built from run-time values: kfp's importer gets an input per value (see
            # targets/kfp_v2.py, importer_metadata); the task holds it as an argument so its producers are upstream.
            value = self._structured(metadata, decl.group, scope, decl.in_finally, run_time_keys=True)
            if value is None:
                return None
            arguments["metadata"] = value
        return arguments

    def _parameter_of(self, expr: tree.Expr, scope: BodyScope) -> dag.PipelineInput | None:
        if isinstance(expr, tree.Name) and expr.id in self.input_by_name and expr.id not in scope.loops:
            port = self.input_by_name[expr.id]
            return dag.PipelineInput(port.name, port.type)
        return None

    # ---------------------------------------------------------- values
    def _value(
        self,
        expr: tree.Expr,
        group: dag.TaskGroup,
        scope: BodyScope,
        in_finally: bool = False,
        expected: dag.Port | None = None,
    ) -> dag.Value | None:
        """Evaluate an argument expression where `group` uses it; None if it is wrong (reported)."""
        if isinstance(expr, tree.ErrorExpr):
            return None
        if isinstance(expr, (tree.Literal, tree.ListExpr, tree.DictExpr)):
            value = constant_value(expr)
            if value is NOT_CONSTANT:
                assert isinstance(expr, (tree.ListExpr, tree.DictExpr)), "a literal is always a constant"
                return self._structured(expr, group, scope, in_finally, run_time_keys=False)
            return dag.Constant(value, types.type_of_literal(value) if value is not None else types.STR.as_optional())
        if isinstance(expr, tree.FString):
            return self._interpolation(expr, group, scope, in_finally)
        if isinstance(expr, tree.Name):
            return self._name_value(expr, group, scope, expected)
        if isinstance(expr, tree.Member):
            return self._member_value(expr, group, scope, in_finally)
        if isinstance(expr, tree.Call) and self._is_oneof(expr):
            return OneOfChecker(self, expr, group, in_finally).value()
        if isinstance(expr, tree.Call) and self._is_collect(expr):
            return self._collected_value(expr, group, in_finally)
        if isinstance(expr, tree.Call):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "a call can't be an input; declare it as a step and pass one of its outputs",
                expr.span,
            )
            return None
        if isinstance(expr, (tree.Compare, tree.BoolOp, tree.Not)):
            self.diagnostics.report(codes.INVALID_VALUE, "comparisons can only be used in `if` conditions", expr.span)
            return None
        if isinstance(expr, tree.TypeExpr):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "a type is not a value; only an importer's `type:` takes one",
                expr.span,
                hint='pass a schema title as text if that is what the input wants: `"google.VertexDataset"`',
            )
            return None
        self.diagnostics.report(codes.INVALID_VALUE, "this expression can't be passed to a step", expr.span)
        return None

    def _structured(
        self,
        expr: tree.ListExpr | tree.DictExpr,
        group: dag.TaskGroup,
        scope: BodyScope,
        in_finally: bool,
        run_time_keys: bool,
    ) -> dag.Structured | None:
        """A list or dict with run-time values inside (kfp's list and dict arguments holding pipeline channels);
        None when a part of it is wrong (each part reported at its own span).  Keys may be run-time values
        (`[name]: ...`) only where kfp can write them, in an importer's metadata (`run_time_keys`)."""
        entries: list = []
        ok = True
        if isinstance(expr, tree.ListExpr):
            for item in expr.items:
                value = self._structure_part(item, group, scope, in_finally, run_time_keys)
                ok = ok and value is not None
                entries.append(value)
            if not ok:
                return None
            return dag.Structured(tuple(entries), False, _list_type([v.type for v in entries]))
        for entry in expr.entries:
            key: str | dag.Value | None
            if entry.computed is None:
                key = entry.key.name
            elif run_time_keys:
                key = self._run_time_key(entry.computed, group, scope)
            else:
                self.diagnostics.report(
                    codes.INVALID_VALUE,
                    "a key known at run time can only be in an importer's `metadata`: "
                    "kfp writes a step's dict arguments with their keys fixed",
                    entry.computed.span,
                    hint='make the value the run-time part, `{"key": value}`, or pass a `dict` parameter',
                )
                key = None
            value = self._structure_part(entry.value, group, scope, in_finally, run_time_keys)
            ok = ok and key is not None and value is not None
            entries.append((key, value))
        return dag.Structured(tuple(entries), True, types.DICT) if ok else None

    def _structure_part(
        self, expr: tree.Expr, group: dag.TaskGroup, scope: BodyScope, in_finally: bool, run_time_keys: bool
    ) -> dag.Value | None:
        """One item or dict value of a list or dict passed to a step: a constant, or a parameter's value."""
        if isinstance(expr, (tree.ListExpr, tree.DictExpr)) and constant_value(expr) is NOT_CONSTANT:
            return self._structured(expr, group, scope, in_finally, run_time_keys)
        value = self._value(expr, group, scope, in_finally)
        if value is None:
            return None
        hint = "pass it to an input of its own"
        if isinstance(value, dag.OneOf):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "`oneof(...)` can't be inside a list or dict (KFP has no such placeholder)",
                expr.span,
                hint=hint,
            )
            return None
        if value.type.is_artifact or value.type.kind == types.TypeKind.STATUS:
            self.diagnostics.report(
                codes.INVALID_VALUE,
                f"a list or dict can only hold parameters, not `{value.type}`: KFP passes it as one JSON value",
                expr.span,
                hint=hint,
            )
            return None
        return value

    def _run_time_key(self, expr: tree.Expr, group: dag.TaskGroup, scope: BodyScope) -> str | dag.Value | None:
        """A bracketed dict key, `[name]: ...`: a string known at run time (or a constant string)."""
        value = self._value(expr, group, scope)
        if value is None:
            return None
        if isinstance(value, dag.Constant):
            if isinstance(value.value, str):
                return value.value
            self.diagnostics.report(
                codes.INVALID_VALUE,
                f"a dict key must be a string, but this is {_describe_constant(value.value)}",
                expr.span,
                hint="write the key as text",
            )
            return None
        if (
            isinstance(value, dag.OneOf)
            or value.type.is_artifact
            or value.type.kind == types.TypeKind.STATUS
            or types.assignable(value.type, types.STR) is not None
        ):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                f"a dict key must be a string, but this is `{value.type}`",
                expr.span,
                hint='an f-string makes text of a parameter: `[f"{...}"]`' if value.type.is_param else None,
            )
            return None
        return value

    def _is_oneof(self, call: tree.Call) -> bool:
        """`oneof(...)` in a value (a component named `oneof` can still be called as a step)."""
        return isinstance(call.func, tree.Name) and call.func.id == ONEOF

    @staticmethod
    def _called_pipeline(decl: StepDecl) -> dag.PipelineGraph | None:
        """The pipeline `decl` calls, or None for a step of a component."""
        spec = decl.spec
        if spec is None or spec.kind != dag.ComponentKind.PIPELINE:
            return None
        return spec.pipeline

    def _collected_by_the_called_pipeline(self, decl: StepDecl, port: dag.Port) -> bool:
        """Whether `decl` calls a pipeline whose output `port` is a `collect(...)`."""
        pipeline = self._called_pipeline(decl)
        value = pipeline.returns.get(port.name) if pipeline is not None else None
        return isinstance(value, dag.TaskOutput) and value.collected

    def _made_by_one_step(self, decl: StepDecl, port: dag.Port) -> bool:
        """Whether `decl.port` is one value a step makes: always for a component; for a called pipeline, when it
        returns a step's output as it is (not a loop's list, a `collect`, nor a `oneof`), which KFP reads
        through the pipeline's DAG as the step's own value."""
        pipeline = self._called_pipeline(decl)
        if pipeline is None:
            return True
        value = pipeline.returns.get(port.name)
        return isinstance(value, dag.TaskOutput) and not value.gathered and not value.collected

    def _is_collect(self, call: tree.Call) -> bool:
        """`collect(step.out)` in a value."""
        return isinstance(call.func, tree.Name) and call.func.id == COLLECT

    def _collected_value(self, call: tree.Call, consumer_group: dag.TaskGroup, in_finally: bool) -> dag.Value | None:
        """`collect(step.out)`: the list of the zero or one values a step inside an `if` made (KFP's
        `dsl.Collected` of a task in no loop); only a pipeline output, as kfp allows it nowhere else."""
        usage = "return (out: collect(step.out))"
        if not self._resolving_returns:
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                "`collect(...)` can only be returned from the pipeline: KFP refuses `dsl.Collected` of a step "
                "in no loop as another step's input",
                call.span,
                hint="use the output inside the same `if`, or give the `if` an `else` and pass `oneof(...)`",
            )
            return None
        expr = call.args[0].value if len(call.args) == 1 and call.args[0].name is None else None
        if not (isinstance(expr, tree.Member) and isinstance(expr.obj, tree.Name) and expr.obj.id in self.steps):
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                "`collect` takes one output of a step inside an `if`: `collect(step.out)`",
                call.span,
                hint=f"write `{usage}`",
            )
            return None
        found = self.output_port(expr)
        if found is None:
            return None
        decl, port = found
        if decl.in_finally:
            self.diagnostics.report(
                codes.FINALLY_AND_BODY, "a pipeline returns outputs of its body, not of `finally` steps", expr.span
            )
            return None
        if decl.spec is not None and not self._made_by_one_step(decl, port):
            callee = decl.spec.name
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                f"`{decl.name}.{port.name}` is gathered, collected or chosen inside `{callee}`: "
                "`collect` takes a value one step makes",
                expr.span,
                related=[Related(decl.node.span, f"`{decl.name}`")],
                hint=f"return the value from `{callee}` as a step there makes it, and collect that",
            )
            return None
        between = _groups_between(decl.group, consumer_group)
        loops = [x for x in between if isinstance(x, dag.LoopGroup)]
        conditions = [x for x in between if isinstance(x, (dag.ConditionGroup, dag.BranchesGroup))]
        if loops:
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                f"`{decl.name}` is in a loop: `collect` is for a step inside an `if`",
                expr.span,
                related=[Related(_group_span(loops[0]), "the loop"), Related(decl.node.span, "the producer")],
                hint=f"after the loop, `{decl.name}.{port.name}` is the list of every iteration's value: "
                "return it without `collect` (from outside any `if` around the loop)",
            )
            return None
        if not conditions:
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                f"`{decl.name}` is not inside an `if`, so it always makes `{port.name}`: nothing to collect",
                expr.span,
                related=[Related(decl.node.span, "the producer")],
                hint=f"return `{decl.name}.{port.name}` itself",
            )
            return None
        return dag.TaskOutput(k8s_name(decl.name), port.name, gathered_type(port.type, 1), collected=True)

    def _interpolation(self, expr: tree.FString, group, scope, in_finally) -> dag.Value | None:
        parts: list[str | dag.Value] = []
        ok = True
        for part in expr.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            value = self._value(part, group, scope, in_finally)
            if value is None:
                ok = False
                continue
            if isinstance(value, dag.OneOf):
                self.diagnostics.report(
                    codes.INVALID_VALUE,
                    "`oneof(...)` can't be part of an f-string (KFP has no such placeholder)",
                    part.span,
                    hint="pass the `oneof(...)` to a step input of its own, and build the text in the step",
                )
                ok = False
                continue
            if value.type.is_artifact or value.type.kind == types.TypeKind.STATUS:
                self.diagnostics.report(
                    codes.INVALID_VALUE, f"an f-string can only hold parameters, not `{value.type}`", part.span
                )
                ok = False
                continue
            if isinstance(value, dag.Interpolation):
                parts.extend(value.parts)
            else:
                parts.append(value)
        if not ok:
            return None
        texts = [p for p in parts if isinstance(p, str)]
        if len(texts) == len(parts):
            return dag.Constant("".join(texts), types.STR)
        return dag.Interpolation(tuple(parts), types.STR)

    def _name_value(self, expr: tree.Name, group, scope: BodyScope, expected) -> dag.Value | None:
        name = expr.id
        if expr.missing:
            return None
        if name in scope.loops:
            loop = scope.loops[name]
            return dag.LoopItem(loop, None, loop.item_type or types.ERROR)
        if name in self.input_by_name:
            port = self.input_by_name[name]
            return dag.PipelineInput(port.name, port.type)
        if name in self.steps:
            decl = self.steps[name]
            spec = decl.spec
            hint, suggestion = None, None
            if spec is not None and spec.outputs:
                if expected is not None:
                    fitting = [o.name for o in spec.outputs if types.assignable(o.type, expected.type) is None]
                else:
                    fitting = []
                choices = fitting or [o.name for o in spec.outputs]
                if len(choices) == 1:  # the one output that fits is surely meant
                    suggestion = Suggestion(name, f"{name}.{choices[0]}").at(expr.span)
                hint = "pass one of its outputs: " + ", ".join(f"`{name}.{o}`" for o in choices)
            self.diagnostics.report(
                codes.WHOLE_STEP_AS_VALUE,
                f"`{name}` is a whole step; pass one of its outputs",
                expr.span,
                suggestion=suggestion,
                hint=hint,
            )
            return None
        if name == "pipeline":
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "`pipeline` alone is not a value; use `pipeline.job_name`, "
                "`pipeline.job_id`, `pipeline.root` or `pipeline.status`",
                expr.span,
            )
            return None
        if name in self.global_names or name in BUILTINS:
            self.diagnostics.report(codes.INVALID_VALUE, f"`{name}` is a component or module, not a value", expr.span)
            return None
        self._unknown_name(expr, scope)
        return None

    def _unknown_name(self, expr: tree.Name, scope: BodyScope) -> None:
        candidates = [*self.input_by_name, *self.steps, *scope.loops]
        if expr.id in self._all_loop_vars():
            self.diagnostics.report(
                codes.UNKNOWN_NAME,
                f"unknown name `{expr.id}`",
                expr.span,
                hint=f"`{expr.id}` is a loop variable, visible only inside its `for`",
            )
            return
        self.diagnostics.report(
            codes.UNKNOWN_NAME,
            f"unknown name `{expr.id}`",
            expr.span,
            suggestion=did_you_mean(expr.id, candidates, at=expr.span),
        )

    def _all_loop_vars(self):
        for scope in self.loop_scopes.values():
            yield from scope.loops

    def _member_value(
        self, expr: tree.Member, group: dag.TaskGroup, scope: BodyScope, in_finally: bool
    ) -> dag.Value | None:
        attr = expr.attr.name
        if expr.attr.missing:
            return None
        if not isinstance(expr.obj, tree.Name):
            self.diagnostics.report(
                codes.INVALID_VALUE, "only `step.output`, `item.field` and `pipeline.x` can be used here", expr.span
            )
            return None
        owner = expr.obj.id
        if owner in scope.loops:
            loop = scope.loops[owner]
            item_type = loop.item_type or types.ERROR
            if item_type.is_error:
                return None
            if not (item_type.is_param and item_type.name in ("dict", "any")):
                self.diagnostics.report(
                    codes.UNKNOWN_MEMBER,
                    f"the items of this loop are `{item_type}`, which has no fields",
                    expr.attr.span,
                )
                return None
            field_types = getattr(loop, "field_types", {}) or {}
            if field_types and attr not in field_types:
                self.diagnostics.report(
                    codes.UNKNOWN_MEMBER,
                    f"the items of this loop have no field `{attr}`",
                    expr.attr.span,
                    suggestion=did_you_mean(attr, field_types, at=expr.attr.span),
                    hint="fields: " + ", ".join(f"`{f}`" for f in field_types),
                )
                return None
            return dag.LoopItem(loop, attr, field_types.get(attr, types.ANY_ITEM))
        if owner == "pipeline" and owner not in self.steps and owner not in self.input_by_name:
            if attr not in PIPELINE_VALUES:
                self.diagnostics.report(
                    codes.UNKNOWN_MEMBER,
                    f"`pipeline` has no `{attr}`",
                    expr.attr.span,
                    suggestion=did_you_mean(attr, PIPELINE_VALUES, at=expr.attr.span),
                    hint="`pipeline` has " + ", ".join(f"`{k}`" for k in PIPELINE_VALUES),
                )
                return None
            if attr == "status":
                if not in_finally:
                    self.diagnostics.report(
                        codes.INVALID_VALUE, "`pipeline.status` exists only in `finally`", expr.span
                    )
                    return None
                return dag.FinalStatus(types.STATUS_TYPE)
            if attr == "workspace_path" and "workspace" not in self.properties:
                self.diagnostics.report(
                    codes.INVALID_VALUE,
                    "`pipeline.workspace_path` needs a workspace: this pipeline has no `workspace` property",
                    expr.span,
                    hint='give the pipeline one: `workspace = {size: "10Gi"}`',
                )
                return None
            return dag.RuntimeValue(PIPELINE_VALUES[attr], types.STR)
        if owner in self.steps:
            return self._output_value(expr, group, in_finally)
        if owner in self.input_by_name:
            self.diagnostics.report(codes.UNKNOWN_MEMBER, f"parameter `{owner}` has no members", expr.attr.span)
            return None
        self._unknown_name(expr.obj, scope)
        return None

    def output_port(self, expr: tree.Member) -> tuple[StepDecl, dag.Port] | None:
        """The step and output `step.output` names; None when there is no such output (reported)."""
        assert isinstance(expr.obj, tree.Name), "only `step.output` reaches here"
        decl = self.steps[expr.obj.id]
        spec = decl.spec
        if spec is None:
            return None  # what it calls is unknown, and already reported
        port = spec.output(expr.attr.name)
        if port is None:
            names = [o.name for o in spec.outputs]
            self.diagnostics.report(
                codes.UNKNOWN_MEMBER,
                f"step `{decl.name}` (`{spec.name}`) has no output `{expr.attr.name}`",
                expr.attr.span,
                suggestion=did_you_mean(expr.attr.name, names, at=expr.attr.span),
                hint="its outputs are " + ", ".join(f"`{n}`" for n in names)
                if names
                else f"`{spec.name}` has no outputs",
            )
            return None
        return decl, port

    def _output_value(self, expr: tree.Member, consumer_group: dag.TaskGroup, in_finally: bool) -> dag.Value | None:
        found = self.output_port(expr)
        if found is None:
            return None
        decl, port = found
        if decl.in_finally and not in_finally:
            self.diagnostics.report(
                codes.FINALLY_AND_BODY,
                f"`{decl.name}` runs in `finally`, after the body; the body can't use its outputs",
                expr.span,
            )
            return None
        if in_finally and not decl.in_finally:
            self.diagnostics.report(
                codes.FINALLY_AND_BODY,
                f"`finally` steps can't use outputs of the body (`{decl.name}.{expr.attr.name}`)",
                expr.span,
                related=[Related(decl.node.span, "the body step")],
                hint="they run even when the body failed, when those outputs may not exist",
            )
            return None
        if in_finally and decl.in_finally:
            self.diagnostics.report(
                codes.FINALLY_AND_BODY,
                "steps in `finally` run independently and can't use each other's outputs",
                expr.span,
            )
            return None
        if decl.spec is not None and self._collected_by_the_called_pipeline(decl, port):
            self.diagnostics.report(
                codes.COLLECT_OF_CONDITIONAL,
                f"`{decl.name}.{port.name}` is a `collect(...)` of the pipeline `{decl.spec.name}` calls: KFP "
                "passes it on to a calling pipeline as the bare value, or fails when its `if` was false",
                expr.span,
                related=[Related(decl.node.span, f"`{decl.name}`")],
                hint=f"run `{decl.spec.name}` on its own, or give its `if` an `else` and return `oneof(...)`",
            )
            return None
        between = _groups_between(decl.group, consumer_group)
        guarded = [x for x in between if isinstance(x, dag.ExitHandlerGroup)]
        if guarded and not self._resolving_returns:
            self.diagnostics.report(
                codes.CROSSES_GROUP_BOUNDARY,
                f"`{decl.name}.{port.name}` is made inside a `try`; steps after it can't use it",
                expr.span,
                related=[Related(_group_span(guarded[0]), "the `try`"), Related(decl.node.span, "the producer")],
                hint="use it inside the same `try`, or return it from the pipeline",
            )
            return None
        value = dag.TaskOutput(k8s_name(decl.name), port.name, port.type)
        loops = [x for x in between if isinstance(x, dag.LoopGroup)]
        # An `if` inside a loop only thins out the gathered list (kfp's Collected skips the iterations where it
        # was false); an `if` outside every loop between the two means the value may not exist at all.
        outside_loops = between[: between.index(loops[0])] if loops else between
        conditions = [x for x in outside_loops if isinstance(x, (dag.ConditionGroup, dag.BranchesGroup))]
        if conditions:
            outermost = conditions[0]
            self.diagnostics.report(
                codes.OPTIONAL_VALUE_REQUIRED,
                f"`{decl.name}.{port.name}` is produced inside an `if`, so it may not exist here",
                expr.span,
                related=[Related(_group_span(outermost), "the condition"), Related(decl.node.span, "the producer")],
                hint="use it inside the same `if` block",
            )
            return None
        if loops:
            return dag.TaskOutput(value.task, value.output, gathered_type(port.type, len(loops)), gathered=len(loops))
        return value

    # ------------------------------------------------------- conditions
    def _condition(self, expr: tree.Expr, group: dag.TaskGroup, scope: BodyScope) -> dag.Condition | None:
        if isinstance(expr, tree.BoolOp):
            left = self._condition(expr.left, group, scope)
            right = self._condition(expr.right, group, scope)
            return dag.BoolOp(expr.op, left, right) if left and right else None
        if isinstance(expr, tree.Not):
            operand = self._condition(expr.operand, group, scope)
            return dag.Not(operand) if operand else None
        if isinstance(expr, tree.Compare):
            return self._comparison(expr, group, scope)
        if isinstance(expr, tree.Literal) and isinstance(expr.value, bool):
            self.diagnostics.report(
                codes.CONDITION_NOT_BOOLEAN,
                "this condition is always the same; it must depend on a parameter or a step output",
                expr.span,
            )
            return None
        value = self._value(expr, group, scope)
        if value is None:
            return None
        if value.type.is_error:
            return None
        if value.type.is_param and value.type.name in ("bool", "any"):
            return dag.Truth(value)
        self.diagnostics.report(
            codes.CONDITION_NOT_BOOLEAN,
            f"a condition must be a boolean, but this is a `{value.type}`",
            expr.span,
            hint='compare it: `x == "value"`, `n > 3`',
        )
        return None

    def _comparison(self, expr: tree.Compare, group: dag.TaskGroup, scope: BodyScope) -> dag.Condition | None:
        left = self._value(expr.left, group, scope)
        right = self._value(expr.right, group, scope)
        if left is None or right is None:
            return None
        if isinstance(left, dag.Constant) and isinstance(right, dag.Constant):
            self.diagnostics.report(
                codes.CONDITION_NOT_BOOLEAN,
                "this comparison is between two constants; it must depend on a parameter or a step output",
                expr.span,
            )
            return None
        for side, value in (("left", left), ("right", right)):
            type_ = value.type
            if type_.is_error:
                return None
            if (
                not type_.is_param
                or type_.name in ("list", "dict")
                or (isinstance(value, dag.Constant) and value.value is None)
            ):
                self.diagnostics.report(
                    codes.INVALID_COMPARISON,
                    f"can't compare a `{type_}` in a condition; compare strings, numbers or booleans",
                    (expr.left if side == "left" else expr.right).span,
                )
                return None
        lt, rt = left.type, right.type
        numeric = {"int", "float"}
        if "any" not in (lt.name, rt.name):
            same_kind = lt.name == rt.name or (lt.name in numeric and rt.name in numeric)
            if not same_kind:
                self.diagnostics.report(
                    codes.INVALID_COMPARISON,
                    f"can't compare `{lt}` with `{rt}`",
                    expr.span,
                    hint="convert one side: compare strings with strings, numbers with numbers",
                )
                return None
            if expr.op in ("<", "<=", ">", ">=") and lt.name not in numeric:
                self.diagnostics.report(
                    codes.INVALID_COMPARISON, f"`{expr.op}` compares numbers, not `{lt}`", expr.span
                )
                return None
        return dag.Compare(expr.op, left, right)

    # ------------------------------------------------------------ after
    def _check_after(self, graph: dag.PipelineGraph) -> None:
        for decl in self.steps.values():
            task = decl.task
            if task is None:
                continue
            for name_expr in self.after_nodes.get(task.name, []):
                other = self.steps.get(name_expr.id)
                if other is None:
                    self.diagnostics.report(
                        codes.INVALID_AFTER,
                        f"`after` names `{name_expr.id}`, which is not a step of this pipeline",
                        name_expr.span,
                        suggestion=did_you_mean(name_expr.id, self.steps, at=name_expr.span),
                    )
                    continue
                if other is decl:
                    self.diagnostics.report(
                        codes.INVALID_AFTER, f"step `{decl.name}` can't run after itself", name_expr.span
                    )
                    continue
                if other.task is None:
                    continue
                between = _groups_between(other.group, decl.group)
                blocking = [
                    x for x in between if isinstance(x, (dag.ConditionGroup, dag.BranchesGroup, dag.ExitHandlerGroup))
                ]
                if blocking or other.in_finally != decl.in_finally:
                    self.diagnostics.report(
                        codes.CROSSES_GROUP_BOUNDARY,
                        f"`{decl.name}` can't run after `{other.name}`, which is inside a "
                        f"{'condition' if not other.in_finally else 'finally block'} that doesn't contain it",
                        name_expr.span,
                        related=[Related(other.node.span, f"`{other.name}`")],
                    )
                    continue
                task.after.append(other.task.name)

    # ---------------------------------------------------------- returns
    def _resolve_returns(self, outputs: list[dag.Port]) -> dict[str, dag.Value]:
        declared = {p.name: p for p in outputs}
        result: dict[str, dag.Value] = {}
        if len(self.returns) > 1:
            self.diagnostics.report(codes.MISPLACED_STATEMENT, "a pipeline has one `return`", self.returns[1].span)
        node = self.returns[0] if self.returns else None
        if node is not None:
            for argument in node.args:
                if argument.name is None:
                    self.diagnostics.report(
                        codes.POSITIONAL_ARGUMENT,
                        "outputs are returned by name: `return (model: train.model)`",
                        argument.span,
                    )
                    continue
                name = argument.name.name
                if name not in declared:
                    self.diagnostics.report(
                        codes.MISSING_OUTPUT,
                        f"the pipeline declares no output `{name}`",
                        argument.name.span,
                        suggestion=did_you_mean(name, declared, at=argument.name.span),
                        hint=f"declare it: `pipeline {self.definition.name.name}(...) -> ({name}: ...)`",
                    )
                    continue
                self._resolving_returns = True
                value = self._value(argument.value, self.exit_group or self.root, BodyScope())
                self._resolving_returns = False
                if value is None:
                    continue
                if isinstance(value, (dag.Structured, dag.Interpolation)):
                    # KFP's pipeline outputs select a task's output; they can't build a value.
                    self.diagnostics.report(
                        codes.INVALID_VALUE,
                        "a pipeline returns step outputs as they are, not a list, dict or f-string built from them",
                        argument.value.span,
                        hint="build the value in a step and return that step's output",
                    )
                    continue
                mismatch = types.assignable(value.type, declared[name].type)
                if mismatch is not None and not (isinstance(value, dag.Constant)):
                    self.diagnostics.report(
                        mismatch.code,
                        f"output `{name}`: {mismatch.message}",
                        argument.value.span,
                        hint=_fan_in_hint(value, argument.value, f"declare the output as `{name}: {value.type}`"),
                    )
                    continue
                if isinstance(value, dag.Constant):
                    self.diagnostics.report(
                        codes.INVALID_VALUE, "a pipeline returns step outputs, not constants", argument.value.span
                    )
                    continue
                result[name] = value
        for name, port in declared.items():
            if name not in result and not any(a.name and a.name.name == name for a in (node.args if node else [])):
                self.diagnostics.report(
                    codes.MISSING_OUTPUT,
                    f"output `{name}` is declared but never returned",
                    port.span,
                    hint=f"add `return ({name}: step.output)` to the pipeline body",
                )
        return result

    # ------------------------------------------------------------ graph
    def _record_dependencies(self, graph: dag.PipelineGraph) -> None:
        """Record which task depends on which in `graph` (its `dag`), and report a cycle (PTF401)."""
        graph.dependency_nodes = list(graph.tasks)
        for task in graph.tasks.values():
            for producer in sorted(task_dependencies(task)):
                if producer in graph.tasks:
                    graph.dependency_edges.append((producer, task.name, "data"))
            for producer in task.after:
                graph.dependency_edges.append((producer, task.name, "after"))
        if not _has_cycle(graph.dependency_edges):
            return  # the usual case, found without importing networkx (see `PipelineGraph.dag`)
        import networkx as nx

        cycle = nx.find_cycle(graph.dag)
        names = [edge[0] for edge in cycle] + [cycle[0][0]]
        first = graph.tasks[cycle[0][0]]
        related = [Related(graph.tasks[n].span, f"`{graph.tasks[n].step}`") for n in names[1:-1]]
        self.diagnostics.report(
            codes.DEPENDENCY_CYCLE,
            "steps depend on each other in a cycle: " + " → ".join(graph.tasks[n].step for n in names),
            first.span,
            related=related,
        )


def _has_cycle(edges: list[tuple[str, str, str]]) -> bool:
    """Whether the (producer, consumer, kind) edges close a loop; the standard library is enough to tell."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for producer, consumer, _ in edges:
        sorter.add(consumer, producer)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return True
    return False


def task_dependencies(task: dag.Task) -> set[str]:
    """Task names this task reads from: its arguments, its groups' loop items and conditions."""
    names = set(task.upstream_tasks())
    group: dag.TaskGroup | None = task.group
    while group is not None:
        if isinstance(group, dag.LoopGroup) and group.items is not None:
            names.update(dag.tasks_in_value(group.items))
        if isinstance(group, dag.ConditionGroup):
            for condition in [group.condition, *group.excluded]:
                if condition is not None:
                    for value in dag.condition_values(condition):
                        names.update(dag.tasks_in_value(value))
        group = group.parent
    names.discard(task.name)
    return names


def gathered_type(type_: types.Type, loops: int) -> types.Type:
    """The type of an output gathered over `loops` nested loops: a list per loop for a parameter (kfp nests
    the lists: `list[list[int]]` over two loops), one flat list for an artifact (KFP has no nested artifact
    lists; its backend and `ptflow run` put every iteration's artifact in one list)."""
    for _ in range(loops):
        type_ = type_.as_list()
    return type_


def _parameter_span(parameter: dag.Port) -> Span:
    assert parameter.span is not None, "a pipeline parameter is read from the source, so it has a span"
    return parameter.span


def _group_span(group: dag.TaskGroup) -> Span:
    assert group.span is not None, "only the pipeline's own group has no span; loops and conditions do"
    return group.span


def _groups_between(producer_group: dag.TaskGroup, consumer_group: dag.TaskGroup) -> list[dag.TaskGroup]:
    """The groups that contain the producer but not the consumer, outermost first."""
    consumer_ancestors = {id(x) for x in consumer_group.ancestors()}
    path = []
    for group in producer_group.ancestors():
        if id(group) in consumer_ancestors:
            break
        path.append(group)
    return list(reversed(path))


def _item_type(values: list) -> types.Type:
    seen = {types.type_of_literal(v) for v in values}
    if len(seen) == 1:
        return seen.pop()
    if seen <= {types.INT, types.FLOAT}:
        return types.FLOAT
    return types.ANY_ITEM


def _field_types(values: list) -> dict[str, types.Type]:
    if not values or not all(isinstance(v, dict) for v in values):
        return {}
    fields: dict[str, set] = {}
    for item in values:
        for key, value in item.items():
            fields.setdefault(key, set()).add(types.type_of_literal(value))
    return {key: (seen.pop() if len(seen) == 1 else types.ANY_ITEM) for key, seen in fields.items()}


def _list_type(items: list[types.Type]) -> types.Type:
    """The type of a list literal whose items have these types (as `types.type_of_literal` types a constant one)."""
    distinct = {item.as_optional(False) for item in items}
    if len(distinct) == 1:
        return types.parameter("list", distinct.pop())
    if distinct <= {types.INT, types.FLOAT}:  # (never empty: an empty list literal is a constant)
        return types.parameter("list", types.FLOAT)
    return types.parameter("list", types.ANY_ITEM)


def _describe_constant(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a bool (`{str(value).lower()}`)"
    if isinstance(value, int):
        return f"an int (`{value}`)"
    if isinstance(value, float):
        return f"a float (`{value}`)"
    if isinstance(value, str):
        return f'a str (`"{value}"`)' if len(value) < 40 else "a str"
    if isinstance(value, list):
        return "a list"
    return "a dict"


def _name_hint(spec: dag.ComponentSpec, argument: tree.Argument) -> str | None:
    names = [p.name for p in spec.inputs]
    if not names:
        return None
    return f"write `{names[0]}: ...`; the inputs are " + ", ".join(f"`{n}`" for n in names)


def _fan_in_hint(value: dag.Value, expr: tree.Expr, to_take_all: str) -> str | None:
    """For a loop's output used after the loop: why it is a list, and the two ways out."""
    if not (isinstance(value, dag.TaskOutput) and value.gathered):
        return None
    written = (
        f"{expr.obj.id}.{expr.attr.name}"
        if isinstance(expr, tree.Member) and isinstance(expr.obj, tree.Name)
        else value.output
    )
    return (
        f"`{written}` is used after the loop that makes it, so it is the list of every iteration's value "
        f"(fan-in): use it inside the loop for one value, or {to_take_all} to take them all"
    )
