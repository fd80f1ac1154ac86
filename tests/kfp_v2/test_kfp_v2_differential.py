"""Differential tests: ptflow's KFP v2 IR equals what kfp 2.17's compiler writes.

Each test holds a KFP Python DSL pipeline of container components and the
equivalent .ptflow source; both are compiled and compared as parsed YAML
(see tests/support/kfp_compare.py).  Where kfp's output is a known kfp bug,
the test says so and checks ptflow's correct output instead.
"""

from typing import List

import pytest

kfp = pytest.importorskip("kfp")
from kfp import dsl  # noqa: E402

from tests.support.ir_equivalence import assert_equivalent_ir  # noqa: E402
from tests.support.kfp_compare import assert_same_ir, compile_kfp, compile_ptflow  # noqa: E402

IMAGE = "alpine:3.19"


# ------------------------------------------------------------------ parts


@dsl.container_component
def echo(msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg])


@dsl.container_component
def flip_coin(seed: int, side: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo heads > "$1"', "--", seed, side])


@dsl.container_component
def roll(sides: int, value: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo 3 > "$1"', "--", sides, value])


@dsl.container_component
def square(x: int, y: dsl.OutputPath(int)):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo $(($0*$0)) > "$1"', x, y])


@dsl.container_component
def total(xs: List[int]):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", xs])


@dsl.container_component
def make_names(names: dsl.OutputPath(List[str])):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'echo \'["a", "b"]\' > "$0"', names])


@dsl.container_component
def make_data(rows: int, data: dsl.Output[dsl.Dataset]):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", 'seq "$0" > "$1"', rows, data.path])


@dsl.container_component
def train(data: dsl.Input[dsl.Dataset], epochs: int, model: dsl.Output[dsl.Model], metrics: dsl.Output[dsl.Metrics]):
    return dsl.ContainerSpec(
        image=IMAGE, command=["sh", "-c", 'cp "$0" "$2"; echo {} > "$3"', data.path, epochs, model.path, metrics.path]
    )


@dsl.container_component
def merge(models: dsl.Input[List[dsl.Model]], best: dsl.Output[dsl.Model]):
    return dsl.ContainerSpec(image=IMAGE, command=["sh", "-c", "true", models, best.path])


@dsl.container_component
def notify(status: dsl.PipelineTaskFinalStatus, msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg, status])


PARTS = """
component echo(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}
component flip_coin(seed: int) -> (side: str) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo heads > \\"$1\\"", "--", seed, side.path]
}
component roll(sides: int) -> (value: int) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo 3 > \\"$1\\"", "--", sides, value.path]
}
component square(x: int) -> (y: int) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo $(($0*$0)) > \\"$1\\"", x, y.path]
}
component total(xs: list[int]) {
    image = "alpine:3.19"
    command = ["echo", xs]
}
component make_names() -> (names: list[str]) {
    image = "alpine:3.19"
    command = ["sh", "-c", "echo '[\\"a\\", \\"b\\"]' > \\"$0\\"", names.path]
}
component make_data(rows: int) -> (data: Dataset) {
    image = "alpine:3.19"
    command = ["sh", "-c", "seq \\"$0\\" > \\"$1\\"", rows, data.path]
}
component train(data: Dataset, epochs: int) -> (model: Model, metrics: Metrics) {
    image = "alpine:3.19"
    command = ["sh", "-c", "cp \\"$0\\" \\"$2\\"; echo {} > \\"$3\\"", data.path, epochs, model.path, metrics.path]
}
component merge(models: list[Model]) -> (best: Model) {
    image = "alpine:3.19"
    command = ["sh", "-c", "true", models, best.path]
}
component notify(status: Status, msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg, status]
}
"""


def check(tmp_path, kfp_pipeline, ptflow_pipeline: str, names=None, **options):
    ours = compile_ptflow(PARTS + ptflow_pipeline, tmp_path, **options)
    theirs = compile_kfp(kfp_pipeline, tmp_path)
    assert_same_ir(ours, theirs, names)


# ------------------------------------------------------------------ tests


def test_parameters_of_every_type_with_and_without_defaults(tmp_path):
    @dsl.pipeline(name="params")
    # `l` is a parameter name of the compiled pipeline (compared with ptflow's), so it stays.
    def params(
        s: str,
        i: int,
        f: float,
        b: bool,
        l: list,  # noqa: E741
        d: dict,
        s2: str = "hi",
        i2: int = 3,
        f2: float = 0.5,
        b2: bool = False,
        l2: list = [1, "a"],
        d2: dict = {"k": [1, 2]},
        o: str = None,
    ):
        echo(msg=s)

    check(
        tmp_path,
        params,
        """
pipeline params(s: str, i: int, f: float, b: bool, l: list, d: dict, s2: str = "hi", i2: int = 3, f2: float = 0.5,
                b2: bool = false, l2: list = [1, "a"], d2: dict = {"k": [1, 2]}, o: str? = null) {
    echo(msg: s)
}""",
    )


