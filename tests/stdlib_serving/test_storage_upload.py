"""storage.upload against a real object store: SeaweedFS (the store recent Kubeflow releases ship) on 127.0.0.1.

The step runs as a subprocess with credentials in its environment (as a
Kubernetes secret would put them); the test reads the objects back with
minio's client and compares bytes.  The archive's URI is then given to
serve.deploy and fetched back the way KServe's storage initializer does.
"""

from __future__ import annotations

import os

import pytest

from tests.runtime.steps import run_step
from tests.support.seaweedfs import ACCESS_KEY, SECRET_KEY

CREDENTIALS = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


@pytest.fixture(scope="module")
def s3(seaweedfs):
    client = seaweedfs.client()
    if not client.bucket_exists(bucket_name="models"):
        client.make_bucket(bucket_name="models")
    return {"endpoint": seaweedfs.endpoint, "client": client}


def upload(s3, source, *arguments, env=CREDENTIALS, outputs=None):
    return run_step(
        "storage.upload",
        "--source",
        source,
        "--endpoint",
        s3["endpoint"],
        "--secure",
        "false",
        *arguments,
        "--outputs-dir",
        outputs,
        env=env,
    )


@pytest.fixture
def tree(tmp_path):
    """Files whose basenames collide in different folders, a nested folder and a binary file."""
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a" / "x.txt").write_text("from a\n")
    (root / "b" / "x.txt").write_text("from b\n")
    (root / "b" / "deeper" / "blob.bin").write_bytes(os.urandom(300_000))
    return root


def test_a_directory_round_trips_byte_for_byte_with_its_relative_paths(s3, tree, tmp_path):
    result = upload(s3, tree, "--bucket", "models", "--prefix", "/runs/run-1/", outputs=tmp_path / "out")
    result.check()
    assert (tmp_path / "out" / "uri").read_text() == "s3://models/runs/run-1"

    listed = {
        item.object_name: item.size
        for item in s3["client"].list_objects(bucket_name="models", prefix="runs/run-1/", recursive=True)
    }
    expected = {
        f"runs/run-1/{path.relative_to(tree).as_posix()}": path.stat().st_size
        for path in tree.rglob("*")
        if path.is_file()
    }
    assert listed == expected
    for name in expected:
        local = tree / name.removeprefix("runs/run-1/")
        downloaded = tmp_path / "back" / name
        s3["client"].fget_object(bucket_name="models", object_name=name, file_path=str(downloaded))
        assert downloaded.read_bytes() == local.read_bytes()

    summary = (tmp_path / "out" / "summary").read_text()
    assert "`runs/run-1/b/deeper/blob.bin` | 300,000 |" in summary
    assert "3 objects" in summary


def test_a_single_file_goes_under_the_prefix_by_name(s3, tree, tmp_path):
    upload(s3, tree / "a" / "x.txt", "--bucket", "models", "--prefix", "single", outputs=tmp_path / "out").check()
    assert (tmp_path / "out" / "uri").read_text() == "s3://models/single/x.txt"
    answer = s3["client"].get_object(bucket_name="models", object_name="single/x.txt")
    try:
        assert answer.read() == b"from a\n"
    finally:
        answer.close()
        answer.release_conn()


def test_a_missing_bucket_is_an_error_unless_asked_to_create_it(s3, tree, tmp_path):
    result = upload(s3, tree, "--bucket", "fresh", outputs=tmp_path / "out")
    assert result.returncode == 1
    assert "bucket `fresh` does not exist" in result.stderr and "--create_bucket true" in result.stderr
    upload(s3, tree, "--bucket", "fresh", "--create_bucket", "true", outputs=tmp_path / "out2").check()
    assert (tmp_path / "out2" / "uri").read_text() == "s3://fresh"
    assert len(list(s3["client"].list_objects(bucket_name="fresh", recursive=True))) == 3


def test_credentials_come_only_from_the_environment(s3, tree, tmp_path):
    assert not set(CREDENTIALS) & set(os.environ)  # the steps below see only what each passes
    result = upload(s3, tree, "--bucket", "models", env={}, outputs=tmp_path / "none")
    assert result.returncode == 2
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" in result.stderr
    assert "Kubernetes secret" in result.stderr

    result = upload(
        s3,
        tree,
        "--bucket",
        "models",
        "--access_key_env",
        "PTFLOW_TEST_KEY",
        env={"PTFLOW_TEST_KEY": ACCESS_KEY},
        outputs=tmp_path / "half",
    )
    assert result.returncode == 2
    assert "the environment variable AWS_SECRET_ACCESS_KEY is not set" in result.stderr

    upload(
        s3,
        tree,
        "--bucket",
        "models",
        "--prefix",
        "other-names",
        "--access_key_env",
        "PTFLOW_TEST_KEY",
        "--secret_key_env",
        "PTFLOW_TEST_SECRET",
        env={"PTFLOW_TEST_KEY": ACCESS_KEY, "PTFLOW_TEST_SECRET": SECRET_KEY},
        outputs=tmp_path / "ok",
    ).check()
    assert (tmp_path / "ok" / "uri").read_text() == "s3://models/other-names"


