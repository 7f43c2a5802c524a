"""MLflow 3.17.2's ``tests/tracking/_model_registry/test_utils.py`` (choosing the registry
from the registry and tracking URIs), ported as 10 cases on registry's fluent URI functions
and client construction.

MLflow's ``_get_store(uri)`` is ``RegistryClient(registry_uri=uri)`` here; MLflow's mocked
``get_tracking_uri()`` is ``MLFLOW_TRACKING_URI`` in the environment, which registry reads
after its own ``REGISTRY_URI`` and ``REGISTRY_HOME`` (so the fixture sets neither, and works
in a fresh directory). 8 cases hold exactly; 2 diverge (D8 in docs/mlflow-compatibility.md):
with no URI at all ``get_registry_uri()`` names the default folder registry, never None.
Not ported: SQL stores by URI (``sqlite:``, ``postgresql:``, ``mysql:``, ``mssql:``; refused
here with the way to a registry server), Unity Catalog URIs and the Databricks half of the
pickling test.
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
    for name in ("REGISTRY_URI", "REGISTRY_HOME", "REGISTRY_TOKEN", *MLFLOW_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REGISTRY_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    registry.set_registry_uri(None)
    yield
    registry.set_registry_uri(None)


MLFLOW_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_TOKEN")
DEFAULT = "mlregistry"  # the default folder, in the working directory


def test_set_get_registry_uri():
    uri = "http://127.0.0.1:9/registry/path"
    registry.set_registry_uri(uri)
    assert registry.get_registry_uri() == uri


def test_set_get_empty_registry_uri(tmp_path):
    registry.set_registry_uri("")
    # D8: MLflow falls back to its tracking URI (None in its test, by default
    # sqlite:///mlflow.db); here to the default registry, ./mlregistry.
    assert registry.get_registry_uri() == str(tmp_path / DEFAULT)
    assert RegistryClient(tracking_uri="").uri == str(tmp_path / DEFAULT)  # not the cwd


def test_default_get_registry_uri_no_tracking_uri(tmp_path):
    registry.set_registry_uri(None)
    assert registry.get_registry_uri() == str(tmp_path / DEFAULT)  # D8, as above


def test_default_get_registry_uri_with_tracking_uri_set(monkeypatch):
    tracking_uri = "https://tracking.example.com:5050"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    registry.set_registry_uri(None)
    assert registry.get_registry_uri() == tracking_uri


def test_get_store_rest_store_from_arg(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://my-tracking-server:5050")  # ignored
    client = RegistryClient(registry_uri="http://some/path")
    assert isinstance(client, RemoteRegistryClient)
    assert client.uri == "http://some/path"


def test_fallback_to_tracking_store(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://my-tracking-server:5050")
    client = RegistryClient()
    assert isinstance(client, RemoteRegistryClient)
    assert client.uri == "https://my-tracking-server:5050"
    assert "authorization" not in client._transport._http.headers  # no token sent


@pytest.mark.parametrize("bad_uri", ["badsql://imfake", "yoursql://hi"])
def test_get_store_bad_uris(bad_uri, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", bad_uri)
    with pytest.raises(MlflowException, match="Model registry functionality is unavailable"):
        RegistryClient()


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


# -- beyond MLflow's tests: MLflow's variables, as registry reads them -----------------------


def test_mlflows_tracking_uri_naming_a_registry_server_is_used(tmp_path, monkeypatch):
    """One MLFLOW_TRACKING_URI / MLFLOW_TRACKING_TOKEN for both clients, as a team sets it."""
    from server_support import serve_in_thread

    with serve_in_thread(tmp_path / "served", user="ada") as (url, token):
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
        registry.set_registry_uri(None)
        registry.register_model("s3://bucket/churn/model", "churn")
        assert registry.get_registry_uri() == url
        assert [m.name for m in RegistryClient(registry_uri=url).search_registered_models()] == [
            "churn"
        ]
    assert not (tmp_path / DEFAULT).exists()  # nothing went to the default folder


def test_the_projects_variables_come_before_mlflows(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    monkeypatch.setenv("REGISTRY_HOME", str(tmp_path / "home"))
    assert RegistryClient().uri == str(tmp_path / "home")
    monkeypatch.setenv("REGISTRY_URI", "https://registry.example.com")
    assert RegistryClient().uri == "https://registry.example.com"
    monkeypatch.delenv("REGISTRY_URI")
    monkeypatch.delenv("REGISTRY_HOME")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://tracking.example.com")
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "https://models.example.com")  # MLflow's order
    assert registry.get_registry_uri() == "https://models.example.com"


@pytest.mark.parametrize(
    "uri", ["sqlite:///mlflow.db", "postgresql://u@db/mlflow", "./mlruns", "file:///tmp/mlruns"]
)
def test_mlflows_own_store_in_its_variables_is_refused_not_replaced(uri, tmp_path, monkeypatch):
    """MLflow's store (SQL, its file store) cannot be opened here: refused, saying what to
    set, rather than the default folder used unseen."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    for call in (RegistryClient, registry.search_registered_models, registry.get_registry_uri):
        with pytest.raises(MlflowException, match="Model registry functionality is unavail"):
            call()
    with pytest.raises(MlflowException) as caught:
        registry.register_model("s3://bucket/m", "m")
    message = str(caught.value)
    assert f"MLFLOW_TRACKING_URI={uri}" in message and "MLflow's own store" in message
    assert "REGISTRY_URI" in message and "REGISTRY_HOME" in message
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder, no mlflow.db


def test_an_address_that_is_not_a_registry_server_says_so(monkeypatch):
    """As MLflow's own tracking server answers registry's API: 404 with FastAPI's body."""
    import http.server
    import threading

    class NotARegistry(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = b'{"detail": "Not Found"}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotARegistry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(MlflowException) as caught:
            registry.search_registered_models()
        assert "answers, but not as a registry server" in str(caught.value)
        assert "MLflow's own tracking server, for one, is not" in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()
