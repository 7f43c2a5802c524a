"""The dashboard pages under Streamlit's AppTest: each page, each reviewed action, deep links,
errors shown as messages, and a second process writing while the dashboard is open."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dashboard_support import (  # noqa: F401  (fixtures)
    APP,
    clean,
    fresh_cache,
    open_app,
    populated,
    populated_template,
    values,
)
from streamlit.testing.v1 import AppTest

from registry import RegistryBusyError, RegistryClient
from registry.dashboard import keys
from registry.dashboard.feedback import UNEXPECTED

PAGES = ("models", "model", "version", "compare", "history")


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def client(populated):  # noqa: F811  (the fixture imported above)
    """A client on a fresh copy of the populated registry."""
    return populated


def confirm(at: AppTest, comment: str | None = None) -> AppTest:
    if comment is not None:
        at.text_input(key=keys.MODEL_COMMENT).input(comment).run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    clean(at)
    return at


def dialog_lines(at: AppTest) -> str:
    return "\n".join(m for m in values(at.markdown) if m.startswith("- "))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "Recent activity"),
        ({"page": "model", "model": "churn"}, "Versions"),
        ({"page": "version", "model": "churn", "version": "3"}, "Lineage"),
        ({"page": "compare", "versions": "churn:2,churn:3"}, "Metrics"),
        ({"page": "history"}, "What was in a stage at a given time?"),
    ],
)
def test_each_page_renders_a_populated_registry(client, params, expected):
    at = open_app(**params)
    clean(at)
    assert expected in values(at.subheader)
    assert not at.error


def test_models_page_shows_where_each_model_stands(client):
    at = open_app()
    assert dict(zip(values(at.metric), [m.label for m in at.metric], strict=True)) == {
        "3": "Models",
        "7": "Versions",
        "2": "In Production",
        "1": "In Staging",
        **{str(at.metric[4].value): "Changes, last 7 days"},
    }
    table = at.dataframe[0].value.set_index("Model")
    assert table.loc["churn", ["Latest", "Production", "Staging"]].tolist() == [
        "v4",
        ["v2"],
        ["v3"],
    ]
    assert table.loc["churn", "Aliases"] == ["@champion → v2"]


@pytest.mark.parametrize("page", PAGES)
def test_each_page_explains_an_empty_registry(home, page):
    at = open_app(page=page)
    clean(at)
    assert any("registry is empty" in text for text in values(at.info))
    assert "create_registered_model" in at.code[0].value


def test_search_shows_its_meaning_and_quick_filters_combine(client):
    at = open_app()
    at.text_input(key=keys.MODELS_QUERY).input("name LIKE 'c%' OR name = 'fraud'").run()
    at.selectbox(key=keys.MODELS_TEAM).select("growth").run()
    clean(at)
    assert "churn" in at.dataframe[0].value["Model"].tolist()
    assert "fraud" not in at.dataframe[0].value["Model"].tolist()
    assert any("tag team = “growth”" in c and "1 found" in c for c in values(at.caption))


def test_a_bad_filter_is_reported_inline(client):
    at = open_app()
    at.text_input(key=keys.MODELS_QUERY).input("nme = 'churn'").run()
    clean(at)
    assert "unknown key 'nme' at position 0" in at.error[0].value
    assert at.code[0].value == "nme = 'churn'\n^"
    assert "Recent activity" in values(at.subheader)


def test_models_pages_come_from_the_store(client):
    client.create_model_versions("ltv", [{"source": f"s{i}"} for i in range(3)])
    for i in range(30):
        client.create_registered_model(f"extra-{i:02d}")
    at = open_app()
    assert len(at.dataframe[0].value) == 25
    at.button(key=f"{keys.MODELS_PAGER}_next").click().run()
    assert len(at.dataframe[0].value) == 8
    assert "Showing 26–33 of 33" in values(at.caption)
    at.button(key=f"{keys.MODELS_PAGER}_prev").click().run()
    assert "Showing 1–25 of 33" in values(at.caption)


def test_the_history_feed_pages_by_offset(client):
    for i in range(40):
        client.create_registered_model(f"extra-{i:02d}")
    total = len(client.get_history(max_results=1000))
    at = open_app(page="history")
    assert len(at.dataframe[0].value) == 50
    at.button(key=f"{keys.HISTORY_OFFSET}_next").click().run()
    assert f"Showing 51–{total}" in values(at.caption)
    assert at.button(key=f"{keys.HISTORY_OFFSET}_next").disabled


def test_a_click_on_a_name_or_the_selectbox_opens_the_model(client):
    at = open_app()
    row = at.dataframe[0].value["Model"].tolist().index("fraud")
    at.session_state[keys.MODELS_TABLE] = {
        "selection": {"rows": [], "columns": [], "cells": [(row, "Model")]}
    }
    at.run()
    assert values(at.title) == ["fraud"]
    assert at.query_params["model"] == "fraud"
    at = open_app()
    at.selectbox(key=keys.MODELS_OPEN).select("ltv").run()
    assert values(at.title) == ["ltv"]


def test_picking_a_version_updates_the_link(client):
    at = open_app()
    at.selectbox(key=keys.MODELS_OPEN).select("churn").run()
    assert "version" not in at.query_params  # the newest, shown by a link without a version
    assert values(at.subheader)[-1] == "v4"
    at.selectbox(key=keys.MODEL_VERSION_PICK).select(2).run()
    assert (at.query_params["version"], values(at.subheader)[-1]) == ("2", "v2")
    at.session_state[keys.MODEL_VERSIONS_TABLE] = {
        "selection": {"rows": [1], "columns": [], "cells": []}  # the row of v3
    }
    at.run()
    assert (at.query_params["version"], values(at.subheader)[-1]) == ("3", "v3")
    at.selectbox(key=keys.MODEL_VERSION_PICK).select(4).run()
    assert at.query_params["version"] == "4"  # once a link names a version, it keeps one


def test_a_link_to_a_missing_model_says_so(client):
    at = open_app(page="model", model="ghost")
    clean(at)
    assert "'ghost' does not exist" in at.error[0].value
    at = open_app(page="version", model="churn", version="99")
    assert "no version 99" in at.error[0].value


def test_model_page_lists_versions_with_run_metrics(client):
    at = open_app(page="model", model="churn", version="3")
    clean(at)
    versions = at.dataframe[0].value
    assert versions["Version"].tolist() == [4, 3, 2, 1]
    assert versions["Stage"].tolist() == [["No stage"], ["Staging"], ["Production"], ["Archived"]]
    assert versions.loc[1, "f1"] == pytest.approx(0.83)
    assert at.selectbox(key=keys.MODEL_VERSION_PICK).value == 3
    chart = at.get("plotly_chart")[0].proto.spec
    assert '"v%{x}' in chart and "#1a9850" in chart


def test_promote_to_production_archiving_the_current_one(client):
    at = open_app(page="model", model="churn", version="4")
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    lines = dialog_lines(at)
    assert "**v4**: :blue-badge[No stage] → :green-badge[Production]" in lines
    assert "**v2**: :green-badge[Production] → :gray-badge[Archived]" in lines
    assert at.checkbox(key=f"{keys.MODEL_MOVE_ALIAS}_champion").value  # @champion follows
    confirm(at, comment="better f1 on the holdout")
    clean(at)
    assert values(at.success) == ["churn v4 is now in Production. @champion points at it."]
    stages = {v.version: v.current_stage for v in client.search_model_versions("name = 'churn'")}
    assert stages == {4: "Production", 3: "Staging", 2: "Archived", 1: "Archived"}
    (promotion,) = client.get_history("churn", 4, events=["model_version.stage_transitioned"])
    assert (promotion.comment, promotion.actor) == ("better f1 on the holdout", "tester")


def test_promote_without_archiving_and_cancel(client):
    at = open_app(page="model", model="churn", version="3")
    at.checkbox(key=keys.MODEL_ARCHIVE_EXISTING).uncheck().run()
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    assert "Archived" not in dialog_lines(at)
    at.button(key=keys.MODEL_CONFIRM_CANCEL).click().run()
    assert keys.MODEL_PENDING not in at.session_state
    assert client.get_model_version("churn", 3).current_stage == "Staging"
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    confirm(at)
    assert client.get_model_version("churn", 2).current_stage == "Production"
    assert client.get_model_version("churn", 3).current_stage == "Production"


def test_a_change_that_fails_is_reported_in_the_dialog(client):
    at = open_app(page="model", model="churn", version="4")
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    client.delete_model_version("churn", 4)  # another reviewer was quicker
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    clean(at)
    assert any("Model Version (name=churn, version=4) not found" in e for e in values(at.error))
    assert client.get_model_version("churn", 2).current_stage == "Production"


def test_archive(client):
    at = open_app(page="model", model="churn", version="3")
    at.button(key=f"{keys.MODEL_TO_STAGE}_archived").click().run()
    assert "**v3**: :orange-badge[Staging] → :gray-badge[Archived]" in dialog_lines(at)
    confirm(at, comment="superseded")
    assert client.get_model_version("churn", 3).current_stage == "Archived"


def test_alias_move(client):
    at = open_app(page="model", model="churn", version="3")
    at.text_input(key=keys.MODEL_ALIAS).input("champion")
    at.button(key=f"FormSubmitter:{keys.MODEL_ALIAS_FORM}-Review alias").click().run()
    assert "**@champion**: v2 → **v3**" in dialog_lines(at)
    confirm(at)
    assert client.get_model_version_by_alias("churn", "champion").version == 3
    assert client.get_history("churn")[0].event == "registered_model.alias_moved"


def test_a_malformed_alias_cannot_be_confirmed(client):
    at = open_app(page="model", model="churn", version="3")
    at.text_input(key=keys.MODEL_ALIAS).input("v12")
    at.button(key=f"FormSubmitter:{keys.MODEL_ALIAS_FORM}-Review alias").click().run()
    clean(at)
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled
    assert any("reserved" in w or "v12" in w for w in values(at.warning))


def test_rollback(client):
    at = open_app(page="model", model="churn")
    at.button(key=keys.MODEL_ROLLBACK).click().run()
    assert "**Roll back Production of churn to v1**" in values(at.markdown)
    lines = dialog_lines(at)
    assert "**v2**: :green-badge[Production] → :gray-badge[Archived]" in lines
    assert "**v1**: :gray-badge[Archived] → :green-badge[Production]" in lines
    confirm(at, comment="v2 misbehaves")
    assert client.get_model_version("churn", 1).current_stage == "Production"
    assert client.get_model_version("churn", 2).current_stage == "Archived"
    assert client.get_history("churn", 1)[0].comment == "v2 misbehaves"


def test_version_description_and_tags(client):
    at = open_app(page="model", model="churn", version="4")
    at.text_area(key=f"{keys.MODEL_VERSION_DESCRIPTION}_4").input("Deeper trees")
    at.button(key=f"FormSubmitter:{keys.MODEL_VERSION_DESCRIPTION_FORM}-Review description").click()
    at.run()
    assert dialog_lines(at) == "- v4 description: “RF #4” → “Deeper trees”"
    confirm(at)
    assert client.get_model_version("churn", 4).description == "Deeper trees"
    at.text_input(key=keys.MODEL_VERSION_TAG_KEY).input("reviewed_by")
    at.text_input(key=keys.MODEL_VERSION_TAG_VALUE).input("ann")
    at.button(key=f"FormSubmitter:{keys.MODEL_VERSION_TAG_KEY}_form-Review tag").click().run()
    confirm(at)
    assert client.get_model_version("churn", 4).tags == {"reviewed_by": "ann"}
    at.selectbox(key=keys.MODEL_VERSION_TAG_REMOVE).select("reviewed_by")
    at.button(key=f"{keys.MODEL_VERSION_TAG_REMOVE}_button").click().run()
    confirm(at)
    assert client.get_model_version("churn", 4).tags == {}


def test_model_description_and_tags(client):
    at = open_app(page="model", model="churn")
    at.text_area(key=keys.MODEL_DESCRIPTION).input("Predicts churn within 30 days.")
    at.button(key=f"FormSubmitter:{keys.MODEL_DESCRIPTION_FORM}-Review description").click().run()
    confirm(at)
    assert client.get_registered_model("churn").description == "Predicts churn within 30 days."
    at.selectbox(key=keys.MODEL_TAG_REMOVE).select("owner")
    at.button(key=f"{keys.MODEL_TAG_REMOVE}_button").click().run()
    confirm(at)
    assert values(at.success) == ["Removed tag owner from churn."]
    assert client.get_registered_model("churn").tags == {"team": "growth"}


def test_writes_are_attributed_to_the_signed_in_user(client):
    client.set_role("tester", "admin")
    client.set_role("reviewer@example.com", "reviewer")  # signed-in people need a role
    at = AppTest.from_file(APP, default_timeout=30)
    at.user = {"is_logged_in": True, "email": "reviewer@example.com", "name": "Rae"}
    at.query_params.update(page="model", model="churn", version="3")
    at.run()
    shown = [c.replace("\u2060", "") for c in values(at.sidebar.caption)]  # word joiners
    assert any("reviewer@example.com" in c for c in shown)
    at.button(key=f"{keys.MODEL_TO_STAGE}_archived").click().run()
    confirm(at)
    assert client.get_history("churn", 3)[0].actor == "reviewer@example.com"


def test_a_busy_registry_shows_guidance(client, monkeypatch):
    def busy(*_args, **_kwargs):
        raise RegistryBusyError("Registry is busy", holder="python (PID 42: bulk.py)")

    monkeypatch.setattr(RegistryClient, "get_registry_summary", busy)
    at = open_app()
    clean(at)
    assert "Registry busy, retrying" in at.warning[0].value
    assert "PID 42" in at.warning[0].value
    assert at.button(key=keys.FEEDBACK_RETRY)


def test_a_bug_is_an_apology_not_a_traceback(client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(RegistryClient, "get_registry_summary", broken)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert UNEXPECTED in at.error[0].value


def test_compare_marks_the_best_values_and_the_differences(client):
    at = open_app(page="compare", versions="churn:2,churn:3,fraud:1")
    clean(at)
    metrics = at.dataframe[1].value
    assert metrics.loc["f1"].tolist()[:2] == pytest.approx([0.79, 0.83])
    params = at.dataframe[2].value
    assert params.index.tolist() == ["class_weight", "max_depth", "n_estimators"]
    at.button(key=f"{keys.COMPARE_REMOVE}_fraud_1").click().run()
    assert at.query_params["versions"] == "churn:2,churn:3"
    assert at.dataframe[1].value.loc["f1", "Δ churn v3 − churn v2"] == pytest.approx(0.04)
    assert at.dataframe[2].value.index.tolist() == ["max_depth"]
    at.toggle(key=keys.COMPARE_ALL_PARAMS).set_value(True).run()
    assert at.dataframe[2].value.index.tolist() == ["max_depth", "class_weight", "n_estimators"]


def test_compare_adds_versions_from_pickers(client):
    at = open_app(page="compare")
    at.selectbox(key=keys.COMPARE_MODEL).select("churn").run()
    for version in (1, 4):
        at.selectbox(key=keys.COMPARE_VERSION).select(version).run()
        at.button(key=keys.COMPARE_ADD).click().run()
    clean(at)
    assert at.query_params["versions"] == "churn:1,churn:4"
    assert "Metrics" in values(at.subheader)


def test_version_page_lets_you_pick_when_the_link_names_none(client):
    at = open_app(page="version")
    at.selectbox(key=keys.VERSION_MODEL).select("churn").run()
    at.selectbox(key=keys.VERSION_NUMBER).select(2).run()
    clean(at)
    assert values(at.title) == ["churn v2"]
    assert (at.query_params["model"], at.query_params["version"]) == ("churn", "2")


def test_version_page_without_a_model_file(client):
    at = open_app(page="version", model="fraud", version="1")
    clean(at)
    assert "No model file was logged" in at.info[0].value
    assert values(at.title) == ["fraud v1"]


def test_history_filters_and_time_travel(client):
    at = open_app(page="history")
    at.multiselect(key=keys.HISTORY_EVENTS).select("model_version.stage_transitioned").run()
    feed = at.dataframe[0].value
    assert set(feed["Action"]) == {"Stage changed"}
    assert len(feed) == 5
    at.text_input(key=keys.HISTORY_MODEL).input("fraud").run()
    assert at.dataframe[0].value["Change"].tolist() == ["No stage → Production"]
    at.selectbox(key=keys.HISTORY_AT_MODEL).select("churn").run()
    assert values(at.success)[0].endswith("churn had v2 in Production.")


def test_a_version_registered_by_another_process_shows_on_the_next_rerun(client, home):
    at = open_app(page="model", model="churn")
    assert at.dataframe[0].value["Version"].tolist() == [4, 3, 2, 1]
    notebook = (
        "from registry import RegistryClient\n"
        "RegistryClient().create_model_version('churn', source='notebook.ipynb')\n"
    )
    env = {**os.environ, "REGISTRY_HOME": str(home), "REGISTRY_BUSY_TIMEOUT": "10"}
    done = subprocess.run(
        [sys.executable, "-c", notebook], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    at.run()
    assert at.dataframe[0].value["Version"].tolist() == [5, 4, 3, 2, 1]


def test_no_page_imports_scikit_learn(client, home):
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"for page in {PAGES!r}:\n"
        f"    at = AppTest.from_file({APP!r}, default_timeout=30)\n"
        "    at.query_params.update(page=page, model='churn', version='3')\n"
        "    at.query_params['versions'] = 'churn:2,churn:3'\n"
        "    at.run()\n"
        "    assert not at.exception, page\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops')))\n"
    )
    env = {**os.environ, "REGISTRY_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
