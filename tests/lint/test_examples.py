"""The bundled examples are lint-clean, for every target, except for warnings kept on purpose."""

from pathlib import Path

import pytest

from ptflow.compiler.api import TARGETS, check_file
from ptflow.compiler.lint import lint

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(REPO.glob("examples/**/*.ptflow"))

_LATEST = "image `public.ecr.aws/pytorch-samples/{}:latest` uses the mutable tag `latest`"
# cifar10_containers reproduces the PyTorch-on-Kubeflow CIFAR10 sample with the
# sample's own images, which it pulls by `:latest`; the warnings show what a
# user of that sample should pin.
DELIBERATE = {
    "cifar10_containers.ptflow": sorted([("PTF604", _LATEST.format("kfp_samples"))] * 3
                                        + [("PTF604", _LATEST.format("alpine"))]),
}


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("target", [None, *TARGETS])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_only_deliberate_lint_warnings(path, target):
    result = check_file(str(path))
    assert result.ok
    found = sorted((d.code, d.message) for d in lint(result, target))
    assert found == DELIBERATE.get(path.name, [])
