"""TLS: an https webhook reached through the checked address keeps verifying the URL's
host name; email goes through STARTTLS with the configured credentials."""

from __future__ import annotations

import socket

import pytest
from notify_support import ENV, Receiver, SmtpSink, make_certificate, server_context

from registry.notifications.dispatcher import Dispatcher

HOST = "hooks.example.test"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    pem = make_certificate(tmp_path_factory.mktemp("tls"), [HOST, "127.0.0.1"])
    if pem is None:
        pytest.skip("the openssl command is not installed")
    return pem


@pytest.fixture(autouse=True)
def notify_env(monkeypatch, certificate):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trust the test certificate
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host.endswith(".example.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_an_https_webhook_verifies_the_certificate_of_the_url_host(client, certificate):
    with Receiver(tls=server_context(certificate)) as receiver:
        sub = client.create_subscription("webhook", f"https://{HOST}:{receiver.port}/in")
        receiver.secret = sub.secret
        delivery = client.send_test_event(sub.id)
    assert delivery.state == "delivered", delivery.last_error
    [request] = receiver.requests
    assert request.signature_ok and request.headers["Host"] == f"{HOST}:{receiver.port}"


def test_a_certificate_for_another_name_is_refused(client, certificate, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_ATTEMPTS", "1")
    with Receiver(tls=server_context(certificate)) as receiver:
        client.create_subscription("webhook", f"https://other.example.test:{receiver.port}/")
        client.transition_model_version_stage(model, 1, "Staging")
        Dispatcher(client._store).drain()
    assert receiver.requests == []
    [attempt] = client.get_delivery_log()
    assert attempt.error.startswith("TLS error: CERTIFICATE_VERIFY_FAILED")


def test_email_over_starttls_with_credentials(client, certificate, monkeypatch):
    login = ("mailer", "s3cret-pass")
    with SmtpSink(tls=server_context(certificate), login=login) as smtp:
        monkeypatch.setenv("REGISTRY_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("REGISTRY_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("REGISTRY_SMTP_SECURITY", "starttls")
        monkeypatch.setenv("REGISTRY_SMTP_USER", login[0])
        monkeypatch.setenv("REGISTRY_SMTP_PASSWORD", login[1])
        sub = client.create_subscription("email", "ops@example.com")
        delivery = client.send_test_event(sub.id)
    assert delivery.state == "delivered", delivery.last_error
    assert smtp.logins == ["mailer"]
    [(_sender, recipients, message)] = smtp.messages
    assert recipients == ["ops@example.com"] and message["Subject"].startswith("[registry] Test")
