"""The notification half of RegistryClient: subscriptions, test events, the delivery log.

Events themselves need no call: every write records its event in the outbox, and a
dispatcher (``registry dispatch``, or the dashboard's background thread) delivers them.

Editors create subscriptions (their own) and pause, resume, test and delete their own;
admins manage everyone's and redeliver. Each change is recorded in the history as a
``subscription.*`` event, with the target masked and never the secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from registry.arguments import check_max_results
from registry.clock import now_ms
from registry.errors import InvalidArgumentError, PermissionDeniedError
from registry.notifications import channels, egress
from registry.notifications import subscriptions as check
from registry.notifications.dispatcher import claim_until, decide
from registry.notifications.events import Event
from registry.notifications.settings import NotificationSettings
from registry.notifications.signing import new_secret
from registry.notifications.subscriptions import Delivery, DeliveryAttempt, Subscription

MAX_DELIVERY_RESULTS = 10_000


def subscription_spec(
    kind: str,
    target: str | list[str],
    events: list[str] | str | None = None,
    model_pattern: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """The checked fields of a new subscription (no secret yet); raises InvalidArgumentError
    for a malformed or refused target, pattern or description. (The dashboard checks a form
    with it before asking to confirm.)"""
    kind = check.kind(kind)
    if kind == "email":
        target = check.recipients(target)
    else:
        url = egress.check_url(target)
        egress.resolve(url.host, url.port, NotificationSettings.from_env().allow)
    return {
        "kind": kind,
        "target": target,
        "events": check.event_patterns(events),
        "model_pattern": check.model_pattern(model_pattern),
        "description": check.description(description),
    }


class NotificationClient:
    """Mixed into RegistryClient; relies on its ``_store``, ``_actor()``, ``_require()`` and
    ``get_role()``."""

    _store: Any
    _actor: Callable[[], str]
    _require: Callable[[str, str], str]
    get_role: Callable[..., str]

    def create_subscription(
        self,
        kind: str,
        target: str | list[str],
        events: list[str] | str | None = None,
        model_pattern: str | None = None,
        *,
        description: str | None = None,
    ) -> Subscription:
        """Subscribe ``target`` to the events matching ``events`` (globs, default ``*``) of
        the models matching ``model_pattern`` (glob, default ``*``), from now on.

        ``kind`` is ``webhook`` (any http(s) URL; requests are signed), ``slack`` (an
        incoming-webhook URL) or ``email`` (addresses, comma-separated or a list). For a
        webhook the returned subscription carries its signing ``secret``: it is shown this
        once and never again. Editors and above; the subscription is theirs. Raises
        PermissionDeniedError, or InvalidArgumentError for a malformed or refused target
        (URLs that resolve to non-public addresses need REGISTRY_WEBHOOK_ALLOW)."""
        actor = self._require("editor", "creating a subscription")
        spec = subscription_spec(kind, target, events, model_pattern, description)
        spec["secret"] = new_secret() if spec["kind"] == "webhook" else None
        return self._store.create_subscription(spec, actor, now_ms())

    def list_subscriptions(self) -> list[Subscription]:
        """Every subscription with its delivery counts (never its secret). A URL's path and
        query can be a credential (a Slack webhook), so only admins and the subscription's
        creator see the whole target; others see ``display_target``."""
        return self._shown(self._store.list_subscriptions())

    def get_subscription(self, subscription_id: int | str) -> Subscription:
        """Raises NotFoundError when there is no such subscription (the target masked as
        in list_subscriptions)."""
        found = self._store.get_subscription(check.subscription_id(subscription_id))
        return self._shown([found])[0]

    def _shown(self, found: list[Subscription]) -> list[Subscription]:
        actor = self._actor()
        if self.get_role(actor) == "admin":
            return found
        return [s if s.created_by == actor else replace(s, target=s.display_target) for s in found]

    def enable_subscription(self, subscription_id: int | str) -> Subscription:
        """Resume sending: new events, and deliveries that waited while it was disabled.
        Its creator (an editor) or an admin; raises PermissionDeniedError, NotFoundError."""
        number, actor = self._own_subscription(subscription_id, "resuming")
        return self._store.set_subscription_enabled(number, True, actor, now_ms())

    def disable_subscription(self, subscription_id: int | str) -> Subscription:
        """Pause sending: events meanwhile are skipped, pending deliveries wait. Its creator
        (an editor) or an admin; raises PermissionDeniedError, NotFoundError."""
        number, actor = self._own_subscription(subscription_id, "pausing")
        return self._store.set_subscription_enabled(number, False, actor, now_ms())

    def delete_subscription(self, subscription_id: int | str) -> None:
        """Remove it with its secret, deliveries and delivery log. Its creator (an editor) or
        an admin; raises PermissionDeniedError, NotFoundError."""
        number, actor = self._own_subscription(subscription_id, "deleting")
        self._store.delete_subscription(number, actor, now_ms())

    def _own_subscription(self, subscription_id: int | str, doing: str) -> tuple[int, str]:
        """The subscription's number and the acting user, who must hold the editor role and
        have created it, or be an admin. Raises PermissionDeniedError, NotFoundError."""
        number = check.subscription_id(subscription_id)
        actor = self._require("editor", f"{doing} a subscription")
        role = self.get_role(actor)
        if role != "admin":
            owner = self._store.get_subscription(number).created_by
            if owner != actor:
                raise PermissionDeniedError(
                    f"Subscription {number} belongs to {owner!r}; user {actor!r} has role "
                    f"{role!r}, and {doing} someone else's subscription needs the admin role"
                )
        return number, actor

    def send_test_event(self, subscription_id: int | str) -> Delivery:
        """Send a ``registry.test`` event now, once, and return the delivery (``state``
        delivered or dead; the attempt is in the delivery log). Its creator (an editor) or
        an admin; raises PermissionDeniedError, NotFoundError."""
        number, actor = self._own_subscription(subscription_id, "sending a test event to")
        settings = NotificationSettings.from_env()
        now = now_ms()
        job = self._store.create_test_delivery(number, actor, now, claim_until(now, settings))
        self._store.release()
        result = channels.deliver(job, settings)
        self._store.record_attempts([decide(job, result, settings)], now_ms())
        return self._store.get_delivery(job.delivery_id)

    def list_deliveries(
        self,
        subscription_id: int | str | None = None,
        state: str | None = None,
        max_results: int = 100,
    ) -> list[Delivery]:
        """Deliveries, newest first, optionally of one subscription or in one state
        (pending, sending, delivered, dead). Raises InvalidArgumentError for a bad filter."""
        number = None if subscription_id is None else check.subscription_id(subscription_id)
        wanted = None if state is None else check.state(state)
        limit = check_max_results(max_results, MAX_DELIVERY_RESULTS, "list_deliveries")
        return self._store.list_deliveries(number, wanted, limit)

    def get_delivery(self, delivery_id: int | str) -> Delivery:
        return self._store.get_delivery(check.delivery_id(delivery_id))

    def get_delivery_log(
        self,
        delivery_id: int | str | None = None,
        subscription_id: int | str | None = None,
        max_results: int = 200,
    ) -> list[DeliveryAttempt]:
        """Attempts, newest first: status code, latency, error and a response excerpt."""
        delivery = None if delivery_id is None else check.delivery_id(delivery_id)
        number = None if subscription_id is None else check.subscription_id(subscription_id)
        limit = check_max_results(max_results, MAX_DELIVERY_RESULTS, "get_delivery_log")
        return self._store.list_delivery_attempts(delivery, number, limit)

    def redeliver(self, delivery_id: int | str) -> Delivery:
        """Queue a delivery again now with a fresh round of attempts (for a dead one, or to
        resend a delivered one). Admins only; raises PermissionDeniedError, NotFoundError."""
        number = check.delivery_id(delivery_id)
        actor = self._require("admin", "redelivering")
        return self._store.redeliver(number, actor, now_ms())

    def get_events(self, after_id: int = 0, max_results: int = 100) -> list[Event]:
        """Events recorded after ``after_id``, oldest first: a pull feed of the outbox."""
        if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
            raise InvalidArgumentError(f"Invalid after_id {after_id!r}: a whole number >= 0")
        limit = check_max_results(max_results, MAX_DELIVERY_RESULTS, "get_events")
        changes = self._store.search_changes(after_id=after_id, limit=limit, newest_first=False)
        url = NotificationSettings.from_env().dashboard_url
        return [Event.from_change(change, url) for change in changes]

    def get_notification_status(self) -> dict[str, int | None]:
        """The dispatcher's cursor, the newest event id, and pending/dead delivery counts."""
        return self._store.outbox_status()
