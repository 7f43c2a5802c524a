"""History: everything that happened in the registry, and what was in a stage at a given time."""

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from registry.dashboard import feedback, keys, links, session, tables, widgets
from registry.dashboard.history import event_label, feed_changes, feed_models, feed_models_caption
from registry.dashboard.style import STAGE_ORDER, format_time, stage_label, version_label

PAGE_SIZE = 50

links.through_app(__file__)
client = session.client()


def _millis(day: date | None, end_of_day: bool = False) -> int | None:
    if day is None:
        return None
    moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def feed_filters() -> dict:
    model_col, user_col, event_col = st.columns([2, 2, 3])
    from_col, to_col, _ = st.columns([1, 1, 2])  # room for the whole date, on narrow pages too
    model = model_col.text_input(
        "Model", key=keys.HISTORY_MODEL, bind="query-params", placeholder="Part of a name"
    )
    user = user_col.text_input(
        "User", key=keys.HISTORY_USER, bind="query-params", placeholder="Who did it"
    )
    events = event_col.multiselect(
        "Action",
        client.get_history_events(),
        key=keys.HISTORY_EVENTS,
        bind="query-params",
        format_func=event_label,
        placeholder="Any action",
    )
    since = from_col.date_input(
        "From (UTC)", value=None, key=keys.HISTORY_FROM, bind="query-params"
    )
    until = to_col.date_input("To (UTC)", value=None, key=keys.HISTORY_TO, bind="query-params")
    return {
        "name": model.strip(),
        "actor": user.strip() or None,
        "events": events or None,
        "since": _millis(since),
        "until": _millis(until, end_of_day=True),
    }


def feed() -> None:
    wanted = feed_filters()
    scope = tuple(sorted((k, str(v)) for k, v in wanted.items()))
    if st.session_state.get(f"{keys.HISTORY_OFFSET}_scope") != scope:
        st.session_state[f"{keys.HISTORY_OFFSET}_scope"] = scope
        st.session_state[keys.HISTORY_OFFSET] = 0
    offset = st.session_state.get(keys.HISTORY_OFFSET, 0)
    name = wanted.pop("name")
    models = feed_models(client, name)
    said = feed_models_caption(name, models)
    if said:
        st.caption(said)
    changes = feed_changes(client, models, PAGE_SIZE + 1, offset, **wanted)
    if not changes:
        st.info("Nothing in the history matches these filters.", icon=":material/history:")
        return
    widgets.history_table(
        client,
        changes[:PAGE_SIZE],
        keys.HISTORY_TABLE,
        height=tables.height_for(len(changes), most=15),
    )
    shown, more = min(len(changes), PAGE_SIZE), len(changes) > PAGE_SIZE
    widgets.offset_controls(keys.HISTORY_OFFSET, offset, PAGE_SIZE, shown, more)


def stage_at_time() -> None:
    st.subheader("What was in a stage at a given time?")
    name = widgets.model_picker(
        client, keys.HISTORY_AT_MODEL, current=st.session_state.get(keys.HISTORY_LINKED)
    )
    stage_col, when_col = st.columns([1, 2])
    stage = stage_col.selectbox(
        "Stage", STAGE_ORDER, key=keys.HISTORY_AT_STAGE, format_func=stage_label
    )
    next_minute = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    st.session_state.setdefault(keys.HISTORY_AT_TIME, next_minute + timedelta(minutes=1))
    when = when_col.datetime_input(
        "At (UTC)", value=None, key=keys.HISTORY_AT_TIME, format="YYYY-MM-DD", step=60
    )
    if not name or when is None:
        return
    moment = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    found = client.get_versions_in_stage_at(name, stage, moment)
    at = format_time(int(moment.timestamp() * 1000))
    if not found:
        st.info(f"No version of {name} was in {stage_label(stage)} at {at}.")
        return
    listed = ", ".join(version_label(v.version) for v in found)
    st.success(f"At {at}, {name} had {listed} in {stage_label(stage)}.")
    for v in found:
        links.link_to_version(v.name, v.version)


st.title("History")
with feedback.page_guard():
    feedback.stop_if_empty(client)
    links.restore_view("history")
    linked = links.adopt_param("model", keys.HISTORY_MODEL)  # ?model=churn filters the feed
    if linked and client.find_registered_model(linked) is not None:
        st.session_state[keys.HISTORY_LINKED] = linked  # the stage question starts on it
    links.mark_page("history")
    feed()
    links.remember_view("history", keys.HISTORY_VIEW)
    stage_at_time()
