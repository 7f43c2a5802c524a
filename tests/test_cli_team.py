"""The team commands: tokens, --uri for every command, and the dashboard's listening address."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time

import httpx
import pytest
from server_support import ROOT, free_port, registry_command, serve_in_thread

import registry.cli.main as cli_main
from registry import RegistryClient
from registry.cli.main import dashboard_command, main


def test_a_token_is_printed_once_on_its_own_line_and_stored_as_a_hash(home, capsys, monkeypatch):
    assert main(["--home", str(home), "token", "create", "ada", "--role", "admin"]) == 0
    monkeypatch.setenv("REGISTRY_USER", "ada")  # ada is the admin now
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("rgt_") and "\n" not in secret
    assert "shown once" in out.err
    assert main(["--home", str(home), "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ada" in listing and secret not in listing
    assert secret.encode() not in (home / "registry.duckdb").read_bytes()


def test_a_non_admin_on_the_folder_is_told_how_to_act_as_an_admin(home, capsys, monkeypatch):
    RegistryClient(home, user="ada").set_role("ada", "admin")
    monkeypatch.setenv("REGISTRY_USER", "bob")
    assert main(["--home", str(home), "token", "create", "bob"]) == 1
    assert "set it to an admin's name" in capsys.readouterr().err


def test_every_command_takes_uri_for_a_server(home, monkeypatch, capsys):
    with serve_in_thread(home, user="ada") as (url, token):
        client = RegistryClient(url, token=token)
        client.create_registered_model("churn")
        client.create_model_version("churn", source="s3://b/churn/1")
        monkeypatch.setenv("REGISTRY_TOKEN", token)
        code = main(["--uri", url, "promote", "churn", "1", "--stage", "Staging"])
        assert code == 0, capsys.readouterr().err
        assert client.get_model_version("churn", 1).current_stage == "Staging"
        assert client.get_history("churn", 1)[0].actor == "ada"


def test_the_server_command_serves_a_folder_not_a_uri(capsys):
    assert main(["--uri", "http://127.0.0.1:1", "server"]) == 2
    assert "pass --home" in capsys.readouterr().err


def test_a_port_in_use_stops_the_server_and_the_dashboard_before_they_start(home, capsys):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert main(["--home", str(home), "server", "--port", str(port)]) == 2
        error = capsys.readouterr().err
        assert f"127.0.0.1:{port} is already in use" in error and "--port" in error
        assert not home.exists()  # nothing was created, migrated or locked
        assert main(["--home", str(home), "ui", "--port", str(port), "--headless"]) == 2
        assert f"127.0.0.1:{port} is already in use" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "70000"], "'70000' is not a port: give a number from 1 to 65535"),
        (["--port", "eighty"], "'eighty' is not a port"),
        (["--host", "no-such-host.invalid"], "not an address or a name this machine can resolve"),
        (["--host", "192.0.2.10"], "--host 192.0.2.10 is not an address of this machine"),
    ],
)
def test_an_address_the_server_cannot_listen_on_is_refused_saying_why(args, says, home, capsys):
    assert main(["--home", str(home), "server", *args]) == 2
    assert says in capsys.readouterr().err
    assert not home.exists()


def test_port_zero_serves_on_a_free_port_and_prints_it(home):
    env = {**os.environ, "REGISTRY_DISPATCHER": "off", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        registry_command(home, "server", "--port", "0"), stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        first = server.stdout.readline()
        port = int(re.search(r"on http://127\.0\.0\.1:(\d+)$", first.strip()).group(1))
        assert port != 0
        # At once: the port listens before the address is printed.
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=30).status_code == 200
    finally:
        server.terminate()
        server.wait(15)
        server.stdout.close()


def test_the_dashboard_listens_on_loopback_unless_told():
    command = dashboard_command(8501, headless=True)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"


def answers(port: int) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status_code == 200
    return False


def test_stopping_registry_ui_stops_its_dashboard(home):
    """A supervisor's SIGTERM to ``registry ui`` must not leave Streamlit running, orphaned."""
    port = free_port()
    env = {**os.environ, "REGISTRY_DISPATCHER": "off"}
    ui = subprocess.Popen(registry_command(home, "ui", "--headless", "--port", str(port)), env=env)
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            assert ui.poll() is None and time.monotonic() < deadline, "registry ui did not start"
            time.sleep(0.1)
        ui.terminate()
        ui.wait(15)
        deadline = time.monotonic() + 15
        while answers(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not answers(port), "the dashboard kept running after registry ui was stopped"
    finally:
        ui.kill()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])
def test_an_embedded_dashboard_is_not_served_to_the_network_without_sign_in(
    host, home, monkeypatch, capsys
):
    monkeypatch.delenv("REGISTRY_URI", raising=False)
    started = []
    monkeypatch.setattr(cli_main, "_become", lambda *a: started.append(a) or 0)
    assert main(["--home", str(home), "ui", "--host", host, "--headless"]) == 2
    assert started == []
    assert "registry server" in capsys.readouterr().err


def test_open_to_anyone_serves_on_an_address_of_this_machine(home, monkeypatch, capsys):
    monkeypatch.delenv("REGISTRY_URI", raising=False)
    started = []
    monkeypatch.setattr(cli_main, "_become", lambda *a: started.append(a) or 0)
    assert main(["--home", str(home), "ui", "--host", "0.0.0.0", "--open-to-anyone"]) == 0
    assert started[0][0][started[0][0].index("--server.address") + 1] == "0.0.0.0"
    # 192.0.2.10 is a documentation address no machine here has.
    assert main(["--home", str(home), "ui", "--host", "192.0.2.10", "--open-to-anyone"]) == 2
    assert "--host 192.0.2.10 is not an address of this machine" in capsys.readouterr().err
    assert len(started) == 1


def test_dispatch_is_for_an_embedded_registry(capsys):
    assert main(["--uri", "http://127.0.0.1:1", "dispatch", "--once"]) == 2
    assert "delivers its own notifications" in capsys.readouterr().err
