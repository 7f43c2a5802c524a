"""Compare: two to five versions side by side, of one model or across models, in version
order and measured against a baseline."""

import streamlit as st

from registry.dashboard import (
    compare,
    feedback,
    figures,
    keys,
    links,
    session,
    tables,
    widgets,
)
from registry.dashboard.style import version_label

links.through_app(__file__)
client = session.client()
DIFFS = {
    "Version tags": compare.tags,
    "Input signature": compare.signature,
    "Environment": compare.environment,
}


def initial_picks() -> list[tuple[str, int]]:
    """From the link: ``versions=churn:3,churn:5``, or ``model`` and ``version`` (not those
    of another page's link, which Back from a clicked version lands on)."""
    picks = compare.parse_picks(st.query_params.get("versions"))
    name, number = links.requested_model(), links.requested_version()
    if not picks and name and number and links.linked_here("compare"):
        picks = [(name, number)]
    return picks


def pick_versions() -> list[tuple[str, int]]:
    picks = compare.adopt_link(keys.COMPARE_PICKS, initial_picks())
    with st.container(border=True):
        name = widgets.model_picker(
            client, keys.COMPARE_MODEL, current=picks[-1][0] if picks else None
        )
        version_col, add_col = st.columns([3, 1], vertical_alignment="top")
        with version_col:
            widgets.version_picker(client, name, keys.COMPARE_VERSION)
        add_col.space("small")
        add_col.button(
            "Add to comparison",
            key=keys.COMPARE_ADD,
            icon=":material/add:",
            width="stretch",
            on_click=compare.add_pick,
            disabled=len(picks) >= compare.MAX_PICKS,
            args=(keys.COMPARE_PICKS, keys.COMPARE_MODEL, keys.COMPARE_VERSION),
        )
    columns = st.columns(compare.MAX_PICKS)
    for column, pick in zip(columns, picks, strict=False):
        column.button(
            f"{version_label(pick[1], pick[0])}",
            key=f"{keys.COMPARE_REMOVE}_{pick[0]}_{pick[1]}",
            icon=":material/close:",
            on_click=compare.remove_pick,
            args=(keys.COMPARE_PICKS, pick),
            help="Remove from the comparison",
        )
    return picks


def metrics_section(candidates) -> None:
    st.subheader("Metrics")
    metrics = compare.metrics_frame(candidates)
    if metrics.empty:
        st.caption("None of these versions has a run with metrics.")
        return
    labels = list(metrics.columns)
    default = labels.index(compare.default_baseline(candidates))
    baseline_col, toggle_col = st.columns([2, 3], vertical_alignment="bottom")
    baseline = baseline_col.selectbox(
        "Baseline", labels, index=default, key=keys.COMPARE_BASELINE,
        help="The version the others are measured against (Production by default)",
    )  # fmt: skip
    if baseline not in labels:  # a baseline kept from other picks
        baseline = labels[default]
    show_all = toggle_col.toggle("Show identical metrics too", key=keys.COMPARE_ALL_METRICS)
    shown = metrics if show_all else compare.differing(metrics)
    if shown.empty:
        st.caption(f"All {len(metrics)} metrics are identical.")
        return
    st.dataframe(compare.styled_metrics(shown, baseline), width="stretch")
    hidden = len(metrics) - len(shown)
    st.caption(
        f"Against {baseline}: **green** is better, **red** worse; the best value is bold. "
        "Lower is better for errors, losses, latencies and sizes (rmse, mae, log_loss, …), "
        "higher for the rest."
        + (f" {hidden} identical metric{'s' if hidden != 1 else ''} hidden." if hidden else "")
    )
    st.plotly_chart(figures.compare_bars(shown), key=keys.COMPARE_CHART)


def diff_section(title: str | None, values: dict, only_differences: bool) -> None:
    if title:
        st.subheader(title)
    frame = compare.diff_frame(values, only_differences)
    if frame.empty:
        st.caption("Identical." if values and any(values.values()) else "Nothing recorded.")
        return
    st.dataframe(
        compare.styled_diff(frame),
        width="stretch",
        column_config={compare.DIFFERS: st.column_config.TextColumn(width="small")},
    )


def show(candidates) -> None:
    links.table_of_links(
        compare.overview_frame(candidates),
        keys.COMPARE_OVERVIEW,
        lambda row, _: links.version_target(
            candidates[row].version.name, candidates[row].version.version
        ),
        names=("Version",),
        column_config={"Stage": tables.STAGE, "Created (UTC)": tables.WHEN},
    )
    for column, c in zip(st.columns(len(candidates)), candidates, strict=True):
        with column:
            links.link_to_model(
                c.version.name, label=f"Act on {c.label}", version=c.version.version
            )
    metrics_section(candidates)
    params = {c.label: compare.params(c) for c in candidates}
    st.subheader("Parameters")
    show_all = st.toggle("Show identical parameters too", key=keys.COMPARE_ALL_PARAMS)
    diff_section(None, params, only_differences=not show_all)
    for title, read in DIFFS.items():
        diff_section(title, {c.label: read(c) for c in candidates}, only_differences=False)


st.title("Compare versions")
with feedback.page_guard():
    feedback.stop_if_empty(client)
    picks = pick_versions()
    links.mark_page("compare", versions=compare.linked(keys.COMPARE_PICKS, picks) or None)
    if len(picks) < 2:
        st.info("Add at least two versions (up to five) to compare them.", icon=":material/info:")
        st.stop()
    candidates, missing = compare.load_candidates(client, picks)
    candidates = compare.ordered(candidates)
    for name, number in missing:
        st.warning(f"{version_label(number, name)} does not exist (any more); it is left out.")
    if len(candidates) >= 2:
        show(candidates)
