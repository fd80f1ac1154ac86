"""`ptflow ui` over plain HTTP, as a browser with JavaScript off (or curl) sees it, on real runs in a real store."""

from __future__ import annotations

import http.client
import json
import os
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from ptflow.runtime.runner.store import RUNNER_LOCK, RunnerLock, Store
from ptflow.ui import markdown
from tests.ui.support import get, ptflow, ui_server


def _show(store: Path, pipeline_prefix: str) -> dict:
    runs = json.loads(ptflow("runs", "--store", store, "--json").stdout)
    run = next(r for r in runs if r["pipeline"].startswith(pipeline_prefix))
    return json.loads(ptflow("show", run["id"], "--store", store, "--json").stdout)


@pytest.fixture(scope="module")
def server(finished_store):
    with ui_server(finished_store) as running:
        yield running


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for current, _, names in os.walk(folder):
        for name in names:
            path = Path(current) / name
            stat = path.lstat()
            found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_the_runs_list_names_each_run_with_its_pipeline_status_and_step_counts(server, finished_store):
    status, page, _ = get(server.url + "/")
    assert status == 200
    shown = _show(finished_store, "control")
    assert shown["id"] in page and "control-flow" in page and "artifacts" in page
    assert "9 succeeded" in page and "2 skipped" in page  # the control_flow run's steps


def test_the_run_page_draws_the_dag_with_the_users_step_names_groups_and_states_without_javascript(
    server, finished_store
):
    shown = _show(finished_store, "control")
    status, page, _ = get(f"{server.url}/runs/{shown['id']}")
    assert status == 200
    assert "<svg" in page
    # Steps are named as the .ptflow file names them, not by their compiled task paths.
    for step in ("sq", "total", "big", "exact", "small", "shout", "done"):
        assert f'data-node="{step}"' in page
    assert "condition-branches-3" not in page
    assert "for n in numbers parallel 2" in page and "4 iterations" in page  # the loop, its iterations grouped
    assert 'class="node st-succeeded shape-step" data-node="big"' in page
    assert 'class="node st-skipped shape-step" data-node="exact"' in page  # the elif that was false
    # ... and why, in the words of the .ptflow file with the values the condition saw (sum of squares 1..4 = 30)
    assert "an earlier branch ran: total.sum (30) &gt; threshold (20) is true" in page
    assert "4 runs: 4 succeeded" in page
    assert "threshold" in page and "[1,2,3,4]" in page  # the run's parameters


def test_the_step_page_shows_inputs_outputs_cache_attempts_log_and_the_ptflow_line(server, finished_store):
    shown = _show(finished_store, "control")
    status, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/total")
    assert status == 200
    total = next(s for s in shown["steps"] if s["task"].endswith("/total"))
    assert str(int(total["outputs"]["sum"])) in page  # 1 + 4 + 9 + 16 = 30
    source = Path(__file__).parents[2] / "examples" / "control_flow" / "control_flow.ptflow"
    line = next(n for n, text in enumerate(source.read_text().splitlines(), 1) if "total = add_up(" in text)
    assert f"control_flow.ptflow:{line}" in page and "total = add_up(xs: sq.y)" in page
    assert "exit code" in page and "attempts" in page and "miss (ran)" in page
    assert "### ptflow: attempt 1:" in page  # its log, with the runner's header line


def test_each_attempt_of_a_retried_step_has_its_exit_code_duration_and_log(server, finished_store):
    shown = _show(finished_store, "retried")
    attempts = shown["steps"][0]["log"]
    assert [a["exit_code"] for a in attempts] == [3, 0]
    status, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/shaky")
    assert status == 200
    rows = page.split('<table class="attempts">')[1].split("</table>")[0]
    cells = [row.split("<td>")[1:] for row in rows.split("<tr>")[2:]]
    assert [c[0].split("<")[0] for c in cells] == ["1", "2"]
    assert [c[3].split("<")[0] for c in cells] == ["3", "0"]
    assert all(c[2].split("<")[0].endswith("s") for c in cells)  # a duration each
    first = page.split("log of attempt 1")[1].split("</details>")[0]
    second = page.split("log of attempt 2")[1].split("</details>")[0]
    # What each attempt printed (a line of its own; the header line before it shows the whole command).
    assert "\nfirst-attempt-fails\n" in first and "\nsecond-attempt-ok\n" not in first
    assert "\nsecond-attempt-ok\n" in second and "\nfirst-attempt-fails\n" not in second


def test_a_loop_step_lists_each_iteration_with_a_link(server, finished_store):
    shown = _show(finished_store, "control")
    status, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/sq")
    assert status == 200
    for index in range(4):  # each named as `ptflow show` names it, not by the compiled path
        assert f">sq[{index}]</a>" in page
    assert "for-loop-2" not in page


