"""Driving the dashboard in a real headless Chromium: the ``browser`` and ``page`` fixtures
(registered in conftest.py), a server helper and the waits every browser test uses.

A browser test module defines a ``server`` fixture yielding (base URL, registry home), usually
with ``dashboard(home, fill)``. In CI (``CI=true``) browser tests fail when Chromium or
Playwright cannot start; elsewhere they skip, saying why.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from server_support import free_port

from registry.cli.main import dashboard_command

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TIMEOUT_MS = 15_000


def expect(locator):
    """Playwright's expect, imported when a test runs (Playwright may be missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI, but {reason}")
    pytest.skip(reason)


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is started, and every later asyncio.run() (tests of streamed uploads, a
# copy) would refuse to start.
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, expect, sync_playwright
    except ImportError as error:
        unavailable(f"playwright is not installed ({error})")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            unavailable(f"Chromium did not start: {error.message.splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context whose requests never leave the local server."""
    base = server[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    yield context.new_page()
    context.close()


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> bool:
    """True once the server answers its health check; False if it exited because its port
    was taken (by another test's server, between the pick and the bind); fails if it exits
    otherwise or takes 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            if "is not available" in log.read_text():
                return False
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return True
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"streamlit was not healthy within 30 s:\n{log.read_text()}")


@contextlib.contextmanager
def dashboard(home: Path, fill: Callable[[Path], None], user: str = "reviewer") -> Iterator[str]:
    """Build the registry at ``home`` with ``fill(home)`` (which lets go of the file when done),
    then serve the dashboard on it acting as ``user``; yields the base URL."""
    fill(home)
    log = home.parent / "streamlit.log"
    env = {
        **os.environ,
        "REGISTRY_HOME": str(home),
        "REGISTRY_USER": user,
        "REGISTRY_DISPATCHER": "off",  # notifications have tests of their own
    }
    for _ in range(3):
        port = free_port()
        command = dashboard_command(port, headless=True, watch=False)
        with log.open("w") as output:
            process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        if wait_healthy(url, process, log):
            break
    else:
        pytest.fail(f"streamlit found no free port in three tries:\n{log.read_text()}")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def settle(page) -> None:
    """Wait until the rerun an action caused has finished drawing, and check it drew no error."""
    from registry.dashboard.feedback import UNEXPECTED  # imports streamlit: only when needed

    page.wait_for_timeout(250)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")"
        " && !document.querySelector(\"[data-testid='stStatusWidget']\")"
    )
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text(UNEXPECTED).count() == 0


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(200)  # let charts finish their transition
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def click_cell(page, row: int, x: int = 40, table: int = 0) -> None:
    """Click a dataframe cell (a canvas): ``row`` 0 is the first under the header, ``x``
    pixels from the table's left edge (the first column starts at 0 without row markers)."""
    box = page.get_by_test_id("stDataFrame").nth(table).bounding_box()
    where = (box["x"] + x, box["y"] + ROW_PX * (row + 1) + ROW_PX // 2)
    page.mouse.move(*where)  # the grid acts on a click only where it saw the pointer
    page.wait_for_timeout(300)
    page.mouse.click(*where)
    settle(page)


ROW_PX = 35  # header and row height in the default theme
