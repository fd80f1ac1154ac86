"""`ptflow run --secrets DIR --config-maps DIR`: a step's secrets and ConfigMaps from local folders, and emptyDirs.

DIR/<name>/<key> is the layout `kubectl create secret generic NAME --from-file=DIR/NAME` reads.  A secret's value
reaches the step's environment and nowhere else: the tests grep every file of the store and everything the
commands print for it.  Steps in containers are run by a stand-in `docker` (this machine has no daemon): a real
executable on PATH that records the command line it was given, the values its `-e NAME` options carry and what
each bound folder holds while the step runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.helpers import bound_folders, ptflow, show, stand_in_calls, stand_in_docker

SECRET_VALUE = "s3cr3t-Value-9f2c"

COMPONENTS = """\
component token_length() -> (length: str, level: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"${#TOKEN}\\" > \\"$0\\"; printf %s \\"$LOG_LEVEL\\" > \\"$1\\"",
               length.path, level.path]
}
"""


def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A secrets folder with `minio/accesskey`, and a ConfigMaps folder with `settings/level`."""
    secrets, config_maps = tmp_path / "secrets", tmp_path / "config-maps"
    (secrets / "minio").mkdir(parents=True)
    (secrets / "minio" / "accesskey").write_text(SECRET_VALUE)
    (config_maps / "settings").mkdir(parents=True)
    (config_maps / "settings" / "level").write_text("debug")
    return secrets, config_maps


def write(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "objects.ptflow"
    source.write_text(COMPONENTS + body)
    return source


def assert_nowhere(value: str, store: Path, *outputs: str) -> None:
    """`value` is in no file of the store (the SQLite record, logs, artifacts) and in none of `outputs`."""
    for path in store.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), f"{value!r} is written in {path}"
    for output in outputs:
        assert value not in output


# One step whose environment comes from the secret `minio` and the ConfigMap `settings`.
ENV_FROM_OBJECTS = (
    "pipeline objects() {\n"
    '    t = token_length() with { secrets: {name: "minio", env: {TOKEN: "accesskey"}},\n'
    '                              config_maps: {name: "settings", env: {LOG_LEVEL: "level"}} }\n'
    "}\n"
)


def run_env_from_objects(tmp_path: Path, store: Path, secrets: Path, config_maps: Path):
    """`ptflow run` of ENV_FROM_OBJECTS with the objects read from these sources (folders or files)."""
    source = write(tmp_path, ENV_FROM_OBJECTS)
    return ptflow(
        "run", str(source), "--store", str(store), "--secrets", str(secrets), "--config-maps", str(config_maps)
    )


def test_secret_and_config_map_keys_become_the_steps_environment(tmp_path: Path, store: Path):
    secrets, config_maps = folders(tmp_path)
    result = run_env_from_objects(tmp_path, store, secrets, config_maps)
    assert result.returncode == 0, result.stderr
    outputs = show(store)["by_task"]["t"]["outputs"]
    assert outputs == {"length": str(len(SECRET_VALUE)), "level": "debug"}
    assert "no effect in a local run" not in result.stdout  # both settings were honoured
    shown = ptflow("show", "latest", "--store", str(store), "--log", "t", check=True)
    shown_json = ptflow("show", "latest", "--store", str(store), "--json", check=True)
    assert_nowhere(SECRET_VALUE, store, result.stdout, result.stderr, shown.stdout, shown_json.stdout)


def test_the_secret_name_can_be_a_pipeline_parameter(tmp_path: Path, store: Path):
    secrets, config_maps = folders(tmp_path)
    (secrets / "other").mkdir()
    (secrets / "other" / "accesskey").write_text("four")
    source = write(
        tmp_path,
        'pipeline objects(which: str = "minio") {\n'
        '    t = token_length() with { secrets: {name: which, env: {TOKEN: "accesskey"}} }\n'
        "}\n",
    )
    common = ["--store", str(store), "--secrets", str(secrets)]
    ptflow("run", str(source), *common, "-p", "which=other", check=True)
    assert show(store)["by_task"]["t"]["outputs"]["length"] == "4"
    # Another secret makes it another step: not a cache hit of the first run.
    ptflow("run", str(source), *common, check=True)
    step = show(store)["by_task"]["t"]
    assert step["status"] == "SUCCEEDED" and step["outputs"]["length"] == str(len(SECRET_VALUE))


