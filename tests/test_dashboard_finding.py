"""Finding and opening under AppTest: plain-word search, substring model filters, clicking
names, links that hold the view, pickers that say when they stop."""

from __future__ import annotations

import pytest
from dashboard_support import clean, fresh_cache, open_app, populated, populated_template, values  # noqa: F401  (fixtures)
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest, element_tree

from registry.dashboard import filters, keys, review, validate

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def client(populated):  # noqa: F811  (the fixture imported above)
    """A client on a fresh copy of the populated registry."""
    return populated


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("churn", ["churn"]),
        ("  churn  predictor ", ["churn", "predictor"]),
        ("churn-v2", ["churn-v2"]),
        ("Production", ["Production"]),
        ("", None),
        ("name", None),  # a key: the grammar explains what it needs
        ("tags.team", None),
        ("churn AND fraud", None),  # a keyword
        ("name LIKE 'c%'", None),
        ("version_number > 3", None),
        ("it's", None),  # a quote
    ],
)
def test_plain_words_are_a_name_search(typed, words):
    assert filters.plain_words(typed) == words


def test_typing_a_word_in_the_models_search_matches_names(client):
    at = open_app()
    at.text_input(key=keys.MODELS_QUERY).input("CHU").run()
    clean(at)
    assert at.dataframe[0].value["Model"].tolist() == ["churn"]
    assert "Models where name contains “CHU” (any case) · 1 found" in values(at.caption)
    at.text_input(key=keys.MODELS_QUERY).input("r").run()
    assert sorted(at.dataframe[0].value["Model"]) == ["churn", "fraud"]
    at.text_input(key=keys.MODELS_QUERY).input("tags.team = 'risk'").run()
    assert at.dataframe[0].value["Model"].tolist() == ["fraud"]


def test_the_history_model_filter_matches_part_of_a_name(client):
    at = open_app(page="history")
    at.text_input(key=keys.HISTORY_MODEL).input("RAU").run()
    clean(at)
    assert set(at.dataframe[0].value["Model"]) == {"fraud"}
    assert "Changes of fraud." in values(at.caption)
    at.text_input(key=keys.HISTORY_MODEL).input("r").run()
    feed = at.dataframe[0].value
    assert set(feed["Model"]) == {"churn", "fraud"}
    assert feed["When (UTC)"].is_monotonic_decreasing
    assert len(feed) == len(client.get_history("churn")) + len(client.get_history("fraud"))
    assert any("2 models whose name contains “r”" in c for c in values(at.caption))


def test_the_history_filter_still_finds_a_deleted_model_by_its_name(client):
    client.create_registered_model("gone")
    client.delete_registered_model("gone")
    at = open_app(page="history")
    at.text_input(key=keys.HISTORY_MODEL).input("gone").run()
    assert set(at.dataframe[0].value["Model"]) == {"gone"}
    assert any("No model's name contains “gone”" in c for c in values(at.caption))


def click(at: AppTest, key: str, row: int, column: str) -> AppTest:
    """What a click on a cell of the table ``key`` does (a single-cell selection)."""
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [(row, column)]}}
    at.run()
    clean(at)
    return at


def row_of(at: AppTest, column: str, value, table: int = 0) -> int:
    return at.dataframe[table].value[column].tolist().index(value)


def test_a_click_on_a_stage_chip_opens_the_model_at_that_version(client):
    at = open_app()
    click(at, keys.MODELS_TABLE, row_of(at, "Model", "churn"), "Production")
    assert values(at.title) == ["churn"]
    assert (at.query_params["model"], at.query_params["version"]) == ("churn", "2")
    assert at.selectbox(key=keys.MODEL_VERSION_PICK).value == 2


def test_history_rows_open_their_model_or_version(client):
    client.create_registered_model("gone")
    client.delete_registered_model("gone")
    at = open_app(page="history")
    feed = at.dataframe[0].value
    gone = feed.index[feed["Model"] == "gone"][0]
    click(at, keys.HISTORY_TABLE, int(gone), "Model")  # a deleted model opens nothing
    assert values(at.title) == ["History"]
    staged = feed.index[(feed["Model"] == "churn") & (feed["Version"] == "v3")][0]
    click(at, keys.HISTORY_TABLE, int(staged), "Version")
    assert values(at.title) == ["churn v3"]
    at = open_app(page="history")
    click(at, keys.HISTORY_TABLE, row_of(at, "Model", "fraud"), "Model")
    assert values(at.title) == ["fraud"]


