"""Registered models: what the client refuses before calling a store. What every store
guarantees (names, tags, aliases, search order and pages) is in store_contract/."""

from __future__ import annotations

import pytest

from registry import InvalidArgumentError


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be an empty string"),
        ("   ", "must not be an empty string"),
        ("a/b", "'/'"),
        ("a:b", "':'"),
        ("bad\nname", "control characters"),
        (" padded", "white space"),
        ("x" * 257, "limit is 256"),
        (42, "must be a string"),
    ],
)
def test_bad_names_are_refused_before_the_store(client, name, message):
    with pytest.raises(InvalidArgumentError, match=message):
        client.create_registered_model(name)
    assert len(client.search_registered_models()) == 0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("", "v", "must not be empty"), ("k" * 251, "v", "limit is 250"), ("k", "v" * 5001, "5000"),
     ("k", None, "has no value"), ("a\x00b", "v", "control")],
)  # fmt: skip
def test_bad_tags_are_refused(client, key, value, message):
    client.create_registered_model("m")
    with pytest.raises(InvalidArgumentError, match=message):
        client.set_registered_model_tag("m", key, value)
    assert client.get_registered_model("m").tags == {}


def test_search_limits_and_bad_tokens(client):
    with pytest.raises(InvalidArgumentError, match="at most 1000"):
        client.search_registered_models(max_results=1001)
    with pytest.raises(InvalidArgumentError, match="page_token"):
        client.search_registered_models(page_token="not-a-token")
