"""What receivers get: signed webhooks, Slack messages and emails, through real local servers."""

from __future__ import annotations

import time

import pytest
from notify_support import ENV, Receiver, Script, SmtpSink

from registry.notifications import signing
from registry.notifications.dispatcher import Dispatcher


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def _dispatch(client) -> None:
    Dispatcher(client._store).drain(settle=True, timeout=10)


def test_a_webhook_receiver_verifies_the_signature_and_timestamp(client, model):
    with Receiver() as receiver:
        sub = client.create_subscription("webhook", receiver.url, ["model_version.stage_*"])
        receiver.secret = sub.secret
        client.transition_model_version_stage(model, 3, "Production", comment="ship it")
        _dispatch(client)
    [request] = receiver.requests
    assert request.signature_ok is True
    headers = request.headers
    assert abs(int(headers[signing.TIMESTAMP_HEADER]) - time.time()) < 5
    assert headers["X-Registry-Event"] == "model_version.stage_transitioned"
    assert headers["Content-Type"] == "application/json"
    body = request.json
    assert body["name"] == "model_version.stage_transitioned" and body["id"] > 0
    assert body["payload"]["to_stage"] == "Production"
    assert body["payload"]["comment"] == "ship it"
    assert headers["X-Registry-Event-Id"] == str(body["id"])
    assert not signing.verify("whsec_wrong", headers[signing.TIMESTAMP_HEADER], request.body,
                              headers[signing.SIGNATURE_HEADER])  # fmt: skip
    [delivery] = client.list_deliveries()
    assert delivery.state == "delivered" and delivery.last_status == 200


def test_a_test_event_is_sent_at_once_and_logged(client):
    with Receiver() as receiver:
        sub = client.create_subscription("webhook", receiver.url)
        receiver.secret = sub.secret
        delivery = client.send_test_event(sub.id)
    assert delivery.state == "delivered" and delivery.event == "registry.test"
    [request] = receiver.requests
    assert request.signature_ok and request.json["name"] == "registry.test"
    assert request.json["actor"] == "tester"
    [attempt] = client.get_delivery_log(delivery.id)
    assert attempt.status_code == 200 and attempt.error is None and attempt.response_excerpt == "ok"


def test_a_failed_test_event_says_why_and_is_not_retried(client):
    with Receiver(Script(statuses=[503], reply=b"maintenance")) as receiver:
        sub = client.create_subscription("webhook", receiver.url)
        delivery = client.send_test_event(sub.id)
        _dispatch(client)
    assert delivery.state == "dead" and delivery.last_error == "HTTP 503"
    assert len(receiver.requests) == 1
    assert client.get_delivery_log(delivery.id)[0].response_excerpt == "maintenance"


def test_slack_gets_readable_text_with_a_link(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_DASHBOARD_URL", "http://dash.example:8501")
    with Receiver() as receiver:
        client.create_subscription("slack", receiver.url, ["model_version.stage_transitioned"])
        client.transition_model_version_stage(model, 2, "Staging", comment="<looks good> & fast")
        _dispatch(client)
    [request] = receiver.requests
    assert signing.SIGNATURE_HEADER not in request.headers
    text = request.json["text"]
    assert text.startswith("tester moved churn v2 from None to Staging")
    assert "> &lt;looks good&gt; &amp; fast" in text
    assert "<http://dash.example:8501/?page=model&model=churn&version=2|Open in" in text


def test_email_arrives_with_plain_text_and_html_parts(client, model, monkeypatch):
    with SmtpSink() as smtp:
        monkeypatch.setenv("REGISTRY_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REGISTRY_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("REGISTRY_SMTP_SECURITY", "none")
        monkeypatch.setenv("REGISTRY_SMTP_FROM", "registry@example.com")
        client.create_subscription(
            "email", "ops@example.com, ml@example.com", ["model_version.stage_*"]
        )
        client.transition_model_version_stage(model, 1, "Production", comment="Q3 <release>")
        _dispatch(client)
    [(sender, recipients, message)] = smtp.messages
    assert sender == "registry@example.com"
    assert recipients == ["ops@example.com", "ml@example.com"]
    assert message["Subject"] == "[registry] tester moved churn v1 from None to Production"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "comment: Q3 <release>" in plain
    assert "http://localhost:8501/?page=model&model=churn&version=1" in plain
    assert "Q3 &lt;release&gt;" in html and "<release>" not in html
    assert 'href="http://localhost:8501/?page=model&amp;model=churn&amp;version=1"' in html
    [delivery] = client.list_deliveries()
    assert delivery.state == "delivered" and delivery.last_status == 250


def test_email_without_a_mail_server_fails_with_a_hint(client, monkeypatch):
    monkeypatch.delenv("REGISTRY_SMTP_HOST", raising=False)
    sub = client.create_subscription("email", "ops@example.com")
    delivery = client.send_test_event(sub.id)
    assert delivery.state == "dead"
    assert delivery.last_error == "no mail server configured: set REGISTRY_SMTP_HOST"


def test_smtp_credentials_never_reach_the_log(client, monkeypatch):
    with SmtpSink() as smtp:
        monkeypatch.setenv("REGISTRY_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REGISTRY_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("REGISTRY_SMTP_SECURITY", "none")
        monkeypatch.setenv("REGISTRY_SMTP_USER", "mailer")
        monkeypatch.setenv("REGISTRY_SMTP_PASSWORD", "hunter2-secret")
        sub = client.create_subscription("email", "ops@example.com")
        delivery = client.send_test_event(sub.id)
    # The sink offers no AUTH, so the login fails: the message must not leak the password.
    assert delivery.state == "dead" and "hunter2" not in (delivery.last_error or "")
    assert "hunter2" not in repr(client.get_delivery_log())
