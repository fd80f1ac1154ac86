"""Secret values written into the pipeline as plain environment variables."""

from __future__ import annotations

import re

from ptflow.compiler import tree
from ptflow.compiler.lint.context import LintContext
from ptflow.compiler.lint.registry import Rule, rule

# Kubernetes expands `$(OTHER_VAR)` in env values: a reference, not a secret.
_REFERENCE = re.compile(r"^\$\([A-Za-z_][A-Za-z0-9_]*\)$")
_SECRET_WORDS = ("SECRET", "APIKEY", "CREDENTIAL", "CREDENTIALS")


def looks_secret(name: str) -> bool:
    """Names like AWS_SECRET_ACCESS_KEY, DB_PASSWORD, HF_TOKEN, OPENAI_API_KEY.

    Words are compared whole (split at `_`), so TOKENIZER_NAME or KEYS_FILE
    are not taken for secrets; PASSWORD and PASSWD count anywhere.
    """
    upper = name.upper()
    if "PASSWORD" in upper or "PASSWD" in upper:
        return True
    words = [w for w in upper.split("_") if w]
    if not words:
        return False
    if len(words) > 1 and words[-1] == "KEY":
        return True
    return any(w in _SECRET_WORDS or w.endswith("TOKEN") for w in words)


@rule
class SecretInPlainEnv(Rule):
    code = "PTF607"
    name = "SecretInPlainEnv"
    title = "a secret-looking environment variable has its value written in the file"
    tags = ("security",)
    explanation = """
An environment variable whose name says it holds a secret (`*_KEY`,
`*SECRET*`, `*PASSWORD*`, `*TOKEN*`, `*APIKEY*`, `*CREDENTIALS*`) is given a
literal value. The value ends up in the .ptflow file, in version control, in
the compiled pipeline and in the KFP UI, where everyone with access to the
pipeline can read it.

    t = train(...) with { env: {HF_TOKEN: "hf_abc123"} }
                                ^^^^^^^^^^^^^^^^^^^^^ `HF_TOKEN` looks like a secret, but its value is written

Fix: store the value in a Kubernetes secret and map it to the variable:

    t = train(...) with { secrets: [{name: "huggingface", env: {HF_TOKEN: "token"}}] }

(`secrets` maps a variable to a key of the secret; the value never appears
in the pipeline.)
"""

    def check(self, context: LintContext) -> None:
        for component in context.components():
            prop = component.property("env")
            if prop is not None and isinstance(prop.value, tree.DictExpr):
                self._check_env(context, prop.value, "a step's")
        for pipeline in context.pipelines:
            for step in pipeline.steps:
                entry = step.option("env")
                if entry is not None and isinstance(entry.value, tree.DictExpr):
                    self._check_env(context, entry.value, "this step's")

    def _check_env(self, context: LintContext, env: tree.DictExpr, whose: str) -> None:
        for entry in env.entries:
            value = entry.value
            if not isinstance(value, tree.Literal) or isinstance(value.value, bool) or value.value is None:
                continue
            text = str(value.value)
            if not text or _REFERENCE.match(text) or not looks_secret(entry.key.name):
                continue
            # The message never repeats the value: diagnostics end up in CI logs.
            context.report(
                f"`{entry.key.name}` looks like a secret, but its value is written in the file",
                entry.span,
                hint=f"keep it in a Kubernetes secret and add to {whose} options "
                f'`secrets: [{{name: "<secret>", env: {{{entry.key.name}: "<key>"}}}}]`',
            )