def test_wrong_credentials_are_refused_by_the_store(s3, tree, tmp_path):
    result = upload(
        s3,
        tree,
        "--bucket",
        "models",
        env={"AWS_ACCESS_KEY_ID": "nobody", "AWS_SECRET_ACCESS_KEY": "wrong"},
        outputs=tmp_path / "out",
    )
    assert result.returncode == 1
    assert "the object store refused the upload" in result.stderr
    assert not list(s3["client"].list_objects(bucket_name="models", prefix="nobody", recursive=True))


def test_the_deployed_storage_uri_holds_what_kserves_torchserve_predictor_reads(s3, digits_archive, tmp_path):
    """The archive uploaded, its URI deployed (to the Kubernetes stand-in), then fetched from that URI
    as KServe's storage initializer does (every object under the prefix, into /mnt/models) and served."""
    from tests.stdlib_serving import kubernetes_standin
    from tests.stdlib_serving.test_deploy import READY

    upload(s3, digits_archive, "--bucket", "models", "--prefix", "digits/v1", outputs=tmp_path / "up").check()
    storage_uri = (tmp_path / "up" / "uri").read_text()
    standin = kubernetes_standin.start({"inferenceservices": [READY]})
    try:
        kubeconfig = standin.write_kubeconfig(tmp_path / "kubeconfig", namespace="team-a")
        run_step(
            "serve.deploy",
            "--name",
            "digits",
            "--storage_uri",
            storage_uri,
            "--outputs-dir",
            tmp_path / "isvc",
            env={"KUBECONFIG": str(kubeconfig), "KUBERNETES_SERVICE_HOST": ""},
            timeout=120,
        ).check()
        deployed = standin.calls_to("POST")[0].body["spec"]["predictor"]["model"]["storageUri"]
    finally:
        kubernetes_standin.stop(standin)

    # The storage initializer's part, against the real store: s3://bucket/prefix -> /mnt/models/<relative path>.
    bucket, _, prefix = deployed.removeprefix("s3://").partition("/")
    mounted = tmp_path / "mnt" / "models"
    for item in s3["client"].list_objects(bucket_name=bucket, prefix=prefix + "/", recursive=True):
        s3["client"].fget_object(
            bucket_name=bucket,
            object_name=item.object_name,
            file_path=str(mounted / item.object_name.removeprefix(prefix + "/")),
        )
    assert sorted(p.relative_to(mounted).as_posix() for p in mounted.rglob("*") if p.is_file()) == [
        "config/config.properties",
        "model-store/digits.mar",
    ]
    config = (mounted / "config" / "config.properties").read_text()
    assert "model_store=/mnt/models/model-store" in config and '"marName":"digits.mar"' in config
    result = run_step(
        "serve.predict",
        "--archive",
        mounted,
        "--request",
        '{"instances": [[0.5]]}',
        "--outputs-dir",
        tmp_path / "probe",
    )
    assert result.returncode == 1 and "the model takes 64" in result.stderr  # the fetched model answers


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--endpoint", "https://127.0.0.1:9", "--secure", "false"], "says https but --secure is false"),
        (["--endpoint", "127.0.0.1:9/bucket"], "give host:port, without a path"),
        (["--endpoint", "ftp://127.0.0.1:9"], "use host:port, or an http:// or https:// URL"),
        (["--endpoint", "127.0.0.1:9", "--prefix", "../up"], "`.` and `..` are not allowed"),
    ],
)
def test_bad_endpoints_and_prefixes_fail_before_connecting(tree, tmp_path, arguments, expected):
    result = run_step(
        "storage.upload", "--source", tree, "--bucket", "models", *arguments, "--outputs-dir", tmp_path, env=CREDENTIALS
    )
    assert result.returncode == 2
    assert expected in result.stderr


def test_an_unreachable_store_is_reported_as_such(tree, tmp_path):
    import socket

    # A port held bound but not listening for the whole test: nothing can answer on it (a port probed and
    # released could be taken by another process meanwhile).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        result = run_step(
            "storage.upload",
            "--source",
            tree,
            "--bucket",
            "models",
            "--endpoint",
            f"127.0.0.1:{held.getsockname()[1]}",
            "--secure",
            "false",
            "--outputs-dir",
            tmp_path,
            env=CREDENTIALS,
            timeout=120,
        )
    assert result.returncode == 1
    assert "cannot reach the object store" in result.stderr


def test_an_empty_directory_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_step(
        "storage.upload",
        "--source",
        tmp_path / "empty",
        "--bucket",
        "models",
        "--endpoint",
        "127.0.0.1:9",
        "--outputs-dir",
        tmp_path / "out",
        env=CREDENTIALS,
    )
    assert result.returncode == 2 and "empty directory" in result.stderr
