"""NotificationStore, the client's part: subscriptions, test deliveries and the delivery log
(webhooks to a receiver on 127.0.0.1; no dispatcher runs here)."""

from __future__ import annotations

import re

import pytest
from notify_support import ENV, Receiver, Script

from registry import NotFoundError


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def receiver():
    """A webhook receiver that answers 200."""
    with Receiver() as running:
        yield running


@pytest.fixture
def failing():
    """A webhook receiver that answers 500."""
    with Receiver(Script(then=500)) as running:
        yield running


def test_a_secret_is_shown_once_and_never_listed(client):
    created = client.create_subscription(
        "webhook", "http://127.0.0.1:9/hook", ["model_version.*"], "churn*", description="ci"
    )
    assert created.secret and len(created.secret) >= 32
    got = client.get_subscription(created.id)
    (listed,) = client.list_subscriptions()
    assert got.secret is None and listed.secret is None
    assert (got.kind, got.target, got.events, got.model_pattern, got.description) == (
        "webhook", "http://127.0.0.1:9/hook", ["model_version.*"], "churn*", "ci",
    )  # fmt: skip
    assert (got.enabled, got.created_by, got.pending, got.delivered, got.dead) == (
        True, "tester", 0, 0, 0,
    )  # fmt: skip


def test_pause_resume_and_delete(client):
    first = client.create_subscription("email", ["a@example.com"])
    second = client.create_subscription("email", "b@example.com")
    assert client.disable_subscription(first.id).enabled is False
    assert client.get_subscription(first.id).enabled is False
    assert client.get_notification_status()["enabled_subscriptions"] == 1
    assert client.enable_subscription(first.id).enabled is True
    client.delete_subscription(first.id)
    assert [s.id for s in client.list_subscriptions()] == [second.id]


def test_a_test_event_is_delivered_and_logged(client, receiver):
    subscription = client.create_subscription("webhook", receiver.url)
    delivery = client.send_test_event(subscription.id)
    assert (delivery.event, delivery.state, delivery.attempts, delivery.last_status) == (
        "registry.test", "delivered", 1, 200,
    )  # fmt: skip
    sent = receiver.wait_for(1)[0].json
    assert (sent["name"], sent["actor"]) == ("registry.test", "tester")
    (attempt,) = client.get_delivery_log(delivery.id)
    assert (attempt.attempt, attempt.status_code, attempt.error) == (1, 200, None)
    assert client.get_subscription(subscription.id).delivered == 1


def test_a_failed_delivery_is_dead_until_redelivered(client, failing):
    subscription = client.create_subscription("webhook", failing.url)
    dead = client.send_test_event(subscription.id)
    assert (dead.state, dead.last_status) == ("dead", 500)
    assert [d.id for d in client.list_deliveries(subscription.id, "dead")] == [dead.id]
    assert client.get_delivery_log(subscription_id=subscription.id)[0].status_code == 500
    again = client.redeliver(dead.id)
    assert (again.id, again.state) == (dead.id, "pending")
    assert client.list_deliveries(state="dead") == []


def test_deliveries_list_newest_first_and_go_with_their_subscription(client, receiver):
    subscription = client.create_subscription("webhook", receiver.url)
    other = client.create_subscription("webhook", receiver.url)
    first = client.send_test_event(subscription.id)
    second = client.send_test_event(subscription.id)
    elsewhere = client.send_test_event(other.id)
    assert [d.id for d in client.list_deliveries()] == [elsewhere.id, second.id, first.id]
    assert [d.id for d in client.list_deliveries(subscription.id)] == [second.id, first.id]
    client.delete_subscription(subscription.id)
    with pytest.raises(NotFoundError, match=f"Delivery {first.id} not found"):
        client.get_delivery(first.id)
    assert client.get_delivery_log(first.id) == []
    assert [d.id for d in client.list_deliveries()] == [elsewhere.id]


MISSING = {
    "get": (lambda c: c.get_subscription(99), "Subscription 99 not found"),
    "disable": (lambda c: c.disable_subscription(99), "Subscription 99 not found"),
    "enable": (lambda c: c.enable_subscription(99), "Subscription 99 not found"),
    "delete": (lambda c: c.delete_subscription(99), "Subscription 99 not found"),
    "test-event": (lambda c: c.send_test_event(99), "Subscription 99 not found"),
    "delivery": (lambda c: c.get_delivery(99), "Delivery 99 not found"),
    "redeliver": (lambda c: c.redeliver(99), "Delivery 99 not found"),
}


@pytest.mark.parametrize(("call", "fragment"), list(MISSING.values()), ids=list(MISSING))
def test_missing_subscriptions_and_deliveries_are_named(client, call, fragment):
    with pytest.raises(NotFoundError, match=re.escape(fragment)):
        call(client)
