"""A registry home holds webhook secrets and token hashes: a home the registry creates is for
its owner only (0700), and so is a new registry.duckdb (0600). Folders that exist keep their
modes. (DuckDB's short-lived .wal follows the umask; the private home is what guards it.)"""

from __future__ import annotations

import os
import stat

import pytest
from sklearn.linear_model import LogisticRegression

from registry import RegistryClient
from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import save_sklearn_model


@pytest.fixture(autouse=True)
def usual_umask():
    """The common umask 022, under which files are made readable by everyone by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_home_and_its_database_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_USER", "tester")
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW", "127.0.0.1")  # nothing is sent: only stored
    home = tmp_path / "teams" / "home"
    client = RegistryClient(home=home)
    try:
        client.create_registered_model("churn")
        hook = client.create_subscription("webhook", "http://127.0.0.1:9/hook")
    finally:
        client.release()
    assert hook.secret
    assert _mode(home) == 0o700
    assert _mode(home.parent) == 0o700  # created for it as well
    assert _mode(home / "registry.duckdb") == 0o600
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".new-")) == []


def test_a_folder_the_user_made_keeps_its_mode_but_the_database_is_private(tmp_path):
    home = tmp_path / "shared"
    home.mkdir(mode=0o750)
    os.chmod(home, 0o750)
    client = RegistryClient(home=home, user="tester")
    try:
        client.create_registered_model("churn")
    finally:
        client.release()
    assert _mode(home) == 0o750
    assert _mode(home / "registry.duckdb") == 0o600


def test_an_existing_database_is_opened_as_it_is(tmp_path):
    home = tmp_path / "home"
    RegistryClient(home=home, user="tester").release()
    client = RegistryClient(home=home, user="tester")
    try:
        client.create_registered_model("churn")
        assert [m.name for m in client.search_registered_models()] == ["churn"]
    finally:
        client.release()


def test_a_home_first_made_by_the_artifact_store_is_private(tmp_path):
    home = tmp_path / "home"
    blobs = BlobStore(home / "artifacts")
    manifest = save_sklearn_model(blobs, LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    blob = blobs.path(manifest.sha256)
    for folder in (home, home / "artifacts", blob.parent.parent, blob.parent):
        assert _mode(folder) == 0o700, folder
    client = RegistryClient(home=home, user="tester")
    try:
        client.create_registered_model("churn")
    finally:
        client.release()
    assert _mode(home) == 0o700 and _mode(home / "registry.duckdb") == 0o600