def test_recent_activity_rows_open_their_version(client):
    at = open_app()
    click(at, keys.MODELS_ACTIVITY, row_of(at, "Model", "fraud", table=1), "Change")
    assert values(at.title)[0].startswith("fraud v")


def test_inbox_rows_open_the_version_or_pick_the_request(client):
    first = client.request_transition("churn", 4, "Production", comment="f1 up")
    second = client.request_transition("fraud", 2, "Staging")
    at = open_app(page="inbox")
    assert at.selectbox(key=review.INBOX_PICK).value == second.id
    click(at, review.INBOX_TABLE, row_of(at, "Request", first.id), "Change")
    assert at.selectbox(key=review.INBOX_PICK).value == first.id
    at.selectbox(key=review.INBOX_PICK).select(second.id).run()  # the table no longer decides
    assert at.selectbox(key=review.INBOX_PICK).value == second.id
    click(at, review.INBOX_TABLE, row_of(at, "Request", first.id), "Version")
    assert values(at.title) == ["churn v4"]


def test_model_page_rows_pick_the_version_and_requests_open_it(client):
    client.request_transition("churn", 4, "Production")
    at = open_app(page="model", model="churn")
    versions = 2  # the pending requests table and the request's metrics come first
    click(at, keys.MODEL_VERSIONS_TABLE, row_of(at, "Version", 3, table=versions), "f1")
    assert (at.query_params["version"], values(at.subheader)[-1]) == ("3", "v3")
    click(at, keys.MODEL_REQUESTS_TABLE, 0, "Change")
    assert values(at.title) == ["churn v4"]


def test_compare_rows_open_their_version(client):
    at = open_app(page="compare", versions="churn:2,fraud:1")
    click(at, keys.COMPARE_OVERVIEW, 1, "Stage")
    assert values(at.title) == ["fraud v1"]


@pytest.fixture
def many(client):
    """30 more models, extra-00 to extra-29 (with the team tag 'ops' on the even ones)."""
    with client.batch():
        for i in range(30):
            tags = {"team": "ops"} if i % 2 == 0 else {}
            client.create_registered_model(f"extra-{i:02d}", tags=tags)
    return client


def test_a_models_link_reproduces_search_filters_sort_and_page(many):
    at = open_app(models_search="extra", models_sort="Name", models_per_page="25", models_page="2")
    table = at.dataframe[0].value
    assert table["Model"].tolist() == [f"extra-{i:02d}" for i in range(25, 30)]
    assert "Showing 26–30 of 30" in values(at.caption)
    assert at.text_input(key=keys.MODELS_QUERY).value == "extra"
    at = open_app(models_search="extra", models_team="ops", models_sort="Name")
    assert at.dataframe[0].value["Model"].tolist()[:2] == ["extra-00", "extra-02"]
    assert any("tag team = “ops”" in c and "15 found" in c for c in values(at.caption))


def test_the_models_page_number_is_in_the_link(many):
    at = open_app()
    assert "models_page" not in at.query_params
    at.button(key=f"{keys.MODELS_PAGER}_next").click().run()
    assert at.query_params["models_page"] == "2"
    at.query_params["models_page"] = "1"  # Back to the first page
    at.run()
    assert "Showing 1–25 of 33" in values(at.caption)
    assert "models_page" not in at.query_params
    at = open_app(models_page="9")  # past the end: the last page
    assert "Showing 26–33 of 33" in values(at.caption)


def test_a_history_link_naming_a_model_filters_the_feed(client):
    at = open_app(page="history", model="fraud")
    assert set(at.dataframe[0].value["Model"]) == {"fraud"}
    assert at.text_input(key=keys.HISTORY_MODEL).value == "fraud"
    assert "model" not in at.query_params  # the filter holds it now
    assert at.selectbox(key=keys.HISTORY_AT_MODEL).value == "fraud"
    at.text_input(key=keys.HISTORY_MODEL).input("").run()  # and it can be cleared
    assert {"churn", "fraud", "ltv"} <= set(at.dataframe[0].value["Model"])


