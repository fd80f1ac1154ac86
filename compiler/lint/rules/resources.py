"""Resources: GPUs without an accelerator type, quantities with suspicious
units, and steps without resources in a pipeline that uses GPUs."""

from __future__ import annotations

import re
from functools import lru_cache

from ptflow.compiler import quantities
from ptflow.compiler.components import NOT_CONSTANT, constant_value
from ptflow.compiler.dag import ComponentKind
from ptflow.compiler.diagnostics import Fix, Related
from ptflow.compiler.lint.context import LintContext, StepView
from ptflow.compiler.lint.registry import Rule, rule

KUBERNETES_GPU = "nvidia.com/gpu"


def _option_constant(step: StepView, key: str):
    """The `with` entry for `key` and its constant value (None when it is not a constant)."""
    entry = step.option(key)
    if entry is None:
        return None, None
    value = constant_value(entry.value)
    return entry, (None if value is NOT_CONSTANT else value)


def requests_gpus(step: StepView) -> bool:
    """A GPU count other than 0: a number, or a pipeline parameter (which may be more than 0)."""
    entry, value = _option_constant(step, "gpus")
    if entry is None:
        return False
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


@rule
class GpuWithoutAccelerator(Rule):
    code = "PTF605"
    name = "GpuWithoutAccelerator"
    title = "`gpus` without `accelerator` on a target that needs the accelerator type"
    tags = ("correctness", "portability")
    explanation = """
KFP v2 writes GPUs as an accelerator with a count and a type, and applies the
count only when the type is set (kfp's `set_accelerator_limit`: "Only applies
if accelerator type is also set"). A step with `gpus: 1` and no `accelerator`
therefore runs without a GPU on KFP 2.x, and Vertex AI rejects it. KFP v1
(`--target kfp-v1`) asks Kubernetes for `nvidia.com/gpu` and needs no type.

    t = train(data: d.data) with { gpus: 1 }
                                   ^^^^^^^ `gpus` without `accelerator`

Fix: add the type: `accelerator: "nvidia.com/gpu"` on Kubernetes (the fix
inserts it), a Vertex AI type such as `"NVIDIA_TESLA_T4"` on Vertex.
"""

    def check(self, context: LintContext) -> None:
        if context.target == "kfp-v1":
            return
        for pipeline in context.pipelines:
            for step in pipeline.steps:
                if not requests_gpus(step) or step.option("accelerator") is not None:
                    continue
                entry = step.option("gpus")
                assert entry is not None, "requests_gpus(step) read it"
                if context.target == "vertex":
                    context.report(
                        "`gpus` without `accelerator`: Vertex AI needs the accelerator type",
                        entry.span,
                        hint='add an accelerator type such as `accelerator: "NVIDIA_TESLA_T4"`',
                    )
                    continue
                addition = f'accelerator: "{KUBERNETES_GPU}"'
                context.report(
                    "`gpus` without `accelerator`: KFP v2 ignores a GPU count that has no accelerator type",
                    entry.span,
                    hint=f"add `{addition}`",
                    fix=Fix(
                        f"add `{addition}`", context.insertion(context.offsets(entry.value.span)[1]), ", " + addition
                    ),
                )


# Docker's smallest memory limit is 6 MB; nothing useful runs in less.
_SMALLEST_MEMORY = 6 * 2**20
_HUGE_MEMORY_UNITS = ("P", "Pi", "E", "Ei")
# More cores than any common machine has: `cpu: "4000"` means 4000 cores.
_MOST_CORES = 200
# Below 10 millicores a step hardly runs: `cpu: "2m"` is 0.002 of a core.
_FEWEST_CORES = 0.01
_QUANTITY = re.compile(r"^(?P<number>[0-9.]+)(?P<unit>[A-Za-z]*)$")


def _bytes_text(count: float) -> str:
    if count < 2**10:
        return f"{count:g} byte{'s' if count != 1 else ''}"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{count / size:g} {unit} ({int(count):,} bytes)"
    return f"{count:g} bytes"


def memory_problem(text: str) -> tuple[str, str] | None:
    """(what is wrong, hint) for a valid memory quantity that is probably a mistake."""
    match = _QUANTITY.match(text)
    if match is None:
        return None
    number, unit = match["number"], match["unit"]
    count = quantities.memory_in_gb(text) * 10**9
    if unit in _HUGE_MEMORY_UNITS:
        return (
            f"memory `{text}` is {number} {unit[0]}{'i' if unit.endswith('i') else ''}B",
            f"did you mean `{number}Gi` or `{number}Ti`?",
        )
    if count >= _SMALLEST_MEMORY:
        return None
    hint = "did you mean " + " or ".join(f"`{number}{bigger}`" for bigger in _larger_memory_units(unit)) + "?"
    if not unit:
        return (f"memory `{text}` is {_bytes_text(count)}: a quantity without a unit counts bytes", hint)
    return (f"memory `{text}` is {_bytes_text(count)}, too little for a container", hint)


