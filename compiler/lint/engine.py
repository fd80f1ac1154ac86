"""Running the rules, and everything `ptflow check` reports for one file.

`lint(result)` is the plain function the language server and the command line
call over the checker's result: the rules' findings for the checked file
(when it has no errors), minus those its `# ptflow: ignore` comments
suppress, plus warnings about bad suppression comments.  `check_diagnostics(result, target, config)` adds the
checker's own diagnostics (and the target's, with `target`), applies
suppression comments to all of them and then the `[tool.ptflow]` /
command-line configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics
from ptflow.compiler.lint.config import LintConfig, apply_config
from ptflow.compiler.lint.context import LintContext
from ptflow.compiler.lint.registry import RULES
from ptflow.compiler.lint.suppression import Suppression, apply_suppressions, read_suppressions

if TYPE_CHECKING:
    from ptflow.compiler.api import CheckResult
    from ptflow.compiler.checker import ModuleScope


def lint(check_result: CheckResult, target: str | None = None) -> list[Diagnostic]:
    """The lint findings for the checked file, inline suppressions applied, sorted."""
    context = LintContext(check_result, target)
    if context.module is None:
        return []
    # Rules read a program that checks clean: over a broken one their facts
    # are guesses (a misspelled name leaves a parameter "unused"), and the
    # errors come first.  Bad suppression comments are reported either way.
    if check_result.ok:
        for code in sorted(RULES):
            context.rule = RULES[code]()
            context.rule.check(context)
        context.rule = None
    suppressions, problems = read_suppressions(context.module.comments, context.text)
    found = apply_suppressions(context.diagnostics.items + problems, suppressions)
    return sorted(found, key=Diagnostic.sort_key)


def check_diagnostics(
    check_result: CheckResult, target: str | None = None, config: LintConfig | None = None
) -> list[Diagnostic]:
    """What `ptflow check` reports for one file: checker, target support, lint; suppressed and configured."""
    everything = Diagnostics()
    everything.extend(check_result.diagnostics)
    if target and check_result.pipelines:
        from ptflow.compiler.targets.support import check_target_support

        for graph in check_result.pipelines.values():
            check_target_support(graph, target, everything)
    everything.extend(lint(check_result, target))
    kept = apply_suppressions(everything.items, all_suppressions(check_result))
    if config is not None:
        kept = apply_config(kept, config)
    return sorted(kept, key=Diagnostic.sort_key)


def all_suppressions(check_result: CheckResult) -> list[Suppression]:
    """The suppression comments of the checked file and of every .ptflow file it imports."""
    return suppressions_in(check_result.scope)


def suppressions_in(scope: ModuleScope | None) -> list[Suppression]:
    """The suppression comments of a checked module and of every .ptflow file it imports."""
    found: list[Suppression] = []
    for module_scope in _module_scopes(scope):
        if module_scope.source is not None:
            found.extend(read_suppressions(module_scope.source.tree.comments, module_scope.source.text)[0])
    return found


def _module_scopes(scope: ModuleScope | None):
    from ptflow.compiler.checker import ModuleSymbol

    seen: set[int] = set()
    stack = [scope] if scope is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(s.scope for s in current.symbols.values() if isinstance(s, ModuleSymbol))
