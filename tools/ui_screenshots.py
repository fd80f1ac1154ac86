"""Screenshots of `ptflow ui` for the README, from a real run of examples/cifar10.

    .venv/bin/python tools/ui_screenshots.py                 # runs the example into build/ui-screenshots/store
    .venv/bin/python tools/ui_screenshots.py --store DIR     # uses the runs already in DIR

Runs examples/cifar10 (offline digits, ~40 s; twice, so the compare page has
two runs and the second shows cache hits), serves the store with `ptflow ui`,
and saves PNGs of the main pages into docs/images/ with Debian's Chromium
(headless, through chromium-driver).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ui.support import chromium_missing, new_browser, ptflow, ui_server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store that already has cifar10 runs")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    args = parser.parse_args()
    why = chromium_missing()
    if why:
        print(f"cannot take screenshots: {why}", file=sys.stderr)
        return 1
    store = args.store
    if store is None:
        store = REPO / "build" / "ui-screenshots" / "store"
        example = REPO / "examples" / "cifar10" / "cifar10.ptflow"
        ptflow("run", example, "--store", store, timeout=1200)
        ptflow("run", example, "--store", store, "-p", "lr=0.003", "-p", "max_epochs=2", timeout=1200)
    runs = json.loads(ptflow("runs", "--store", store, "--json").stdout)
    cifar = [r for r in runs if r["pipeline"] == "cifar10"]
    if not cifar:
        print(f"no cifar10 run in {store}", file=sys.stderr)
        return 1
    run = cifar[-1]  # the first run: every step ran (the later one reused some from the cache)
    shown = json.loads(ptflow("show", run["id"], "--store", store, "--json").stdout)
    summary = next(s for s in shown["steps"] if s["task"] == "data")["output_artifacts"]["summary"][0]["id"]
    args.out.mkdir(parents=True, exist_ok=True)
    browser = new_browser()
    try:
        with ui_server(store) as server:
            pages = [
                ("ui-runs.png", "/", 1300, 520),
                ("ui-run.png", f"/runs/{run['id']}", 1400, 1300),
                ("ui-step-train.png", f"/runs/{run['id']}/steps/train", 1400, 2000),
                ("ui-lineage.png", f"/artifacts/{summary}", 1400, 1100),
                ("ui-compare.png", "/compare?pipeline=cifar10&x=lr&y=train.accuracy", 1400, 1000),
            ]
            for name, path, width, height in pages:
                browser.set_window_size(width, height)
                browser.get(server.url + path)
                time.sleep(0.5)
                browser.save_screenshot(str(args.out / name))
                print(f"wrote {args.out / name}")
    finally:
        browser.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