def test_artifacts_of_every_system_type_and_a_custom_schema_title(tmp_path):
    @dsl.container_component
    def every_type(
        a: dsl.Input[dsl.Artifact],
        d: dsl.Input[dsl.Dataset],
        m: dsl.Input[dsl.Model],
        h: dsl.Output[dsl.HTML],
        md: dsl.Output[dsl.Markdown],
        mt: dsl.Output[dsl.Metrics],
        cm: dsl.Output[dsl.ClassificationMetrics],
        scm: dsl.Output[dsl.SlicedClassificationMetrics],
    ):
        return dsl.ContainerSpec(
            image=IMAGE, command=["ls", a.path, d.uri, m.metadata, h.path, md.path, mt.path, cm.path, scm.path]
        )

    class VertexModel(dsl.Artifact):
        schema_title = "google.VertexModel"
        schema_version = "0.0.1"

    @dsl.container_component
    def to_vertex(model: dsl.Input[dsl.Model], out: dsl.Output[VertexModel]):
        return dsl.ContainerSpec(image=IMAGE, command=["cp", model.path, out.path])

    @dsl.container_component
    def custom(model: dsl.Input[VertexModel], out: dsl.Output[VertexModel]):
        return dsl.ContainerSpec(image=IMAGE, command=["cp", model.path, out.path])

    @dsl.pipeline(name="artifacts")
    def artifacts():
        data = make_data(rows=3)
        t = train(data=data.outputs["data"], epochs=1)
        every_type(a=data.outputs["data"], d=data.outputs["data"], m=t.outputs["model"])
        v = to_vertex(model=t.outputs["model"])
        custom(model=v.outputs["out"])

    check(
        tmp_path,
        artifacts,
        """
component every_type(a: Artifact, d: Dataset, m: Model) -> (h: HTML, md: Markdown, mt: Metrics,
        cm: ClassificationMetrics, scm: SlicedClassificationMetrics) {
    image = "alpine:3.19"
    command = ["ls", a.path, d.uri, m.metadata, h.path, md.path, mt.path, cm.path, scm.path]
}
component to_vertex(model: Model) -> (out: Artifact<"google.VertexModel">) {
    image = "alpine:3.19"
    command = ["cp", model.path, out.path]
}
component custom(model: Artifact<"google.VertexModel">) -> (out: Artifact<"google.VertexModel">) {
    image = "alpine:3.19"
    command = ["cp", model.path, out.path]
}
pipeline artifacts() {
    make_data = make_data(rows: 3)
    train = train(data: make_data.data, epochs: 1)
    every_type = every_type(a: make_data.data, d: make_data.data, m: train.model)
    to_vertex = to_vertex(model: train.model)
    custom = custom(model: to_vertex.out)
}""",
    )


def test_output_parameters_passing_and_after(tmp_path):
    @dsl.pipeline(name="passing")
    def passing(n: int = 6):
        r = roll(sides=n)
        s = square(x=r.outputs["value"])
        e = echo(msg="done").after(s)
        echo(msg="also").after(r, e)

    check(
        tmp_path,
        passing,
        """
pipeline passing(n: int = 6) {
    roll = roll(sides: n)
    square = square(x: roll.value)
    echo = echo(msg: "done") with { after: [square] }
    echo_2 = echo(msg: "also") with { after: [roll, echo] }
}""",
    )


def test_loops_over_raw_list_parameter_and_output_with_parallelism_and_nesting(tmp_path):
    @dsl.pipeline(name="loops")
    def loops(names: List[str] = ["x", "y"]):
        with dsl.ParallelFor([1, 2, 3], parallelism=2) as i:
            square(x=i)
        with dsl.ParallelFor(names) as n:
            echo(msg=n)
        m = make_names()
        with dsl.ParallelFor(m.outputs["names"]) as n2:
            with dsl.ParallelFor([{"b": "x", "a": "y"}, {"b": "z", "a": "w"}], parallelism=1) as kv:
                echo(msg=n2)
                echo(msg=kv.b)

    check(
        tmp_path,
        loops,
        """
pipeline loops(names: list[str] = ["x", "y"]) {
    for i in [1, 2, 3] parallel 2 {
        square = square(x: i)
    }
    for n in names {
        echo = echo(msg: n)
    }
    make_names = make_names()
    for n2 in make_names.names {
        for kv in [{"b": "x", "a": "y"}, {"b": "z", "a": "w"}] parallel 1 {
            echo_2 = echo(msg: n2)
            echo_3 = echo(msg: kv.b)
        }
    }
}""",
    )


def test_parallel_zero_is_kfps_parallelism_zero_no_limit(tmp_path):
    @dsl.pipeline(name="unlimited")
    def unlimited():
        with dsl.ParallelFor([1, 2, 3], parallelism=0) as i:
            square(x=i)

    check(
        tmp_path,
        unlimited,
        """
pipeline unlimited() {
    for i in [1, 2, 3] parallel 0 {
        square = square(x: i)
    }
}""",
    )


