"""A large KFP-1.x-style Argo Workflow, generated: a chain of N container steps.

Shaped like kfp 1.8's output for the research benchmark (each step reads the
previous step's output file by value), so validation time can be measured at
scale without kfp 1.8 installed.
"""

from __future__ import annotations

import json


def chain_workflow(steps: int) -> dict:
    templates = []
    tasks = []
    for index in range(steps):
        name = f"step-{index}"
        inputs = [{"name": f"step-{index - 1}-out"}] if index else [{"name": "seed"}]
        argument = (
            f"{{{{tasks.step-{index - 1}.outputs.parameters.step-{index - 1}-out}}}}"
            if index
            else "{{inputs.parameters.seed}}"
        )
        consumed = f"{{{{inputs.parameters.{inputs[0]['name']}}}}}"
        templates.append(
            {
                "name": name,
                "container": {
                    "args": [],
                    "command": ["sh", "-c", 'echo "$0" > "$1"', consumed, "/tmp/outputs/out/data"],
                    "image": "alpine:3.19",
                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                },
                "inputs": {"parameters": inputs},
                "outputs": {
                    "parameters": [{"name": f"{name}-out", "valueFrom": {"path": "/tmp/outputs/out/data"}}],
                    "artifacts": [{"name": f"{name}-out", "path": "/tmp/outputs/out/data"}],
                },
                "retryStrategy": {"limit": 2},
                "metadata": {
                    "labels": {
                        "pipelines.kubeflow.org/pipeline-sdk-type": "kfp",
                        "pipelines.kubeflow.org/enable_caching": "true",
                    },
                    "annotations": {
                        "pipelines.kubeflow.org/component_spec": json.dumps({"name": "step"}),
                        "pipelines.kubeflow.org/arguments.parameters": json.dumps({"x": consumed}),
                    },
                },
            }
        )
        task = {
            "name": name,
            "template": name,
            "arguments": {"parameters": [{"name": inputs[0]["name"], "value": argument}]},
        }
        if index:
            task["dependencies"] = [f"step-{index - 1}"]
        tasks.append(task)
    templates.append({"name": "chain", "inputs": {"parameters": [{"name": "seed"}]}, "dag": {"tasks": tasks}})
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "chain-", "annotations": {}, "labels": {}},
        "spec": {
            "entrypoint": "chain",
            "templates": sorted(templates, key=lambda t: t["name"]),
            "arguments": {"parameters": [{"name": "seed", "value": "1"}]},
            "serviceAccountName": "pipeline-runner",
        },
    }
