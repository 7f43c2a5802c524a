"""Registry servers for tests, on 127.0.0.1 and free ports.

``ServerProcess`` runs the real ``registry server`` command in its own session (for
end-to-end checks: kills, restarts, concurrent client processes); ``serve_in_thread`` runs
the same application in this process on a fresh home, cheap enough for one per test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections while the block lasts.

    It is bound and never listened on, so no server another test starts meanwhile can take
    it; a port from ``free_port`` may be handed to one between the check and the connect.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def registry_command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "registry.cli", "--home", str(home), *args]


def create_token(home: Path, name: str, role: str | None = "admin", admin: str = "") -> str:
    """A token made by ``registry token create`` on the folder (no server may hold it),
    acting as ``admin`` (REGISTRY_USER) once the folder has one."""
    command = registry_command(home, "token", "create", name)
    if role:
        command += ["--role", role]
    env = {**os.environ, "REGISTRY_USER": admin or name}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True, env=env)
    return done.stdout.strip().splitlines()[-1]


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"registry server exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"registry server at {url} did not become healthy in {timeout} s")


@dataclass
class ServerProcess:
    """``registry server`` on a home, started and stopped by its PID."""

    home: Path
    log: Path
    port: int = 0
    process: subprocess.Popen | None = None
    args: tuple[str, ...] = ()  # more options of `registry server`
    env: dict[str, str] = field(default_factory=dict)  # over the defaults (dispatcher off)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        """Start it and wait until healthy. On a port it picked itself it tries again on
        another when a server of another test took that one first."""
        picked = not self.port
        for _ in range(3):
            self.port = self.port or free_port()
            env = {**os.environ, "REGISTRY_DISPATCHER": "off", "PYTHONPATH": str(ROOT), **self.env}
            command = registry_command(self.home, "server", "--port", str(self.port), *self.args)
            start = self.log.stat().st_size if self.log.exists() else 0
            with open(self.log, "ab") as out:
                self.process = subprocess.Popen(
                    command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            try:
                wait_healthy(self.url, self.process)
                return self
            except RuntimeError:
                taken = b"already in use" in self.log.read_bytes()[start:]
                if not (picked and taken):
                    raise
                self.port = 0
        raise RuntimeError(f"registry server found no free port; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def serve_in_thread(home: Path, user: str = "tester") -> Iterator[tuple[str, str]]:
    """The server's application on ``home`` in a thread; yields (url, admin token)."""
    from registry import RegistryClient

    with serve_store_in_thread(home) as (url, store):
        _, token = RegistryClient(store=store, user=user).create_token(user, "admin")
        yield url, token


@contextlib.contextmanager
def serve_store_in_thread(home: Path) -> Iterator[tuple[str, object]]:
    """The server's application on ``home`` in a thread; yields (url, its store)."""
    import uvicorn

    from registry.server.app import create_app
    from registry.store.duckdb import DuckDBStore

    store = DuckDBStore(home, busy_timeout=15)
    with store.hold(), socket.socket() as listening:
        # Bound here and handed to uvicorn: no other test's server can take the port first.
        listening.bind(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        config = uvicorn.Config(
            create_app(store), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, args=([listening],), daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url)
            yield url, store
        finally:
            server.should_exit = True
            thread.join(10)
