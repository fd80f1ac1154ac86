"""`--target vertex`: serve.deploy becomes Vertex AI's model upload, endpoint creation and deployment.

The differential test compares the whole compiled pipeline with what kfp's
compiler writes for the pipeline a kfp user would write by hand: the same
runtime step, then google-cloud-pipeline-components' ModelUploadOp,
EndpointCreateOp and ModelDeployOp (imported from the installed gcpc).
Vertex AI itself can't run here; the documents are checked by ptflow's
validator, as `ptflow compile` does before it writes them.
"""

from pathlib import Path
from typing import Optional

import pytest
import yaml

from ptflow.compiler.api import compile_file
from ptflow.compiler.image import DEFAULT_RUNTIME_IMAGE
from ptflow.compiler.targets import vertex
from tests.support.kfp_compare import assert_same_ir, compile_kfp, compile_ptflow, rename
from tests.vertex.regenerate_components import compiled_text, gcpc_components

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vertex_cifar10" / "vertex_cifar10.ptflow"
IMAGE = "alpine:3.19"

SOURCE = """
import stdlib.serve as serve

component make_archive() -> (archive: Artifact) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", archive.path]
}

pipeline vertex_pipeline(name: str = "digits") {
    mar = make_archive()
    deploy = serve.deploy(name: name, archive: mar.archive, cpu: "2", memory: "8Gi", max_replicas: 3)
        with { cpu: "1", memory: "2G" }
}
"""


def test_the_committed_components_are_what_the_pinned_gcpc_compiles_to():
    for file_name, component in gcpc_components().items():
        committed = yaml.safe_load((vertex.COMPONENTS / file_name).read_text())
        fresh = yaml.safe_load(compiled_text(component))
        committed.pop("sdkVersion"), fresh.pop("sdkVersion")
        assert committed == fresh, f"{file_name} drifted: run tests/vertex/regenerate_components.py"


def test_deploy_compiles_to_what_kfp_writes_for_the_gcpc_pipeline(tmp_path):
    from google_cloud_pipeline_components.types.artifact_types import UnmanagedContainerModel
    from google_cloud_pipeline_components.v1.endpoint import EndpointCreateOp, ModelDeployOp
    from google_cloud_pipeline_components.v1.model import ModelUploadOp

    @dsl.container_component
    def make_archive(archive: dsl.Output[dsl.Artifact]):
        return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", archive.path])

    @dsl.container_component
    def vertex_model(
        archive: dsl.Input[dsl.Artifact],
        model: dsl.Output[UnmanagedContainerModel],
        machine_type: dsl.OutputPath(str),
        accelerator_type: dsl.OutputPath(str),
        accelerator_count: dsl.OutputPath(int),
        cpu: str = "1",
        memory: str = "2Gi",
        gpus: int = 0,
        node_selector: dict = {},
        serving_image: Optional[str] = None,
    ):  # noqa: B006
        return dsl.ContainerSpec(
            image=DEFAULT_RUNTIME_IMAGE,
            command=["python", "-m", "ptflow.runtime", "serve.vertex_model"],
            args=[
                "--executor-input",
                dsl.PIPELINE_TASK_EXECUTOR_INPUT_PLACEHOLDER,
                "--archive",
                archive.path,
                "--cpu",
                cpu,
                "--memory",
                memory,
                "--gpus",
                gpus,
                "--node_selector",
                node_selector,
                dsl.IfPresentPlaceholder(input_name="serving_image", then=["--serving_image", serving_image]),
                "--model",
                model.path,
                "--machine_type",
                machine_type,
                "--accelerator_type",
                accelerator_type,
                "--accelerator_count",
                accelerator_count,
            ],
        )

    @dsl.pipeline(name="vertex-pipeline")
    def vertex_pipeline(name: str = "digits"):
        mar = make_archive().set_caching_options(True)
        model = vertex_model(archive=mar.outputs["archive"], cpu="2", memory="8Gi")
        model.set_env_variable("PTFLOW_RUNTIME_IMAGE", DEFAULT_RUNTIME_IMAGE).set_cpu_limit("1")
        model.set_memory_limit("2G")
        upload = ModelUploadOp(display_name=name, unmanaged_container_model=model.outputs["model"])
        endpoint = EndpointCreateOp(display_name=name)
        ModelDeployOp(
            model=upload.outputs["model"],
            endpoint=endpoint.outputs["endpoint"],
            deployed_model_display_name=name,
            dedicated_resources_machine_type=model.outputs["machine_type"],
            dedicated_resources_accelerator_type=model.outputs["accelerator_type"],
            dedicated_resources_accelerator_count=model.outputs["accelerator_count"],
            dedicated_resources_min_replica_count=1,
            dedicated_resources_max_replica_count=3,
        )

    ours = compile_ptflow(SOURCE, tmp_path, target="vertex")
    theirs = compile_kfp(vertex_pipeline, tmp_path)
    ours = rename(
        ours,
        {
            "mar": "make-archive",
            "deploy-model": "vertex-model",
            "deploy-upload": "model-upload",
            "deploy-endpoint": "endpoint-create",
            "deploy": "model-deploy",
        },
    )
    # kfp has no doc comments to copy into the hand-written component; the stdlib's are checked elsewhere.
    for definitions in ours[0]["components"]["comp-vertex-model"].values():
        for kind in ("parameters", "artifacts") if isinstance(definitions, dict) else ():
            for definition in definitions.get(kind, {}).values():
                definition.pop("description", None)
    for documents in (ours, theirs):  # kfp sorts by task name, which the renaming changed
        for task in documents[0]["root"]["dag"]["tasks"].values():
            task.get("dependentTasks", []).sort()
    assert_same_ir(ours, theirs)


