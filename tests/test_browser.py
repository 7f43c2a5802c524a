"""The reviewer's journey in a real headless Chromium against ``streamlit run app.py``.

Screenshots of each step land in ``test-artifacts/`` (git-ignored). In CI (``CI=true``) these
tests fail when Chromium or Playwright cannot start; elsewhere they skip, saying why.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_support import populate

from registry import RegistryClient
from registry.cli import dashboard_command
from registry.dashboard.feedback import UNEXPECTED

pytestmark = pytest.mark.browser

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


@pytest.fixture(scope="session")
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"streamlit was not healthy within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, registry home) of a dashboard on a populated registry."""
    home = tmp_path_factory.mktemp("browser") / "home"
    client = RegistryClient(home=home, user="ann")
    populate(client)
    client.release()
    port, log = _free_port(), home.parent / "streamlit.log"
    command = dashboard_command(port, headless=True, local_only=True)
    env = {**os.environ, "REGISTRY_HOME": str(home), "REGISTRY_USER": "reviewer"}
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def settle(page) -> None:
    """Wait until the rerun an action caused has finished drawing."""
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


def search_and_open(page, base: str) -> None:
    page.goto(base)
    settle(page)
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    search = page.get_by_role("textbox", name="Search", exact=True)
    search.fill("name LIKE ch%")
    search.press("Enter")
    settle(page)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("at position 10")
    search.fill("name LIKE 'ch%'")
    search.press("Enter")
    settle(page)
    expect(page.get_by_text("Models where name starts with “ch” · 1 found")).to_be_visible()
    shot(page, "1-models-search")
    choose(page, "Open a model", "churn")
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()
    expect(page.get_by_text("Showing 1–4 of 4")).to_be_visible()
    shot(page, "2-model")


def lineage_and_compare(page) -> None:
    page.get_by_role("link", name="Lineage, run and history").click()
    settle(page)
    expect(page.get_by_role("heading", name="churn v4")).to_be_visible()
    expect(page.get_by_role("heading", name="Lineage")).to_be_visible()
    shot(page, "3-version")
    page.get_by_role("link", name="Compare with Production").click()
    settle(page)
    expect(page.get_by_role("heading", name="Metrics")).to_be_visible()
    shot(page, "4-compare")


def promote(page) -> None:
    page.get_by_role("link", name="Act on churn v4").click()
    settle(page)
    page.get_by_role("button", name="Promote to Production").click()
    settle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Promote to Production: churn v4")
    expect(dialog.get_by_role("listitem")).to_have_count(2)
    dialog.get_by_label("Comment (optional)").fill("f1 up on the holdout set")
    shot(page, "5-confirm-promotion")
    dialog.get_by_role("button", name="Confirm").click()
    settle(page)
    expect(dialog).to_be_hidden()
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("churn v4 is now in Production.")
    shot(page, "6-promoted")


def find_in_history(page) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text="History").click()
    settle(page)
    choose(page, "Model", "churn")
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("churn had v4 in Production.")
    shot(page, "7-history")


def test_reviewer_journey(page, server):
    """Search (a typo first), open a model, compare two versions, promote one after
    reviewing the confirmation, and find the promotion in History."""
    base, home = server
    search_and_open(page, base)
    lineage_and_compare(page)
    promote(page)
    find_in_history(page)
    client = RegistryClient(home=home)
    promotion = client.get_history("churn", 4)[0]
    client.release()
    assert (promotion.new_value, promotion.comment, promotion.actor) == (
        "Production",
        "f1 up on the holdout set",
        "reviewer",
    )
