"""serve.deploy under `ptflow run`: an archive on this disk is served here by `ptflow serve`, left running.

No cluster could fetch a local archive, and `ptflow run` has none: the step starts the same server as
`ptflow serve` on a loopback port and gives its URL as `endpoint`, so the pipeline's predict step runs
against it as it would against KServe, and the model is still there to call after the run.  A real
`ptflow run` subprocess, a real server, real HTTP; the test stops the server by the pid the manifest names.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from tests.runner.helpers import run_id_of
from tests.stdlib_serving.conftest import expected_probabilities, http_call


def pipeline(archive: Path, images) -> str:
    request = json.dumps({"instances": images[:2].tolist()})
    return f"""
import stdlib.serve as serve

pipeline deploy_here() {{
    mar = importer(uri: "{archive.as_uri()}", type: Artifact)
    isvc = serve.deploy(name: "digits", archive: mar.artifact)
    probe = serve.predict(endpoint: isvc.endpoint, model_name: "digits", request: {request})
}}
"""


def ptflow(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ptflow", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "KUBERNETES_SERVICE_HOST": ""},  # not in a pod, as on a laptop
    )


def _manifest(store: Path, run_id: str) -> tuple[dict, dict]:
    """The deploy step as `ptflow show --json` gives it, and its manifest (empty when it wrote none)."""
    shown = json.loads(ptflow("show", run_id, "--store", str(store), "--json").stdout)
    steps = {step["step"]: step for step in shown["steps"]}
    written = steps["isvc"]["output_artifacts"].get("manifest") or [{}]
    path = Path(written[0].get("uri", "").removeprefix("file://"))
    return steps, (yaml.safe_load(path.read_text()) if path.is_file() else {})


def test_deploy_serves_a_local_archive_here_and_predict_calls_it(
    tmp_path, digits_archive, digit_images, in_process_model
):
    import torch

    source = tmp_path / "deploy_here.ptflow"
    source.write_text(pipeline(digits_archive, digit_images))
    store = tmp_path / "store"
    run = ptflow("run", str(source), "--store", str(store))
    steps, manifest = _manifest(store, run_id_of(run.stdout))
    try:
        assert run.returncode == 0, run.stdout + run.stderr
        endpoint = steps["isvc"]["outputs"]["endpoint"]
        assert endpoint.startswith("http://127.0.0.1:") and manifest["endpoint"] == endpoint
        assert steps["isvc"]["outputs"]["host"] == endpoint.removeprefix("http://")
        assert manifest["stop"] == f"kill {manifest['pid']}"
        assert steps["probe"]["status"] == "SUCCEEDED"  # the predict step ran against it
        # ... and it still answers after the run, with the model's own predictions.
        status, answer = http_call(
            f"{endpoint}/v1/models/digits:predict", json.dumps({"instances": digit_images[:2].tolist()})
        )
        assert status == 200
        got = torch.tensor([prediction["probabilities"] for prediction in answer["predictions"]])
        assert torch.allclose(got, expected_probabilities(in_process_model, digit_images[:2]), atol=1e-5)
    finally:
        if manifest.get("pid"):
            os.killpg(manifest["pid"], signal.SIGTERM)
