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

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from registry.errors import InvalidArgumentError
from registry.notifications.settings import Network

MAX_URL = 2048
MAX_RESPONSE_READ = 64 * 1024
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
    """POST ``body`` to ``url`` within ``timeout`` seconds, following no redirect. With
    ``connections``, a kept-alive connection to the same checked address is reused (and one
    the receiver closed meanwhile is replaced once), and this one is kept for the next post.

    Raises InvalidArgumentError when the URL or its address is refused, DeliveryError when no
    HTTP response arrived in time."""
    target = check_url(url)
    address = resolve(target.host, target.port, allow)
    key = (target.scheme, target.host, target.port, address)
    deadline = time.monotonic() + timeout
    connection = connections.take(key) if connections is not None else None
    if connection is not None:
        try:
            return _exchange(connection, target, body, headers, deadline, timeout, connections)
        except _Stale:
            pass  # the receiver closed the idle connection: send once more on a fresh one
    connection = _connection(target, address, timeout)
    return _exchange(connection, target, body, headers, deadline, timeout, connections, fresh=True)


_CLOSED_BY_RECEIVER = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class _Stale(Exception):
    """A reused connection turned out closed by the receiver before it answered."""


def _exchange(connection, target, body, headers, deadline, timeout, connections, fresh=False):
    """One request and its (capped) response. The connection is kept in ``connections`` when
    it may be reused, else closed. Raises DeliveryError, or _Stale (a reused connection)."""
    keep = False
    try:
        _set_remaining(connection, deadline)
        connection.request("POST", target.path, body=body, headers=headers)
        _set_remaining(connection, deadline)
        response = connection.getresponse()
        data, complete = _read_capped(response, deadline, connection)
        keep = connections is not None and complete and not response.will_close
        response.close()  # read to its end: the connection may carry the next request
        excerpt = data[:MAX_EXCERPT].decode("utf-8", errors="replace")
        return Response(response.status, excerpt, response.getheader("Location"))
    except (TimeoutError, ssl.SSLError, http.client.HTTPException, OSError) as error:
        if not fresh and isinstance(error, _CLOSED_BY_RECEIVER):
            raise _Stale from None
        raise _delivery_error(error, timeout) from None
    finally:
        if keep:
            connections.give(connection)
        else:
            connection.close()


def _delivery_error(error: BaseException, timeout: float) -> DeliveryError:
    if isinstance(error, TimeoutError):
        return DeliveryError(f"timed out after {timeout:g} s")
    if isinstance(error, ssl.SSLError):
        return DeliveryError(f"TLS error: {error.reason or error}")
    if isinstance(error, http.client.HTTPException):
        return DeliveryError(f"bad HTTP response: {type(error).__name__} {error}")
    return DeliveryError(f"{type(error).__name__}: {getattr(error, 'strerror', None) or error}")


class Connections:
    """Idle kept-alive connections by (scheme, host, port, checked address), shared by the
    threads of one dispatcher; a connection idle for ``idle_timeout`` s is closed."""

    def __init__(self, idle_timeout: float = 30.0, per_key: int = 32):
        self.idle_timeout = idle_timeout
        self.per_key = per_key
        self._idle: dict[tuple, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple) -> http.client.HTTPConnection | None:
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                since, connection = idle.pop()
                if time.monotonic() - since < self.idle_timeout:
                    return connection
                connection.close()
        return None

    def give(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(connection.key, [])
            if len(idle) < self.per_key:
                idle.append((time.monotonic(), connection))
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _since, connection in connections:
                connection.close()


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target.host, target.port, address, timeout)
    connection.key = (target.scheme, target.host, target.port, address)
    return connection


def _set_remaining(connection: http.client.HTTPConnection, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _read_capped(response, deadline: float, connection) -> tuple[bytes, bool]:
    """Up to MAX_RESPONSE_READ bytes of the body, and whether that was all of it."""
    chunks, size = [], 0
    while size < MAX_RESPONSE_READ:
        _set_remaining(connection, deadline)
        chunk = response.read1(MAX_RESPONSE_READ - size)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), response.isclosed()


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host as Host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate must match the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
