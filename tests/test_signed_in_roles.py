"""Signed-in dashboard people have the roles granted to them: with none granted they are
viewers, not the admins a laptop's single user is (issue 14, item 1)."""

from __future__ import annotations

import pytest

from registry import PermissionDeniedError, RegistryClient, acting_as


def test_with_no_role_granted_a_lone_user_may_do_everything(client):
    client.create_registered_model("laptop")
    assert client.get_role() == "admin"


def test_a_signed_in_person_is_a_viewer_until_granted_a_role(client):
    with acting_as("ana@example.com", require_roles=True):
        assert client.get_role() == "viewer"
        with pytest.raises(PermissionDeniedError, match=r"'ana@example\.com' has role 'viewer'"):
            client.create_registered_model("not-yet")
        assert client.find_registered_model("not-yet") is None
    client.set_role("tester", "admin")  # granted from a notebook or the CLI
    client.set_role("ana@example.com", "editor")
    with acting_as("ana@example.com", require_roles=True):
        client.create_registered_model("now-allowed")
    assert client.get_history("now-allowed")[0].actor == "ana@example.com"


def test_the_dashboard_session_requires_roles_for_signed_in_people(home, monkeypatch):
    import streamlit as st

    from registry.dashboard import session

    st.cache_resource.clear()
    monkeypatch.setattr(session, "signed_in_user", lambda: "bob@example.com")
    with session.script_run() as the_client, pytest.raises(PermissionDeniedError):
        the_client.create_registered_model("from-the-dashboard")
    assert RegistryClient(home).find_registered_model("from-the-dashboard") is None
    st.cache_resource.clear()
