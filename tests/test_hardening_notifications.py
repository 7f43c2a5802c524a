"""Who may manage notifications: editors create subscriptions (theirs) and pause, resume, test
and delete their own; admins manage everyone's and redeliver; viewers only look. Every change
is in the history without the signing secret or the full target URL (receivers on 127.0.0.1)."""

from __future__ import annotations

import json

import pytest
from notify_support import ENV, Receiver

from registry import PermissionDeniedError, RegistryClient
from registry.cli.main import main
from registry.notifications.dispatcher import Dispatcher

# A Slack-style URL: its path is the credential.
SECRET_PATH = "/services/T0001/B0002/xoxSECRETpart"
HOOK = f"http://127.0.0.1:9{SECRET_PATH}"


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def team(home):
    """tester (admin), ana and eve (editors), vic (viewer)."""
    admin = RegistryClient(home, user="tester")
    for user, role in (
        ("tester", "admin"),
        ("ana", "editor"),
        ("eve", "editor"),
        ("vic", "viewer"),
    ):
        admin.set_role(user, role)
    return {user: RegistryClient(home, user=user) for user in ("tester", "ana", "eve", "vic")}


def _dead_delivery(client: RegistryClient, subscription_id: int) -> int:
    """A test event's delivery that failed (nothing listens on 127.0.0.1:9; no SMTP host)."""
    return client.send_test_event(subscription_id).id


VIEWER_REFUSED = {
    "create": lambda c, sub, delivery: c.create_subscription("webhook", HOOK),
    "disable": lambda c, sub, delivery: c.disable_subscription(sub),
    "enable": lambda c, sub, delivery: c.enable_subscription(sub),
    "delete": lambda c, sub, delivery: c.delete_subscription(sub),
    "test": lambda c, sub, delivery: c.send_test_event(sub),
    "redeliver": lambda c, sub, delivery: c.redeliver(delivery),
}


@pytest.mark.parametrize("action", VIEWER_REFUSED)
def test_a_viewer_cannot_change_any_subscription(team, action):
    sub = team["ana"].create_subscription("webhook", HOOK)
    delivery = _dead_delivery(team["ana"], sub.id)
    before = (team["tester"].list_subscriptions(), team["tester"].list_deliveries())
    with pytest.raises(PermissionDeniedError, match="User 'vic' has role 'viewer'"):
        VIEWER_REFUSED[action](team["vic"], sub.id, delivery)
    assert (team["tester"].list_subscriptions(), team["tester"].list_deliveries()) == before


def test_editors_manage_their_own_subscriptions_only(team):
    ana, eve = team["ana"], team["eve"]
    mine = ana.create_subscription("email", "ops@example.com")
    assert mine.created_by == "ana"
    assert ana.disable_subscription(mine.id).enabled is False
    assert ana.enable_subscription(mine.id).enabled is True
    for attempt in (eve.disable_subscription, eve.delete_subscription, eve.send_test_event):
        with pytest.raises(PermissionDeniedError, match="Subscription 1 belongs to 'ana'"):
            attempt(mine.id)
    delivery = _dead_delivery(ana, mine.id)
    with pytest.raises(PermissionDeniedError, match="redelivering needs the admin role"):
        ana.redeliver(delivery)
    ana.delete_subscription(mine.id)
    assert ana.list_subscriptions() == []


def test_admins_manage_everyones_and_redeliver(team):
    admin = team["tester"]
    sub = team["ana"].create_subscription("webhook", HOOK)
    delivery = _dead_delivery(team["ana"], sub.id)
    assert admin.redeliver(delivery).state == "pending"
    assert admin.disable_subscription(sub.id).enabled is False
    admin.delete_subscription(sub.id)
    assert admin.list_subscriptions() == []


def test_each_change_is_in_the_history_without_secret_or_full_url(team):
    ana, admin = team["ana"], team["tester"]
    sub = ana.create_subscription("webhook", HOOK, ["model_version.*"], "churn*")
    ana.disable_subscription(sub.id)
    ana.disable_subscription(sub.id)  # no change: no row
    ana.enable_subscription(sub.id)
    admin.redeliver(_dead_delivery(ana, sub.id))
    admin.delete_subscription(sub.id)
    changes = [c for c in admin.get_history() if c.event.startswith("subscription.")]
    assert [(c.event, c.actor, c.key) for c in reversed(changes)] == [
        ("subscription.created", "ana", "1"),
        ("subscription.disabled", "ana", "1"),
        ("subscription.enabled", "ana", "1"),
        ("subscription.redelivered", "tester", "1"),
        ("subscription.deleted", "tester", "1"),
    ]
    created = changes[-1]
    assert created.new_value == "http://127.0.0.1:9/services/…"
    assert created.payload == {
        "subscription_id": 1, "kind": "webhook", "target": "http://127.0.0.1:9/services/…",
        "owner": "ana", "events": ["model_version.*"], "model_pattern": "churn*",
    }  # fmt: skip
    stored = json.dumps([c.__dict__ for c in changes], default=str)
    assert "xoxSECRETpart" not in stored and sub.secret not in stored
    assert [e.name for e in admin.get_events()][-1] == "subscription.deleted"


def test_a_subscriber_of_every_event_hears_of_new_subscriptions_masked(team):
    with Receiver() as receiver:
        watcher = team["tester"].create_subscription("webhook", receiver.url)
        team["ana"].create_subscription("webhook", HOOK)
        Dispatcher(team["tester"]._store).drain(settle=True, timeout=15)
        [request] = receiver.wait_for(1)
    event = request.json
    assert (event["name"], event["actor"], event["payload"]["target"]) == (
        "subscription.created", "ana", "http://127.0.0.1:9/services/…",
    )  # fmt: skip
    assert (
        "xoxSECRETpart" not in request.body.decode() and watcher.secret not in request.body.decode()
    )


def test_the_cli_refuses_a_viewer_with_the_reason(team, monkeypatch, capsys):
    sub = team["ana"].create_subscription("email", "ops@example.com")
    monkeypatch.setenv("REGISTRY_USER", "vic")
    assert main(["subscriptions", "add", "webhook", HOOK]) == 1
    assert main(["subscriptions", "remove", str(sub.id)]) == 1
    err = capsys.readouterr().err
    assert "creating a subscription needs the editor role" in err
    assert "deleting a subscription needs the editor role" in err
    assert [s.id for s in team["tester"].list_subscriptions()] == [sub.id]


def test_only_admins_and_the_creator_see_a_whole_target(team):
    sub = team["ana"].create_subscription("slack", HOOK)
    for user in ("tester", "ana"):
        assert [s.target for s in team[user].list_subscriptions()] == [HOOK]
        assert team[user].get_subscription(sub.id).target == HOOK
    for user in ("eve", "vic"):
        assert [s.target for s in team[user].list_subscriptions()] == [
            "http://127.0.0.1:9/services/…"
        ]
        assert SECRET_PATH not in team[user].get_subscription(sub.id).target
