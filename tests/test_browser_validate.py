"""The Validate page in a real headless Chromium: upload a test set, validate two real
scikit-learn versions side by side, and promote the one that passes the policy."""

from __future__ import annotations

import hashlib
import re

import pytest
from browser_support import choose, dashboard, expect, settle, shot
from validation_support import churn_boosting, churn_model, register, sample_csv

from registry import RegistryClient

pytestmark = pytest.mark.browser

MODEL = "churn"
ROWS = 800
# On the first 800 rows of churn_test.csv: v1 accuracy 0.87, f1 0.44; v2 accuracy 0.90, f1 0.58.
POLICY = ["accuracy >= 0.85", "f1 >= 0.5"]
STATUS = {1: "failed", 2: "passed"}
COMMENT = "passes the f1 bar on the holdout"


def _fill(home) -> None:
    """churn v1 (gradient boosting on the numeric columns only, the weaker) in Production,
    v2 (logistic regression on every column) in Staging; ann is admin, rita reviewer."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("REGISTRY_HOME", str(home))
        env.setenv("REGISTRY_USER", "ann")
        register(MODEL, churn_boosting())
        register(MODEL, churn_model())
    client = RegistryClient(home=home, user="ann")
    client.transition_model_version_stage(MODEL, 1, "Production")
    client.transition_model_version_stage(MODEL, 2, "Staging")
    client.set_validation_policy(MODEL, POLICY)
    client.set_role("ann", "admin")
    client.set_role("rita", "reviewer")
    client.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, registry home) of a dashboard acting as rita, a reviewer."""
    home = tmp_path_factory.mktemp("validate") / "home"
    with dashboard(home, _fill, user="rita") as url:
        yield url, home


def grid(frame, waiting_for: str) -> list[list[str]]:
    """The cells of an st.dataframe row by row, header first, once a row holds
    ``waiting_for``; read from the grid's accessibility table (the visible cells are a canvas)."""
    rows = frame.locator("table[role='grid'] tr")
    expect(rows.filter(has_text=waiting_for)).to_have_count(1)
    return [[cell.text_content() for cell in row.locator("th, td").all()] for row in rows.all()]