def test_markdown_is_rendered_with_its_html_escaped(server, finished_store):
    shown = _show(finished_store, "artifacts")
    status, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/counts")
    assert status == 200
    assert "<h1>Label counts</h1>" in page
    assert '<td class="align-right">12</td>' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_artifacts_page_draws_its_lineage_across_runs_with_links(server, finished_store):
    runs = [
        r for r in json.loads(ptflow("runs", "--store", finished_store, "--json").stdout) if r["pipeline"] == "hello"
    ]
    assert len(runs) == 2  # the second run reused the first one's steps from the cache
    shown = json.loads(ptflow("show", runs[0]["id"], "--store", finished_store, "--json").stdout)
    greet = next(s for s in shown["steps"] if s["task"] == "greeting")
    message = greet["output_artifacts"]["message"][0]["id"]
    lineage = json.loads(ptflow("lineage", str(message), "--store", finished_store, "--json").stdout)
    status, page, _ = get(f"{server.url}/artifacts/{message}")
    assert status == 200 and 'class="chart lineage"' in page
    for execution in lineage["producers"] + lineage["consumers"]:
        assert execution["task"] in page
    assert {p["status"] for p in lineage["producers"]} == {"SUCCEEDED", "CACHED"}
    for run in runs:
        assert f"in run {run['id']}" in page
    # Each execution box links to the step page of its run.
    link = page.split('<a href="/executions/')[1].split('"')[0]
    status, _, _ = get(f"{server.url}/executions/{link}")
    assert status == 200


def test_an_execution_of_another_step_is_not_found(server, finished_store):
    shown = _show(finished_store, "control")
    status, _, _ = get(f"{server.url}/runs/{shown['id']}/steps/sq?e=999999")
    assert status == 404
    status, _, _ = get(f"{server.url}/runs/{shown['id']}/steps/no-such-step")
    assert status == 404


def test_the_compare_page_puts_runs_side_by_side_with_a_chart(tmp_path):
    store = tmp_path / "store"
    for n in (1, 2, 3):
        ptflow(
            "run",
            Path(__file__).parents[2] / "examples" / "control_flow" / "control_flow.ptflow",
            "--store",
            store,
            "-p",
            f"numbers=[{n}, {n + 1}]",
        )
    runs = json.loads(ptflow("runs", "--store", store, "--json").stdout)
    with ui_server(store) as running:
        query = "&".join(f"run={r['id']}" for r in runs)
        status, page, _ = get(
            f"{running.url}/compare?pipeline=control-flow&{query}&x=numbers&y=exit-handler-1/total.sum"
        )
    assert status == 200
    for run in runs:
        assert run["id"] in page
    assert 'class="chart scatter"' in page
    assert page.count('class="point"') == 3
    for total in (5, 13, 25):  # 1+4, 4+9, 9+16
        assert f'<td class="num">{total}</td>' in page


def test_the_runs_list_is_paginated_and_filtered(tmp_path):
    store_dir = tmp_path / "store"
    store = Store(store_dir)
    ids = [store.start_run("many" if i % 3 else "few", "", "", {"i": i}) for i in range(130)]
    for run_id in ids[:10]:
        store.finish_run(run_id, "FAILED")
    for run_id in ids[10:125]:
        store.finish_run(run_id, "SUCCEEDED")
    store.close()
    # ids[125:] stay RUNNING: three whose runner is alive (it holds the run's lock, as `ptflow run` does while it
    # runs), two whose runner died (the lock is free).
    live_runners = [RunnerLock.hold(store_dir / "runs" / run_id / RUNNER_LOCK) for run_id in ids[125:128]]
    with ui_server(store_dir) as running:
        _, first, _ = get(running.url + "/")
        _, third, _ = get(running.url + "/?page=3")
        _, failed, _ = get(running.url + "/?status=failed")
        _, few, _ = get(running.url + "/?pipeline=few")
        status, _, _ = get(running.url + "/?status=bogus")
        _, live, _ = get(running.url + "/?status=running")
        _, interrupted, _ = get(running.url + "/?status=interrupted")
    for lock in live_runners:
        lock.release()
    assert "130 runs, page 1 of 3" in first and first.count('<tr class="run">') == 50
    assert third.count('<tr class="run">') == 30 and 'rel="prev"' in third and 'rel="next"' not in third
    assert "10 runs" in failed and failed.count("st-failed") >= 10
    assert f"{len(ids[::3])} runs" in few
    assert status == 400
    assert "3 runs" in live and live.count('<tr class="run">') == 3 and all(i in live for i in ids[125:128])
    assert "2 runs" in interrupted and all(i in interrupted for i in ids[128:])


