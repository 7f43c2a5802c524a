"""The reviewer's journey in a real headless Chromium against ``streamlit run app.py``.

Screenshots of each step land in ``test-artifacts/`` (git-ignored); the fixtures and waits are
in browser_support.py.
"""

from __future__ import annotations

import re

import pytest
from browser_support import ARTIFACTS, choose, click_cell, dashboard, expect, settle, shot
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
    sidebar = page.get_by_test_id("stSidebar")
    for group in ("Registry", "Review", "Admin"):
        expect(sidebar.get_by_text(group, exact=True)).to_be_visible()
    expect(sidebar).to_contain_text("Role admin")  # no roles configured: everyone is admin
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
    page.go_back()  # one press returns to the list as it was
    settle(page)
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    expect(search).to_have_value("churn")
    expect(
        page.get_by_text("Models where name contains “churn” (any case) · 1 found")
    ).to_be_visible()
    shot(page, "2b-back-to-models")
    shared_link(page, page.url)
    choose(page, "Open a model", "churn")
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()


def shared_link(page, url: str) -> None:
    """The address of the list, opened by someone else, shows the same list."""
    assert "models_search=churn" in url
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    other.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(url.split("/?")[0]) else r.abort(),
    )
    colleague = other.new_page()
    colleague.goto(url)
    settle(colleague)
    expect(colleague.get_by_role("textbox", name="Search", exact=True)).to_have_value("churn")
    expect(colleague.get_by_text("· 1 found")).to_be_visible()
    shot(colleague, "2c-shared-models-link")
    other.close()


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
    # \W*: user text may carry an invisible word joiner after a colon
    expect(dialog).to_contain_text(re.compile(r"Promote to Production:\W*churn v4"))
    expect(dialog.get_by_role("listitem")).to_have_count(2)
    follows = dialog.get_by_label(re.compile(r"Also point @\W*champion at this version"))
    expect(follows).to_be_checked()  # the serving alias moves with the promotion
    dialog.get_by_label("Comment (optional)").fill("f1 up on the holdout set")
    shot(page, "5-confirm-promotion")
    dialog.get_by_role("button", name="Confirm").click()
    settle(page)
    expect(dialog).to_be_hidden()
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("churn v4 is now in Production. @champion points at it.")
    shot(page, "6-promoted")


def find_in_history(page, base: str) -> None:
    page.goto(f"{base}/?page=history&model=chu")  # a shared link filters the feed
    settle(page)
    expect(page.get_by_role("textbox", name="Model", exact=True)).to_have_value("chu")
    expect(page.get_by_text("Changes of churn.")).to_be_visible()
    assert "history_model=chu" in page.url
    for date in page.get_by_test_id("stDateInputFieldsScroller").all():  # yyyy/mm/dd in full
        assert date.evaluate("e => e.scrollWidth <= e.clientWidth")
    choose(page, "Model", "churn")
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("churn had v4 in Production.")
    shot(page, "7-history")
    click_cell(page, 2, x=600)  # its change cell: churn v4 into Production (under @champion's move)
    expect(page.get_by_role("heading", name="churn v4")).to_be_visible()
    page.go_back()
    settle(page)
    expect(page.get_by_role("textbox", name="Model", exact=True)).to_have_value("chu")
    shot(page, "8-history-after-back")


def test_reviewer_journey(page, server):
    """Search (a typo first, then plain words), open a model by clicking its name, go Back
    in one press to the same list, open its address as a colleague would, compare two
    versions, promote one after reviewing the confirmation, and find the promotion in
    History through a link that filters it."""
    base, home = server
    search_and_open(page, base)
    lineage_and_compare(page)
    promote(page)
    find_in_history(page, base)
    client = RegistryClient(home=home)
    (promotion,) = client.get_history("churn", 4, events=["model_version.stage_transitioned"])
    champion = client.get_registered_model("churn").aliases["champion"]
    client.release()
    assert (promotion.new_value, promotion.comment, promotion.actor) == (
        "Production",
        "f1 up on the holdout set",
        "reviewer",
    )
    assert champion == 4


