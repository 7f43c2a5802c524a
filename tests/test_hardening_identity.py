"""Identity in embedded mode (issue 14, item 5): the client's public surface offers no store
and no way around roles or the Production gate; what embedded roles are is said plainly."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from registry import RegistryClient
from registry.client.remote import RemoteRegistryClient
from registry.store.contract import RegistryStore

README = Path(__file__).resolve().parents[1] / "README.md"
BYPASS = {"gate", "gated", "ungated", "bypass", "skip_checks", "unchecked", "store", "as_user"}


def public_methods(cls):
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize("cls", [RegistryClient, RemoteRegistryClient])
def test_no_public_method_takes_a_way_around_roles_or_the_gate(cls):
    offending = {
        (name, parameter)
        for name, method in public_methods(cls).items()
        for parameter in inspect.signature(method).parameters
        if parameter.lower() in BYPASS
    }
    assert offending == set()


def test_a_client_exposes_no_store(client):
    exposed = {
        name
        for name in dir(client)
        if not name.startswith("_")
        and not callable(value := getattr(client, name))
        and (isinstance(value, RegistryStore) or hasattr(value, "transition_model_version_stage"))
    }
    assert exposed == set()
    assert not hasattr(client, "store")


def test_the_readme_says_what_embedded_roles_are():
    text = " ".join(README.read_text().split())
    assert "guard rails against mistakes" in text
    assert "whoever can write the registry folder can" in text
    assert "On a registry server the acting user is the owner of the request's token" in text
