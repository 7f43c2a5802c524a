"""Log a scikit-learn model in a run, register it, move it to Production, load it back."""

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

X = pd.DataFrame({"a": np.linspace(0, 1, 40), "b": np.linspace(1, 0, 40) ** 2})
y = (X["a"] > 0.5).astype(int)
model = LogisticRegression().fit(X, y)

with mlflow.start_run():
    mlflow.log_param("C", 1.0)
    info = mlflow.sklearn.log_model(
        model, name="model", registered_model_name="churn", input_example=X.head(3)
    )
print("registered version", info.registered_model_version)

client = MlflowClient()
client.transition_model_version_stage("churn", info.registered_model_version, "Production")
loaded = mlflow.pyfunc.load_model("models:/churn/Production")
print("predictions", list(loaded.predict(X.iloc[[0, 10, 30, 39]])))
for v in client.search_model_versions("name = 'churn'"):
    print("version", v.version, v.current_stage, v.status)
