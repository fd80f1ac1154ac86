"""A user's own LightningModule file for `torch.train` (`module_file`).

The file must define a `pytorch_lightning.LightningModule` subclass whose
`forward` returns class logits for what the data loaders yield (images as
float32 (N, C, H, W) in [0, 1]; text as input_ids, attention_mask) and which
implements `training_step` and `configure_optimizers`.  Its constructor may
take any of num_classes, classes, lr, kind, input_shape, mean, std, plus the
keys of `hparams`.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import StepError, UsageError


def check_module_file(path: Path) -> None:
    """Cheap checks of a user's module file before lightning is imported: it exists, parses, has classes."""
    if not path.is_file():
        raise UsageError(f"--module_file: no file at {path}")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise UsageError(f"--module_file: {path} does not parse: {error.msg} (line {error.lineno})") from None
    if not any(isinstance(node, ast.ClassDef) for node in tree.body):
        raise UsageError(f"--module_file: {path} defines no class; it must define a LightningModule subclass")


def load_module_class(path: Path, class_name: str | None):
    """The LightningModule subclass defined in `path` (the one named `class_name` if given)."""
    import pytorch_lightning as pl

    module_name = "ptflow_user_module_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # lets pickling and dataclasses inside the file find it
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise StepError(f"--module_file: importing {path} failed: {type(error).__name__}: {error}") from error
    defined = {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value) and value.__module__ == module_name
    }
    lightning = {name: value for name, value in defined.items() if issubclass(value, pl.LightningModule)}
    if class_name:
        if class_name not in lightning:
            raise UsageError(
                f"--module_class: {path} has no LightningModule named {class_name!r}; its "
                f"LightningModules are {sorted(lightning) or 'none'}"
            )
        return lightning[class_name]
    if not lightning:
        raise UsageError(
            f"--module_file: {path} has no LightningModule subclass (its classes: "
            f"{', '.join(sorted(defined)) or 'none'}); subclass pytorch_lightning.LightningModule"
        )
    # The most derived ones: a base class in the same file is not the one meant.
    leaves = [
        cls for cls in lightning.values() if not any(o is not cls and issubclass(o, cls) for o in lightning.values())
    ]
    if len(leaves) > 1:
        raise UsageError(
            f"--module_file: {path} defines several LightningModules "
            f"({', '.join(sorted(c.__name__ for c in leaves))}); "
            "name one with module_class"
        )
    return leaves[0]


def construct_user_module(cls: type, offered: dict[str, Any], hparams: dict[str, Any]):
    """Call the user's constructor with what it accepts of `offered` and all of `hparams`.

    `offered` are facts of the run (num_classes, input_shape, lr, ...) a module
    may take; `hparams` must all be accepted, so a typo in a search space fails.
    """
    parameters = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    arguments = {name: value for name, value in offered.items() if takes_any or name in parameters}
    rejected = [name for name in hparams if not takes_any and name not in parameters]
    if rejected:
        raise UsageError(
            f"hparams {', '.join(map(repr, rejected))}: {cls.__name__}.__init__ takes no such argument "
            f"(it takes {', '.join(p for p in parameters if p != 'self')})"
        )
    arguments.update(hparams)
    missing = [
        name
        for name, p in parameters.items()
        if name != "self"
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
        and name not in arguments
    ]
    if missing:
        raise UsageError(
            f"{cls.__name__}.__init__ needs {', '.join(missing)}; ptflow offers "
            f"{', '.join(offered)} and the keys of hparams"
        )
    try:
        return cls(**arguments)
    except Exception as error:
        raise StepError(f"{cls.__name__}(...) failed: {type(error).__name__}: {error}") from error
