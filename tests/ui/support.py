"""Helpers of the `ptflow ui` tests: the real `ptflow ui` and `ptflow run` in subprocesses, and Debian's Chromium.

The server is started with `--port 0`: it binds a free port itself and prints
its URL, which is read back here, so two tests never race for a port.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def ptflow(*args, cwd: Path | None = None, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "ptflow", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"ptflow {' '.join(map(str, args))} exited {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


class UiProcess:
    def __init__(self, process: subprocess.Popen, url: str, first_line: str):
        self.process = process
        self.url = url.rstrip("/")
        self.first_line = first_line

    def stop(self) -> tuple[int, str]:
        """Ctrl-C (SIGINT), as a user stops it; its exit code and what it printed afterwards."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err


@contextmanager
def ui_server(store: Path, *extra: str):
    process = subprocess.Popen(
        [sys.executable, "-m", "ptflow", "ui", "--store", str(store), "--port", "0", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    first = process.stderr.readline()
    match = re.search(r"(http://\S+/)", first)
    if not match:
        process.kill()
        rest = process.stderr.read()
        raise AssertionError(f"ptflow ui printed no URL: {first}{rest}")
    server = UiProcess(process, match.group(1), first)
    try:
        yield server
    finally:
        server.stop()


def get(url: str) -> tuple[int, str, dict]:
    """A plain HTTP GET (no JavaScript anywhere): status, body, headers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8", "replace"), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), dict(error.headers)


def chromium_missing() -> str | None:
    """Why the browser tests can't run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install 'ptflow[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: install Debian's chromium and chromium-driver (make system-packages)"
    return None


def new_browser(javascript: bool = True):
    """Headless Chromium driven through Debian's chromedriver (given explicitly: Selenium Manager downloads nothing)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def wait_for(condition, timeout: float = 60, interval: float = 0.1, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def copy_example(name: str, into: Path) -> Path:
    target = into / name
    shutil.copytree(REPO / "examples" / name, target)
    return target
