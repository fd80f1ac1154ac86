"""`ptflow import` of KFP 1.x pipelines: the Argo Workflows kfp 1.8.22 wrote (tests/kfp_v1/golden).

The round trip: each golden imported, the .ptflow compiled for kfp-v1 equals
the golden (tests/kfp_v1's comparator: parsed YAML, JSON annotations as JSON,
without the SDK version, compilation time and component digest).  The same
.ptflow compiles for kfp-v2 and its IR passes the checks `ptflow validate`
runs (compiler/validate/ir.py), except where KFP v2 has no form for a v1
setting: there the import warned (PTF922) and kfp-v2 refuses with PTF501.
Packages (.tar.gz, .zip) as `ptflow compile` writes them import to the same
source; broken or hostile packages are clear errors through the real CLI.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from ptflow.compiler.api import compile_file
from ptflow.compiler.importer.api import import_document
from ptflow.compiler.packaging import write_package
from ptflow.compiler.validate.argo import validate_workflow
from ptflow.compiler.validate.ir import validate_ir
from tests.kfp_v1.test_kfp_v1_goldens import assert_same_workflow, normalize

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "kfp_v1" / "golden"
# Goldens of kfp-v1 features the import does not read back yet: each is refused (PTF921) at the path that
# first has no form in the importer (compiler/importer/argo_options.py, from_argo.py), never misread.
NOT_IMPORTED = {
    "volume_lifecycle": ("spec.templates[0].resource", "a Kubernetes resource step (kfp 1.x VolumeOp/ResourceOp)"),
}
ALL_GOLDENS = sorted(p.stem for p in GOLDEN.glob("*.yaml"))
FEATURES = [feature for feature in ALL_GOLDENS if feature not in NOT_IMPORTED]
# What KFP v2 can't express, each warned about at import (PTF922) and refused by kfp-v2 (PTF501).
NOT_ON_V2 = {
    "caching": "max_cache_staleness",
    "resources_from_parameters": "a node selector taken from a pipeline parameter",
}


def imported(feature: str, tmp_path: Path):
    golden = GOLDEN / f"{feature}.yaml"
    result = import_document(golden.read_text(), golden.name)
    path = tmp_path / f"{feature}.ptflow"
    path.write_text(result.source)
    return path, result


def test_every_golden_is_here():
    assert len(ALL_GOLDENS) == 23
    assert set(NOT_IMPORTED) <= set(ALL_GOLDENS)


@pytest.mark.parametrize("feature", sorted(NOT_IMPORTED))
def test_a_golden_the_import_cannot_read_yet_is_refused_at_its_path(feature):
    from ptflow.compiler.importer.errors import ImportRefused

    where, why = NOT_IMPORTED[feature]
    with pytest.raises(ImportRefused) as refused:
        import_document((GOLDEN / f"{feature}.yaml").read_text(), f"{feature}.yaml")
    assert refused.value.code == "PTF921"
    assert refused.value.where == where and refused.value.message.startswith(why)


@pytest.mark.parametrize("feature", FEATURES)
def test_import_then_compile_for_kfp_v1_gives_the_golden_back(feature, tmp_path):
    path, _ = imported(feature, tmp_path)
    result = compile_file(str(path), "kfp-v1")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics if d.is_error]
    assert_same_workflow(result.documents[0], yaml.safe_load((GOLDEN / f"{feature}.yaml").read_text()))


@pytest.mark.parametrize("feature", FEATURES)
def test_the_imported_pipeline_compiles_for_kfp_v2(feature, tmp_path):
    path, result = imported(feature, tmp_path)
    compiled = compile_file(str(path), "kfp-v2")
    errors = [(d.code, d.message) for d in compiled.diagnostics if d.is_error]
    if feature in NOT_ON_V2:
        assert [code for code, _ in errors] == ["PTF501"]
        assert any(code == "PTF922" and NOT_ON_V2[feature] in message for code, _, message in result.warnings)
        return
    assert errors == []
    assert [(d.code, d.message) for d in validate_ir(compiled.documents) if d.is_error] == []


def test_the_import_reads_as_a_person_would_write_it():
    text = import_document((GOLDEN / "exit_handler.yaml").read_text(), "exit_handler.yaml").source
    assert text.splitlines()[0] == "# Imported by `ptflow import` from exit_handler.yaml."
    assert text.count("component say(") == 1  # three templates, one component
    assert 'say_3 = say(message: "second") with { after: [say_2] }' in text
    assert '    finally {\n        say = say(message: "cleaning up")\n    }' in text
    loops = import_document((GOLDEN / "loop_over_output.yaml").read_text(), "x.yaml").source
    assert "for item in split.shards parallel 3 {" in loops
    assert 'if flip.side == "heads" {' in import_document((GOLDEN / "conditions.yaml").read_text(), "x").source


def test_argo_run_variables_import_with_a_warning(tmp_path):
    text = (GOLDEN / "env.yaml").read_text().replace("value: debug}", "value: 'run-{{workflow.uid}}'}")
    assert "{{workflow.uid}}" in text
    result = import_document(text, "env.yaml")
    assert 'env: {"LOG_LEVEL": f"run-{pipeline.job_id}"}' in result.source
    ((code, where, message),) = result.warnings
    assert code == "PTF922" and where.startswith("spec.templates[") and "workflow.uid" in message


# ----------------------------------------------------------------- packages


def run_import(path: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ptflow", "import", str(path)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_a_package_imports_as_its_yaml_does(suffix, tmp_path):
    text = (GOLDEN / "loop_items.yaml").read_text()
    package = tmp_path / f"loop_items{suffix}"
    write_package(package, text)
    done = run_import(package, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == import_document(text, f"loop_items{suffix}!pipeline.yaml").source
    assert done.stdout.startswith(f"# Imported by `ptflow import` from loop_items{suffix}!pipeline.yaml.")


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


GOOD = (GOLDEN / "retries.yaml").read_bytes()


def _bad_packages(tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    cases = {}
    traversal = tmp_path / "traversal.tar.gz"
    _tar(traversal, [(_file("../../etc/pipeline.yaml"), GOOD)])
    cases["traversal"] = (traversal, ["PTF920", "../../etc/pipeline.yaml", "path traversal"])
    absolute = tmp_path / "absolute.zip"
    with zipfile.ZipFile(absolute, "w") as archive:
        archive.writestr("/tmp/pipeline.yaml", GOOD)
    cases["absolute"] = (absolute, ["PTF920", "/tmp/pipeline.yaml", "path traversal"])
    link = tmp_path / "link.tar.gz"
    _tar(link, [(_link("pipeline.yaml", "/etc/passwd"), b"")])
    cases["link"] = (link, ["PTF920", "pipeline.yaml", "a link or device"])
    truncated = tmp_path / "truncated.tar.gz"
    _tar(truncated, [(_file("pipeline.yaml"), GOOD)])
    truncated.write_bytes(truncated.read_bytes()[: len(truncated.read_bytes()) // 2])
    cases["truncated"] = (truncated, ["PTF920", "truncated or corrupt"])
    truncated_zip = tmp_path / "truncated.zip"
    write_package(truncated_zip, GOOD.decode())
    truncated_zip.write_bytes(truncated_zip.read_bytes()[:-40])
    cases["truncated_zip"] = (truncated_zip, ["PTF920", "truncated or corrupt"])
    bomb = tmp_path / "bomb.zip"  # 70 MB of spaces, about 70 kB compressed
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pipeline.yaml", GOOD + b" " * (70 * 1024 * 1024))
    cases["zip_bomb"] = (bomb, ["PTF920", "pipeline.yaml", "expands past 64 MiB"])
    two = tmp_path / "two.tar.gz"
    _tar(two, [(_file("pipeline.yaml"), GOOD), (_file("other.yaml"), GOOD)])
    cases["two_documents"] = (two, ["PTF920", "exactly one .yaml"])
    return cases


def test_broken_and_hostile_packages_are_clear_errors(tmp_path):
    outside = tmp_path / "etc"
    for name, (path, expected) in _bad_packages(tmp_path).items():
        done = run_import(path, tmp_path)
        assert done.returncode == 1, (name, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == "", name
        for fragment in expected:
            assert fragment in done.stderr, (name, done.stderr)
    assert not outside.exists()  # nothing was extracted


# ----------------------------------------------------------------- workflows kfp didn't write


def _edited(feature: str, old: str, new: str) -> str:
    text = (GOLDEN / f"{feature}.yaml").read_text()
    assert old in text
    return text.replace(old, new, 1)


REFUSED = {
    # name: (workflow text, what the message must contain)
    "no_pipeline_spec": (
        _edited("retries", "pipelines.kubeflow.org/pipeline_spec", "example.com/spec"),
        ["PTF920", "pipeline_spec", "kfp 1.x did not write"],
    ),
    "no_component_spec": (
        _edited("retries", "pipelines.kubeflow.org/component_spec", "example.com/spec"),
        ["PTF921", "spec.templates[0].metadata.annotations", "component_spec", "raw dsl.ContainerOp"],
    ),
    "volume_op": (
        _edited("retries", "    container:\n", "    resource: {action: create, manifest: x}\n    container:\n"),
        ["PTF921", "spec.templates[0].resource", "VolumeOp"],
    ),
    "pod_affinity": (
        _edited("pod_security_and_scheduling", "    affinity:\n", "    affinity:\n      podAffinity: {}\n"),
        ["PTF921", "spec.templates[1].affinity.podAffinity", "a pod affinity ptflow has no option for"],
    ),
    "privileged_container": (
        _edited("pod_security_and_scheduling", "{runAsGroup: 3000,", "{privileged: true, runAsGroup: 3000,"),
        ["PTF921", "container.securityContext.privileged", "a securityContext field ptflow has no option for"],
    ),
    "workflow_setting": (
        _edited("retries", "  serviceAccountName:", "  podGC: {strategy: OnWorkflowSuccess}\n  serviceAccountName:"),
        ["PTF921", "spec.podGC", "workflow-wide"],
    ),
    # condition-2 runs condition-1 again: a recursive pipeline (kfp 1.x's graph_component)
    "recursion": (
        _edited(
            "conditions",
            "      - {name: say-2, template: say-2}",
            "      - {name: again, template: condition-1, when: '1 > 0'}",
        ),
        ["PTF921", "spec.templates[1].dag.tasks[0].template", "recursive pipeline"],
    ),
    "malformed": (  # a number where Argo has a list
        _edited("retries", "      command: [echo, plain]", "      env: 5\n      command: [echo, plain]"),
        ["PTF920", "malformed"],
    ),
    "unknown_variable": (
        _edited("retries", "command: [echo, plain]", "command: [echo, '{{workflow.namespace}}']").replace(
            '"plain"}', '"{{workflow.namespace}}"}'
        ),
        ["PTF921", "arguments.parameters", "workflow.namespace"],
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_workflow_kfp_did_not_write_is_refused_with_its_path(case, tmp_path):
    text, expected = REFUSED[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    done = run_import(path, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    for fragment in expected:
        assert fragment in done.stderr, done.stderr


# ----------------------------------------------------------------- ptflow's own kfp-v1 output

# What kfp 1.8 could not write but ptflow's kfp-v1 target does: elif/else arms (`!(earlier) && (own)`), fan-in
# through a loop template's outputs, a `finally` of several steps (an `exit-tasks` DAG), f-strings, `pipeline.status`.
OWN = ["examples/control_flow/control_flow.ptflow", "examples/hello/hello.ptflow"]


@pytest.mark.parametrize("example", OWN)
def test_ptflows_own_kfp_v1_output_imports_back_to_the_same_workflow(example, tmp_path):
    original = compile_file(str(ROOT / example), "kfp-v1")
    assert original.ok
    result = import_document(yaml.safe_dump(original.documents[0]), "workflow.yaml")
    path = tmp_path / "imported.ptflow"
    path.write_text(result.source)
    again = compile_file(str(path), "kfp-v1")
    assert again.ok, [(d.code, d.message) for d in again.diagnostics if d.is_error]
    assert_same_workflow(again.documents[0], original.documents[0])


def test_elif_and_else_arms_come_back_as_one_if():
    original = compile_file(str(ROOT / OWN[0]), "kfp-v1")
    source = import_document(yaml.safe_dump(original.documents[0]), "workflow.yaml").source
    assert "    if total.sum > threshold {\n" in source
    assert "    } elif total.sum == threshold {\n" in source and "    } else {\n" in source
    assert "finally {\n        done = report(status: pipeline.status, run: pipeline.job_name)" in source


# ----------------------------------------------------------------- more kfp 1.8.22 output (tests/importer/kfp1)

KFP1 = Path(__file__).parent / "kfp1"


def test_untyped_ports_import_as_what_they_carry(tmp_path):
    """An untyped input read on the command line is a string, an untyped output looped over a list, an
    untyped file passed on an Artifact; the result checks, and compiles and validates for both targets."""
    result = import_document((KFP1 / "untyped.yaml").read_text(), "untyped.yaml")
    assert "component produce() -> (items: list, report: Artifact) {" in result.source
    assert "component show(value: str) {" in result.source
    assert "component read(file: Artifact) {" in result.source
    assert "    for item in produce.items {\n        show_2 = show(value: item)\n    }" in result.source
    path = tmp_path / "untyped.ptflow"
    path.write_text(result.source)
    v1 = compile_file(str(path), "kfp-v1")
    assert v1.ok, [(d.code, d.message) for d in v1.diagnostics if d.is_error]
    assert [(d.code, d.message) for d in validate_workflow(v1.documents[0])] == []
    v2 = compile_file(str(path), "kfp-v2")
    assert v2.ok, [(d.code, d.message) for d in v2.diagnostics if d.is_error]
    assert [(d.code, d.message) for d in validate_ir(v2.documents) if d.is_error] == []


def test_a_raw_container_op_is_refused_with_what_to_do(tmp_path):
    done = run_import(KFP1 / "container_op.yaml", tmp_path)
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert "error[PTF921]" in done.stderr
    assert "at `spec.templates[1].metadata.annotations['pipelines.kubeflow.org/component_spec']`" in done.stderr
    assert "raw dsl.ContainerOp" in done.stderr and "load_component_from_text" in done.stderr


def _casefolded(value):
    if isinstance(value, dict):
        return {str(k).casefold(): _casefolded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_casefolded(v) for v in value]
    return value.casefold() if isinstance(value, str) else value


def test_lightweight_python_components_round_trip_up_to_the_case_of_names(tmp_path):
    """kfp names a function's return value `Output` and the component `Add`; ptflow's names are snake_case
    (`output`, `add`), so the workflow compiled back equals kfp's once names are compared without case
    (and kfp's `optional: true` beside an input's default, which ptflow leaves implied, is set aside)."""
    kfp_yaml = (KFP1 / "python_functions.yaml").read_text()
    result = import_document(kfp_yaml, "python_functions.yaml")
    assert "## Adds two numbers.\ncomponent add(a: float, b: float) -> (output: float) {" in result.source
    assert '"""\ndef add(a, b):\n    \\"\\"\\"Adds two numbers.\\"\\"\\"\n    return a + b\n' in result.source
    assert 'describe = describe(total: add.output, label: "sum")' in result.source
    path = tmp_path / "python_functions.ptflow"
    path.write_text(result.source)
    compiled = compile_file(str(path), "kfp-v1")
    assert compiled.ok, [(d.code, d.message) for d in compiled.diagnostics if d.is_error]
    ours, theirs = normalize(compiled.documents[0]), normalize(yaml.safe_load(kfp_yaml))
    for template in theirs["spec"]["templates"]:  # kfp writes `optional: true` beside a default; ptflow implies it
        spec = template.get("metadata", {}).get("annotations", {}).get("pipelines.kubeflow.org/component_spec", {})
        for port in spec.get("inputs", []):
            if "default" in port:
                port.pop("optional", None)
    assert ours != theirs  # the names do differ in case, so the comparison below is the one that matters
    assert _casefolded(ours) == _casefolded(theirs)
