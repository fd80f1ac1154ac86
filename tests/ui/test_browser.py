"""`ptflow ui` in a real browser (Debian's Chromium, headless, driven through chromium-driver by Selenium)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import PIPELINES
from tests.ui.support import ptflow, ui_server, wait_for


def _node_class(browser, node: str) -> str:
    """The class of the DAG's box for `node` (its status is the `st-...` class)."""
    return browser.execute_script(
        "var nodes = document.querySelectorAll('g.node');"
        "for (var i = 0; i < nodes.length; i++) {"
        "  if (nodes[i].getAttribute('data-node') === arguments[0]) { return nodes[i].getAttribute('class'); }"
        "}"
        "return '';",
        node,
    )


def _store_run(store: Path) -> dict | None:
    if not (store / "ptflow.db").exists():
        return None
    result = ptflow("runs", "--store", store, "--json", check=False)
    runs = json.loads(result.stdout) if result.returncode == 0 else []
    return runs[0] if runs else None


def _step_status(store: Path, run_id: str, task: str) -> str | None:
    shown = json.loads(ptflow("show", run_id, "--store", store, "--json").stdout)
    return next((s["status"] for s in shown["steps"] if s["task"] == task), None)


@pytest.fixture
def barrier_run(tmp_path):
    """A real `ptflow run` in the background whose step `wait_here` runs until the test creates two files."""
    store, first, second = tmp_path / "store", tmp_path / "first", tmp_path / "second"
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ptflow",
            "run",
            str(PIPELINES / "barrier.ptflow"),
            "--store",
            str(store),
            "-p",
            f"first={first}",
            "-p",
            f"second={second}",
            "--no-cache",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        run = wait_for(lambda: _store_run(store), what="the run to be recorded")
        wait_for(
            lambda: _step_status(store, run["id"], "wait-here") == "RUNNING", what="wait_here (task wait-here) to start"
        )
        yield store, run["id"], first, second, runner
    finally:
        first.touch()
        second.touch()
        try:
            runner.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.communicate()


def test_a_running_step_turns_succeeded_on_the_page_without_a_reload_and_its_log_follows(browser, barrier_run):
    store, run_id, first, second, _ = barrier_run
    with ui_server(store) as server:
        # The step page follows the running step's log.
        browser.get(f"{server.url}/runs/{run_id}/steps/wait_here")
        assert "running" in browser.find_element("id", "execution-state").text
        wait_for(lambda: "started" in browser.find_element("id", "log").text, what="the log's first line")
        browser.execute_script("window.ptflowTestMarker = 'same page';")
        first.touch()
        wait_for(
            lambda: "passed-the-first-barrier" in browser.find_element("id", "log").text,
            timeout=30,
            what="the log to show the line printed after the page was opened",
        )
        assert browser.execute_script("return window.ptflowTestMarker") == "same page"  # followed, not reloaded

        # The run page: the step is running, then succeeded, with no reload in between.
        browser.get(f"{server.url}/runs/{run_id}")
        assert "st-running" in _node_class(browser, "wait-here")
        assert "st-pending" in _node_class(browser, "tell")
        browser.execute_script("window.ptflowTestMarker = 'same page';")
        run_tab = browser.current_window_handle
        # Meanwhile, in another tab, the page of `tell`, which has not started yet.
        browser.switch_to.new_window("tab")
        browser.get(f"{server.url}/runs/{run_id}/steps/tell")
        assert "has not started" in browser.find_element("id", "waiting").text
        tell_tab = browser.current_window_handle
        browser.switch_to.window(run_tab)
        second.touch()
        wait_for(
            lambda: "st-succeeded" in _node_class(browser, "wait-here"),
            timeout=60,
            what="wait_here to be drawn succeeded",
        )
        wait_for(
            lambda: browser.find_element("id", "run-status").text == "succeeded",
            timeout=60,
            what="the run to be shown succeeded",
        )
        assert "st-succeeded" in _node_class(browser, "tell")
        assert browser.execute_script("return window.ptflowTestMarker") == "same page"
        browser.switch_to.window(tell_tab)  # the pending step's page showed the step once it had run
        wait_for(lambda: browser.find_elements("id", "execution-state"), timeout=30, what="tell's record")
        assert browser.find_element("id", "execution-state").text == "succeeded"
        browser.close()
        browser.switch_to.window(run_tab)

        # Open the step from the DAG and read its whole log.
        link = browser.execute_script(
            "return Array.prototype.find.call(document.querySelectorAll('svg.dag a'),"
            " function (a) { return a.querySelector('g.node').getAttribute('data-node') === 'wait-here'; })"
            ".getAttribute('href');"
        )
        browser.get(server.url + link)
        log = browser.find_element("id", "log").text
        assert "started" in log and "passed-the-first-barrier" in log and "finished" in log
        assert browser.find_element("id", "execution-state").text == "succeeded"


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("trained") / "store"
    ptflow("run", PIPELINES / "train_digits.ptflow", "--store", store, timeout=900)
    return store


