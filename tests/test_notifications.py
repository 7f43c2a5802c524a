"""Events and subscriptions: the public event model, the subscription API and its checks."""

from __future__ import annotations

import time
from datetime import UTC

import pytest
from notify_support import ENV

from registry import InvalidArgumentError, NotFoundError
from registry.entities import Change
from registry.notifications import signing
from registry.notifications.events import Event

BASE = "http://registry.example:8501"


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REGISTRY_DASHBOARD_URL", BASE + "/")


def _events(client, name: str) -> list[Event]:
    return [e for e in client.get_events(max_results=1000) if e.name == name]


def test_a_promotion_event_carries_what_a_receiver_acts_on(client, model):
    client.transition_model_version_stage(model, 2, "Staging")
    client.transition_model_version_stage(
        model, 2, "Production", archive_existing_versions=True, comment="beats v1"
    )
    event = _events(client, "model_version.stage_transitioned")[-1]
    assert event.timestamp.tzinfo is UTC and event.actor == "tester"
    assert (event.model, event.version) == ("churn", 2)
    payload = event.payload
    assert payload["from_stage"] == "Staging" and payload["to_stage"] == "Production"
    assert payload["run_id"] == "r2" and payload["comment"] == "beats v1"
    assert payload["url"] == f"{BASE}/?page=model&model=churn&version=2"
    assert event.summary() == "tester moved churn v2 from Staging to Production"
    assert event.to_dict()["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("act", "name", "expected", "summary"),
    [
        (lambda c: c.set_registered_model_alias("churn", "champion", 3),
         "registered_model.alias_set", {"alias": "champion", "version": 3},
         "tester pointed alias @champion of churn at v3"),
        (lambda c: c.set_model_version_tag("churn", 1, "validated", "yes"),
         "model_version.tag_set", {"tag_key": "validated", "tag_value": "yes"},
         "tester set tag validated=yes on churn v1"),
        (lambda c: c.create_model_version("churn", source="s3://m", run_id="r9"),
         "model_version.created", {"run_id": "r9", "source": "s3://m", "version": 4},
         "tester registered churn v4"),
    ],
)  # fmt: skip
def test_known_events_have_named_fields(client, model, act, name, expected, summary):
    act(client)
    event = _events(client, name)[-1]
    assert expected.items() <= event.payload.items()
    assert event.summary() == summary


def test_a_moved_alias_names_the_previous_version(client, model):
    client.set_registered_model_alias(model, "champion", 1)
    client.set_registered_model_alias(model, "champion", 3)
    event = _events(client, "registered_model.alias_moved")[-1]
    assert event.payload["previous_version"] == 1 and event.version == 3
    assert event.summary() == "tester moved alias @champion of churn from v1 to v3"


def test_unknown_events_are_handled_generically():
    change = Change(
        41, 1_767_225_600_000, "ann", "model_version.drift_detected", "churn", 7,
        payload={"passed": True, "metrics": {"f1": 0.9}, "notes": "x" * 5000},
    )  # fmt: skip
    event = Event.from_change(change, BASE)
    assert event.payload["passed"] is True and event.payload["metrics"] == {"f1": 0.9}
    assert len(event.payload["notes"]) == 2000
    assert event.summary() == "ann: model_version.drift_detected on churn v7"
    assert event.timestamp.isoformat() == "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("name", "old", "new", "payload", "summary", "fields"),
    [
        ("model_version.transition_requested", "Staging", "Production", {"request_id": 4},
         "bob requested moving churn v7 from Staging to Production",
         {"from_stage": "Staging", "to_stage": "Production", "request_id": 4}),
        ("model_version.transition_approved", None, "Production", {"requested_by": "ann"},
         "bob approved moving churn v7 to Production",
         {"to_stage": "Production", "requested_by": "ann"}),
        ("model_version.transition_rejected", None, "Production", {},
         "bob rejected moving churn v7 to Production", {"to_stage": "Production"}),
        ("model_version.comment_added", None, None, {"comment_id": 2},
         "bob commented on churn v7", {"comment": "looks good"}),
        ("model_version.validation_finished", None, "failed", {"record_id": 3},
         "bob validated churn v7: failed", {"new_value": "failed", "record_id": 3}),
        ("model_version.validation_overridden", "failed", "Production", {"within_days": 7},
         "bob put churn v7 in Production overriding its validation: looks good",
         {"comment": "looks good", "within_days": 7}),
    ],
)  # fmt: skip
def test_review_events_read_well(name, old, new, payload, summary, fields):
    change = Change(
        9, 0, "bob", name, "churn", 7, old_value=old, new_value=new, comment="looks good",
        payload=payload,
    )  # fmt: skip
    event = Event.from_change(change, BASE)
    assert event.summary() == summary
    assert fields.items() <= event.payload.items()


def test_an_event_without_a_model_links_to_the_dashboard():
    event = Event.from_change(Change(1, 0, "ann", "registry.maintenance"), BASE)
    assert event.url == BASE and event.summary() == "ann: registry.maintenance"


def test_the_webhook_secret_is_shown_once(client):
    created = client.create_subscription("webhook", "http://127.0.0.1:9/hook", ["model_version.*"])
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    assert created.secret not in repr(created)
    assert client.get_subscription(created.id).secret is None
    assert all(s.secret is None for s in client.list_subscriptions())