def test_a_step_edited_to_read_another_secret_runs_again(tmp_path: Path, store: Path):
    """The secret's name is written in the file, so no input changes: the name itself is in the cache key."""
    secrets, _ = folders(tmp_path)
    (secrets / "other").mkdir()
    (secrets / "other" / "accesskey").write_text("four")

    def run_with(name: str) -> dict:
        source = write(
            tmp_path,
            "pipeline objects() {\n"
            f'    t = token_length() with {{ secrets: {{name: "{name}", env: {{TOKEN: "accesskey"}}}} }}\n'
            "}\n",
        )
        ptflow("run", str(source), "--store", str(store), "--secrets", str(secrets), check=True)
        return show(store)["by_task"]["t"]

    first = run_with("minio")
    assert first["status"] == "SUCCEEDED" and first["outputs"]["length"] == str(len(SECRET_VALUE))
    assert run_with("minio")["status"] == "CACHED"
    edited = run_with("other")
    assert edited["status"] == "SUCCEEDED" and edited["outputs"]["length"] == "4"


def test_the_config_map_name_can_be_a_step_output(tmp_path: Path, store: Path):
    secrets, config_maps = folders(tmp_path)
    source = write(
        tmp_path,
        "component pick() -> (name: str) {\n"
        '    image = "alpine:3"\n'
        '    command = ["sh", "-c", "printf settings > \\"$0\\"", name.path]\n'
        "}\n"
        "pipeline objects() {\n"
        "    p = pick()\n"
        '    t = token_length() with { config_maps: {name: p.name, env: {LOG_LEVEL: "level"}} }\n'
        "}\n",
    )
    ptflow("run", str(source), "--store", str(store), "--config-maps", str(config_maps), check=True)
    assert show(store)["by_task"]["t"]["outputs"]["level"] == "debug"


def test_a_missing_secret_or_key_fails_the_step_naming_it(tmp_path: Path, store: Path):
    secrets, _ = folders(tmp_path)
    missing_key = write(
        tmp_path,
        'pipeline objects() {\n    t = token_length() with { secrets: {name: "minio", env: {TOKEN: "nokey"}} }\n}\n',
    )
    result = ptflow("run", str(missing_key), "--store", str(store), "--secrets", str(secrets))
    assert result.returncode == 1
    assert "the secret `minio` has no key `nokey`" in result.stderr
    missing_secret = write(
        tmp_path,
        'pipeline objects() {\n    t = token_length() with { secrets: {name: "absent", env: {TOKEN: "k"}} }\n}\n',
    )
    result = ptflow("run", str(missing_secret), "--store", str(store), "--secrets", str(secrets))
    assert result.returncode == 1
    assert "the secret `absent` is not in --secrets" in result.stderr
    assert "objects.ptflow:" in result.stderr  # at the step's line


def test_an_optional_secret_that_is_missing_leaves_the_variable_unset(tmp_path: Path, store: Path):
    secrets, _ = folders(tmp_path)
    source = write(
        tmp_path,
        "pipeline objects() {\n"
        '    t = token_length() with { secrets: {name: "absent", env: {TOKEN: "k"}, optional: true} }\n'
        "}\n",
    )
    ptflow("run", str(source), "--store", str(store), "--secrets", str(secrets), check=True)
    assert show(store)["by_task"]["t"]["outputs"]["length"] == "0"


