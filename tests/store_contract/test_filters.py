"""Filter strings and orders mean the same on every backend, whatever its SQL dialect: LIKE
has no escape character, tags and aliases are found where each backend keeps them, and
names sort by their bytes."""

from __future__ import annotations

import pytest


@pytest.fixture
def tagged(client) -> None:
    """Models whose names and tags hold the characters dialects treat differently."""
    for name, tags in (
        ("a\\b", {"path": "c:\\tmp", "q": "O'Brien"}),
        ("a_b", {"path": "c:/tmp"}),
        ("B", {}),
        ("é", {"pct": "50%"}),
    ):
        client.create_registered_model(name, tags=tags)
    client.create_model_version("B", source="runs:/r/m")
    client.set_registered_model_alias("B", "champion", 1)


def _names(client, filter_string: str) -> list[str]:
    return [m.name for m in client.search_registered_models(filter_string)]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name LIKE 'a\\\\b'", ["a\\b"]),  # a backslash is itself, not an escape
        ("tags.path LIKE 'c:\\\\%'", ["a\\b"]),
        ("name LIKE 'a_b'", ["a\\b", "a_b"]),  # _ is always a wildcard
        ("tags.pct LIKE '%\\%'", []),  # so is %; the backslash stays
        ("tags.pct = '50%'", ["é"]),
        ("tags.q = 'O''Brien'", ["a\\b"]),
        ("tags.path ILIKE 'C:/TMP'", ["a_b"]),
        ("alias = 'champion'", ["B"]),
        ("alias IS NULL", ["a\\b", "a_b", "é"]),
        ("tags.q IS NOT NULL", ["a\\b"]),
    ],
)
def test_a_filter_means_the_same_on_every_backend(client, tagged, filter_string, expected):
    assert _names(client, filter_string) == expected


def test_names_sort_by_their_bytes(client, tagged):
    assert _names(client, "") == ["B", "a\\b", "a_b", "é"]
    descending = client.search_registered_models(order_by=["name DESC"])
    assert [m.name for m in descending] == ["é", "a_b", "a\\b", "B"]
