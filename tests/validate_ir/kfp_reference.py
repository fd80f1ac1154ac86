"""Small KFP Python DSL pipelines of container components, compiled with kfp's own compiler.

They are the reference inputs of the validator's tests: everything kfp 2.17
writes for them must validate cleanly, and the mutation tests break copies of
them one mistake at a time.  Compiling happens at test time (`compile_reference`)
so the documents always come from the kfp that is installed.
"""

from pathlib import Path
from typing import Callable, Dict, List

from kfp import compiler, dsl, kubernetes

IMAGE = "alpine:3.19"


# ------------------------------------------------------------------ components


@dsl.container_component
def all_parameters(
    text: str,
    count: int,
    ratio: float,
    flag: bool,
    items: list,
    mapping: dict,
    words: List[str] = ["a", "b"],
    depth: int = 3,
    rate: float = 0.5,
    verbose: bool = False,
    label: str = "x",
    config: Dict[str, int] = {"k": 1},
):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["echo"],
        args=[text, count, ratio, flag, items, mapping, words, depth, rate, verbose, label, config],
    )


@dsl.container_component
def produce(rows: int, data: dsl.Output[dsl.Dataset], size: dsl.OutputPath(int), metrics: dsl.Output[dsl.Metrics]):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c", 'seq "$0" > "$1"; echo 3 > "$2"'],
        args=[rows, data.path, size, metrics.uri, metrics.metadata],
    )


@dsl.container_component
def consume(data: dsl.Input[dsl.Dataset], size: int, model: dsl.Output[dsl.Model]):
    return dsl.ContainerSpec(
        image=IMAGE, command=["sh", "-c", "cp $0 $2"], args=[data.path, size, model.path, data.uri, data.metadata]
    )


@dsl.container_component
def flip(seed: int, side: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo heads > "$1"', "--", seed, side])


@dsl.container_component
def echo(msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg])


@dsl.container_component
def square(x: int, y: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo $(($0*$0)) > "$1"', x, y])


@dsl.container_component
def total(xs: List[int]):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", xs])


@dsl.container_component
def make_model(seed: int, model: dsl.Output[dsl.Model]):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "echo $0 > $1", seed, model.path])


@dsl.container_component
def pick(models: dsl.Input[List[dsl.Model]], best: dsl.Output[dsl.Model]):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", models, best.path])


@dsl.container_component
def notify(status: dsl.PipelineTaskFinalStatus, msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg, status])


@dsl.container_component
def optional_flags(name: str, out: dsl.OutputPath(str), tag: str = "latest"):
    return dsl.ContainerSpec(
        image=IMAGE,
        command=["sh", "-c", "echo"],
        args=[
            dsl.IfPresentPlaceholder(input_name="tag", then=["--tag", tag], else_=["--no-tag"]),
            dsl.ConcatPlaceholder(["name=", name, "-", dsl.PIPELINE_JOB_NAME_PLACEHOLDER]),
            out,
        ],
    )


@dsl.container_component
def show_dataset(data: dsl.Input[dsl.Dataset]):
    return dsl.ContainerSpec(image=IMAGE, command=["cat", data.path])


# ------------------------------------------------------------------ pipelines


@dsl.pipeline(name="every-parameter-type")
def every_parameter_type(
    text: str = "hello",
    count: int = 10,
    ratio: float = 0.25,
    flag: bool = True,
    items: list = [1, 2],
    mapping: dict = {"a": 1},
):
    all_parameters(text=text, count=count, ratio=ratio, flag=flag, items=items, mapping=mapping)
    all_parameters(
        text="const",
        count=3,
        ratio=1.5,
        flag=False,
        items=["x"],
        mapping={"b": [1]},
        words=["c"],
        depth=7,
        rate=2.0,
        verbose=True,
        label="y",
        config={"z": 2},
    )


@dsl.pipeline(name="artifacts-and-outputs")
def artifacts_and_outputs(rows: int = 5):
    produced = produce(rows=rows)
    consumed = consume(data=produced.outputs["data"], size=produced.outputs["size"])
    echo(msg=f"rows={rows} job={dsl.PIPELINE_JOB_NAME_PLACEHOLDER}").after(consumed)
    optional_flags(name="n")
    optional_flags(name="m", tag="v1")