def test_the_confusion_matrix_cells_of_a_real_training_run_are_the_stores_numbers(browser, trained_store):
    run = json.loads(ptflow("show", "latest", "--store", trained_store, "--json").stdout)
    train = next(s for s in run["steps"] if s["task"] == "train")
    matrix = train["output_artifacts"]["confusion"][0]["metadata"]["confusionMatrix"]
    expected = [[float(cell) for cell in row["row"]] for row in matrix["rows"]]
    assert len(expected) == 10 and sum(map(sum, expected)) > 0
    with ui_server(trained_store) as server:
        browser.get(f"{server.url}/runs/{run['id']}/steps/train")
        cells = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('svg.confusion g.cm-cell'),"
            " function (g) { return [+g.getAttribute('data-row'), +g.getAttribute('data-col'),"
            " g.querySelector('text').textContent]; });"
        )
        metrics_table = browser.find_element("css selector", "table.metrics").text
    shown = [[0.0] * len(expected[0]) for _ in expected]
    for row, column, text in cells:
        shown[row][column] = float(text)
    assert shown == expected
    from ptflow.runtime.runner.values import to_text

    accuracy = train["output_artifacts"]["metrics"][0]["metadata"]["accuracy"]
    assert f"accuracy {to_text(accuracy)}" in metrics_table  # the scalar Metrics, as a table


def test_an_html_artifacts_script_cannot_reach_the_page_around_it(browser, finished_store):
    runs = json.loads(ptflow("runs", "--store", finished_store, "--json").stdout)
    run = next(r for r in runs if r["pipeline"] == "artifacts")
    with ui_server(finished_store) as server:
        browser.get(f"{server.url}/runs/{run['id']}/steps/page")
        title = browser.title
        frame = browser.find_element("css selector", "iframe.html-artifact")
        assert frame.get_attribute("sandbox") == ""  # sandboxed, with no allowance at all
        browser.switch_to.frame(frame)
        wait_for(lambda: "attribution page" in browser.find_element("tag name", "body").text, what="the frame")
        ran_in_frame = browser.execute_script("return document.body.getAttribute('data-ran');")
        browser.switch_to.default_content()
        assert browser.execute_script("return document.body.getAttribute('data-pwned');") is None
        assert browser.title == title != "pwned"
        assert ran_in_frame is None  # the sandbox (and the file's CSP) keep its script from running at all

        # Opened on its own (not framed), the file's CSP sandbox still keeps its script from running.
        frame_src = frame.get_attribute("src")
        browser.get(frame_src)
        wait_for(lambda: "attribution page" in browser.find_element("tag name", "body").text, what="the file")
        assert browser.execute_script("return document.body.getAttribute('data-ran');") is None


def test_the_main_pages_render_with_javascript_off(finished_store):
    from tests.ui.support import chromium_missing, new_browser

    why = chromium_missing()
    if why:
        pytest.skip(f"no browser for the ptflow ui tests: {why}")
    runs = json.loads(ptflow("runs", "--store", finished_store, "--json").stdout)
    control = next(r for r in runs if r["pipeline"] == "control-flow")
    plain = new_browser(javascript=False)
    try:
        with ui_server(finished_store) as server:
            plain.get(server.url + "/")
            assert control["id"] in plain.find_element("css selector", "table.runs").text
            plain.get(f"{server.url}/runs/{control['id']}")
            assert "st-skipped" in _node_class(plain, "exact") and "st-succeeded" in _node_class(plain, "big")
            assert plain.find_element("css selector", "svg.dag").size["width"] > 300
            plain.get(f"{server.url}/runs/{control['id']}/steps/total")
            assert "total = add_up(xs: sq.y)" in plain.page_source
    finally:
        plain.quit()


def test_the_tensorboard_button_starts_tensorboard_on_loopback_once_and_ui_stops_it(trained_store):
    import re
    import socket
    import time
    import urllib.request

    from tests.ui.support import get

    run = json.loads(ptflow("show", "latest", "--store", trained_store, "--json").stdout)
    with ui_server(trained_store) as server:
        _, step_page, _ = get(f"{server.url}/runs/{run['id']}/steps/train")
        button = re.search(r'id="tensorboard" href="([^"]+)"', step_page)
        assert button, "the train step has TensorBoard logs: its page has the button"
        _, started, _ = get(server.url + button.group(1).replace("&amp;", "&"))
        assert "Started" in started
        board = re.search(r'id="tensorboard-link" href="(http://127\.0\.0\.1:(\d+)/)"', started)
        assert board, started
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(board.group(1) + "data/runs", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        _, again, _ = get(server.url + button.group(1).replace("&amp;", "&"))
        assert "Already running" in again and board.group(1) in again
        server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(board.group(2))), timeout=3).close()
