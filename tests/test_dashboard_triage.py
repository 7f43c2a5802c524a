"""Triage mechanics on the Model and Compare pages (AppTest): ticking versions to compare
them, Compare against a baseline in version order, the versions table's key metrics and
columns, and bulk archive and tag behind the confirmation that lists every change."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from dashboard_support import clean, open_app, populated, populated_template, texts  # noqa: F401
from streamlit.testing.v1 import AppTest

from registry.dashboard import keys
from registry.dashboard.tables import height_for
from registry.validation.direction import improvement, lower_is_better


@pytest.fixture
def client(populated):  # noqa: F811  (the fixture imported above)
    return populated


GREEN, RED = "rgba(26, 152, 80", "rgba(215, 48, 39"


def tick(at: AppTest, rows: list[int]) -> AppTest:
    """Tick the versions table's row checkboxes."""
    selection = {"rows": rows, "columns": [], "cells": []}
    at.session_state[keys.MODEL_VERSIONS_TABLE] = {"selection": selection}
    return clean(at.run())


def shown(table) -> pa.Table:
    """The cells as the reviewer reads them (the Styler's formatted values)."""
    return pa.ipc.open_stream(table.proto.arrow_data.styler.display_values).read_all()


def cell_styles(table) -> dict[tuple[int, int], str]:
    """(row, column) -> the CSS the Styler gave that cell."""
    styles: dict[tuple[int, int], str] = {}
    for selectors, css in re.findall(r"([^{}]+)\{([^}]*)\}", table.proto.arrow_data.styler.styles):
        for row, col in re.findall(r"_row(\d+)_col(\d+)", selectors):
            styles[(int(row), int(col))] = css
    return styles


# -- item 5: compare ------------------------------------------------------------------------


def test_ticked_versions_are_compared_in_one_click(client):
    at = open_app(page="model", model="churn")
    assert "Tick versions in the table to compare" in texts(at.caption)
    tick(at, [2, 0, 1])  # v2, v4, v3 in the order ticked
    assert "**3 ticked:** v2, v3, v4" in texts(at.markdown)
    clean(at.button(key=keys.MODEL_COMPARE).click().run())
    assert at.query_params["versions"] == "churn:2,churn:3,churn:4"
    assert texts(at.title) == "Compare versions"
    assert list(at.dataframe[1].value.columns[:3]) == ["churn v2", "churn v3", "churn v4"]


def test_one_ticked_version_cannot_be_compared_alone(client):
    at = tick(open_app(page="model", model="churn"), [1])
    button = at.button(key=keys.MODEL_COMPARE)
    assert button.disabled and "Tick two versions" in button.help


def test_compare_is_in_version_order_against_production(client):
    at = open_app(page="compare", versions="churn:4,churn:2,churn:3")
    assert at.selectbox(key=keys.COMPARE_BASELINE).value == "churn v2"  # in Production
    metrics = at.dataframe[1].value
    assert list(metrics.columns) == [
        "churn v2", "churn v3", "churn v4", "Δ churn v3 − churn v2", "Δ churn v4 − churn v2",
    ]  # fmt: skip
    assert metrics.loc["f1", "Δ churn v4 − churn v2"] == pytest.approx(0.02)
    assert at.query_params["versions"] == "churn:4,churn:2,churn:3"  # the link as shared
    clean(at.selectbox(key=keys.COMPARE_BASELINE).select("churn v4").run())
    metrics = at.dataframe[1].value
    assert metrics.loc["log_loss", "Δ churn v3 − churn v4"] == pytest.approx(-0.02)


