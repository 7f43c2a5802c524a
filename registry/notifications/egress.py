"""Outgoing HTTP for webhooks and Slack, refusing what a server must not reach.

A target URL is http or https, carries no credentials, and its host must resolve to a public
address: loopback, private, link-local (cloud metadata such as 169.254.169.254), shared,
multicast and reserved addresses are refused unless ``REGISTRY_WEBHOOK_ALLOW`` lists them.
An IPv6 address that carries an IPv4 one (NAT64, 6to4, IPv4-mapped and the like) is judged
as that IPv4 address; Teredo and local-use NAT64 addresses, whose IPv4 cannot be read
reliably, are refused.
The check runs when the subscription is created and again at every delivery, and the
connection goes to the address that passed the check (the Host header and TLS name stay the
URL's host), so a DNS answer that changes in between cannot redirect it. Redirects are never
followed; the response is read up to a cap.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from registry.errors import InvalidArgumentError
from registry.notifications import wire
from registry.notifications.settings import Network

MAX_URL = 2048
MAX_RESPONSE_READ = wire.MAX_RESPONSE_READ
MAX_EXCERPT = 500
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_TEREDO = ipaddress.ip_network("2001::/32")


class DeliveryError(Exception):
    """A request that did not produce an HTTP response (refused, timed out, TLS, ...)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str
    location: str | None = None
    at: float = 0.0  # time.perf_counter() when it arrived


def check_url(url: object) -> Target:
    """The parts of an http(s) URL; raises InvalidArgumentError saying what is wrong."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidArgumentError(f"Invalid URL {url!r}: expected http:// or https://...")
    if len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidArgumentError(
            f"Invalid URL {url[:80]!r}: over {MAX_URL} characters or contains spaces"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidArgumentError(f"Invalid URL {url!r}: only http and https are supported")
    if not parts.hostname:
        raise InvalidArgumentError(f"Invalid URL {url!r}: it names no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidArgumentError(
            "Invalid URL: it embeds credentials (user:password@); receivers authenticate "
            "requests by their signature instead"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidArgumentError(f"Invalid URL {url!r}: bad port") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path)


def refusal(address: Address, allow: Sequence[Network]) -> str | None:
    """Why ``address`` may not be reached (None when it may). An IPv6 address that carries an
    IPv4 one (NAT64, 6to4, IPv4-mapped, -compatible or -translated) is judged as that IPv4
    address, unless the allow list names the IPv6 address itself."""
    if any(address in network for network in allow):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address in _TEREDO:
            # Teredo hides its server and client IPv4 addresses; nothing to judge it by.
            return "a Teredo address"
        if address in _NAT64_LOCAL:
            # The operator picks where the IPv4 address sits inside this prefix (RFC 8215).
            return "a local-use NAT64 address"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind, ipv4 = embedded
            reason = refusal(ipv4, allow)
            return None if reason is None else f"{reason} ({kind} form of {ipv4})"
    for reason, flag in (
        ("a cloud metadata address", address in _METADATA),
        ("a loopback address", address.is_loopback),
        ("an unspecified address", address.is_unspecified),
        ("a link-local address", address.is_link_local),
        ("a private address", address.is_private),
        ("a multicast address", address.is_multicast),
        ("not a public address", not address.is_global),
    ):
        if flag:
            return reason
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The kind of IPv6 form and the IPv4 address that ``address`` carries, if it carries one."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _IPV4_TRANSLATED:
        return "IPv4-translated", low32
    if address in _NAT64:
        return "NAT64", low32
    if address.sixtofour:
        return "6to4", address.sixtofour
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return "IPv4-compatible", low32
    return None


def resolve(host: str, port: int, allow: Sequence[Network]) -> str:
    """The address to connect to for ``host``: the first it resolves to that may be reached.
    Raises InvalidArgumentError when it does not resolve or every address is refused."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise InvalidArgumentError(f"Cannot resolve host {host!r}: {error}") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    reasons = []
    for address in addresses:
        reason = refusal(address, allow)
        if reason is None:
            return str(address)
        reasons.append(f"{address} is {reason}")
    raise InvalidArgumentError(
        f"Refused to send to {host!r}: {'; '.join(dict.fromkeys(reasons))}. Add the address "
        "or its network to REGISTRY_WEBHOOK_ALLOW if this receiver is meant to be reached."
    )


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow: Sequence[Network],
    connections: Connections | None = None,
) -> Response:
    """POST ``body`` to ``url`` within ``timeout`` seconds, following no redirect (one
    request of ``post_many``). Raises InvalidArgumentError when the URL or its address is
    refused, DeliveryError when no HTTP response arrived in time."""
    [answer] = post_many(url, [(body, headers)], timeout=timeout, allow=allow,
                         connections=connections)  # fmt: skip
    if isinstance(answer, DeliveryError):
        raise answer
    return answer


