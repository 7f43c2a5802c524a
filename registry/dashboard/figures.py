"""Plotly figures built from entities and DataFrames; each returns a go.Figure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from registry.dashboard.style import STAGE_COLORS, STAGE_ORDER, format_metric, stage_label
from registry.entities import Metric

FONT = "Source Sans Pro, sans-serif"
MUTED = "#c7ccd4"
GRID = "#e8ebf0"
# Built once: applying plotly's named templates costs ~0.1 s per figure.
TEMPLATE = go.layout.Template(
    layout={
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": GRID, "zerolinecolor": GRID},
        "yaxis": {"gridcolor": GRID, "zerolinecolor": GRID},
    }
)


def styled(fig: go.Figure, *, height: int = 320, title: str | None = None) -> go.Figure:
    """The dashboard's common figure look."""
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        title={"text": title, "font": {"size": 15}} if title else None,
        font={"family": FONT, "size": 13},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


def metric_across_versions(
    points: list[tuple[int, str, float]], key: str, selected: int | None = None
) -> go.Figure:
    """``key`` per version (oldest left), each point in its stage colour."""
    points = sorted(points)
    fig = go.Figure(
        go.Scatter(
            x=[p[0] for p in points],
            y=[p[2] for p in points],
            mode="lines",
            line={"color": MUTED, "width": 2},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for stage in STAGE_ORDER:
        mine = [p for p in points if p[1] == stage]
        if mine:
            fig.add_trace(_stage_points(mine, stage, key, selected))
    fig.update_xaxes(title="Version", tickprefix="v", tickformat="d", showgrid=False)
    fig.update_yaxes(title=key, zeroline=False)
    return styled(fig)


def _stage_points(points, stage: str, key: str, selected: int | None) -> go.Scatter:
    sizes = [16 if p[0] == selected else 10 for p in points]
    return go.Scatter(
        x=[p[0] for p in points],
        y=[p[2] for p in points],
        mode="markers",
        name=stage_label(stage),
        marker={
            "color": STAGE_COLORS[stage],
            "size": sizes,
            "line": {"color": "white", "width": 1},
        },
        customdata=[[format_metric(p[2])] for p in points],
        hovertemplate=f"v%{{x}} · {stage_label(stage)}<br>{key} %{{customdata[0]}}<extra></extra>",
    )


def metric_histories(histories: dict[str, list[Metric]]) -> go.Figure:
    """One line per metric over its steps (markers alone when a metric has one value)."""
    fig = go.Figure()
    for key, history in histories.items():
        fig.add_trace(
            go.Scatter(
                x=[m.step for m in history],
                y=[m.value for m in history],
                name=key,
                mode="lines+markers" if len(history) > 1 else "markers",
                hovertemplate=f"{key}<br>step %{{x}}: %{{y:.4g}}<extra></extra>",
            )
        )
    last_step = max((m.step for h in histories.values() for m in h), default=0)
    fig.update_xaxes(title="Step", tickformat="d", dtick=1 if last_step <= 10 else None)
    fig.update_yaxes(title="Value")
    return styled(fig)


CROWDED_BARS = 3  # versions per group from which value labels stand upright


def compare_bars(metrics: pd.DataFrame, colors: dict[str, str] | None = None) -> go.Figure:
    """Grouped bars: one group per metric (rows), one bar per version (columns). From three
    versions on, a bar is narrower than its value written across: the labels then stand
    upright above their bars, with room for them under the top of the plot."""
    crowded = len(metrics.columns) >= CROWDED_BARS
    fig = go.Figure()
    for label in metrics.columns:
        values = metrics[label]
        fig.add_trace(
            go.Bar(
                x=list(metrics.index),
                y=list(values),
                name=label,
                marker_color=(colors or {}).get(label),
                text=[format_metric(v) if pd.notna(v) else "" for v in values],
                textposition="outside",
                textangle=-90 if crowded else 0,
                textfont={"size": 11 if crowded else 13},
                cliponaxis=False,
                hovertemplate=f"{label}<br>%{{x}}: %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title="Value")
    found = metrics.stack().dropna()
    if crowded and len(found):
        low, high = min(0.0, float(found.min())), max(0.0, float(found.max()))
        pad = (high - low) * 0.25 or 1.0  # room for the upright labels
        fig.update_yaxes(range=[low - pad if low < 0 else 0.0, high + pad])
    return styled(fig, height=360)
