"""The dashboard keeps the registry file open between reruns and new tabs (opening it is a
good part of a new tab's server time), yet a script in another process that wants the file
gets it at once: in a real Chromium, a real dashboard process and a real second process."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest
from browser_support import dashboard, expect, settle

from registry import RegistryClient

pytestmark = pytest.mark.browser

# The other process gives up after 1 s: the dashboard's 30 s linger must not make it wait.
SCRIPT = """
from registry import RegistryClient
client = RegistryClient(home={home!r}, user="ann", busy_timeout=1)
client.create_registered_model("fraud")
"""


def _fill(home) -> None:
    client = RegistryClient(home=home, user="ann")
    client.create_registered_model("churn")
    client.release()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("linger") / "home"
    with dashboard(home, _fill) as url:
        yield url, home


def test_the_dashboard_holds_the_file_yet_hands_it_over_at_once(page, server):
    base, home = server
    page.goto(f"{base}/model?model=churn")
    settle(page)
    expect(page.get_by_role("heading", name="churn", exact=True)).to_be_visible()
    with pytest.raises(duckdb.IOException, match="lock"):
        duckdb.connect(str(home / "registry.duckdb")).close()  # outside the line: refused

    env = {**os.environ, "REGISTRY_BUSY_TIMEOUT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(home=str(home))],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    page.goto(f"{base}/model?model=fraud")
    settle(page)
    expect(page.get_by_role("heading", name="fraud", exact=True)).to_be_visible()
