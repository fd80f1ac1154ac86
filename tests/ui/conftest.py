"""Fixtures of the `ptflow ui` tests: real runs in real stores, and one headless Chromium per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.support import chromium_missing, new_browser, ptflow

HERE = Path(__file__).parent
PIPELINES = HERE / "pipelines"


@pytest.fixture(scope="session")
def browser():
    why = chromium_missing()
    if why:
        pytest.skip(f"no browser for the ptflow ui tests: {why}")
    driver = new_browser()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def finished_store(tmp_path_factory) -> Path:
    """A store with a run of examples/control_flow (loops, if/elif/else, finally) and one of artifacts.ptflow, one of
    retried.ptflow, two of examples/hello."""
    root = tmp_path_factory.mktemp("finished")
    store = root / "store"
    ptflow("run", HERE.parents[1] / "examples" / "control_flow" / "control_flow.ptflow", "--store", store)
    ptflow("run", PIPELINES / "artifacts.ptflow", "--store", store)
    ptflow("run", PIPELINES / "retried.ptflow", "--store", store, "-p", f"marker={root / 'marker'}")
    for _ in range(2):  # the second run is all cache hits: lineage across runs
        ptflow("run", HERE.parents[1] / "examples" / "hello" / "hello.ptflow", "--store", store)
    return store
