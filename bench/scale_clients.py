"""The client processes of bench_scale.py (a module of their own: Streamlit's AppTest, which
the benchmark also runs, replaces ``__main__``, and spawned processes import from here)."""

from __future__ import annotations

import os
import time

TEAMS = ("growth", "risk", "ops", "search", "ads")
PER_MODEL = 100


def create_loop(kind: str, url: str, token: str, name: str, seconds: float, out) -> None:
    if kind == "registry":
        from registry import RegistryClient

        client = RegistryClient(url, token=token)
        client.create_registered_model(name)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = url
        from mlflow import MlflowClient

        client = MlflowClient()
        client.create_registered_model(name)
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        client.create_model_version(name, source="s3://bucket/x", run_id=None)
        count += 1
    out.put(count)


def seed_mlflow(url: str, models: range) -> int:
    os.environ["MLFLOW_TRACKING_URI"] = url
    from mlflow import MlflowClient

    client = MlflowClient()
    for m in models:
        team = TEAMS[m % len(TEAMS)]
        client.create_registered_model(f"model-{m:06d}", tags={"team": team})
        for i in range(PER_MODEL):
            client.create_model_version(
                f"model-{m:06d}", source=f"s3://bucket/{team}/{i}", tags={"team": team}
            )
    return len(models) * PER_MODEL
