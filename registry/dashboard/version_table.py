"""The Model page's versions table: the model's key metrics first, the columns the reviewer
chooses, each version's validation status, a dash (never "None") for what is missing."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from registry.dashboard.style import short_hash, shorten, stage_label, to_utc
from registry.dashboard.tables import STAGE, VERSION, WHEN
from registry.entities import ModelVersion, RegisteredModel
from registry.validation.records import ValidationPolicy

KEY_METRICS_TAG = "registry.key_metrics"  # a model tag: "auc, f1, log_loss"
VALIDATION_TAG = "validation"  # the version tag a recorded validation sets
DEFAULT_METRICS = 5
FIXED = ["Version", "Stage"]
OPTIONAL = ["Validation", "Aliases", "Run", "Created (UTC)", "Author", "Description"]
SHOWN_BY_DEFAULT = ["Validation", "Aliases", "Created (UTC)", "Description"]
MISSING = "–"
PASS_FAIL_COLORS = {"passed": "color: #1a9850", "failed": "color: #d73027"}
VALIDATION_LABELS = {"passed": "✓ passed", "failed": "✗ failed", "unchecked": "unchecked"}


def named_metrics(model: RegisteredModel, policy: ValidationPolicy) -> list[str]:
    """The metrics the model says matter: its ``registry.key_metrics`` tag, else the metrics
    its validation policy's rules name."""
    tagged = [m.strip() for m in model.tags.get(KEY_METRICS_TAG, "").split(",")]
    named = [m for m in tagged if m] or [rule.metric for rule in policy.rules]
    return list(dict.fromkeys(named))


def metric_order(named: list[str], logged: Iterable[str]) -> list[str]:
    """Every logged metric: the named ones first, in their order, then the rest by name."""
    logged = sorted(set(logged))
    return [m for m in named if m in logged] + [m for m in logged if m not in named]


def default_columns(named: list[str], metrics: list[str]) -> list[str]:
    """The named metrics (else the first few logged), then the usual columns."""
    first = [m for m in metrics if m in named] or metrics[:DEFAULT_METRICS]
    return first + SHOWN_BY_DEFAULT


def frame(versions: Iterable[ModelVersion], run_metrics: dict, metrics: list[str]):
    """One row per version: the FIXED and OPTIONAL columns and every metric's newest value."""
    rows = []
    for v in versions:
        logged = run_metrics.get(v.run_id or "", {})
        status = v.tags.get(VALIDATION_TAG)
        rows.append(
            {
                "Version": v.version,
                "Stage": [stage_label(v.current_stage)],
                **{m: logged.get(m) for m in metrics},
                "Validation": VALIDATION_LABELS.get(status, status or "not validated"),
                "Aliases": [f"@{alias}" for alias in v.aliases],
                "Run": short_hash(v.run_id, 8) if v.run_id else MISSING,
                "Created (UTC)": to_utc(v.creation_timestamp),
                "Author": v.user_id or MISSING,
                "Description": shorten(v.description, 60) or MISSING,
            }
        )
    return pd.DataFrame(rows, columns=[*FIXED, *metrics, *OPTIONAL])


def styled(table: pd.DataFrame, metrics: list[str], link_color: str):
    """Metric values to four decimals and a dash where a run did not log one; the version
    drawn as a link; passed and failed validations in colour."""

    def validation_color(value: object) -> str:
        return PASS_FAIL_COLORS.get(str(value).split()[-1], "")

    return (
        table.style.format("{:.4f}", subset=metrics, na_rep=MISSING)
        .set_properties(subset=["Version"], color=link_color)
        .map(validation_color, subset=["Validation"])
    )


def column_config(metrics: list[str]) -> dict:
    number = st.column_config.NumberColumn(format="%.4f")
    return {
        "Version": VERSION,
        "Stage": STAGE,
        **{m: number for m in metrics},
        "Validation": st.column_config.TextColumn(
            width=110, help="The newest recorded validation on test data"
        ),
        "Aliases": st.column_config.ListColumn(),
        "Run": st.column_config.TextColumn(width="small", help="First characters of the run id"),
        "Created (UTC)": WHEN,
        "Description": st.column_config.TextColumn(width="large"),
    }
