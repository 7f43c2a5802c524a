"""User text on the dashboard shows as typed: a tag value cannot leave its badge or plant a
link, run and dataset names do not become links or styled text in the lineage graph, and a
description's external images are not loaded. Checked in a real Chromium whose requests
never leave 127.0.0.1 (the rest are aborted and recorded), and on the helpers themselves."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from browser_support import TIMEOUT_MS, dashboard, expect, settle

from registry import RegistryClient
from registry.dashboard.markup import code, description, plain, plain_html
from registry.entities import Dataset

HOSTILE = (
    "[click](https://evil.example/x) ![i](https://evil.example/t.png) :red[big] :material/home:"
)
RUN_NAME = "<a href='https://evil.example/run'>run</a> <b>bold</b>"
DESCRIPTION = (
    "Churn model, **reviewed**. ![pixel](https://198.51.100.7/pixel.png) "
    "<img src='https://198.51.100.8/h.png'> [docs](https://example.org/docs)"
)


WJ = "\u2060"  # the invisible word joiner that keeps URLs, addresses and icons text


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("[click](https://evil.example/x)", rf"\[click\](https:{WJ}//evil.example/x)"),
        ("![i](x.png)", r"!\[i\](x.png)"),
        ("*a* _b_ roc_auc `c` $x$ ~d~ a|b <i>", r"\*a\* \_b\_ roc_auc \`c\` \$x\$ \~d\~ a\|b \<i>"),
        (":red[big]", rf":{WJ}red\[big\]"),
        (":material/home: :smile:", f":{WJ}material/home:{WJ} :{WJ}smile:{WJ}"),
        ("# title", r"\# title"),
        ("1. first", r"1\. first"),
        ("- item", r"\- item"),
        ("www.evil.example me@evil.example", f"www{WJ}.evil.example me@{WJ}evil.example"),
        ("RF #4, accuracy >= 0.85", "RF #4, accuracy >= 0.85"),
        ("two\n\nparagraphs", "two paragraphs"),
    ],
)
def test_plain_text_is_escaped_where_markdown_would_take_effect(text, markdown):
    assert plain(text) == markdown


def test_code_spans_descriptions_and_plotly_text():
    assert code("runs:/abc/model") == "` runs:/abc/model `"
    assert code("a`b``c") == "``` a`b``c ```"
    assert description("a ![x](https://e.example/i.png) b") == "a [x](https://e.example/i.png) b"
    assert description(r"\![not an image](x) ![ref][1]") == r"\![not an image](x) [ref][1]"
    assert (
        plain_html("<a href='x'>r</a> & <br>") == "&lt;a href='x'&gt;r&lt;/a&gt; &amp; &lt;br&gt;"
    )


def _fill(home) -> None:
    client = RegistryClient(home=home, user="ann")
    client.create_registered_model("churn", tags={"team": HOSTILE}, description=DESCRIPTION)
    run = client.create_run("churn-training", run_name=RUN_NAME)
    data = Dataset("<i>train</i>", "ab" * 32, "<a href='https://evil.example/d'>d</a>", "training")
    client.log_input(run.info.run_id, data)
    client.create_model_version("churn", source="runs:/x/model", run_id=run.info.run_id)
    client.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("markup") / "home"
    with dashboard(home, _fill) as url:
        yield url, home


@pytest.fixture
def local_page(browser, server):
    """A page whose requests off the local server are aborted and listed in ``page.blocked``."""
    base = server[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith(base):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.blocked = blocked
    yield page
    context.close()


def _open(browser_page, base: str, **params: str) -> None:
    browser_page.goto(f"{base}/?{urlencode(params)}")
    settle(browser_page)


@pytest.mark.browser
def test_the_model_header_shows_tag_values_as_typed_and_loads_no_image(local_page, server):
    page, base = local_page, server[0]
    _open(page, base, page="model", model="churn")
    main = page.get_by_test_id("stMain")
    badges = main.get_by_test_id("stMarkdownContainer").filter(has_text="team =").first
    assert badges.inner_text().replace(WJ, "") == f"team = {HOSTILE}"
    assert main.locator("a[href^='https://evil.example']").count() == 0
    assert main.locator("img[src*='evil.example'], img[src*='198.51.100']").count() == 0
    expect(main.get_by_role("link", name="pixel")).to_have_attribute(
        "href", "https://198.51.100.7/pixel.png"
    )
    expect(main.get_by_role("link", name="docs")).to_be_visible()
    expect(main.locator("strong", has_text="reviewed")).to_be_visible()
    page.wait_for_timeout(300)
    assert [url for url in page.blocked if "198.51.100" in url or "evil" in url] == []


@pytest.mark.browser
def test_lineage_labels_show_run_and_dataset_names_as_text(local_page, server):
    page, base = local_page, server[0]
    _open(page, base, page="version", model="churn", version="1")
    chart = page.get_by_test_id("stPlotlyChart")
    expect(chart.get_by_text(RUN_NAME)).to_be_visible()
    expect(chart.get_by_text("<i>train</i>")).to_be_visible()
    assert chart.locator("a").count() == 0
    assert chart.locator("tspan[style*='italic']").count() == 0
