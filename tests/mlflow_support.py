"""The real MLflow client (mlflow-skinny 3.17.2) against a registry server in a thread.

``mlflow_server`` (one per test module) serves a fresh home and holds tokens for an admin
(ada), an editor (eve) and a viewer (vic). ``as_mlflow_user(name)`` points MLflow's client
at it through the environment alone (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN) and returns
an ``MlflowClient``; MLflow reads the token on every request, so the last call wins.
``as_registry_user(name)`` does the same for registry's own fluent API and client.

``client`` (for the ported MLflow tests) is a fresh registry behind registry's own embedded
client or behind MLflow's client and a registry server, with the helpers those tests share.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from server_support import serve_store_in_thread

import registry
import registry.clock
from registry import RegistryClient
from registry.exceptions import MlflowException as RegistryMlflowException

# MLflow's client warns on every stage call (stages are deprecated in MLflow, first-class
# here), and mlflow.pyfunc warns about its own type hints when it is first imported.
MLFLOW_WARNINGS = [
    pytest.mark.filterwarnings(
        "ignore:``mlflow.tracking.client.MlflowClient.*is deprecated since 2.9.0:FutureWarning"
    ),
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("mlflow-rest") / "home"
    with serve_store_in_thread(home) as (url, store):
        admin = RegistryClient(store=store, user="ada")
        tokens = {
            name: admin.create_token(name, role)[1]
            for name, role in (("ada", "admin"), ("eve", "editor"), ("vic", "viewer"))
        }
        yield SimpleNamespace(url=url, store=store, tokens=tokens)


@pytest.fixture
def as_mlflow_user(mlflow_server, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.url)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)

    def client_for(name: str) -> MlflowClient:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", mlflow_server.tokens[name])
        return MlflowClient()

    return client_for


@pytest.fixture
def as_registry_user(mlflow_server, monkeypatch):
    monkeypatch.delenv("REGISTRY_HOME", raising=False)
    monkeypatch.setenv("REGISTRY_URI", mlflow_server.url)
    monkeypatch.setattr(registry.fluent, "_settings", {**registry.fluent._settings, "home": None})

    def client_for(name: str) -> RegistryClient:
        monkeypatch.setenv("REGISTRY_TOKEN", mlflow_server.tokens[name])
        return RegistryClient()

    return client_for


def log_and_register(model, X, name: str) -> int:
    """Log ``model`` with registry's own fluent API and register it; its version number."""
    with registry.start_run():
        info = registry.sklearn.log_model(
            model, "model", registered_model_name=name, input_example=X.head()
        )
    return info.registered_model_version


# -- the ported MLflow tests -------------------------------------------------------------------


@pytest.fixture(params=["registry", "mlflow"])
def client(request, tmp_path, monkeypatch):
    """A fresh registry behind registry's client or MLflow's; ``client.error`` is the
    exception class MLflow code catches through it."""
    if request.param == "registry":
        ours = RegistryClient(tmp_path / "home", user="ada")
        ours.error = RegistryMlflowException
        yield ours
        ours.release()
        return
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    with serve_store_in_thread(tmp_path / "home") as (url, store):
        _, token = RegistryClient(store=store, user="ada").create_token("ada", "admin")
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
        monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        theirs = MlflowClient(url)
        theirs.error = MlflowException
        yield theirs


@contextlib.contextmanager
def refused(client, code: str, match: str):
    """pytest.raises for an MLflow error with ``code``; the message matches ``match``."""
    with pytest.raises(client.error, match=match) as caught:
        yield caught
    assert caught.value.error_code == code


def now() -> int:
    return int(time.time() * 1000)


@contextlib.contextmanager
def clock_at(ms: int) -> Iterator[None]:
    """Every registry write in the block (the server's thread included) is stamped ``ms``."""
    real = registry.clock.time
    registry.clock.time = SimpleNamespace(time=lambda: ms / 1000)
    try:
        yield
    finally:
        registry.clock.time = real


def text(version) -> str:
    """D1: compare version numbers as MLflow's strings."""
    return str(version)


def described(value) -> str:
    """D2: an unset description as MLflow's REST client shows it."""
    return value or ""


def between(start: int, end: int, stamp: int) -> None:
    assert start <= stamp <= end


def every_page(search) -> list:
    found, page = [], search(None)
    found += page
    while page.token:
        page = search(page.token)
        found += page
    return found
