"""Grammar files for tests of the parser's on-disk caches (lark's, and the clean parser's tables)."""

from pathlib import Path

GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "ptflow.lark"


def workflow_grammar(folder: Path) -> Path:
    """The grammar with the keyword `pipeline` of pipeline declarations spelt `workflow`, written under `folder`."""
    text = GRAMMAR.read_text()
    declaration = 'pipeline_def: "pipeline" NAME'
    assert text.count(declaration) == 1
    changed = folder / "changed" / "ptflow.lark"
    changed.parent.mkdir()
    changed.write_text(text.replace(declaration, 'pipeline_def: "workflow" NAME'))
    return changed