def test_kfp_v2_still_deploys_on_kserve(tmp_path):
    (document,) = compile_ptflow(SOURCE, tmp_path, target="kfp-v2")
    assert set(document["root"]["dag"]["tasks"]) == {"mar", "deploy"}
    command = document["deploymentSpec"]["executors"]["exec-deploy"]["container"]["command"]
    assert command[-1] == "serve.deploy"


def test_the_vertex_example_deploys_with_gcpc_inside_its_condition():
    result = compile_file(str(EXAMPLE), target="vertex")
    assert result.ok, [str(d) for d in result.diagnostics]
    document = result.documents[0]
    # `if accuracy > threshold { if serve_here {...} else { deploy } }`: the deploy is the else arm.
    (arm,) = [
        name
        for name, component in document["components"].items()
        if "deploy" in component.get("dag", {}).get("tasks", {})
    ]
    tasks = document["components"][arm]["dag"]["tasks"]
    assert set(tasks) == {"deploy-model", "deploy-upload", "deploy-endpoint", "deploy"}
    executors = document["deploymentSpec"]["executors"]
    gcpc_image = "gcr.io/ml-pipeline/google-cloud-pipeline-components:2.22.0"
    assert {
        executors[f"exec-{name}"]["container"]["image"] for name in ("deploy-upload", "deploy-endpoint", "deploy")
    } == {gcpc_image}
    # The archive flows from serve.archive into the model folder, and the model into the deployment.
    assert tasks["deploy-model"]["inputs"]["artifacts"]["archive"] == {
        "componentInputArtifact": "pipelinechannel--mar-archive"
    }
    assert tasks["deploy"]["dependentTasks"] == ["deploy-endpoint", "deploy-model", "deploy-upload"]
    # The source map sends a failure in any of the four back to the serve.deploy line.
    lines = {result.source_map[(arm, name)].line for name in tasks}
    assert lines == {EXAMPLE.read_text().splitlines().index("            deploy = serve.deploy(") + 1}


def diagnostics_of(tmp_path, body: str):
    path = tmp_path / "p.ptflow"
    path.write_text(f"""import stdlib.serve as serve
import stdlib.torch as torch

pipeline p(name: str = "digits") {{
    data = torch.prepare_images()
    train = torch.train(data: data.data)
    mar = serve.archive(model: train.model_file, name: name)
{body}}}
""")
    result = compile_file(str(path), target="vertex")
    return result, [(d.code, d.span.line, d.message) for d in result.diagnostics]


