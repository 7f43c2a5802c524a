"""MLflow 3.17.2's ``tests/tracking/_model_registry/test_utils.py`` (choosing the registry
from the registry and tracking URIs), ported as 10 cases on registry's fluent URI functions
and client construction.

MLflow's ``_get_store(uri)`` is ``RegistryClient(registry_uri=uri)`` here, its tracking URI
from the environment (``MLFLOW_TRACKING_URI``) is ``REGISTRY_URI``, and the fluent
``set_registry_uri`` is ``set_tracking_uri`` (D8 in docs/mlflow-compatibility.md: one URI, and
with none set it is the default folder registry, never None). Not ported: SQL stores by
URI (``sqlite:``, ``postgresql:``, ``mysql:``, ``mssql:``; refused here with the way to a
registry server), Unity Catalog URIs and the Databricks half of the pickling test.
"""

from __future__ import annotations

import pickle

import pytest

import registry
from registry import RegistryClient
from registry.client.remote import RemoteRegistryClient
from registry.exceptions import MlflowException


@pytest.fixture(autouse=True)
def no_uri_chosen(tmp_path, monkeypatch):
    """No registry chosen in the environment; the default folder is in tmp_path."""
    monkeypatch.delenv("REGISTRY_URI", raising=False)
    monkeypatch.delenv("REGISTRY_TOKEN", raising=False)
    monkeypatch.setenv("REGISTRY_HOME", str(tmp_path / "default"))
    monkeypatch.setenv("REGISTRY_CACHE", str(tmp_path / "cache"))
    registry.set_registry_uri(None)
    yield
    registry.set_registry_uri(None)


def test_set_get_registry_uri():
    uri = "http://127.0.0.1:9/registry/path"
    registry.set_registry_uri(uri)
    assert registry.get_registry_uri() == uri


def test_set_get_empty_registry_uri(tmp_path):
    registry.set_registry_uri("")
    # D8: MLflow falls back to its tracking URI (None in its test, by default
    # sqlite:///mlflow.db); here to the default registry, REGISTRY_HOME.
    assert registry.get_registry_uri() == str(tmp_path / "default")
    assert RegistryClient(tracking_uri="").uri == str(tmp_path / "default")  # not the cwd


def test_default_get_registry_uri_no_tracking_uri(tmp_path):
    registry.set_registry_uri(None)
    assert registry.get_registry_uri() == str(tmp_path / "default")  # D8, as above


def test_default_get_registry_uri_with_tracking_uri_set(monkeypatch):
    tracking_uri = "https://tracking.example.com:5050"
    monkeypatch.setenv("REGISTRY_URI", tracking_uri)
    registry.set_registry_uri(None)
    assert registry.get_registry_uri() == tracking_uri


def test_get_store_rest_store_from_arg(monkeypatch):
    monkeypatch.setenv("REGISTRY_URI", "https://my-tracking-server:5050")  # not used
    client = RegistryClient(registry_uri="http://some/path")
    assert isinstance(client, RemoteRegistryClient)
    assert client.uri == "http://some/path"


def test_fallback_to_tracking_store(monkeypatch):
    monkeypatch.setenv("REGISTRY_URI", "https://my-tracking-server:5050")
    client = RegistryClient()
    assert isinstance(client, RemoteRegistryClient)
    assert client.uri == "https://my-tracking-server:5050"
    assert "authorization" not in client._transport._http.headers  # no token sent


@pytest.mark.parametrize("bad_uri", ["badsql://imfake", "yoursql://hi"])
def test_get_store_bad_uris(bad_uri, monkeypatch):
    monkeypatch.setenv("REGISTRY_URI", bad_uri)
    # MLflow: "Model registry functionality is unavailable ..."; here what to pass instead.
    with pytest.raises(MlflowException, match="Unsupported tracking/registry URI") as caught:
        RegistryClient()
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "http://host:port" in str(caught.value) and "local folder" in str(caught.value)


def test_get_store_caches_on_store_uri(tmp_path):
    registry.set_registry_uri(tmp_path / "store1")
    first, again = registry.fluent.client(), registry.fluent.client()
    assert first is again
    registry.set_registry_uri(tmp_path / "store2")
    other, other_again = registry.fluent.client(), registry.fluent.client()
    assert other is other_again
    assert first is not other
    assert (first.uri, other.uri) == (str(tmp_path / "store1"), str(tmp_path / "store2"))


def test_store_object_can_be_serialized_by_pickle(tmp_path):
    remote = pickle.loads(pickle.dumps(RegistryClient(registry_uri="https://example.com")))
    assert isinstance(remote, RemoteRegistryClient) and remote.uri == "https://example.com"
    # Beyond MLflow (its SQL store cannot be pickled): an embedded client reopens its folder.
    embedded = RegistryClient(tmp_path / "local")
    embedded.create_registered_model("churn")
    copy = pickle.loads(pickle.dumps(embedded))
    assert copy.get_registered_model("churn").name == "churn"
