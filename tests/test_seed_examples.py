"""Every code example of the MLflow guide the product grew from (shared/seed/) runs here
with only its import lines changed. The examples are copied with their indentation restored;
the fixtures build the world they assume (training data, a run with id abc123def456)."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import registry
from registry.artifacts.model_files import save_sklearn_model
from registry.entities import LoggedModel, RunInfo

CLIENT_IMPORT = "from registry import RegistryClient as MlflowClient"
IMPORTS = {
    "import mlflow": "import registry as mlflow",
    "from mlflow import MlflowClient": CLIENT_IMPORT,
    "from mlflow.tracking import MlflowClient": CLIENT_IMPORT,
}

REGISTERING = """
import mlflow
# Method 1: Register during logging
with mlflow.start_run():
    model = train_model(X_train, y_train)
    mlflow.sklearn.log_model(
        model,
        artifact_path="model",
        registered_model_name="churn-predictor", # Auto-registers
    )
# Method 2: Register an existing run's model
result = mlflow.register_model(
    model_uri="runs:/abc123def456/model",
    name="churn-predictor",
)
print(f"Version: {result.version}")
"""

VERSIONS = """
from mlflow import MlflowClient
client = MlflowClient()
# List all versions of a model
versions = client.search_model_versions("name='churn-predictor'")
for v in versions:
    print(f"Version {v.version}: stage={v.current_stage}, run_id={v.run_id}")
# Get a specific version
version = client.get_model_version("churn-predictor", version=3)
# Update version description
client.update_model_version(
    name="churn-predictor",
    version=3,
    description="Improved model with new features. F1: 0.94"
)
"""

STAGES = """
from mlflow import MlflowClient
client = MlflowClient()
# Transition to Staging
client.transition_model_version_stage(
    name="churn-predictor",
    version=3,
    stage="Staging",
)
# After validation, promote to Production
client.transition_model_version_stage(
    name="churn-predictor",
    version=3,
    stage="Production",
    archive_existing_versions=True, # Archive the current Production version
)
# Archive an old version
client.transition_model_version_stage(
    name="churn-predictor",
    version=2,
    stage="Archived",
)
"""

APPROVAL = """
def approve_model(model_name, version, test_data):
    \"\"\"Validate and promote a model through stages.\"\"\"
    client = MlflowClient()
    # Load the staging model
    model_uri = f"models:/{model_name}/{version}"
    model = mlflow.pyfunc.load_model(model_uri)
    # Run validation checks
    predictions = model.predict(test_data.X)
    accuracy = accuracy_score(test_data.y, predictions)
    f1 = f1_score(test_data.y, predictions)
    # Check against thresholds
    if accuracy >= 0.90 and f1 >= 0.88:
        client.transition_model_version_stage(
            name=model_name,
            version=version,
            stage="Production",
            archive_existing_versions=True,
        )
        print(f"Model v{version} promoted to Production!")
    else:
        print(f"Model v{version} failed validation: acc={accuracy:.3f}, f1={f1:.3f}")
        client.set_model_version_tag(model_name, version, "validation", "failed")
"""

PROGRAMMATIC = """
from mlflow import MlflowClient
client = MlflowClient()
# Create a registered model
client.create_registered_model(
    name="fraud-detector",
    description="Real-time fraud detection model for payment transactions",
    tags={"team": "payments", "priority": "critical"},
)
# Search registered models
models = client.search_registered_models(filter_string="name LIKE '%churn%'")
# Get the latest Production version
from mlflow.tracking import MlflowClient
prod_version = client.get_latest_versions("churn-predictor", stages=["Production"])
if prod_version:
    print(f"Production model: v{prod_version[0].version}")
