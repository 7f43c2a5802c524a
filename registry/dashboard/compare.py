"""Side-by-side comparison of 2-5 versions: metrics against a baseline, and diffs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from registry import RegistryClient
from registry.dashboard.manifests import ManifestView, version_manifest
from registry.dashboard.runs import find_run
from registry.dashboard.style import shorten, stage_label, to_utc, version_label, version_number
from registry.entities import ModelVersion, Run
from registry.validation.direction import best, improvement

MAX_PICKS = 5
BEST_STYLE = "font-weight: 700"
BETTER_STYLE = "background-color: rgba(26, 152, 80, 0.18)"
WORSE_STYLE = "background-color: rgba(215, 48, 39, 0.18)"
BETTER_TEXT = "color: #1a9850"
WORSE_TEXT = "color: #d73027"
DIFFERS_STYLE = "background-color: rgba(224, 130, 20, 0.12)"
DIFFERS = "Differs"


@dataclass(frozen=True)
class Candidate:
    """One version being compared, with its run and model file when they exist."""

    version: ModelVersion
    run: Run | None
    manifest: ManifestView | None

    @property
    def label(self) -> str:
        return version_label(self.version.version, self.version.name)


def parse_picks(text: str | None) -> list[tuple[str, int]]:
    """'churn:3,churn:5' -> [('churn', 3), ('churn', 5)]; malformed items are skipped."""
    picks: list[tuple[str, int]] = []
    for item in (text or "").split(","):
        name, _, number = item.strip().rpartition(":")
        if name and number.isdigit() and (name, int(number)) not in picks:
            picks.append((name, int(number)))
    return picks[:MAX_PICKS]


def format_picks(picks: list[tuple[str, int]]) -> str:
    return ",".join(f"{name}:{version}" for name, version in picks)


def adopt_link(key: str, linked: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The picks stored under ``key``; a link naming other versions than the ones this
    session last wrote into it (a shared link, Back, "Compare with Production") replaces
    them."""
    if linked and linked != st.session_state.get(f"{key}_linked"):
        st.session_state[key] = list(linked)
    return st.session_state.setdefault(key, [])


def linked(key: str, picks: list[tuple[str, int]]) -> str:
    """The ``versions`` parameter for ``picks``, remembered as written into the link."""
    st.session_state[f"{key}_linked"] = list(picks)
    return format_picks(picks)


def add_pick(key: str, model_key: str, version_key: str) -> None:
    """Button callback: add the chosen model version to the picks stored under ``key``."""
    name = st.session_state.get(model_key)
    number = version_number(st.session_state.get(version_key))
    picks = st.session_state.setdefault(key, [])
    if name and number and (name, number) not in picks and len(picks) < MAX_PICKS:
        picks.append((name, number))


def remove_pick(key: str, pick: tuple[str, int]) -> None:
    st.session_state[key] = [p for p in st.session_state.get(key, []) if p != pick]


def load_candidates(client: RegistryClient, picks: list[tuple[str, int]]):
    """(candidates, picks that no longer exist). A missing run leaves ``run`` None."""
    found, missing = [], []
    for name, number in picks:
        version = client.find_model_version(name, number)
        if version is None:
            missing.append((name, number))
            continue
        run = find_run(client, version.run_id)
        found.append(Candidate(version, run, version_manifest(version, run)))
    return found, missing


def overview_frame(candidates: list[Candidate]) -> pd.DataFrame:
    rows = [
        {
            "Version": c.label,
            "Stage": [stage_label(c.version.current_stage)],
            "Aliases": [f"@{a}" for a in c.version.aliases],
            "Created (UTC)": to_utc(c.version.creation_timestamp),
            "Author": c.version.user_id or "",
            "Description": shorten(c.version.description, 60),
        }
        for c in candidates
    ]
    return pd.DataFrame(rows)


def ordered(candidates: list[Candidate]) -> list[Candidate]:
    """Version order, not pick order: each model's versions oldest first, models in the order
    they were first picked."""
    models = list(dict.fromkeys(c.version.name for c in candidates))
    return sorted(candidates, key=lambda c: (models.index(c.version.name), c.version.version))