def test_a_pipeline_named_after_a_keyword_with_a_default_root(tmp_path):
    @dsl.pipeline(name="pipeline", pipeline_root="gs://bucket/root")
    def keyword_named():
        square(x=2)

    check(
        tmp_path,
        keyword_named,
        """
pipeline keyword_named() {
    name = "pipeline"
    pipeline_root = "gs://bucket/root"
    square = square(x: 2)
}""",
    )


def test_nested_fan_in_of_parameters_and_artifacts_inside_and_after_the_loops(tmp_path):
    @dsl.pipeline(name="nested-fan-in")
    def nested_fan_in(limit: int = 1):
        with dsl.ParallelFor([1, 2]) as x:
            with dsl.ParallelFor([3, 4]) as y:
                sq = square(x=y)
                with dsl.If(y > limit):
                    data = make_data(rows=x)
                    trained = train(data=data.outputs["data"], epochs=y)
            total(xs=dsl.Collected(sq.outputs["y"]))  # one x's inner list; after both loops, a list of lists
        merge(models=dsl.Collected(trained.outputs["model"]))

    check(
        tmp_path,
        nested_fan_in,
        """
pipeline nested_fan_in(limit: int = 1) {
    for x in [1, 2] {
        for y in [3, 4] {
            square = square(x: y)
            if y > limit {
                make_data = make_data(rows: x)
                train = train(data: make_data.data, epochs: y)
            }
        }
        total = total(xs: square.y)
    }
    merge = merge(models: train.model)
}""",
    )


def test_if_elif_else_and_nested_conditions(tmp_path):
    @dsl.pipeline(name="conditions")
    def conditions(threshold: int = 3, ratio: float = 0.5):
        f = flip_coin(seed=1)
        r = roll(sides=6)
        with dsl.If(f.outputs["side"] == "heads"):
            echo(msg="h")
            with dsl.If(threshold > 2):
                echo(msg="t")
        with dsl.Elif(f.outputs["side"] == "tails"):
            echo(msg="t2")
        with dsl.Else():
            echo(msg="e")
        with dsl.If(r.outputs["value"] >= ratio):
            echo(msg="mixed")
        with dsl.If(r.outputs["value"] != 4):
            with dsl.If(f.outputs["side"] != "edge"):
                echo(msg="deep")

    check(
        tmp_path,
        conditions,
        """
pipeline conditions(threshold: int = 3, ratio: float = 0.5) {
    flip_coin = flip_coin(seed: 1)
    roll = roll(sides: 6)
    if flip_coin.side == "heads" {
        echo = echo(msg: "h")
        if threshold > 2 {
            echo_2 = echo(msg: "t")
        }
    } elif flip_coin.side == "tails" {
        echo_3 = echo(msg: "t2")
    } else {
        echo_4 = echo(msg: "e")
    }
    if roll.value >= ratio {
        echo_5 = echo(msg: "mixed")
    }
    if roll.value != 4 {
        if flip_coin.side != "edge" {
            echo_6 = echo(msg: "deep")
        }
    }
}""",
    )


def test_exit_handler_with_final_status(tmp_path):
    @dsl.pipeline(name="exit-handler")
    def exit_handler(who: str = "me"):
        exit_task = notify(msg=who)
        with dsl.ExitHandler(exit_task):
            f = flip_coin(seed=1)
            with dsl.If(f.outputs["side"] == "heads"):
                echo(msg=who)

    check(
        tmp_path,
        exit_handler,
        """
pipeline exit_handler(who: str = "me") {
    flip_coin = flip_coin(seed: 1)
    if flip_coin.side == "heads" {
        echo = echo(msg: who)
    }
    finally {
        notify = notify(status: pipeline.status, msg: who)
    }
}""",
    )


def test_fan_in_of_parameters_and_artifacts(tmp_path):
    @dsl.pipeline(name="fan-in")
    def fan_in():
        data = make_data(rows=5)
        with dsl.ParallelFor([1, 2, 3]) as epochs:
            s = square(x=epochs)
            t = train(data=data.outputs["data"], epochs=epochs)
        total(xs=dsl.Collected(s.outputs["y"]))
        merge(models=dsl.Collected(t.outputs["model"]))

    check(
        tmp_path,
        fan_in,
        """
pipeline fan_in() {
    make_data = make_data(rows: 5)
    for epochs in [1, 2, 3] {
        square = square(x: epochs)
        train = train(data: make_data.data, epochs: epochs)
    }
    total = total(xs: square.y)
    merge = merge(models: train.model)
}""",
    )


def test_pipeline_calling_a_pipeline_with_outputs(tmp_path):
    @dsl.pipeline(name="inner")
    def inner(rows: int = 2) -> dsl.Dataset:
        d = make_data(rows=rows)
        return d.outputs["data"]

    @dsl.pipeline(name="outer")
    def outer():
        i = inner(rows=7)
        train(data=i.output, epochs=2)
        make_data(rows=1)

    # kfp names a single unnamed pipeline output `Output`; ptflow outputs are always named.
    check(
        tmp_path,
        outer,
        """
pipeline inner(rows: int = 2) -> (Output: Dataset) {
    make_data = make_data(rows: rows)
    return (Output: make_data.data)
}
pipeline outer() {
    inner = inner(rows: 7)
    train = train(data: inner.Output, epochs: 2)
    make_data = make_data(rows: 1)
}""",
        pipeline="outer",
    )


