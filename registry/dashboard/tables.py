"""DataFrames (with their column configs) built from registry entities, ready for st.dataframe."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from registry.dashboard.history import change_summary, event_label
from registry.dashboard.style import (
    STAGE_COLORS,
    STAGE_ORDER,
    format_bytes,
    format_time,
    short_hash,
    shorten,
    stage_label,
    to_utc,
)
from registry.entities import Change, Dataset, RegisteredModel

WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm", timezone="UTC")
VERSION = st.column_config.NumberColumn(format="v%d", width="small")
# Stages as coloured chips: cells hold [stage label].
STAGE = st.column_config.MultiselectColumn(
    options=[stage_label(s) for s in STAGE_ORDER],
    color=[STAGE_COLORS[s] for s in STAGE_ORDER],
    width=105,
)


def stage_chip(stage: str | None) -> list[str]:
    return [stage_label(stage)]


def chips_in(stage: str, cells: Iterable[list[str]]) -> st.column_config.MultiselectColumn:
    """A column of chips (such as version numbers) in ``stage``'s colour."""
    options = sorted({label for cell in cells for label in cell})
    return st.column_config.MultiselectColumn(
        stage, options=options, color=STAGE_COLORS[stage], width="small"
    )


ROW_HEIGHT = 35


def height_for(rows: int, most: int = 25) -> int:
    """Pixels that show ``rows`` rows (at most ``most``) and the header without scrolling."""
    return ROW_HEIGHT * (min(max(rows, 1), most) + 1) + 3


def _newest_number(model: RegisteredModel, stage: str | None = None) -> int | None:
    numbers = [v.version for v in model.latest_versions if stage in (None, v.current_stage)]
    return max(numbers, default=None)


def _newest(model: RegisteredModel, stage: str | None = None) -> list[str]:
    number = _newest_number(model, stage)
    return [] if number is None else [f"v{number}"]


VERSION_COLUMNS = {"Latest": None, "Production": "Production", "Staging": "Staging"}


def version_in(model: RegisteredModel, column: str) -> int | None:
    """The version a cell of models_frame's table names (Latest, Production, Staging)."""
    if column not in VERSION_COLUMNS:
        return None
    return _newest_number(model, VERSION_COLUMNS[column])


def models_frame(
    models: Iterable[RegisteredModel], archived: set[tuple[str, str]] = frozenset()
) -> pd.DataFrame:
    """One row per model: where its versions stand, its aliases (those in ``archived``, as
    (model, alias), marked as pointing at an archived version) and tags."""
    rows = [
        {
            "Model": m.name,
            "Latest": "".join(_newest(m)),
            "Production": _newest(m, "Production"),
            "Staging": _newest(m, "Staging"),
            "Aliases": [
                f"⚠ @{alias} → v{version} (archived)"
                if (m.name, alias) in archived
                else f"@{alias} → v{version}"
                for alias, version in m.aliases.items()
            ],
            "Tags": [f"{key}={value}" for key, value in sorted(m.tags.items())],
            "Updated (UTC)": to_utc(m.last_updated_timestamp),
            "Description": shorten(m.description, 60),
        }
        for m in models
    ]
    return pd.DataFrame(rows, columns=MODELS_ORDER)


MODELS_ORDER = ["Model", "Latest", "Production", "Staging", "Aliases", "Tags", "Updated (UTC)",
                "Description"]  # fmt: skip
MODELS_COLUMNS = {
    "Model": st.column_config.TextColumn(width="medium", help="Click a model to open it"),
    "Latest": st.column_config.TextColumn(width="small"),
    "Aliases": st.column_config.ListColumn(),
    "Tags": st.column_config.ListColumn(),
    "Updated (UTC)": WHEN,
    "Description": st.column_config.TextColumn(width="medium"),
}


def models_columns(frame: pd.DataFrame) -> dict:
    """Column config for models_frame's table: stage columns as chips in their colours."""
    stages = {stage: chips_in(stage, frame[stage]) for stage in ("Production", "Staging")}
    return {**MODELS_COLUMNS, **stages}


def history_frame(changes: Iterable[Change]) -> pd.DataFrame:
    rows = [
        {
            "When (UTC)": to_utc(c.timestamp),
            "Who": c.actor,
            "Action": event_label(c.event),
            "Model": c.model_name or "",
            "Version": f"v{c.version}" if c.version is not None else "",
            "Change": change_summary(c),
            "Comment": c.comment or "",
        }
        for c in changes
    ]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


HISTORY_COLUMNS = {  # widths in pixels: the feed fits a 1,000-pixel wide page
    "When (UTC)": st.column_config.DatetimeColumn(
        format="YYYY-MM-DD HH:mm", timezone="UTC", width=125
    ),
    "Who": st.column_config.TextColumn(width=70),
    "Action": st.column_config.TextColumn(width=165),
    "Model": st.column_config.TextColumn(width=140),
    "Version": st.column_config.TextColumn(width=55),
    "Change": st.column_config.TextColumn(width=230),
    "Comment": st.column_config.TextColumn(width=200),
}


def datasets_frame(datasets: Iterable[Dataset]) -> pd.DataFrame:
    rows = [
        {
            "Dataset": d.name,
            "Used for": d.context or "",
            "Rows": d.num_rows,
            "Columns": d.num_columns,
            "Size": format_bytes(d.size_bytes),
            "SHA-256": short_hash(d.digest, 16),
            "Source": d.source or "",
        }
        for d in datasets
    ]
    return pd.DataFrame(rows, columns=list(DATASET_COLUMNS))


DATASET_COLUMNS = {
    "Dataset": st.column_config.TextColumn(),
    "Used for": st.column_config.TextColumn(width="small"),
    "Rows": st.column_config.NumberColumn(format="localized"),
    "Columns": st.column_config.NumberColumn(format="%d"),
    "Size": st.column_config.TextColumn(width="small"),
    "SHA-256": st.column_config.TextColumn(help="First 16 hex digits of the content hash"),
    "Source": st.column_config.TextColumn(width="large"),
}


def key_values(
    values: dict[str, object], key: str = "Key", value: str = "Value", *, ordered: bool = False
) -> pd.DataFrame:
    """A two-column table of a mapping, sorted by key unless ``ordered`` keeps its order."""
    items = values.items() if ordered else sorted(values.items())
    return pd.DataFrame([(k, "" if v is None else str(v)) for k, v in items], columns=[key, value])


def validation_records_frame(records: list) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "When": format_time(r.creation_timestamp),
                "Data": r.data_name or r.data_sha256[:12],
                "Rows": r.num_rows,
                "Status": r.status,
                "Metrics": ", ".join(f"{k} {v:.3f}" for k, v in sorted(r.metrics.items())),
                "By": r.created_by,
            }
            for r in records
        ],
        columns=["When", "Data", "Rows", "Status", "Metrics", "By"],
    )
