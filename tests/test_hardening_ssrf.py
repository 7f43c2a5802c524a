"""The webhook guard sees through IPv6 forms that carry an IPv4 address (NAT64, 6to4,
IPv4-mapped, -compatible and -translated) and refuses Teredo. Literal addresses only: nothing
is resolved and nothing is connected to."""

from __future__ import annotations

import ipaddress
import re

import pytest

from registry import InvalidArgumentError
from registry.notifications import egress
from registry.notifications.settings import parse_allow_list

NO_ALLOW = parse_allow_list("")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::7f00:1", "is a loopback address (NAT64 form of 127.0.0.1)"),
        ("64:ff9b::a00:1", "is a private address (NAT64 form of 10.0.0.1)"),
        ("64:ff9b::a9fe:a9fe", "is a cloud metadata address (NAT64 form of 169.254.169.254)"),
        ("64:ff9b::c0a8:10a", "is a private address (NAT64 form of 192.168.1.10)"),
        ("64:ff9b:1::a00:1", "is a local-use NAT64 address"),
        ("64:ff9b:1:ab00::808:808", "is a local-use NAT64 address"),
        ("2002:7f00:1::1", "is a loopback address (6to4 form of 127.0.0.1)"),
        ("2002:a00:1::", "is a private address (6to4 form of 10.0.0.1)"),
        ("2002:a9fe:a9fe:1::1", "is a cloud metadata address (6to4 form of 169.254.169.254)"),
        ("2002:a9fe:1::", "is a link-local address (6to4 form of 169.254.0.1)"),
        ("::ffff:10.0.0.1", "is a private address (IPv4-mapped form of 10.0.0.1)"),
        ("::ffff:0:7f00:1", "is a loopback address (IPv4-translated form of 127.0.0.1)"),
        ("::127.0.0.1", "is a loopback address (IPv4-compatible form of 127.0.0.1)"),
        ("::10.0.0.1", "is a private address (IPv4-compatible form of 10.0.0.1)"),
        ("::1", "::1 is a loopback address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "is a Teredo address"),
        ("2001::1", "is a Teredo address"),
    ],
)
def test_ipv6_forms_of_non_public_ipv4_are_refused(address, reason):
    with pytest.raises(InvalidArgumentError, match=re.escape(reason)) as caught:
        egress.resolve(address, 443, NO_ALLOW)
    assert "REGISTRY_WEBHOOK_ALLOW" in str(caught.value)


def test_a_subscription_to_a_nat64_form_of_loopback_is_refused(client, monkeypatch):
    monkeypatch.delenv("REGISTRY_WEBHOOK_ALLOW", raising=False)
    with pytest.raises(
        InvalidArgumentError,
        match=r"64:ff9b::7f00:1 is a loopback address \(NAT64 form of 127\.0\.0\.1\)",
    ):
        client.create_subscription("webhook", "http://[64:ff9b::7f00:1]:8080/hook")
    assert client.list_subscriptions() == []


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"]
)
def test_ipv6_forms_of_public_ipv4_pass(address):
    assert egress.refusal(ipaddress.ip_address(address), NO_ALLOW) is None


@pytest.mark.parametrize(
    ("allow", "address"),
    [
        ("10.0.0.0/8", "64:ff9b::a00:1"),
        ("10.0.0.0/8", "2002:a00:1::"),
        ("64:ff9b::/96", "64:ff9b::a00:1"),
        ("64:ff9b:1::/48", "64:ff9b:1::a00:1"),
        ("2001::/32", "2001:0:4136:e378:8000:63bf:3fff:fdd2"),
    ],
)
def test_the_allow_list_admits_the_ipv6_form_or_the_ipv4_it_carries(allow, address):
    assert egress.refusal(ipaddress.ip_address(address), parse_allow_list(allow)) is None
    assert egress.refusal(ipaddress.ip_address(address), NO_ALLOW) is not None