@dsl.pipeline(name="loops-and-conditions")
def loops_and_conditions(names: List[str] = ["a", "b"], threshold: int = 3):
    side = flip(seed=1)
    with dsl.If(side.outputs["side"] == "heads"):
        echo(msg="heads")
    with dsl.Elif(side.outputs["side"] == "tails"):
        echo(msg="tails")
    with dsl.Else():
        echo(msg="edge")
    with dsl.ParallelFor(names, parallelism=2) as name:
        echo(msg=name)
    with dsl.ParallelFor([1, 2, 3]) as x:
        sq = square(x=x)
        with dsl.If(sq.outputs["y"] > threshold):
            echo(msg="big")
    total(xs=dsl.Collected(sq.outputs["y"]))
    with dsl.ParallelFor([{"a": 1, "b": 2}, {"a": 3, "b": 4}]) as kv:
        square(x=kv.b)
    with dsl.ParallelFor([1, 2], parallelism=1) as seed:
        models = make_model(seed=seed)
        with dsl.ParallelFor(["p", "q"]) as inner:
            echo(msg=inner)
    pick(models=dsl.Collected(models.outputs["model"]))


@dsl.pipeline(name="exit-handler")
def exit_handler(msg: str = "done"):
    final = notify(msg=msg)
    with dsl.ExitHandler(final):
        side = flip(seed=2)
        echo(msg=side.outputs["side"]).set_caching_options(False).set_retry(
            num_retries=3, backoff_duration="30s", backoff_factor=2.0, backoff_max_duration="3600s"
        )


@dsl.pipeline(name="inner")
def inner(rows: int) -> dsl.Dataset:
    produced = produce(rows=rows)
    consume(data=produced.outputs["data"], size=produced.outputs["size"])
    return produced.outputs["data"]


@dsl.pipeline(name="nested-and-importer")
def nested_and_importer(rows: int = 4, uri: str = "gs://bucket/data.csv"):
    nested = inner(rows=rows)
    show_dataset(data=nested.output)
    imported = dsl.importer(artifact_uri=uri, artifact_class=dsl.Dataset, reimport=False, metadata={"source": "test"})
    show_dataset(data=imported.output)
    fixed = dsl.importer(artifact_uri="gs://bucket/fixed.csv", artifact_class=dsl.Dataset)
    show_dataset(data=fixed.output)


@dsl.pipeline(name="kubernetes-options")
def kubernetes_options(image_tag: str = "3.19"):
    task = echo(msg="k8s")
    task.set_cpu_limit("2").set_memory_limit("4G").set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    task.set_env_variable("MODE", "test").set_display_name("Echo on GPU")
    kubernetes.use_secret_as_env(task, secret_name="minio", secret_key_to_env={"accesskey": "AWS_KEY"})
    kubernetes.use_secret_as_volume(task, secret_name="creds", mount_path="/secrets")
    kubernetes.add_toleration(task, key="gpu", operator="Exists", effect="NoSchedule")
    kubernetes.add_node_selector(task, label_key="cloud.google.com/gke-accelerator", label_value="nvidia-tesla-t4")
    kubernetes.mount_pvc(task, pvc_name="data-pvc", mount_path="/data")
    other = echo(msg="image from a parameter")
    other.set_container_image(f"alpine:{image_tag}")


@dsl.pipeline(name="oneof-output")
def oneof_output(seed: int = 1) -> str:
    """A pipeline output chosen among an `If`/`Else`'s steps: kfp's `valueFromOneof` selectors."""
    side = flip(seed=seed)
    with dsl.If(side.outputs["side"] == "heads"):
        heads = flip(seed=2)
    with dsl.Else():
        tails = flip(seed=3)
    return dsl.OneOf(heads.outputs["side"], tails.outputs["side"])


@dsl.pipeline(name="subvar-in-exit-handler")
def subvar_in_exit_handler():
    """kfp 2.17.3 bug (research kfp_v2.md §2): a dict field of a raw-list loop item inside an
    ExitHandler is wired to `componentInputParameter: loop-item-param-N`, which the root lacks."""
    final = echo(msg="bye")
    with dsl.ExitHandler(final):
        with dsl.ParallelFor([{"a": "x", "b": "y"}]) as kv:
            echo(msg=kv.b)


REFERENCE_PIPELINES: dict[str, Callable] = {
    "every_parameter_type": every_parameter_type,
    "artifacts_and_outputs": artifacts_and_outputs,
    "loops_and_conditions": loops_and_conditions,
    "exit_handler": exit_handler,
    "nested_and_importer": nested_and_importer,
    "kubernetes_options": kubernetes_options,
    "oneof_output": oneof_output,
}


def compile_reference(pipeline: Callable, directory: Path, name: str) -> Path:
    """Compile `pipeline` with kfp into `directory` as `name`.yaml and return the file's path."""
    path = directory / f"{name}.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    return path
