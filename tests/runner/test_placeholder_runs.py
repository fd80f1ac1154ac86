"""Placeholders end to end with the real `ptflow run`: values pass as given, lists of artifacts,
nothing left unresolved."""

import json
from pathlib import Path

import yaml
from kfp import dsl

from tests.runner.helpers import compile_kfp, ptflow, show

ECHO = """
component echo(text: str, note: str) -> (said: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf '%s|%s' \\"$0\\" \\"$1\\" > \\"$2\\"", text, note, said.path]
}

pipeline inject(x: str = "plain") {
    e = echo(text: x, note: f"note {x}")
}
"""


def test_a_parameter_value_with_placeholder_text_reaches_the_step_as_given(tmp_path: Path, store: Path):
    source = tmp_path / "inject.ptflow"
    source.write_text(ECHO)
    value = "A{{$.inputs.parameters['x']}}B"
    result = ptflow("run", str(source), "--store", str(store), "-p", f"x={value}")
    assert result.returncode == 0, result.stdout + result.stderr
    # Directly, and inside an f-string constant: substituted once, never expanded again.
    assert show(store)["by_task"]["e"]["outputs"] == {"said": f"{value}|note {value}"}


FAN_IN = """
component maker(n: int) -> (out: Artifact) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf 'part-%s' \\"$0\\" > \\"$1\\"", n, out.path]
}

component join(parts: list[Artifact]) -> (joined: str) {
    image = "python:3.11-slim"
    command = ["python3", "-c", JOIN, parts, joined.path]
}

pipeline fanin() {
    for n in [1, 2, 3] {
        m = maker(n: n)
    }
    j = join(parts: m.out)
}
"""

# The step reads the list the way a KFP step parses an ArtifactList: every artifact's URI, then its file.
JOIN = """
import json, sys
artifacts = json.loads(sys.argv[1])["artifacts"]
texts = sorted(open(a["uri"]).read() for a in artifacts)
open(sys.argv[2], "w").write(",".join(texts) + ";" + ",".join(a["name"] for a in artifacts))
"""


def test_a_list_of_artifacts_placeholder_is_its_artifact_list_as_json(tmp_path: Path, store: Path):
    source = tmp_path / "fanin.ptflow"
    source.write_text(FAN_IN.replace("JOIN", json.dumps(JOIN)))
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    joined = show(store)["by_task"]["j"]["outputs"]["joined"]
    assert joined == "part-1,part-2,part-3;out,out,out"


def test_a_placeholder_that_names_nothing_fails_the_step_naming_it(tmp_path: Path, store: Path):
    source = tmp_path / "inject.ptflow"
    source.write_text(ECHO)
    ir = tmp_path / "inject.yaml"
    ptflow("compile", str(source), "-o", str(ir), check=True)
    # A valid document (ptflow validate accepts it): an optional input that no task gives a value,
    # used bare in the command instead of inside an IfPresent.
    document = yaml.safe_load(ir.read_text())
    [component] = document["components"].values()
    component["inputDefinitions"]["parameters"]["extra"] = {"parameterType": "STRING", "isOptional": True}
    [executor] = document["deploymentSpec"]["executors"].values()
    executor["container"]["command"].append("--extra={{$.inputs.parameters['extra']}}")
    ir.write_text(yaml.safe_dump(document))
    assert ptflow("validate", str(ir)).returncode == 0

    result = ptflow("run", str(ir), "--store", str(store))
    assert result.returncode == 1
    assert "{{$.inputs.parameters['extra']}}" in result.stderr
    assert "names no value of the task" in result.stderr
    step = show(store)["by_task"]["e"]
    assert step["status"] == "FAILED"
    assert "{{$.inputs.parameters['extra']}}" in step["error"]
    assert not (store / "runs").glob("*/lane-*.log") or all(  # its command never started
        "--extra=" not in log.read_text() for log in (store / "runs").glob("*/lane-*.log")
    )


def test_an_optional_input_that_no_task_gives_a_value_does_not_stop_its_step(tmp_path: Path, store: Path):
    source = tmp_path / "inject.ptflow"
    source.write_text(ECHO)
    ir = tmp_path / "inject.yaml"
    ptflow("compile", str(source), "-o", str(ir), check=True)
    # The same document as above, with the optional input left out of the command: nothing needs its value.
    document = yaml.safe_load(ir.read_text())
    [component] = document["components"].values()
    component["inputDefinitions"]["parameters"]["extra"] = {"parameterType": "STRING", "isOptional": True}
    ir.write_text(yaml.safe_dump(document))

    result = ptflow("run", str(ir), "--store", str(store), "-p", "x=hi")
    assert result.returncode == 0, result.stdout + result.stderr
    assert show(store)["by_task"]["e"]["outputs"] == {"said": "hi|note hi"}


@dsl.container_component
def count_bytes(data: dsl.Input[dsl.Dataset], n: dsl.OutputPath(str)):
    return dsl.ContainerSpec(image="alpine:3", command=["sh", "-c", 'wc -c < "$0" > "$1"', data.path, n])


@dsl.pipeline(name="imported-metadata")
def imported_metadata(path: str, owner: str):
    imported = dsl.importer(
        artifact_uri=path, artifact_class=dsl.Dataset, metadata={"owner": owner, "version": 3, "note": "fixed"}
    )
    count_bytes(data=imported.output)


def test_an_importers_metadata_gets_the_pipeline_parameters_it_names(tmp_path: Path, store: Path):
    """kfp writes a parameter in an importer's metadata as a placeholder; the artifact carries its value."""
    ir = compile_kfp(imported_metadata, tmp_path / "imported.yaml")
    data = tmp_path / "data.txt"
    data.write_text("hello\n")
    ptflow("run", str(ir), "--store", str(store), "-p", f"path={data}", "-p", "owner=bo", check=True)
    steps = show(store)["by_task"]
    [artifact] = steps["importer"]["output_artifacts"]["artifact"]
    assert artifact["metadata"] == {"owner": "bo", "version": 3, "note": "fixed"}
    assert steps["count-bytes"]["outputs"]["n"].strip() == "6"
