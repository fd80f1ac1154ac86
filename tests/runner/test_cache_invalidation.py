"""An edited component re-runs; an unchanged one comes from the cache (the cache key covers the whole executor).

Each case edits one thing of one component between two `ptflow run`s of the same file, as a user editing a
pipeline would: its command, its image, its environment, its resources.
"""

from pathlib import Path

import pytest

from tests.runner.helpers import ptflow, show

TEMPLATE = """
component edited(x: int) -> (y: str) {
    image = "IMAGE"
    command = ["sh", "-c", "SCRIPT", x, y.path]
    env = {MODE: "ENV"}
}

component stable(x: int) -> (y: str) {
    image = "alpine:3"
    command = ["sh", "-c", "printf 'stable %s' \\"$0\\" > \\"$1\\"", x, y.path]
}

pipeline edits() {
    s = stable(x: 1)
    e = edited(x: 2) with { cpu: "CPU" }
}
"""

BASELINE = {
    "IMAGE": "alpine:3",
    "SCRIPT": 'printf \'hello %s %s\' \\"$0\\" \\"$MODE\\" > \\"$1\\"',
    "ENV": "fast",
    "CPU": "1",
}

EDITS = {
    "command": ({"SCRIPT": 'printf \'goodbye %s %s\' \\"$0\\" \\"$MODE\\" > \\"$1\\"'}, "goodbye 2 fast"),
    "image": ({"IMAGE": "alpine:3.20"}, "hello 2 fast"),
    "env": ({"ENV": "slow"}, "hello 2 slow"),
    "resources": ({"CPU": "2"}, "hello 2 fast"),
}


def _write(path: Path, values: dict) -> None:
    text = TEMPLATE
    for key, value in values.items():
        text = text.replace(key, value)
    path.write_text(text)


def _run(path: Path, store: Path) -> dict:
    ptflow("run", str(path), "--store", str(store), check=True)
    return show(store)["by_task"]


@pytest.mark.parametrize("edit", EDITS)
def test_an_edited_component_runs_again_and_an_unchanged_one_is_cached(tmp_path: Path, store: Path, edit):
    source = tmp_path / "edits.ptflow"
    _write(source, BASELINE)
    first = _run(source, store)
    assert first["e"]["status"] == first["s"]["status"] == "SUCCEEDED"
    assert first["e"]["outputs"] == {"y": "hello 2 fast"}
    unchanged = _run(source, store)  # the same file again: everything from the cache
    assert unchanged["e"]["status"] == unchanged["s"]["status"] == "CACHED"

    change, expected = EDITS[edit]
    _write(source, {**BASELINE, **change})
    edited = _run(source, store)
    assert edited["e"]["status"] == "SUCCEEDED", f"editing the {edit} did not run the step again"
    assert edited["e"]["outputs"] == {"y": expected}
    assert edited["s"]["status"] == "CACHED" and edited["s"]["outputs"] == {"y": "stable 1"}