def test_subscriptions_are_listed_disabled_enabled_and_deleted(client):
    hook = client.create_subscription(
        "webhook", "http://127.0.0.1:9/hook", "model_version.*", "churn*", description="CI"
    )
    mail = client.create_subscription("email", ["ops@example.com", " ml@example.org "])
    assert mail.target == "ops@example.com, ml@example.org" and mail.secret is None
    assert [s.id for s in client.list_subscriptions()] == [hook.id, mail.id]
    assert client.disable_subscription(hook.id).enabled is False
    assert client.enable_subscription(str(hook.id)).enabled is True
    client.delete_subscription(hook.id)
    with pytest.raises(NotFoundError, match=f"Subscription {hook.id} not found"):
        client.get_subscription(hook.id)
    with pytest.raises(NotFoundError, match="Subscription 999 not found"):
        client.delete_subscription(999)


def test_slack_urls_are_masked_for_display(client, monkeypatch):
    url = "http://127.0.0.1:9/services/T000/B000/XXXXSECRET"
    created = client.create_subscription("slack", url)
    assert created.display_target == "http://127.0.0.1:9/services/…"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pager", "http://127.0.0.1/"), "Invalid subscription kind 'pager'"),
        (("webhook", "ftp://127.0.0.1/x"), "only http and https"),
        (("webhook", "http:///nohost"), "names no host"),
        (("webhook", "http://user:pw@127.0.0.1/"), "embeds credentials"),
        (("webhook", "http://127.0.0.1:99999/"), "bad port"),
        (("webhook", "http://127.0.0.1/a b"), "contains spaces"),
        (("webhook", "http://127.0.0.1/", ["model version"]), "Invalid event pattern"),
        (("webhook", "http://127.0.0.1/", []), "non-empty list"),
        (("webhook", "http://127.0.0.1/", None, "bad\x00"), "Invalid model pattern"),
        (("email", "not-an-address"), "Invalid email address 'not-an-address'"),
        (("email", "a@example.com\r\nBcc: x@evil.example"), "Invalid email address"),
        (("email", ""), "at least one address"),
    ],
)
def test_bad_subscriptions_are_refused_with_a_clear_message(client, args, message):
    with pytest.raises(InvalidArgumentError, match=message):
        client.create_subscription(*args)
    assert client.list_subscriptions() == []


def test_bad_ids_and_states_are_refused(client):
    with pytest.raises(InvalidArgumentError, match="Invalid subscription id 'x'"):
        client.get_subscription("x")
    with pytest.raises(InvalidArgumentError, match="Invalid delivery state 'lost'"):
        client.list_deliveries(state="lost")
    with pytest.raises(NotFoundError, match="Delivery 5 not found"):
        client.redeliver(5)


def test_a_subscription_receives_only_events_after_its_creation(client, model):
    client.create_subscription("webhook", "http://127.0.0.1:9/hook")
    client.transition_model_version_stage(model, 1, "Staging")
    created, more = client._store.fan_out_events(int(time.time() * 1000))[1:]
    assert created == 1 and more is False
    assert [d.event for d in client.list_deliveries()] == ["model_version.stage_transitioned"]


@pytest.mark.parametrize(
    ("events", "models", "expected"),
    [
        (["*"], "*", 4),
        (["model_version.*"], "*", 3),
        (["model_version.stage_transitioned"], "*", 1),
        (["registered_model.alias_*"], "churn", 1),
        (["*"], "fraud*", 0),
        (["*"], "chu?n", 4),
        (["*"], "[a-c]*", 4),
    ],
)
def test_filters_by_event_and_model_glob(client, model, events, models, expected):
    client.create_subscription("webhook", "http://127.0.0.1:9/hook", events, models)
    client.create_model_version(model, source="x")
    client.set_model_version_tag(model, 4, "k", "v")
    client.transition_model_version_stage(model, 4, "Staging")
    client.set_registered_model_alias(model, "challenger", 4)
    client._store.fan_out_events(int(time.time() * 1000))
    assert len(client.list_deliveries()) == expected


def test_signatures_verify_and_refuse_tampering_and_replays():
    secret, body, now = signing.new_secret(), b'{"id":1}', 1_767_225_600
    signature = signing.sign(secret, now, body)
    assert signing.verify(secret, str(now), body, signature, now=now + 10)
    assert not signing.verify(secret, now, body + b" ", signature, now=now)
    assert not signing.verify("whsec_other", now, body, signature, now=now)
    assert not signing.verify(secret, now, body, signature, now=now + 301)
    assert not signing.verify(secret, "soon", body, signature, now=now)


def test_bad_settings_name_the_variable(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "127.0.0.1, localhost")
    with pytest.raises(InvalidArgumentError, match="REGISTRY_WEBHOOK_ALLOW entry 'localhost'"):
        client.create_subscription("webhook", "http://127.0.0.1:9/hook")
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "127.0.0.1")
    monkeypatch.setenv("REGISTRY_NOTIFY_TIMEOUT", "soon")
    with pytest.raises(InvalidArgumentError, match="REGISTRY_NOTIFY_TIMEOUT='soon'"):
        client.send_test_event(1)
