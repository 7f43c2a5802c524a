"""``registry server``: serve one registry home until stopped.

The server opens the store once and holds it for its whole life (no lease changes hands, the
connection stays warm), so every client reaches the registry through it. The notification
dispatcher runs in the same process on the same store.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(home: Path, host: str, port: int, *, dispatcher: bool = True) -> int:
    """Run the server in the foreground; returns the exit code."""
    import uvicorn

    from registry import config
    from registry.notifications.dispatcher import Dispatcher
    from registry.server.app import create_app
    from registry.store.duckdb import DuckDBStore

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = DuckDBStore(home, busy_timeout=config.busy_timeout())
    with contextlib.ExitStack() as stack:
        stack.enter_context(store.hold())
        if dispatcher and os.environ.get("REGISTRY_DISPATCHER", "on") != "off":
            running = Dispatcher(store).start()
            stack.callback(running.stop)
        if host not in LOOPBACK:
            print(f"registry: serving on {host}: put TLS in front of it", file=sys.stderr)
        print(f"registry server: {home} on http://{host}:{port}", flush=True)
        uvicorn.run(
            create_app(store),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    return 0
