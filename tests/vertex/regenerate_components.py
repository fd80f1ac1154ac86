"""Write the Vertex AI components that `--target vertex` lowers `serve.deploy` to.

The components are google-cloud-pipeline-components' own ModelUploadOp,
EndpointCreateOp and ModelDeployOp (for `serve.deploy`) and CustomTrainingJobOp (for
the `vertex_custom_job` step option), compiled to KFP v2 IR by kfp itself and
committed under compiler/targets/vertex_components/, so compiling never
imports gcpc or kfp.  Run this after changing the gcpc pin in pyproject.toml:

    .venv/bin/python tests/vertex/regenerate_components.py

tests/vertex/test_vertex_components.py fails when the committed files differ
from what the installed gcpc compiles to.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "compiler" / "targets" / "vertex_components"


def gcpc_components() -> dict:
    """{file name: the gcpc component} for every component the vertex target uses."""
    from google_cloud_pipeline_components.v1.custom_job import CustomTrainingJobOp
    from google_cloud_pipeline_components.v1.endpoint import EndpointCreateOp, ModelDeployOp
    from google_cloud_pipeline_components.v1.model import ModelUploadOp

    return {
        "model_upload.yaml": ModelUploadOp,
        "endpoint_create.yaml": EndpointCreateOp,
        "model_deploy.yaml": ModelDeployOp,
        "custom_training_job.yaml": CustomTrainingJobOp,
    }


def compiled_text(component) -> str:
    """The component compiled on its own by kfp, as `kfp.compiler.Compiler` writes it."""
    from kfp import compiler

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "component.yaml"
        compiler.Compiler().compile(component, str(path))
        return path.read_text(encoding="utf-8")


def main() -> int:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, component in gcpc_components().items():
        (OUTPUT / name).write_text(compiled_text(component), encoding="utf-8")
        print(f"wrote {OUTPUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
