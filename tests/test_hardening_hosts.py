"""DNS rebinding (issue 14, item 1): the dashboard and the server answer only requests that
name them. A page on another site whose domain resolves to 127.0.0.1 makes the browser send
that domain in ``Host``; both processes refuse it, page and websocket upgrade alike."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import httpx
import pytest
from server_support import ROOT, ServerProcess, free_port, registry_command

from registry.server.hosts import allowed_hosts

UPGRADE = (
    "GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
    "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
)


def status_line(port: int, request: str) -> str:
    """The first line of the answer to a raw HTTP request."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request.encode())
        return connection.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def get(port: int, path: str, host: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host}, timeout=10)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """A real ``registry ui`` on an empty home; yields its port."""
    home, port = tmp_path_factory.mktemp("ui") / "home", free_port()
    env = {**os.environ, "REGISTRY_DISPATCHER": "off", "PYTHONPATH": str(ROOT)}
    env.pop("REGISTRY_ALLOWED_HOSTS", None)
    command = registry_command(home, "ui", "--headless", "--port", str(port))
    command += ["--allowed-host", "dash.example.org"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "registry ui exited"
        try:
            if get(port, "/_stcore/health", f"127.0.0.1:{port}").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(15)


@pytest.mark.parametrize("name", ["evil.example", "127.0.0.1.evil.example", "localhost.", ""])
def test_the_dashboard_refuses_a_page_and_a_websocket_for_a_foreign_host(dashboard, name):
    host = f"{name}:{dashboard}"
    page = get(dashboard, "/", host)
    assert page.status_code == 403 and "--allowed-host" in page.text
    assert get(dashboard, "/_stcore/health", host).status_code == 403
    assert " 403 " in status_line(dashboard, UPGRADE.format(host=host))


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST", None])
def test_the_dashboard_serves_its_own_names(dashboard, name):
    host = f"{name}:{dashboard}" if name else "dash.example.org"
    page = get(dashboard, "/", host)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert " 101 " in status_line(dashboard, UPGRADE.format(host=host))


def test_the_server_refuses_a_foreign_host_unless_allowed(tmp_path):
    server = ServerProcess(tmp_path / "home", tmp_path / "log", args=("--allowed-host", "reg.lan"))
    server.start()
    try:
        port = server.port
        assert get(port, "/health", f"127.0.0.1:{port}").status_code == 200
        assert get(port, "/health", "reg.lan").status_code == 200
        assert get(port, "/health", f"reg.lan:{port}").status_code == 200
        for host in (f"evil.example:{port}", f"reg.lan:{port + 1}", "evil.example"):
            refused = get(port, "/api/v1/search_registered_models", host)
            assert refused.status_code == 403, host
            assert "not a name this registry answers to" in refused.text
    finally:
        server.stop()


def test_allowed_hosts_table(monkeypatch):
    monkeypatch.setenv("REGISTRY_ALLOWED_HOSTS", "Reg.Lan, proxy.example:443")
    hosts = allowed_hosts("::1", 8080, ["10.0.0.5", "[fd00::1]"])
    assert hosts == {
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
        "10.0.0.5",
        "10.0.0.5:8080",
        "[fd00::1]",
        "[fd00::1]:8080",
        "reg.lan",
        "reg.lan:8080",
        "proxy.example:443",
    }
    monkeypatch.delenv("REGISTRY_ALLOWED_HOSTS")
    assert "0.0.0.0:80" not in allowed_hosts("0.0.0.0", 80)
