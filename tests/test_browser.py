"""The reviewer's journey in a real headless Chromium against ``streamlit run app.py``.

Screenshots of each step land in ``test-artifacts/`` (git-ignored); the fixtures and waits are
in browser_support.py.
"""

from __future__ import annotations

import pytest
from browser_support import choose, click_cell, dashboard, expect, settle, shot
from dashboard_support import populate

from registry import RegistryClient

pytestmark = pytest.mark.browser


def _populate(home) -> None:
    client = RegistryClient(home=home, user="ann")
    populate(client)
    client.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, registry home) of a dashboard on a populated registry."""
    home = tmp_path_factory.mktemp("browser") / "home"
    with dashboard(home, _populate) as url:
        yield url, home


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
    search.fill("r")  # plain words search the names
    search.press("Enter")
    settle(page)
    expect(page.get_by_text("Models where name contains “r” (any case) · 2 found")).to_be_visible()
    shot(page, "1-models-search")
    search.fill("churn")
    search.press("Enter")
    settle(page)
    expect(
        page.get_by_text("Models where name contains “churn” (any case) · 1 found")
    ).to_be_visible()
    click_cell(page, 0)  # the name opens the model
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()
    expect(page.get_by_text("Showing 1–4 of 4")).to_be_visible()
    shot(page, "2-model")
    page.go_back()  # one press returns to the list
    settle(page)
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    shot(page, "2b-back-to-models")
    choose(page, "Open a model", "churn")
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()


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
    """Search (a typo first, then plain words), open a model by clicking its name, go Back
    in one press, compare two versions, promote one after reviewing the confirmation, and
    find the promotion in History."""
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
