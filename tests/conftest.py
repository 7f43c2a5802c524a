"""Shared fixtures: a fresh registry home on disk and a client on it; the browser tests'
``browser`` and ``page`` (defined in browser_support.py, where a module's ``server`` feeds them);
``postgres_server`` and ``postgres_dsn``, a real PostgreSQL (postgres_support.py);
``demo_template``, the demo registry seeded once per run (demo_support.py)."""

from __future__ import annotations

import os

import pytest
from browser_support import browser, page  # noqa: F401  (fixtures, registered by importing)
from demo_support import demo_template  # noqa: F401  (a fixture, as above)
from postgres_support import postgres_dsn, postgres_server  # noqa: F401  (fixtures, as above)

from registry import RegistryClient


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject.toml): one worker per core the run may use, none (this process
    only) when it names a single file, which --dist loadfile would hand to one worker anyway."""
    if "PYTEST_XDIST_AUTO_NUM_WORKERS" in os.environ:
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    named = {arg.split("::")[0] for arg in config.args}
    if len(named) == 1 and os.path.isfile(next(iter(named))):
        return 0
    return len(os.sched_getaffinity(0))


@pytest.fixture(scope="session", autouse=True)
def _own_download_cache(tmp_path_factory):
    """Remote clients cache model files in this run's folder, not the shared ~/.cache, where
    other runs (and pytest-xdist's other workers) write too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_CACHE", str(tmp_path_factory.mktemp("download-cache")))
        yield


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty registry home; REGISTRY_HOME points at it so subprocesses find it too."""
    path = tmp_path / "home"
    monkeypatch.setenv("REGISTRY_HOME", str(path))
    monkeypatch.setenv("REGISTRY_USER", "tester")
    # Dashboards under test would each start a notification dispatcher thread; the
    # dispatcher has tests of its own.
    monkeypatch.setenv("REGISTRY_DISPATCHER", "off")
    return path


@pytest.fixture
def client(home):
    client = RegistryClient(home=home)
    yield client
    client.release()


@pytest.fixture
def model(client):
    """A registered model named 'churn' with three versions."""
    client.create_registered_model("churn", tags={"team": "growth"}, description="Churn model")
    for run in ("r1", "r2", "r3"):
        client.create_model_version("churn", source=f"runs:/{run}/model", run_id=run)
    return "churn"