def test_a_compiled_pipeline_file_imported_and_called_as_a_step(tmp_path):
    from kfp import compiler, components

    @dsl.pipeline(name="inner")
    def inner(rows: int = 2) -> dsl.Model:
        d = make_data(rows=rows)
        t = train(data=d.outputs["data"], epochs=1)
        return t.outputs["model"]

    compiler.Compiler().compile(inner, str(tmp_path / "inner.yaml"))
    inner_from_file = components.load_component_from_file(str(tmp_path / "inner.yaml"))

    @dsl.pipeline(name="outer")
    def outer():
        i = inner_from_file(rows=7)
        echo(msg="after").after(i)

    check(
        tmp_path,
        outer,
        """
import "inner.yaml" as inner
pipeline outer() {
    inner = inner(rows: 7)
    echo = echo(msg: "after") with { after: [inner] }
}""",
    )


def test_a_compiled_one_step_pipeline_that_renames_its_output_is_called_as_the_pipeline_it_is(tmp_path):
    """A one-task pipeline file is a component's container only when it passes its inputs and outputs through
    under the same names; `inner` returns `make_data`'s `data` as `Output`, so it is called as a graph (kfp does
    the same), where it used to be taken for `make_data`'s container and then fail with PTF502."""
    from kfp import compiler, components

    @dsl.pipeline(name="inner")
    def inner(rows: int = 2) -> dsl.Dataset:
        return make_data(rows=rows).outputs["data"]

    compiler.Compiler().compile(inner, str(tmp_path / "inner.yaml"))
    inner_from_file = components.load_component_from_file(str(tmp_path / "inner.yaml"))

    @dsl.pipeline(name="outer")
    def outer():
        i = inner_from_file(rows=7)
        train(data=i.output, epochs=1)

    check(
        tmp_path,
        outer,
        """
import "inner.yaml" as inner
pipeline outer() {
    inner = inner(rows: 7)
    train = train(data: inner.Output, epochs: 1)
}""",
    )


def test_importer(tmp_path):
    @dsl.pipeline(name="importing")
    def importing(uri: str = "gs://bucket/data"):
        dsl.importer(
            artifact_uri="gs://bucket/model", artifact_class=dsl.Model, reimport=True, metadata={"framework": "pytorch"}
        )
        importer_2 = dsl.importer(artifact_uri=uri, artifact_class=dsl.Dataset)
        train(data=importer_2.output, epochs=1)

    check(
        tmp_path,
        importing,
        """
pipeline importing(uri: str = "gs://bucket/data") {
    importer = importer(uri: "gs://bucket/model", type: Model, reimport: true, metadata: {"framework": "pytorch"})
    importer_2 = importer(uri: uri, type: Dataset)
    train = train(data: importer_2.artifact, epochs: 1)
}""",
    )


def test_caching_retries_resources_env_and_display_names(tmp_path):
    @dsl.pipeline(name="options")
    def options(cpu: str = "4", gpus: int = 2):
        t = echo(msg="a").set_caching_options(False).set_retry(3, "30s", 2.0, "1h").set_display_name("First step")
        t.set_cpu_limit("2").set_cpu_request("500m").set_memory_limit("8Gi").set_memory_request("1G")
        t.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
        t.set_env_variable("MODE", "fast").set_env_variable("LEVEL", "3")
        u = echo(msg="b").set_retry(2)
        u.set_cpu_limit(cpu)

    check(
        tmp_path,
        options,
        """
pipeline options(cpu: str = "4", gpus: int = 2) {
    echo = echo(msg: "a") with {
        cache: false,
        retry: {max: 3, backoff: "30s", factor: 2, max_backoff: "1h"},
        display_name: "First step",
        cpu: "2", cpu_request: "500m", memory: "8Gi", memory_request: "1G",
        accelerator: "nvidia.com/gpu", gpus: 1,
        env: {MODE: "fast", LEVEL: "3"},
    }
    echo_2 = echo(msg: "b") with { retries: 2, cpu: cpu }
}""",
    )


def test_custom_cache_key(tmp_path):
    """`cache_key` is kfp's `set_caching_options(True, cache_key=...)`: the key lands in the task's
    `cachingOptions` next to `enableCache`, and a step without one has none."""

    @dsl.pipeline(name="cache-key")
    def cache_key():
        echo(msg="a").set_caching_options(True, cache_key="features-v2")
        echo(msg="b")

    check(
        tmp_path,
        cache_key,
        """
pipeline cache_key() {
    echo = echo(msg: "a") with { cache_key: "features-v2" }
    echo_2 = echo(msg: "b")
}""",
    )


