"""A large parameter is stored once in the run database, however many steps and runs receive it."""

import json
from pathlib import Path

import yaml

from tests.runner.helpers import ptflow, show

TAKE = """
component take(text: str) -> (n: int) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "echo 1 > \\"$0\\"", n.path]
}

pipeline big(x: str = "small") {
    for i in [1, 2, 3] {
        t = take(text: x)
    }
    last = take(text: x)
}
"""

SIZE = 8_000_000  # a command-line argument can't be this long, so it comes as the IR's default value


def test_a_large_parameter_is_stored_once_across_steps_and_runs(tmp_path: Path, store: Path):
    source = tmp_path / "big.ptflow"
    source.write_text(TAKE)
    ir = tmp_path / "big.yaml"
    ptflow("compile", str(source), "-o", str(ir), check=True)
    document = yaml.safe_load(ir.read_text())
    value = "0123456789" * (SIZE // 10)
    document["root"]["inputDefinitions"]["parameters"]["x"]["defaultValue"] = value
    ir.write_text(yaml.safe_dump(document))

    for _ in range(2):  # the second run is served from the cache, and records the value again
        ptflow("run", str(ir), "--store", str(store), check=True)
    database = store / "ptflow.db"
    # One run's parameter, four steps' inputs, twice: nine references, one copy (plus SQLite's pages).
    assert database.stat().st_size < 1.2 * SIZE, f"{database.stat().st_size} bytes for a {SIZE}-byte value"

    # Read back whole, for the run and for every step.
    runs = json.loads(ptflow("runs", "--store", str(store), "--json", check=True).stdout)
    assert [r["parameters"]["x"] == value for r in runs] == [True, True]
    steps = show(store)["steps"]
    assert len(steps) == 4 and all(s["inputs"]["text"] == value for s in steps)
    assert {s["status"] for s in steps} == {"CACHED"}


def test_a_value_shaped_like_the_stores_reference_is_kept_as_it_is(tmp_path: Path, store: Path):
    source = tmp_path / "shape.ptflow"
    source.write_text("""
component take(conf: dict) -> (n: int) {
    image = "python:3.11-slim"
    command = ["sh", "-c", "echo 1 > \\"$0\\"", n.path]
}

pipeline shape(conf: dict = {}) {
    t = take(conf: conf)
}
""")
    lookalike = {"$ptflow-large-value": "sha256:0000"}
    ptflow("run", str(source), "--store", str(store), "-p", f"conf={json.dumps(lookalike)}", check=True)
    assert show(store)["parameters"]["conf"] == lookalike
    assert show(store)["steps"][0]["inputs"]["conf"] == lookalike
