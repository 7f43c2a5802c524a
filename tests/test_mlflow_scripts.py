"""Five typical MLflow registry scripts (tests/mlflow_scripts/), each run as a user would:
with only its imports changed to ``import registry as mlflow`` on an embedded registry, and
unchanged through MLflow's own client (mlflow-skinny 3.17.2) against a registry server. Each
must print exactly what MLflow 3.17.2 printed in the same setting: embedded against MLflow
with its local sqlite store (tests/mlflow_scripts/expected/local/), through the client
against MLflow's own server (tests/mlflow_scripts/expected/, without the "View run" links
MLflow prints when a run ends). MLflow's local store returns version numbers as ints, its
REST client as strings ('3'), and so does each side here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from server_support import serve_in_thread

SCRIPTS = Path(__file__).parent / "mlflow_scripts"
NAMES = [
    "log_and_register",
    "search_order_paging",
    "promote_across_models",
    "create_if_missing",
    "tags_and_aliases",
]
# The only lines that change, as the README's compatibility promise says.
IMPORTS = {
    "import mlflow\n": "import registry as mlflow\n",
    "from mlflow import MlflowClient\n": "from registry import RegistryClient as MlflowClient\n",
    "from mlflow.exceptions import MlflowException\n": (
        "from registry.exceptions import MlflowException\n"
    ),
}


def run(code: str, env: dict[str, str], cwd: Path) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "REGISTRY_"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env, "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONWARNINGS": "ignore"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def through_registry(name: str, tmp_path: Path) -> str:
    code = (SCRIPTS / f"{name}.py").read_text()
    for old, new in IMPORTS.items():
        code = code.replace(old, new)
    env = {"REGISTRY_HOME": str(tmp_path / "home"), "REGISTRY_USER": "ada"}
    return run(code, {**env, "REGISTRY_DISPATCHER": "off"}, tmp_path)


def recorded(name: str, where: str = "") -> str:
    """MLflow 3.17.2's output: with its server (``where=""``) or its local store ("local")."""
    return (SCRIPTS / "expected" / where / f"{name}.txt").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_the_script_prints_what_it_printed_with_mlflows_local_store(name, tmp_path):
    assert through_registry(name, tmp_path) == recorded(name, "local")


@pytest.mark.parametrize("name", [n for n in NAMES if n != "log_and_register"])
def test_mlflows_client_against_the_server_prints_the_same(name, tmp_path):
    """(log_and_register needs MLflow's tracking API for its run, which the server does not
    serve: docs/mlflow-compatibility.md.)"""
    with serve_in_thread(tmp_path / "served", user="ada") as (url, token):
        env = {"MLFLOW_TRACKING_URI": url, "MLFLOW_TRACKING_TOKEN": token}
        theirs = run((SCRIPTS / f"{name}.py").read_text(), env, tmp_path)
    assert theirs == recorded(name)