def default_baseline(candidates: list[Candidate]) -> str:
    """The label of the version to measure the others against: the first one in
    Production, else the oldest."""
    production = [c for c in candidates if c.version.current_stage == "Production"]
    return (production or candidates)[0].label


def metrics_frame(candidates: list[Candidate]) -> pd.DataFrame:
    """Rows are metric keys, columns the versions; NaN where a run did not log a metric."""
    data = {c.label: (c.run.data.metrics if c.run else {}) for c in candidates}
    return pd.DataFrame(data, dtype="float64").sort_index()


def differing(metrics: pd.DataFrame) -> pd.DataFrame:
    """Only the metrics whose values are not the same for every version."""
    return metrics[metrics.nunique(axis=1, dropna=False) > 1]


def delta_label(label: str, baseline: str) -> str:
    return f"Δ {label} − {baseline}"


def with_deltas(metrics: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The values, then for each other version its change from the ``baseline`` column."""
    others = [label for label in metrics.columns if label != baseline]
    deltas = {delta_label(o, baseline): metrics[o] - metrics[baseline] for o in others}
    return metrics.assign(**deltas)


def best_labels(metrics: pd.DataFrame) -> dict[str, str | None]:
    """For each metric, the column holding its best value (None when all are missing or tied)."""
    found = {}
    for metric, row in metrics.iterrows():
        values = row.dropna()
        top = best(str(metric), list(values)) if values.nunique() > 1 else None
        found[metric] = None if top is None else values[values == top].index[0]
    return found


def styled_metrics(metrics: pd.DataFrame, baseline: str):
    """The values and their changes from ``baseline``: better than the baseline tinted green,
    worse tinted red (whichever way the metric improves), the best value in bold."""
    top = best_labels(metrics)
    labels = list(metrics.columns)
    deltas = {delta_label(o, baseline): o for o in labels if o != baseline}

    def row_style(row: pd.Series) -> list[str]:
        styles = []
        for column in row.index:
            version = deltas.get(column, column)
            sign = improvement(str(row.name), row[version], row[baseline])
            tint = {1: BETTER_STYLE, -1: WORSE_STYLE}.get(sign, "")
            if column in deltas:
                tint = {1: BETTER_TEXT, -1: WORSE_TEXT}.get(sign, "")
            bold = BEST_STYLE if top[row.name] == column else ""
            styles.append(";".join(filter(None, (tint, bold))))
        return styles

    shown = with_deltas(metrics, baseline)
    formats = {col: "{:.4f}" if col in labels else "{:+.4f}" for col in shown.columns}
    return shown.style.apply(row_style, axis=1).format(formats, na_rep="–")


def diff_frame(values: dict[str, dict[str, str]], only_differences: bool) -> pd.DataFrame:
    """Rows are keys, columns the versions; rows that differ first, then the rest by key.

    ``values`` maps a version label to its key -> value mapping. With ``only_differences``
    the rows whose values are all equal are left out.
    """
    frame = pd.DataFrame(values, dtype="object").fillna("–")
    if frame.empty:
        return frame
    differs = frame.nunique(axis=1) > 1
    frame.insert(0, DIFFERS, differs.map({True: "≠", False: ""}))
    frame = frame.loc[differs.sort_index().sort_values(ascending=False, kind="stable").index]
    return frame[frame[DIFFERS] != ""] if only_differences else frame


def styled_diff(frame: pd.DataFrame):
    def row_style(row: pd.Series) -> list[str]:
        return [DIFFERS_STYLE if row[DIFFERS] else "" for _ in row.index]

    return frame.style.apply(row_style, axis=1)


def params(c: Candidate) -> dict[str, str]:
    return dict(c.run.data.params) if c.run else {}


def signature(c: Candidate) -> dict[str, str]:
    return dict(c.manifest.signature) if c.manifest else {}


def environment(c: Candidate) -> dict[str, str]:
    return dict(c.manifest.environment) if c.manifest else {}


def tags(c: Candidate) -> dict[str, str]:
    return dict(c.version.tags)
