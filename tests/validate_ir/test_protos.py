"""The validator loads kfp's protobuf classes without `import kfp`, and a real `import kfp`
in the same process, before or after, keeps working with one copy of each .proto file.

Each test runs a fresh interpreter, since what matters is the state of `sys.modules`
and of protobuf's descriptor pool in a process that starts clean."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def run_python(code: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


VALIDATE_A_PLATFORMS_FILE = """
    import yaml
    from ptflow.compiler.validate.ir import validate_ir
    spec = {"pipelineInfo": {"name": "p"}, "schemaVersion": "2.1.0",
            "components": {"comp-a": {"executorLabel": "exec-a"}},
            "deploymentSpec": {"executors": {"exec-a": {"container": {"image": "alpine", "command": ["true"]}}}},
            "root": {"dag": {"tasks": {"a": {"componentRef": {"name": "comp-a"}, "taskInfo": {"name": "a"}}}}}}
    platforms = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {"exec-a": {
        "tolerations": [{"key": "gpu", "operator": "Exists"}], "nodeSelector": {"labels": {"a": "b"}}}}}}}}
    problems = [d.message for d in validate_ir([spec, platforms])]
"""

COMPILE_WITH_KFP = """
    import kfp, kfp.kubernetes, kfp.pipeline_spec.pipeline_spec_pb2
    from kfp import compiler, dsl

    @dsl.container_component
    def echo(msg: str):
        return dsl.ContainerSpec(image="alpine", command=["echo", msg])

    @dsl.pipeline(name="p")
    def pipeline():
        task = echo(msg="hi")
        kfp.kubernetes.add_toleration(task, key="gpu", operator="Exists")

    import os, tempfile, yaml
    from ptflow.compiler.validate.ir import validate_ir
    compiled = os.path.join(tempfile.mkdtemp(), "p.yaml")
    compiler.Compiler().compile(pipeline, compiled)
    compiled_documents = list(yaml.safe_load_all(open(compiled)))
    compiled_problems = [d.message for d in validate_ir(compiled_documents)]
"""


def test_validating_does_not_run_kfp_package_init():
    result = run_python(
        VALIDATE_A_PLATFORMS_FILE
        + """
    import json, sys
    kfp = sys.modules.get("kfp")
    print(json.dumps({"problems": problems, "kfp_initialized": kfp is not None and hasattr(kfp, "__version__"),
                      "kfp_in_modules": "kfp" in sys.modules, "client": "kfp.client" in sys.modules,
                      "kubernetes_client": "kubernetes" in sys.modules,
                      "pb2": ["kfp.pipeline_spec.pipeline_spec_pb2" in sys.modules,
                              "kfp.kubernetes.kubernetes_executor_config_pb2" in sys.modules]}))
    """
    )
    assert result == {
        "problems": [],
        "kfp_initialized": False,
        "kfp_in_modules": False,
        "client": False,
        "kubernetes_client": False,
        "pb2": [True, True],
    }


def test_importing_the_validator_loads_nothing_of_kfp():
    result = run_python("""
    import json, sys
    import ptflow.compiler.validate.ir
    print(json.dumps(sorted(name for name in sys.modules if name == "kfp" or name.startswith("kfp."))))
    """)
    assert result == []


@pytest.mark.parametrize("kfp_first", [False, True], ids=["validator-then-kfp", "kfp-then-validator"])
def test_validator_and_real_kfp_share_one_copy_of_each_proto(kfp_first):
    pytest.importorskip("kfp")
    steps = (
        [COMPILE_WITH_KFP, VALIDATE_A_PLATFORMS_FILE] if kfp_first else [VALIDATE_A_PLATFORMS_FILE, COMPILE_WITH_KFP]
    )
    result = run_python(
        "\n".join(textwrap.dedent(s) for s in steps)
        + textwrap.dedent("""
    import json
    import kfp.kubernetes.kubernetes_executor_config_pb2 as kubernetes_pb2
    from google.protobuf import descriptor_pool
    from ptflow.compiler.validate import protos
    pool = descriptor_pool.Default()
    pb2 = protos.pipeline_spec_pb2()
    print(json.dumps({
        "problems": problems,
        "compiled_problems": compiled_problems,
        "has_platforms": len(compiled_documents) == 2,
        "kfp_version": kfp.__version__,
        "same_module": pb2 is kfp.pipeline_spec.pipeline_spec_pb2,
        "same_kubernetes_module": protos.kubernetes_executor_config_pb2() is kubernetes_pb2,
        "same_class": pb2.PipelineSpec is kfp.pipeline_spec.pipeline_spec_pb2.PipelineSpec,
        "pool_descriptor_is_ours":
            pool.FindMessageTypeByName("ml_pipelines.PipelineSpec") is pb2.PipelineSpec.DESCRIPTOR,
        "kubernetes_pool":
            pool.FindMessageTypeByName("kfp_kubernetes.KubernetesExecutorConfig")
            is kubernetes_pb2.KubernetesExecutorConfig.DESCRIPTOR,
    }))
    """)
    )
    assert result == {
        "problems": [],
        "compiled_problems": [],
        "has_platforms": True,
        "kfp_version": "2.17.3",
        "same_module": True,
        "same_kubernetes_module": True,
        "same_class": True,
        "pool_descriptor_is_ours": True,
        "kubernetes_pool": True,
    }


def test_the_kubernetes_classes_loaded_first_import_the_real_pipeline_spec_module():
    # kfp-kubernetes' generated module runs `from kfp.pipeline_spec import pipeline_spec_pb2`; loaded before any kfp
    # package exists, it reads that name from a stand-in package, which must hold the module itself.
    found = run_python("""
        import json, sys
        from ptflow.compiler.validate import protos
        kubernetes = protos.kubernetes_executor_config_pb2()
        print(json.dumps({"same": kubernetes.pipeline__spec__pb2 is sys.modules[protos.PIPELINE_SPEC_MODULE],
                          "kfp_imported": "kfp" in sys.modules and hasattr(sys.modules["kfp"], "dsl")}))
    """)
    assert found == {"same": True, "kfp_imported": False}
