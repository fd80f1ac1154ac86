"""Uploading a file or a directory to MinIO or any S3-compatible store with the minio client.

What `storage.upload` does:
- the endpoint, bucket, prefix and TLS flag come from the step's inputs;
- the credentials come from environment variables (by default the AWS names)
  that a Kubernetes secret fills in the cluster (`with { secrets: ... }`),
  never from defaults written into the pipeline;
- a directory keeps its relative paths under the prefix (the seed sample
  flattened everything to basenames, so `a/x.txt` and `b/x.txt` collided),
  so `serve.archive`'s `config/` and `model-store/` arrive where KServe looks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ptflow.runtime.contract import StepError, UsageError

DEFAULT_ACCESS_KEY_ENV = "AWS_ACCESS_KEY_ID"
DEFAULT_SECRET_KEY_ENV = "AWS_SECRET_ACCESS_KEY"
SESSION_TOKEN_ENV = "AWS_SESSION_TOKEN"


@dataclass(frozen=True)
class Endpoint:
    host: str  # host[:port], as the minio client takes it
    secure: bool


@dataclass(frozen=True)
class PlannedObject:
    path: Path
    name: str  # the object name: prefix + the file's path relative to the source
    size: int


@dataclass(frozen=True)
class UploadedObject:
    name: str
    size: int
    etag: str


def parse_endpoint(endpoint: str, secure: bool) -> Endpoint:
    """`host:port`, or a URL whose scheme must agree with `secure`."""
    text = endpoint.strip()
    if not text:
        raise UsageError("--endpoint is empty: give the object store's host:port (e.g. minio-service.kubeflow:9000)")
    if "://" in text:
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https"):
            raise UsageError(f"--endpoint {endpoint!r}: use host:port, or an http:// or https:// URL")
        if parsed.path not in ("", "/"):
            raise UsageError(
                f"--endpoint {endpoint!r}: the endpoint has no path; put the bucket in --bucket and folders in --prefix"
            )
        if (parsed.scheme == "https") != secure:
            raise UsageError(
                f"--endpoint {endpoint!r} says {parsed.scheme} but --secure is {str(secure).lower()}; make them agree"
            )
        text = parsed.netloc
    if "/" in text or not text:
        raise UsageError(f"--endpoint {endpoint!r}: give host:port, without a path")
    return Endpoint(text, secure)


def credentials(access_key_env: str, secret_key_env: str) -> tuple[str, str, str | None]:
    """(access key, secret key, session token) from the environment; UsageError naming what is missing."""
    missing = [name for name in (access_key_env, secret_key_env) if not os.environ.get(name)]
    if missing:
        raise UsageError(
            f"no credentials for the object store: the environment variable{'s' if len(missing) > 1 else ''} "
            f"{' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} not set. In a pipeline, fill them from a "
            f"Kubernetes secret (`with {{ secrets: ... }}`); here, export them. Other variable names can be given "
            "with --access_key_env and --secret_key_env"
        )
    return os.environ[access_key_env], os.environ[secret_key_env], os.environ.get(SESSION_TOKEN_ENV) or None


def normalise_prefix(prefix: str) -> str:
    parts = [part for part in PurePosixPath(prefix.replace("\\", "/")).parts if part not in ("/", "")]
    if any(part in (".", "..") for part in parts):
        raise UsageError(f"--prefix {prefix!r}: `.` and `..` are not allowed in object names")
    return "/".join(parts)


def plan(source: Path, prefix: str) -> list[PlannedObject]:
    """The objects to write: one per file, named by its path relative to `source` (a directory)."""
    prefix = normalise_prefix(prefix)
    if source.is_file():
        return [PlannedObject(source, _join(prefix, source.name), source.stat().st_size)]
    if not source.is_dir():
        raise UsageError(f"--source: nothing at {source}")
    files = sorted(path for path in source.rglob("*") if path.is_file())
    if not files:
        raise UsageError(f"--source: {source} is an empty directory; there is nothing to upload")
    return [
        PlannedObject(path, _join(prefix, path.relative_to(source).as_posix()), path.stat().st_size) for path in files
    ]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def upload(
    source: Path,
    endpoint: Endpoint,
    bucket: str,
    prefix: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    region: str | None = None,
    create_bucket: bool = False,
) -> list[UploadedObject]:
    from minio import Minio
    from minio.error import S3Error
    from urllib3.exceptions import HTTPError

    objects = plan(source, prefix)
    client = Minio(
        endpoint=endpoint.host,
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
        secure=endpoint.secure,
        region=region,
    )
    try:
        if not client.bucket_exists(bucket_name=bucket):
            if not create_bucket:
                raise StepError(
                    f"bucket `{bucket}` does not exist at {endpoint.host}; create it, or pass --create_bucket true"
                )
            client.make_bucket(bucket_name=bucket)
        uploaded = []
        for item in objects:
            result = client.fput_object(bucket_name=bucket, object_name=item.name, file_path=str(item.path))
            uploaded.append(UploadedObject(item.name, item.size, str(result.etag or "")))
        return uploaded
    except ValueError as error:  # the client's own checks of names
        raise UsageError(f"--bucket {bucket!r} / --prefix {prefix!r}: {error}") from None
    except S3Error as error:
        raise StepError(
            f"the object store refused the upload to {bucket} at {endpoint.host}: {error.code}: {error.message}"
        ) from None
    except (HTTPError, OSError) as error:
        raise StepError(
            f"cannot reach the object store at {endpoint.host} ({'https' if endpoint.secure else 'http'}): {error}"
        ) from None


def uri_of(bucket: str, prefix: str, source: Path) -> str:
    """s3:// URI of what was uploaded: the prefix for a directory, the object for a file."""
    prefix = normalise_prefix(prefix)
    key = _join(prefix, source.name) if source.is_file() else prefix
    return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"


def summary_markdown(uri: str, endpoint: Endpoint, objects: list[UploadedObject]) -> str:
    total = sum(item.size for item in objects)
    lines = [
        "# Upload",
        "",
        f"`{uri}` at {'https' if endpoint.secure else 'http'}://{endpoint.host}: "
        f"{len(objects)} object{'s' if len(objects) != 1 else ''}, {total:,} bytes",
        "",
        "| object | bytes |",
        "| --- | ---: |",
    ]
    lines += [f"| `{item.name}` | {item.size:,} |" for item in objects[:200]]
    if len(objects) > 200:
        lines.append(f"| ... and {len(objects) - 200} more | |")
    return "\n".join(lines) + "\n"