def post_many(
    url: str,
    requests: list[tuple[bytes, dict[str, str]]],
    *,
    timeout: float,
    allow: Sequence[Network],
    connections: Connections | None = None,
) -> list[Response | DeliveryError]:
    """POST each (body, headers) to ``url``, pipelined on one connection to the checked
    address, each answer within ``timeout`` s of the start; one Response or DeliveryError
    per request, in order. With ``connections`` a kept-alive connection is reused and kept.
    Raises InvalidArgumentError when the URL or its address is refused."""
    target = check_url(url)
    address = resolve(target.host, target.port, allow)
    key = (target.scheme, target.host, target.port, address)
    deadline = time.monotonic() + timeout
    try:
        data = [wire.request(target.host, target.port, target.scheme, target.path, body, head)
                for body, head in requests]  # fmt: skip
    except wire.WireError as error:
        return [DeliveryError(str(error))] * len(requests)
    results: list[Response | DeliveryError] = []
    connection = connections.take(key) if connections is not None else None
    depth = len(data)
    while len(results) < len(data):
        fresh = connection is None
        if connection is None:
            try:
                connection = wire.connect(key, timeout)
            except (OSError, ssl.SSLError) as error:
                failure = _delivery_error(wire._as_wire_error(error), timeout)
                return results + [failure] * (len(data) - len(results))
        batch = data[len(results) : len(results) + depth]
        answers, keep, error = wire.exchange(connection, batch, deadline)
        results += [_response(answer) for answer in answers]
        if not keep or (len(results) == len(data) and connections is None):
            connection.close()
        elif len(results) == len(data):
            connections.give(connection)
        connection = connection if keep else None
        unanswered = len(answers) < len(batch)
        if unanswered and (error is None or (isinstance(error, wire.Closed) and
                                             (answers or not fresh))):  # fmt: skip
            depth = depth if not answers else 1  # it closes after answering: one at a time
            if connections is not None and answers:
                connections.mark_serial(url)
            continue
        if error is not None:
            return results + [_delivery_error(error, timeout)] * (len(data) - len(results))
    return results


def _response(answer: wire.Answer) -> Response:
    excerpt = answer.body[:MAX_EXCERPT].decode("utf-8", errors="replace")
    return Response(answer.status, excerpt, answer.location, answer.at)


def _delivery_error(error: wire.WireError, timeout: float) -> DeliveryError:
    if str(error) == "timed out":
        return DeliveryError(f"timed out after {timeout:g} s")
    return DeliveryError(str(error))


class Connections:
    """Idle kept-alive connections by (scheme, host, port, checked address), shared by the
    threads of one dispatcher; a connection idle for ``idle_timeout`` s is closed. A URL
    whose receiver closed a connection after answering is sent one request at a time for
    ``serial_for`` s (``pipelines`` says whether it may be sent several)."""

    def __init__(self, idle_timeout: float = 30.0, per_key: int = 32, serial_for: float = 60.0):
        self.idle_timeout = idle_timeout
        self.per_key = per_key
        self.serial_for = serial_for
        self._idle: dict[tuple, list[tuple[float, wire.Wire]]] = {}
        self._serial: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple) -> wire.Wire | None:
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                since, connection = idle.pop()
                if time.monotonic() - since < self.idle_timeout:
                    return connection
                connection.close()
        return None

    def give(self, connection: wire.Wire) -> None:
        with self._lock:
            idle = self._idle.setdefault(connection.key, [])
            if len(idle) < self.per_key:
                idle.append((time.monotonic(), connection))
                return
        connection.close()

    def mark_serial(self, url: str) -> None:
        self._serial[url] = time.monotonic() + self.serial_for

    def pipelines(self, url: str) -> bool:
        return self._serial.get(url, 0.0) < time.monotonic()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _since, connection in connections:
                connection.close()