def test_without_the_folders_the_run_says_where_secrets_come_from(tmp_path: Path, store: Path):
    source = write(
        tmp_path,
        'pipeline objects() {\n    t = token_length() with { secrets: {name: "minio", env: {TOKEN: "k"}} }\n}\n',
    )
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert (
        "warning: Kubernetes settings have no effect in a local run: secretAsEnv "
        "(secrets and ConfigMaps come from --secrets and --config-maps, each a folder or a file)"
    ) in result.stdout
    missing = ptflow("run", str(source), "--store", str(store), "--secrets", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert f"ptflow run: --secrets {tmp_path / 'nowhere'}: no such folder or file" in missing.stderr


# ------------------------------------------------------------------------- in containers (stand-in docker)
def test_in_containers_secrets_pass_by_name_and_mounts_are_bound(tmp_path: Path, store: Path):
    secrets, config_maps = folders(tmp_path)
    source = tmp_path / "mounts.ptflow"
    source.write_text(
        "component uses() {\n"
        '    image = "alpine:3"\n'
        '    command = ["true"]\n'
        "}\n"
        "pipeline mounts() {\n"
        '    u = uses() with { secrets: [{name: "minio", env: {TOKEN: "accesskey"}}, '
        '{name: "minio", mount_path: "/certs"}],\n'
        '                      config_maps: {name: "settings", mount_path: "/etc/app"},\n'
        '                      empty_dirs: {name: "scratch", mount_path: "/scratch"} }\n'
        "}\n"
    )
    env = stand_in_docker(tmp_path)
    result = ptflow(
        "run",
        str(source),
        "--store",
        str(store),
        "--containers",
        "--secrets",
        str(secrets),
        "--config-maps",
        str(config_maps),
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no effect in a local run" not in result.stdout
    (call,) = stand_in_calls(env)
    argv = call["argv"]
    assert SECRET_VALUE not in " ".join(argv)
    assert call["hidden"] == {"TOKEN": SECRET_VALUE}  # the value came through the engine's environment
    mounts = bound_folders(argv)
    assert f"{secrets / 'minio'}:/certs:ro" in mounts and f"{config_maps / 'settings'}:/etc/app:ro" in mounts
    assert call["bound"]["/certs:ro"] == ["accesskey"] and call["bound"]["/etc/app:ro"] == ["level"]
    (scratch,) = [m.split(":")[0] for m in mounts if m.endswith(":/scratch")]
    assert call["bound"]["/scratch"] == []  # fresh and empty while the step ran
    assert not Path(scratch).exists()  # and gone after it
    assert_nowhere(SECRET_VALUE, store, result.stdout, result.stderr)


# ------------------------------------------------------------------------- from one file (--secrets FILE)
def test_secrets_and_config_maps_from_files_a_plain_map_and_kubectl_manifests(tmp_path: Path, store: Path):
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f'minio:\n  accesskey: "{SECRET_VALUE}"\nother:\n  accesskey: four\n')
    # As `kubectl get configmaps -o yaml` prints them: a List, with fields ptflow has no use for.
    config_maps = tmp_path / "config-maps.yaml"
    config_maps.write_text(
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: ConfigMap\n"
        "  metadata: {name: settings, namespace: kubeflow, resourceVersion: '42'}\n"
        "  data: {level: debug}\n"
    )
    result = run_env_from_objects(tmp_path, store, secrets, config_maps)
    assert result.returncode == 0, result.stderr
    assert show(store)["by_task"]["t"]["outputs"] == {"length": str(len(SECRET_VALUE)), "level": "debug"}
    shown = ptflow("show", "latest", "--store", str(store), "--log", "t", check=True)
    shown_json = ptflow("show", "latest", "--store", str(store), "--json", check=True)
    assert_nowhere(SECRET_VALUE, store, result.stdout, result.stderr, shown.stdout, shown_json.stdout)


def test_a_secret_manifest_decodes_data_and_string_data_wins(tmp_path: Path, store: Path):
    import base64

    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: minio}\ntype: Opaque\n"
        f"data: {{accesskey: {encoded}, level: {base64.b64encode(b'hidden').decode()}}}\n"
        "---\n"
        "apiVersion: v1\nkind: Secret\nmetadata: {name: plain}\n"
        # stringData overrides data for the same key, as the API server merges them.
        f"data: {{level: {base64.b64encode(b'from-data').decode()}}}\n"
        "stringData: {level: from-string-data}\n"
    )
    source = write(
        tmp_path,
        "pipeline objects() {\n"
        '    t = token_length() with { secrets: [{name: "minio", env: {TOKEN: "accesskey"}},\n'
        '                                        {name: "plain", env: {LOG_LEVEL: "level"}}] }\n'
        "}\n",
    )
    ptflow("run", str(source), "--store", str(store), "--secrets", str(secrets), check=True)
    assert show(store)["by_task"]["t"]["outputs"] == {"length": str(len(SECRET_VALUE)), "level": "from-string-data"}


