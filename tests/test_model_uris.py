"""Logging and loading models by URI, and every way a URI could try to leave the home."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import registry
from registry import IntegrityError, InvalidArgumentError, NotFoundError, SchemaMismatchError


@pytest.fixture(autouse=True)
def fluent_home(home, monkeypatch):
    monkeypatch.setattr(registry.fluent, "_settings", {**registry.fluent._settings, "home": None})


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=300, n_features=4, random_state=1)
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


@pytest.fixture
def logged(client, data):
    """churn v1 (C=1) and v2 (C=0.01), v2 in Production with alias champion."""
    X, y = data
    infos = []
    for c in (1.0, 0.01):
        with registry.start_run():
            model = LogisticRegression(C=c).fit(X, y)
            infos.append(
                registry.sklearn.log_model(
                    model, name="model", registered_model_name="churn", input_example=X.head()
                )
            )
    client.transition_model_version_stage("churn", 2, "Production")
    client.set_registered_model_alias("churn", "champion", 2)
    return infos


def test_log_model_registers_a_version_linked_to_its_run(client, logged):
    first, second = logged
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)
    version = client.get_model_version("churn", 1)
    assert version.run_id == first.run_id
    assert version.source == first.model_uri == f"runs:/{first.run_id}/model"
    (stored,) = client.get_run(first.run_id).models
    assert stored.sha256 == first.sha256
    assert [c["name"] for c in first.signature["inputs"]] == ["a", "b", "c", "d"]


def test_log_model_without_active_run_starts_and_ends_one(client, data):
    X, y = data
    info = registry.sklearn.log_model(LogisticRegression().fit(X, y), "model")
    assert client.get_run(info.run_id).info.status == "FINISHED"
    assert registry.active_run() is None


@pytest.mark.parametrize(
    ("uri", "expected_c"),
    [
        ("models:/churn/1", 1.0),
        ("models:/churn/2", 0.01),
        ("models:/churn/Production", 0.01),
        ("models:/churn/production", 0.01),
        ("models:/churn@champion", 0.01),
        ("models:/churn/latest", 0.01),
    ],
)
def test_every_uri_form_loads_the_right_version(logged, data, uri, expected_c):
    assert expected_c == registry.sklearn.load_model(uri).C
    assert len(registry.pyfunc.load_model(uri).predict(data[0].head(7))) == 7


def test_runs_uri_loads(logged):
    assert registry.sklearn.load_model(logged[0].model_uri).C == 1.0


@pytest.mark.parametrize(
    ("uri", "error", "message"),
    [
        ("models:/churn/Staging", NotFoundError, "no version in stage 'Staging'"),
        ("models:/churn/9", NotFoundError, r"version=9\) not found"),
        ("models:/ghost/1", NotFoundError, "name=ghost"),
        ("models:/churn@nobody", NotFoundError, "no alias 'nobody'"),
        ("models:/churn/Prod", InvalidArgumentError, "not a version number, a stage or 'latest'"),
        ("models:/churn", InvalidArgumentError, "expected one of"),
        ("s3://bucket/model", InvalidArgumentError, "expected one of"),
        ("runs:/abc", InvalidArgumentError, "names no artifact path"),
        ("runs:/../../etc/model", InvalidArgumentError, "Invalid run id"),
        ("runs:/abc/../../../etc/passwd", InvalidArgumentError, "'..' segment"),
        ("runs:/abc//etc/passwd", InvalidArgumentError, "absolute"),
        ("runs:/abc/%2e%2e/%2e%2e/etc", InvalidArgumentError, "percent-encoded"),
        ("runs:/abc/model%2f..%2f..", InvalidArgumentError, "percent-encoded"),
        ("runs:/abc/..\\..\\windows", InvalidArgumentError, "is not allowed"),
        ("runs:/abc/~/.ssh/id_rsa", InvalidArgumentError, "is not allowed"),
        ("models:/../churn/1", InvalidArgumentError, "'churn/1' is not a version number"),
    ],
)
def test_bad_uris_are_refused_clearly(logged, uri, error, message):
    with pytest.raises(error, match=message):
        registry.pyfunc.load_model(uri)


def test_artifact_paths_from_users_are_checked(data):
    X, y = data
    with pytest.raises(InvalidArgumentError):
        registry.sklearn.log_model(LogisticRegression().fit(X, y), "../outside")


def test_tampered_model_file_is_refused_naming_it(client, logged):
    blob = client.blobs.path(logged[1].sha256)
    blob.chmod(0o644)
    content = bytearray(blob.read_bytes())
    content[len(content) // 2] ^= 0xFF
    blob.write_bytes(bytes(content))
    with pytest.raises(IntegrityError, match=logged[1].sha256):
        registry.pyfunc.load_model("models:/churn/Production")


def test_predict_checks_the_signature(logged, data):
    model = registry.pyfunc.load_model("models:/churn@champion")
    bad = data[0].drop(columns=["b"]).assign(extra=1.0, c="text")
    with pytest.raises(SchemaMismatchError) as caught:
        model.predict(bad)
    message = str(caught.value)
    assert "'b'" in message and "'extra'" in message and "'c'" in message
