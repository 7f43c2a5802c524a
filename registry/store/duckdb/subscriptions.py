"""SQL for subscriptions: create, list, pause, resume and delete, each recorded in the history.

The history is also the event outbox, so these ``subscription.*`` changes are delivered to
the subscribers of every event like any other change; they carry the target masked
(``mask_target``: a Slack URL is a credential) and never the signing secret.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from registry.errors import NotFoundError
from registry.notifications.subscriptions import Subscription, mask_target
from registry.store.duckdb.changes import NewChange, record

_SUBSCRIPTION = """
SELECT s.id, s.kind, s.target, s.events, s.model_pattern, s.enabled, s.description,
    s.created_by, s.creation_timestamp, s.last_updated_timestamp,
    count(d.id) FILTER (WHERE d.state IN ('pending', 'sending')),
    count(d.id) FILTER (WHERE d.state = 'delivered'),
    count(d.id) FILTER (WHERE d.state = 'dead'),
    max(d.updated_at) FILTER (WHERE d.attempts > 0),
    (array_agg(d.last_error ORDER BY d.updated_at DESC NULLS LAST)
        FILTER (WHERE d.attempts > 0))[1]
FROM subscriptions s LEFT JOIN deliveries d ON d.subscription_id = s.id
WHERE {where} GROUP BY s.id, s.kind, s.target, s.events, s.model_pattern, s.enabled,
    s.description, s.created_by, s.creation_timestamp, s.last_updated_timestamp
ORDER BY s.id
"""


class SubscriptionQueries:
    """Subscriptions and their history rows (mixed into NotificationQueries)."""

    _lease: Any

    def create_subscription(self, spec: dict[str, Any], actor: str, ts: int) -> Subscription:
        """Store a subscription (``spec``: kind, target, secret, events, model_pattern,
        description) and its ``subscription.created`` change; it receives events recorded
        after that change."""
        with self._lease.transaction() as cur:
            number = cur.execute("SELECT nextval('subscription_id_seq')").fetchone()[0]
            about = _described(number, spec["kind"], spec["target"], actor, spec["events"],
                               spec["model_pattern"])  # fmt: skip
            created = NewChange(
                "subscription.created", None, key=str(number), new=about["target"], payload=about
            )
            # Recorded first, so the subscription starts after its own creation.
            record(cur, actor, ts, [created])
            cur.execute(
                "INSERT INTO subscriptions (id, kind, target, secret, events, model_pattern, "
                "description, created_by, creation_timestamp, last_updated_timestamp, "
                "start_after_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "(SELECT coalesce(max(id), 0) FROM changes))",
                [number, spec["kind"], spec["target"], spec["secret"], spec["events"],
                 spec["model_pattern"], spec["description"], actor, ts, ts],
            )  # fmt: skip
            stored = fetch_subscription(cur, number)
        return replace(stored, secret=spec["secret"])

    def list_subscriptions(self) -> list[Subscription]:
        with self._lease.cursor() as cur:
            rows = cur.execute(_SUBSCRIPTION.format(where="TRUE")).fetchall()
        return [_to_subscription(row) for row in rows]

    def get_subscription(self, subscription_id: int) -> Subscription:
        with self._lease.cursor() as cur:
            return fetch_subscription(cur, subscription_id)

    def set_subscription_enabled(
        self, subscription_id: int, enabled: bool, actor: str, ts: int
    ) -> Subscription:
        """Pause or resume, recording ``subscription.enabled``/``.disabled`` when that changes
        anything. Raises NotFoundError."""
        with self._lease.transaction() as cur:
            found = fetch_subscription(cur, subscription_id)
            if found.enabled == enabled:
                return found
            cur.execute(
                "UPDATE subscriptions SET enabled = ?, last_updated_timestamp = ? WHERE id = ?",
                [enabled, ts, subscription_id],
            )
            event = "subscription.enabled" if enabled else "subscription.disabled"
            record(cur, actor, ts, [subscription_change(event, found)])
            return fetch_subscription(cur, subscription_id)

    def delete_subscription(self, subscription_id: int, actor: str, ts: int) -> None:
        """Remove the subscription, its secret, its deliveries and their log, recording
        ``subscription.deleted``. Raises NotFoundError."""
        with self._lease.transaction() as cur:
            found = fetch_subscription(cur, subscription_id)
            cur.execute(
                "DELETE FROM delivery_attempts WHERE delivery_id IN "
                "(SELECT id FROM deliveries WHERE subscription_id = ?)",
                [subscription_id],
            )
            cur.execute("DELETE FROM deliveries WHERE subscription_id = ?", [subscription_id])
            cur.execute("DELETE FROM subscriptions WHERE id = ?", [subscription_id])
            record(cur, actor, ts, [subscription_change("subscription.deleted", found)])


def fetch_subscription(cur, subscription_id: int) -> Subscription:
    row = cur.execute(_SUBSCRIPTION.format(where="s.id = ?"), [subscription_id]).fetchone()
    if row is None:
        raise NotFoundError(f"Subscription {subscription_id} not found")
    return _to_subscription(row)


def _to_subscription(row: tuple) -> Subscription:
    return Subscription(*row[:3], list(row[3]), *row[4:])


def subscription_change(event: str, subscription: Subscription, **extra: Any) -> NewChange:
    """A history row about ``subscription``: its target masked, never its secret."""
    s = subscription
    payload = _described(s.id, s.kind, s.target, s.created_by, s.events, s.model_pattern)
    return NewChange(event, None, key=str(s.id), new=s.display_target, payload=payload | extra)


def _described(number: int, kind: str, target: str, owner: str, events, models: str) -> dict:
    return {
        "subscription_id": number, "kind": kind, "target": mask_target(kind, target),
        "owner": owner, "events": list(events), "model_pattern": models,
    }  # fmt: skip