def test_if_present_concat_and_runtime_placeholders(tmp_path):
    @dsl.container_component
    def placeholders(n: int, out: dsl.Output[dsl.Dataset], opt: str = None):
        return dsl.ContainerSpec(
            image=IMAGE,
            command=["sh", "-c"],
            args=[
                dsl.IfPresentPlaceholder(input_name="opt", then=["--opt", opt], else_=["--no-opt"]),
                dsl.ConcatPlaceholder(["--n=", n]),
                f"--tag={dsl.PIPELINE_JOB_NAME_PLACEHOLDER}-{n}",
                dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
                out.path,
            ],
        )

    @dsl.pipeline(name="placeholder-pipeline")
    def pipeline_():
        placeholders(n=3)
        placeholders(n=4, opt="x")

    check(
        tmp_path,
        pipeline_,
        """
component placeholders(n: int, opt: str?) -> (out: Dataset) {
    image = "alpine:3.19"
    command = ["sh", "-c"]
    args = [if_present(opt, ["--opt", opt], ["--no-opt"]), concat("--n=", n),
            f"--tag={pipeline.job_name}-{n}", pipeline.task_name, out.path]
}
pipeline placeholder_pipeline() {
    placeholders = placeholders(n: 3)
    placeholders_2 = placeholders(n: 4, opt: "x")
}""",
    )


