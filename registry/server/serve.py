"""``registry server``: serve one registry home (or PostgreSQL database) until stopped.

The server opens the store once and holds it for its whole life (no lease changes hands, the
connection stays warm), so every client reaches the registry through it. The notification
dispatcher runs in the same process on the same store. Several servers may share one
PostgreSQL store (``--store postgresql://...``): each runs its own dispatcher, and the
outbox's claims keep them from delivering an event twice at once.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import logging
import os
import socket
import sys
from collections.abc import Iterable
from pathlib import Path

from registry.errors import InvalidArgumentError
from registry.server.hosts import host_header_form

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    home: Path,
    host: str,
    port: int,
    *,
    dispatcher: bool = True,
    allowed_hosts: Iterable[str] = (),
    artifacts: str | None = None,
    store_uri: str | None = None,
    workers: int = 1,
) -> int:
    """Run the server in the foreground; returns the exit code. Requests must name the
    server by loopback, ``host`` or one of ``allowed_hosts`` (``registry.server.hosts``).
    Model files live at ``artifacts`` (a folder or ``s3://bucket/prefix``; default
    ``REGISTRY_ARTIFACTS``, else the home's ``artifacts/``): a bucket is reached once before
    serving, so a missing bucket or refused credentials stop the start with the reason.
    ``store_uri`` (``postgresql://...``) serves that database instead of the home's DuckDB
    file; its model files default to the home's ``artifacts/`` too. ``workers`` > 1 (only
    with ``store_uri``) serves from that many processes, each with its own pool and
    dispatcher (``worker_app``)."""
    import uvicorn

    from registry import config
    from registry.notifications.dispatcher import Dispatcher
    from registry.server.app import create_app
    from registry.server.hosts import HostCheck
    from registry.server.hosts import allowed_hosts as names
    from registry.store.opening import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if workers > 1 and store_uri is None:
        raise InvalidArgumentError(
            f"--workers {workers} needs --store postgresql://...: a DuckDB file admits one "
            "process at a time"
        )
    listening = listen_on(host, port)  # before the store: a taken port fails at once
    port = listening.getsockname()[1]  # --port 0: the one the system picked
    with contextlib.ExitStack() as stack:
        stack.enter_context(listening)
        store = open_store(home, store_uri, artifacts=artifacts, busy_timeout=config.busy_timeout())
        check_artifacts = getattr(store.blobs, "check", None)
        if check_artifacts is not None:
            check_artifacts()  # raises ServerUnavailableError saying what to fix
        stack.enter_context(store.hold())
        if hasattr(store, "close"):  # PostgreSQL's pool, closed after the dispatcher stops
            stack.callback(store.close)
        if running_dispatcher(dispatcher) and workers == 1:
            running = Dispatcher(store).start()
            stack.callback(running.stop)
        hosts = names(host, port, allowed_hosts)
        if host not in LOOPBACK:
            print(
                f"registry: serving on {host}: put TLS in front of it; requests must name the "
                f"server as one of {', '.join(sorted(hosts))} (add names with --allowed-host)",
                file=sys.stderr,
            )
        files = getattr(store.blobs, "url", None)
        served = str(home) if store_uri is None else store.key
        where = f"{served} (model files in {files})" if files else served
        print(f"registry server: {where} on http://{host_header_form(host)}:{port}", flush=True)
        options = {"host": host, "port": port, "log_level": "warning", "access_log": False}
        if workers > 1:  # the store is migrated and checked: each worker opens its own
            stack.close()  # uvicorn binds the port again for its workers to share
            os.environ[_WORKER] = json.dumps(
                [str(home), store_uri, artifacts, running_dispatcher(dispatcher), sorted(hosts)]
            )
            uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)
            return 0
        app = HostCheck(create_app(store), hosts)
        server = uvicorn.Server(uvicorn.Config(app, timeout_graceful_shutdown=10, **options))
        server.run(sockets=[listening])
        return 0 if server.started else 1


def listen_on(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (``port`` 0 to 65535), or an
    InvalidArgumentError saying why the server cannot listen there and what to give instead.
    The address family follows the host as uvicorn's does: IPv6 for an address with a colon."""
    where = f"{host_header_form(host)}:{port}"
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
    except (OSError, UnicodeError) as error:
        sock.close()
        code = getattr(error, "errno", None)
        if code == errno.EADDRINUSE:
            reason = (
                f"{where} is already in use (another registry server or dashboard, or another "
                "program, listens there): stop it, or choose a free port with --port"
            )
        elif code == errno.EACCES:
            reason = f"{where} may not be used by this user: choose --port 1024 or above"
        elif code == errno.EADDRNOTAVAIL:
            reason = (
                f"--host {host} is not an address of this machine: give one of its addresses, "
                "such as 127.0.0.1 (the default)"
            )
        elif isinstance(error, (socket.gaierror, UnicodeError)):
            reason = (
                f"--host {host!r} is not an address or a name this machine can resolve: give "
                "one of its addresses, such as 127.0.0.1 (the default)"
            )
        else:
            reason = f"cannot listen on {where}: {error.strerror or error}"
        raise InvalidArgumentError(reason) from None
    sock.listen(2048)  # a client that connects once the address is printed waits, not refused
    return sock


_WORKER = "REGISTRY_SERVE_WORKER"


def running_dispatcher(wanted: bool) -> bool:
    return wanted and os.environ.get("REGISTRY_DISPATCHER", "on") != "off"


def worker_app():
    """The application of one ``--workers`` process: its own store and dispatcher, closed
    when the process exits."""
    from registry import config
    from registry.notifications.dispatcher import Dispatcher
    from registry.server.app import create_app
    from registry.server.hosts import HostCheck
    from registry.store.opening import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    home, store_uri, artifacts, dispatcher, hosts = json.loads(os.environ[_WORKER])
    store = open_store(
        Path(home), store_uri, artifacts=artifacts, busy_timeout=config.busy_timeout()
    )
    atexit.register(store.close)
    if dispatcher:
        atexit.register(Dispatcher(store).start().stop)  # runs before the pool closes
    return HostCheck(create_app(store), set(hosts))