def test_files_are_served_only_from_inside_the_store(server, finished_store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the store")
    link = finished_store / "runs" / "link-out"  # a link in the store to a file outside it
    link.symlink_to(secret)
    try:
        _refused_outside(server, finished_store, secret)
    finally:
        link.unlink()


def _refused_outside(server, finished_store: Path, secret: Path) -> None:
    log_file = next((finished_store / "runs").glob("*/lane-*.log"))
    inside = log_file.relative_to(finished_store).as_posix()
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port

    def raw_get(path: str) -> int:
        # http.client sends the path exactly as written (urllib would normalize `..` away).
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status

    assert raw_get(f"/files/{quote(inside)}") == 200
    for escaping in (
        "/files/../ptflow.db",
        "/files/runs/../../" + quote(str(secret)),
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files//etc/passwd",
        "/files/" + quote(str(secret), safe=""),
        "/files/runs/link-out",
        "/files/runs/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/files/..%5c..%5cetc%5cpasswd",
    ):
        assert raw_get(escaping) in (400, 404), escaping


def test_an_html_artifact_is_served_sandboxed(server, finished_store):
    shown = _show(finished_store, "artifacts")
    artifact_id = next(s for s in shown["steps"] if s["task"] == "page")["output_artifacts"]["page"][0]["id"]
    status, _, headers = get(f"{server.url}/artifacts/{artifact_id}/content")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert (
        "sandbox" in headers["Content-Security-Policy"]
        and "allow-same-origin" not in headers["Content-Security-Policy"]
    )
    _, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/page")
    assert f'<iframe class="html-artifact" sandbox src="/artifacts/{artifact_id}/content"' in page


def test_only_get_is_answered(server):
    connection = http.client.HTTPConnection(urlsplit(server.url).hostname, urlsplit(server.url).port, timeout=10)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        connection.request(method, "/")
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 405 and answer.getheader("Allow") == "GET, HEAD"
    connection.close()


def test_browsing_writes_nothing_to_the_store(finished_store):
    before = _snapshot(finished_store)
    with ui_server(finished_store) as running:
        assert get(running.url + "/")[0] == 200
        run_ids = json.loads(ptflow("runs", "--store", finished_store, "--json").stdout)
        for run in run_ids:
            assert get(f"{running.url}/runs/{run['id']}")[0] == 200
            assert get(f"{running.url}/runs/{run['id']}/state.json")[0] == 200
        assert get(f"{running.url}/artifacts/1")[0] == 200
        assert get(f"{running.url}/executions/1/log")[0] == 200
    assert _snapshot(finished_store) == before


def test_the_server_listens_on_loopback_only_and_stops_cleanly_on_ctrl_c(finished_store):
    with ui_server(finished_store) as running:
        address = urlsplit(running.url)
        assert address.hostname == "127.0.0.1"
        listening = _listening_addresses(address.port)
        assert listening == {"127.0.0.1"}, listening
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, address.port), timeout=3).close()
        code, said = running.stop()
    assert code == 0, said
    assert "stopped" in said and "Traceback" not in said


def test_a_folder_without_a_store_is_a_clear_error(tmp_path):
    result = ptflow("ui", "--store", tmp_path / "nothing", "--port", "0", check=False)
    assert result.returncode == 1
    assert "no run store at" in result.stderr and "Traceback" not in result.stderr