def test_a_history_link_reproduces_its_filters(client):
    at = open_app(
        page="history", history_model="ch", history_user="tester", history_events="Stage changed"
    )
    feed = at.dataframe[0].value
    assert set(feed["Model"]) == {"churn"} and set(feed["Action"]) == {"Stage changed"}
    assert len(feed) == 4


def test_a_compare_link_replaces_the_picks_of_the_session(client):
    at = open_app(page="compare", versions="churn:2,churn:3")
    assert at.dataframe[0].value["Version"].tolist() == ["churn v2", "churn v3"]
    at.query_params["versions"] = "churn:1,fraud:1"  # another link followed in this session
    at.run()
    assert at.dataframe[0].value["Version"].tolist() == ["churn v1", "fraud v1"]
    at.button(key=f"{keys.COMPARE_REMOVE}_fraud_1").click().run()
    assert at.query_params["versions"] == "churn:1"


def test_back_from_a_clicked_model_shows_the_list_as_it_was(many):
    at = open_app(models_sort="Name")
    at.text_input(key=keys.MODELS_QUERY).input("extra").run()
    at.button(key=f"{keys.MODELS_PAGER}_next").click().run()
    click(at, keys.MODELS_TABLE, 0, "Model")
    assert values(at.title) == ["extra-25"]
    # Back lands on the entry Streamlit records first for a switch: the list's address with
    # the model page's parameters, and without the list's own.
    at.query_params.clear()
    at.query_params.update(page="model", model="extra-25")
    at.switch_page("pages/models.py").run()
    clean(at)
    assert at.text_input(key=keys.MODELS_QUERY).value == "extra"
    assert "Showing 26–30 of 30" in values(at.caption)
    assert (at.query_params["page"], at.query_params["models_page"]) == ("models", "2")
    assert "model" not in at.query_params


@pytest.fixture
def big(client):
    """'big', a model with 122 versions."""
    client.create_registered_model("big")
    client.create_model_versions("big", [{"source": f"s3://big/{i}"} for i in range(122)])
    return client


def test_the_version_picker_says_it_is_cut_and_takes_a_typed_number(big):
    at = open_app(page="compare")
    at.selectbox(key=keys.COMPARE_MODEL).select("big").run()
    picker = at.selectbox(key=keys.COMPARE_VERSION)
    assert picker.options[:2] == ["v122", "v121"] and len(picker.options) == 100
    assert any("newest 100 of 122 versions" in c for c in values(at.caption))
    for typed in ("7", "v9"):
        type_into(at, keys.COMPARE_VERSION, typed)
        at.button(key=keys.COMPARE_ADD).click().run()
    clean(at)
    assert at.query_params["versions"] == "big:7,big:9"
    type_into(at, keys.COMPARE_VERSION, "999")
    assert "big has no version 999." in values(at.warning)


def type_into(at: AppTest, key: str, typed: str) -> None:
    """Type a new option into a selectbox that accepts them, as the browser sends it."""
    at.session_state[key] = typed
    at.run()
    clean(at)


@pytest.fixture(autouse=True)
def typed_options(monkeypatch):
    """AppTest (1.67) sends a selectbox's value by its index among the options, which a typed
    new option does not have: send the typed text itself, as the browser does."""

    def widget_state(self):
        state = WidgetState()
        state.id = self.id
        if self.value is not None and self.options:
            shown = str(self.format_func(self.value))
            state.string_value = shown if shown in self.options else str(self.value)
        return state

    monkeypatch.setattr(element_tree.Selectbox, "_widget_state", property(widget_state))


def test_the_version_page_reaches_an_old_version_of_a_long_model(big):
    at = open_app(page="version")
    at.selectbox(key=keys.VERSION_MODEL).select("big").run()
    type_into(at, keys.VERSION_NUMBER, "3")
    assert values(at.title) == ["big v3"]


