"""Fan-in over nested loops with the real `ptflow run`: the shapes kfp's `dsl.Collected` gives.

A parameter gathered over two loops is the outer loop's list of each inner loop's list; artifacts are one flat
list (KFP has no nested artifact lists); an output made under an `if` inside the loop is gathered from the
iterations where the condition held. These are the shapes kfp's own test pipelines rely on
(`nested_with_parameters`: `List[List[int]]`; `artifacts_complex`: `Input[List[Dataset]]` over nested loops).
"""

import json
from pathlib import Path

from tests.runner.helpers import ptflow, show

NESTED = """
component double(n: int) -> (out: int) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "echo $(( $0 * 2 )) > \\"$1\\"", n, out.path]
}

component write(n: int) -> (ds: Dataset) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "printf '%s' \\"$0\\" > \\"$1\\"", n, ds.path]
}

component describe(numbers: list[list[int]], files: list[Dataset]) -> (said: str) {
    image = "python:3.11-slim"
    command = ["python3", "-c", DESCRIBE, numbers, files, said.path]
}

component row_sum(numbers: list[int]) -> (total: int) {
    image = "python:3.11-slim"
    command = ["python3", "-c", "import json, sys; open(sys.argv[2], 'w').write(str(sum(json.loads(sys.argv[1]))))",
               numbers, total.path]
}

pipeline nested(threshold: int = 15) -> (all: list[list[int]], kept: list[Dataset]) {
    for x in [1, 2] {
        for y in [10, 20, 30] {
            d = double(n: y)
            if y > threshold {
                w = write(n: y)
            }
        }
        row = row_sum(numbers: d.out)
    }
    s = describe(numbers: d.out, files: w.ds)
    return (all: d.out, kept: w.ds)
}
"""

# The step reads the nested list as JSON, and the artifact list the way a KFP step parses an ArtifactList.
DESCRIBE = """
import json, sys
numbers = json.loads(sys.argv[1])
artifacts = json.loads(sys.argv[2])["artifacts"]
texts = sorted(int(open(a["uri"]).read()) for a in artifacts)
open(sys.argv[3], "w").write(json.dumps({"numbers": numbers, "files": texts}))
"""


def test_nested_fan_in_gives_a_list_per_loop_and_one_list_of_artifacts(tmp_path: Path, store: Path):
    source = tmp_path / "nested.ptflow"
    source.write_text(NESTED.replace("DESCRIBE", json.dumps(DESCRIBE)))
    result = ptflow("run", str(source), "--store", str(store))
    assert result.returncode == 0, result.stdout + result.stderr
    run = show(store)
    said = json.loads(run["by_task"]["s"]["outputs"]["said"])
    # Per x, the inner loop's doubled values, in iteration order; outer lists in iteration order too.
    assert said["numbers"] == [[20, 40, 60], [20, 40, 60]]
    # The artifacts of the iterations where y > 15, for both x: one flat list of four.
    assert said["files"] == [20, 20, 30, 30]
    # Inside the outer loop, the same output is that iteration's inner list.
    rows = sorted(step["outputs"]["total"] for step in run["steps"] if step["task"].endswith("/row"))
    assert rows == [120, 120]
    assert run["outputs"]["all"] == [[20, 40, 60], [20, 40, 60]]
    # `ptflow run` prints the gathered ints as the steps received them, not as the store's doubles.
    assert "  output all = [[20,40,60],[20,40,60]]" in result.stdout.splitlines(), result.stdout
    assert len(run["outputs"]["kept"]) == 4


NESTED_FIELDS = """\
component say(msg: str) -> (said: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf %s \\"$0\\" > \\"$1\\"", msg, said.path]
}
pipeline nested(groups: list[dict]) {
    for g in groups {
        for member in g.members {
            s = say(msg: member)
            t = say(msg: g.name)
        }
    }
}
"""


def test_a_step_in_a_loop_over_a_field_of_an_outer_item_still_reads_the_outer_item(tmp_path: Path, store: Path):
    """`for member in g.members { ... g.name ... }`: the inner loop iterates the field's own channel, so `g`
    is still the group there (it was once the members list under the group's name, and `g.name` failed)."""
    source = tmp_path / "nested.ptflow"
    source.write_text(NESTED_FIELDS)
    groups = json.dumps([{"name": "A", "members": ["x", "y"]}, {"name": "B", "members": ["z"]}])
    result = ptflow("run", str(source), "--store", str(store), "-p", f"groups={groups}")
    assert result.returncode == 0, result.stdout + result.stderr
    said = sorted((step["task"], step["outputs"]["said"]) for step in show(store)["steps"])
    assert [text for task, text in said if task.endswith("/s")] == ["x", "y", "z"]
    assert [text for task, text in said if task.endswith("/t")] == ["A", "A", "B"]
