"""SQL for notifications: deliveries, the delivery log and the outbox cursor (subscriptions
themselves: ``subscriptions.py``).

The dispatcher reads the outbox (``changes``) after its cursor and, in the same short
transaction, creates one delivery per matching subscription and moves the cursor: a crash
before the commit leaves both as they were, so no event is skipped and none is fanned out
twice. An attempt is claimed (the delivery's state becomes ``sending`` until a deadline past
the attempt's time limit) before it is sent, and logged after; a claim whose dispatcher died
expires, is logged as interrupted, and the delivery is attempted again. ``dispatch_pass``
does a dispatcher's whole pass (log the attempts that ended, fan out, claim) in one
transaction: one commit, and the log of one batch lands together with the next claim.
Policy (retry or dead-letter, when) is the dispatcher's: these methods only apply it.
"""

from __future__ import annotations

from typing import Any

import duckdb

from registry.entities import Change
from registry.errors import NotFoundError
from registry.notifications.subscriptions import Delivery, DeliveryAttempt, DeliveryJob, Outcome
from registry.store.duckdb.changes import record, to_change
from registry.store.duckdb.delivery_log import log_attempts, results_of
from registry.store.duckdb.parsed import run
from registry.store.duckdb.subscriptions import (
    SubscriptionQueries,
    fetch_subscription,
    subscription_change,
)

CURSOR = "dispatcher"
INTERRUPTED = "interrupted: the attempt ended without a result (dispatcher stopped or timed out)"
_DELIVERY_COLUMNS = (
    "d.id, d.subscription_id, d.change_id, d.event, d.model_name, d.version, d.state, "
    "d.attempts, d.next_attempt_at, d.created_at, d.updated_at, d.last_status, "
    "d.last_latency_ms, d.last_error"
)
_CHANGE_COLUMNS = (
    "c.id, c.ts, c.actor, c.event, c.model_name, c.version, c.key, c.old_value, c.new_value, "
    "c.comment, c.payload"
)


