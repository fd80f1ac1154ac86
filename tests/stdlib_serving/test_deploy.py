"""serve.deploy against a local stand-in for the Kubernetes API (no cluster runs here).

The step runs as a subprocess with the real kubernetes client, whose
kubeconfig points at tests/stdlib_serving/kubernetes_standin.py on 127.0.0.1;
the stand-in records the calls and reports the InferenceService not ready,
then ready, as KServe's controller would.
"""

from __future__ import annotations

import pytest
import yaml

from tests.runtime.steps import run_step
from tests.stdlib_serving import kubernetes_standin

ISVC_PATH = "/apis/serving.kserve.io/v1beta1/namespaces/{namespace}/inferenceservices"
NOT_READY = {
    "conditions": [
        {
            "type": "PredictorReady",
            "status": "False",
            "reason": "RevisionMissing",
            "message": 'Configuration "digits-predictor" is waiting for a Revision',
        },
        {"type": "Ready", "status": "False", "reason": "RevisionMissing"},
    ]
}
READY = {
    "url": "http://digits.team-a.example.com",
    "address": {"url": "http://digits-predictor.team-a.svc.cluster.local"},
    "conditions": [{"type": "PredictorReady", "status": "True"}, {"type": "Ready", "status": "True"}],
}


@pytest.fixture
def cluster(tmp_path):
    standin = kubernetes_standin.start({"inferenceservices": [NOT_READY, NOT_READY, READY]})
    kubeconfig = standin.write_kubeconfig(tmp_path / "kubeconfig", namespace="team-a")
    yield standin, {"KUBECONFIG": str(kubeconfig), "KUBERNETES_SERVICE_HOST": ""}
    kubernetes_standin.stop(standin)


def deploy(env, outputs, *arguments):
    return run_step("serve.deploy", "--name", "digits", *arguments, "--outputs-dir", outputs, env=env, timeout=120)


