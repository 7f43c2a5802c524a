"""The Notifications page's logic: tables, status lines, and the actions its buttons run.

Actions run as widget callbacks (before the page renders, so the lists show their effect)
and leave their message in session state. A new webhook's signing secret travels the same
way and is popped the moment it is shown: it appears once, in one run, and never again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

import pandas as pd
import streamlit as st

from registry import RegistryClient, RegistryError
from registry.dashboard.actions import PendingAction, Plan
from registry.dashboard.keys import MODEL_PENDING
from registry.dashboard.markup import plain
from registry.dashboard.style import shorten, to_utc
from registry.notifications.subscriptions import Delivery, DeliveryAttempt, Subscription

# Session-state keys, prefixed by the page.
NOTIFY_KIND = "notify_kind"
NOTIFY_TARGET = "notify_target"
NOTIFY_EVENTS = "notify_events"
NOTIFY_MODELS = "notify_models"
NOTIFY_DESCRIPTION = "notify_description"
NOTIFY_CREATE = "notify_create"
NOTIFY_CREATED = "notify_created"
NOTIFY_PICK = "notify_pick"
NOTIFY_TEST = "notify_test"
NOTIFY_TOGGLE = "notify_toggle"
NOTIFY_DELETE = "notify_delete"
NOTIFY_LOG_SUBSCRIPTION = "notify_log_subscription"
NOTIFY_LOG_STATE = "notify_log_state"
NOTIFY_REDELIVER_PICK = "notify_redeliver_pick"
NOTIFY_REDELIVER = "notify_redeliver"
NOTIFY_MESSAGE = "notify_message"

KIND_LABELS = {
    "webhook": "Webhook (signed JSON)",
    "slack": "Slack incoming webhook",
    "email": "Email",
}
TARGET_HELP = {
    "webhook": "https://ci.example.com/hooks/registry",
    "slack": "https://hooks.slack.com/services/…",
    "email": "ml-ops@example.com, reviewers@example.com",
}
EVENT_CHOICES = [
    "*",
    "model_version.*",
    "model_version.stage_transitioned",
    "model_version.created",
    "model_version.tag_*",
    "registered_model.*",
    "registered_model.alias_*",
]
SUBSCRIPTION_COLUMNS = {
    "Delivered": st.column_config.NumberColumn(width="small"),
    "Pending": st.column_config.NumberColumn(width="small"),
    "Dead": st.column_config.NumberColumn(width="small"),
    "Last attempt (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
}
LOG_COLUMNS = {
    "Started (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
    "Status": st.column_config.NumberColumn(format="%d", width="small"),
    "Latency (ms)": st.column_config.NumberColumn(format="%.0f", width="small"),
}


def subscriptions_frame(subscriptions: Iterable[Subscription]) -> pd.DataFrame:
    """One row per subscription: what it sends where, its state and delivery counts."""
    rows = [
        {
            "ID": s.id,
            "Kind": s.kind,
            "State": "enabled" if s.enabled else "disabled",
            "Events": ", ".join(s.events),
            "Models": s.model_pattern,
            "Target": s.display_target,
            "Delivered": s.delivered,
            "Pending": s.pending,
            "Dead": s.dead,
            "Last attempt (UTC)": to_utc(s.last_attempt_at),
            "Last error": shorten(s.last_error, 80) if s.last_error else "",
            "Description": s.description or "",
        }
        for s in subscriptions
    ]
    return pd.DataFrame(rows)


def log_frame(attempts: Iterable[DeliveryAttempt]) -> pd.DataFrame:
    """The delivery log: one row per attempt, newest first."""
    rows = [
        {
            "Delivery": a.delivery_id,
            "Attempt": a.attempt,
            "Subscription": a.subscription_id,
            "Event": a.event,
            "Model": "" if a.model is None else f"{a.model} v{a.version}" if a.version else a.model,
            "Started (UTC)": to_utc(a.started_at),
            "Status": a.status_code,
            "Latency (ms)": a.latency_ms,
            "Error": a.error or "",
            "Delivery state": a.state,
            "Response": shorten(a.response_excerpt, 80) if a.response_excerpt else "",
        }
        for a in attempts
    ]
    return pd.DataFrame(rows)


def subscription_label(subscription: Subscription) -> str:
    state = "" if subscription.enabled else " (disabled)"
    return f"#{subscription.id} {subscription.kind} → {subscription.display_target}{state}"


def status_lines(status: dict) -> list[str]:
    """Warnings about the dispatcher's backlog and dead-lettered deliveries."""
    lines = []
    waiting, dead = status.get("waiting_events") or 0, status.get("dead") or 0
    if waiting:
        lines.append(
            f"{_count(waiting, 'event waits', 'events wait')} for the dispatcher: run "
            "`registry dispatch` next to the dashboard (or start its background dispatcher)."
        )
    if dead:
        lines.append(
            f"{_count(dead, 'delivery is', 'deliveries are')} dead-lettered: see the delivery "
            "log below, fix the receiver, then redeliver."
        )
    return lines


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def redeliverable(client: RegistryClient, subscription_id: int | None) -> dict[int, str]:
    """Dead deliveries, and pending ones whose last attempt failed, newest first, with a
    label for each: {delivery id: 'Delivery 7: model_version.created (churn v3) to #2, dead'}."""
    dead = client.list_deliveries(subscription_id, "dead", max_results=200)
    failing = [d for d in client.list_deliveries(subscription_id, "pending", 200) if d.last_error]
    return {d.id: delivery_label(d) for d in sorted([*dead, *failing], key=lambda d: -d.id)}


