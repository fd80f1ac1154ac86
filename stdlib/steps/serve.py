"""`serve.archive`, `serve.deploy`, `serve.predict`, `serve.vertex_model`: TorchServe archives, KServe and
Vertex AI deployment, inference calls.

The work is in ptflow.stdlib.serving; these functions read the step's inputs,
check them (before any archiver, cluster or server is touched) and write its
outputs.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from ptflow.runtime.contract import (
    HTML,
    Artifact,
    Markdown,
    Model,
    Outputs,
    StepError,
    UnmanagedContainerModel,
    UsageError,
    step,
)


@step("serve.archive", outputs={"archive": Artifact, "config": Artifact})
def archive(
    out: Outputs,
    model: Model,
    name: str,
    handler: str = "ptflow",
    version: str = "1.0",
    handler_file: Artifact | None = None,
    model_file: Artifact | None = None,
    extra_files: Artifact | None = None,
    requirements: Artifact | None = None,
    workers: int = 1,
    batch_size: int = 1,
    response_timeout: int = 120,
    install_requirements: bool = True,
) -> dict:
    """Package a trained model as a TorchServe model archive (.mar), laid out for KServe.

    `archive` holds `model-store/<name>.mar` and `config/config.properties`:
    upload it and give its URI to `serve.deploy`, or serve it here with
    `ptflow serve`.  `config` is the config.properties alone.
    """
    from ptflow.stdlib.serving.archive import ArchiveRequest, ServingSettings, build_archive

    if workers < 1 or batch_size < 1 or response_timeout < 1:
        raise UsageError("--workers, --batch_size and --response_timeout must be at least 1")
    request = ArchiveRequest(
        model=model.path,
        name=name,
        handler=handler,
        version=version,
        handler_file=handler_file.path if handler_file else None,
        model_file=model_file.path if model_file else None,
        extra_files=extra_files.path if extra_files else None,
        requirements=requirements.path if requirements else None,
        settings=ServingSettings(
            min_workers=workers,
            max_workers=workers,
            batch_size=batch_size,
            response_timeout_s=response_timeout,
            install_requirements=install_requirements,
        ),
    )
    summary = build_archive(request, out["archive"].path, out["config"].path)
    out["archive"].metadata.update(
        model_name=name,
        version=version,
        handler=summary["handler"],
        mar=f"model-store/{name}.mar",
        mar_bytes=summary["mar_bytes"],
    )
    out["config"].metadata.update(model_name=name)
    return {}


@step("serve.deploy", outputs={"endpoint": str, "host": str, "manifest": Artifact})
def deploy(
    out: Outputs,
    name: str,
    archive: Artifact | None = None,
    storage_uri: str | None = None,
    namespace: str | None = None,
    protocol: str = "v1",
    service_account: str | None = None,
    cpu: str = "1",
    memory: str = "2Gi",
    gpus: int = 0,
    canary_traffic_percent: int | None = None,
    min_replicas: int | None = None,
    max_replicas: int | None = None,
    runtime_version: str | None = None,
    node_selector: dict = {},  # noqa: B006
    annotations: dict = {},  # noqa: B006
    timeout: int = 600,
) -> dict:
    """Deploy an archive as a KServe InferenceService and wait until it is ready.

    The archive is fetched by KServe from `storage_uri` (or the `archive`
    artifact's URI, on KFP v2 with an object-store pipeline root).  Applied with
    the kubernetes client: in a pod with its service account, elsewhere with
    the kubeconfig.  Outputs the service's URL and the host name to send as
    the Host header when calling it through an ingress gateway.

    An `archive` on this machine's disk (what `ptflow run` passes; no cluster
    could fetch it) is served here instead, by `ptflow serve` on a loopback
    port, left running after the step: `endpoint` is its URL, so the steps
    after it predict and explain as they would against KServe.  The manifest
    says how to stop it.
    """
    import yaml

    from ptflow.stdlib.serving import inference_service as isvc
    from ptflow.stdlib.serving.kubernetes_api import INFERENCE_SERVICE, Cluster

    if (archive is None) == (storage_uri is None):
        raise UsageError("give exactly one of --archive (its URI is used) and --storage_uri")
    uri = storage_uri if storage_uri is not None else isvc.storage_uri_for(archive.uri)
    if timeout < 1:
        raise UsageError(f"--timeout {timeout}: seconds, at least 1")
    if archive is not None and urlparse(uri).scheme in ("", "file"):
        return _serve_here(out, archive, protocol, timeout)
    spec = isvc.InferenceServiceSpec(
        name=name,
        namespace=namespace or "",
        storage_uri=uri,
        protocol=protocol,
        service_account=service_account,
        cpu=cpu,
        memory=memory,
        gpus=gpus,
        canary_traffic_percent=canary_traffic_percent,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        runtime_version=runtime_version,
        node_selector=dict(node_selector),
        annotations=dict(annotations),
    )
    isvc.check(spec)  # before connecting: a bad input fails without a cluster
    cluster = Cluster.connect()
    spec = isvc.InferenceServiceSpec(**{**spec.__dict__, "namespace": namespace or cluster.default_namespace})
    body = isvc.build(spec)
    manifest = out["manifest"].path
    manifest.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")

    cluster.apply(INFERENCE_SERVICE, body)
    _, final = cluster.wait_for(
        INFERENCE_SERVICE, spec.namespace, spec.name, isvc.readiness, timeout, describe=isvc.not_ready_reason
    )
    endpoint = isvc.endpoint_of(final)
    if not endpoint:
        raise StepError(f"InferenceService {spec.namespace}/{spec.name} is ready but reports no URL")
    manifest.write_text(
        yaml.safe_dump(body, sort_keys=False)
        + "---\n# status when ready\n"
        + yaml.safe_dump({"status": final.get("status", {})}, sort_keys=False),
        encoding="utf-8",
    )
    out["manifest"].metadata.update(name=spec.name, namespace=spec.namespace, endpoint=endpoint)
    return {"endpoint": endpoint, "host": urlparse(endpoint).netloc}


def _serve_here(out: Outputs, archive: Artifact, protocol: str, timeout: int) -> dict:
    """serve.deploy of an archive on this disk: `ptflow serve` it on loopback and leave it running."""
    import yaml

    from ptflow.stdlib.serving import predict_client as client
    from ptflow.stdlib.serving.local_server import start_detached

    model_name = _archive_model_name(archive.path)
    # The server outlives the step, so its log goes where the user finds it (named in the manifest), not into
    # the step's outputs.
    handle, log_name = tempfile.mkstemp(prefix=f"ptflow-serve-{model_name}-", suffix=".log")
    os.close(handle)
    log = Path(log_name)
    server = start_detached(archive.path, log)
    try:
        call = client.Call(server.endpoint, model_name, "predict", protocol, None, None, float(timeout))
        client.wait_until_ready(call, timeout, check_server=server.check_alive)
    except BaseException:
        server.stop()
        raise
    pid = server.process.pid
    print(f"serving `{model_name}` here at {server.endpoint} (process {pid}; stop it with `kill {pid}`)")
    manifest = {
        "served_here": "by `ptflow serve`, as `ptflow run` has no cluster to deploy to",
        "endpoint": server.endpoint,
        "model_name": model_name,
        "archive": str(archive.path),
        "pid": pid,
        "stop": f"kill {pid}",
        "log": str(log),
    }
    out["manifest"].path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    out["manifest"].metadata.update(endpoint=server.endpoint, served_here=True, pid=pid)
    return {"endpoint": server.endpoint, "host": urlparse(server.endpoint).netloc}


@step(
    "serve.vertex_model",
    outputs={"model": UnmanagedContainerModel, "machine_type": str, "accelerator_type": str, "accelerator_count": int},
)
def vertex_model(
    out: Outputs,
    archive: Artifact,
    cpu: str = "1",
    memory: str = "2Gi",
    gpus: int = 0,
    node_selector: dict = {},  # noqa: B006
    serving_image: str | None = None,
) -> dict:
    """Prepare an archive for Vertex AI: the model folder to upload and the machine to deploy it on.

    `model` holds the archive's .mar as `model.mar`, the layout Vertex AI's
    prebuilt PyTorch containers serve, with the serving image in its
    `containerSpec` metadata.  The machine is the smallest that has `cpu`,
    `memory` and `gpus` GPUs of the type named by the GKE accelerator label in
    `node_selector`.  `--target vertex` runs this before ModelUploadOp when it
    lowers `serve.deploy`.
    """
    from ptflow.stdlib.serving import vertex

    machine = vertex.machine_for(cpu, memory, gpus, dict(node_selector))  # before copying anything
    image = serving_image or (vertex.PREBUILT_GPU_IMAGE if gpus else vertex.PREBUILT_CPU_IMAGE)
    name = vertex.model_folder(archive.path, out["model"].path)
    out["model"].metadata.update(containerSpec=vertex.container_spec(image), model_name=name)
    return {
        "machine_type": machine.machine_type,
        "accelerator_type": machine.accelerator_type,
        "accelerator_count": machine.accelerator_count,
    }


@step(
    "serve.predict",
    outputs={
        "request_markdown": Markdown,
        "response_markdown": Markdown,
        "response": Artifact,
        "visualization": HTML,
        "heat_maps": Artifact,
    },
)
def predict(
    out: Outputs,
    endpoint: str | None = None,
    archive: Artifact | None = None,
    model_name: str | None = None,
    request: dict | None = None,
    request_file: Artifact | None = None,
    verb: str = "predict",
    protocol: str = "v1",
    host: str | None = None,
    cookie: str | None = None,
    timeout: int = 120,
) -> dict:
    """Call predict or explain on a served model and record the request and response as Markdown.

    Against `endpoint` (a KServe service's URL, or any KServe-protocol server),
    or, given `archive` instead, against `ptflow serve` started here for the
    call.  Waits for the model to report ready first.  Fails with the server's
    reason when the answer is not HTTP 200.

    `visualization` pictures the answer (coloured words for a text
    explanation, heat maps over the image for an image one, a table of
    predictions otherwise): a v2 HTML artifact, and a `web-app` viewer in the
    KFP v1 UI; `heat_maps` holds the heat maps as PNG files.
    """
    from ptflow.stdlib.serving import predict_client as client

    if (endpoint is None) == (archive is None):
        raise UsageError("give exactly one of --endpoint (a served model's URL) and --archive (served here)")
    if (request is None) == (request_file is None):
        raise UsageError("give exactly one of --request (the JSON body) and --request_file")
    if timeout < 1:
        raise UsageError(f"--timeout {timeout}: seconds, at least 1")
    body = request if request is not None else _read_request_file(request_file.path)
    if archive is not None and model_name is None:
        model_name = _archive_model_name(archive.path)
    if not model_name:
        raise UsageError("--model_name: name the model the endpoint serves (serve.archive's `name`)")
    call = client.Call(endpoint or "http://127.0.0.1", model_name, verb, protocol, host, cookie, float(timeout))
    client.check_call(call)
    body = client.request_body(call, body)

    if archive is not None:
        from ptflow.stdlib.serving.local_server import running_server

        with running_server(archive.path, model_name) as server:
            call = client.Call(server.endpoint, model_name, verb, protocol, None, None, float(timeout))
            client.wait_until_ready(call, timeout, check_server=server.check_alive)
            response = client.send(call, body)
    else:
        client.wait_until_ready(call, timeout)
        response = client.send(call, body)

    out["request_markdown"].path.write_text(client.request_markdown(call, body), encoding="utf-8")
    out["response_markdown"].path.write_text(client.response_markdown(call, response), encoding="utf-8")
    out["response"].path.write_text(response.body, encoding="utf-8")
    out["response"].metadata.update(status=response.status, url=call.url, elapsed_ms=round(response.elapsed_s * 1000))
    if response.status != 200:
        raise StepError(f"{verb} at {call.url} answered HTTP {response.status}: {response.reason()}")
    _write_visualization(out, model_name, verb, response.body)
    return {}


def _write_visualization(out: Outputs, model_name: str, verb: str, body: str) -> None:
    from ptflow.stdlib.serving.visualization import page_for

    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    page = page_for(model_name, verb, answer)
    out["visualization"].path.write_text(page.html, encoding="utf-8")
    folder = out["heat_maps"].path
    folder.mkdir(parents=True, exist_ok=True)
    for name, picture in page.pictures.items():
        (folder / name).write_bytes(picture)
    out["heat_maps"].metadata.update(pictures=sorted(page.pictures))


def _read_request_file(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"--request_file: {path} is not a JSON file: {error}") from None


def _archive_model_name(path: Path) -> str:
    """The model name inside serve.archive's output (or a .mar)."""
    from ptflow.stdlib.serving.archive import read_mar_manifest

    archives = [path] if path.suffix == ".mar" else sorted((path / "model-store").glob("*.mar"))
    if len(archives) != 1:
        raise UsageError(f"--archive: {path} holds {len(archives)} .mar archives; give --model_name")
    return str(read_mar_manifest(archives[0])["model"]["modelName"])
