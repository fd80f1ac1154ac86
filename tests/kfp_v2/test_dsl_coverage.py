"""docs/targets.md "kfp 2.17.3 DSL coverage": one row per public name of the installed kfp's `dsl` package and of
`dsl.PipelineTask`, each with its ptflow form (or why none) and a test that exists.

What ptflow can't say yet is refused by `ptflow import` with PTF921 naming the IR field (never dropped silently);
`test_what_ptflow_cannot_say_is_refused_on_import` holds those rows to that.
"""

import re
import warnings
from pathlib import Path

import pytest

kfp_dsl = pytest.importorskip("kfp.dsl")

from kfp import dsl  # noqa: E402

from ptflow.compiler.importer import ImportRefused, import_text  # noqa: E402
from tests.support.kfp_compare import assert_same_ir, compile_kfp, compile_ptflow  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SECTION = "## kfp 2.17.3 DSL coverage"


def coverage_rows() -> dict[str, tuple[str, str]]:
    """kfp name (`dsl.X`, `PipelineTask.y`) -> (ptflow form, cited test), from the table in docs/targets.md."""
    text = (REPO / "docs" / "targets.md").read_text()
    section = text[text.index(SECTION) :]
    following = section.find("\n## ", len(SECTION))
    section = section if following < 0 else section[:following]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `((?:dsl|PipelineTask)\.\w+)` \| (.+) \| `([^`]+)` \|$", line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} has two rows"
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def kfp_public_names() -> set[str]:
    names = {f"dsl.{name}" for name in kfp_dsl.__all__}
    names |= {f"PipelineTask.{name}" for name in dir(dsl.PipelineTask) if not name.startswith("_")}
    return names


def test_the_table_has_a_row_for_every_public_name_of_the_installed_kfp_dsl_and_no_other():
    rows = set(coverage_rows())
    names = kfp_public_names()
    assert sorted(names - rows) == [], "kfp has names the coverage table lacks"
    assert sorted(rows - names) == [], "the coverage table names what kfp doesn't have"


def test_every_row_cites_a_test_that_exists():
    for name, (_, cited) in coverage_rows().items():
        path, _, function = cited.partition("::")
        assert (REPO / path).is_file(), f"{name}: {path} does not exist"
        if function:
            assert re.search(rf"^def {function}\(", (REPO / path).read_text(), re.MULTILINE), (
                f"{name}: {path} has no test {function}"
            )


IMAGE = "alpine:3.19"


@dsl.container_component
def echo(msg: str):
    return dsl.ContainerSpec(image=IMAGE, command=["echo", msg])


ECHO = """
component echo(msg: str) {
    image = "alpine:3.19"
    command = ["echo", msg]
}
"""


def test_set_debug_pause_is_argo_s_debug_variables_in_env(tmp_path):
    @dsl.pipeline(name="paused")
    def paused():
        echo(msg="x").set_debug_pause(before=True)

    ours = compile_ptflow(
        ECHO
        + """
pipeline paused() {
    echo = echo(msg: "x") with { env: {ARGO_DEBUG_PAUSE_BEFORE: "true", ARGO_DEBUG_PAUSE_AFTER: "true"} }
}""",
        tmp_path,
    )
    assert_same_ir(ours, compile_kfp(paused, tmp_path))


@dsl.component(task_config_passthroughs=[dsl.TaskConfigField.RESOURCES])
def configured(task_config: dsl.TaskConfig):
    pass


@dsl.pipeline(name="unused-cache-key")
def unused_cache_key():
    echo(msg="x").set_caching_options(False, cache_key="k1")


@dsl.pipeline(name="task-config")
def task_config():
    configured()


REFUSED = [
    (unused_cache_key, "root.dag.tasks.echo.cachingOptions.cacheKey", "caching is off"),
    (
        task_config,
        "components.comp-configured.inputDefinitions.parameters.task_config.parameterType",
        "TASK_CONFIG",
    ),
]


@pytest.mark.parametrize(("pipeline_func", "where", "said"), REFUSED, ids=lambda value: getattr(value, "name", None))
def test_what_ptflow_cannot_say_is_refused_on_import(tmp_path, pipeline_func, where, said):
    from kfp import compiler

    path = tmp_path / "kfp.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiler.Compiler().compile(pipeline_func, str(path))
    with pytest.raises(ImportRefused) as refused:
        import_text(path.read_text(), str(path))
    assert (refused.value.code, refused.value.where) == ("PTF921", where)
    assert said in refused.value.message


def test_a_cache_key_imports_as_the_cache_key_option_and_compiles_back(tmp_path):
    @dsl.pipeline(name="cache-key")
    def cache_key():
        echo(msg="x").set_caching_options(True, cache_key="features-v2")

    theirs = compile_kfp(cache_key, tmp_path)
    source = import_text((tmp_path / "kfp.yaml").read_text(), "kfp.yaml")
    assert 'cache_key: "features-v2"' in source
    assert_same_ir(compile_ptflow(source, tmp_path), theirs)


def test_the_workspace_is_the_workspace_property_and_its_path_a_run_value(tmp_path):
    config = dsl.PipelineConfig(
        workspace=dsl.WorkspaceConfig(
            size="5Gi", kubernetes=dsl.KubernetesWorkspaceConfig(pvcSpecPatch={"storageClassName": "fast"})
        )
    )

    @dsl.pipeline(name="workspace", pipeline_config=config)
    def workspace():
        echo(msg=dsl.WORKSPACE_PATH_PLACEHOLDER)

    ours = compile_ptflow(
        ECHO
        + """
pipeline workspace() {
    workspace = {size: "5Gi", pvc_spec_patch: {storageClassName: "fast"}}
    echo(msg: pipeline.workspace_path)
}""",
        tmp_path,
    )
    assert_same_ir(ours, compile_kfp(workspace, tmp_path))
