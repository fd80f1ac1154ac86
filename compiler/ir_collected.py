"""Which outputs of a KFP v2 IR pipeline collect a step inside an `if`: a list of zero or one values.

kfp compiles `dsl.Collected(t.output)` of a task that is in a condition but in
no loop (ptflow's `collect(t.out)`) as a pipeline output typed `LIST` (or an
artifact list) that reads the task's output through the condition's DAG with a
plain `valueFromParameter` / one `artifactSelectors` entry.  Nothing else reads
a value out of a condition's DAG that way (kfp and ptflow refuse returning an
output made inside an `if`; `dsl.OneOf` selects one value per arm).  KFP's
backend would pass on the bare value; the type says a list, and that is what
`ptflow run` gives (`[value]` when the condition held, `[]` when it did not) and
what `ptflow import` writes back (`collect(...)`).  An output read through a loop
is the loop's gathered list already, so a loop on the way means no collection.
"""

from __future__ import annotations

from ptflow.compiler.records import record


@record(frozen=True)
class CollectedOutputs:
    """The names of a pipeline's outputs that are collected from a step inside an `if`."""

    parameters: frozenset[str]
    artifacts: frozenset[str]


def collected_outputs(components: dict, pipeline: dict) -> CollectedOutputs:
    """The collected outputs of `pipeline` (the IR's `root`, or a pipeline's component), whose tasks refer to
    the IR's `components`."""
    sources = (pipeline.get("dag") or {}).get("outputs") or {}
    definitions = pipeline.get("outputDefinitions") or {}
    parameters = set()
    for name, source in (sources.get("parameters") or {}).items():
        declared = (definitions.get("parameters") or {}).get(name) or {}
        selector = (source or {}).get("valueFromParameter")
        if declared.get("parameterType") == "LIST" and selector:
            if _through_a_condition(components, pipeline, selector, artifact=False):
                parameters.add(name)
    artifacts = set()
    for name, source in (sources.get("artifacts") or {}).items():
        declared = (definitions.get("artifacts") or {}).get(name) or {}
        selectors = (source or {}).get("artifactSelectors") or []
        if declared.get("isArtifactList") and len(selectors) == 1:
            if _through_a_condition(components, pipeline, selectors[0], artifact=True):
                artifacts.add(name)
    return CollectedOutputs(frozenset(parameters), frozenset(artifacts))


def _through_a_condition(components: dict, component: dict, selector: dict, artifact: bool) -> bool:
    """Whether the value an output selects comes from a step through a condition's DAG and through no loop."""
    key_name = "outputArtifactKey" if artifact else "outputParameterKey"
    through_condition = False
    while True:
        task = ((component.get("dag") or {}).get("tasks") or {}).get(selector.get("producerSubtask", ""))
        if not isinstance(task, dict) or "parameterIterator" in task or "artifactIterator" in task:
            return False  # a loop gathers its iterations' values into the list itself
        if (task.get("triggerPolicy") or {}).get("condition"):
            through_condition = True
        component = components.get((task.get("componentRef") or {}).get("name", "")) or {}
        if "dag" not in component:
            return through_condition  # the step that makes the value
        outputs = (component["dag"].get("outputs") or {}).get("artifacts" if artifact else "parameters") or {}
        source = outputs.get(selector.get(key_name, "")) or {}
        if artifact:
            selectors = source.get("artifactSelectors") or []
            if len(selectors) != 1:
                return False  # a OneOf: the value of the arm that ran, not a list
            selector = selectors[0]
        elif "valueFromParameter" in source:
            selector = source["valueFromParameter"]
        else:
            return False
