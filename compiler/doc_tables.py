"""The tables of the docs that are generated from the compiler's own tables.

docs/language.md's option table comes from the option table
(compiler/options.py) and docs/targets.md's target table from the target
table (compiler/targets/registry.py).  Each sits between two markers:

    <!-- generated: options (python -m ptflow.compiler.doc_tables) -->
    ...
    <!-- end generated: options -->

`python -m ptflow.compiler.doc_tables` rewrites them after a change to either
table; tests/compiler/test_doc_tables.py fails while a doc is stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from ptflow.compiler.options import OPTIONS, Option
from ptflow.compiler.targets.registry import DEFAULT_TARGET, TARGET_NAMES, TARGETS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def option_table() -> str:
    """One row per option: its values, what it does, and where each target writes it."""
    lines = [
        "| option | values | what it does | " + " | ".join(TARGET_NAMES) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in TARGET_NAMES) + " |",
    ]
    for option in OPTIONS:
        cells = [f"`{option.name}`", _escape(option.value), option.doc]
        cells += [_lowering_cell(option, target) for target in TARGET_NAMES]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _lowering_cell(option: Option, target: str) -> str:
    lowering = option.lowering[target]
    default = option.lowering[DEFAULT_TARGET]
    if target != DEFAULT_TARGET and (lowering.writes, lowering.refuses) == (default.writes, default.refuses):
        text = f"as {DEFAULT_TARGET}"
    elif lowering.writes is None and lowering.ignores:
        text = f"ignored, with a PTF504 warning: {lowering.ignores}"
    elif lowering.writes is None:
        text = f"not supported (PTF501 {lowering.refuses.when})" if lowering.refuses else "not supported (PTF501)"
    else:
        text = lowering.writes + (f"; PTF501 {lowering.refuses.when}" if lowering.refuses else "")
    if target == "vertex" and lowering.deploy_steps not in (("model",), ()):  # (): refused on serve.deploy
        steps = [f"`-{step}`" for step in lowering.deploy_steps]
        text += (
            f"; a `serve.deploy` step's goes to its {', '.join(steps[:-1])} and {steps[-1]} steps"
            if len(steps) > 1
            else f"; a `serve.deploy` step's goes to its {steps[0]} step"
        )
    return _escape(text)


def target_table() -> str:
    """One row per target: what `--target` takes, the file `ptflow compile` writes, what it is."""
    lines = ["| `--target` | output file | what it writes |", "| --- | --- | --- |"]
    for name, target in TARGETS.items():
        default = " (default)" if name == DEFAULT_TARGET else ""
        lines.append(f"| `{name}`{default} | `NAME{target.suffix}` | {_escape(target.description)} |")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


# doc file -> {table name: what generates it}
GENERATED = {
    "language.md": {"options": option_table},
    "targets.md": {"targets": target_table},
}


def _block(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- generated: {name} \(python -m ptflow\.compiler\.doc_tables\) -->\n)(.*?)"
        rf"(<!-- end generated: {name} -->)",
        re.S,
    )


def regenerated(text: str, tables: dict) -> str:
    """`text` with each generated table replaced by what the compiler's tables give now."""
    for name, generate in tables.items():
        block = _block(name)
        if not block.search(text):
            raise ValueError(f"no generated `{name}` block: add its two markers where the table goes")
        text = block.sub(_between_markers(generate()), text)
    return text


def _between_markers(table: str) -> Callable[[re.Match[str]], str]:
    """A replacement for a generated block: its two markers kept, `table` between them."""
    return lambda match: match.group(1) + table + "\n" + match.group(3)


def main() -> int:
    for file, tables in GENERATED.items():
        path = DOCS / file
        text = path.read_text(encoding="utf-8")
        new = regenerated(text, tables)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote the generated tables of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
