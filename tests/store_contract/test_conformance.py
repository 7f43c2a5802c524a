"""Each backend implements the whole contract: every Protocol member, with the Protocol's
parameters (names, kinds, order, which are optional), so the client's calls bind alike."""

from __future__ import annotations

import inspect

import pytest

from registry.store.contract import OutboxStore, RegistryStore


def _members(protocol: type) -> dict[str, object]:
    """The Protocol's own members (methods, properties, attributes), from every part of it."""
    found: dict[str, object] = {}
    for part in reversed(protocol.__mro__):
        if not getattr(part, "_is_protocol", False) or part.__module__ == "typing":
            continue
        found.update({k: v for k, v in vars(part).items() if not k.startswith("_")})
        found.update({k: "attribute" for k in vars(part).get("__annotations__", {})})
    return found


def _shape(function) -> list[tuple[str, str, bool]]:
    return [
        (p.name, p.kind.name, p.default is not inspect.Parameter.empty)
        for p in inspect.signature(function).parameters.values()
    ]


def _mismatches(store: object, protocol: type) -> list[str]:
    problems = []
    for name, member in _members(protocol).items():
        if not callable(member) or isinstance(member, property):
            if not hasattr(store, name):
                problems.append(f"{name}: missing")
            continue
        found = inspect.getattr_static(type(store), name, None)
        if not callable(found):
            problems.append(f"{name}: missing")
        elif _shape(found) != _shape(member):
            problems.append(f"{name}: {_shape(found)} != contract {_shape(member)}")
    return problems


def test_the_contract_is_not_empty():
    assert {"create_model_version", "search_changes", "blobs", "key"} <= set(
        _members(RegistryStore)
    )
    assert "claim_deliveries" in _members(OutboxStore)


def test_the_backend_implements_every_registry_store_method(backend):
    assert isinstance(backend.store, RegistryStore)
    assert _mismatches(backend.store, RegistryStore) == []


def test_the_backend_implements_the_outbox(backend):
    if not backend.dispatches:
        pytest.skip(f"{backend.name}: its server's store dispatches, not this one")
    assert _mismatches(backend.store, OutboxStore) == []
