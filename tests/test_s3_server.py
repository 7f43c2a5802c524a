"""A real ``registry server --artifacts s3://...`` process on a DuckDB home (and one on
PostgreSQL), with its model files in moto's bucket: streamed uploads and downloads, models
logged and loaded through it, and MLflow's artifact route."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from s3_support import MotoS3, moto_s3_fixture  # noqa: F401
from server_support import ROOT, free_port, registry_command, wait_healthy
from sklearn.linear_model import LogisticRegression

import registry
from registry import IntegrityError, RegistryClient


@dataclass
class Served:
    url: str
    token: str
    bucket: str
    prefix: str
    home: Path
    s3: MotoS3

    def key(self, sha: str) -> str:
        return f"{self.prefix}/blobs/{sha[:2]}/{sha}"

    def tamper(self, sha: str, data: bytes) -> None:
        self.s3.client().put_object(Bucket=self.bucket, Key=self.key(sha), Body=data)

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@contextlib.contextmanager
def serving(moto_s3: MotoS3, folder: Path, *store: str) -> Iterator[Served]:
    """``registry server --artifacts s3://...`` on a home (or on ``--store URI``)."""
    bucket, prefix = moto_s3.bucket("served"), "team/registry"
    home = folder / "home"
    env = {**os.environ, **moto_s3.env, "REGISTRY_DISPATCHER": "off", "PYTHONPATH": str(ROOT)}
    made = subprocess.run(
        registry_command(home, "token", "create", "ada", "--role", "admin", *store),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**env, "REGISTRY_USER": "ada"},
    )
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    command = registry_command(home, "server", "--port", str(port), *store)
    command += ["--artifacts", f"s3://{bucket}/{prefix}"]
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield Served(url, token, bucket, prefix, home, moto_s3)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)


@pytest.fixture(scope="module")
def served(moto_s3, tmp_path_factory):
    with serving(moto_s3, tmp_path_factory.mktemp("s3-served")) as running:
        yield running


