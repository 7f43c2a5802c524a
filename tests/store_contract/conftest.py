"""The backends the contract suite runs against, and the fixtures every module shares.

``BACKENDS`` maps a name to a factory: given an empty folder, it opens a fresh registry and
returns a ``Backend`` whose ``client(user)`` is a RegistryClient acting as ``user`` (None:
REGISTRY_USER). Tests go through the client, as users do; a later "remote" backend returns
clients that talk HTTP to a server, "postgres" one on a PostgreSQL store: one entry each.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
def duckdb_backend(folder: Path) -> Iterator[Backend]:
    store = DuckDBStore(folder / "home", busy_timeout=30.0)
    yield Backend("duckdb", store, lambda user=None: RegistryClient(store=store, user=user))
    store.release()


BACKENDS: dict[str, Callable[[Path], contextlib.AbstractContextManager[Backend]]] = {
    "duckdb": duckdb_backend,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path, monkeypatch) -> Iterator[Backend]:
    monkeypatch.setenv("REGISTRY_USER", "tester")
    monkeypatch.setenv("REGISTRY_DISPATCHER", "off")
    with BACKENDS[request.param](tmp_path) as opened:
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
