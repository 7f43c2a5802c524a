"""Search models and versions: filters, orders and every page."""

import time

from mlflow import MlflowClient

client = MlflowClient()
for team, name in [("a", "fraud"), ("b", "churn"), ("a", "upsell")]:
    client.create_registered_model(name, tags={"team": team})
    for _ in range(3):
        time.sleep(0.01)  # distinct update times: the default version order is by them
        client.create_model_version(name, f"s3://bucket/{name}", run_id=None)

token = None
while True:
    page = client.search_registered_models(max_results=2, order_by=["name DESC"], page_token=token)
    print("models page", [m.name for m in page])
    token = page.token
    if not token:
        break
print("team a", [m.name for m in client.search_registered_models("tags.team = 'a'")])
print("like", [m.name for m in client.search_registered_models("name LIKE '%u%'")])
newest = client.search_model_versions(max_results=4)
print("newest versions", [(v.name, v.version) for v in newest])
rest = client.search_model_versions(max_results=4, page_token=newest.token)
print("next page", [(v.name, v.version) for v in rest])
ordered = client.search_model_versions("name = 'churn'", order_by=["version_number ASC"])
print("churn ascending", [v.version for v in ordered])
print(
    "v > 2", sorted((v.name, v.version) for v in client.search_model_versions("version_number > 2"))
)
