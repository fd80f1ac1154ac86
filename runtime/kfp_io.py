"""What a step tells KFP after it ran: the v2 executor output and the v1 UI files.

KFP v2 gives the step its executor input (`--executor-input {{$}}`): input
artifact URIs and metadata, output artifact URIs, and `outputs.outputFile`,
where the step writes its executor output.  Metadata of Metrics and
ClassificationMetrics reaches ML Metadata and the UI only through that file.

KFP v1 reads two files instead: `mlpipeline-metrics` (scalar metrics) and
`mlpipeline-ui-metadata` (confusion matrices, markdown, TensorBoard viewers).
Everything is carried inline, so nothing depends on an object store address.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import (
    HTML,
    Artifact,
    ClassificationMetrics,
    Markdown,
    Metrics,
    Outputs,
    Port,
    UsageError,
    render_parameter,
)

# Markdown larger than this is cut in the v1 UI entry (the UI and the Argo
# output parameter limits make very large inline entries fail).
_V1_MARKDOWN_LIMIT = 200_000
# The same for an HTML page (heat maps are inlined as PNG data URLs, so pages are larger).
_V1_HTML_LIMIT = 1_000_000


@dataclass
class ExecutorInput:
    """The parts of KFP v2's executor input a step uses."""

    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> ExecutorInput | None:
        if text is None:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"--executor-input: not JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(data, dict):
            raise UsageError("--executor-input: expected a JSON object")
        return cls(data)

    def _artifact(self, side: str, name: str) -> dict:
        entries = self.raw.get(side, {}).get("artifacts", {}).get(name, {}).get("artifacts") or [{}]
        return entries[0]

    def input_artifact(self, name: str) -> dict:
        return self._artifact("inputs", name)

    def output_artifact(self, name: str) -> dict:
        return self._artifact("outputs", name)

    @property
    def output_file(self) -> str | None:
        return self.raw.get("outputs", {}).get("outputFile")


def write_text_atomically(path: Path, text: str) -> None:
    """Write a small file so that a reader never sees it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_output_parameters(values: dict[str, Any], paths: dict[str, Path]) -> None:
    for name, value in values.items():
        if name in paths:
            write_text_atomically(paths[name], render_parameter(value))


def write_metrics_files(outputs: Outputs) -> None:
    """Metrics and ClassificationMetrics artifacts as JSON files at their own paths.

    KFP itself reads only their metadata; the files let anyone holding the
    artifact (the local runner, a notebook) read the same numbers.
    """
    for artifact in outputs.artifacts.values():
        if isinstance(artifact, (Metrics, ClassificationMetrics)) and not artifact.path.is_dir():
            write_text_atomically(artifact.path, json.dumps(artifact.metadata, indent=2, sort_keys=True) + "\n")


def executor_output(outputs: Outputs, parameters: dict[str, Any]) -> dict:
    """The executor output JSON, in the layout kfp's own Python executor writes."""
    document: dict[str, Any] = {}
    if outputs.artifacts:
        document["artifacts"] = {
            port: {"artifacts": [{"name": artifact.runtime_name, "uri": artifact.uri, "metadata": artifact.metadata}]}
            for port, artifact in outputs.artifacts.items()
        }
    if parameters:
        document["parameterValues"] = parameters
    return document


def write_executor_output(executor_input: ExecutorInput, outputs: Outputs, parameters: dict[str, Any]) -> None:
    path = executor_input.output_file
    if path:
        write_text_atomically(Path(path), json.dumps(executor_output(outputs, parameters)))


# ---------------------------------------------------------------------- v1


def v1_metrics(outputs: Outputs) -> dict:
    metrics = []
    for artifact in outputs.artifacts.values():
        if isinstance(artifact, Metrics):
            for name, value in artifact.metadata.items():
                metrics.append(
                    {"name": v1_metric_name(name), "numberValue": value, "format": artifact.formats.get(name, "RAW")}
                )
    return {"metrics": metrics}


def v1_metric_name(name: str) -> str:
    """`name` in the spelling KFP v1 accepts (letters, digits, `-`, `_`; 64 at most)."""
    cleaned = re.sub(r"[^-_a-zA-Z0-9]", "-", name).strip("-_") or "metric"
    if not cleaned[0].isalpha():
        cleaned = "m-" + cleaned
    return cleaned[:64].rstrip("-_")


def v1_ui_metadata(outputs: Outputs) -> dict:
    entries: list[dict] = []
    for artifact in outputs.artifacts.values():
        if isinstance(artifact, ClassificationMetrics) and artifact.confusion_matrix:
            entries.append(v1_confusion_matrix(*artifact.confusion_matrix))
        elif isinstance(artifact, Markdown) and artifact.path.is_file():
            text = artifact.path.read_text(encoding="utf-8")
            if len(text) > _V1_MARKDOWN_LIMIT:
                text = text[:_V1_MARKDOWN_LIMIT] + "\n\n*(cut; the whole text is in the artifact)*\n"
            entries.append({"type": "markdown", "storage": "inline", "source": text})
        elif isinstance(artifact, HTML) and artifact.path.is_file():
            # KFP v1 shows an HTML page in a `web-app` viewer (an iframe of the inline page).
            page = artifact.path.read_text(encoding="utf-8")
            if len(page) > _V1_HTML_LIMIT:
                page = (
                    f"<p>The page is {len(page)} characters, too large to show inline; it is the step's "
                    f"`{artifact.port}` output.</p>"
                )
            entries.append({"type": "web-app", "storage": "inline", "source": page})
    entries.extend(outputs.v1_ui_entries)
    return {"outputs": entries}


def v1_confusion_matrix(categories: list[str], rows: list[list[int]]) -> dict:
    """A v1 confusion-matrix viewer entry with the CSV carried inline."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for target, row in zip(categories, rows):
        for predicted, count in zip(categories, row):
            writer.writerow([target, predicted, count])
    return {
        "type": "confusion_matrix",
        "format": "csv",
        "schema": [
            {"name": "target", "type": "CATEGORY"},
            {"name": "predicted", "type": "CATEGORY"},
            {"name": "count", "type": "NUMBER"},
        ],
        "storage": "inline",
        "source": buffer.getvalue(),
        "labels": list(categories),
    }


def write_v1_files(outputs: Outputs, ui_metadata_path: Path | None, metrics_path: Path | None) -> None:
    if metrics_path is not None:
        write_text_atomically(metrics_path, json.dumps(v1_metrics(outputs)))
    if ui_metadata_path is not None:
        write_text_atomically(ui_metadata_path, json.dumps(v1_ui_metadata(outputs)))


def artifact_for(port: Port, path: str, executor_input: ExecutorInput | None, side: str) -> Artifact:
    """The artifact object a step sees for `port`, with what v2 knows about it."""
    known = {}
    if executor_input is not None:
        known = (
            executor_input.input_artifact(port.name) if side == "input" else executor_input.output_artifact(port.name)
        )
    return port.type.artifact_class(
        port.name,
        path,
        uri=known.get("uri") or None,
        metadata=known.get("metadata") or {},
        runtime_name=known.get("name", ""),
    )
