"""`storage.upload`: a file or directory to MinIO/S3 (ptflow.stdlib.storage_upload does the work)."""

from __future__ import annotations

from ptflow.runtime.contract import Artifact, Markdown, Outputs, step


@step("storage.upload", outputs={"uri": str, "summary": Markdown})
def upload(
    out: Outputs,
    source: Artifact,
    endpoint: str,
    bucket: str,
    prefix: str = "",
    secure: bool = True,
    region: str | None = None,
    create_bucket: bool = False,
    access_key_env: str = "AWS_ACCESS_KEY_ID",
    secret_key_env: str = "AWS_SECRET_ACCESS_KEY",
) -> dict:
    """Upload a file or a directory (keeping its relative paths) to MinIO or another S3-compatible store.

    Credentials come from the environment variables named by access_key_env
    and secret_key_env, which a Kubernetes secret fills in the cluster.
    Outputs the s3:// URI (the prefix for a directory) and a Markdown list of
    the objects written.
    """
    from ptflow.stdlib import storage_upload as storage

    endpoint_ = storage.parse_endpoint(endpoint, secure)
    storage.plan(source.path, prefix)  # an empty or missing source fails before credentials are looked at
    access_key, secret_key, token = storage.credentials(access_key_env, secret_key_env)
    uploaded = storage.upload(
        source.path, endpoint_, bucket, prefix, access_key, secret_key, token, region, create_bucket
    )
    uri = storage.uri_of(bucket, prefix, source.path)
    out["summary"].path.write_text(storage.summary_markdown(uri, endpoint_, uploaded), encoding="utf-8")
    return {"uri": uri}
