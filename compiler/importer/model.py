"""What an import builds before any text is written: components, pipelines and their bodies.

Values are kept as ptflow expression text (`train.model`, `"gs://x"`, `item.lr`),
since every one of them is written exactly once.
"""

from __future__ import annotations

from dataclasses import field

from ptflow.compiler.records import record


@record
class Port:
    name: str
    type: str  # ptflow type text: `int`, `Model`, `list[Dataset]`, `str?`
    default: str | None = None  # ptflow literal text
    doc: str = ""


@record
class Component:
    name: str
    inputs: list[Port]
    outputs: list[Port]
    image: str  # ptflow literal text
    command: list[str] = field(default_factory=list)  # ptflow expression text
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    doc: str = ""

    def body_key(self) -> tuple:
        """Two components with the same key are the same component (written once)."""
        return (
            tuple((p.name, p.type, p.default) for p in self.inputs),
            tuple((p.name, p.type) for p in self.outputs),
            self.image,
            tuple(self.command),
            tuple(self.args),
            tuple(sorted(self.env.items())),
            self.doc,
        )


@record
class Step:
    name: str
    callee: str
    arguments: dict[str, str]
    options: dict[str, str] = field(default_factory=dict)


@record
class Loop:
    variable: str
    items: str
    parallel: int | None
    body: list


@record
class IfChain:
    arms: list  # [(condition text or None for else, body)]


@record
class TryFinally:
    """`try { body } finally { finally_body }`: one of several exit handlers, around part of a pipeline body."""

    body: list
    finally_body: list = field(default_factory=list)
    finally_name: str | None = None  # the handler's name (`finally with { display_name: ... }`)


@record
class Pipeline:
    name: str
    inputs: list[Port]
    outputs: list[Port]
    body: list
    returns: dict[str, str] = field(default_factory=dict)
    finally_body: list = field(default_factory=list)
    finally_name: str | None = None  # the exit handler's name (`finally with { display_name: ... }`)
    doc: str = ""
    display_name: str | None = None
    given_name: str | None = None  # `name = "..."`: the compiled name, where the identifier can't say it
    pipeline_root: str | None = None
    workspace: dict | None = None  # `workspace = {size: ..., pvc_spec_patch: ...}` (kfp's PipelineConfig)


@record
class Module:
    origin: str
    components: list[Component] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)  # `import stdlib.k8s as k8s` lines the steps need
    pipelines: list[Pipeline] = field(default_factory=list)