def test_the_tint_says_better_or_worse_whichever_way_a_metric_improves(client):
    at = open_app(page="compare", versions="churn:2,churn:3,churn:4")
    clean(at.selectbox(key=keys.COMPARE_BASELINE).select("churn v4").run())
    table = at.dataframe[1]
    rows, columns = list(table.value.index), list(table.value.columns)
    styles = cell_styles(table)

    def css(metric: str, column: str) -> str:
        return styles.get((rows.index(metric), columns.index(column)), "")

    # f1: higher is better. v3 0.83 beats v4 0.81 (green), v2 0.79 does not (red).
    assert GREEN in css("f1", "churn v3") and RED in css("f1", "churn v2")
    # log_loss: lower is better. v3 0.41 beats v4 0.43 (green), v2 0.44 does not (red).
    assert GREEN in css("log_loss", "churn v3") and RED in css("log_loss", "churn v2")
    assert "background" not in css("f1", "churn v4")  # the baseline itself
    assert "font-weight: 700" in css("log_loss", "churn v3")  # the best value
    assert "#d73027" in css("log_loss", "Δ churn v2 − churn v4")  # worse change, in red
    assert "Lower is better for errors, losses" in texts(at.caption)


def test_identical_metrics_are_hidden_like_identical_parameters(client):
    for number in (2, 3):
        run_id = client.get_model_version("churn", number).run_id
        client.log_metric(run_id, "features", 4.0)
    client.release()
    at = open_app(page="compare", versions="churn:2,churn:3")
    assert "features" not in at.dataframe[1].value.index
    assert "1 identical metric hidden." in texts(at.caption)
    clean(at.toggle(key=keys.COMPARE_ALL_METRICS).set_value(True).run())
    assert at.dataframe[1].value.loc["features"].tolist()[:2] == [4.0, 4.0]


@pytest.mark.parametrize(
    ("metric", "lower"),
    [("rmse", True), ("log_loss", True), ("val_loss", True), ("mae", True),
     ("latency_ms", True), ("accuracy", False), ("f1", False), ("roc_auc", False),
     ("r2", False), ("lifetime_value", False)],
)  # fmt: skip
def test_one_lower_is_better_rule(metric, lower):
    assert lower_is_better(metric) is lower
    assert improvement(metric, 0.1, 0.2) == (1 if lower else -1)


# -- item 6: the versions table --------------------------------------------------------------


def test_the_models_key_metrics_come_first(client):
    client.set_registered_model_tag("churn", "registry.key_metrics", "log_loss, auc")
    client.release()
    at = open_app(page="model", model="churn")
    assert list(at.dataframe[0].proto.column_order[:4]) == ["Version", "Stage", "log_loss", "auc"]


def test_without_a_tag_the_policy_metrics_come_first(client):
    client.set_validation_policy("churn", "f1 >= 0.5")
    client.release()
    at = open_app(page="model", model="churn")
    assert list(at.dataframe[0].proto.column_order[:4]) == ["Version", "Stage", "f1", "Validation"]


def test_the_reviewer_chooses_the_columns(client):
    at = open_app(page="model", model="churn")
    clean(at.multiselect(key=f"{keys.MODEL_COLUMNS}_churn").set_value(["auc", "Author"]).run())
    assert list(at.dataframe[0].proto.column_order) == ["Version", "Stage", "auc", "Author"]


def test_validation_status_and_a_dash_for_what_is_missing(client):
    client.set_model_version_tag("churn", 3, "validation", "passed")
    client.create_model_version("churn", source="models/churn-5.skops")  # no run, no metrics
    client.release()
    at = open_app(page="model", model="churn")
    cells = shown(at.dataframe[0]).to_pandas().set_index("Version")
    assert cells.loc["3", "Validation"] == "✓ passed"
    assert cells.loc["4", "Validation"] == "not validated"
    assert cells.loc["5", ["f1", "auc", "Run", "Description"]].tolist() == ["–"] * 4
    assert cells.loc["3", "f1"] == "0.8300"
    assert "None" not in cells.to_string()


def test_the_versions_table_pages_without_scrolling():
    assert height_for(25, 25) == 35 * 26 + 3  # every row of a page shows


# -- item 10: bulk actions ------------------------------------------------------------------


def dialog_lines(at: AppTest) -> str:
    return "\n".join(m for m in (str(e.value) for e in at.markdown) if m.startswith("- "))