def by_first_cell(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def column_of(page, version: int):
    """The results column of one version (its status line, chart and buttons)."""
    label = re.compile(rf"v{version} \([A-Za-z ]+\): policy")  # the stage is in the label
    return page.get_by_test_id("stColumn").filter(has_text=label)


def promote_button(page, version: int):
    return column_of(page, version).get_by_role("button", name="Promote to Production")


def upload_and_choose(page, base: str, upload) -> None:
    page.goto(base)
    settle(page)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Validate").click()
    settle(page)
    expect(page.get_by_text("You act as reviewer.")).to_be_visible()
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(upload)
    settle(page)
    expect(page.get_by_text(f"{upload.name}: {ROWS} rows, 11 columns.")).to_be_visible()
    choose(page, "Model", MODEL)
    expect(page.get_by_test_id("stMultiSelect")).to_contain_text("v1v2")  # Production, Staging
    expect(page.get_by_role("combobox", name="Target column")).to_have_value("churned")
    shot(page, "validate-1-chosen")


def validate_side_by_side(page) -> dict[str, list[str]]:
    """Validate v1 and v2 and check what each shows; return the metrics table as shown."""
    page.get_by_role("button", name="Validate and record").click()
    settle(page)
    frames = page.get_by_test_id("stDataFrame")
    metrics = by_first_cell(grid(frames.nth(0), "roc_auc"))
    assert metrics["Metric"] == ["v1 (Production)", "v2 (Staging)"]
    assert [metrics[m][1].endswith(" ★") for m in ("accuracy", "f1")] == [True, True]
    policy = by_first_cell(grid(frames.nth(1), "f1 >= 0.5"))
    assert [cell.split(" (")[0] for cell in policy["accuracy >= 0.85"]] == ["✓ pass", "✓ pass"]
    assert [cell.split(" (")[0] for cell in policy["f1 >= 0.5"]] == ["✗ fail", "✓ pass"]
    shot(page, "validate-2-results")
    for version, status in STATUS.items():
        expect(column_of(page, version)).to_contain_text(f": policy {status}")
        expect(column_of(page, version).get_by_test_id("stPlotlyChart")).to_have_count(1)
    v1, v2 = promote_button(page, 1), promote_button(page, 2)
    expect(column_of(page, 1)).to_contain_text("Already in Production.")
    expect(v1).to_have_accessible_name("Promote to Production (override)")
    expect(v1).to_be_disabled()
    expect(v2).to_have_accessible_name("Promote to Production")
    expect(v2).to_be_enabled()
    v2.scroll_into_view_if_needed()
    shot(page, "validate-3-versions")
    return metrics


def promote_v2(page) -> None:
    promote_button(page, 2).click()
    settle(page)
    dialog = page.get_by_role("dialog")
    # \W*: user text may carry an invisible word joiner after a colon
    expect(dialog).to_contain_text(re.compile(r"Promote to Production:\W*churn v2"))
    expect(dialog).to_contain_text("v1: Production → Archived")  # what the promotion archives
    expect(dialog.get_by_label("Override comment (required)")).to_have_count(0)
    dialog.get_by_label("Comment (optional)").fill(COMMENT)
    shot(page, "validate-4-confirm")
    dialog.get_by_role("button", name="Confirm").click()
    settle(page)
    expect(dialog).to_be_hidden()
    success = page.get_by_test_id("stAlertContentSuccess")  # at the top, scrolled out of view
    expect(success).to_contain_text("churn v2 is now in Production.")
    expect(column_of(page, 2)).to_contain_text("Already in Production.")
    expect(promote_button(page, 2)).to_be_disabled()
    expect(promote_button(page, 1)).to_be_enabled()  # archived now, so it can be overridden
    column_of(page, 2).get_by_text("Past validations of v2").click()
    header, *records = grid(column_of(page, 2).get_by_test_id("stDataFrame"), "holdout.csv")
    (record,) = [dict(zip(header, row, strict=True)) for row in records]  # visible columns
    assert [record[k] for k in ("Data", "Rows", "Status")] == ["holdout.csv", str(ROWS), "passed"]
    shot(page, "validate-5-promoted")


def test_upload_validate_two_versions_and_promote_the_passing_one(page, server, tmp_path):
    """A reviewer uploads a CSV, validates v1 and v2, sees v1 fail and v2 pass the policy, and
    promotes v2; the registry then holds both records, both tags and v2 in Production."""
    base, home = server
    upload = tmp_path / "holdout.csv"
    sample_csv("churn_test.csv").head(ROWS).to_csv(upload, index=False)
    upload_and_choose(page, base, upload)
    shown = validate_side_by_side(page)
    promote_v2(page)

    client = RegistryClient(home=home)
    sha256 = hashlib.sha256(upload.read_bytes()).hexdigest()
    for version, status in STATUS.items():
        (record,) = client.list_validation_records(MODEL, version)
        assert (record.data_name, record.data_sha256, record.num_rows) == (
            upload.name,
            sha256,
            ROWS,
        )
        assert (record.status, record.created_by) == (status, "rita")
        assert client.get_model_version(MODEL, version).tags["validation"] == status
        for metric, value in record.metrics.items():
            cell = shown[metric][version - 1].removesuffix(" ★")
            assert float(cell) == pytest.approx(value, abs=5e-5), metric
    stages = [client.get_model_version(MODEL, v).current_stage for v in STATUS]
    promotion = client.get_history(MODEL, 2)[0]
    client.release()
    assert stages == ["Archived", "Production"]
    assert (promotion.new_value, promotion.comment, promotion.actor) == (
        "Production",
        COMMENT,
        "rita",
    )
