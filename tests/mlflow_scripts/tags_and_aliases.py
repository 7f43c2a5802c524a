"""Tags on models and versions, aliases set, moved, read and deleted."""

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

client = MlflowClient()
client.create_registered_model("churn", tags={"team": "growth"}, description="Churn model")
for i in range(3):
    client.create_model_version("churn", f"s3://bucket/churn/{i}")

client.set_registered_model_tag("churn", "owner", "ana")
client.delete_registered_model_tag("churn", "team")
client.delete_registered_model_tag("churn", "never-set")  # silently nothing
client.set_model_version_tag("churn", "2", "validated", "true")
client.set_model_version_tag("churn", 2, "score", 0.93)
print("model tags", sorted(client.get_registered_model("churn").tags.items()))
print("version tags", sorted(client.get_model_version("churn", 2).tags.items()))

client.set_registered_model_alias("churn", "champion", 1)
client.set_registered_model_alias("churn", "challenger", "2")
print("champion", client.get_model_version_by_alias("churn", "champion").version)
client.set_registered_model_alias("churn", "champion", 2)  # moves it
print("champion now", client.get_model_version_by_alias("churn", "champion").version)
print("v2 aliases", sorted(client.get_model_version("churn", 2).aliases))
print("v1 aliases", client.get_model_version("churn", 1).aliases)
client.delete_registered_model_alias("churn", "challenger")
print("model aliases", sorted(client.get_registered_model("churn").aliases))
try:
    client.get_model_version_by_alias("churn", "challenger")
except MlflowException as e:
    print("gone:", e.error_code)
tagged = client.search_model_versions("name = 'churn' AND tags.validated = 'true'")
print("validated", [v.version for v in tagged])
