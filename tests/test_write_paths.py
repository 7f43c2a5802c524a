"""The short write paths: a version number taken without reading it back, a tag's history row
written with its old value in one statement, an alias move read in one statement."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.errors import NotFoundError

ROOT = Path(__file__).resolve().parents[1]
OTHER_WRITER = """
import sys
from registry import RegistryClient
RegistryClient(sys.argv[1]).create_model_version("churn", source="elsewhere")
"""


def test_numbers_stay_right_when_another_process_registered_in_between(client, model, home):
    assert client.create_model_version("churn", source="s").version == 4
    client.release()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", OTHER_WRITER, str(home)], env=env, check=True)
    assert client.create_model_version("churn", source="s").version == 6
    assert [v.version for v in client.search_model_versions("name = 'churn'")] == [
        6, 5, 4, 3, 2, 1
    ]  # fmt: skip


def test_a_model_deleted_and_created_again_numbers_from_one(client, model):
    client.create_model_version("churn", source="s")
    client.delete_registered_model("churn")
    client.create_registered_model("churn")
    assert client.create_model_version("churn", source="s").version == 1
    with pytest.raises(NotFoundError, match="ghost"):
        client.create_model_version("ghost", source="s")


def _history(client, event: str) -> list[tuple]:
    changes = client._store.search_changes(model_name="churn", events=[event])
    return [(c.version, c.key, c.old_value, c.new_value, c.actor) for c in changes]


def test_a_tag_change_is_one_history_row_with_its_old_value(client, model):
    client.set_model_version_tag("churn", 2, "owner", "ana")
    client.set_model_version_tag("churn", 2, "owner", "ana")  # the same value: no row
    client.set_model_version_tag("churn", 2, "owner", "bo")
    assert _history(client, "model_version.tag_set") == [
        (2, "owner", "ana", "bo", "tester"),
        (2, "owner", None, "ana", "tester"),
    ]
    assert client.get_model_version("churn", 2).tags["owner"] == "bo"
    client.delete_model_version("churn", 3)
    for number in (3, 9):
        with pytest.raises(NotFoundError, match=f"{number}"):
            client.set_model_version_tag("churn", number, "owner", "ana")


def test_an_alias_move_checks_model_version_and_protection(client, model):
    client.set_registered_model_alias("churn", "champion", 1)
    client.set_registered_model_alias("churn", "champion", 1)  # no move: no row
    client.set_registered_model_alias("churn", "champion", 2)
    assert _history(client, "registered_model.alias_moved") == [(2, "champion", "1", "2", "tester")]
    assert client.get_model_version_by_alias("churn", "champion").version == 2
    with pytest.raises(NotFoundError, match="ghost"):
        client.set_registered_model_alias("ghost", "champion", 1)
    with pytest.raises(NotFoundError, match="9"):
        client.set_registered_model_alias("churn", "champion", 9)