# Delete a model version (use with caution)
client.delete_model_version(name="churn-predictor", version=1)
# Delete entire registered model (use with extreme caution)
# client.delete_registered_model(name="old-model")
"""


def run_example(source: str, namespace: dict) -> dict:
    """Execute an example after changing only its import lines."""
    lines = [IMPORTS.get(line.strip(), line) for line in textwrap.dedent(source).splitlines()]
    exec(compile("\n".join(lines), "<seed example>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=1200, n_features=6, n_informative=4, class_sep=2.0, random_state=7
    )
    X = pd.DataFrame(X, columns=[f"feature_{i}" for i in range(6)])
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=7)
    return SimpleNamespace(X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)


@pytest.fixture
def world(home, data, monkeypatch):
    """The names the examples assume: training code, data, and run abc123def456."""
    monkeypatch.setattr(registry.fluent, "_settings", {**registry.fluent._settings, "home": None})
    client = registry.RegistryClient(home)
    client._store.create_run(RunInfo("abc123def456", "Default", "earlier run", "FINISHED", 0), {})
    manifest = save_sklearn_model(
        client.blobs, LogisticRegression(C=0.5).fit(data.X_train, data.y_train), data.X_train
    )
    client._store.save_logged_model(
        LoggedModel("abc123def456", "model", manifest.sha256, "sklearn", manifest.to_json(), 0)
    )
    return {
        "train_model": lambda X, y: LogisticRegression().fit(X, y),
        "X_train": data.X_train,
        "y_train": data.y_train,
        "client": client,
    }


def test_registering_models(world, capsys):
    run_example(REGISTERING, world)
    assert capsys.readouterr().out.strip() == "Version: 2"
    versions = world["client"].search_model_versions("name = 'churn-predictor'")
    assert [v.version for v in versions] == [2, 1]
    assert all(v.run_id for v in versions)
    assert versions[0].run_id == "abc123def456"


def test_versions_stages_and_programmatic_management(world, capsys):
    run_example(REGISTERING, world)
    run_example(REGISTERING, world)  # versions 1-4, so that version 3 exists
    run_example(VERSIONS, world)
    client = world["client"]
    assert client.get_model_version("churn-predictor", 3).description.endswith("F1: 0.94")
    assert "Version 4: stage=None" in capsys.readouterr().out

    client.transition_model_version_stage("churn-predictor", 2, "Production")
    run_example(STAGES, world)
    stages = {
        v.version: v.current_stage for v in client.search_model_versions("name='churn-predictor'")
    }
    assert stages == {1: "None", 2: "Archived", 3: "Production", 4: "None"}

    run_example(PROGRAMMATIC, world)
    assert "Production model: v3" in capsys.readouterr().out
    assert client.get_registered_model("fraud-detector").tags == {
        "team": "payments",
        "priority": "critical",
    }
    assert client.find_model_version("churn-predictor", 1) is None


def _approval_namespace(world) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    namespace = {**world, "accuracy_score": accuracy_score, "f1_score": f1_score}
    run_example("import mlflow\nfrom mlflow import MlflowClient\n" + APPROVAL, namespace)
    return namespace


def test_approval_passes_on_a_good_model(world, data, capsys):
    run_example(REGISTERING, world)
    namespace = _approval_namespace(world)
    test_data = SimpleNamespace(X=data.X_test, y=data.y_test)
    namespace["approve_model"]("churn-predictor", 1, test_data)
    assert capsys.readouterr().out.splitlines()[-1] == "Model v1 promoted to Production!"
    assert world["client"].get_model_version("churn-predictor", 1).current_stage == "Production"


def test_approval_fails_and_tags_a_poor_model(world, data, capsys):
    shuffled = np.random.default_rng(0).permutation(data.y_train)
    world["train_model"] = lambda X, y: LogisticRegression().fit(X, shuffled)
    run_example(REGISTERING, world)
    namespace = _approval_namespace(world)
    namespace["approve_model"]("churn-predictor", 1, SimpleNamespace(X=data.X_test, y=data.y_test))
    assert capsys.readouterr().out.splitlines()[-1].startswith("Model v1 failed validation: acc=0.")
    version = world["client"].get_model_version("churn-predictor", 1)
    assert version.tags == {"validation": "failed"}
    assert version.current_stage == "None"
