"""The Notifications page's logic: tables, status lines, and the writes its buttons ask for.

Every button asks the confirmation dialog (confirm.py) to confirm its write, as on the other
pages; Confirm applies it here, before the page renders, and the page shows one message. A
new webhook's signing secret is kept in session state and popped the moment it is shown: it
appears once, in one run, and never again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from registry import InvalidArgumentError, RegistryClient
from registry.client.notifications import subscription_spec
from registry.dashboard.actions import PendingAction, Plan
from registry.dashboard.feedback import Failed
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
NOTIFY_DRAFT = "notify_draft"

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


# -- actions: requested by the buttons, planned and applied by the confirmation dialog ----

KINDS = (  # the writes the confirmation dialog makes for this page
    "subscription_create",
    "subscription_test",
    "subscription_toggle",
    "subscription_delete",
    "delivery_redeliver",
)
UNRECORDED = ("subscription_test",)  # writes the history does not keep (the log does)


@dataclass(frozen=True)
class Draft:
    """The new-subscription form as it was when Create was pressed."""

    kind: str
    target: str
    events: tuple[str, ...]
    models: str
    description: str | None


def request_create() -> None:
    """The form's callback: ask to confirm a subscription made of the fields' values."""
    state = st.session_state
    state[NOTIFY_DRAFT] = Draft(
        state[NOTIFY_KIND],
        (state.get(NOTIFY_TARGET) or "").strip(),
        tuple(state.get(NOTIFY_EVENTS) or ["*"]),
        (state.get(NOTIFY_MODELS) or "").strip() or "*",
        (state.get(NOTIFY_DESCRIPTION) or "").strip() or None,
    )
    state[MODEL_PENDING] = PendingAction("subscription_create", "")


def request(kind: str, number: int | None) -> None:
    """A button's callback: ask to confirm ``kind`` on subscription or delivery ``number``."""
    if number is not None:
        st.session_state[MODEL_PENDING] = PendingAction(kind, "", key=str(number))


def plan(client: RegistryClient, a: PendingAction) -> Plan:
    if a.kind == "subscription_create":
        return _plan_create(client, st.session_state[NOTIFY_DRAFT])
    if a.kind == "delivery_redeliver":
        delivery = client.get_delivery(int(a.key))
        change = (
            f"**{plain(delivery_label(delivery))}**: queued again; the dispatcher sends it next"
        )
        return Plan(f"Redeliver delivery {delivery.id}", [change])
    found = client.get_subscription(int(a.key))
    label = f"**{plain(subscription_label(found))}**"
    if a.kind == "subscription_test":
        change = f"{label}: a `registry.test` event is sent now, once (kept in the delivery log)"
        return Plan(f"Send a test event to #{found.id}", [change])
    if a.kind == "subscription_toggle":
        verb = "Disable" if found.enabled else "Enable"
        change = (
            f"{label}: enabled → **disabled**; events meanwhile are skipped, pending ones wait"
            if found.enabled
            else f"{label}: disabled → **enabled**; new events and those that waited are sent"
        )
        return Plan(f"{verb} subscription #{found.id}", [change])
    change = f"{label}: deleted, with its secret and its delivery log"
    return Plan(f"Delete subscription #{found.id}", [change])


def _plan_create(client: RegistryClient, draft: Draft) -> Plan:
    changes = [
        f"**{plain(KIND_LABELS[draft.kind])}** to {plain(draft.target or '(no target)')}",
        f"Events: {plain(', '.join(draft.events))}; models: {plain(draft.models)}",
    ]
    if draft.description:
        changes.append(f"Description: {plain(shorten(draft.description, 120))}")
    notes = ("Its signing secret is shown once, after Confirm.",) if draft.kind == "webhook" else ()
    if draft.kind == "email" and smtp_missing(client):
        notes = (SMTP_MISSING,)
    blocked = None
    if client.home is not None:  # a registry server checks with its own settings
        try:
            subscription_spec(
                draft.kind, draft.target, list(draft.events), draft.models, draft.description
            )
        except InvalidArgumentError as error:
            blocked = str(error)
    return Plan(f"Create a {draft.kind} subscription", changes, blocked, notes)


def apply(client: RegistryClient, a: PendingAction, comment: str | None) -> str:
    """Make the change; the sentence saying what happened (a Failed one for a test event
    that did not get through)."""
    if a.kind == "subscription_create":
        return _create(client, st.session_state.pop(NOTIFY_DRAFT))
    number = int(a.key)
    if a.kind == "delivery_redeliver":
        client.redeliver(number)
        return f"Delivery {number} queued again; the dispatcher sends it next."
    if a.kind == "subscription_test":
        delivery = client.send_test_event(number)
        if delivery.state != "delivered":
            return Failed(f"Test event to #{number} failed: {delivery.last_error}")
        return (
            f"Test event delivered to #{number}: {delivery.last_status} in "
            f"{delivery.last_latency_ms:.0f} ms."
        )
    if a.kind == "subscription_toggle":
        if client.get_subscription(number).enabled:
            client.disable_subscription(number)
            return f"Subscription #{number} disabled: events are skipped."
        client.enable_subscription(number)
        return f"Subscription #{number} enabled."
    client.delete_subscription(number)
    return f"Subscription #{number} and its delivery log were deleted."


def _create(client: RegistryClient, draft: Draft) -> str:
    """Create it; keep it (with its secret) for one run and empty the form's free text."""
    created = client.create_subscription(
        draft.kind, draft.target, list(draft.events), draft.models, description=draft.description
    )
    st.session_state[NOTIFY_CREATED] = created
    st.session_state[NOTIFY_TARGET] = ""
    st.session_state[NOTIFY_DESCRIPTION] = ""
    return f"Subscription #{created.id} created: {created.kind} → {created.display_target}."


def take_created() -> Subscription | None:
    """The subscription created in this run, removed from the session as it is returned."""
    return st.session_state.pop(NOTIFY_CREATED, None)
