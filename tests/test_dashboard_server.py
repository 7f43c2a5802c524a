"""The dashboard against a registry server (REGISTRY_URI): nothing without signing in, then
the same pages reading and writing through the server as the person whose token it is."""

from __future__ import annotations

import shutil

import pytest
from dashboard_support import APP, fresh_cache, populated_template, values  # noqa: F401
from server_support import serve_in_thread
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.dashboard import keys, session

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def server(populated_template, tmp_path, monkeypatch):  # noqa: F811  (imported fixture)
    """A server on a copy of the populated registry; yields (url, tester's admin token)."""
    home = tmp_path / "served"
    shutil.copytree(populated_template, home)
    with serve_in_thread(home, user="tester") as (url, token):
        monkeypatch.delenv("REGISTRY_HOME", raising=False)
        monkeypatch.delenv("REGISTRY_TOKEN", raising=False)
        monkeypatch.setenv("REGISTRY_URI", url)
        yield url, token


def signed_in(token: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    at.run()
    at.text_input(key=keys.SESSION_TOKEN).input(token)
    at.button(key=keys.SESSION_SIGN_IN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_visitor_sees_only_the_sign_in_form(server):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert values(at.title) == ["Sign in to the registry"]
    assert not at.dataframe and not at.metric


def test_a_wrong_token_is_refused_with_how_to_get_one(server):
    at = signed_in("rgt_wrong")
    assert values(at.title) == ["Sign in to the registry"]
    assert any("registry token create" in e for e in values(at.error))


def test_signed_in_the_pages_read_through_the_server(server):
    url, token = server
    at = signed_in(token)
    assert "Recent activity" in values(at.subheader)
    assert set(at.dataframe[0].value["Model"]) >= {"churn"}
    assert any(url in c for c in values(at.sidebar.caption))
    assert any("tester" in c for c in values(at.sidebar.caption))


def test_a_promotion_from_the_dashboard_is_recorded_as_the_tokens_owner(server):
    url, token = server
    at = signed_in(token, page="model", model="churn", version="4")
    at.button(key=f"{keys.MODEL_TO_STAGE}_production").click().run()
    at.text_input(key=keys.MODEL_COMMENT).input("through the server").run()
    at.button(key=keys.MODEL_CONFIRM_OK).click().run()
    assert values(at.success) == ["churn v4 is now in Production. @champion points at it."]
    remote = RegistryClient(url, token=token)
    (promotion,) = remote.get_history("churn", 4, events=["model_version.stage_transitioned"])
    assert remote.get_registered_model("churn").aliases["champion"] == 4  # moved along
    assert (promotion.actor, promotion.comment) == ("tester", "through the server")


def test_a_dashboard_token_acts_for_the_signed_in_person(server, monkeypatch):
    url, token = server
    admin = RegistryClient(url, token=token)
    admin.set_role("ana@example.com", "editor")
    _, dashboard_token = admin.create_token("dashboard", label="the dashboard", delegate=True)
    _, plain_token = admin.create_token("bob", role="editor")
    monkeypatch.setattr(session, "signed_in_user", lambda: "ana@example.com")

    monkeypatch.setenv("REGISTRY_TOKEN", dashboard_token)
    as_ana = session.client()
    assert as_ana.get_acting_user() == "ana@example.com"
    as_ana.set_registered_model_tag("churn", "reviewed", "yes")
    assert admin.get_history("churn")[0].actor == "ana@example.com"

    from registry.client.remote import RemoteRegistryClient
    from registry.errors import PermissionDeniedError

    impostor = RemoteRegistryClient(url, token=plain_token, acting_for="ana@example.com")
    with pytest.raises(PermissionDeniedError, match="may not act for others"):
        impostor.get_acting_user()


def test_mlflows_tracking_uri_chooses_the_server_as_the_python_api_does(server, monkeypatch):
    url, token = server
    monkeypatch.delenv("REGISTRY_URI")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
    assert RegistryClient().uri == url  # the Python API's choice
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert values(at.title) == ["Sign in to the registry"]  # the same server, not ./mlregistry
    assert any(url in c for c in values(signed_in(token).sidebar.caption))


def test_mlflows_own_store_in_its_variable_is_refused_with_what_to_set(tmp_path, monkeypatch):
    for name in ("REGISTRY_URI", "REGISTRY_HOME", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    [error] = values(at.error)
    assert "Model registry functionality is unavailable" in error and "REGISTRY_HOME" in error
    assert not at.dataframe and not (tmp_path / "mlregistry").exists()
