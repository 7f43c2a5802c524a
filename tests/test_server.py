"""The registry server as a team uses it: a real ``registry server`` process, tokens, roles
enforced on the server, the same errors as embedded, model files over HTTP."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import pandas as pd
import pytest
from server_support import ServerProcess, create_token
from sklearn.linear_model import LogisticRegression

import registry
from registry import (
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RegistryClient,
    ServerUnavailableError,
)
from registry.client import wire
from registry.validation.engine import frame_sha256


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server process on a fresh home; tokens for an admin (ada), an editor (eve) and a
    viewer (vic) are made on the folder before it starts."""
    home = tmp_path_factory.mktemp("server") / "home"
    tokens = {
        "ada": create_token(home, "ada", "admin"),
        "eve": create_token(home, "eve", "editor", admin="ada"),
        "vic": create_token(home, "vic", "viewer", admin="ada"),
    }
    process = ServerProcess(home, home.parent / "server.log").start()
    process.tokens = tokens
    yield process
    process.stop()


@pytest.fixture
def as_user(server, monkeypatch):
    """A remote client for one of the server's users, from the environment alone."""
    monkeypatch.delenv("REGISTRY_HOME", raising=False)
    monkeypatch.setenv("REGISTRY_URI", server.url)

    def client_for(name: str) -> RegistryClient:
        monkeypatch.setenv("REGISTRY_TOKEN", server.tokens[name])
        return RegistryClient()

    return client_for


def test_health_needs_no_token_and_every_api_endpoint_does(server):
    assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
    refused = {
        name: httpx.post(f"{server.url}/api/v1/{name}", json={"args": {}}).status_code
        for name in wire.api_methods()
    }
    assert set(refused.values()) == {401}, refused
    sha = "0" * 64
    assert httpx.put(f"{server.url}/api/v1/blobs/{sha}", content=b"x").status_code == 401
    assert httpx.get(f"{server.url}/api/v1/blobs/{sha}").status_code == 401


def test_a_client_without_a_token_is_told_how_to_get_one(server, monkeypatch):
    monkeypatch.delenv("REGISTRY_TOKEN", raising=False)
    with pytest.raises(AuthenticationError, match="registry token create"):
        RegistryClient(server.url).search_registered_models()
    bad = RegistryClient(server.url, token="rgt_not-a-real-token")
    with pytest.raises(AuthenticationError, match="unknown or revoked"):
        bad.search_registered_models()


def test_the_actor_is_the_tokens_owner_whatever_the_client_claims(as_user, server):
    client = RegistryClient(server.url, token=server.tokens["eve"], user="someone-else")
    assert client.get_acting_user() == "eve"
    client.create_registered_model("claimed")
    version = client.create_model_version("claimed", source="runs:/r1/model")
    assert version.user_id == "eve"
    assert {c.actor for c in as_user("ada").get_history("claimed")} == {"eve"}


def test_roles_are_enforced_on_the_server_with_the_embedded_message(as_user, tmp_path):
    editor = as_user("eve")
    editor.create_registered_model("gated")
    editor.create_model_version("gated", source="runs:/r1/model")
    with pytest.raises(PermissionDeniedError) as remote:
        editor.transition_model_version_stage("gated", 1, "Production")
    with pytest.raises(PermissionDeniedError):
        as_user("vic").create_registered_model("not-allowed")

    embedded = RegistryClient(tmp_path / "home", user="ada")
    embedded.set_role("ada", "admin")
    embedded.set_role("eve", "editor")
    embedded.create_registered_model("gated")
    embedded.create_model_version("gated", source="runs:/r1/model")
    with pytest.raises(PermissionDeniedError) as local:
        RegistryClient(tmp_path / "home", user="eve").transition_model_version_stage(
            "gated", 1, "Production"
        )
    assert str(remote.value) == str(local.value)


def test_errors_arrive_as_the_same_class_with_the_same_message(as_user, tmp_path):
    remote = as_user("ada")
    embedded = RegistryClient(tmp_path / "home")
    for client in (remote, embedded):
        client.create_registered_model("errs")
    cases = [
        lambda c: c.get_registered_model("missing"),
        lambda c: c.get_model_version("errs", 9),
        lambda c: c.create_registered_model("errs"),
        lambda c: c.search_model_versions("name = unquoted"),
        lambda c: c.create_registered_model("bad/name"),
        lambda c: c.get_model_version_by_alias("errs", "nobody"),
    ]
    for case in cases:
        with pytest.raises(registry.RegistryError) as here:
            case(embedded)
        with pytest.raises(registry.RegistryError) as there:
            case(remote)
        assert type(there.value) is type(here.value)
        assert str(there.value) == str(here.value)
        assert there.value.error_code == here.value.error_code


