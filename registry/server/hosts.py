"""Refuse requests that name a host this server is not (DNS rebinding).

A web page on another site can make the browser send requests to a server on localhost by
pointing its own domain at 127.0.0.1; the browser then sends that domain in ``Host``. Checking
``Host`` against the names the server answers to (loopback plus what the operator lists)
stops such a page from reading or driving the dashboard or the API. Used by ``registry
server`` and by the dashboard's launcher (``registry ui``), for HTTP requests and websocket
upgrades alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
ANY_HOST = "*"


def host_header_form(address: str) -> str:
    """``::1`` -> ``[::1]``: how an address appears in a ``Host`` header."""
    address = address.strip().lower()
    if ":" in address and not address.startswith("["):
        return f"[{address}]"
    return address


def allowed_hosts(listen: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` values a server listening on ``listen:port`` answers: the loopback names
    and ``listen`` (unless it is a wildcard) with the port, plus each of ``extra`` (from
    ``--allowed-host`` or ``REGISTRY_ALLOWED_HOSTS``) as given and, if it names no port,
    with this one. ``*`` among them turns the check off."""
    names = set(LOOPBACK_NAMES)
    if listen not in ("0.0.0.0", "::", ""):
        names.add(host_header_form(listen))
    hosts = {f"{name}:{port}" for name in names}
    for entry in [*extra, *configured_hosts()]:
        entry = entry.strip().lower()
        if not entry:
            continue
        hosts.add(entry)
        if ":" not in entry.rsplit("]", 1)[-1] and entry != ANY_HOST:  # it names no port
            hosts.add(f"{entry}:{port}")
    return frozenset(hosts)


def configured_hosts() -> list[str]:
    """The extra names in ``REGISTRY_ALLOWED_HOSTS`` (comma-separated)."""
    return [h for h in os.environ.get("REGISTRY_ALLOWED_HOSTS", "").split(",") if h.strip()]


def refusal(host: str) -> str:
    """What a refused request is told."""
    return (
        f"Host {host!r} is not a name this registry answers to, so the request was refused "
        "(a page on another site may be trying to reach a local server). If this is your "
        "server's name, start it with --allowed-host NAME or list it in REGISTRY_ALLOWED_HOSTS."
    )


class HostCheck:
    """ASGI middleware: answer 403 to an HTTP request, and refuse a websocket upgrade, whose
    ``Host`` header is not one of ``hosts`` (see ``allowed_hosts``)."""

    def __init__(self, app, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket") or ANY_HOST in self.hosts:
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        if host in self.hosts:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        else:
            body = refusal(host).encode()
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
