"""PVC lifecycle (stdlib/k8s.ptflow): what each target makes of `k8s.create_pvc` / `k8s.delete_pvc`.

kfp-v2 writes them as kfp-kubernetes' CreatePVC and DeletePVC (the corpus twins `pipeline_with_volume*`,
`kubernetes/create_mount_delete_*` and `parallel_for_mount_pvc` compare them with kfp's output); kfp-v1 as
kfp 1.8's VolumeOp and delete ResourceOp (the golden `tests/kfp_v1/golden/volume_lifecycle.yaml` is kfp 1.8.22's
own output); vertex refuses them at the step's line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file

SOURCE = """\
import stdlib.k8s as k8s
component use() {
    image = "alpine:3.19"
    command = ["ls", "/data"]
}
pipeline claims() {
    claim = k8s.create_pvc(pvc_name_suffix: "-data", access_modes: ["ReadWriteOnce"], size: "1Gi")
    u = use() with { volumes: {pvc: claim.name, mount_path: "/data", sub_path: "in"} }
    gone = k8s.delete_pvc(pvc_name: claim.name) with { after: [u] }
}
"""
CREATE_LINE, USE_LINE, DELETE_LINE = 7, 8, 9


def compiled(tmp_path: Path, target: str):
    path = tmp_path / "claims.ptflow"
    path.write_text(SOURCE)
    return compile_file(str(path), target)


def test_kfp_v2_lets_kfps_driver_make_and_remove_the_claim(tmp_path):
    result = compiled(tmp_path, "kfp-v2")
    assert result.ok, [d.message for d in result.diagnostics]
    spec, platform = result.documents
    executors = spec["deploymentSpec"]["executors"]
    assert executors["exec-claim"] == {"container": {"image": "argostub/createpvc"}}
    assert executors["exec-gone"] == {"container": {"image": "argostub/deletepvc"}}
    tasks = spec["root"]["dag"]["tasks"]
    assert tasks["u"]["dependentTasks"] == ["claim"]
    assert tasks["gone"]["dependentTasks"] == ["claim", "u"]
    name = {"taskOutputParameter": {"outputParameterKey": "name", "producerTask": "claim"}}
    assert platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-u"] == {
        "pvcMount": [{**name, "pvcNameParameter": name, "mountPath": "/data", "subPath": "in"}]
    }


def test_kfp_v1_creates_mounts_and_deletes_the_claim_with_argo_resource_templates(tmp_path):
    result = compiled(tmp_path, "kfp-v1")
    assert result.ok, [d.message for d in result.diagnostics]
    (workflow,) = result.documents
    templates = {t["name"]: t for t in workflow["spec"]["templates"]}
    create, delete, use = templates["claim"], templates["gone"], templates["u"]
    assert create["resource"]["action"] == "create"
    assert yaml.safe_load(create["resource"]["manifest"])["metadata"] == {"name": "{{workflow.name}}-data"}
    assert {p["name"] for p in create["outputs"]["parameters"]} == {"claim-manifest", "claim-name", "claim-size"}
    assert use["volumes"] == [
        {"name": "claim", "persistentVolumeClaim": {"claimName": "{{inputs.parameters.claim-name}}"}}
    ]
    assert use["container"]["volumeMounts"] == [{"mountPath": "/data", "name": "claim", "subPath": "in"}]
    assert delete["resource"]["action"] == "delete"
    assert yaml.safe_load(delete["resource"]["manifest"])["metadata"] == {"name": "{{inputs.parameters.claim-name}}"}
    tasks = {t["name"]: t for t in templates["claims"]["dag"]["tasks"]}
    assert tasks["u"]["dependencies"] == ["claim"]
    assert sorted(tasks["gone"]["dependencies"]) == ["claim", "u"]


def test_vertex_refuses_the_claim_steps_at_their_lines(tmp_path):
    result = compiled(tmp_path, "vertex")
    assert not result.ok
    found = {(d.code, d.span.line, d.message) for d in result.diagnostics}
    assert (
        "PTF501",
        CREATE_LINE,
        "step `claim` creates a persistent volume claim on a Kubernetes cluster; vertex can't run it",
    ) in found
    assert (
        "PTF501",
        DELETE_LINE,
        "step `gone` deletes a persistent volume claim on a Kubernetes cluster; vertex can't run it",
    ) in found


@pytest.mark.parametrize(
    "claim,step,message",
    [
        (
            'k8s.create_pvc(pvc_name_suffix: "-data", access_modes: ["ReadWriteOnce"], size: size)',
            'use() with { volumes: {pvc: claim.name, mount_path: "/data"} }',
            "`size` of `create_pvc` (step `claim`) with a value known at run time is not supported by kfp-v1 "
            "(KFP 1.x / Argo)",
        ),
        (
            'k8s.create_pvc(access_modes: ["ReadWriteOnce"], size: "1Gi")',
            'use() with { volumes: {pvc: claim.name, mount_path: "/data"} }',
            "`create_pvc` with neither `pvc_name` nor `pvc_name_suffix` (step `claim`) is not supported by kfp-v1 "
            "(KFP 1.x / Argo)",
        ),
        (
            'k8s.create_pvc(pvc_name: "d", access_modes: ["ReadWriteOnce"], size: "1Gi") with { cpu: "1" }',
            'use() with { volumes: {pvc: claim.name, mount_path: "/data"} }',
            "`cpu` on step `claim`, which creates a persistent volume claim (an Argo resource template, with no "
            "pod of its own), is not supported by kfp-v1 (KFP 1.x / Argo)",
        ),
        (
            "name_it()",
            'use() with { volumes: {pvc: claim.name, mount_path: "/data"} }',
            "mounting a PVC named by `claim.name` (step `u`), which no `k8s.create_pvc` makes, is not supported by "
            "kfp-v1 (KFP 1.x / Argo)",
        ),
    ],
)
def test_kfp_v1_refuses_what_volumeop_cannot_write(tmp_path, claim, step, message):
    path = tmp_path / "claims.ptflow"
    path.write_text(
        "import stdlib.k8s as k8s\n"
        'component use() {\n    image = "alpine:3.19"\n    command = ["ls", "/data"]\n}\n'
        'component name_it() -> (name: str) {\n    image = "alpine:3.19"\n    command = ["sh", "-c", "echo d > $0", '
        "name.path]\n}\n"
        f'pipeline claims(size: str = "1Gi") {{\n    claim = {claim}\n    u = {step}\n}}\n'
    )
    result = compile_file(str(path), "kfp-v1")
    assert [d.message for d in result.diagnostics if d.is_error] == [message]
