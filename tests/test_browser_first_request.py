"""A page's address as the very first request a fresh dashboard server gets (a bookmark, or
a tab reconnecting after a restart) opens that page inside the app, in a real Chromium."""

from __future__ import annotations

import re

import pytest
from browser_support import dashboard, expect, settle

from registry import RegistryClient

pytestmark = pytest.mark.browser


def _fill(home) -> None:
    client = RegistryClient(home=home, user="ann")
    client.create_registered_model("churn")
    for run in ("r1", "r2"):
        client.create_model_version("churn", source=f"runs:/{run}/model", run_id=run)
    client.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A dashboard no browser has talked to yet (one test only: the first request matters)."""
    home = tmp_path_factory.mktemp("first-request") / "home"
    with dashboard(home, _fill) as url:
        yield url, home


def test_a_bookmarked_page_opens_inside_the_app(page, server):
    base, _ = server
    page.goto(f"{base}/model?model=churn&version=2")
    settle(page)
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="v2", exact=True)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Acting as reviewer")
    links = page.get_by_test_id("stSidebarNavLink")
    expect(links.filter(has_text="Models")).to_have_count(1)
    expect(links.filter(has_text=re.compile(r"^\s*app\s*$"))).to_have_count(0)  # app.py's name
    assert "page=model" in page.url and "version=2" in page.url