@pytest.fixture
def as_ada(served, monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_URI", served.url)
    monkeypatch.setenv("REGISTRY_TOKEN", served.token)
    monkeypatch.setenv("REGISTRY_CACHE", str(tmp_path / "cache"))
    registry.set_tracking_uri(None)
    return RegistryClient()


def _stream(data: bytes, size: int = 1 << 20):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_big_files_stream_through_the_server_into_the_bucket_and_back(served, capsys):
    data = os.urandom(48 << 20)
    sha = hashlib.sha256(data).hexdigest()
    url = f"{served.url}/api/v1/blobs/{sha}"
    started = time.perf_counter()
    response = httpx.put(url, content=_stream(data), headers=served.headers, timeout=120)
    upload = time.perf_counter() - started
    assert response.status_code == 201, response.text
    assert served.key(sha) in served.s3.keys(served.bucket)
    assert not (served.home / "artifacts" / "blobs").exists()  # nothing written in the home
    received, digest = 0, hashlib.sha256()
    started = time.perf_counter()
    with httpx.stream("GET", url, headers=served.headers, timeout=120) as answer:
        assert answer.headers["content-length"] == str(len(data))
        for chunk in answer.iter_bytes():
            received += len(chunk)
            digest.update(chunk)
    download = time.perf_counter() - started
    assert (received, digest.hexdigest()) == (len(data), sha)
    with capsys.disabled():
        mb = len(data) / 1e6
        print(
            f"\n48 MB through the server to moto: up {mb / upload:.0f} MB/s, "
            f"down {mb / download:.0f} MB/s"
        )


def test_an_upload_that_does_not_match_its_address_leaves_nothing(served):
    data = os.urandom(20 << 20)
    wrong = hashlib.sha256(b"something else").hexdigest()
    url = f"{served.url}/api/v1/blobs/{wrong}"
    response = httpx.put(url, content=_stream(data), headers=served.headers, timeout=120)
    assert response.status_code == 422
    assert response.json()["error_class"] == "IntegrityError"
    keys = served.s3.keys(served.bucket)
    assert served.key(wrong) not in keys
    assert not [key for key in keys if "/uploads/" in key]


def test_a_changed_object_is_refused_small_with_its_error_big_by_a_cut_stream(served):
    client = RegistryClient(served.url, token=served.token)
    small = client.blobs.put(b"a small model")
    served.tamper(small, b"a small mode!")
    response = httpx.get(f"{served.url}/api/v1/blobs/{small}", headers=served.headers, timeout=60)
    assert response.status_code == 422
    assert f"{small} was modified" in response.json()["message"]

    big = os.urandom(20 << 20)
    sha = hashlib.sha256(big).hexdigest()
    url = f"{served.url}/api/v1/blobs/{sha}"
    httpx.put(url, content=_stream(big), headers=served.headers, timeout=120)
    served.tamper(sha, big[:-1] + b"\0")
    received = bytearray()
    # The response ends short of its content-length: httpx raises.
    with (
        pytest.raises(httpx.HTTPError),
        httpx.stream("GET", url, headers=served.headers, timeout=120) as response,
    ):
        for chunk in response.iter_bytes():
            received += chunk
    assert len(received) < len(big)


def test_a_model_logged_and_loaded_through_the_server_lives_in_the_bucket(served, as_ada):
    X = pd.DataFrame(np.random.default_rng(1).random((60, 3)), columns=["a", "b", "c"])
    y = (X["a"] > 0.5).astype(int)
    fitted = LogisticRegression().fit(X, y)
    with registry.start_run():
        info = registry.sklearn.log_model(
            fitted, "model", registered_model_name="bucketed", input_example=X.head()
        )
    assert served.key(info.sha256) in served.s3.keys(served.bucket)
    model = registry.pyfunc.load_model("models:/bucketed/1")
    assert list(model.predict(X)) == list(fitted.predict(X))

    served.tamper(info.sha256, b"not a model")
    registry.artifacts.model_files.clear_model_cache()
    fresh = RegistryClient(served.url, token=served.token)
    fresh._store.blobs.path(info.sha256).unlink(missing_ok=True)  # no local copy to trust
    with pytest.raises(IntegrityError, match="modified after it was stored"):
        fresh.blobs.get(info.sha256)


def test_mlflows_artifact_route_hands_out_the_file_from_the_bucket(served, as_ada):
    X = pd.DataFrame(np.random.default_rng(2).random((30, 2)), columns=["a", "b"])
    fitted = LogisticRegression().fit(X, (X["a"] > 0.5).astype(int))
    with registry.start_run():
        info = registry.sklearn.log_model(fitted, "model", registered_model_name="via-mlflow")
    base = f"{served.url}/api/2.0/mlflow-artifacts/artifacts/registry-models/via-mlflow/1"
    listing = httpx.get(
        f"{served.url}/api/2.0/mlflow-artifacts/artifacts",
        params={"path": "registry-models/via-mlflow/1"},
        headers=served.headers,
        timeout=120,  # the first listing imports skops in the server
    ).json()
    assert {f["path"] for f in listing["files"]} == {"MLmodel", "model.skops"}
    body = httpx.get(f"{base}/model.skops", headers=served.headers, timeout=60).content
    stored = served.s3.client().get_object(Bucket=served.bucket, Key=served.key(info.sha256))
    assert body == stored["Body"].read()
    assert hashlib.sha256(body).hexdigest() == info.sha256
    mlmodel = httpx.get(f"{base}/MLmodel", headers=served.headers, timeout=60).json()
    assert mlmodel["metadata"]["registry_sha256"] == info.sha256


def test_a_server_on_postgresql_keeps_its_files_in_the_bucket(
    moto_s3, postgres_dsn, tmp_path, monkeypatch
):
    with serving(moto_s3, tmp_path, "--store", postgres_dsn) as served:
        monkeypatch.setenv("REGISTRY_CACHE", str(tmp_path / "cache"))
        X = pd.DataFrame(np.random.default_rng(3).random((40, 2)), columns=["a", "b"])
        fitted = LogisticRegression().fit(X, (X["b"] > 0.5).astype(int))
        monkeypatch.setenv("REGISTRY_URI", served.url)
        monkeypatch.setenv("REGISTRY_TOKEN", served.token)
        registry.set_tracking_uri(None)
        with registry.start_run():
            info = registry.sklearn.log_model(fitted, "model", registered_model_name="on-pg")
        assert served.key(info.sha256) in served.s3.keys(served.bucket)
        assert not (tmp_path / "home" / "artifacts").exists()
        model = registry.pyfunc.load_model("models:/on-pg/1")
        assert list(model.predict(X)) == list(fitted.predict(X))


@pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning")
def test_mlflows_own_client_loads_a_model_whose_file_is_in_the_bucket(served, as_ada, monkeypatch):
    pytest.importorskip("mlflow", reason="mlflow-skinny (the dev extra) is not installed")
    X = pd.DataFrame(np.random.default_rng(4).random((30, 2)), columns=["a", "b"])
    fitted = LogisticRegression().fit(X, (X["a"] > 0.4).astype(int))
    with registry.start_run():
        registry.sklearn.log_model(fitted, "model", registered_model_name="read-by-mlflow")
    for name, value in {
        "MLFLOW_TRACKING_URI": served.url,
        "MLFLOW_TRACKING_TOKEN": served.token,
        "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",  # MLflow 3.17 loads no file without it
        "MLFLOW_DISABLE_TELEMETRY": "true",
    }.items():
        monkeypatch.setenv(name, value)
    import mlflow

    loaded = mlflow.pyfunc.load_model("models:/read-by-mlflow/1")
    assert list(loaded.predict(X)) == list(fitted.predict(X))
