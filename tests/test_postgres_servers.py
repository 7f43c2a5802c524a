"""Two real ``registry server --store postgresql://...`` processes on one real PostgreSQL:
what one server alone cannot show (numbers, promotions, approvals and the outbox under
writers in both processes at once, and a server killed mid-delivery)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from mlflow_support import MLFLOW_WARNINGS
from notify_support import ENV, Receiver, Script
from server_support import ROOT, ServerProcess, refusing_port, registry_command

from registry import RegistryClient
from registry.artifacts.blobs import BlobStore
from registry.errors import InvalidStageTransitionError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin(postgres_dsn, tmp_path_factory) -> tuple[str, str, str]:
    """(DSN, an admin's token, a reviewer's token) on the module's database."""
    from registry.store.postgres import PostgresStore

    home = tmp_path_factory.mktemp("pg-home")
    store = PostgresStore(postgres_dsn, blobs=BlobStore(home / "artifacts"), pool_size=2)
    try:
        client = RegistryClient(store=store, user="ada")
        _, secret = client.create_token("ada", "admin")
        _, reviewer = client.create_token("rev", "reviewer")
    finally:
        store.close()
    return postgres_dsn, secret, reviewer


def _servers(tmp_path, dsn: str, count: int = 2, env=None) -> list[ServerProcess]:
    return [
        ServerProcess(tmp_path / "home", tmp_path / f"server{n}.log", args=("--store", dsn),
                      env=env or {})
        for n in range(count)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, admin) -> Iterator[list[RegistryClient]]:
    """Clients (as the admin) of two server processes on the module's database (each test
    works on models of its own)."""
    dsn, token, _ = admin
    servers = _servers(tmp_path_factory.mktemp("two-servers"), dsn)
    try:
        for server in servers:
            server.start()
        yield [RegistryClient(s.url, token=token) for s in servers]
    finally:
        for server in servers:
            server.stop()


def _together(calls: list, workers: int = 8) -> list:
    """Run every call at once (threads released together); results or raised errors."""
    start = threading.Barrier(min(workers, len(calls)))

    def run(call):
        start.wait(30) if len(calls) <= workers else None
        try:
            return call()
        except Exception as error:  # the test looks at what each call got
            return error

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, calls))


def test_concurrent_creates_in_two_processes_number_without_gaps_or_repeats(two_servers):
    a, b = two_servers
    a.create_registered_model("shared")

    def writer(client: RegistryClient, n: int):
        return lambda: [client.create_model_version("shared", source=f"runs:/{n}-{i}/m").version
                        for i in range(15)]  # fmt: skip

    results = _together([writer(two_servers[n % 2], n) for n in range(8)])
    numbers = sorted(v for got in results for v in got)
    assert numbers == list(range(1, 121))
    stored = b.search_model_versions("name = 'shared'", max_results=500)
    assert sorted(v.version for v in stored) == numbers


def test_concurrent_promotions_archiving_others_leave_one_production(two_servers):
    a, b = two_servers
    a.create_registered_model("promoted")
    versions = [a.create_model_version("promoted", source=f"runs:/p{i}/m").version
                for i in range(8)]  # fmt: skip
    calls = [
        (lambda c=two_servers[i % 2], v=v: c.transition_model_version_stage(
            "promoted", v, "Production", archive_existing_versions=True))
        for i, v in enumerate(versions)
    ]  # fmt: skip
    results = _together(calls)
    assert not [r for r in results if isinstance(r, Exception)]
    stages = Counter(v.current_stage for v in b.search_model_versions("name = 'promoted'"))
    assert stages == {"Production": 1, "Archived": 7}
    # The last promotion to commit is the one in Production, and its history says so.
    production = b.get_latest_versions("promoted", ["Production"])[0].version
    moves = b.get_history("promoted", events=["model_version.stage_transitioned"])
    last_promotion = next(c for c in moves if c.new_value == "Production")
    assert last_promotion.version == production


def test_archive_existing_versions_on_postgres_archives_the_old_production(two_servers):
    """MLflow's own server fails this call on PostgreSQL with psycopg 3 ("operator does not
    exist: integer <> character varying")."""
    a, b = two_servers
    a.create_registered_model("mlflow-path")
    for i in range(3):
        a.create_model_version("mlflow-path", source=f"runs:/m{i}/m")
    a.transition_model_version_stage("mlflow-path", 1, "Production")
    a.transition_model_version_stage("mlflow-path", 2, "Staging")
    moved = b.transition_model_version_stage(
        "mlflow-path", "3", "Production", archive_existing_versions=True
    )
    assert moved.current_stage == "Production"
    stages = {v.version: v.current_stage for v in a.search_model_versions("name='mlflow-path'")}
    assert stages == {1: "Archived", 2: "Staging", 3: "Production"}


def test_each_request_is_approved_exactly_once_across_processes(two_servers, admin):
    a = two_servers[0]
    reviewers = [RegistryClient(c.uri, token=admin[2]) for c in two_servers]
    a.create_registered_model("reviewed")
    requests = []
    for i in range(6):
        version = a.create_model_version("reviewed", source=f"runs:/r{i}/m").version
        requests.append(a.request_transition("reviewed", version, "Staging").id)
    calls = [
        (lambda c=client, r=request: c.approve_transition_request(r))
        for request in requests
        for client in reviewers
    ]
    results = _together(calls)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == len(requests)
    assert all(isinstance(e, InvalidStageTransitionError) for e in errors), errors
    approvals = a.get_history("reviewed", events=["model_version.transition_approved"])
    assert sorted(c.payload["request_id"] for c in approvals) == sorted(requests)
    moves = a.get_history("reviewed", events=["model_version.stage_transitioned"])
    assert sorted(c.version for c in moves if c.new_value == "Staging") == list(range(1, 7))


