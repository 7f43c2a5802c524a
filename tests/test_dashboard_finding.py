"""Finding and opening under AppTest: plain-word search, substring model filters, clicking
names, links that hold the view, pickers that say when they stop."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st
from dashboard_support import APP, populate
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import filters, keys
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
