"""`oneof(a.out, b.out, ...)`: the output of whichever arm of an if/elif/else ran (KFP's `dsl.OneOf`).

The rules, as kfp 2.17 enforces them and a little stricter where kfp would
compile something that can't run:

- each value is an output of a step written directly in an arm of one
  `if`/`elif`/`else` chain (not in a loop or `if` inside the arm);
- every arm gives exactly one value, and the chain ends in `else`, so that
  exactly one of them exists at run time;
- the values have one type: all parameters of one type, or all artifacts of
  one schema (kfp: "must be the same type");
- it is used after the chain, at the chain's level or in a group inside it:
  not inside the chain, not outside a loop or `if` around the chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptflow.compiler import dag, tree, types
from ptflow.compiler.diagnostics import Related, codes
from ptflow.compiler.names import k8s_name

if TYPE_CHECKING:
    from ptflow.compiler.pipeline_checker import PipelineBuilder

USAGE = "oneof(a.out, b.out)"


class OneOfChecker:
    """Checks one `oneof(...)` expression where `consumer_group` uses it, and builds its `dag.OneOf`."""

    def __init__(self, builder: PipelineBuilder, call: tree.Call, consumer_group: dag.TaskGroup, in_finally: bool):
        self.builder = builder
        self.diagnostics = builder.diagnostics
        self.call = call
        self.consumer_group = consumer_group
        self.in_finally = in_finally

    def value(self) -> dag.OneOf | None:
        """The checked value; None when something is wrong (reported)."""
        if not self.call.args:
            self.diagnostics.report(
                codes.ONEOF_ARMS,
                "`oneof` needs one output from each arm of an `if`/`elif`/`else`",
                self.call.span,
                hint=f"write `{USAGE}`",
            )
            return None
        choices: list[tuple[tree.Argument, dag.TaskOutput, dag.ConditionGroup]] = []
        ok = True
        for argument in self.call.args:
            found = self._choice(argument)
            if found is None:
                ok = False
            else:
                choices.append((argument, *found))
        if not ok or not choices:
            return None
        branches = self._same_chain(choices)
        if branches is None or not self._one_per_arm(choices, branches) or not self._one_type(choices):
            return None
        if not self._usable_here(branches):
            return None
        first = choices[0][1]
        return dag.OneOf(branches, tuple(c[1] for c in choices), first.type.as_optional(False), span=self.call.span)

    # ------------------------------------------------------- one value
    def _choice(self, argument: tree.Argument) -> tuple[dag.TaskOutput, dag.ConditionGroup] | None:
        """One value: an output of a step directly in an arm of an if/elif/else chain."""
        if argument.name is not None:
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "`oneof` takes the outputs without names",
                argument.name.span,
                hint=f"write `{USAGE}`",
            )
            return None
        expr = argument.value
        if isinstance(expr, tree.ErrorExpr):
            return None
        if not (
            isinstance(expr, tree.Member) and isinstance(expr.obj, tree.Name) and expr.obj.id in self.builder.steps
        ):
            self.diagnostics.report(
                codes.INVALID_VALUE,
                "`oneof` chooses between step outputs (`step.output`), one from each arm of an `if`/`elif`/`else`",
                expr.span,
                hint=f"write `{USAGE}`",
            )
            return None
        found = self.builder.output_port(expr)
        if found is None:
            return None
        decl, port = found
        if decl.in_finally or self.in_finally:
            self.diagnostics.report(
                codes.FINALLY_AND_BODY,
                "`oneof` can't be used in `finally`, nor choose between outputs of `finally` steps",
                expr.span,
                hint="steps in `finally` run even when the body failed, when those outputs may not exist",
            )
            return None
        arm = decl.group
        if isinstance(arm, dag.ConditionGroup) and isinstance(arm.parent, dag.BranchesGroup):
            return dag.TaskOutput(k8s_name(decl.name), port.name, port.type), arm
        if isinstance(arm, dag.ConditionGroup):
            self.diagnostics.report(
                codes.ONEOF_ARMS,
                f"`{decl.name}` is in an `if` without `else`: when its condition is false there is no value",
                expr.span,
                related=[Related(_span(arm), "the `if`"), Related(decl.node.span, f"`{decl.name}`")],
                hint="add an `else` arm with a step of its own, and pass its output to `oneof` too",
            )
            return None
        self.diagnostics.report(
            codes.ONEOF_ARMS,
            f"`{decl.name}` is not written directly in an arm of an `if`/`elif`/`else`; "
            "`oneof` chooses between outputs of steps in the arms",
            expr.span,
            related=[Related(decl.node.span, f"`{decl.name}`")],
        )
        return None

    # ------------------------------------------------------- all values
    def _same_chain(self, choices) -> dag.BranchesGroup | None:
        first_argument, _, first_arm = choices[0]
        branches = first_arm.parent
        assert isinstance(branches, dag.BranchesGroup), "each choice sits in an arm of a chain (checked)"
        for argument, _, arm in choices[1:]:
            if arm.parent is not branches:
                self.diagnostics.report(
                    codes.ONEOF_ARMS,
                    "the values of `oneof` come from two different `if`/`elif`/`else` chains",
                    argument.value.span,
                    related=[Related(_span(branches), "the first value's chain")],
                    hint="pass one output from each arm of a single chain",
                )
                return None
        return branches

    def _one_per_arm(self, choices, branches: dag.BranchesGroup) -> bool:
        given: dict[int, tree.Argument] = {}
        for argument, _, arm in choices:
            if id(arm) in given:
                self.diagnostics.report(
                    codes.ONEOF_ARMS,
                    f"two values from the same `{arm.keyword}` arm: each arm gives `oneof` exactly one",
                    argument.value.span,
                    related=[Related(given[id(arm)].value.span, "the other value from that arm")],
                )
                return False
            given[id(arm)] = argument
        arms = [arm for arm in branches.children if isinstance(arm, dag.ConditionGroup)]
        missing = [arm for arm in arms if id(arm) not in given]
        if missing:
            arm = missing[0]
            self.diagnostics.report(
                codes.ONEOF_ARMS,
                f"the `{arm.keyword}` arm at line {_span(arm).line} gives `oneof` no value: "
                "when that arm runs there would be none",
                self.call.span,
                related=[Related(_span(arm), f"the `{arm.keyword}` arm")],
                hint="pass an output of a step in every arm",
            )
            return False
        if arms[-1].keyword != "else":
            self.diagnostics.report(
                codes.ONEOF_ARMS,
                "this `if`/`elif` chain has no `else`: when no condition holds there is no value",
                self.call.span,
                related=[Related(_span(branches), "the chain")],
                hint="add an `else` arm with a step of its own, and pass its output to `oneof` too",
            )
            return False
        return True

    def _one_type(self, choices) -> bool:
        first_argument, first, _ = choices[0]
        for argument, choice, _ in choices[1:]:
            if first.type.is_artifact != choice.type.is_artifact:
                code = codes.PARAMETER_ARTIFACT_MIXUP
            elif _same_type(first.type, choice.type):
                continue
            else:
                code = codes.ARTIFACT_TYPE_MISMATCH if first.type.is_artifact else codes.TYPE_MISMATCH
            self.diagnostics.report(
                code,
                f"the values of `oneof` must have one type: this is a `{choice.type.as_optional(False)}`, "
                f"the first a `{first.type.as_optional(False)}`",
                argument.value.span,
                related=[Related(first_argument.value.span, "the first value")],
            )
            return False
        return True

    # ------------------------------------------------------- where used
    def _usable_here(self, branches: dag.BranchesGroup) -> bool:
        consumer_ancestors = [id(g) for g in self.consumer_group.ancestors()]
        if id(branches) in consumer_ancestors:
            self.diagnostics.report(
                codes.ONEOF_ARMS,
                "`oneof` is used inside the `if`/`elif`/`else` it chooses from; use it after the chain",
                self.call.span,
                related=[Related(_span(branches), "the chain")],
            )
            return False
        around = []  # the groups around the chain that don't hold the consumer, innermost first
        for group in branches.parent.ancestors() if branches.parent is not None else ():
            if id(group) in consumer_ancestors:
                break
            around.append(group)
        if not around:
            return True
        outermost = around[-1]
        if isinstance(outermost, dag.LoopGroup) or any(isinstance(g, dag.LoopGroup) for g in around):
            loop = next(g for g in reversed(around) if isinstance(g, dag.LoopGroup))
            self.diagnostics.report(
                codes.CROSSES_GROUP_BOUNDARY,
                "this `oneof` chooses inside a loop, so it exists once per iteration; use it inside the loop",
                self.call.span,
                related=[Related(_span(loop), "the loop")],
                hint="gathering a `oneof` over a loop is not supported (nor in KFP)",
            )
            return False
        self.diagnostics.report(
            codes.OPTIONAL_VALUE_REQUIRED,
            "this `oneof` chooses inside an `if`, so it may not exist here",
            self.call.span,
            related=[Related(_span(outermost), "the condition")],
            hint="use it inside the same `if` block",
        )
        return False


def _same_type(a: types.Type, b: types.Type) -> bool:
    """One type for `oneof`: kfp compares parameter types by their IR type and artifacts by schema and list-ness."""
    if a.is_artifact:
        return a.name == b.name and a.is_list == b.is_list
    return a.name == b.name


def _span(group: dag.TaskGroup):
    assert group.span is not None, "arms, chains, loops and conditions are read from the source, so they have spans"
    return group.span
