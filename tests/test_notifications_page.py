"""The Notifications page under AppTest, reached through the app's navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from notify_support import ENV, Receiver, Script
from streamlit.testing.v1 import AppTest

from registry.dashboard import keys
from registry.dashboard import notifications as notify

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("pages/notifications.py").run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(elements) -> str:
    """The elements' text, without the invisible joiners plain() puts after ':' and '@'."""
    return "\n".join(str(e.value) for e in elements).replace("\u2060", "")


def create(at: AppTest, kind: str, target: str) -> AppTest:
    """Fill the form and press Create: the confirmation opens (nothing is created yet)."""
    at.radio(key=notify.NOTIFY_KIND).set_value(kind)
    at.text_input(key=notify.NOTIFY_TARGET).input(target)
    at.button(key=notify.NOTIFY_CREATE).click().run()
    assert_clean(at)
    return at


def confirm(at: AppTest) -> AppTest:
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert_clean(at)
    return at


def test_the_page_is_in_the_navigation_and_explains_an_empty_state(client):
    at = open_page()
    assert at.title[0].value == "Notifications"
    assert "No subscriptions yet" in texts(at.info)


def test_creating_a_webhook_shows_its_secret_once(client):
    with Receiver() as receiver:
        at = create(open_page(), "webhook", receiver.url)
        assert client.list_subscriptions() == []  # the confirmation first
        assert receiver.url in texts(at.markdown)
        at = confirm(at)
        [created] = client.list_subscriptions()
        assert "Subscription #1 created: webhook" in texts(at.success)
        [secret] = [c.value for c in at.code if c.value.startswith("whsec_")]
        assert "shown only this once" in texts(at.info)
        receiver.secret = secret
        at.button(key=notify.NOTIFY_TEST).click().run()  # any rerun: the secret is gone
        assert_clean(at)
        assert not [c for c in at.code if c.value.startswith("whsec_")]
        assert receiver.requests == []  # asked to confirm: nothing sent yet
        confirm(at)
        assert "Test event delivered to #1: 200" in texts(at.success)
    assert receiver.requests[0].signature_ok is True
    assert created.target == receiver.url


def test_a_refused_target_is_an_error_message_not_a_traceback(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "")
    at = create(open_page(), "webhook", "http://169.254.169.254/latest")
    assert "is a cloud metadata address" in texts(at.warning)  # said before Confirm
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled
    assert client.list_subscriptions() == []
    at.button(key=keys.MODEL_CONFIRM_CANCEL).click().run()
    at = create(at, "email", "not an address")
    assert "Invalid email address 'not an address'" in texts(at.warning)
    assert at.button(key=keys.MODEL_CONFIRM_OK).disabled


def test_disable_delete_and_the_delivery_log_with_redeliver(client, model):
    with Receiver(Script(statuses=[500])) as receiver:
        sub = client.create_subscription("webhook", receiver.url)
        client.send_test_event(sub.id)  # fails: dead
        at = open_page()
        log = at.dataframe[1].value
        assert list(log["Status"]) == [500] and list(log["Error"]) == ["HTTP 500"]
        picker = at.selectbox(key=notify.NOTIFY_REDELIVER_PICK)
        assert picker.options == ["Delivery 1: registry.test to #1, dead"]
        at.button(key=notify.NOTIFY_REDELIVER).click().run()
        assert "Delivery 1: registry.test to #1, dead" in texts(at.markdown)
        confirm(at)
        assert "queued again" in texts(at.success)
        assert client.get_delivery(1).state == "pending"
    at.button(key=notify.NOTIFY_TOGGLE).click().run()
    confirm(at)
    assert client.get_subscription(sub.id).enabled is False
    assert at.dataframe[0].value["State"][0] == "disabled"
    at.button(key=notify.NOTIFY_DELETE).click().run()  # the confirmation every write has
    assert f"#{sub.id} webhook" in texts(at.markdown)
    assert client.list_subscriptions() != []
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert_clean(at)
    assert client.list_subscriptions() == [] and "No subscriptions yet" in texts(at.info)
    assert f"Subscription #{sub.id} and its delivery log were deleted." in texts(at.success)


def test_the_backlog_warns_when_no_dispatcher_runs(client, model):
    client.create_subscription("webhook", "http://127.0.0.1:9/hook")
    client.transition_model_version_stage(model, 1, "Staging")
    at = open_page()
    assert "1 event waits for the dispatcher" in texts(at.warning)


def test_every_button_asks_to_confirm_and_the_outcome_is_one_message(client):
    """Test, disable, enable (and create, redeliver, delete above) open the confirmation
    every write uses: Cancel changes nothing, Confirm does it and one message says so,
    red for a test event that did not get through."""
    with Receiver(Script(statuses=[500])) as receiver:
        sub = client.create_subscription("webhook", receiver.url)
        at = open_page()
        at.button(key=notify.NOTIFY_TEST).click().run()
        assert f"Send a test event to #{sub.id}" in texts(at.markdown)
        at.button(key=keys.MODEL_CONFIRM_CANCEL).click().run()
        assert_clean(at)
        assert receiver.requests == [] and not at.success and not at.error
        confirm(at.button(key=notify.NOTIFY_TEST).click().run())
        assert texts(at.error) == f"Test event to #{sub.id} failed: HTTP 500"  # the only one
        assert not at.success and not at.toast
    for word, enabled in (("disabled", False), ("enabled", True)):
        at.button(key=notify.NOTIFY_TOGGLE).click().run()
        assert f"→ **{word}**" in texts(at.markdown)
        assert client.get_subscription(sub.id).enabled is not enabled  # not yet
        confirm(at)
        assert client.get_subscription(sub.id).enabled is enabled
        said = f"Subscription #{sub.id} {word}" + (": events are skipped." if not enabled else ".")
        assert texts(at.success) == said and not at.error
        assert not at.toast