def test_tick_versions_on_the_model_page_and_compare_them(page, server):
    """Tick three versions' row boxes on the Model page, compare them in one click: Compare
    opens with them in version order, measured against the Production version."""
    base, _ = server
    page.goto(base)
    settle(page)
    choose(page, "Open a model", "churn")
    expect(page.get_by_text("Showing 1–4 of 4")).to_be_visible()
    for row in (2, 0, 1):  # v2, v4, v3: the row boxes, left of the first column
        click_cell(page, row, x=20)
    expect(page.get_by_text("3 ticked: v2, v3, v4")).to_be_visible()
    shot(page, "9-model-ticked")
    page.get_by_role("button", name="Compare 3 versions").click()
    settle(page)
    expect(page.get_by_role("heading", name="Compare versions")).to_be_visible()
    assert "versions=churn%3A2%2Cchurn%3A3%2Cchurn%3A4" in page.url
    baseline = page.get_by_role("combobox", name="Baseline")
    expect(baseline).to_have_value(re.compile(r"churn v[24]"))  # Production (v4 once promoted)
    expect(page.get_by_text("green is better, red worse", exact=False)).to_be_visible()
    shot(page, "10-compare-ticked")
    chart = page.get_by_test_id("stPlotlyChart").first
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    chart.screenshot(path=str(ARTIFACTS / "10b-compare-bars-three-versions.png"))  # labels upright


def test_decide_a_request_from_the_inbox(page, server):
    """ed asked for fraud v2 to go to Staging (ann commented on it in Markdown); the
    reviewer opens the Inbox, reads the evidence, approves with a comment after reviewing
    the confirmation, and the Inbox is empty again."""
    base, home = server
    commenter = RegistryClient(home=home, user="ann")
    commenter.add_comment("fraud", 2, "Checked on **March** data")
    commenter.release()
    asker = RegistryClient(home=home, user="ed")
    asker.request_transition("fraud", 2, "Staging", comment="ready for staging")
    asker.release()
    frames = received_frames(page)
    page.goto(f"{base}/?page=inbox")
    settle(page)
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("1 request waiting for a decision")
    expect(page.locator("strong", has_text="March")).to_be_visible()  # the thread, as Markdown
    page.get_by_label("Comment (required to reject or override)").fill("fine for staging")
    page.get_by_role("button", name="Approve", exact=True).click()
    settle(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(re.compile(r"Approve request #\d+:\W*fraud v2 → Staging"))
    expect(dialog).to_contain_text("fine for staging")
    shot(page, "12-inbox-confirm-decision")
    dialog.get_by_role("button", name="Confirm").click()
    settle(page)
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("fraud v2 is in Staging.")
    expect(page.get_by_text("No transition request is waiting for a decision.")).to_be_visible()
    # The outcome went out twice: at once from the dialog's own short run (drawn in the
    # dialog), then at the top of the redrawn page.
    assert sum(b"fraud v2 is in Staging." in frame for frame in frames) == 2
    shot(page, "13-inbox-decided")
    client = RegistryClient(home=home)
    (request,) = client.get_transition_requests("fraud", status="approved")
    stage = client.get_model_version("fraud", 2).current_stage
    client.release()
    assert (request.decided_by, stage) == ("reviewer", "Staging")


def received_frames(page) -> list[bytes]:
    """Every websocket message the page receives from now on (open the page after this)."""
    frames: list[bytes] = []

    def listen(socket) -> None:
        socket.on(
            "framereceived",
            lambda frame: frames.append(frame if isinstance(frame, bytes) else frame.encode()),
        )

    page.on("websocket", listen)
    return frames


def test_dark_mode_follows_the_browser(page, server):
    """A browser that prefers dark gets the dark theme (with the same accent), light gets
    light: .streamlit/config.toml defines both rather than one custom theme."""
    base, _ = server
    for scheme, dark in (("dark", True), ("light", False)):
        context = page.context.browser.new_context(color_scheme=scheme)
        context.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort()
        )
        tab = context.new_page()
        tab.goto(base)
        settle(tab)
        expect(tab.get_by_role("heading", name="Models")).to_be_visible()
        background = tab.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        )
        red, green, blue = (int(c) for c in re.findall(r"\d+", background)[:3])
        assert ((red + green + blue) / 3 < 80) is dark, (scheme, background)
        shot(tab, f"11-theme-{scheme}")
        context.close()
