"""Create a model only if it is missing, branching on MLflow's error codes."""

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

client = MlflowClient()


def ensure_model(name):
    try:
        return client.get_registered_model(name), False
    except MlflowException as e:
        if e.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        print("missing:", e.error_code, "not found" in e.message)
        return client.create_registered_model(name), True


for attempt in range(2):
    model, created = ensure_model("churn")
    print("attempt", attempt, model.name, "created" if created else "existed")

try:
    client.create_registered_model("churn")
except MlflowException as e:
    print("again:", e.error_code, "already exists" in e.message)

for call in (
    lambda: client.get_model_version("churn", 1),
    lambda: client.transition_model_version_stage("churn", 1, "Prod"),
    lambda: client.search_model_versions("name = unquoted"),
):
    try:
        call()
    except MlflowException as e:
        print("refused:", e.error_code)
client.create_model_version("churn", "s3://bucket/churn/1")
try:
    client.transition_model_version_stage("churn", 1, "Prod")
except MlflowException as e:
    print("bad stage:", e.error_code)
