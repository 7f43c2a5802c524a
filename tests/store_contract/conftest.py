"""The backends the contract suite runs against, and the fixtures every module shares.

``BACKENDS`` maps a name to a factory: given an empty folder, it opens a fresh registry and
returns a ``Backend`` whose ``client(user)`` is a RegistryClient acting as ``user`` (None:
REGISTRY_USER). Tests go through the client, as users do. "remote" serves a DuckDB store
from a registry server (the real application over HTTP on 127.0.0.1, in a thread) and its
clients hold tokens of their users, made without granting roles, so that, as embedded with
no roles configured, everyone may do everything; "remote-s3" is the same server with its
model files in a bucket of moto's server (``s3_support``). "postgres" is a PostgresStore on the
session's real PostgreSQL (``postgres_support``): one database per module, emptied before
each test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from s3_support import moto_s3_fixture, s3_env_fixture  # noqa: F401  (for remote-s3)

from registry import RegistryClient
from registry.store.duckdb import DuckDBStore


@dataclass
class Backend:
    name: str
    store: object
    """The store the clients call: what the Protocol conformance tests inspect."""
    client: Callable[..., RegistryClient]
    """``client(user=None)``: a RegistryClient acting as ``user`` (None: REGISTRY_USER)."""
    dispatches: bool = True
    """Whether this store is also the dispatcher's (OutboxStore), not only the client's."""


@contextlib.contextmanager
def duckdb_backend(folder: Path, request) -> Iterator[Backend]:
    store = DuckDBStore(folder / "home", busy_timeout=30.0)
    yield Backend("duckdb", store, lambda user=None: RegistryClient(store=store, user=user))
    store.release()


@contextlib.contextmanager
def remote_backend(folder: Path, request) -> Iterator[Backend]:
    from server_support import serve_store_in_thread

    from registry.client.tokens import TOKEN_PREFIX, hash_token

    clients: dict[str, RegistryClient] = {}
    with serve_store_in_thread(folder / "home") as (url, store):

        def client_for(user: str | None = None) -> RegistryClient:
            user = user or os.environ["REGISTRY_USER"]
            if user not in clients:
                secret = f"{TOKEN_PREFIX}{user}-{len(clients)}-contract"
                store.create_token(hash_token(secret), user, None, "contract-suite")
                clients[user] = RegistryClient(url, token=secret)
            return clients[user]

        yield Backend("remote", store, client_for, dispatches=False)
        for opened in clients.values():
            opened.close()


@contextlib.contextmanager
def postgres_backend(folder: Path, request) -> Iterator[Backend]:
    from postgres_support import empty_database

    from registry.artifacts.blobs import BlobStore
    from registry.client import reviews
    from registry.store.postgres import PostgresStore

    dsn = request.getfixturevalue("postgres_dsn")
    empty_database(dsn)
    reviews._role_cache.clear()  # the emptied database keeps its DSN, the cache's key
    store = PostgresStore(dsn, blobs=BlobStore(folder / "artifacts"), pool_size=4)
    yield Backend("postgres", store, lambda user=None: RegistryClient(store=store, user=user))
    store.close()


@contextlib.contextmanager
def remote_s3_backend(folder: Path, request) -> Iterator[Backend]:
    """A server whose model files are in a bucket of moto's server (REGISTRY_ARTIFACTS)."""
    s3 = request.getfixturevalue("s3_env")
    location = f"s3://{s3.bucket('contract')}/registry"
    request.getfixturevalue("monkeypatch").setenv("REGISTRY_ARTIFACTS", location)
    with remote_backend(folder, request) as served:
        assert served.store.blobs.url == location
        yield Backend("remote-s3", served.store, served.client, dispatches=False)


BACKENDS: dict[str, Callable[..., contextlib.AbstractContextManager[Backend]]] = {
    "duckdb": duckdb_backend,
    "remote": remote_backend,
    "remote-s3": remote_s3_backend,
    "postgres": postgres_backend,
}


_MODEL_FILE_MODULES = {"test_runs.py", "test_conformance.py"}


def pytest_collection_modifyitems(config, items):
    """ "remote-s3" runs the modules that store model files; the rest would only repeat
    "remote" more slowly (the bucket holds nothing else)."""
    dropped = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and item.callspec.params.get("backend") == "remote-s3"
        and item.path.name not in _MODEL_FILE_MODULES
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path, monkeypatch) -> Iterator[Backend]:
    monkeypatch.setenv("REGISTRY_USER", "tester")
    monkeypatch.setenv("REGISTRY_DISPATCHER", "off")
    with BACKENDS[request.param](tmp_path, request) as opened:
        yield opened


@pytest.fixture
def client(backend) -> RegistryClient:
    """A client on a fresh, empty registry, acting as 'tester'."""
    return backend.client()


@pytest.fixture
def model(client) -> str:
    """'churn' (tag team=growth, a description) with versions 1-3 from runs r1-r3."""
    client.create_registered_model("churn", tags={"team": "growth"}, description="Churn model")
    for run in ("r1", "r2", "r3"):
        client.create_model_version("churn", source=f"runs:/{run}/model", run_id=run)
    return "churn"
