"""Finding and opening under AppTest: plain-word search, substring model filters, clicking
names, links that hold the view, pickers that say when they stop."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from dashboard_support import APP, populate
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import filters, keys, review
from registry.dashboard.feedback import UNEXPECTED


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template")
    client = RegistryClient(home=path, user="tester")
    populate(client)
    client.release()
    return path


@pytest.fixture
def client(template, home):
    shutil.copytree(template, home)
    client = RegistryClient(home=home)
    yield client
    client.release()


def open_app(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.run()
    assert_clean(at)
    return at


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in texts(at.error) if UNEXPECTED in e]


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
    assert_clean(at)
    assert at.dataframe[0].value["Model"].tolist() == ["churn"]
    assert "Models where name contains “CHU” (any case) · 1 found" in texts(at.caption)
    at.text_input(key=keys.MODELS_QUERY).input("r").run()
    assert sorted(at.dataframe[0].value["Model"]) == ["churn", "fraud"]
    at.text_input(key=keys.MODELS_QUERY).input("tags.team = 'risk'").run()
    assert at.dataframe[0].value["Model"].tolist() == ["fraud"]


def test_the_history_model_filter_matches_part_of_a_name(client):
    at = open_app(page="history")
    at.text_input(key=keys.HISTORY_MODEL).input("RAU").run()
    assert_clean(at)
    assert set(at.dataframe[0].value["Model"]) == {"fraud"}
    assert "Changes of fraud." in texts(at.caption)
    at.text_input(key=keys.HISTORY_MODEL).input("r").run()
    feed = at.dataframe[0].value
    assert set(feed["Model"]) == {"churn", "fraud"}
    assert feed["When (UTC)"].is_monotonic_decreasing
    assert len(feed) == len(client.get_history("churn")) + len(client.get_history("fraud"))
    assert any("2 models whose name contains “r”" in c for c in texts(at.caption))


def test_the_history_filter_still_finds_a_deleted_model_by_its_name(client):
    client.create_registered_model("gone")
    client.delete_registered_model("gone")
    at = open_app(page="history")
    at.text_input(key=keys.HISTORY_MODEL).input("gone").run()
    assert set(at.dataframe[0].value["Model"]) == {"gone"}
    assert any("No model's name contains “gone”" in c for c in texts(at.caption))


def click(at: AppTest, key: str, row: int, column: str) -> AppTest:
    """What a click on a cell of the table ``key`` does (a single-cell selection)."""
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [(row, column)]}}
    at.run()
    assert_clean(at)
    return at


def row_of(at: AppTest, column: str, value, table: int = 0) -> int:
    return at.dataframe[table].value[column].tolist().index(value)


def test_a_click_on_a_stage_chip_opens_the_model_at_that_version(client):
    at = open_app()
    click(at, keys.MODELS_TABLE, row_of(at, "Model", "churn"), "Production")
    assert texts(at.title) == ["churn"]
    assert (at.query_params["model"], at.query_params["version"]) == ("churn", "2")
    assert at.selectbox(key=keys.MODEL_VERSION_PICK).value == 2


def test_history_rows_open_their_model_or_version(client):
    client.create_registered_model("gone")
    client.delete_registered_model("gone")
    at = open_app(page="history")
    feed = at.dataframe[0].value
    gone = feed.index[feed["Model"] == "gone"][0]
    click(at, keys.HISTORY_TABLE, int(gone), "Model")  # a deleted model opens nothing
    assert texts(at.title) == ["History"]
    staged = feed.index[(feed["Model"] == "churn") & (feed["Version"] == "v3")][0]
    click(at, keys.HISTORY_TABLE, int(staged), "Version")
    assert texts(at.title) == ["churn v3"]
    at = open_app(page="history")
    click(at, keys.HISTORY_TABLE, row_of(at, "Model", "fraud"), "Model")
    assert texts(at.title) == ["fraud"]


def test_recent_activity_rows_open_their_version(client):
    at = open_app()
    click(at, keys.MODELS_ACTIVITY, row_of(at, "Model", "fraud", table=1), "Change")
    assert texts(at.title)[0].startswith("fraud v")


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
    assert texts(at.title) == ["churn v4"]


def test_model_page_rows_pick_the_version_and_requests_open_it(client):
    client.request_transition("churn", 4, "Production")
    at = open_app(page="model", model="churn")
    versions = 1  # the pending requests table comes first
    click(at, keys.MODEL_VERSIONS_TABLE, row_of(at, "Version", 3, table=versions), "f1")
    assert (at.query_params["version"], texts(at.subheader)[-1]) == ("3", "v3")
    click(at, keys.MODEL_REQUESTS_TABLE, 0, "Change")
    assert texts(at.title) == ["churn v4"]


def test_compare_rows_open_their_version(client):
    at = open_app(page="compare", versions="churn:2,fraud:1")
    click(at, keys.COMPARE_OVERVIEW, 1, "Stage")
    assert texts(at.title) == ["fraud v1"]
