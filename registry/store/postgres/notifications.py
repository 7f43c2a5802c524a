"""PostgreSQL SQL for the outbox: fanning events out to deliveries, and claiming them.

Several server processes each run a dispatcher on one database, so both steps are built for
company:

- Fan-out runs under a transaction-scoped advisory lock (one dispatcher at a time moves the
  cursor). History ids come from a sequence, and concurrent writers may commit them out of
  order: a cursor on the id alone would step over a change committed late. So each change
  carries the id of its transaction (``xid8``), the cursor is (xid, id), and a fan-out reads
  only changes of transactions older than every one still running
  (``pg_snapshot_xmin``): those will never be joined by another.
- Claims take due deliveries ``FOR UPDATE SKIP LOCKED``: two dispatchers never wait for each
  other nor claim the same delivery; the claim (state ``sending``) commits before sending.

Everything else (subscriptions, the delivery log, redelivery) is the shared SQL of
``registry.store.duckdb.notifications``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from registry.errors import RegistryError
from registry.notifications.subscriptions import DeliveryJob, Outcome
from registry.store.duckdb.notifications import (
    _CHANGE_COLUMNS,
    CURSOR,
    INTERRUPTED,
    _to_job,
)
from registry.store.duckdb.notifications import NotificationQueries as SharedNotifications

FANOUT_LOCK = 0x5245_4749_0002  # pg_advisory_xact_lock key: "REGI" + 2
_CURSOR = "SELECT last_change_id, last_xid::text FROM outbox_cursors WHERE name = ?"


def _matches(event: str, model: str | None, patterns: list[str], model_pattern: str) -> bool:
    """DuckDB's GLOB (the embedded store's matching), in Python."""
    return fnmatchcase(model or "", model_pattern) and any(fnmatchcase(event, p) for p in patterns)


def _fair_share(rows: list[tuple], limit: int, per_subscription: int, running: dict) -> list:
    """The first ``limit`` rows, at most ``per_subscription`` per subscription (column 2)
    less its ``running`` attempts."""
    taken: dict[int, int] = dict(running)
    picked = []
    for row in rows:
        subscription = row[2]
        if taken.get(subscription, 0) >= per_subscription:
            continue
        taken[subscription] = taken.get(subscription, 0) + 1
        picked.append(row)
        if len(picked) == limit:
            break
    return picked


def _claim(cur, now, claim_until, limit, per_subscription, running) -> list[DeliveryJob]:
    """Claim due deliveries FOR UPDATE SKIP LOCKED: oldest first, at most
    ``per_subscription`` of each subscription less its ``running`` attempts."""
    rows = cur.execute(
        "SELECT d.id, d.attempts + 1, d.subscription_id, s.kind, s.target, s.secret, "
        "coalesce(d.requested_by, s.created_by), d.attempts + 1 - d.round_start, "
        f"{_CHANGE_COLUMNS} FROM deliveries d "
        "JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled "
        "LEFT JOIN changes c ON c.id = d.change_id WHERE d.state = 'pending' "
        "AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ? "
        "FOR UPDATE OF d SKIP LOCKED",
        [now, limit * 4],
    ).fetchall()
    picked = _fair_share(rows, limit, per_subscription, running)
    if not picked:
        return []
    claimed = cur.execute(
        "UPDATE deliveries SET attempts = attempts + 1, state = 'sending', "
        "next_attempt_at = ?, updated_at = ? WHERE id = ANY(?) AND state = 'pending' "
        "RETURNING id",
        [claim_until, now, [row[0] for row in picked]],
    ).fetchall()
    ids = {row[0] for row in claimed}
    return [_to_job(row, now) for row in picked if row[0] in ids]


def _new_deliveries(cur, events: list[tuple], now: int) -> int:
    """One delivery per (event, enabled subscription that wants it); returns how many."""
    subscriptions = cur.execute(
        "SELECT id, events, model_pattern, start_after_change FROM subscriptions "
        "WHERE enabled ORDER BY id"
    ).fetchall()
    rows = [
        (sid, change_id, event, model, version)
        for change_id, _xid, event, model, version in events
        for sid, patterns, model_pattern, start in subscriptions
        if change_id > start and _matches(event, model, patterns, model_pattern)
    ]
    if not rows:
        return 0
    columns = list(zip(*rows, strict=True))
    cur.execute(
        "INSERT INTO deliveries (subscription_id, change_id, event, model_name, version, "
        "next_attempt_at, created_at, updated_at) SELECT s, c, e, m, v, ?, ?, ? FROM "
        "unnest(?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::integer[]) "
        "AS n(s, c, e, m, v) ON CONFLICT DO NOTHING",
        [now, now, now, *(list(column) for column in columns)],
    )
    return cur.rowcount


class NotificationQueries(SharedNotifications):
    """The outbox for several dispatchers on one database."""

    _lease: Any

    def change_marker(self) -> object:
        """What the dispatcher watches instead of a file: the history's sequence and the
        oldest running transaction. A new change moves the first; the commit that makes
        a waiting change readable moves the second (``fan_out_events`` reads up to it)."""
        try:
            with self._lease.cursor() as cur:
                return cur.execute(
                    "SELECT last_value, is_called, pg_snapshot_xmin(pg_current_snapshot())::text "
                    "FROM change_id_seq"
                ).fetchone()
        except RegistryError:
            return object()  # unknown: worth a look (which reports the error)

    def fan_out_events(self, now: int, limit: int = 1000) -> tuple[int, int, bool]:
        with self._lease.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(?)", [FANOUT_LOCK])
            # Taken before this transaction has an id of its own.
            (horizon,) = cur.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text"
            ).fetchone()
            last_id, last_xid = cur.execute(_CURSOR, [CURSOR]).fetchone() or (0, "0")
            events = cur.execute(
                "SELECT id, xid::text, event, model_name, version FROM changes "
                "WHERE (xid, id) > (?::xid8, ?) AND xid < ?::xid8 ORDER BY xid, id LIMIT ?",
                [last_xid, last_id, horizon, limit + 1],
            ).fetchall()
            more, events = len(events) > limit, events[:limit]
            if not events:
                return 0, 0, False
            created = _new_deliveries(cur, events, now)
            cur.execute(
                "INSERT INTO outbox_cursors (name, last_change_id, updated_at, last_xid) "
                "VALUES (?, ?, ?, ?::xid8) ON CONFLICT (name) DO UPDATE SET "
                "last_change_id = excluded.last_change_id, updated_at = excluded.updated_at, "
                "last_xid = excluded.last_xid",
                [CURSOR, events[-1][0], now, events[-1][1]],
            )
        return len(events), created, more

    def outbox_status(self) -> dict[str, int | None]:
        with self._lease.cursor() as cur:
            last_id, last_xid = cur.execute(_CURSOR, [CURSOR]).fetchone() or (0, "0")
            row = cur.execute(
                "SELECT (SELECT coalesce(max(id), 0) FROM changes),"
                " (SELECT count(*) FROM subscriptions WHERE enabled),"
                " (SELECT count(*) FROM changes WHERE (xid, id) > (?::xid8, ?) AND id > "
                "(SELECT min(start_after_change) FROM subscriptions WHERE enabled)),"
                " count(*) FILTER (WHERE d.state IN ('pending', 'sending')),"
                " count(*) FILTER (WHERE d.state = 'dead'),"
                " min(d.next_attempt_at) FILTER (WHERE d.state IN ('pending', 'sending'))"
                " FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id AND s.enabled",
                [last_xid, last_id],
            ).fetchone()
        keys = ("latest_change", "enabled_subscriptions", "waiting_events", "pending", "dead")
        return {"cursor": last_id, **dict(zip((*keys, "next_due"), row, strict=True))}

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
        """The three steps in transactions of their own, as before: the fan-out's advisory
        lock is then held only for the fan-out, and a claim never waits for another
        dispatcher's log write."""
        self.record_attempts(outcomes, now)
        _read, created, more = self.fan_out_events(now, fan_out)
        if limit <= 0:
            return created, more, []
        with self._lease.transaction() as cur:
            jobs = _claim(cur, now, claim_until, limit, per_subscription, running)
        return created, more, jobs

    def claim_deliveries(
        self, *, now: int, claim_until: int, limit: int, per_subscription: int, busy: list[int]
    ) -> list[DeliveryJob]:
        running = dict.fromkeys(busy, per_subscription)
        with self._lease.transaction() as cur:
            return _claim(cur, now, claim_until, limit, per_subscription, running)

    def record_attempts(self, outcomes: list[Outcome], now: int) -> None:
        if not outcomes:
            return
        columns = list(zip(*(
            (o.job.delivery_id, o.job.attempt, o.job.started_at, o.result.status_code,
             o.result.latency_ms, o.result.error, o.result.response_excerpt, o.state,
             o.next_attempt_at)
            for o in outcomes
        ), strict=True))  # fmt: skip
        values = (
            "unnest(?::bigint[], ?::integer[], ?::bigint[], ?::integer[], ?::float8[], "
            "?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[]) AS v(id, attempt, started, "
            "status, latency, error, excerpt, state, next_at)"
        )
        params = [list(column) for column in columns]
        with self._lease.transaction() as cur:
            cur.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, started_at, status_code, "
                "latency_ms, error, response_excerpt, finished_at) SELECT id, attempt, started, "
                f"status, latency, error, excerpt, ? FROM {values} "
                "ON CONFLICT (delivery_id, attempt) DO UPDATE SET "
                "status_code = excluded.status_code, latency_ms = excluded.latency_ms, "
                "error = excluded.error, response_excerpt = excluded.response_excerpt, "
                "finished_at = excluded.finished_at",
                [now, *params],
            )
            cur.execute(
                "UPDATE deliveries d SET state = v.state, next_attempt_at = v.next_at, "
                "updated_at = ?, last_status = v.status, last_latency_ms = v.latency, "
                f"last_error = v.error FROM {values} WHERE d.id = v.id AND d.attempts = v.attempt",
                [now, *params],
            )

    def expire_claims(self, now: int, max_attempts: int) -> int:
        with self._lease.transaction() as cur:
            expired = cur.execute(
                "SELECT id FROM deliveries WHERE state = 'sending' AND next_attempt_at <= ? "
                "FOR UPDATE SKIP LOCKED",
                [now],
            ).fetchall()
            if not expired:
                return 0
            ids = [row[0] for row in expired]
            cur.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, started_at, finished_at, "
                "error) SELECT id, attempts, updated_at, ?, ? FROM deliveries "
                "WHERE id = ANY(?) ON CONFLICT DO NOTHING",
                [now, INTERRUPTED, ids],
            )
            cur.execute(
                "UPDATE deliveries SET updated_at = ?, last_status = NULL, "
                "last_latency_ms = NULL, last_error = ?, state = CASE WHEN attempts - "
                "round_start >= CASE WHEN change_id IS NULL THEN 1 ELSE ? END THEN 'dead' "
                "ELSE 'pending' END, next_attempt_at = CASE WHEN attempts - round_start >= "
                "CASE WHEN change_id IS NULL THEN 1 ELSE ? END THEN NULL ELSE ? END "
                "WHERE id = ANY(?)",
                [now, INTERRUPTED, max_attempts, max_attempts, now, ids],
            )
        return len(ids)

    def prune_deliveries(self, before: int) -> int:
        with self._lease.transaction() as cur:
            cur.execute(
                "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries "
                "WHERE state = 'delivered' AND updated_at < ?)",
                [before],
            )
            return cur.execute(
                "DELETE FROM deliveries WHERE state = 'delivered' AND updated_at < ?", [before]
            ).rowcount
