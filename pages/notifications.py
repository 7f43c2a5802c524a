"""Notifications: subscriptions (webhooks, Slack, email), test events and the delivery log."""

import streamlit as st

from registry.dashboard import confirm, feedback, keys, links, session, tables
from registry.dashboard import notifications as notify

links.through_app(__file__)
client = session.client()


def status() -> None:
    for line in notify.status_lines(client.get_notification_status()):
        st.warning(line, icon=":material/schedule_send:")


def new_secret() -> None:
    created = notify.take_created()
    if created is None:
        return
    if created.kind == "email" and notify.smtp_missing(client):
        st.warning(notify.SMTP_MISSING, icon=":material/mail:")
    if created.secret:
        st.info(
            "**Signing secret — shown only this once.** Copy it now (hover over the box for "
            "its copy button) into the receiver's configuration, which uses it to verify the "
            "`X-Registry-Signature` header.",
            icon=":material/key:",
        )
        st.code(created.secret, language=None)


def subscriptions() -> None:
    st.subheader("Subscriptions")
    found = client.list_subscriptions()
    if not found:
        st.info("No subscriptions yet: create one below.", icon=":material/notifications_off:")
        return
    st.dataframe(
        notify.subscriptions_frame(found),
        column_config=notify.SUBSCRIPTION_COLUMNS,
        hide_index=True,
        width="stretch",
        height=tables.height_for(len(found), most=10),
    )
    by_id = {s.id: s for s in found}
    pick = st.selectbox(
        "Subscription",
        list(by_id),
        format_func=lambda i: notify.subscription_label(by_id[i]),
        key=notify.NOTIFY_PICK,
    )
    chosen = by_id[pick]
    test_col, toggle_col, delete_col, _ = st.columns([1.2, 1, 1, 1.3])
    test_col.button(
        "Send test event", key=notify.NOTIFY_TEST, icon=":material/send:",
        on_click=notify.request, args=("subscription_test", chosen.id),
    )  # fmt: skip
    toggle_col.button(
        "Disable" if chosen.enabled else "Enable", key=notify.NOTIFY_TOGGLE,
        icon=":material/pause:" if chosen.enabled else ":material/play_arrow:",
        on_click=notify.request, args=("subscription_toggle", chosen.id),
    )  # fmt: skip
    delete_col.button(
        "Delete…", key=notify.NOTIFY_DELETE, icon=":material/delete:",
        on_click=notify.request, args=("subscription_delete", chosen.id),
    )  # fmt: skip


def create_form() -> None:
    st.subheader("New subscription")
    with st.container(border=True):
        kind = st.radio(
            "Kind", list(notify.KIND_LABELS), key=notify.NOTIFY_KIND, horizontal=True,
            format_func=notify.KIND_LABELS.get,
        )  # fmt: skip
        if kind == "email" and notify.smtp_missing(client):
            st.warning(notify.SMTP_MISSING, icon=":material/mail:")
        with st.form("notify_form", border=False):
            st.text_input(
                "Target: URL, or email addresses separated by commas",
                key=notify.NOTIFY_TARGET, placeholder=notify.TARGET_HELP.get(kind, ""),
            )  # fmt: skip
            events_col, models_col = st.columns(2)
            events_col.multiselect(
                "Events (globs; type your own)", notify.EVENT_CHOICES, default=["*"],
                key=notify.NOTIFY_EVENTS, accept_new_options=True,
            )  # fmt: skip
            models_col.text_input("Models (glob)", value="*", key=notify.NOTIFY_MODELS)
            st.text_input("Description (optional)", key=notify.NOTIFY_DESCRIPTION)
            st.form_submit_button(
                "Create subscription", key=notify.NOTIFY_CREATE, type="primary",
                on_click=notify.request_create,
            )  # fmt: skip
    st.caption(
        "Webhooks receive the event as JSON, signed with HMAC-SHA256. Email goes through the "
        "server set in `REGISTRY_SMTP_HOST`. Targets on private or loopback addresses are "
        "refused unless `REGISTRY_WEBHOOK_ALLOW` lists them."
    )


def delivery_log() -> None:
    st.subheader("Delivery log")
    subs = {s.id: s for s in client.list_subscriptions()}
    sub_col, state_col = st.columns(2)
    chosen = sub_col.selectbox(
        "Subscription", [None, *subs], key=notify.NOTIFY_LOG_SUBSCRIPTION,
        format_func=lambda i: "All" if i is None else notify.subscription_label(subs[i]),
    )  # fmt: skip
    attempts = client.get_delivery_log(subscription_id=chosen, max_results=200)
    if not attempts:
        st.info("No delivery attempts yet.", icon=":material/inbox:")
    else:
        st.dataframe(
            notify.log_frame(attempts),
            column_config=notify.LOG_COLUMNS,
            hide_index=True,
            width="stretch",
            height=tables.height_for(len(attempts), most=15),
        )
    failed = notify.redeliverable(client, chosen)
    if failed:
        pick_col, button_col = state_col.columns([2, 1], vertical_alignment="bottom")
        pick = pick_col.selectbox(
            "Dead or failing delivery", list(failed), key=notify.NOTIFY_REDELIVER_PICK,
            format_func=failed.get,
        )  # fmt: skip
        button_col.button(
            "Redeliver", key=notify.NOTIFY_REDELIVER, icon=":material/replay:",
            on_click=notify.request, args=("delivery_redeliver", pick),
        )  # fmt: skip


st.title("Notifications")
with feedback.page_guard():
    links.mark_page("notifications")
    feedback.show_flash(keys.MODEL_FLASH)
    new_secret()
    status()
    subscriptions()
    create_form()
    delivery_log()
    if confirm.pending() is not None:
        confirm.confirm_dialog()