def _larger_memory_units(unit: str) -> list[str]:
    """The usual units (Mi, Gi) bigger than `unit`: `1Mi` is too little, so the hint is `1Gi`, not `1Mi`."""
    size = quantities.memory_in_gb(f"1{unit}")
    return [bigger for bigger in ("Mi", "Gi") if quantities.memory_in_gb(f"1{bigger}") > size]


def cpu_problem(text: str) -> tuple[str, str] | None:
    """(what is wrong, hint) for a valid CPU quantity that is probably a mistake."""
    cores = quantities.cpu_in_cores(text)
    if text.endswith("m"):
        if cores < _FEWEST_CORES:
            number = text[:-1]
            return (
                f"cpu `{text}` is {cores:g} of a core (`m` means thousandths)",
                f"did you mean `{number}` ({number} core{'s' if number != '1' else ''})?",
            )
        return None
    if cores >= _MOST_CORES:
        return (f"cpu `{text}` is {cores:g} cores", f"did you mean `{text}m` ({cores / 1000:g} cores)?")
    if 0 < cores < _FEWEST_CORES:
        return (f"cpu `{text}` is {cores:g} of a core", "write whole or fractional cores: `1`, `0.5`, `250m`")
    return None


@rule
class SuspiciousQuantity(Rule):
    code = "PTF608"
    name = "SuspiciousQuantity"
    title = "a memory or CPU quantity whose unit is probably wrong"
    tags = ("correctness",)
    explanation = """
A quantity that Kubernetes accepts but that almost certainly says something
else than was meant:

    memory: "100"      # 100 bytes: without a unit, memory counts bytes
    memory: "64Ki"     # 64 KiB: no container runs in that (did you mean 64Mi?)
    memory: "2Pi"      # two pebibytes
    cpu: "4000"        # 4000 cores (did you mean 4000m, 4 cores?)
    cpu: "2m"          # 0.002 of a core (did you mean 2?)

Memory under 6 MiB (Docker's smallest limit), in petabytes or exabytes, CPU
of 200 cores or more, and CPU under 10 millicores are flagged. `memory:
"512m"` (milli-bytes) is already an error, PTF309.

Fix: write the unit that was meant: `Mi`/`Gi` for memory, cores (`2`, `0.5`)
or millicores (`500m`) for CPU.
"""

    def check(self, context: LintContext) -> None:
        for pipeline in context.pipelines:
            for step in pipeline.steps:
                for key in ("memory", "memory_request", "cpu", "cpu_request"):
                    entry, value = _option_constant(step, key)
                    if entry is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
                        continue
                    problem = _suspicious(str(value).strip(), key.startswith("memory"))
                    if problem is not None:
                        message, hint = problem
                        context.report(
                            f"{key}: {message}" if key.endswith("_request") else message, entry.value.span, hint=hint
                        )


@lru_cache(maxsize=1024)
def _suspicious(text: str, memory: bool) -> tuple[str, str] | None:
    """(what is wrong, hint) for a valid quantity that is probably a mistake; None for a plausible one or an
    invalid one (the checker's PTF309).  A file writes the same few quantities on every step: judged once."""
    if memory:
        return memory_problem(text) if quantities.memory_error(text) is None else None
    return cpu_problem(text) if quantities.cpu_error(text) is None else None


_RESOURCE_OPTIONS = ("cpu", "cpu_request", "memory", "memory_request", "gpus")


@rule
class NoResourcesOnGpuPipeline(Rule):
    code = "PTF609"
    name = "NoResourcesOnGpuPipeline"
    title = "a step without resources in a pipeline that uses GPUs"
    tags = ("performance",)
    explanation = """
One step of the pipeline requests GPUs, and another step sets no `cpu`,
`memory` or `gpus` at all. Clusters that run GPU pipelines usually have GPU
node pools; a pod without requests is "BestEffort": the scheduler may put it
on an expensive GPU node, it may crowd the GPU step off that node, and it is
the first pod evicted when the node runs short of memory.

    train = fit(data: prep.data) with { gpus: 1, accelerator: "nvidia.com/gpu", memory: "16Gi" }
    report = summarize(model: train.model)
    ^^^^^^ step `report` sets no cpu or memory, in a pipeline whose step `train` requests GPUs

Fix: give every step of a GPU pipeline its resources:
`with { cpu: "1", memory: "2Gi" }`.
"""

    def check(self, context: LintContext) -> None:
        for pipeline in context.pipelines:
            gpu_steps = [step for step in pipeline.steps if requests_gpus(step)]
            if not gpu_steps:
                continue
            first = gpu_steps[0]
            first_gpus = first.option("gpus")
            assert first_gpus is not None, "requests_gpus(first) read it"
            for step in pipeline.steps:
                if step.task is None or step.task.component.kind != ComponentKind.CONTAINER:
                    continue  # importers and called pipelines are not pods of their own
                if any(step.option(key) is not None for key in _RESOURCE_OPTIONS):
                    continue
                context.report(
                    f"step `{step.name}` sets no cpu or memory, in a pipeline whose step `{first.name}` requests GPUs",
                    step.name_span,
                    related=[Related(first_gpus.span, f"`{first.name}` requests GPUs here")],
                    hint='add for example `with { cpu: "1", memory: "2Gi" }`',
                )
