"""S3-compatible storage for the tests: moto's server mode on 127.0.0.1.

The fixture ``moto_s3`` (import ``moto_s3_fixture`` to use it) starts ``moto_server -H
127.0.0.1 -p PORT`` as a real process once per session and hands back a ``MotoS3`` whose
``env`` points the AWS variables at it and whose ``bucket()`` creates a fresh bucket.
``s3_env`` (``s3_env_fixture``) also sets those variables in this process. ``boto3`` (a
dependency of moto) is the tests' own window on the bucket, to look at and tamper with
objects behind the registry's back. Without moto the tests skip saying why; under
``CI=true`` they fail instead.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from server_support import free_port

_numbers = itertools.count(1)


def _moto_command() -> list[str] | None:
    beside = Path(sys.executable).with_name("moto_server")
    found = str(beside) if beside.exists() else shutil.which("moto_server")
    return [found] if found else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"S3 tests cannot run under CI: {reason}")
    pytest.skip(reason)


@dataclass
class MotoS3:
    endpoint: str
    process: subprocess.Popen
    env: dict[str, str] = field(default_factory=dict)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def bucket(self, label: str = "registry") -> str:
        name = f"{label}-{os.getpid()}-{next(_numbers)}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@contextlib.contextmanager
def moto_process(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """A moto server on a free port of 127.0.0.1; yields (endpoint, process). A port another
    test's server took between the pick and moto's bind costs one more try, not the run."""
    command = _moto_command()
    if command is None:
        _unavailable('moto is not installed: pip install "moto[server]" (the dev extra)')
    for _ in range(3):
        endpoint, process = _start_moto(command, extra_env or {})
        if process is not None:
            break
    else:
        _unavailable("moto_server exited at start three times (is every port taken?)")
    try:
        yield endpoint, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)


def _start_moto(command: list[str], env: dict[str, str]) -> tuple[str, subprocess.Popen | None]:
    """(endpoint, process) once moto answers there; (endpoint, None) if it exited first."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*command, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while process.poll() is None:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200:
                return endpoint, process
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            _unavailable("moto_server did not answer within 30 s")
        time.sleep(0.1)
    return endpoint, None


@pytest.fixture(scope="session", name="moto_s3")
def moto_s3_fixture() -> Iterator[MotoS3]:
    with moto_process() as (endpoint, process):
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        yield MotoS3(endpoint, process, env)


@pytest.fixture(name="s3_env")
def s3_env_fixture(moto_s3, monkeypatch) -> MotoS3:
    """The AWS variables of this process pointed at the moto server."""
    for name, value in moto_s3.env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return moto_s3