def test_bulk_archive_lists_every_change_before_it_is_made(client):
    at = tick(open_app(page="model", model="churn"), [0, 1, 3])  # v4, v3, v1 (archived)
    clean(at.button(key=keys.MODEL_BULK_ARCHIVE).click().run())
    lines = dialog_lines(at)
    assert "**v3**: :orange-badge[Staging] → :gray-badge[Archived]" in lines
    assert "**v4**: :blue-badge[No stage] → :gray-badge[Archived]" in lines
    assert "v1 is already archived." in texts(at.caption)
    assert [v.current_stage for v in (client.get_model_version("churn", n) for n in (3, 4))] == [
        "Staging", "None",
    ]  # fmt: skip
    at.text_input(key=keys.MODEL_COMMENT).input("spring cleaning").run()
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "Archived 2 versions of churn." in texts(at.success)
    assert {client.get_model_version("churn", n).current_stage for n in (3, 4)} == {"Archived"}
    changes = client.get_history("churn", 4, events=["model_version.stage_transitioned"])
    assert changes[0].comment == "spring cleaning"


def test_bulk_tag_sets_the_tag_on_every_ticked_version(client):
    at = tick(open_app(page="model", model="churn"), [0, 1])  # v4, v3
    at.text_input(key=keys.MODEL_BULK_TAG_KEY).input("reviewed")
    at.text_input(key=keys.MODEL_BULK_TAG_VALUE).input("q4").run()
    clean(at.button(key=keys.MODEL_BULK_TAG).click().run())
    lines = dialog_lines(at)
    assert "**v3** tag reviewed: *unset* → “q4”" in lines and "**v4**" in lines
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "Set tag reviewed on 2 versions of churn." in texts(at.success)
    assert [client.get_model_version("churn", n).tags.get("reviewed") for n in (3, 4)] == [
        "q4", "q4",
    ]  # fmt: skip


# -- item 9: promotion and aliases ------------------------------------------------------------


def test_a_promotion_moves_the_serving_alias_along(client):
    at = open_app(page="model", model="churn", version="3")
    clean(at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run())
    offer = at.checkbox(key=f"{keys.MODEL_MOVE_ALIAS}_champion")
    assert offer.label.replace("\u2060", "") == "Also point @champion at this version (now on v2)"
    assert offer.value  # v2 leaves Production, so the alias follows by default
    assert "@champion stays on v2" not in texts(at.caption)  # the offer replaces the note
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "churn v3 is now in Production. @champion points at it." in texts(at.success)
    assert client.get_registered_model("churn").aliases["champion"] == 3


def test_an_unticked_offer_leaves_the_alias(client):
    at = open_app(page="model", model="churn", version="3")
    clean(at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run())
    clean(at.checkbox(key=f"{keys.MODEL_MOVE_ALIAS}_champion").uncheck().run())
    clean(at.button(key=keys.MODEL_CONFIRM_OK).click().run())
    assert "@champion" not in texts(at.success)
    assert client.get_registered_model("churn").aliases["champion"] == 2


def test_an_alias_on_an_archived_version_is_a_warning(client):
    client.set_registered_model_alias("churn", "shadow", 1)  # v1 is archived
    client.release()
    at = open_app(page="model", model="churn")
    assert "@shadow points at v1, which is archived" in texts(at.warning)
    at = open_app()
    assert "Aliases pointing at an archived version: churn @shadow." in texts(at.warning)
    models = at.dataframe[0].value.set_index("Model")
    assert "⚠ @shadow → v1 (archived)" in models.loc["churn", "Aliases"]
    assert "@champion → v2" in models.loc["churn", "Aliases"]


def test_ticks_stay_with_their_page_of_versions(client):
    with client.batch():
        for _ in range(25):
            client.create_model_version("ltv", source="models/ltv.skops")  # 26 versions
    client.release()
    at = tick(open_app(page="model", model="ltv"), [0])
    assert "**1 ticked:** v26" in texts(at.markdown)
    clean(at.button(key=f"{keys.MODEL_VERSIONS_PAGER}_next").click().run())
    assert "Showing 26–26 of 26" in texts(at.caption)
    assert "ticked" not in texts(at.markdown)  # row 0 of this page is v1, which nobody ticked