def test_markdown_keeps_only_safe_links():
    html = markdown.render("[ok](https://example.org) [bad](javascript:alert(1)) <b>bold</b> **strong** `<i>`")
    assert '<a href="https://example.org"' in html
    assert 'href="javascript' not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<strong>strong</strong>" in html and "<code>&lt;i&gt;</code>" in html


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port`, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                if width == 8:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(address)
    return found


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_a_run_of_compiled_ir_is_drawn_from_its_task_paths(tmp_path):
    example = Path(__file__).parents[2] / "examples" / "control_flow" / "control_flow.ptflow"
    ir = tmp_path / "control_flow.yaml"
    ptflow("compile", example, "-o", ir)
    store = tmp_path / "store"
    ptflow("run", ir, "--store", store)
    shown = json.loads(ptflow("show", "latest", "--store", store, "--json").stdout)
    with ui_server(store) as running:
        status, page, _ = get(f"{running.url}/runs/{shown['id']}")
        step_status, step_page, _ = get(
            f"{running.url}/runs/{shown['id']}/steps/" + quote("exit-handler-1/total", safe="")
        )
    assert status == 200 and "grouped by their task paths" in page  # said, since there is no .ptflow to name steps
    assert 'data-node="exit-handler-1/for-loop-2/sq"' in page  # the loop's iterations, one box
    assert f'href="/runs/{shown["id"]}/steps/sq"' in page  # linked by the step's name, its groups left out
    assert "4 runs: 4 succeeded" in page
    assert 'st-skipped shape-step" data-node="exit-handler-1/condition-branches-3/condition-5"' in page  # skipped
    assert step_status == 200 and "miss (ran)" in step_page


def test_an_image_in_a_folder_artifact_is_shown_and_listed(server, finished_store):
    shown = _show(finished_store, "artifacts")
    status, page, _ = get(f"{server.url}/runs/{shown['id']}/steps/drawing")
    assert status == 200
    source = page.split('<img class="image-artifact" src="')[1].split('"')[0]
    assert source.endswith("/dot.svg") and f'<a href="{source}">dot.svg</a>' in page  # shown, and in the listing
    status, body, headers = get(server.url + source)
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml") and "<circle" in body
    assert "sandbox" in headers["Content-Security-Policy"]


def test_an_roc_curve_is_drawn_from_confidence_metrics_with_its_area():
    from ptflow.ui import charts

    perfect = {"confidenceMetrics": [{"confidenceThreshold": 0.5, "recall": 1.0, "falsePositiveRate": 0.0}]}
    chance = {
        "confidenceMetrics": [
            {"confidenceThreshold": t / 4, "recall": t / 4, "falsePositiveRate": t / 4} for t in range(5)
        ]
    }
    assert charts.roc_points(perfect) == [(0.0, 1.0)]
    assert "AUC ≈ 1.000" in charts.roc_svg(charts.roc_points(perfect))
    assert "AUC ≈ 0.500" in charts.roc_svg(charts.roc_points(chance))
    assert charts.roc_points({"confusionMatrix": {}}) == []  # no confidence metrics: no curve


def test_a_request_for_another_host_name_is_refused_and_tensorboard_is_not_started_cross_site(server, finished_store):
    """DNS rebinding: another site's name resolved to 127.0.0.1 must not read the store through the server."""
    address = urlsplit(server.url)

    def raw_get(path: str, headers: dict) -> int:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        connection.close()
        return answer.status

    assert raw_get("/", {"Host": f"localhost:{address.port}"}) == 200
    assert raw_get("/", {"Host": f"attacker.example:{address.port}"}) == 400
    run = _show(finished_store, "hello")
    assert raw_get(f"/tensorboard/{run['id']}", {"Sec-Fetch-Site": "cross-site"}) == 403


SNAKE_CASE = """\
component say(text: str) {
    image = "alpine:3"
    command = ["sh", "-c", "echo \\"said $0\\"", text]
}
pipeline snake_case() {
    train_model = say(text: "train")
    finally {
        final_summary = say(text: "done")
    }
}
"""


def _status_and_location(url: str) -> tuple[int, str | None]:
    """A GET that does not follow a redirect: its status and where it points."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location")
    finally:
        connection.close()


def test_step_urls_use_the_ptflow_names_and_the_compiled_ones_still_lead_there(tmp_path):
    source = tmp_path / "snake_case.ptflow"
    source.write_text(SNAKE_CASE)
    store = tmp_path / "store"
    ptflow("run", source, "--store", store)
    shown = json.loads(ptflow("show", "latest", "--store", store, "--json").stdout)
    run_id = shown["id"]
    opened = Store(store)
    [summary] = [e["id"] for e in opened.executions(run_id) if e["task"] == "final-summary"]  # compiled name
    opened.close()
    with ui_server(store) as running:
        _, run_page, _ = get(f"{running.url}/runs/{run_id}")
        status, step_page, _ = get(f"{running.url}/runs/{run_id}/steps/final_summary")
        old_form = _status_and_location(f"{running.url}/runs/{run_id}/steps/final-summary?e={summary}")
        unknown, _ = _status_and_location(f"{running.url}/runs/{run_id}/steps/no_such_step")
    # The run page links each step by the name the user wrote, as `ptflow show` prints it.
    assert f'href="/runs/{run_id}/steps/final_summary"' in run_page
    assert f'href="/runs/{run_id}/steps/train_model"' in run_page
    assert "/steps/final-summary" not in run_page and "/steps/train-model" not in run_page
    assert status == 200 and "said done" in step_page
    # A link made before (the compiled task name) is sent on to the step's page, with the execution it chose.
    assert old_form == (302, f"/runs/{run_id}/steps/final_summary?e={summary}")
    assert unknown == 404
