"""PVC lifecycle (stdlib/k8s.ptflow): what each target makes of `k8s.create_pvc` / `k8s.delete_pvc`.

kfp-v2 writes them as kfp-kubernetes' CreatePVC and DeletePVC (the corpus twins `pipeline_with_volume*`,
`kubernetes/create_mount_delete_*` and `parallel_for_mount_pvc` compare them with kfp's output); kfp-v1 and
vertex refuse them at the step's line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    "target,create,delete",
    [
        (
            "kfp-v1",
            "step `claim` creates a persistent volume claim (kfp-kubernetes' resource step), which is not "
            "supported by kfp-v1 (KFP 1.x / Argo)",
            "step `gone` deletes a persistent volume claim (kfp-kubernetes' resource step), which is not "
            "supported by kfp-v1 (KFP 1.x / Argo)",
        ),
        (
            "vertex",
            "step `claim` creates a persistent volume claim on a Kubernetes cluster; vertex can't run it",
            "step `gone` deletes a persistent volume claim on a Kubernetes cluster; vertex can't run it",
        ),
    ],
)
def test_kfp_v1_and_vertex_refuse_the_claim_steps_at_their_lines(tmp_path, target, create, delete):
    result = compiled(tmp_path, target)
    assert not result.ok
    found = {(d.code, d.span.line, d.message) for d in result.diagnostics}
    assert ("PTF501", CREATE_LINE, create) in found
    assert ("PTF501", DELETE_LINE, delete) in found
