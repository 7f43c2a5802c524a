"""register_model and create_model_version take the sources MLflow takes, refusing only what
is unsafe, and say why (issue 12)."""

from __future__ import annotations

import pytest

import registry
from registry import InvalidArgumentError, NotFoundError


@pytest.fixture
def fluent(client):
    registry.set_tracking_uri(str(client.home))
    yield client
    registry.set_tracking_uri(None)


@pytest.mark.parametrize(
    "source",
    [
        "s3://bucket/churn/model",
        "gs://bucket/churn",
        "wasbs://container@account.blob.core.windows.net/churn",
        "abfss://container@account.dfs.core.windows.net/churn",
        "dbfs:/models/churn",
        "file:///srv/models/churn",
        "/srv/models/churn",
        "models/churn",
        "mlflow-artifacts:/1/abc/artifacts/model",
    ],
)
def test_object_store_and_local_sources_are_recorded_as_given(fluent, source):
    version = registry.register_model(source, "from-elsewhere")
    assert (version.source, version.run_id) == (source, None)
    with pytest.raises(NotFoundError, match="has no model file here"):
        registry.pyfunc.load_model(f"models:/from-elsewhere/{version.version}")


def test_a_models_uri_registers_the_same_file_again(fluent, model):
    copy = registry.register_model(f"models:/{model}/2", "churn-again")
    assert (copy.source, copy.run_id) == (f"models:/{model}/2", "r2")
    with pytest.raises(NotFoundError):
        registry.register_model(f"models:/{model}/9", "churn-again")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("s3://AKIA:secret@bucket/model", "carries credentials"),
        ("https://user:pass@example.com/model.skops", "carries credentials"),
        ("ftp://example.com/model", "Unsupported model source"),
        ("javascript:alert(1)", "Unsupported model source"),
        ("s3://bucket/model\nX-Injected: 1", "control characters"),
    ],
)
def test_unsafe_sources_are_refused_saying_why(fluent, source, reason):
    with pytest.raises(InvalidArgumentError, match=reason):
        registry.register_model(source, "refused")
    with pytest.raises(InvalidArgumentError, match=reason):
        fluent.create_model_version("anything", source=source)
    assert fluent.find_registered_model("refused") is None
