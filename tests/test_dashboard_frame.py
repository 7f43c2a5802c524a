"""The frame around every page (AppTest): the navigation's groups, and the sidebar naming
the acting user's role."""

from __future__ import annotations

import pytest
import streamlit as st
from dashboard_support import APP
from streamlit.testing.v1 import AppTest

from registry import RegistryBusyError, RegistryClient
from registry.dashboard import links


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def sidebar_text(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.sidebar.caption)


def test_every_page_is_in_one_navigation_group():
    grouped = [slug for slugs in links.SECTIONS.values() for slug in slugs]
    assert sorted(grouped) == sorted(links.PAGES) and len(grouped) == len(set(grouped))
    assert links.SECTIONS["Review"] == ("inbox", "validate")
    assert links.SECTIONS["Admin"] == ("admin", "notifications")
    assert next(iter(links.SECTIONS.values()))[0] == "models"  # the home page leads


@pytest.mark.parametrize(("granted", "shown"), [(None, "admin"), ("reviewer", "reviewer")])
def test_the_sidebar_names_the_acting_users_role(client, model, granted, shown):
    if granted:
        for user, role in (("tester", "admin"), ("someone", "admin"), ("tester", granted)):
            client.set_role(user, role)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    text = sidebar_text(at)
    assert "Acting as **tester**" in text
    assert f"Role **{shown}**: " in text


def test_a_viewer_sees_what_the_role_allows(client, model, monkeypatch):
    client.set_role("ann", "admin")
    monkeypatch.setenv("REGISTRY_USER", "vic")  # no role granted: a viewer
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "Role **viewer**: reads everything" in sidebar_text(at)


def test_a_busy_registry_leaves_the_role_out_without_a_traceback(client, model, monkeypatch):
    def busy(*_args, **_kwargs):
        raise RegistryBusyError("Registry is busy", holder="python (PID 42: bulk.py)")

    monkeypatch.setattr(RegistryClient, "get_role", busy)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "Role **" not in sidebar_text(at)
