"""Safety: refused addresses (checked again at delivery), pinned DNS, no redirects, caps,
and no secrets in logs."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

import pytest
from notify_support import ENV, Receiver, Script

from registry import InvalidArgumentError
from registry.notifications import egress
from registry.notifications.dispatcher import Dispatcher
from registry.notifications.settings import parse_allow_list


@pytest.fixture(autouse=True)
def notify_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("https://192.168.0.10/hook", "is a private address"),
        ("http://169.254.169.254/latest/meta-data", "is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
        ("http://100.100.100.200/", "not a public address"),
        ("http://0.0.0.0:80/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
def test_non_public_addresses_are_refused_without_the_allow_list(client, monkeypatch, url, reason):
    monkeypatch.delenv("REGISTRY_WEBHOOK_ALLOW")
    with pytest.raises(InvalidArgumentError, match=re.escape(reason)) as caught:
        client.create_subscription("webhook", url)
    assert "REGISTRY_WEBHOOK_ALLOW" in str(caught.value)


def test_the_allow_list_takes_addresses_and_networks(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "10.0.0.0/8, 127.0.0.1")
    client.create_subscription("webhook", "http://10.20.30.40/hook")
    client.create_subscription("webhook", "http://127.0.0.1:9/hook")
    with pytest.raises(InvalidArgumentError, match=r"127\.0\.0\.2 is a loopback"):
        client.create_subscription("webhook", "http://127.0.0.2/hook")


def test_localhost_by_name_is_refused_too(client, monkeypatch):
    monkeypatch.delenv("REGISTRY_WEBHOOK_ALLOW")
    with pytest.raises(InvalidArgumentError, match="Refused to send to 'localhost'"):
        client.create_subscription("webhook", "http://localhost:8080/hook")


def test_public_addresses_pass_the_check():
    allow = parse_allow_list("")
    assert egress.refusal(ipaddress.ip_address("93.184.216.34"), allow) is None
    assert egress.refusal(ipaddress.ip_address("2606:4700::1111"), allow) is None


def test_the_address_is_checked_again_at_delivery(client, model, monkeypatch):
    monkeypatch.setenv("REGISTRY_NOTIFY_ATTEMPTS", "1")
    with Receiver() as receiver:
        client.create_subscription("webhook", receiver.url)
        monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "")  # the operator narrows the list
        client.transition_model_version_stage(model, 1, "Staging")
        Dispatcher(client._store).drain()
    assert receiver.requests == []
    [attempt] = client.get_delivery_log()
    assert "127.0.0.1 is a loopback address" in attempt.error and attempt.status_code is None


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    client, model, monkeypatch
):
    answers = {"hooks.example.test": "127.0.0.1"}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with Receiver() as receiver:
        client.create_subscription("webhook", f"http://hooks.example.test:{receiver.port}/in")
        client.transition_model_version_stage(model, 1, "Staging")
        Dispatcher(client._store).drain()
        answers["hooks.example.test"] = "10.9.9.9"  # the DNS answer changes: refused now
        client.transition_model_version_stage(model, 2, "Staging")
        Dispatcher(client._store).drain()
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert request.path == "/in"
    newest = client.get_delivery_log()[0]
    assert "10.9.9.9 is a private address" in newest.error


def test_redirects_are_refused_not_followed(client, model):
    with Receiver() as target, Receiver(Script(then=302, location=target.url)) as redirector:
        sub = client.create_subscription("webhook", redirector.url)
        delivery = client.send_test_event(sub.id)
    assert target.requests == [] and len(redirector.requests) == 1
    assert delivery.state == "dead" and delivery.last_status == 302
    assert delivery.last_error.startswith("HTTP 302 redirect to http://127.0.0.1:")
    assert delivery.last_error.endswith("refused: redirects are not followed")


def test_response_excerpts_and_payloads_are_capped(client, model):
    with Receiver(Script(reply=b"x" * 200_000)) as receiver:
        client.create_subscription("webhook", receiver.url, ["model_version.description_changed"])
        client.update_model_version(model, 1, description="d" * 20_000)
        Dispatcher(client._store).drain()
    [request] = receiver.requests
    assert len(request.body) < 8_000
    assert len(request.json["payload"]["new_value"]) == 2000
    [attempt] = client.get_delivery_log()
    assert attempt.status_code == 200 and len(attempt.response_excerpt) == 500


def test_secrets_appear_in_no_log_event_or_listing(client, model, caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver(Script(statuses=[500])) as receiver:
        sub = client.create_subscription("webhook", receiver.url)
        client.transition_model_version_stage(model, 1, "Staging")
        Dispatcher(client._store).drain(settle=True, timeout=5)
    secret = sub.secret
    assert secret not in caplog.text and "registry.notifications.dispatcher" in caplog.text
    assert secret not in repr(client.list_subscriptions())
    assert secret not in repr(client.get_delivery_log()) + repr(client.list_deliveries())
    assert secret not in repr(client.get_events()) + repr(client.get_history())
    assert all(secret not in r.body.decode() for r in receiver.requests)
