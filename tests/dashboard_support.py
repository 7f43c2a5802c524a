"""A small, realistic registry for the dashboard tests, built through the client API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from registry import RegistryClient
from registry.entities import Dataset, LoggedModel, Metric

APP = str(Path(__file__).resolve().parents[1] / "app.py")
COLUMNS = (("tenure", "int64"), ("plan", "category"), ("monthly_spend", "float64"))
# churn versions: (n_estimators, max_depth, f1 per step, auc, log_loss, sklearn)
CHURN = (
    (100, 4, (0.61, 0.68, 0.70), 0.81, 0.52, "1.8.0"),
    (200, 6, (0.70, 0.76, 0.79), 0.86, 0.44, "1.9.1"),
    (200, 8, (0.72, 0.80, 0.83), 0.88, 0.41, "1.9.1"),
    (300, 8, (0.74, 0.79, 0.81), 0.87, 0.43, "1.9.1"),
)


def _manifest(sha: str, sklearn: str, extra_column: bool) -> str:
    """Manifest JSON as registry.artifacts.model_files writes it (format version 1)."""
    columns = [{"name": n, "dtype": t} for n, t in COLUMNS]
    if extra_column:
        columns.append({"name": "support_calls", "dtype": "int64"})
    env = {"python": "3.11.2", "scikit-learn": sklearn, "numpy": "2.3.0", "skops": "0.16.0"}
    manifest = {
        "sha256": sha,
        "size": 48_213,
        "model_class": "sklearn.ensemble.RandomForestClassifier",
        "signature": {"inputs": columns},
        "environment": env,
        "flavor": "sklearn",
        "format_version": 1,
    }
    return json.dumps(manifest, sort_keys=True)


def _churn_run(client: RegistryClient, i: int, spec: tuple) -> str:
    trees, depth, f1s, auc, loss, sklearn = spec
    run = client.create_run(
        "churn-training",
        run_name=f"churn-rf-{i}",
        tags={"team": "growth"},
        source={
            "source_name": "train_churn.py",
            "source_type": "SCRIPT",
            "git_commit": f"{i:x}" * 40,
            "git_dirty": False,
        },
    )
    run_id = run.info.run_id
    metrics = [Metric("f1", f1, 1_000 + step, step) for step, f1 in enumerate(f1s)]
    metrics += [Metric("auc", auc, 2_000, 2), Metric("log_loss", loss, 2_000, 2)]
    params = {"n_estimators": trees, "max_depth": depth, "class_weight": "balanced"}
    client.log_batch(run_id, metrics=metrics, params=params)
    client.log_input(
        run_id,
        Dataset(
            "churn_train.csv", f"{i:x}" * 64, "data/churn_train.csv", "training", 12_000, 4, 512_000
        ),
    )
    sha = f"{i + 10:x}" * 32
    client._store.save_logged_model(
        LoggedModel(run_id, "model", sha, "sklearn", _manifest(sha, sklearn, i >= 3), 3_000)
    )
    client.set_terminated(run_id)
    return run_id


def populate(client: RegistryClient) -> None:
    """churn: v1 Archived, v2 Production (@champion), v3 Staging, v4 None, all with runs;
    fraud: v1 Production without a run, v2 None; ltv: one version, no stage."""
    with client.batch():
        _populate(client)


def _populate(client: RegistryClient) -> None:
    client.create_registered_model(
        "churn", tags={"team": "growth", "owner": "ann"}, description="Predicts churn."
    )
    for i, spec in enumerate(CHURN, start=1):
        run_id = _churn_run(client, i, spec)
        client.create_model_version(
            "churn", source=f"runs:/{run_id}/model", run_id=run_id, description=f"RF #{i}"
        )
    client.transition_model_version_stage("churn", 1, "Production")
    client.transition_model_version_stage("churn", 2, "Production", archive_existing_versions=True)
    client.transition_model_version_stage("churn", 3, "Staging")
    client.set_registered_model_alias("churn", "champion", 2)
    client.set_model_version_tag("churn", 3, "validated", "true")
    client.create_registered_model("fraud", tags={"team": "risk", "owner": "bob"})
    client.create_model_version("fraud", source="s3://models/fraud/1")
    client.create_model_version("fraud", source="s3://models/fraud/2")
    client.transition_model_version_stage("fraud", 1, "Production")
    client.create_registered_model("ltv", tags={"team": "growth", "owner": "cho"})
    client.create_model_version("ltv", source="models/ltv.skops")


@pytest.fixture(scope="module")
def populated_template(tmp_path_factory):
    """The populated registry, built once per module; ``populated`` hands each test a copy."""
    path = tmp_path_factory.mktemp("template")
    client = RegistryClient(home=path, user="tester")
    populate(client)
    client.release()
    return path


@pytest.fixture
def fresh_cache():
    """The dashboard's cached clients dropped before and after the test (AppTest sessions
    in one process share st.cache_resource)."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def populated(populated_template, home):
    """A client on a fresh copy of the populated registry at ``home``; the dashboard's
    cached clients are dropped before and after."""
    st.cache_resource.clear()
    shutil.copytree(populated_template, home)
    client = RegistryClient(home=home)
    yield client
    client.release()
    st.cache_resource.clear()


def open_app(**params: str) -> AppTest:
    """A new session on the page ``params`` link to, checked for tracebacks and bugs."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    return clean(at.run())


def clean(at: AppTest) -> AppTest:
    """``at`` after checking it shows no traceback and no bug caught by the page guard."""
    from registry.dashboard.feedback import UNEXPECTED

    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if UNEXPECTED in e.value]
    return at


def texts(elements) -> str:
    """The elements' values as one text (for a part of a message)."""
    return "\n".join(str(e.value) for e in elements)


def values(elements) -> list[str]:
    """The elements' values, one string each (for whole messages)."""
    return [str(e.value) for e in elements]
