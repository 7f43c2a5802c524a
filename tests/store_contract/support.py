"""Helpers of the contract suite: reading stages, waiting out a millisecond, a real model."""

from __future__ import annotations

import functools
import time

import pandas as pd
from sklearn.linear_model import LogisticRegression

from registry import RegistryClient
from registry.artifacts.model_files import FLAVOR, save_sklearn_model
from registry.clock import now_ms
from registry.entities import LoggedModel


def stages(client: RegistryClient, name: str) -> dict[int, str]:
    """{version: stage} of the model's live versions."""
    return {v.version: v.current_stage for v in client.search_model_versions(f"name = '{name}'")}


def pause() -> int:
    """A timestamp (ms) strictly between the writes before and after the call."""
    time.sleep(0.01)
    moment = now_ms()
    time.sleep(0.01)
    return moment


@functools.cache
def _tiny_classifier() -> tuple[LogisticRegression, pd.DataFrame]:
    x = pd.DataFrame({"a": [float(i) for i in range(20)], "b": [float(i % 3) for i in range(20)]})
    return LogisticRegression().fit(x, (x["a"] > 9).astype(int)), x


def labelled(*, flipped: bool = False) -> pd.DataFrame:
    """Test data for the tiny classifier: it scores 1.0 on it, or 0.0 when ``flipped``."""
    x = _tiny_classifier()[1]
    truth = (x["a"] > 9).astype(int)
    return x.assign(y=1 - truth if flipped else truth)


def register_classifier(client: RegistryClient, name: str) -> int:
    """Log the tiny classifier under a new run and register it as ``name``'s next version,
    through the client's public calls only. Returns the version number."""
    estimator, x = _tiny_classifier()
    run_id = client.create_run().info.run_id
    manifest = save_sklearn_model(client.blobs, estimator, x.head())
    client.log_model_file(
        LoggedModel(run_id, "model", manifest.sha256, FLAVOR, manifest.to_json(), now_ms())
    )
    client.set_terminated(run_id)
    return client.create_model_version(name, source=f"runs:/{run_id}/model", run_id=run_id).version