def test_it_applies_the_inference_service_and_waits_until_ready(cluster, tmp_path):
    standin, env = cluster
    deploy(
        env,
        tmp_path,
        "--storage_uri",
        "s3://models/digits/v1",
        "--protocol",
        "v2",
        "--service_account",
        "sa",
        "--cpu",
        "2",
        "--memory",
        "4Gi",
        "--gpus",
        "1",
        "--canary_traffic_percent",
        "20",
        "--min_replicas",
        "1",
        "--max_replicas",
        "3",
        "--node_selector",
        '{"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}',
        "--annotations",
        '{"sidecar.istio.io/inject": "false"}',
    ).check()

    (created,) = standin.calls_to("POST")
    assert created.path == ISVC_PATH.format(namespace="team-a")  # the kubeconfig context's namespace
    body = created.body
    assert (body["apiVersion"], body["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    assert body["metadata"]["name"] == "digits" and body["metadata"]["namespace"] == "team-a"
    assert body["metadata"]["annotations"] == {"sidecar.istio.io/inject": "false"}
    predictor = body["spec"]["predictor"]
    assert predictor["serviceAccountName"] == "sa"
    assert (predictor["canaryTrafficPercent"], predictor["minReplicas"], predictor["maxReplicas"]) == (20, 1, 3)
    assert predictor["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
    model = predictor["model"]
    assert model["modelFormat"] == {"name": "pytorch"}
    assert model["storageUri"] == "s3://models/digits/v1"
    assert model["protocolVersion"] == "v2"
    assert model["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
    }

    reads = [call for call in standin.calls_to("GET") if call.path.endswith("/digits")]
    assert len(reads) == 3  # not ready, not ready, ready
    assert (tmp_path / "endpoint").read_text() == "http://digits.team-a.example.com"
    assert (tmp_path / "host").read_text() == "digits.team-a.example.com"
    applied, status = list(yaml.safe_load_all((tmp_path / "manifest").read_text()))
    assert applied == body
    assert status["status"]["url"] == READY["url"]


def test_an_existing_service_is_replaced_with_the_new_spec(cluster, tmp_path):
    standin, env = cluster
    standin.add_object(
        "inferenceservices",
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "digits", "namespace": "team-a"},
            "spec": {
                "predictor": {
                    "model": {
                        "modelFormat": {"name": "pytorch"},
                        "storageUri": "s3://models/old",
                        "protocolVersion": "v1",
                    },
                    "canaryTrafficPercent": 10,
                }
            },
        },
    )
    deploy(env, tmp_path, "--storage_uri", "s3://models/new", "--namespace", "team-a").check()
    methods = [call.method for call in standin.calls]
    assert methods[:3] == ["POST", "GET", "PUT"]  # create refused (409), read, replace
    replaced = standin.calls_to("PUT")[0].body
    assert replaced["spec"]["predictor"]["model"]["storageUri"] == "s3://models/new"
    assert "canaryTrafficPercent" not in replaced["spec"]["predictor"]  # exactly the declared spec
    assert replaced["metadata"]["resourceVersion"] == "1"


def test_a_service_that_never_gets_ready_times_out_with_the_controllers_reason(tmp_path):
    standin = kubernetes_standin.start({"inferenceservices": [NOT_READY]})
    try:
        env = {"KUBECONFIG": str(standin.write_kubeconfig(tmp_path / "kubeconfig")), "KUBERNETES_SERVICE_HOST": ""}
        result = deploy(env, tmp_path / "out", "--storage_uri", "gs://bucket/digits", "--timeout", "2")
    finally:
        kubernetes_standin.stop(standin)
    assert result.returncode == 1
    assert "InferenceService team-a/digits was not done after 2 s" in result.stderr
    assert 'PredictorReady=False (RevisionMissing: Configuration "digits-predictor" is waiting' in result.stderr


def test_the_archive_artifacts_object_store_uri_is_used(cluster, tmp_path):
    """On KFP v2 the archive's URI is in the pipeline root; KFP's minio:// is s3:// to KServe."""
    import json

    standin, env = cluster
    executor_input = {
        "inputs": {
            "artifacts": {
                "archive": {
                    "artifacts": [
                        {
                            "name": "a",
                            "type": {"schemaTitle": "system.Artifact"},
                            "uri": "minio://mlpipeline/v2/artifacts/run/archive",
                            "metadata": {},
                        }
                    ]
                }
            }
        },
        "outputs": {"outputFile": str(tmp_path / "executor_output.json")},
    }
    archive = tmp_path / "archive"  # the step only passes the archive's URI on
    archive.mkdir()
    deploy(env, tmp_path, "--archive", archive, "--executor-input", json.dumps(executor_input)).check()
    model = standin.calls_to("POST")[0].body["spec"]["predictor"]["model"]
    assert model["storageUri"] == "s3://mlpipeline/v2/artifacts/run/archive"


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--storage_uri", "/tmp/archive"], "is a local path, which the cluster can't fetch"),
        (["--storage_uri", "ftp://host/x"], "is `ftp://`, which the cluster can't fetch"),
        (["--storage_uri", "s3://m/x", "--protocol", "v3"], "use v1 or v2"),
        (["--storage_uri", "s3://m/x", "--canary_traffic_percent", "120"], "a percentage, 0 to 100"),
        (["--storage_uri", "s3://m/x", "--memory", "lots"], "is not a Kubernetes quantity"),
        (["--storage_uri", "s3://m/x", "--min_replicas", "3", "--max_replicas", "2"], "at least min_replicas"),
        ([], "give exactly one of --archive"),
    ],
)
def test_bad_inputs_fail_before_the_cluster_is_called(cluster, tmp_path, arguments, expected):
    standin, env = cluster
    result = deploy(env, tmp_path, *arguments)
    assert result.returncode == 2
    assert expected in result.stderr
    assert standin.calls == []


def test_a_bad_name_fails_before_the_cluster_is_called(cluster, tmp_path):
    standin, env = cluster
    result = run_step(
        "serve.deploy", "--name", "Digits_Model", "--storage_uri", "s3://m/x", "--outputs-dir", tmp_path, env=env
    )
    assert result.returncode == 2 and "lowercase letters, digits and `-`" in result.stderr
    assert standin.calls == []


def test_without_a_cluster_it_says_so(tmp_path):
    env = {"KUBECONFIG": str(tmp_path / "no-such-kubeconfig"), "KUBERNETES_SERVICE_HOST": ""}
    result = deploy(env, tmp_path, "--storage_uri", "s3://models/digits")
    assert result.returncode == 1
    assert "no Kubernetes cluster to talk to" in result.stderr


def test_the_api_servers_refusal_is_reported_with_a_hint(tmp_path):
    standin = kubernetes_standin.start()
    standin.refusals["POST"] = (
        403,
        "Forbidden",
        "inferenceservices.serving.kserve.io is forbidden: User "
        '"system:serviceaccount:team-a:pipeline-runner" cannot create resource',
    )
    try:
        env = {"KUBECONFIG": str(standin.write_kubeconfig(tmp_path / "kubeconfig")), "KUBERNETES_SERVICE_HOST": ""}
        result = deploy(env, tmp_path / "out", "--storage_uri", "s3://models/digits")
    finally:
        kubernetes_standin.stop(standin)
    assert result.returncode == 1
    assert (
        "creating InferenceService team-a/digits failed: HTTP 403: inferenceservices.serving.kserve.io is "
        "forbidden" in result.stderr
    )
    assert "check its RBAC role" in result.stderr
