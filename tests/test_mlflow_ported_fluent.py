"""The registry behaviours MLflow 3.17.2's fluent registry tests check
(tests/tracking/_model_registry/test_model_registry_fluent.py), ported: our own test code on
registry's fluent API (``import registry as mlflow``, embedded), one test per MLflow test.

MLflow mocks its client to see which calls ``register_model`` makes; here the registry is
real and each test checks what the calls leave behind. MLflow logs its models as pickled
``PythonModel`` instances; here a model from code stands in (the same pyfunc, no pickle).

Not ported: MLflow's second parametrisation of the existing-model case (Databricks'
``ALREADY_EXISTS`` code, which only a mocked client raises), the Unity Catalog link printed
after registering (Databricks workspaces), registering a model logged by MLflow 2.x (an
MLflow 2 install run through uv), and the four Databricks Model Serving ``env_pack`` cases.
"""

from __future__ import annotations

import pytest

import registry as mlflow
from registry import MlflowClient
from registry.exceptions import MlflowException

MODEL = """
from registry.pyfunc import PythonModel, set_model


class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


set_model(Echo())
"""


@pytest.fixture(autouse=True)
def fluent_home(home, monkeypatch):
    monkeypatch.setattr(mlflow.fluent, "_settings", {**mlflow.fluent._settings, "home": None})
    return home


@pytest.fixture
def logged_run(tmp_path) -> str:
    """A run with a pyfunc model logged at ``model``; its id."""
    code = tmp_path / "echo.py"
    code.write_text(MODEL)
    with mlflow.start_run() as run:
        mlflow.pyfunc.log_model(python_model=str(code), artifact_path="model")
    return run.info.run_id


def test_register_model_with_runs_uri(logged_run):
    mlflow.register_model(f"runs:/{logged_run}/model", "Model 1")
    version = MlflowClient().get_model_version("Model 1", "1")
    assert (version.name, version.run_id) == ("Model 1", logged_run)


def test_register_model_with_non_runs_uri():
    created = mlflow.register_model("s3:/some/path/to/model", "Model 1")
    assert (created.name, created.version, created.run_id, created.tags) == ("Model 1", 1, None, {})
    client = MlflowClient()
    assert client.get_registered_model("Model 1").name == "Model 1"
    assert client.get_model_version("Model 1", 1).source == "s3:/some/path/to/model"


def test_register_model_with_existing_registered_model():
    MlflowClient().create_registered_model("Model 1")
    created = mlflow.register_model("s3:/some/path/to/model", "Model 1")
    assert (created.name, created.version) == ("Model 1", 1)
    assert len(MlflowClient().search_registered_models()) == 1


def test_register_model_with_unexpected_mlflow_exception_in_create_registered_model():
    # MLflow's mock raises INTERNAL_ERROR; a real refusal other than "already exists" (a
    # name with '/') must come through the same way, with nothing registered.
    with pytest.raises(MlflowException, match="contains '/'") as caught:
        mlflow.register_model("s3:/some/path/to/model", "Model/1")
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert MlflowClient().search_model_versions() == []


def test_register_model_with_unexpected_exception_in_create_registered_model(monkeypatch):
    # Any other failure while creating the model is not swallowed either (no real fault
    # raises a plain Exception here, so one method is replaced, as MLflow's test does).
    def broken(self, name, *args, **kwargs):
        raise Exception("Dunno")

    monkeypatch.setattr(MlflowClient, "create_registered_model", broken)
    with pytest.raises(Exception, match="Dunno"):
        mlflow.register_model("s3:/some/path/to/model", "Model 1")
    assert MlflowClient().search_model_versions() == []


def test_register_model_with_tags(logged_run):
    tags = {"a": "1"}
    mlflow.register_model(f"runs:/{logged_run}/model", "Model 1", tags=tags)
    assert MlflowClient().get_model_version("Model 1", "1").tags == tags


def test_set_model_version_tag(tmp_path):
    code = tmp_path / "echo.py"
    code.write_text(MODEL)
    mlflow.pyfunc.log_model(
        python_model=str(code), artifact_path="model", registered_model_name="Model 1"
    )
    assert MlflowClient().get_model_version("Model 1", "1").tags == {}
    mlflow.set_model_version_tag(name="Model 1", version=1, key="key", value="value")
    assert MlflowClient().get_model_version("Model 1", "1").tags == {"key": "value"}