def test_every_run_time_placeholder_ptflow_has(tmp_path):
    @dsl.container_component
    def runtime_values(msg: str):
        return dsl.ContainerSpec(
            image=IMAGE,
            command=["echo", msg],
            args=[
                dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
                dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                dsl.PIPELINE_TASK_NAME_PLACEHOLDER,
                dsl.PIPELINE_TASK_ID_PLACEHOLDER,
                dsl.PIPELINE_ROOT_PLACEHOLDER,
                dsl.PIPELINE_TASK_EXECUTOR_INPUT_PLACEHOLDER,
                dsl.PIPELINE_TASK_EXECUTOR_OUTPUT_PATH_PLACEHOLDER,
                dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER,
                dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER,
                dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER,
            ],
        )

    @dsl.pipeline(name="runtime-values-pipeline")
    def runtime_values_pipeline():
        runtime_values(msg=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
        runtime_values(msg=dsl.PIPELINE_ROOT_PLACEHOLDER)
        runtime_values(msg=dsl.PIPELINE_JOB_RESOURCE_NAME_PLACEHOLDER)
        runtime_values(
            msg=f"{dsl.PIPELINE_JOB_CREATE_TIME_UTC_PLACEHOLDER}/{dsl.PIPELINE_JOB_SCHEDULE_TIME_UTC_PLACEHOLDER}"
        )

    check(
        tmp_path,
        runtime_values_pipeline,
        """
component runtime_values(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
    args = [pipeline.job_name, pipeline.job_id, pipeline.task_name, pipeline.task_id, pipeline.root,
            executor.input, executor.output_file, pipeline.job_resource_name, pipeline.job_create_time,
            pipeline.job_schedule_time]
}
pipeline runtime_values_pipeline() {
    runtime_values = runtime_values(msg: pipeline.job_id)
    runtime_values_2 = runtime_values(msg: pipeline.root)
    runtime_values_3 = runtime_values(msg: pipeline.job_resource_name)
    runtime_values_4 = runtime_values(msg: f"{pipeline.job_create_time}/{pipeline.job_schedule_time}")
}""",
    )


def test_fstring_arguments_and_pipeline_values(tmp_path):
    @dsl.pipeline(name="fstrings")
    def fstrings(who: str = "me"):
        f = flip_coin(seed=2)
        echo(msg=f"hello {who}, the coin says {f.outputs['side']}")
        echo(msg=dsl.PIPELINE_JOB_NAME_PLACEHOLDER)

    check(
        tmp_path,
        fstrings,
        """
pipeline fstrings(who: str = "me") {
    flip_coin = flip_coin(seed: 2)
    echo = echo(msg: f"hello {who}, the coin says {flip_coin.side}")
    echo_2 = echo(msg: pipeline.job_name)
}""",
    )


@dsl.container_component
def launch(specs: list, labels: dict):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", specs, labels])


def test_list_and_dict_arguments_holding_outputs_parameters_loop_items_and_f_strings(tmp_path):
    """kfp writes a list or dict argument holding pipeline channels as one constant with a placeholder in each
    value's place, and the channels as extra `pipelinechannel--` inputs carried into the loop."""

    @dsl.pipeline(name="structured")
    def structured(team: str = "vision", replicas: int = 2, items: list = ["a", "b"]):
        flip = flip_coin(seed=1)
        with dsl.ParallelFor(items) as item:
            launch(
                specs=[f"pre-{flip.outputs['side']}", {"r": replicas, "i": item}, dsl.PIPELINE_JOB_NAME_PLACEHOLDER],
                labels={"team": f"{team}-{replicas}", "side": [flip.outputs["side"], 1]},
            )

    source = """
component launch(specs: list, labels: dict) {
    image = "alpine:3.19"
    command = ["echo", specs, labels]
}
pipeline structured(team: str = "vision", replicas: int = 2, items: list = ["a", "b"]) {
    flip = flip_coin(seed: 1)
    for item in items {
        launch(
            specs: [f"pre-{flip.side}", {"r": replicas, "i": item}, pipeline.job_name],
            labels: {"team": f"{team}-{replicas}", "side": [flip.side, 1]},
        )
    }
}"""
    theirs = compile_kfp(structured, tmp_path)
    assert_equivalent_ir(compile_ptflow(PARTS + source, tmp_path), theirs)
    swapped = source.replace('"team": f"{team}-{replicas}"', '"team": f"{replicas}-{team}"')
    with pytest.raises(AssertionError, match="different pipelines"):
        assert_equivalent_ir(compile_ptflow(PARTS + swapped, tmp_path, name="swapped.ptflow"), theirs)


def test_imported_component_yaml_v1_and_v2(tmp_path):
    v1 = tmp_path / "v1_component.yaml"
    v1.write_text("""
name: Count words
inputs:
- {name: Input text, type: Dataset}
- {name: Min count, type: Integer, default: "2"}
- {name: Label, type: String, optional: true}
outputs:
- {name: Word counts, type: Dataset}
- {name: Total, type: Integer}
implementation:
  container:
    image: alpine:3.19
    command: [sh, -c, 'wc -w "$0" > "$1"; echo 1 > "$2"']
    args:
    - {inputPath: Input text}
    - {outputPath: Word counts}
    - {outputPath: Total}
    - concat: [--min=, {inputValue: Min count}]
    - if: {cond: {isPresent: Label}, then: [--label, {inputValue: Label}]}
""")
    from kfp import compiler, components

    compiler.Compiler().compile(echo, str(tmp_path / "echo_v2.yaml"))
    counted = components.load_component_from_file(str(v1))
    echo_v2 = components.load_component_from_file(str(tmp_path / "echo_v2.yaml"))

    @dsl.pipeline(name="imports")
    def imports():
        data = make_data(rows=2)
        c = counted(input_text=data.outputs["data"], min_count=3)
        echo_v2(msg="from v2")
        square(x=c.outputs["total"])

    check(
        tmp_path,
        imports,
        """
import "v1_component.yaml" as count_words
import "echo_v2.yaml" as echo_v2
pipeline imports() {
    make_data = make_data(rows: 2)
    count_words = count_words(input_text: make_data.data, min_count: 3)
    echo = echo_v2(msg: "from v2")
    square = square(x: count_words.total)
}""",
    )


def test_kubernetes_secrets_volumes_node_selectors_and_tolerations(tmp_path):
    from kfp import kubernetes

    @dsl.pipeline(name="platform")
    def platform():
        t = echo(msg="k8s")
        kubernetes.use_secret_as_env(t, secret_name="minio", secret_key_to_env={"accesskey": "AWS_KEY"})
        kubernetes.use_secret_as_volume(t, secret_name="creds", mount_path="/secrets")
        kubernetes.mount_pvc(t, pvc_name="data-pvc", mount_path="/data")
        kubernetes.add_node_selector(t, label_key="cloud.google.com/gke-accelerator", label_value="nvidia-tesla-t4")
        kubernetes.add_toleration(t, key="gpu", operator="Exists", effect="NoSchedule")

    check(
        tmp_path,
        platform,
        """
pipeline platform() {
    echo = echo(msg: "k8s") with {
        secrets: [{name: "minio", env: {AWS_KEY: "accesskey"}}, {name: "creds", mount_path: "/secrets"}],
        volumes: [{pvc: "data-pvc", mount_path: "/data"}],
        node_selector: {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
        tolerations: [{key: "gpu", operator: "Exists", effect: "NoSchedule"}],
    }
}""",
    )


def test_kubernetes_config_maps_pod_fields_empty_dirs_pull_secrets_and_node_affinity(tmp_path):
    from kfp import kubernetes

    @dsl.pipeline(name="platform")
    def platform():
        t = echo(msg="k8s")
        kubernetes.use_config_map_as_env(t, config_map_name="settings", config_map_key_to_env={"level": "LOG_LEVEL"})
        kubernetes.use_config_map_as_volume(t, config_map_name="files", mount_path="/cfg")
        kubernetes.use_field_path_as_env(t, env_name="POD_NAME", field_path="metadata.name")
        kubernetes.empty_dir_mount(t, volume_name="scratch", mount_path="/scratch", size_limit="2Gi")
        kubernetes.set_image_pull_secrets(t, ["regcred", "mirror"])
        kubernetes.add_node_affinity(t, match_expressions=[{"key": "zone", "operator": "In", "values": ["a", "b"]}])
        kubernetes.add_node_affinity(
            t,
            match_expressions=[{"key": "gpu", "operator": "Exists"}],
            match_fields=[{"key": "metadata.name", "operator": "NotIn", "values": ["n1"]}],
            weight=30,
        )

    check(
        tmp_path,
        platform,
        """
pipeline platform() {
    echo = echo(msg: "k8s") with {
        config_maps: [{name: "settings", env: {LOG_LEVEL: "level"}}, {name: "files", mount_path: "/cfg"}],
        field_env: {POD_NAME: "metadata.name"},
        empty_dirs: {name: "scratch", mount_path: "/scratch", size_limit: "2Gi"},
        image_pull_secrets: ["regcred", "mirror"],
        node_affinity: [
            {match_expressions: [{key: "zone", operator: "In", values: ["a", "b"]}]},
            {match_expressions: [{key: "gpu", operator: "Exists"}],
             match_fields: [{key: "metadata.name", operator: "NotIn", values: ["n1"]}], weight: 30},
        ],
    }
}""",
    )


def test_kubernetes_names_from_run_time_values_json_settings_ephemeral_volumes_and_security_context(tmp_path):
    """Secret, ConfigMap, PVC and pull-secret names from a parameter, a step output and a loop item (inside a loop,
    so they cross into its group), optional objects, node selector/affinity/tolerations as JSON, generic ephemeral
    volumes and the security context."""
    from kfp import kubernetes

    @dsl.pipeline(name="platform")
    def platform(secret: str, pull: str, affinity: dict, tolerations: list):
        names = make_names()
        for_pvc = flip_coin(seed=1)
        with dsl.ParallelFor(names.outputs["names"]) as name:
            t = echo(msg=name)
            kubernetes.use_secret_as_env(t, secret_name=secret, secret_key_to_env={"key": "KEY"}, optional=True)
            kubernetes.use_config_map_as_volume(t, config_map_name=name, mount_path="/cfg", optional=True)
            kubernetes.mount_pvc(t, pvc_name=for_pvc.outputs["side"], mount_path="/data", sub_path="in")
            kubernetes.set_image_pull_secrets(t, [pull, "regcred"])
            kubernetes.add_node_affinity_json(t, affinity)
            kubernetes.add_toleration_json(t, tolerations)
        u = echo(msg="u")
        kubernetes.add_node_selector_json(u, {"disktype": "ssd"})
        kubernetes.add_ephemeral_volume(
            u,
            volume_name="scratch",
            mount_path="/scratch",
            access_modes=["ReadWriteOnce", "ReadOnlyMany"],
            size="5Gi",
            storage_class_name="fast",
            labels={"team": "ml"},
        )
        kubernetes.set_security_context(u, run_as_user=1000, run_as_non_root=True)

    check(
        tmp_path,
        platform,
        """
pipeline platform(secret: str, pull: str, affinity: dict, tolerations: list) {
    make_names = make_names()
    flip_coin = flip_coin(seed: 1)
    for name in make_names.names {
        echo = echo(msg: name) with {
            secrets: {name: secret, env: {KEY: "key"}, optional: true},
            config_maps: {name: name, mount_path: "/cfg", optional: true},
            volumes: {pvc: flip_coin.side, mount_path: "/data", sub_path: "in"},
            image_pull_secrets: [pull, "regcred"],
            node_affinity_json: affinity,
            tolerations_json: tolerations,
        }
    }
    echo_2 = echo(msg: "u") with {
        node_selector_json: {disktype: "ssd"},
        ephemeral_volumes: {name: "scratch", mount_path: "/scratch", access_modes: ["ReadWriteOnce", "ReadOnlyMany"],
                            size: "5Gi", storage_class: "fast", labels: {team: "ml"}},
        security_context: {run_as_user: 1000, run_as_non_root: true},
    }
}""",
    )


def test_kfp_bug_dict_field_of_a_raw_loop_inside_an_exit_handler(tmp_path):
    """kfp 2.17 bug (research/kfp_v2.md §2): it wires a dangling root input
    `componentInputParameter: loop-item-param-N` into the exit handler.
    ptflow keeps the loop item inside the loop, which is what a run needs."""

    @dsl.pipeline(name="subvar")
    def subvar():
        exit_task = notify(msg="bye")
        with dsl.ExitHandler(exit_task):
            with dsl.ParallelFor([{"b": "x"}, {"b": "y"}]) as kv:
                echo(msg=kv.b)

    ours = compile_ptflow(
        PARTS
        + """
pipeline subvar() {
    for kv in [{"b": "x"}, {"b": "y"}] {
        echo = echo(msg: kv.b)
    }
    finally {
        notify = notify(status: pipeline.status, msg: "bye")
    }
}""",
        tmp_path,
    )
    theirs = compile_kfp(subvar, tmp_path)
    bad = theirs[0]["root"]["dag"]["tasks"]["exit-handler-1"]["inputs"]["parameters"]
    assert bad["pipelinechannel--loop-item-param-2-subvar-b"]["componentInputParameter"] == "loop-item-param-2"
    assert "inputs" not in ours[0]["root"]["dag"]["tasks"]["exit-handler-1"]
    # Everything else is the same.
    del theirs[0]["root"]["dag"]["tasks"]["exit-handler-1"]["inputs"]
    del theirs[0]["components"]["comp-exit-handler-1"]["inputDefinitions"]
    assert_same_ir(ours, theirs)


def test_kfp_bug_conditions_on_fields_of_a_constant_loops_items_in_nested_groups(tmp_path):
    """kfp 2.17 bug, like the exit handler's above: inside the outer condition's DAG it selects the fields
    from `loop-item-param-N`, which that condition does not take as an input (it takes the fields).
    ptflow hands each group between the loop and the task the fields themselves, as kfp does one level up."""

    @dsl.pipeline(name="item-field-conditions")
    def item_field_conditions():
        with dsl.ParallelFor([{"a": "x", "b": "y"}, {"a": "z", "b": "w"}]) as kv:
            with dsl.If(kv.a == "x"):
                with dsl.If(kv.b != "y"):
                    echo(msg="deep")

    ours = compile_ptflow(
        PARTS
        + """
pipeline item_field_conditions() {
    for kv in [{"a": "x", "b": "y"}, {"a": "z", "b": "w"}] {
        if kv.a == "x" {
            if kv.b != "y" {
                echo = echo(msg: "deep")
            }
        }
    }
}""",
        tmp_path,
    )
    theirs = compile_kfp(item_field_conditions, tmp_path)
    outer = "comp-condition-3"
    declared = theirs[0]["components"][outer]["inputDefinitions"]["parameters"]
    assert set(declared) == {
        "pipelinechannel--loop-item-param-1-subvar-a",
        "pipelinechannel--loop-item-param-1-subvar-b",
    }
    inner_theirs = theirs[0]["components"][outer]["dag"]["tasks"]["condition-4"]["inputs"]["parameters"]
    inner_ours = ours[0]["components"][outer]["dag"]["tasks"]["condition-4"]["inputs"]["parameters"]
    for field in ("a", "b"):
        channel = f"pipelinechannel--loop-item-param-1-subvar-{field}"
        assert inner_theirs[channel] == {
            "componentInputParameter": "pipelinechannel--loop-item-param-1",  # not declared: dangling
            "parameterExpressionSelector": f'parseJson(string_value)["{field}"]',
        }
        assert inner_ours[channel] == {"componentInputParameter": channel}
    # Everything else is the same.
    theirs[0]["components"][outer]["dag"]["tasks"]["condition-4"]["inputs"]["parameters"] = inner_ours
    assert_same_ir(ours, theirs)


def test_kfp_bug_an_fstring_of_a_constant_loops_item_field(tmp_path):
    """kfp 2.17 bug: it hands the loop `loop-item-param-N-subvar-a` from a root input that does not exist.
    ptflow selects the field from the loop item inside the loop, as it does for a plain argument."""

    @dsl.pipeline(name="item-fstring")
    def item_fstring():
        with dsl.ParallelFor([{"a": "x"}, {"a": "z"}]) as kv:
            echo(msg=f"a is {kv.a}")

    ours = compile_ptflow(
        PARTS
        + """
pipeline item_fstring() {
    for kv in [{"a": "x"}, {"a": "z"}] {
        echo = echo(msg: f"a is {kv.a}")
    }
}""",
        tmp_path,
    )
    theirs = compile_kfp(item_fstring, tmp_path)
    channel = "pipelinechannel--loop-item-param-1-subvar-a"
    dangling = theirs[0]["root"]["dag"]["tasks"]["for-loop-2"]["inputs"]["parameters"][channel]
    assert dangling == {"componentInputParameter": "loop-item-param-1-subvar-a"}
    assert "inputDefinitions" not in theirs[0]["root"]
    inputs = ours[0]["components"]["comp-for-loop-2"]["dag"]["tasks"]["echo"]["inputs"]["parameters"]
    assert inputs["msg"] == {"runtimeValue": {"constant": "a is {{$.inputs.parameters['" + channel + "']}}"}}
    assert inputs[channel] == {
        "componentInputParameter": "pipelinechannel--loop-item-param-1",
        "parameterExpressionSelector": 'parseJson(string_value)["a"]',
    }
    assert "inputs" not in ours[0]["root"]["dag"]["tasks"]["for-loop-2"]


def test_a_loop_over_a_field_of_an_outer_loops_item_iterates_the_fields_own_channel(tmp_path):
    """The inner loop's items are the field's own channel (`...-loop-item-subvar-members`), as kfp names it,
    so the outer item keeps its name inside the loop (tests/runner/test_nested_fan_in.py runs a step there
    that reads `g.name`; kfp 2.17 itself writes such a read as the constant text "groups-loop-item")."""

    @dsl.pipeline(name="nested-fields")
    def nested_fields(groups: List[dict]):
        with dsl.ParallelFor(groups) as g:
            with dsl.ParallelFor(g.members) as member:
                echo(msg=member)

    check(
        tmp_path,
        nested_fields,
        """
pipeline nested_fields(groups: list[dict]) {
    for g in groups {
        for member in g.members {
            echo = echo(msg: member)
        }
    }
}""",
    )
