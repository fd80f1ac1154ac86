"""distributed.pytorchjob: real DDP runs here under torchrun (gloo on CPU), and the cluster mode against a
local stand-in for the Kubernetes API (no cluster or training operator runs here)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import torch
import yaml

from ptflow.compiler.image import DEFAULT_RUNTIME_IMAGE
from tests.runtime.steps import run_step
from tests.stdlib_serving import kubernetes_standin

DDP_PROGRAM = str(Path(__file__).with_name("ddp_program.py"))
JOBS_PATH = "/apis/kubeflow.org/v1/namespaces/{namespace}/pytorchjobs"
NOT_IN_A_POD = {"KUBERNETES_SERVICE_HOST": ""}


def pytorchjob(outputs, *arguments, env=None, timeout=300):
    return run_step(
        "distributed.pytorchjob",
        *arguments,
        "--outputs-dir",
        outputs,
        env={**NOT_IN_A_POD, **(env or {})},
        timeout=timeout,
    )


def test_a_local_run_trains_with_ddp_on_two_processes_and_keeps_rank_0s_model(tmp_path):
    # mode "auto" outside a pod runs here: master + 1 worker = 2 processes.
    pytorchjob(tmp_path, "--command", json.dumps(["python", DDP_PROGRAM, "--output", "{output}"])).check()
    assert (tmp_path / "state").read_text() == "Succeeded"
    output = tmp_path / "output"
    saved = torch.load(output / "model.pt")
    ranks = [torch.load(output / f"rank-{rank}.pt") for rank in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert [r["local_rank"] for r in ranks] == [0, 1]
    for name, value in saved.items():
        assert torch.equal(value, ranks[0]["state"][name])  # the model is what rank 0 saved...
        assert torch.equal(value, ranks[1]["state"][name])  # ...and DDP kept rank 1 identical
        assert not torch.equal(value, ranks[0]["initial"][name])  # it trained
    assert ranks[0]["losses"] != ranks[1]["losses"]  # on different shards
    assert ranks[0]["losses"][-1] < ranks[0]["losses"][0]
    record = json.loads((tmp_path / "job").read_text())
    assert record["mode"] == "local" and record["processes"] == 2 and record["returncode"] == 0
    assert "--nproc_per_node" in record["command"] and "2" in record["command"]


def test_the_stdlib_trainer_runs_as_a_local_ddp_job(tmp_path):
    run_step("torch.prepare_images", "--outputs-dir", tmp_path / "prepared", "--max_samples", "300").check()
    command = [
        "python",
        "-m",
        "ptflow.runtime",
        "torch.train",
        "--data",
        str(tmp_path / "prepared" / "data"),
        "--accelerator",
        "cpu",
        "--devices",
        "2",
        "--strategy",
        "ddp",
        "--batch_size",
        "32",
        "--outputs-dir",
        "{output}",
    ]
    pytorchjob(tmp_path / "job", "--command", json.dumps(command), "--mode", "local").check()
    log = "\n".join(json.loads((tmp_path / "job" / "job").read_text())["log_tail"])
    assert "MEMBER: 1/2" in log and "MEMBER: 2/2" in log  # Lightning saw both ranks
    model = tmp_path / "job" / "output" / "model_file"
    assert json.loads((model / "ptflow-model.json").read_text())["format"] == "torchscript"
    assert 0 <= float((tmp_path / "job" / "output" / "accuracy").read_text()) <= 1


def test_a_failing_rank_fails_the_step_with_its_output(tmp_path):
    program = tmp_path / "fails.py"
    program.write_text("import os, sys\nif os.environ['RANK'] == '1':\n    print('rank 1 gives up')\n    sys.exit(3)\n")
    result = pytorchjob(tmp_path / "out", "--command", json.dumps(["python", str(program)]), "--mode", "local")
    assert result.returncode == 1
    assert "the local distributed run (2 processes under torchrun) failed" in result.stderr
    assert "rank 1 gives up" in result.stderr


def test_a_local_run_past_its_timeout_is_stopped(tmp_path):
    program = tmp_path / "hangs.py"
    program.write_text(
        "import os, time\nopen(os.path.join(os.environ['OUT'], f\"pid-{os.environ['RANK']}\"), 'w')"
        ".write(str(os.getpid()))\ntime.sleep(120)\n"
    )
    result = pytorchjob(
        tmp_path / "out",
        "--command",
        json.dumps(["python", str(program)]),
        "--mode",
        "local",
        "--timeout",
        "8",
        "--env",
        json.dumps({"OUT": str(tmp_path)}),
    )
    assert result.returncode == 1  # had the ranks slept on to their end, they would have exited 0
    assert "did not finish within 8 s" in result.stderr
    pids = [int(path.read_text()) for path in tmp_path.glob("pid-*")]
    assert len(pids) == 2
    for pid in pids:  # no rank is left running
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# ------------------------------------------------------------------ cluster mode (stand-in API)

CREATED = {"conditions": [{"type": "Created", "status": "True", "reason": "PyTorchJobCreated"}]}
RUNNING = {
    "conditions": [*CREATED["conditions"], {"type": "Running", "status": "True"}],
    "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 2}},
}
SUCCEEDED = {
    "conditions": [
        *CREATED["conditions"],
        {"type": "Running", "status": "False"},
        {"type": "Succeeded", "status": "True", "reason": "PyTorchJobSucceeded"},
    ],
    "replicaStatuses": {"Master": {"succeeded": 1}, "Worker": {"succeeded": 2}},
}
FAILED = {
    "conditions": [
        *CREATED["conditions"],
        {
            "type": "Failed",
            "status": "True",
            "reason": "PyTorchJobFailed",
            "message": "PyTorchJob team-a/bert-ddp has failed because 1 Master replica(s) failed.",
        },
    ]
}


@pytest.fixture
def cluster_with(tmp_path):
    started = []

    def start(*statuses):
        standin = kubernetes_standin.start({"pytorchjobs": list(statuses)})
        started.append(standin)
        return standin, {"KUBECONFIG": str(standin.write_kubeconfig(tmp_path / "kubeconfig", "team-a"))}

    yield start
    for standin in started:
        kubernetes_standin.stop(standin)


def test_the_cluster_job_has_master_workers_resources_and_run_policy(cluster_with, tmp_path):
    standin, env = cluster_with(CREATED, RUNNING, SUCCEEDED)
    pytorchjob(
        tmp_path,
        "--mode",
        "cluster",
        "--name",
        "bert-ddp",
        "--command",
        json.dumps(["python", "train.py", "--out", "{output}", "--hparams", '{"lr": 0.1}']),
        "--workers",
        "2",
        "--gpus",
        "1",
        "--cpu",
        "4",
        "--memory",
        "8Gi",
        "--pvc",
        "dist-vol",
        "--output_dir",
        "/mnt/shared/run-1",
        "--env",
        '{"NCCL_DEBUG": "INFO"}',
        "--active_deadline",
        "7200",
        "--backoff_limit",
        "2",
        "--clean_pod_policy",
        "All",
        "--ttl_after_finished",
        "600",
        env=env,
    ).check()

    (created,) = standin.calls_to("POST")
    assert created.path == JOBS_PATH.format(namespace="team-a")
    job = created.body
    assert (job["apiVersion"], job["kind"]) == ("kubeflow.org/v1", "PyTorchJob")
    assert job["spec"]["runPolicy"] == {
        "cleanPodPolicy": "All",
        "activeDeadlineSeconds": 7200,
        "backoffLimit": 2,
        "ttlSecondsAfterFinished": 600,
    }
    replicas = job["spec"]["pytorchReplicaSpecs"]
    assert (replicas["Master"]["replicas"], replicas["Worker"]["replicas"]) == (1, 2)
    for replica in replicas.values():
        assert replica["restartPolicy"] == "OnFailure"
        template = replica["template"]
        assert template["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
        (container,) = template["spec"]["containers"]
        assert container["name"] == "pytorch"  # the name the training operator looks for
        assert container["image"] == DEFAULT_RUNTIME_IMAGE
        assert container["command"] == ["python", "train.py", "--out", "/mnt/shared/run-1", "--hparams", '{"lr": 0.1}']
        assert container["resources"] == {
            "requests": {"cpu": "4", "memory": "8Gi"},
            "limits": {"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": "1"},
        }
        assert container["env"] == [{"name": "NCCL_DEBUG", "value": "INFO"}]
        assert container["volumeMounts"] == [{"name": "shared", "mountPath": "/mnt/shared"}]
        assert template["spec"]["volumes"] == [{"name": "shared", "persistentVolumeClaim": {"claimName": "dist-vol"}}]

    assert (tmp_path / "state").read_text() == "Succeeded"
    (deleted,) = standin.calls_to("DELETE")  # delete_after_done
    assert deleted.path == JOBS_PATH.format(namespace="team-a") + "/bert-ddp"
    applied, final = yaml.safe_load_all((tmp_path / "job").read_text())
    assert applied == job and final["status"]["replicaStatuses"]["Worker"] == {"succeeded": 2}
    assert json.loads((tmp_path / "output" / "location.json").read_text())["output_dir"] == "/mnt/shared/run-1"


def test_several_processes_per_pod_run_under_torchrun(cluster_with, tmp_path):
    standin, env = cluster_with(SUCCEEDED)
    pytorchjob(
        tmp_path,
        "--mode",
        "cluster",
        "--command",
        '["python", "train.py"]',
        "--nproc_per_node",
        "4",
        "--workers",
        "0",
        "--image",
        "registry.example.com/train:1",
        "--delete_after_done",
        "false",
        env=env,
    ).check()
    job = standin.calls_to("POST")[0].body
    assert "Worker" not in job["spec"]["pytorchReplicaSpecs"]
    (container,) = job["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.example.com/train:1"
    shell, flag, script, name, *program = container["command"]
    assert (shell, flag, program) == ("sh", "-c", ["python", "train.py"])
    assert "torch.distributed.run" in script and "--nproc_per_node 4" in script
    assert '--nnodes "$WORLD_SIZE" --node_rank "$RANK"' in script
    assert job["metadata"]["name"].startswith("ptflow-")
    assert standin.calls_to("DELETE") == []


def test_a_failed_job_fails_the_step_with_the_operators_reason(cluster_with, tmp_path):
    standin, env = cluster_with(CREATED, FAILED)
    result = pytorchjob(tmp_path, "--mode", "cluster", "--name", "bert-ddp", "--command", '["python", "t.py"]', env=env)
    assert result.returncode == 1
    assert (
        "PyTorchJob team-a/bert-ddp failed: PyTorchJobFailed: PyTorchJob team-a/bert-ddp has failed because 1 "
        "Master replica(s) failed." in result.stderr
    )
    assert len(standin.calls_to("DELETE")) == 1


def test_a_job_past_the_steps_timeout_is_deleted(cluster_with, tmp_path):
    standin, env = cluster_with(CREATED, RUNNING)
    result = pytorchjob(
        tmp_path, "--mode", "cluster", "--name", "slow", "--command", '["python", "t.py"]', "--timeout", "2", env=env
    )
    assert result.returncode == 1
    assert "PyTorchJob team-a/slow was not done after 2 s: Master: 1 active; Worker: 2 active" in result.stderr
    assert [call.path.rsplit("/", 1)[-1] for call in standin.calls_to("DELETE")] == ["slow"]


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--command", "[]"], "--command: the program to run"),
        (["--command", '["python", ""]'], "--command: the program to run"),
        (["--command", '["python", "t.py"]', "--workers", "-1"], "can't be negative"),
        (["--command", '["python", "t.py"]', "--mode", "cloud"], "use auto, cluster or local"),
        (["--command", '["python", "t.py", "{output}"]', "--mode", "cluster"], "the cluster run needs --output_dir"),
        (
            ["--command", '["python", "t.py"]', "--mode", "cluster", "--clean_pod_policy", "Some"],
            "use one of Running, All, None",
        ),
        (["--command", '["python", "t.py"]', "--mode", "cluster", "--name", "Bad_Name"], "a job name is 1-63"),
        (["--command", '["python", "t.py", "{data}"]'], "--command uses {data} but no --data is given"),
    ],
)
def test_bad_inputs_fail_before_anything_runs(cluster_with, tmp_path, arguments, expected):
    standin, env = cluster_with(SUCCEEDED)
    result = pytorchjob(tmp_path, *arguments, env=env)
    assert result.returncode == 2
    assert expected in result.stderr
    assert standin.calls == []


def test_a_missing_program_is_reported_locally(tmp_path):
    result = pytorchjob(tmp_path, "--command", '["no-such-trainer", "--x"]', "--mode", "local")
    assert result.returncode == 1
    assert "`no-such-trainer` is not a program on this machine's PATH" in result.stderr


def test_python_means_this_interpreter(tmp_path):
    program = tmp_path / "which.py"
    program.write_text(
        "import os, sys\nif os.environ['RANK'] == '0':\n"
        "    open(os.path.join(sys.argv[1], 'python.txt'), 'w').write(sys.executable)\n"
    )
    pytorchjob(
        tmp_path / "out",
        "--command",
        json.dumps(["python3", str(program), "{output}"]),
        "--mode",
        "local",
        "--workers",
        "0",
    ).check()
    assert (tmp_path / "out" / "output" / "python.txt").read_text() == sys.executable


def test_in_the_cluster_the_pipelines_dataset_is_copied_where_the_replicas_read_it(cluster_with, tmp_path):
    """As the original's "copy to PVC": `data_dir` stands for the shared volume, mounted in the step too."""
    standin, env = cluster_with(SUCCEEDED)
    dataset = tmp_path / "prepared"
    (dataset / "train").mkdir(parents=True)
    (dataset / "dataset.json").write_text("{}")
    (dataset / "train" / "shard-0.tar").write_bytes(b"shard")
    volume = tmp_path / "volume"  # what the step's own mount of the claim would be
    volume.mkdir()
    pytorchjob(
        tmp_path / "out",
        "--mode",
        "cluster",
        "--name",
        "bert-ddp",
        "--pvc",
        "dist-vol",
        "--command",
        json.dumps(["python", "train.py", "--data", "{data}", "--out", "{output}"]),
        "--data",
        dataset,
        "--data_dir",
        volume / "news",
        "--output_dir",
        "/mnt/shared/run-1",
        env=env,
    ).check()
    (container,) = standin.calls_to("POST")[0].body["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"][
        "containers"
    ]
    assert container["command"] == ["python", "train.py", "--data", str(volume / "news"), "--out", "/mnt/shared/run-1"]
    assert (volume / "news" / "train" / "shard-0.tar").read_bytes() == b"shard"

    result = pytorchjob(
        tmp_path / "unmounted",
        "--mode",
        "cluster",
        "--command",
        '["python", "t.py", "{data}"]',
        "--data",
        dataset,
        "--data_dir",
        "/nowhere/mounted/news",
        env=env,
    )
    assert result.returncode == 1 and "mount the volume the replicas share here too" in result.stderr


def test_the_archive_takes_the_model_from_a_training_runs_output_folder(tmp_path, digits_model):
    """pytorchjob's output holds torch.train's folder (here) or names it on the volume (cluster)."""
    import shutil

    run_folder = tmp_path / "on-the-volume" / "run-1"
    shutil.copytree(digits_model, run_folder / "model_file")
    pointer = tmp_path / "output"
    pointer.mkdir()
    (pointer / "location.json").write_text(json.dumps({"output_dir": str(run_folder), "pvc": "dist-vol"}))
    for model in (run_folder, pointer):
        run_step(
            "serve.archive", "--model", model, "--name", "digits", "--outputs-dir", tmp_path / f"archived-{model.name}"
        ).check()
        assert (tmp_path / f"archived-{model.name}" / "archive" / "model-store" / "digits.mar").is_file()
