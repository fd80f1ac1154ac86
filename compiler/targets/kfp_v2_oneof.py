"""`oneof(...)` in KFP v2 IR, as kfp 2.17 writes `dsl.OneOf`.

kfp makes a OneOf an output of the `condition-branches-N` DAG that holds the
arms, named `pipelinechannel--condition-branches-N-oneof-K` (K counts the
OneOfs of that chain), whose value is the first of its selectors that has
one: `valueFromOneof.parameterSelectors` for parameters, several
`artifactSelectors` for artifacts.  Each selector reads an output of one arm's
`condition-M` DAG, which surfaces its step's output as
`pipelinechannel--<task>-<output>`.  Consumers then read the OneOf like any
task output of the chain (`taskOutputParameter` from `condition-branches-N`,
or a `pipelinechannel--condition-branches-N-pipelinechannel--...` input
inside a nested group).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptflow.compiler import dag, types

if TYPE_CHECKING:
    from ptflow.compiler.targets.kfp_v2 import Channel, _Lowering

PREFIX = "pipelinechannel--"


def selection(type_: types.Type, producer: str, key: str) -> dict:
    """A DAG output read from one output of one of its tasks."""
    if type_.is_artifact:
        return {"artifactSelectors": [{"outputArtifactKey": key, "producerSubtask": producer}]}
    return {"valueFromParameter": {"outputParameterKey": key, "producerSubtask": producer}}


class OneOfOutputs:
    """The OneOf outputs of one pipeline's chains: their names, and the DAG outputs that make them."""

    def __init__(self, lowering: _Lowering):
        self.lowering = lowering
        self.keys: dict[dag.OneOf, str] = {}  # equal oneofs are one output
        self.counts: dict[int, int] = {}  # id(branches group) -> OneOfs named so far
        self.surfaced: set[dag.OneOf] = set()

    def key(self, value: dag.OneOf) -> str:
        """`pipelinechannel--condition-branches-N-oneof-K`: the output of the chain that carries it."""
        if value not in self.keys:
            count = self.counts.get(id(value.branches), 0) + 1
            self.counts[id(value.branches)] = count
            self.keys[value] = f"{PREFIX}{self.lowering.name_of(value.branches)}-oneof-{count}"
        return self.keys[value]

    def channel(self, value: dag.OneOf) -> Channel:
        from ptflow.compiler.targets.kfp_v2 import Channel, ChannelOrigin, _definition

        branches = self.lowering.name_of(value.branches)
        key = self.key(value)
        return Channel(
            f"{branches}-{key}", _definition(value.type), producer=branches, key=key, origin=ChannelOrigin.TASK
        )

    def surface(self, value: dag.OneOf) -> None:
        """Each arm's DAG outputs its step's output; the chain's DAG outputs the first that has a value."""
        if value in self.surfaced:
            return
        self.surfaced.add(value)
        lowering = self.lowering
        selectors = []
        for choice in value.choices:
            arm = lowering.graph.tasks[choice.task].group
            surfaced = f"{PREFIX}{choice.task}-{choice.output}"
            lowering.dag_outputs.setdefault(lowering.name_of(arm), {})[surfaced] = {
                "producer": choice.task,
                "key": choice.output,
                "type": choice.type,
            }
            selectors.append((lowering.name_of(arm), surfaced))
        lowering.dag_outputs.setdefault(lowering.name_of(value.branches), {})[self.key(value)] = {
            "type": value.type,
            "selectors": selectors,
        }

    def surface_to_root(self, value: dag.OneOf) -> None:
        """A returned OneOf: also an output of each group between the root and the chain (the exit handler)."""
        self.surface(value)
        lowering = self.lowering
        source_name, source_key = lowering.name_of(value.branches), self.key(value)
        surfaced = self.channel(value).input_name
        for node in reversed(lowering.parents[id(value.branches)][1:-1]):
            lowering.dag_outputs.setdefault(lowering.name_of(node), {})[surfaced] = {
                "producer": source_name,
                "key": source_key,
                "type": value.type,
            }
            source_name, source_key = lowering.name_of(node), surfaced

    def root_source(self, value: dag.OneOf) -> tuple[str, str]:
        """(task of the root DAG, its output key) that a returned OneOf is read from."""
        lowering = self.lowering
        outermost = lowering.parents[id(value.branches)][1]
        if outermost is value.branches:
            return lowering.name_of(value.branches), self.key(value)
        return lowering.name_of(outermost), self.channel(value).input_name

    @staticmethod
    def write_output(key: str, output: dict, dag_outputs: dict, definitions: dict) -> None:
        """The chain's DAG output `key` and its definition, as kfp writes a OneOf."""
        from ptflow.compiler.targets.kfp_v2 import _artifact_type, parameter_type

        type_ = output["type"]
        if type_.is_artifact:
            dag_outputs.setdefault("artifacts", {})[key] = {
                "artifactSelectors": [
                    {"outputArtifactKey": selector_key, "producerSubtask": producer}
                    for producer, selector_key in output["selectors"]
                ]
            }
            definition: dict = {"artifactType": _artifact_type(type_)}
            if type_.is_list:
                definition["isArtifactList"] = True
            definitions.setdefault("artifacts", {})[key] = definition
        else:
            dag_outputs.setdefault("parameters", {})[key] = {
                "valueFromOneof": {
                    "parameterSelectors": [
                        {"outputParameterKey": selector_key, "producerSubtask": producer}
                        for producer, selector_key in output["selectors"]
                    ]
                }
            }
            definitions.setdefault("parameters", {})[key] = {"parameterType": parameter_type(type_)}
