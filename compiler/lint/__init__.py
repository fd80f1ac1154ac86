"""Lint rules over the checker's results (codes PTF600-PTF699).

    from ptflow.compiler.api import check_file
    from ptflow.compiler.lint import lint, check_diagnostics, load_config

    result = check_file("pipeline.ptflow")
    warnings = lint(result)                        # the rules' findings
    config, problems = load_config("pipeline.ptflow")
    everything = check_diagnostics(result, "kfp-v2", config)   # what `ptflow check` prints

Importing this package registers every rule's code in
`ptflow.compiler.diagnostics.codes.CODES`, so `ptflow explain PTF6xx` can explain it.
"""

from ptflow.compiler.lint import rules  # noqa: F401  (registers the rules)
from ptflow.compiler.lint.config import LintConfig, apply_config, code_prefix_problem, load_config
from ptflow.compiler.lint.engine import check_diagnostics, lint
from ptflow.compiler.lint.registry import RULES, Rule

__all__ = [
    "RULES",
    "LintConfig",
    "Rule",
    "apply_config",
    "check_diagnostics",
    "code_prefix_problem",
    "lint",
    "load_config",
]
