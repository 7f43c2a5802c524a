"""The demo registry for the tests, seeded once per test run: seeding trains 17 models.

``demo_template`` (registered in conftest.py) is a folder holding ``home`` (the registry
``seed_demo`` filled), ``data`` (its CSVs) and ``summary.txt`` (what it returned). It is
shared, read only: a test that opens or changes the registry works on a copy
(``copy_demo_home``). Under pytest-xdist the workers share one seeding: the first to need it
seeds it in the run's folder while the others wait on a lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

import pytest

from registry import RegistryClient


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    from registry.demo import seed_demo  # scikit-learn: only for the tests that need it

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # this run's folder, above each worker's own
    folder = base / "demo-template"
    with (base / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "summary.txt").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a seeding that failed half-way
            folder.mkdir()
            with pytest.MonkeyPatch.context() as patch, contextlib.chdir(folder):
                patch.setenv("REGISTRY_HOME", str(folder / "home"))
                patch.setenv("REGISTRY_USER", "tester")
                client = RegistryClient(folder / "home")
                summary = seed_demo(client, folder / "data")
                client.release()
            (folder / "summary.txt").write_text(summary)
    return folder


def copy_demo_home(template: Path, home: Path) -> Path:
    """A fresh copy of the demo registry at ``home``."""
    shutil.copytree(template / "home", home)
    return home
