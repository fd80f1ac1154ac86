"""Finding the runtime steps: every module of the step packages registers its own.

A step module declares its steps with `@step` at import time and keeps its
heavy imports (torch, lightning, ax) inside the step functions, so importing
all of them to list or look up a step stays cheap.  A module that fails to
import only hides its own steps: the failure is reported when one of them is
asked for, and every other step still runs.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from ptflow.runtime.contract import StepSpec, UsageError, registered_steps
from ptflow.runtime.suggestions import did_you_mean

# Packages whose modules define steps: the standard library's, for now.
STEP_PACKAGES = ("ptflow.stdlib.steps",)


@lru_cache(maxsize=1)
def _load_step_modules() -> dict[str, BaseException]:
    """Import every step module once; returns {module: error} for those that failed."""
    failures: dict[str, BaseException] = {}
    for package_name in STEP_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, prefix=package_name + "."):
            try:
                importlib.import_module(info.name)
            except Exception as error:  # noqa: BLE001 - one broken module must not hide the others
                failures[info.name] = error
    return failures


def known_steps() -> dict[str, StepSpec]:
    _load_step_modules()
    return dict(sorted(registered_steps().items()))


def find_step(name: str) -> StepSpec:
    """The step called `name`, or a UsageError that lists the known ones."""
    steps = known_steps()
    if name in steps:
        return steps[name]
    message = f"unknown step `{name}`"
    suggestion = did_you_mean(name, list(steps))
    if suggestion:
        message += f"; did you mean `{suggestion}`?"
    message += "\nknown steps: " + ", ".join(steps)
    failures = _load_step_modules()
    if failures:
        message += "\nthese step modules failed to import: " + "; ".join(
            f"{module}: {type(error).__name__}: {error}" for module, error in failures.items()
        )
    raise UsageError(message)
