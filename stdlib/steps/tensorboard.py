"""`torch.tensorboard`: point KFP's UI (v1) or the reader (v2) at a run's TensorBoard logs."""

from __future__ import annotations

import logging
from pathlib import Path

from ptflow.runtime.contract import Artifact, Markdown, Outputs, step

log = logging.getLogger(__name__)
# URI schemes a TensorBoard pod can read from directly (given credentials).
REMOTE_SCHEMES = ("gs://", "s3://", "minio://", "hdfs://", "azfs://", "pvc://", "volume://")


@step("torch.tensorboard", outputs={"instructions": Markdown})
def tensorboard(
    out: Outputs,
    logs: Artifact,
    logs_uri: str | None = None,
    image: str | None = None,
    pod_template_spec: dict | None = None,
) -> None:
    """Show TensorBoard logs (scalars and PyTorch profiler traces).

    KFP v1 gets a TensorBoard viewer entry in mlpipeline-ui-metadata, opened in
    `image` (default: the ptflow runtime image, which has the profiler
    plugin); KFP v2, which has no viewer, gets Markdown with the log URI and
    the commands that open it.
    """
    from ptflow.compiler.image import runtime_image

    source = logs_uri or logs.uri
    image = image or runtime_image()
    runs = describe_runs(logs.path)
    viewer_ready = source.startswith(REMOTE_SCHEMES)
    if viewer_ready:
        out.add_v1_tensorboard(source, image, pod_template_spec)
    else:
        log.warning(
            "the logs are at %s, which a TensorBoard pod can't read; on KFP v1 give logs_uri "
            "(where the logs were uploaded) to get a viewer",
            source,
        )
    out["instructions"].path.write_text(instructions(source, image, runs, viewer_ready), encoding="utf-8")
    out["instructions"].metadata.update({"log_uri": source, "runs": [name for name, _ in runs]})


def describe_runs(root: Path) -> list[tuple[str, str]]:
    """(run, what it holds) for each folder of the logs TensorBoard shows as a run."""
    found: dict[str, set[str]] = {}
    if root.is_dir():
        for path in root.rglob("*"):
            kind = (
                "scalars"
                if path.name.startswith("events.out.tfevents")
                else "profiler traces"
                if path.name.endswith((".pt.trace.json", ".pt.trace.json.gz"))
                else None
            )
            if kind:
                run = path.parent.relative_to(root).as_posix()
                found.setdefault(run, set()).add(kind)
    return [(run, ", ".join(sorted(kinds))) for run, kinds in sorted(found.items())]


def instructions(source: str, image: str, runs: list[tuple[str, str]], viewer_ready: bool) -> str:
    lines = ["# TensorBoard", "", f"Logs: `{source}`", ""]
    if runs:
        lines += ["| run | contents |", "| --- | --- |", *(f"| `{run}` | {kinds} |" for run, kinds in runs), ""]
    else:
        lines += ["No TensorBoard event files or profiler traces were found in the logs.", ""]
    lines += [
        "## Open it",
        "",
        f"- On your machine: `ptflow tensorboard {source}` (or a local run's id), which serves it on 127.0.0.1.",
        f"- Anywhere the logs can be read: `pip install tensorboard torch-tb-profiler` then "
        f"`tensorboard --logdir {source} --host 127.0.0.1`.",
        f"- In Kubeflow: create a TensorBoard in the dashboard's *Tensorboards* page with this log URI and the "
        f"image `{image}` (it has the PyTorch profiler plugin).",
        f"- On Vertex AI: `tb-gcp-uploader --tensorboard_resource_name <TENSORBOARD> --logdir {source} "
        "--experiment_name <NAME> --one_shot=True`.",
    ]
    if not viewer_ready:
        lines += [
            "",
            "*KFP v1 gets no viewer for these logs: their location is local to the step. Upload them "
            "(for example with `storage.upload`) and pass that URI as `logs_uri`.*",
        ]
    return "\n".join(lines) + "\n"