def test_a_short_version_list_is_not_said_to_be_cut(client):
    at = open_app(page="compare")
    at.selectbox(key=keys.COMPARE_MODEL).select("churn").run()
    assert at.selectbox(key=keys.COMPARE_VERSION).options == ["v4", "v3", "v2", "v1"]
    assert not [c for c in values(at.caption) if "The list holds" in c]


def test_the_inbox_request_form_reaches_every_model(client):
    client.create_registered_model("extra-000")  # before the others: the least recent
    client.create_model_version("extra-000", source="s3://extra/0")
    with client.batch():
        for i in range(1, 120):
            client.create_registered_model(f"extra-{i:03d}")
    at = open_app(page="inbox")
    assert "extra-000" not in at.selectbox(key=review.INBOX_REQUEST_MODEL).options
    assert any("100 most recently updated of 123 models" in c for c in values(at.caption))
    at.text_input(key=f"{review.INBOX_REQUEST_MODEL}_find").input("extra-000").run()
    assert at.selectbox(key=review.INBOX_REQUEST_MODEL).options == ["extra-000"]
    assert not [c for c in values(at.caption) if "The list holds" in c]
    at.selectbox(key=review.INBOX_REQUEST_MODEL).select("extra-000").run()
    at.selectbox(key=review.INBOX_REQUEST_VERSION).select(1).run()
    at.button(key=review.INBOX_REQUEST_FORM).click().run()
    clean(at)
    assert [r.model_name for r in client.get_transition_requests(status="pending")] == ["extra-000"]


def test_the_validate_version_list_says_what_it_leaves_out(client):
    client.create_registered_model("long")
    client.create_model_versions("long", [{"source": f"s3://long/{i}"} for i in range(505)])
    client.transition_model_version_stage("long", 3, "Production")
    numbers, defaults = validate.version_choices(client, "long", wanted=2)
    assert numbers[:2] == [505, 504] and numbers[-3:] == [6, 3, 2]
    assert defaults == [3, 2]
    assert "3 older ones are not in it" in validate.choices_note(client, "long", numbers)
    numbers, _ = validate.version_choices(client, "churn")
    assert validate.choices_note(client, "churn", numbers) is None


def test_back_from_a_clicked_version_keeps_the_comparison(client):
    at = open_app(page="compare", versions="churn:2,fraud:1")
    click(at, keys.COMPARE_OVERVIEW, 1, "Version")
    assert values(at.title) == ["fraud v1"]
    at.query_params.clear()  # Back: the compare page under the version page's parameters
    at.query_params.update(page="version", model="fraud", version="1")
    at.switch_page("pages/compare.py").run()
    clean(at)
    assert at.dataframe[0].value["Version"].tolist() == ["churn v2", "fraud v1"]
    assert at.query_params["versions"] == "churn:2,fraud:1"


def test_back_to_the_inbox_drops_the_version_pages_parameters(client):
    client.request_transition("churn", 4, "Production")
    at = open_app(page="inbox")
    click(at, review.INBOX_TABLE, 0, "Version")
    at.query_params.clear()
    at.query_params.update(page="version", model="churn", version="4")
    at.switch_page("pages/inbox.py").run()
    clean(at)
    assert dict(at.query_params) == {"page": "inbox"}  # a copied address opens the Inbox


def test_model_and_version_open_on_the_most_recently_changed(client):
    """No empty pickers: without a model in the link the Model page shows the most recently
    changed model, the Version page the most recently changed version; another version is
    a pick away on the Version page."""
    client.update_registered_model("fraud", description="Flags card fraud.")
    client.transition_model_version_stage("fraud", 2, "Staging")
    at = open_app(page="model")
    assert values(at.title) == ["fraud"] and at.query_params["model"] == "fraud"
    at = open_app(page="version")
    assert values(at.title) == ["fraud v2"]
    assert (at.query_params["model"], at.query_params["version"]) == ("fraud", "2")
    assert at.selectbox(key=keys.VERSION_MODEL).value is None  # in "Open another version"
    at.selectbox(key=keys.VERSION_MODEL).select("churn").run()
    clean(at.selectbox(key=keys.VERSION_NUMBER).select(3).run())
    assert values(at.title) == ["churn v3"]
