"""Subscriptions and the delivery log (the client's part), and the outbox (the dispatcher's)."""

from __future__ import annotations

from typing import Any, Protocol

from registry.notifications.subscriptions import (
    Delivery,
    DeliveryAttempt,
    DeliveryJob,
    Outcome,
    Subscription,
)


class NotificationStore(Protocol):
    def create_subscription(self, spec: dict[str, Any], actor: str, ts: int) -> Subscription:
        """Store a subscription (``spec``: kind, target, secret, events, model_pattern,
        description), recorded as ``subscription.created`` (target masked, never the secret);
        it receives the events recorded after that."""
        ...

    def list_subscriptions(self) -> list[Subscription]:
        """Every subscription with its delivery counts, never its secret."""
        ...

    def get_subscription(self, subscription_id: int) -> Subscription:
        """Raises NotFoundError."""
        ...

    def set_subscription_enabled(
        self, subscription_id: int, enabled: bool, actor: str, ts: int
    ) -> Subscription:
        """Pause or resume; events recorded while paused are skipped. A change is recorded
        as ``subscription.enabled``/``.disabled`` by ``actor``. Raises NotFoundError."""
        ...

    def delete_subscription(self, subscription_id: int, actor: str, ts: int) -> None:
        """Remove it with its secret, deliveries and their log, recorded as
        ``subscription.deleted``. Raises NotFoundError."""
        ...

    def create_test_delivery(
        self, subscription_id: int, actor: str, now: int, claim_until: int
    ) -> DeliveryJob:
        """A delivery of a ``registry.test`` event, already claimed by the caller until
        ``claim_until``. Raises NotFoundError."""
        ...

    def record_attempts(self, outcomes: list[Outcome], now: int) -> None:
        """Log each attempt and move its delivery to the decided state (unless it was
        claimed again meanwhile)."""
        ...

    def list_deliveries(
        self, subscription_id: int | None, state: str | None, limit: int
    ) -> list[Delivery]:
        """Deliveries, newest first, optionally of one subscription or in one state."""
        ...

    def get_delivery(self, delivery_id: int) -> Delivery:
        """Raises NotFoundError."""
        ...

    def list_delivery_attempts(
        self, delivery_id: int | None, subscription_id: int | None, limit: int
    ) -> list[DeliveryAttempt]:
        """The delivery log, newest attempt first."""
        ...

    def redeliver(self, delivery_id: int, actor: str, now: int) -> Delivery:
        """Make the delivery due now with a fresh round of attempts, recorded as
        ``subscription.redelivered``. Raises NotFoundError."""
        ...

    def outbox_status(self) -> dict[str, int | None]:
        """The dispatcher's cursor, the newest change id, subscription and delivery counts
        and ``next_due`` (the earliest pending attempt)."""
        ...


class OutboxStore(NotificationStore, Protocol):
    """What a dispatcher needs: turning history rows into deliveries and claiming them.
    Claims are exclusive: two dispatchers never hold the same delivery at once."""

    def fan_out_events(self, now: int, limit: int = 1000) -> tuple[int, int, bool]:
        """Create deliveries for up to ``limit`` events after the cursor and move it, in one
        transaction. Returns (events read, deliveries created, whether more wait)."""
        ...

    def claim_deliveries(
        self, *, now: int, claim_until: int, limit: int, per_subscription: int, busy: list[int]
    ) -> list[DeliveryJob]:
        """Claim up to ``limit`` due deliveries of enabled subscriptions, oldest first, at
        most ``per_subscription`` of each and none of the ``busy`` subscriptions."""
        ...

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
        """One dispatcher pass: ``record_attempts(outcomes, now)``, ``fan_out_events(now,
        fan_out)``, then claim like ``claim_deliveries`` (none when ``limit`` is 0), each
        subscription at most ``per_subscription`` less its ``running`` attempts, in as few
        transactions as the backend allows (DuckDB: one). Returns (deliveries created,
        whether more events wait, the jobs claimed)."""
        ...

    def expire_claims(self, now: int, max_attempts: int) -> int:
        """Release claims whose time ran out, logging the attempt as interrupted (and
        dead-lettering a delivery that had no attempts left). Returns how many expired."""
        ...

    def prune_deliveries(self, before: int) -> int:
        """Delete delivered deliveries last updated before ``before``, with their log."""
        ...
