"""Lists and dicts holding run-time values (issue 10), run with the real `ptflow run`: a step gets the list or dict
with each value in its place, and an importer's metadata built from parameters, step outputs and f-strings lands in
the artifact's metadata in the store, which the next step reads."""

import json
from pathlib import Path

from tests.runner.helpers import ptflow, show

# The step writes back what it was given, parsed, so the test sees the structure the step saw.
ECHO_JSON = """
import json, sys
open(sys.argv[3], "w").write(json.dumps({"specs": json.loads(sys.argv[1]), "conf": json.loads(sys.argv[2])}))
"""

STRUCTURED = """
component machine() -> (kind: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf n1-standard-4 > \\"$0\\"", kind.path]
}

component launch(specs: list, conf: dict) -> (seen: str) {
    image = "python:3.11-slim"
    command = ["python3", "-c", ECHO_JSON, specs, conf, seen.path]
}

pipeline structured(name: str = "job", count: int = 2) {
    m = machine()
    l = launch(
        specs: [{"machine_type": m.kind, "replica_count": count, "image": "trainer:1"}],
        conf: {"machine": f"{m.kind}-x{count}", "tags": [name, "fixed", 3], "nested": {"who": name}},
    )
}
"""


def test_a_step_gets_its_list_and_dict_with_each_run_time_value_in_place(tmp_path: Path, store: Path):
    source = tmp_path / "structured.ptflow"
    source.write_text(STRUCTURED.replace("ECHO_JSON", json.dumps(ECHO_JSON)))
    # A parameter value that looks like a placeholder is data: substituted once, never expanded again.
    name = "A{{$.inputs.parameters['pipelinechannel--count']}}B"
    result = ptflow("run", str(source), "--store", str(store), "-p", f"name={name}")
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(show(store)["by_task"]["l"]["outputs"]["seen"])
    # Run-time values are their text inside the structure, as kfp's placeholders make them.
    assert seen == {
        "specs": [{"machine_type": "n1-standard-4", "replica_count": "2", "image": "trainer:1"}],
        "conf": {"machine": "n1-standard-4-x2", "tags": [name, "fixed", 3], "nested": {"who": name}},
    }


IMPORTED = """
component make_name(name: str) -> (out: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", name, out.path]
}

component read_metadata(data: Dataset) -> (metadata: str) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", data.metadata, metadata.path]
}

pipeline imported(path: str, owner: str = "bo", version: int = 3) {
    made = make_name(name: "made-name")
    data = importer(
        uri: path,
        type: Dataset,
        metadata: {
            "name": f"prefix-{made.out}",
            "list": [made.out, owner, version],
            [made.out]: made.out,
            [owner]: {"fixed": "value"},
        },
    )
    read = read_metadata(data: data.artifact)
}
"""


def test_an_importers_metadata_from_run_time_values_lands_in_the_artifact(tmp_path: Path, store: Path):
    source = tmp_path / "imported.ptflow"
    source.write_text(IMPORTED)
    data = tmp_path / "data.txt"
    data.write_text("hello\n")
    result = ptflow("run", str(source), "--store", str(store), "-p", f"path={data}")
    assert result.returncode == 0, result.stdout + result.stderr
    steps = show(store)["by_task"]
    expected = {
        "name": "prefix-made-name",
        "list": ["made-name", "bo", "3"],
        "made-name": "made-name",
        "bo": {"fixed": "value"},
    }
    [artifact] = steps["data"]["output_artifacts"]["artifact"]
    assert artifact["metadata"] == expected
    # The step after it reads the same metadata from its input artifact.
    assert json.loads(steps["read"]["outputs"]["metadata"]) == expected
