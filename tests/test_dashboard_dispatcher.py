"""The dashboard process delivers notifications: its first run starts the dispatcher."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from registry.notifications import dispatcher

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
    dispatcher.stop_background_dispatchers()


def test_the_dashboard_starts_one_dispatcher_for_its_registry(home, monkeypatch):
    monkeypatch.delenv("REGISTRY_DISPATCHER")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    running = dispatcher._background.get(home.resolve())
    assert running is not None and running.is_alive()
    at.run()
    assert dispatcher._background[home.resolve()] is running


def test_registry_dispatcher_off_leaves_delivery_to_the_command(home):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert home.resolve() not in dispatcher._background