def test_deploying_a_storage_uri_is_refused_with_the_step_line(tmp_path):
    result, found = diagnostics_of(tmp_path, '    deploy = serve.deploy(name: name, storage_uri: "s3://m/v1")\n')
    assert not result.ok
    assert found == [
        (
            "PTF501",
            8,
            "`deploy` deploys `storage_uri`; on vertex, serve.deploy uploads its `archive` "
            "to Vertex AI, so it needs `archive`",
        )
    ]


def test_using_the_kserve_url_is_refused_where_it_is_used(tmp_path):
    result, found = diagnostics_of(
        tmp_path,
        """    deploy = serve.deploy(name: name, archive: mar.archive)
    probe = serve.predict(endpoint: deploy.endpoint, model_name: name, request: {"instances": [[0.0]]})
""",
    )
    assert not result.ok
    assert [(code, line) for code, line, _ in found] == [("PTF501", 9)]
    assert found[0][2].startswith("`deploy.endpoint` is a KServe output")


def test_kserve_only_inputs_are_warnings_and_the_file_still_compiles(tmp_path):
    result, found = diagnostics_of(
        tmp_path,
        """    deploy = serve.deploy(name: name, archive: mar.archive, namespace: "team-a",
                          canary_traffic_percent: 10)
""",
    )
    assert result.ok and result.documents
    assert found == [
        ("PTF504", 8, "`namespace` of `deploy` is a KServe setting; vertex ignores it"),
        ("PTF504", 8, "`canary_traffic_percent` of `deploy` is a KServe setting; vertex ignores it"),
    ]


def test_scale_to_zero_is_refused(tmp_path):
    result, found = diagnostics_of(
        tmp_path, "    deploy = serve.deploy(name: name, archive: mar.archive, min_replicas: 0)\n"
    )
    assert not result.ok
    assert [(code, line) for code, line, _ in found] == [("PTF501", 8)]


def test_a_deploy_inside_a_called_pipeline_is_lowered_there(tmp_path):
    source = (
        SOURCE.replace("pipeline vertex_pipeline(", "pipeline inner(")
        + """
pipeline outer(name: str = "digits") {
    first = inner(name: name)
}
"""
    )
    path = tmp_path / "nested.ptflow"
    path.write_text(source)
    result = compile_file(str(path), target="vertex", pipeline="outer")
    assert result.ok, [str(d) for d in result.diagnostics]
    inner = result.documents[0]["components"]["comp-first"]["dag"]["tasks"]
    assert set(inner) == {"mar", "deploy-model", "deploy-upload", "deploy-endpoint", "deploy"}


def test_a_suppression_comment_silences_the_warning_when_compiling_too(tmp_path):
    result, found = diagnostics_of(
        tmp_path,
        '    deploy = serve.deploy(name: name, archive: mar.archive, namespace: "team-a")  # ptflow: ignore[PTF504]\n',
    )
    assert result.ok and found == []


def test_inputs_given_as_null_count_as_not_given(tmp_path):
    result, found = diagnostics_of(
        tmp_path, "    deploy = serve.deploy(name: name, archive: mar.archive, namespace: null, min_replicas: null)\n"
    )
    assert result.ok and found == []
    tasks = result.documents[0]["root"]["dag"]["tasks"]
    assert tasks["deploy"]["inputs"]["parameters"]["dedicated_resources_min_replica_count"] == {
        "runtimeValue": {"constant": 1.0}
    }


def test_a_gpu_without_its_type_is_refused_before_training(tmp_path):
    result, found = diagnostics_of(tmp_path, "    deploy = serve.deploy(name: name, archive: mar.archive, gpus: 1)\n")
    assert not result.ok
    [(code, line, message)] = found
    assert (code, line) == ("PTF501", 8)
    assert message.startswith("`deploy` can't be deployed on Vertex AI: --gpus 1: Vertex AI needs the GPU type")


