"""The pipeline to run: a KFP v2 PipelineSpec, read from YAML or compiled from `.ptflow`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.compiler.diagnostics import Diagnostic, Diagnostics, codes
from ptflow.compiler.source import Span


@dataclass
class Pipeline:
    """A PipelineSpec document, its optional platform document, and where it came from."""

    spec: dict
    platform: dict = field(default_factory=dict)
    source: str = ""
    text: str | None = None  # the YAML text, for diagnostics that point into it
    # (DAG component key, task name) -> the `.ptflow` span that declared the task.
    source_map: dict[tuple[str, str], Span] = field(default_factory=dict)
    # Compiled task name (`condition-4`) -> the `if`/`elif`/`else` arm of the checked DAG (none for IR).
    condition_arms: dict[str, Any] = field(default_factory=dict)
    # Compiled task name (`final-summary`) -> the step's name in the `.ptflow` file (none for IR).
    step_names: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.spec.get("pipelineInfo", {}).get("name") or "pipeline")

    @property
    def root(self) -> dict:
        return self.spec.get("root", {})

    def component(self, key: str) -> dict:
        return self.spec.get("components", {})[key]

    def executor(self, label: str) -> dict:
        return self.spec.get("deploymentSpec", {}).get("executors", {})[label]

    def wants_workspace(self) -> bool:
        """Whether the pipeline asks for a workspace its steps share (kfp's `PipelineConfig(workspace=...)`)."""
        config = self.platform.get("kubernetes", {}).get("pipelineConfig", {})
        return isinstance(config, dict) and bool(config.get("workspace"))

    def kubernetes(self, label: str) -> dict:
        """The kfp-kubernetes settings of an executor (timeouts live here)."""
        executors = self.platform.get("kubernetes", {}).get("deploymentSpec", {}).get("executors", {})
        return executors.get(label) or {}

    def kubernetes_settings_without_effect(self) -> list[str]:
        """The kfp-kubernetes settings of any executor that a run on one machine cannot honour (secrets, config
        maps, image pull secrets, node selection, volumes, ...): every one but the timeout, which it keeps."""
        executors = self.platform.get("kubernetes", {}).get("deploymentSpec", {}).get("executors", {})
        names = {key for settings in executors.values() if isinstance(settings, dict) for key in settings}
        return sorted(names - {"activeDeadlineSeconds"})

    def empty_dir_fields_without_effect(self) -> list[str]:
        """The fields of the emptyDirs a run on one machine mounts but cannot honour: a memory `medium` (a
        tmpfs) and a `sizeLimit` (the kubelet evicts a pod whose emptyDir grows past it)."""
        executors = self.platform.get("kubernetes", {}).get("deploymentSpec", {}).get("executors", {})
        fields: set[str] = set()
        for settings in executors.values():
            entries = settings.get("emptyDirMounts") if isinstance(settings, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                fields.update(f for f in ("medium", "sizeLimit") if isinstance(entry, dict) and entry.get(f))
        return [f"emptyDirMounts.{f}" for f in sorted(fields)]

    def span_of(self, dag_key: str, task: str) -> Span | None:
        return self.source_map.get((dag_key, task)) or self.source_map.get(("root", task))

    def digest(self) -> str:
        text = json.dumps(self.spec, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class LoadError(Exception):
    """The input could not be turned into documents; carries the diagnostics to print."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def load(
    path: str, pipeline: str | None = None, image: str | None = None, target: str = "kfp-v2"
) -> tuple[list[dict], Pipeline, list[Diagnostic]]:
    """The documents of `path` and the Pipeline to run; warnings come back, errors raise LoadError.

    A .ptflow file is compiled for `target` (kfp-v2, or vertex where the
    pipeline goes to Vertex AI); an IR file is taken as it is.
    """
    if path.endswith(".ptflow"):
        return _compile(path, pipeline, image, target)
    diagnostics = Diagnostics()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        diagnostics.report(
            codes.CANNOT_READ_FILE, f"cannot read `{path}`: {getattr(error, 'strerror', None) or error}", None
        )
        raise LoadError(diagnostics.items) from None
    import yaml

    from ptflow.compiler.yaml_reader import load_documents

    try:
        documents = load_documents(text)  # empty documents stay, so indices match the file
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        span = Span(path, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2) if mark else None
        diagnostics.report(
            codes.RUN_NOT_RUNNABLE, f"`{path}` is not YAML: {getattr(error, 'problem', None) or error}", span
        )
        raise LoadError(diagnostics.items) from None
    loaded = from_documents(documents, path)
    loaded.text = text
    return documents, loaded, []


def main_document(documents: list[Any]) -> Any:
    """The first non-empty document: the PipelineSpec, if this is IR."""
    return next((d for d in documents if d is not None), None)


def from_documents(documents: list[Any], source: str = "") -> Pipeline:
    """The Pipeline of already-loaded documents (the pre-flight check says whether they are one)."""
    main = main_document(documents)
    spec = main if isinstance(main, dict) else {}
    platform: dict = {}
    for document in documents:
        if isinstance(document, dict) and isinstance(document.get("platforms"), dict):
            platform = document["platforms"]
    if isinstance(spec.get("platforms"), dict):  # a single-document file that inlines the platform spec
        platform = spec["platforms"]
    return Pipeline(spec, platform, source)


def _compile(path: str, pipeline: str | None, image: str | None, target: str):
    from ptflow.compiler.api import compile_file

    result = compile_file(path, target, pipeline=pipeline, image=image)
    if not result.ok:
        raise LoadError(result.diagnostics)
    documents = result.documents or []
    loaded = from_documents(documents, path)
    loaded.source_map = dict(result.source_map)
    from ptflow.runtime.runner.conditions import condition_arms

    loaded.condition_arms = condition_arms(result.graph)
    loaded.step_names = _step_names(result.graph)
    return documents, loaded, [d for d in result.diagnostics if not d.is_error]


def _step_names(graph) -> dict[str, str]:
    """Each compiled task name of the pipeline and the pipelines it calls -> the step's name as written, and
    each `if`/`elif`/`else` arm's compiled group name -> `if (line 12)`.

    Only names the compiler changed are kept (`final_summary` became `final-summary`); a name that stands
    for two spellings in different pipelines keeps its compiled form, which is right for both.
    """
    from ptflow.runtime.runner.conditions import condition_arms

    names: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(compiled: str, written: str) -> None:
        if names.setdefault(compiled, written) != written:
            ambiguous.add(compiled)

    graphs, seen = [graph], set()
    while graphs:
        current = graphs.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        for task in current.tasks.values():
            if task.name != task.step:
                add(task.name, task.step)
            graphs.append(task.component.pipeline)
        # An `if` the run skipped is shown by itself: the file names it by its keyword and line, not `condition-4`.
        for compiled, arm in condition_arms(current).items():
            if arm.span is not None:
                add(compiled, f"{arm.keyword} (line {arm.span.line})")
    return {name: step for name, step in names.items() if name not in ambiguous}