class NotificationQueries(SubscriptionQueries):
    """Subscriptions, deliveries, the delivery log and the outbox cursor."""

    _lease: Any

    # -- the outbox ----------------------------------------------------------------------------

    def fan_out_events(self, now: int, limit: int = 1000) -> tuple[int, int, bool]:
        """Create deliveries for up to ``limit`` events after the cursor and move it.
        Returns (events read, deliveries created, whether more events wait)."""
        with self._lease.transaction() as cur:
            return _fan_out(cur, now, limit, careful=True)

    def dispatch_pass(
        self,
        outcomes: list[Outcome],
        now: int,
        *,
        fan_out: int,
        claim_until: int,
        limit: int,
        per_subscription: int,
        running: dict[int, int],
    ) -> tuple[int, bool, list[DeliveryJob]]:
        """A dispatcher's pass in one transaction (one commit): ``record_attempts(outcomes)``,
        ``fan_out_events(now, fan_out)``, then claim up to ``limit`` due deliveries (as
        ``claim_deliveries``), a subscription with ``running[id]`` attempts under way getting
        at most ``per_subscription`` minus those. Returns (deliveries created, whether more
        events wait, the jobs claimed)."""
        results = results_of(outcomes) if outcomes else None
        claim = (now, claim_until, limit, per_subscription, running)
        try:
            return self._pass(results, False, now, fan_out, claim)
        except duckdb.ConstraintException:
            # An attempt already logged as interrupted (its claim expired) ended after all:
            # its real result replaces that row. Rare, and DuckDB's ON CONFLICT costs more
            # than the statement (5 of 8 CPU ms for the fan-out), so plain INSERTs go first.
            return self._pass(results, True, now, fan_out, claim)

    def _pass(self, results, careful: bool, now: int, fan_out: int, claim: tuple):
        with self._lease.transaction() as cur:
            if results is not None:
                log_attempts(cur, results, now, careful)
            _read, created, more = _fan_out(cur, now, fan_out, careful)
            jobs = _claim(cur, *claim) if claim[2] > 0 else []
        return created, more, jobs

    def outbox_status(self) -> dict[str, int | None]:
        """cursor, latest_change, enabled_subscriptions, waiting_events (not yet fanned out
        although a subscription may want them), and for enabled subscriptions the pending and
        dead deliveries and next_due (ms of the earliest pending attempt)."""
        with self._lease.cursor() as cur:
            row = run(
                cur,
                "WITH o AS (SELECT coalesce((SELECT last_change_id FROM outbox_cursors "
                "WHERE name = ?), 0) AS c, (SELECT min(start_after_change) FROM subscriptions "
                "WHERE enabled) AS f) "
                "SELECT (SELECT c FROM o), (SELECT coalesce(max(id), 0) FROM changes),"
                " (SELECT count(*) FROM subscriptions WHERE enabled),"
                " (SELECT count(*) FROM changes, o WHERE f IS NOT NULL AND id > greatest(c, f)),"
                " count(*) FILTER (WHERE d.state IN ('pending', 'sending')),"
                " count(*) FILTER (WHERE d.state = 'dead'),"
                " min(d.next_attempt_at) FILTER (WHERE d.state IN ('pending', 'sending'))"
                " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled",
                [CURSOR],
            ).fetchone()
        keys = ("cursor", "latest_change", "enabled_subscriptions", "waiting_events", "pending")
        return dict(zip((*keys, "dead", "next_due"), row, strict=True))

    # -- attempts ------------------------------------------------------------------------------

    def claim_deliveries(
        self, *, now: int, claim_until: int, limit: int, per_subscription: int, busy: list[int]
    ) -> list[DeliveryJob]:
        """Claim up to ``limit`` due deliveries of enabled subscriptions, oldest first, at
        most ``per_subscription`` of each and none of the ``busy`` subscriptions."""
        running = dict.fromkeys(busy, per_subscription)
        with self._lease.transaction() as cur:
            return _claim(cur, now, claim_until, limit, per_subscription, running)

    def create_test_delivery(
        self, subscription_id: int, actor: str, now: int, claim_until: int
    ) -> DeliveryJob:
        """A claimed delivery of a test event to the subscription (raises NotFoundError)."""
        with self._lease.transaction() as cur:
            found = cur.execute(
                "SELECT kind, target, secret FROM subscriptions WHERE id = ?", [subscription_id]
            ).fetchone()
            if found is None:
                raise NotFoundError(f"Subscription {subscription_id} not found")
            row = cur.execute(
                "INSERT INTO deliveries (subscription_id, event, state, attempts, "
                "next_attempt_at, created_at, updated_at, requested_by) "
                "VALUES (?, 'registry.test', 'sending', 1, ?, ?, ?, ?) RETURNING id",
                [subscription_id, claim_until, now, now, actor],
            ).fetchone()
        kind, target, secret = found
        return DeliveryJob(row[0], 1, subscription_id, kind, target, secret, None, actor,
                           started_at=now)  # fmt: skip

    def record_attempts(self, outcomes: list[Outcome], now: int) -> None:
        """Log each attempt and move its delivery to the decided state (unless the delivery
        was claimed again meanwhile, its claim having expired)."""
        if not outcomes:
            return
        results = results_of(outcomes)
        try:
            self._log_attempts(results, now, careful=False)
        except duckdb.ConstraintException:  # as in dispatch_pass
            self._log_attempts(results, now, careful=True)

    def _log_attempts(self, results: dict[str, list], now: int, careful: bool) -> None:
        with self._lease.transaction() as cur:
            log_attempts(cur, results, now, careful)

    def expire_claims(self, now: int, max_attempts: int) -> int:
        """Release claims whose time ran out (their dispatcher died or stalled): log the
        attempt as interrupted, and dead-letter the delivery if that was its last attempt.
        Returns how many claims expired."""
        with self._lease.cursor() as cur:  # usually none: then no transaction, no ON CONFLICT
            if not run(cur, _ANY_EXPIRED, [now]).fetchone()[0]:
                return 0
        with self._lease.transaction() as cur:
            expired = cur.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, "
                "error) SELECT id, attempts, updated_at, ?, ? FROM deliveries "
                "WHERE state = 'sending' AND next_attempt_at <= ? ON CONFLICT DO NOTHING",
                [now, INTERRUPTED, now],
            ).fetchone()[0]
            cur.execute(
                "UPDATE deliveries SET updated_at = ?, last_status = NULL, "
                "last_latency_ms = NULL, last_error = ?, state = CASE WHEN attempts - "
                "round_start >= CASE WHEN change_id IS NULL THEN 1 ELSE ? END THEN 'dead' "
                "ELSE 'pending' END, next_attempt_at = CASE WHEN attempts - round_start >= "
                "CASE WHEN change_id IS NULL THEN 1 ELSE ? END THEN NULL ELSE ? END "
                "WHERE state = 'sending' AND next_attempt_at <= ?",
                [now, INTERRUPTED, max_attempts, max_attempts, now, now],
            )
        return expired

    def prune_deliveries(self, before: int) -> int:
        """Delete delivered deliveries last updated before ``before`` (ms), with their log;
        dead and pending ones stay. Returns how many were deleted."""
        with self._lease.transaction() as cur:
            cur.execute(
                "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries "
                "WHERE state = 'delivered' AND updated_at < ?)",
                [before],
            )
            return cur.execute(
                "DELETE FROM deliveries WHERE state = 'delivered' AND updated_at < ?", [before]
            ).fetchone()[0]

    # -- the delivery log ----------------------------------------------------------------------

    def list_deliveries(
        self, subscription_id: int | None, state: str | None, limit: int
    ) -> list[Delivery]:
        where, params = _delivery_filter(subscription_id, state)
        with self._lease.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d WHERE {where} "
                "ORDER BY d.id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def get_delivery(self, delivery_id: int) -> Delivery:
        with self._lease.cursor() as cur:
            return _fetch_delivery(cur, delivery_id)

    def list_delivery_attempts(
        self, delivery_id: int | None, subscription_id: int | None, limit: int
    ) -> list[DeliveryAttempt]:
        """The log, newest attempt first."""
        where, params = _delivery_filter(subscription_id, None)
        if delivery_id is not None:
            where, params = f"{where} AND d.id = ?", [*params, delivery_id]
        with self._lease.cursor() as cur:
            rows = cur.execute(
                "SELECT a.delivery_id, a.attempt, a.started_at, a.finished_at, a.status_code, "
                "a.latency_ms, a.error, a.response_excerpt, d.subscription_id, d.event, "
                "d.model_name, d.version, d.state FROM delivery_attempts a JOIN deliveries d "
                f"ON d.id = a.delivery_id WHERE {where} "
                "ORDER BY a.started_at DESC, a.delivery_id DESC, a.attempt DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [DeliveryAttempt(*row) for row in rows]

    def redeliver(self, delivery_id: int, actor: str, now: int) -> Delivery:
        """Make a delivery due now with a fresh round of attempts (unless an attempt at it is
        running right now), recording ``subscription.redelivered``. Raises NotFoundError."""
        with self._lease.transaction() as cur:
            delivery = _fetch_delivery(cur, delivery_id)
            cur.execute(
                "UPDATE deliveries SET state = 'pending', round_start = attempts, "
                "next_attempt_at = ?, updated_at = ?, requested_by = ? "
                "WHERE id = ? AND state != 'sending'",
                [now, now, actor, delivery_id],
            )
            found = fetch_subscription(cur, delivery.subscription_id)
            redelivered = subscription_change(
                "subscription.redelivered",
                found,
                delivery_id=delivery_id,
                delivery_event=delivery.event,
            )
            record(cur, actor, now, [redelivered])
            return _fetch_delivery(cur, delivery_id)


def _fan_out(cur, now: int, limit: int, careful: bool) -> tuple[int, int, bool]:
    """Deliveries for up to ``limit`` events after the cursor, which moves past them;
    ``careful``: one that exists already is left alone (never expected: the cursor moves
    with the fan-out) rather than failing the transaction."""
    cursor, first, latest = run(cur, _OUTBOX_STATE, [CURSOR]).fetchone()
    if latest <= cursor:
        return 0, 0, False
    start = cursor if first is None else max(cursor, first)
    # Ids only grow: at most ``limit`` events wait when the span is that short, and the
    # batch then ends at the latest without a statement to find its end.
    upto = latest if first is None or latest - start <= limit else _batch_end(cur, start, limit)
    if first is None or upto <= start:
        created = 0
    else:
        created = _insert_deliveries(cur, start, upto, now, careful)
    moved = run(cur, _MOVE_CURSOR, [upto, now, CURSOR]).fetchone()[0]
    if not moved:  # the first fan-out of this registry
        run(cur, "INSERT INTO outbox_cursors VALUES (?, ?, ?)", [CURSOR, upto, now])
    return upto - cursor, created, upto < latest


_ANY_EXPIRED = (
    "SELECT EXISTS (SELECT 1 FROM deliveries WHERE state = 'sending' AND next_attempt_at <= ?)"
)
_OUTBOX_STATE = (
    "SELECT coalesce((SELECT last_change_id FROM outbox_cursors WHERE name = ?), 0),"
    " (SELECT min(start_after_change) FROM subscriptions WHERE enabled),"
    " (SELECT coalesce(max(id), 0) FROM changes)"
)
# An UPDATE costs half the upsert; the row exists after the first fan-out.
_MOVE_CURSOR = "UPDATE outbox_cursors SET last_change_id = ?, updated_at = ? WHERE name = ?"


def _claim(cur, now, claim_until, limit, per_subscription, running) -> list[DeliveryJob]:
    """Read and claim (one statement each) the due deliveries: oldest first, at most
    ``per_subscription`` of each subscription less its ``running`` attempts."""
    rows = run(
        cur,
        "SELECT d.id, d.attempts + 1, d.subscription_id, s.kind, s.target, s.secret, "
        "coalesce(d.requested_by, s.created_by), d.attempts + 1 - d.round_start, "
        f"{_CHANGE_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY subscription_id "
        "ORDER BY next_attempt_at, id) AS turn FROM deliveries WHERE state = 'pending' "
        "AND next_attempt_at <= $now) d "
        "JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled "
        "LEFT JOIN changes c ON c.id = d.change_id WHERE d.turn <= $per - "
        "coalesce($counts[list_position($subs, d.subscription_id)], 0) "
        "ORDER BY d.next_attempt_at, d.id LIMIT $limit",
        {
            "now": now,
            "per": per_subscription,
            "limit": limit,
            "subs": list(running),
            "counts": list(running.values()),
        },
    ).fetchall()
    if not rows:
        return []
    run(
        cur,
        "UPDATE deliveries SET attempts = attempts + 1, state = 'sending', next_attempt_at = ?, "
        "updated_at = ? WHERE id IN (SELECT unnest(?::BIGINT[])) AND state = 'pending'",
        [claim_until, now, [row[0] for row in rows]],
    )
    return [_to_job(row, now) for row in rows]


def _batch_end(cur, start: int, limit: int) -> int:
    row = run(
        cur,
        "SELECT coalesce(max(id), ?) FROM "
        "(SELECT id FROM changes WHERE id > ? ORDER BY id LIMIT ?)",
        [start, start, limit],
    ).fetchone()
    return row[0]


def _insert_deliveries(cur, start: int, upto: int, now: int, careful: bool) -> int:
    """One delivery per (event in (start, upto], enabled subscription that matches it)."""
    row = run(
        cur,
        "INSERT INTO deliveries (subscription_id, change_id, event, model_name, version, "
        "next_attempt_at, created_at, updated_at) SELECT s.id, c.id, c.event, c.model_name, "
        "c.version, $now, $now, $now FROM changes c JOIN subscriptions s "
        "ON c.id > s.start_after_change WHERE c.id > $start AND c.id <= $upto AND s.enabled "
        "AND coalesce(c.model_name, '') GLOB s.model_pattern "
        "AND list_bool_or([c.event GLOB p FOR p IN s.events]) ORDER BY c.id, s.id"
        + (" ON CONFLICT DO NOTHING" if careful else ""),
        {"now": now, "start": start, "upto": upto},
    ).fetchone()
    return row[0] if row else 0


def _to_job(row: tuple, started_at: int) -> DeliveryJob:
    change: Change | None = to_change(row[8:]) if row[8] is not None else None
    return DeliveryJob(
        delivery_id=row[0], attempt=row[1], subscription_id=row[2], kind=row[3],
        target=row[4], secret=row[5], change=change, created_by=row[6],
        attempts_this_round=row[7], started_at=started_at,
    )  # fmt: skip


def _delivery_filter(subscription_id: int | None, state: str | None) -> tuple[str, list]:
    conditions, params = ["TRUE"], []
    if subscription_id is not None:
        conditions.append("d.subscription_id = ?")
        params.append(subscription_id)
    if state is not None:
        conditions.append("d.state = ?")
        params.append(state)
    return " AND ".join(conditions), params


def _fetch_delivery(cur, delivery_id: int) -> Delivery:
    row = cur.execute(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = ?", [delivery_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Delivery {delivery_id} not found")
    return Delivery(*row)
