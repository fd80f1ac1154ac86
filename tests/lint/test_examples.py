"""The bundled examples are lint-clean, for every target, except for warnings kept on purpose."""

from pathlib import Path

import pytest

from ptflow.compiler.api import check_file
from ptflow.compiler.lint import lint
from ptflow.compiler.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/**/*.ptflow"))

# Warnings an example keeps on purpose, by file name. cifar10_containers uses the
# seed sample's images, which exist only as `:latest`; it silences PTF604 with
# `# ptflow: ignore[PTF604]` on those lines, which this test also exercises.
DELIBERATE: dict[str, list] = {}


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("target", [None, *TARGETS])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_only_deliberate_lint_warnings(path, target):
    result = check_file(str(path))
    assert result.ok
    found = sorted((d.code, d.message) for d in lint(result, target))
    assert found == DELIBERATE.get(path.name, [])