def delivery_label(delivery: Delivery) -> str:
    subject = "" if delivery.model is None else f" ({delivery.model} v{delivery.version})"
    if delivery.model is not None and delivery.version is None:
        subject = f" ({delivery.model})"
    return (
        f"Delivery {delivery.id}: {delivery.event}{subject} to #{delivery.subscription_id}, "
        f"{delivery.state}"
    )


SMTP_MISSING = (
    "No mail server is configured (`REGISTRY_SMTP_HOST` is unset), so email subscriptions "
    "are not delivered: set it (and `REGISTRY_SMTP_FROM`, ...) where notifications are "
    "delivered, for this dashboard's dispatcher or `registry dispatch`."
)


def smtp_missing(client: RegistryClient) -> bool:
    """Email cannot be delivered from here: an embedded registry whose environment names no
    mail server (a registry server delivers with its own settings, unknown here)."""
    return client.home is not None and not os.environ.get("REGISTRY_SMTP_HOST", "").strip()


# -- actions (widget callbacks) -------------------------------------------------------------


def create_from_form(client: RegistryClient) -> None:
    """Create a subscription from the form's fields; keep it (with its secret) for one run."""
    state = st.session_state
    with _reported():
        created = client.create_subscription(
            state[NOTIFY_KIND],
            state.get(NOTIFY_TARGET, "").strip(),
            list(state.get(NOTIFY_EVENTS) or ["*"]),
            state.get(NOTIFY_MODELS, "").strip() or "*",
            description=state.get(NOTIFY_DESCRIPTION, "").strip() or None,
        )
        state[NOTIFY_CREATED] = created
        state[NOTIFY_TARGET] = ""
        state[NOTIFY_DESCRIPTION] = ""


def take_created() -> Subscription | None:
    """The subscription created in this run, removed from the session as it is returned."""
    return st.session_state.pop(NOTIFY_CREATED, None)


def send_test(client: RegistryClient, subscription_id: int) -> None:
    with _reported():
        delivery = client.send_test_event(subscription_id)
        if delivery.state == "delivered":
            _say("success", f"Test event delivered to #{subscription_id}: "
                 f"{delivery.last_status} in {delivery.last_latency_ms:.0f} ms.")  # fmt: skip
        else:
            _say("error", f"Test event to #{subscription_id} failed: {delivery.last_error}")


def toggle(client: RegistryClient, subscription: Subscription) -> None:
    with _reported():
        if subscription.enabled:
            client.disable_subscription(subscription.id)
            _say("success", f"Subscription #{subscription.id} disabled: events are skipped.")
        else:
            client.enable_subscription(subscription.id)
            _say("success", f"Subscription #{subscription.id} enabled.")


KINDS = ("subscription_delete",)  # the writes the confirmation dialog makes for this page


def request_delete(subscription_id: int) -> None:
    """The Delete button's callback: ask to confirm deleting the subscription."""
    st.session_state[MODEL_PENDING] = PendingAction(
        "subscription_delete", "", key=str(subscription_id)
    )


def plan(client: RegistryClient, a: PendingAction) -> Plan:
    found = client.get_subscription(int(a.key))
    change = (
        f"**{plain(subscription_label(found))}**: deleted, with its secret and its delivery log"
    )
    return Plan(f"Delete subscription #{found.id}", [change])


def apply(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    client.delete_subscription(int(a.key))
    return f"Subscription #{a.key} and its delivery log were deleted."


def redeliver(client: RegistryClient, delivery_id: int | None) -> None:
    if delivery_id is None:
        return
    with _reported():
        client.redeliver(delivery_id)
        _say("success", f"Delivery {delivery_id} queued again; the dispatcher sends it next.")


def show_message() -> None:
    """The message the last action left, once."""
    found = st.session_state.pop(NOTIFY_MESSAGE, None)
    if found:
        level, text = found
        (st.success if level == "success" else st.error)(text)


def _say(level: str, text: str) -> None:
    st.session_state[NOTIFY_MESSAGE] = (level, text)


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Turn a RegistryError inside the block into an error message for the page."""
    try:
        yield
    except RegistryError as error:
        _say("error", str(error))
