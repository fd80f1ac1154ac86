"""`ptflow run` with persistent volume claims (stdlib/k8s.ptflow): a claim is a folder of the store.

`k8s.create_pvc` makes `<store>/volumes/<name>` and outputs the name, as KFP's driver creates the PVC;
`k8s.delete_pvc` removes it.  With `--containers` a step's `volumes` bind the folder at the mount path; that
needs a container engine, so here the bind is checked on the engine's command line the runner builds.
"""

from __future__ import annotations

from pathlib import Path

from ptflow.runtime.runner.commands import ContainerRuntime, plan
from tests.runner.helpers import bound_folders, ptflow, show, stand_in_calls, stand_in_docker

COMPONENT = """\
import stdlib.k8s as k8s
component show_name(name: str) -> (seen: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", name, seen.path]
}
"""


def write(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "claims.ptflow"
    source.write_text(COMPONENT + body)
    return source


def test_a_claim_lives_from_its_create_step_to_its_delete_step(tmp_path: Path, store: Path):
    """The created claim's name reaches the step that mounts it; the folder is gone after the delete step, and
    a claim that is never deleted stays, as a PVC would."""
    source = write(
        tmp_path,
        "pipeline claims() {\n"
        '    scratch = k8s.create_pvc(pvc_name_suffix: "-scratch", access_modes: ["ReadWriteOnce"], size: "1Gi")\n'
        '    kept = k8s.create_pvc(pvc_name: "kept-claim", access_modes: ["ReadWriteOnce"], size: "1Gi")\n'
        '    use = show_name(name: scratch.name) with { volumes: {pvc: scratch.name, mount_path: "/data"} }\n'
        "    gone = k8s.delete_pvc(pvc_name: scratch.name) with { after: [use] }\n"
        "}\n",
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stderr
    run = show(store)
    name = run["by_task"]["scratch"]["outputs"]["name"]
    assert name.endswith("-scratch") and run["by_task"]["use"]["outputs"]["seen"] == name
    assert run["by_task"]["kept"]["outputs"]["name"] == "kept-claim"
    assert sorted(p.name for p in (store / "volumes").iterdir()) == ["kept-claim"]
    # Without --containers a step can't see the claim at /data: the run says so, once.
    assert "no effect in a local run: pvcMount (PVCs are mounted with --containers)" in result.stdout


def test_creating_a_claim_that_exists_fails_the_step_as_on_kubernetes(tmp_path: Path, store: Path):
    source = write(
        tmp_path,
        "pipeline claims() {\n"
        '    kept = k8s.create_pvc(pvc_name: "kept-claim", access_modes: ["ReadWriteOnce"], size: "1Gi")\n'
        "}\n",
    )
    ptflow("run", str(source), "--store", str(store), check=True)
    again = ptflow("run", str(source), "--store", str(store))
    assert again.returncode == 1
    assert "a volume claim named `kept-claim` already exists" in again.stderr
    assert "claims.ptflow:" in again.stderr  # at the step's line


def test_deleting_a_claim_that_does_not_exist_fails_the_step(tmp_path: Path, store: Path):
    source = write(tmp_path, 'pipeline claims() {\n    gone = k8s.delete_pvc(pvc_name: "never-made")\n}\n')
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1 and "there is no volume claim named `never-made` to delete" in result.stderr


def test_a_claim_needs_exactly_one_of_name_and_suffix(tmp_path: Path, store: Path):
    source = write(
        tmp_path,
        "pipeline claims() {\n"
        '    both = k8s.create_pvc(pvc_name: "a", pvc_name_suffix: "-b", access_modes: ["ReadWriteOnce"], '
        'size: "1Gi")\n'
        "}\n",
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1 and "either `pvc_name` or `pvc_name_suffix` (exactly one)" in result.stderr
    assert not (store / "volumes" / "a").exists()


def test_a_claim_name_that_is_no_kubernetes_name_cannot_leave_the_store(tmp_path: Path, store: Path):
    source = write(
        tmp_path,
        "pipeline claims() {\n"
        '    bad = k8s.create_pvc(pvc_name: "../../outside", access_modes: ["ReadWriteOnce"], size: "1Gi")\n'
        "}\n",
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 1 and "is not a Kubernetes name for a volume claim" in result.stderr
    assert not (tmp_path / "outside").exists()


def test_in_a_container_the_claim_folder_is_bound_at_the_mount_path(tmp_path: Path):
    folder = tmp_path / "volumes" / "data-claim" / "models"
    command = plan(
        ["python", "train.py"],
        "trainer:1",
        {},
        "/work",
        [str(tmp_path)],
        ContainerRuntime("docker"),
        volumes=[(str(folder), "/data")],
    )
    assert command.how == "container"
    argv = command.argv
    bound = bound_folders(argv)
    assert bound == [f"{tmp_path}:{tmp_path}", f"{folder}:/data"]


def test_with_containers_the_engine_binds_a_steps_claim_at_its_mount_path(tmp_path: Path, store: Path):
    """`ptflow run --containers` (a stand-in docker records the command line): the claim the step mounts is
    its folder in the store, bound at the mount path; without --containers nothing is bound (above)."""
    source = tmp_path / "bound.ptflow"
    source.write_text(
        "import stdlib.k8s as k8s\n"
        'component uses() {\n    image = "alpine:3"\n    command = ["true"]\n}\n'
        "pipeline claims() {\n"
        '    claim = k8s.create_pvc(pvc_name: "data-claim", access_modes: ["ReadWriteOnce"], size: "1Gi")\n'
        '    use = uses() with { volumes: {pvc: claim.name, mount_path: "/data"} }\n'
        "}\n"
    )
    env = stand_in_docker(tmp_path)
    result = ptflow("run", str(source), "--store", str(store), "--containers", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no effect in a local run" not in result.stdout
    (call,) = stand_in_calls(env)
    bound = bound_folders(call["argv"])
    assert f"{store.resolve() / 'volumes' / 'data-claim'}:/data" in bound