def test_resources_from_parameters_are_left_to_run_time(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("""import stdlib.serve as serve

component make_archive() -> (archive: Artifact) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", archive.path]
}

pipeline p(gpus: int = 1) {
    mar = make_archive()
    deploy = serve.deploy(name: "m", archive: mar.archive, gpus: gpus)
}
""")
    result = compile_file(str(path), target="vertex")
    assert result.ok, [str(d) for d in result.diagnostics]
    tasks = result.documents[0]["root"]["dag"]["tasks"]
    # The GPU count reaches the step that picks the machine, at run time, from the pipeline parameter...
    assert tasks["deploy-model"]["inputs"]["parameters"]["gpus"] == {"componentInputParameter": "gpus"}
    # ... and the deployment takes the machine that step picked, not a constant chosen at compile time.
    deploy_inputs = tasks["deploy"]["inputs"]["parameters"]
    for field, output in (
        ("machine_type", "machine_type"),
        ("accelerator_type", "accelerator_type"),
        ("accelerator_count", "accelerator_count"),
    ):
        assert deploy_inputs[f"dedicated_resources_{field}"] == {
            "taskOutputParameter": {"outputParameterKey": output, "producerTask": "deploy-model"}
        }


# The examples whose cluster arm deploys an archive uploaded to MinIO on KServe, as the original samples.
KSERVE_EXAMPLES = ("bert", "bert_distributed", "cifar10")
# Their cluster arms' Kubernetes settings (MinIO credentials from a secret, the PyTorchJob's shared volume):
# Vertex AI has no Kubernetes to apply them to. (step, how its line starts, the settings it sets)
KUBERNETES_SETTINGS = {
    "bert": [("logs", "logs = storage.upload(", "secrets"), ("upload", "upload = storage.upload(", "secrets")],
    "bert_distributed": [
        ("ddp", "ddp = distributed.pytorchjob(", "volumes"),
        ("mar", "mar = serve.archive(", "volumes"),
        ("upload", "upload = storage.upload(", "secrets"),
    ],
    "cifar10": [("logs", "logs = storage.upload(", "secrets"), ("upload", "upload = storage.upload(", "secrets")],
    "cifar10_containers": [
        (step, f"{step} = ", "secrets")
        for step in ("trained", "logs_pusher", "checkpoint_pusher", "mar_pusher", "config_pusher")
    ],
}


@pytest.mark.parametrize("example", sorted((EXAMPLE.parents[1]).glob("*/*.ptflow")), ids=lambda p: p.stem)
def test_every_example_compiles_for_vertex_except_the_kserve_ones_and_kubernetes_settings(example):
    result = compile_file(str(example), target="vertex")
    lines = [line.strip() for line in example.read_text().splitlines()]
    kubernetes = [
        (
            next(n for n, line in enumerate(lines, 1) if line.startswith(start)),
            f"step `{step}` sets Kubernetes settings (`{settings}`), which vertex can't apply: Vertex AI Pipelines "
            "runs steps without Kubernetes",
        )
        for step, start, settings in KUBERNETES_SETTINGS.get(example.stem, [])
    ]
    if example.stem not in KSERVE_EXAMPLES:
        errors = [(d.span.line, d.message) for d in result.diagnostics if d.is_error]
        assert errors == kubernetes, [str(d) for d in result.diagnostics]
        return
    # These deploy from MinIO to KServe (serve_here: false): on Vertex that is refused, saying what and where.
    errors = [(d.span.line, d.message.split(";")[0]) for d in result.diagnostics if d.is_error]
    deploy, predict, explain = (
        lines.index(f"{step} = serve.{call}(") + 1
        for step, call in (("isvc", "deploy"), ("predict", "predict"), ("explain", "predict"))
    )
    pytorchjob = (
        [
            (
                lines.index("ddp = distributed.pytorchjob(") + 1,
                "`ddp` is a Kubeflow PyTorchJob, which needs the training operator on a Kubernetes cluster",
            )
        ]
        if example.stem == "bert_distributed"
        else []
    )
    assert sorted(errors) == sorted(
        [
            *pytorchjob,
            *kubernetes,
            (deploy, "`isvc` deploys `storage_uri`"),
            (predict, "`isvc.endpoint` is a KServe output"),
            (predict, "`isvc.host` is a KServe output"),
            (explain, "`isvc.endpoint` is a KServe output"),
            (explain, "`isvc.host` is a KServe output"),
        ]
    )


def test_cache_and_retries_reach_all_four_steps_and_the_display_name_the_last(tmp_path):
    result, found = diagnostics_of(
        tmp_path,
        "    deploy = serve.deploy(name: name, archive: mar.archive) with "
        '{ cache: false, retries: 2, display_name: "Deploy on Vertex" }\n',
    )
    assert result.ok and found == []
    tasks = result.documents[0]["root"]["dag"]["tasks"]
    four = ("deploy-model", "deploy-upload", "deploy-endpoint", "deploy")
    assert all(tasks[name]["cachingOptions"] == {} for name in four)
    assert all(tasks[name]["retryPolicy"]["maxRetryCount"] == 2 for name in four)
    assert [tasks[name]["taskInfo"]["name"] for name in four] == [
        "deploy-model",
        "deploy-upload",
        "deploy-endpoint",
        "Deploy on Vertex",
    ]


def test_a_deploy_in_finally_is_refused(tmp_path):
    # `finally` can't read the body's outputs (PTF404); the missing archive isn't reported again.
    result, found = diagnostics_of(
        tmp_path, "    finally {\n        deploy = serve.deploy(name: name, archive: mar.archive)\n    }\n"
    )
    assert not result.ok
    assert [(code, line) for code, line, _ in found] == [("PTF501", 9), ("PTF404", 9)]
    assert "in `finally`" in found[0][2]


def test_a_deploy_with_neither_archive_nor_storage_uri_is_refused(tmp_path):
    result, found = diagnostics_of(tmp_path, "    deploy = serve.deploy(name: name)\n")
    assert not result.ok
    assert found == [
        (
            "PTF501",
            8,
            "`deploy` has no `archive`; on vertex, serve.deploy uploads its `archive` to "
            "Vertex AI, so it needs `archive`",
        )
    ]


def test_a_pytorchjob_is_refused_at_its_line_naming_the_target_and_the_alternative(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text("""import stdlib.distributed as distributed

pipeline p() {
    ddp = distributed.pytorchjob(command: ["python", "train.py", "--out", "{output}"], workers: 1)
}
""")
    result = compile_file(str(path), target="vertex")
    assert not result.ok and not result.documents
    [diagnostic] = result.diagnostics
    assert (diagnostic.code, diagnostic.span.line) == ("PTF501", 4)
    assert "vertex can't run it" in diagnostic.message
    assert "torch.train" in diagnostic.hint and "kfp-v2" in diagnostic.hint
    # The same pipeline compiles for Kubeflow, where the PyTorchJob runs.
    assert compile_file(str(path), target="kfp-v2").ok


CUSTOM_JOB_SOURCE = """
component make_data() -> (data: Dataset) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", data.path]
}

component train(data: Dataset, epochs: int = 1) -> (model: Model) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", data.path, epochs, model.path]
}

component evaluate(model: Model) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", model.path]
}

pipeline custom_job_pipeline(epochs: int = 2) {
    make_data = make_data()
    train = train(data: make_data.data, epochs: epochs) with { vertex_custom_job: {
        machine_type: "n1-standard-8", accelerator_type: "NVIDIA_TESLA_T4", accelerator_count: 2,
        replica_count: 3, boot_disk_size_gb: 200, service_account: "trainer@p.iam.gserviceaccount.com",
        network: "projects/12345/global/networks/vpc" } }
    evaluate = evaluate(model: train.model)
}
"""


def test_a_custom_job_compiles_to_what_gcpc_wraps_the_component_into(tmp_path):
    from google_cloud_pipeline_components.v1.custom_job import create_custom_training_job_from_component

    @dsl.container_component
    def make_data(data: dsl.Output[dsl.Dataset]):
        return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", data.path])

    @dsl.container_component
    def train(data: dsl.Input[dsl.Dataset], model: dsl.Output[dsl.Model], epochs: int = 1):
        return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", data.path, epochs, model.path])

    @dsl.container_component
    def evaluate(model: dsl.Input[dsl.Model]):
        return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", model.path])

    train_job = create_custom_training_job_from_component(
        train,
        machine_type="n1-standard-8",
        accelerator_type="NVIDIA_TESLA_T4",
        accelerator_count=2,
        replica_count=3,
        boot_disk_size_gb=200,
        service_account="trainer@p.iam.gserviceaccount.com",
        network="projects/12345/global/networks/vpc",
    )

    @dsl.pipeline(name="custom-job-pipeline")
    def custom_job_pipeline(epochs: int = 2):
        data = make_data()
        trained = train_job(data=data.outputs["data"], epochs=epochs)
        evaluate(model=trained.outputs["model"])

    ours = compile_ptflow(CUSTOM_JOB_SOURCE, tmp_path, target="vertex")
    theirs = compile_kfp(custom_job_pipeline, tmp_path)
    assert_same_ir(ours, theirs)


def test_pod_settings_beside_a_custom_job_are_refused_at_the_step(tmp_path):
    source = CUSTOM_JOB_SOURCE.replace(
        "vertex_custom_job: {", 'gpus: 2, node_selector: {pool: "gpu"}, vertex_custom_job: {'
    )
    path = tmp_path / "p.ptflow"
    path.write_text(source)
    result = compile_file(str(path), target="vertex")
    assert not result.ok
    [diagnostic] = result.diagnostics
    line = next(n for n, text in enumerate(source.splitlines(), 1) if text.strip().startswith("train = train("))
    assert (diagnostic.code, diagnostic.span.line) == ("PTF501", line)
    assert "`gpus`, `node_selector`; vertex can't apply them" in diagnostic.message


def test_a_custom_job_is_an_ordinary_step_with_a_warning_on_the_kubeflow_targets(tmp_path):
    path = tmp_path / "p.ptflow"
    path.write_text(CUSTOM_JOB_SOURCE)
    for target in ("kfp-v2", "kfp-v1"):
        result = compile_file(str(path), target=target)
        assert result.ok, target
        assert [(d.code, d.message.split(":")[0]) for d in result.diagnostics] == [
            ("PTF504", f"`vertex_custom_job` on step `train` is ignored by {target}")
        ], target


def test_ptflow_run_runs_a_custom_job_step_here_as_an_ordinary_step_with_a_notice(tmp_path):
    from tests.runner.helpers import ptflow

    source = CUSTOM_JOB_SOURCE.replace(
        'command = ["sh", "-c", "true", data.path]', 'command = ["sh", "-c", "echo rows > $0", data.path]'
    )
    source = source.replace(
        'command = ["sh", "-c", "true", data.path, epochs, model.path]',
        'command = ["sh", "-c", "cat $0 > $2; echo epochs $1 >> $2", data.path, epochs, model.path]',
    )
    (tmp_path / "p.ptflow").write_text(source)
    result = ptflow("run", "p.ptflow", "--store", str(tmp_path / "store"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    notices = [line for line in output.splitlines() if "vertex_custom_job" in line and "PTF504" in line]
    assert notices == [
        "warning[PTF504]: `vertex_custom_job` on step `train` is ignored by kfp-v2: the step runs as "
        "an ordinary step (ptflow run too); `gpus` and `accelerator` choose its node"
    ]
    # The wrapped step ran here and its model reached the step after it.
    assert "done    train" in output and "done    evaluate" in output


def test_the_custom_job_example_trains_on_two_t4s_as_a_custom_job():
    example = EXAMPLE.with_name("vertex_cifar10_custom_job.ptflow")
    result = compile_file(str(example), target="vertex")
    assert result.ok, [str(d) for d in result.diagnostics]
    document = result.documents[0]
    train = document["components"]["comp-train"]
    [pool] = train["inputDefinitions"]["parameters"]["worker_pool_specs"]["defaultValue"]
    assert pool["machine_spec"] == {
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 2.0,
    }
    # The worker runs the same runtime step as the on-node example's training step...
    on_node = compile_file(str(EXAMPLE), target="vertex").documents[0]
    assert (
        pool["container_spec"]["command"]
        == on_node["deploymentSpec"]["executors"]["exec-train"]["container"]["command"]
    )
    # ... while the pipeline's own step launches the CustomJob with gcpc's launcher.
    launcher = document["deploymentSpec"]["executors"][train["executorLabel"]]["container"]["command"]
    assert launcher[-1] == "google_cloud_pipeline_components.container.v1.custom_job.launcher"
    # Training reads the prepared data and its model reaches the archive, as on the node.
    tasks = document["root"]["dag"]["tasks"]
    assert tasks["train"]["inputs"]["artifacts"]["data"]["taskOutputArtifact"]["producerTask"] == "data"
    assert tasks["mar"]["inputs"]["artifacts"]["model"]["taskOutputArtifact"]["producerTask"] == "train"


def test_the_pipeline_workspace_is_refused_where_each_use_is(tmp_path):
    """Vertex AI Pipelines has no Kubernetes volume to share: the property, the path and the download, each."""
    path = tmp_path / "p.ptflow"
    path.write_text("""component say(message: str) {
    image = "alpine:3.19"
    command = ["echo", message]
}

pipeline p() {
    workspace = {size: "1Gi"}
    s = say(message: f"in {pipeline.workspace_path}")
    i = importer(uri: "gs://bucket/data.csv", type: Dataset, download_to_workspace: true)
}
""")
    result = compile_file(str(path), target="vertex")
    assert not result.ok and not result.documents
    found = [(d.code, d.span.line) for d in result.diagnostics]
    assert found == [("PTF501", 7), ("PTF501", 8), ("PTF501", 9)]
    assert all("vertex" in d.message and "kfp-v2" in d.hint for d in result.diagnostics)
    # The same pipeline compiles for Kubeflow, which makes the volume.
    assert compile_file(str(path), target="kfp-v2").ok


def test_lists_dicts_and_importer_metadata_holding_run_time_values_compile_as_for_kfp_v2(tmp_path):
    """Vertex AI Pipelines runs the KFP v2 IR: gcpc's `CustomTrainingJobOp(worker_pool_specs=[{... task.output}])`
    is the pattern these are for, so vertex writes exactly what kfp-v2 writes."""
    path = tmp_path / "p.ptflow"
    path.write_text("""
component machine() -> (kind: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "printf n1-standard-4 > \\"$0\\"", kind.path]
}

component launch(worker_pool_specs: list, labels: dict) {
    image = "alpine:3.19"
    command = ["echo", worker_pool_specs, labels]
}

pipeline p(team: str = "vision", replicas: int = 2) {
    m = machine()
    launch(
        worker_pool_specs: [{"machine_spec": {"machine_type": m.kind}, "replica_count": replicas}],
        labels: {"team": team, "machine": f"{m.kind}-x{replicas}"},
    )
    data = importer(uri: "gs://b/x", type: Dataset, metadata: {"owner": team, [m.kind]: [replicas]})
}
""")
    on_vertex = compile_file(str(path), target="vertex")
    on_kfp = compile_file(str(path), target="kfp-v2")
    assert on_vertex.ok and on_kfp.ok, [str(d) for d in on_vertex.diagnostics + on_kfp.diagnostics]
    assert on_vertex.documents == on_kfp.documents
    launch = on_vertex.documents[0]["root"]["dag"]["tasks"]["launch"]
    assert launch["inputs"]["parameters"]["worker_pool_specs"] == {
        "runtimeValue": {
            "constant": [
                {
                    "machine_spec": {"machine_type": "{{$.inputs.parameters['pipelinechannel--m-kind']}}"},
                    "replica_count": "{{$.inputs.parameters['pipelinechannel--replicas']}}",
                }
            ]
        }
    }