def test_every_event_is_delivered_across_a_server_killed_mid_delivery(tmp_path, admin):
    dsn, token, _ = admin
    env = {**ENV, "REGISTRY_DISPATCHER": "on"}
    # The first answers hang, so the server killed below dies holding claims.
    with Receiver(Script(hang=3.0, hang_first=4)) as receiver:
        doomed, survivor = servers = _servers(tmp_path, dsn, env=env)
        try:
            for server in servers:
                server.start()
            client = RegistryClient(survivor.url, token=token)
            client.create_registered_model("watched")
            client.create_subscription("webhook", receiver.url, ["model_version.created"])
            writers = [RegistryClient(s.url, token=token) for s in servers]
            created = [
                writers[i % 2].create_model_version("watched", source=f"runs:/w{i}/m").version
                for i in range(12)
            ]
            receiver.wait_for(1, timeout=30)
            doomed.kill()
            arrived = _wait_for_versions(receiver, set(created), timeout=30)
        finally:
            for server in servers:
                server.stop()
    delivered = Counter(r.json["version"] for r in arrived if r.json["model"] == "watched")
    assert set(delivered) == set(created)  # at least once each, whoever held it


def _wait_for_versions(receiver: Receiver, versions: set[int], timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = list(receiver.requests)
        if versions <= {r.json["version"] for r in arrived}:
            break
        time.sleep(0.05)
    return arrived


def test_tokens_are_made_on_the_database_with_token_create_store(admin, tmp_path):
    dsn = admin[0]  # ada is an admin there
    env = {**os.environ, "REGISTRY_USER": "ada", "PYTHONPATH": str(ROOT)}
    command = registry_command(tmp_path / "home", "token")
    made = subprocess.run(
        [*command, "create", "lee", "--role", "reviewer", "--store", dsn],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    listed = subprocess.run(
        [*command, "list", "--store", dsn], capture_output=True, text=True, env=env
    )
    assert "lee" in listed.stdout
    assert not (tmp_path / "home" / "registry.duckdb").exists()  # nothing went to a folder


def test_a_store_uri_no_backend_serves_is_refused_saying_what_to_give(tmp_path):
    done = subprocess.run(
        registry_command(tmp_path / "home", "server", "--store", "mysql://u:pw@db/registry"),
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 2  # an invalid argument
    assert "give postgresql://user@host:port/database" in done.stderr
    assert "pw" not in done.stderr


def test_a_database_that_cannot_be_reached_stops_the_start_saying_why(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_BUSY_TIMEOUT": "1"}
    with refusing_port() as port:
        dsn = f"postgresql://u:hunter2@127.0.0.1:{port}/registry"
        done = subprocess.run(
            registry_command(tmp_path / "home", "server", "--store", dsn),
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
    assert done.returncode == 1
    assert "could not be reached (connection failed" in done.stderr
    assert "Connection refused" in done.stderr
    assert "hunter2" not in done.stderr


def _workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes a server process spawned."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child) for child in children
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]  # fmt: skip


def test_workers_serve_one_registry_from_several_processes(admin, tmp_path):
    dsn, token, _ = admin
    server = ServerProcess(
        tmp_path / "home", tmp_path / "workers.log", args=("--store", dsn, "--workers", "2")
    ).start()
    try:
        deadline = time.monotonic() + 30
        while len(_workers_of(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_workers_of(server.process.pid)) == 2
        clients = [RegistryClient(server.url, token=token) for _ in range(4)]
        clients[0].create_registered_model("workers")
        results = _together([
            (lambda c=c: [c.create_model_version("workers", source="runs:/w/m").version
                          for _ in range(10)])
            for c in clients
        ])  # fmt: skip
        assert sorted(v for got in results for v in got) == list(range(1, 41))
    finally:
        server.stop()


def test_workers_need_a_postgres_store(tmp_path):
    done = subprocess.run(
        registry_command(tmp_path / "home", "server", "--workers", "2"),
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "--workers 2 needs --store postgresql://" in done.stderr


@MLFLOW_WARNINGS[0]
def test_mlflows_client_archives_existing_versions_on_postgres(two_servers, admin, monkeypatch):
    """The call that fails on MLflow's own server with psycopg 3, from MLflow's own client
    over MLflow's REST API, on a registry in PostgreSQL."""
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_URI", two_servers[1].uri)
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", admin[1])
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    client = MlflowClient()
    client.create_registered_model("from-mlflow")
    for run in ("a", "b"):
        client.create_model_version("from-mlflow", f"s3://bucket/{run}/model")
    client.transition_model_version_stage("from-mlflow", "1", "Production")
    client.transition_model_version_stage(
        "from-mlflow", "2", "Production", archive_existing_versions=True
    )
    stages = {
        v.version: v.current_stage for v in client.search_model_versions("name='from-mlflow'")
    }
    assert stages == {"1": "Archived", "2": "Production"}
