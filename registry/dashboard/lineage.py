"""A version's lineage as a left-to-right graph: datasets -> run -> version -> stage, aliases.

Run, dataset and model names are user text: Plotly would render the HTML in them, so they
are escaped (``plain_html``) wherever they become text or hover labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from registry.dashboard.figures import styled
from registry.dashboard.markup import plain_html
from registry.dashboard.style import (
    STAGE_COLORS,
    format_bytes,
    short_hash,
    stage_label,
    version_label,
)
from registry.entities import ModelVersion, Run

KIND_COLORS = {"dataset": "#6a51a3", "run": "#2b8cbe", "version": "#252525", "alias": "#8856a7"}
COLUMNS = ("Data", "Run", "Version", "Stage & aliases")


@dataclass(frozen=True)
class Node:
    key: str
    column: int
    label: str  # plain text, like the caption
    caption: str  # one short line under the label
    color: str
    detail: str = ""  # shown on hover: Plotly HTML, its user text escaped


def _dataset_nodes(run: Run | None) -> list[Node]:
    return [
        Node(
            f"data{i}",
            0,
            d.name,
            f"{d.num_rows:,} rows" if d.num_rows else d.context or "",
            KIND_COLORS["dataset"],
            f"{format_bytes(d.size_bytes)} · sha256 {short_hash(d.digest)}<br>"
            f"{plain_html(d.source or '')}",
        )
        for i, d in enumerate(run.inputs if run else [])
    ]


def _run_node(version: ModelVersion, run: Run | None) -> list[Node]:
    if run is not None:
        info = run.info
        detail = (
            f"{plain_html(info.run_id)}<br>{plain_html(info.status)} · commit "
            f"{plain_html(short_hash(info.git_commit, 8))}"
        )
        label = info.run_name or short_hash(info.run_id, 8)
        return [Node("run", 1, label, info.experiment_name, KIND_COLORS["run"], detail)]
    if version.source:
        detail = plain_html(version.source)
        return [Node("run", 1, "source", "no run recorded", KIND_COLORS["run"], detail)]
    return []


def lineage_nodes(version: ModelVersion, run: Run | None) -> tuple[list[Node], list[tuple]]:
    """The graph's nodes (column 0 datasets ... 3 stage and aliases) and its edges."""
    upstream = _dataset_nodes(run)
    source = _run_node(version, run)
    label = version_label(version.version, version.name)
    model = Node("version", 2, label, version.user_id or "", KIND_COLORS["version"])
    stage = version.current_stage
    downstream = [Node("stage", 3, stage_label(stage), "stage", STAGE_COLORS.get(stage, "#999"))]
    downstream += [
        Node(f"@{a}", 3, f"@{a}", "alias", KIND_COLORS["alias"]) for a in version.aliases
    ]
    edges = [(n.key, "run") for n in upstream] if source else []
    edges += [("run", "version")] if source else []
    edges += [("version", n.key) for n in downstream]
    return [*upstream, *source, model, *downstream], edges


def _positions(nodes: list[Node]) -> dict[str, tuple[float, float]]:
    """Columns left to right; the nodes of a column spread evenly around y = 0."""
    positions = {}
    for column in range(len(COLUMNS)):
        mine = [n for n in nodes if n.column == column]
        for i, node in enumerate(mine):
            positions[node.key] = (float(column), (len(mine) - 1) / 2 - i)
    return positions


ARROW = {
    "showarrow": True,
    "arrowhead": 3,
    "arrowsize": 1.2,
    "arrowwidth": 1.5,
    "arrowcolor": "#9aa0a6",
    "xref": "x",
    "yref": "y",
    "axref": "x",
    "ayref": "y",
}
MUTED_TEXT = "#6b7280"


def _nodes_trace(nodes: list[Node], where: dict[str, tuple[float, float]]) -> go.Scatter:
    return go.Scatter(
        x=[where[n.key][0] for n in nodes],
        y=[where[n.key][1] for n in nodes],
        mode="markers+text",
        textposition="bottom center",
        showlegend=False,
        text=[
            f"<b>{plain_html(n.label)}</b><br>"
            f"<span style='color:{MUTED_TEXT}'>{plain_html(n.caption)}</span>"
            for n in nodes
        ],
        customdata=[n.detail or plain_html(n.caption) for n in nodes],
        hovertemplate="%{customdata}<extra></extra>",
        marker={
            "size": 24,
            "symbol": "square",
            "color": [n.color for n in nodes],
            "line": {"color": "white", "width": 2},
        },
    )


def lineage_figure(version: ModelVersion, run: Run | None) -> go.Figure:
    """The lineage graph: squares in columns, arrows along the edges, hover for details."""
    nodes, edges = lineage_nodes(version, run)
    where = _positions(nodes)
    fig = go.Figure(_nodes_trace(nodes, where))
    for start, end in edges:
        (x0, y0), (x1, y1) = where[start], where[end]
        fig.add_annotation(x=x1 - 0.1, y=y1, ax=x0 + 0.1, ay=y0, **ARROW)
    for column, title in enumerate(COLUMNS):
        fig.add_annotation(
            x=column,
            y=1,
            yref="paper",
            text=title,
            showarrow=False,
            yanchor="bottom",
            font={"color": MUTED_TEXT, "size": 12},
        )
    tallest = max(sum(1 for n in nodes if n.column == c) for c in range(len(COLUMNS)))
    fig.update_xaxes(visible=False, range=[-0.5, len(COLUMNS) - 0.5])
    fig.update_yaxes(visible=False, range=[-tallest / 2 - 0.4, tallest / 2])
    fig = styled(fig, height=110 + 70 * tallest)
    fig.update_layout(margin={"t": 30})
    return fig
