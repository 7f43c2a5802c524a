"""Promote a version from a development model to a production model with copy_model_version."""

from mlflow import MlflowClient

client = MlflowClient()
client.create_registered_model("dev.churn")
client.create_model_version(
    "dev.churn", "s3://bucket/churn/7", run_id=None, tags={"auc": "0.91"}, description="tuned"
)
client.create_model_version("dev.churn", "s3://bucket/churn/8", description="candidate")
client.set_registered_model_alias("dev.churn", "candidate", 1)

copy = client.copy_model_version("models:/dev.churn@candidate", "prod.churn")
print("copy", copy.name, copy.version, copy.source, copy.current_stage)
print("kept", copy.description, copy.tags)
print("download", client.get_model_version_download_uri("prod.churn", copy.version))
again = client.copy_model_version("models:/dev.churn/2", "prod.churn")
print("second copy", again.name, again.version, again.source, again.description)
print("prod versions", [v.version for v in client.search_model_versions("name = 'prod.churn'")])
client.set_registered_model_alias("prod.churn", "champion", again.version)
print("champion", client.get_model_version_by_alias("prod.churn", "champion").source)
