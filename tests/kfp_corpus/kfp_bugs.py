"""Bugs in kfp's compiled output that ptflow does not copy, and how to fix kfp's document before comparing.

Used by the twins and the import round trip (README.md, "kfp bugs met on the way").
"""

from __future__ import annotations


def _wait_for_every_producer(document: dict) -> None:
    """kfp bug: a task that reads a producer's output only in its resources (`set_cpu_limit(task.output)`)
    gets the input but no `dependentTasks` entry, and KFP's backend orders tasks by `dependentTasks` alone,
    so the step may start before the value exists.  ptflow makes it wait; this writes kfp's document as
    it should be: every task depends on the producers of its inputs."""
    for task in document["root"]["dag"]["tasks"].values():
        parameters = task.get("inputs", {}).get("parameters", {}).values()
        producers = {p["taskOutputParameter"]["producerTask"] for p in parameters if "taskOutputParameter" in p}
        if producers:
            task["dependentTasks"] = sorted(set(task.get("dependentTasks", [])) | producers)


# Corpus files whose kfp output has a bug ptflow does not copy (README.md, "kfp bugs met on the way"): the fix
# applied to kfp's document before comparing.
KFP_BUG_FIXES = {"pipeline_with_string_machine_fields_task_output": _wait_for_every_producer}