def test_a_notebook_registers_promotes_and_loads_through_the_server(as_user, server):
    """The README's team example, with only REGISTRY_URI and REGISTRY_TOKEN set."""
    as_user("ada")  # sets REGISTRY_URI and REGISTRY_TOKEN for the fluent API
    registry.set_tracking_uri(None)
    X = pd.DataFrame(np.random.default_rng(0).random((40, 3)), columns=["a", "b", "c"])
    y = (X["a"] > 0.5).astype(int)
    with registry.start_run():
        info = registry.sklearn.log_model(
            LogisticRegression().fit(X, y), "model", registered_model_name="nb", input_example=X
        )
    assert registry.get_tracking_uri() == server.url
    client = registry.RegistryClient()
    client.transition_model_version_stage("nb", info.registered_model_version, "Production")
    model = registry.pyfunc.load_model("models:/nb/Production")
    assert list(model.predict(X.head())) == list(LogisticRegression().fit(X, y).predict(X.head()))
    assert client.blobs.exists(info.sha256)


def test_an_upload_that_does_not_match_its_hash_is_refused(server):
    token = server.tokens["eve"]
    sha = "a" * 64
    response = httpx.put(
        f"{server.url}/api/v1/blobs/{sha}",
        content=b"not those bytes",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["error_class"] == "IntegrityError"
    assert RegistryClient(server.url, token=token).blobs.exists(sha) is False


def test_malformed_requests_get_a_clear_400(server):
    headers = {"authorization": f"Bearer {server.tokens['ada']}"}
    url = f"{server.url}/api/v1/get_registered_model"
    cases = {
        "not json": b"{oops",
        "no args": json.dumps({"args": "x"}).encode(),
        "unknown argument": json.dumps({"args": {"nme": "x"}}).encode(),
    }
    for label, body in cases.items():
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == 400, label
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE", label


@pytest.mark.parametrize(
    "uri", ["sqlite:///mlflow.db", "databricks", "postgresql://db/registry", "htp://typo:80"]
)
def test_an_unsupported_uri_is_a_clear_error_not_a_folder(uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidArgumentError, match="registry server's address"):
        RegistryClient(tracking_uri=uri)
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_is_not_there_is_a_clear_error():
    client = RegistryClient("http://127.0.0.1:9", token="rgt_x")
    with pytest.raises(ServerUnavailableError, match="could not be reached"):
        client.get_registered_model("x")


def test_the_access_log_names_the_user_and_never_the_token(as_user, server):
    as_user("eve").search_registered_models()
    line = "POST /api/v1/search_registered_models 200"
    deadline = time.monotonic() + 10  # the line is written once the answer has been sent
    while line not in (log := server.log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert line in log
    assert " eve" in log
    assert all(token not in log for token in server.tokens.values())


def test_tokens_are_managed_through_the_server_by_admins_only(as_user, server):
    admin = as_user("ada")
    token, secret = admin.create_token("ci", role="editor", label="ci runner")
    ci = RegistryClient(server.url, token=secret)
    assert ci.get_acting_user() == "ci"
    with pytest.raises(PermissionDeniedError):
        ci.list_tokens()
    admin.revoke_token(token.id)
    assert not next(t for t in admin.list_tokens() if t.id == token.id).active
    with pytest.raises(AuthenticationError, match="unknown or revoked"):
        ci.get_registered_model("anything")
    assert all(secret not in repr(t) for t in admin.list_tokens())


def test_missing_things_are_not_found_through_the_server(as_user):
    with pytest.raises(NotFoundError, match="Registered Model with name=ghost not found"):
        as_user("vic").get_registered_model("ghost")


def test_validation_runs_on_the_server_and_records_the_hash_it_saw(as_user):
    from validation_support import demand_model, register, sample_csv

    as_user("ada")
    registry.set_tracking_uri(None)
    version = register("demand-remote", demand_model())
    client = registry.RegistryClient()
    client.set_validation_policy("demand-remote", "rmse <= 1000")
    data = sample_csv("demand_test.csv")
    with pytest.raises(InvalidArgumentError, match="is not the hash of the data given"):
        client.validate_model_version(
            "demand-remote", version, data, "units_sold", "demand_test.csv", data_sha256="f" * 64
        )
    result = client.validate_model_version(
        "demand-remote", version, data, "units_sold", "demand_test.csv"
    )
    assert result.status in {"passed", "failed"}
    assert result.record.created_by == "ada"
    assert result.record.data_sha256 == frame_sha256(data)  # the server hashes what it saw
    assert result.residuals is not None and len(result.residuals) > 0
    stored = client.list_validation_records("demand-remote", version)
    assert [r.id for r in stored] == [result.record.id]
    assert client.get_model_version("demand-remote", version).tags["validation"] == result.status


def test_a_trial_validation_on_the_server_records_nothing(as_user):
    from validation_support import demand_model, register, sample_csv

    as_user("ada")
    registry.set_tracking_uri(None)
    version = register("demand-trial", demand_model())
    client = registry.RegistryClient()
    client.set_validation_policy("demand-trial", "rmse <= 1000")
    data = sample_csv("demand_test.csv")
    result = client.validate_model_version(
        "demand-trial", version, data, "units_sold", "demand_test.csv", record=False
    )
    assert result.status in {"passed", "failed"} and result.record.id == 0
    assert client.list_validation_records("demand-trial", version) == []
    assert "validation" not in client.get_model_version("demand-trial", version).tags