@pytest.mark.parametrize(
    ("option", "text", "where", "message"),
    [
        ("--secrets", f'minio:\n  accesskey: "{SECRET_VALUE}\n', "3:1", "not YAML: found unexpected end of stream"),
        (
            "--secrets",
            f"kind: Secret\nmetadata: {{name: minio}}\ndata:\n  accesskey: {SECRET_VALUE}\n",
            "4:14",
            "the value of key `accesskey` of secret `minio` is not base64 of text, as `data` must be "
            "(write text under `stringData`)",
        ),
        (
            "--secrets",
            "kind: ConfigMap\nmetadata: {name: settings}\ndata: {level: debug}\n",
            "1:7",
            "`kind: ConfigMap` where a `kind: Secret` is expected (give it to --config-maps)",
        ),
        ("--config-maps", "kind: ConfigMap\ndata: {level: debug}\n", "1:1", "this ConfigMap has no `metadata.name`"),
        (
            "--secrets",
            f"minio:\n  accesskey: [{SECRET_VALUE}]\n",
            "2:14",
            "the value of key `accesskey` of secret `minio` must be text, not a list",
        ),
        (
            "--secrets",
            f"MinIO:\n  accesskey: {SECRET_VALUE}\n",
            "1:1",
            "`MinIO` is not a Kubernetes name for a secret (lower-case letters, digits, - and .)",
        ),
        ("--secrets", f"minio: {SECRET_VALUE}\n", "1:8", "expected the keys of secret `minio`, key -> value"),
        (
            "--config-maps",
            "- settings\n",
            "1:1",
            "expected a map of ConfigMap name -> key -> value, or a `kind: ConfigMap`",
        ),
        (
            "--secrets",
            "minio: {accesskey: a}\n---\n"
            f"kind: Secret\nmetadata: {{name: minio}}\nstringData: {{k: {SECRET_VALUE}}}\n",
            "4:18",
            "the secret `minio` is given twice",
        ),
    ],
    ids=["yaml", "base64", "kind", "no-name", "list-value", "bad-name", "not-a-map", "not-objects", "twice"],
)
def test_a_malformed_file_stops_the_run_at_its_line_without_a_value(
    tmp_path: Path, store: Path, option: str, text: str, where: str, message: str
):
    objects = tmp_path / "objects.yaml"
    objects.write_text(text)
    source = write(tmp_path, "pipeline objects() {\n    t = token_length()\n}\n")
    result = ptflow("run", str(source), "--store", str(store), option, str(objects))
    assert result.returncode == 2
    assert result.stderr.strip() == f"ptflow run: {objects}:{where}: {message}"
    assert SECRET_VALUE not in result.stdout + result.stderr
    assert not store.exists()  # stopped before the run started


def test_in_containers_an_object_from_a_file_is_mounted_from_a_private_folder_removed_after(
    tmp_path: Path, store: Path
):
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"minio:\n  accesskey: {SECRET_VALUE}\n  ca.crt: certificate\n")
    source = tmp_path / "mounts.ptflow"
    source.write_text(
        "component uses() {\n"
        '    image = "alpine:3"\n'
        '    command = ["true"]\n'
        "}\n"
        "pipeline mounts() {\n"
        '    u = uses() with { secrets: {name: "minio", mount_path: "/certs"} }\n'
        "}\n"
    )
    env = stand_in_docker(tmp_path)
    result = ptflow("run", str(source), "--store", str(store), "--containers", "--secrets", str(secrets), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    (call,) = stand_in_calls(env)
    assert call["bound"]["/certs:ro"] == ["accesskey", "ca.crt"]
    (mount,) = [m for i, m in enumerate(call["argv"][1:]) if call["argv"][i] == "-v" and m.endswith(":/certs:ro")]
    folder = Path(mount.split(":")[0])
    assert not folder.exists()  # the copy of the secret is gone once the step ended
    assert_nowhere(SECRET_VALUE, store, result.stdout, result.stderr, " ".join(call["argv"]))


def test_an_empty_dirs_memory_medium_and_size_limit_are_named_as_not_honoured(tmp_path: Path, store: Path):
    source = tmp_path / "scratch.ptflow"
    source.write_text(
        "component uses() {\n"
        '    image = "alpine:3"\n'
        '    command = ["true"]\n'
        "}\n"
        "pipeline scratch() {\n"
        "    u = uses() with {\n"
        '        empty_dirs: {name: "shm", mount_path: "/dev/shm", medium: "Memory", size_limit: "1Gi"},\n'
        "    }\n"
        "}\n"
    )
    env = stand_in_docker(tmp_path)
    result = ptflow("run", str(source), "--store", str(store), "--containers", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    notices = [line for line in result.stdout.splitlines() if "no effect in a local run" in line]
    assert notices == [
        "warning: Kubernetes settings have no effect in a local run: emptyDirMounts.medium, "
        "emptyDirMounts.sizeLimit (an emptyDir is a folder on this machine's disk, of any size)"
    ]
    (call,) = stand_in_calls(env)
    assert call["bound"]["/dev/shm"] == []  # still mounted, as a fresh empty folder
