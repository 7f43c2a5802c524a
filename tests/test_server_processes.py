"""Real processes against one real server: concurrent writers, and a server killed mid-write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from server_support import ROOT, ServerProcess, create_token

from registry import RegistryClient

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent(
    """
    import sys
    from registry import RegistryClient

    client = RegistryClient()
    for i in range(int(sys.argv[1])):
        version = client.create_model_version("shared", source=f"runs:/w{sys.argv[2]}-{i}/m")
        print(version.version, flush=True)
    """
)


def _writers(server: ServerProcess, token: str, count: int, each: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "REGISTRY_URI": server.url,
        "REGISTRY_TOKEN": token,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REGISTRY_HOME", None)
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(each), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]


def _wait_for_versions(client: RegistryClient, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.count_model_versions("name = 'shared'") >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} versions written in {timeout} s")


def test_eight_processes_registering_through_one_server_lose_nothing(tmp_path):
    home = tmp_path / "home"
    token = create_token(home, "ada")
    server = ServerProcess(home, tmp_path / "server.log").start()
    try:
        RegistryClient(server.url, token=token).create_registered_model("shared")
        writers = _writers(server, token, count=8, each=50)
        acknowledged = []
        for writer in writers:
            out, err = writer.communicate(timeout=180)
            assert writer.returncode == 0, err
            acknowledged += [int(line) for line in out.split()]
        versions = RegistryClient(server.url, token=token).search_model_versions(
            "name = 'shared'", max_results=1000
        )
    finally:
        server.stop()
    assert sorted(acknowledged) == list(range(1, 401))
    assert sorted(v.version for v in versions) == list(range(1, 401))


def test_a_server_killed_mid_write_keeps_every_acknowledged_write(tmp_path):
    home = tmp_path / "home"
    token = create_token(home, "ada")
    server = ServerProcess(home, tmp_path / "server.log").start()
    RegistryClient(server.url, token=token).create_registered_model("shared")
    writers = _writers(server, token, count=3, each=400)
    _wait_for_versions(RegistryClient(server.url, token=token), at_least=30)  # under way
    server.kill()
    acknowledged = []
    for writer in writers:
        out, _ = writer.communicate(timeout=60)
        assert writer.returncode != 0  # cut off by the kill, with an error
        acknowledged += [int(line) for line in out.split()]
    assert acknowledged, "no write was acknowledged before the kill"

    server.start()  # the same home, a new process
    try:
        client = RegistryClient(server.url, token=token)
        stored = client.search_model_versions("name = 'shared'", max_results=10_000)
        numbers = sorted(v.version for v in stored)
        assert set(acknowledged) <= set(numbers)
        assert numbers == list(range(1, len(numbers) + 1))  # no gap, no half version
        assert all(v.status == "READY" and v.source for v in stored)
        after = client.create_model_version("shared", source="runs:/after/m")
        assert after.version == numbers[-1] + 1
    finally:
        server.stop()
