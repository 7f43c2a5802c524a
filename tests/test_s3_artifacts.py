"""Model files in an S3-compatible bucket (moto's server on 127.0.0.1): the blob store's
calls, hashes checked on the way in and out, and the errors that say what to fix."""

from __future__ import annotations

import asyncio
import hashlib
import os
import pickle
import subprocess

import pytest
from s3_support import moto_process, moto_s3_fixture, s3_env_fixture  # noqa: F401
from server_support import ROOT, free_port, refusing_port, registry_command

from registry.artifacts import open_blobs
from registry.artifacts.s3 import SMALL_UPLOAD, S3BlobStore
from registry.errors import (
    IntegrityError,
    InvalidArgumentError,
    NotFoundError,
    ServerUnavailableError,
)


async def _chunks(data: bytes, size: int = 1 << 20):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def blobs(s3_env) -> S3BlobStore:
    return open_blobs(f"s3://{s3_env.bucket()}/team/models")


def test_blobs_round_trip_under_their_hash(blobs, s3_env):
    sha = blobs.put(b"model bytes")
    assert sha == hashlib.sha256(b"model bytes").hexdigest()
    assert blobs.exists(sha) and not blobs.exists("0" * 64)
    assert blobs.get(sha) == b"model bytes"
    assert b"".join(blobs.open(sha)) == b"model bytes"
    assert s3_env.keys(blobs.bucket) == [f"team/models/blobs/{sha[:2]}/{sha}"]
    assert blobs.location(sha) == f"s3://{blobs.bucket}/team/models/blobs/{sha[:2]}/{sha}"
    with pytest.raises(NotFoundError, match=r"0000.*not found in the artifact store s3://"):
        blobs.get("0" * 64)
    with pytest.raises(InvalidArgumentError, match="64 lowercase hex"):
        blobs.exists("../../etc/passwd")


def test_a_pickled_store_reaches_the_same_bucket(blobs):
    sha = blobs.put(b"sent to a worker")
    copy = pickle.loads(pickle.dumps(blobs))
    assert copy.location(sha) == blobs.location(sha) and copy.get(sha) == b"sent to a worker"


def test_an_object_changed_in_the_bucket_is_refused_on_read(blobs, s3_env):
    sha = blobs.put(b"the real model")
    assert blobs.get(sha) == b"the real model"
    assert blobs.fingerprint(sha) is not None  # verified by this process
    key = f"team/models/blobs/{sha[:2]}/{sha}"
    s3_env.client().put_object(Bucket=blobs.bucket, Key=key, Body=b"the evil model")
    assert blobs.fingerprint(sha) is None
    with pytest.raises(IntegrityError, match=f"{sha} was modified.*s3://{blobs.bucket}/{key}"):
        blobs.get(sha)
    streamed = []
    with pytest.raises(IntegrityError):
        for chunk in blobs.open(sha):
            streamed.append(chunk)
    assert streamed == []  # the one (last) chunk is held back until the hash is known


def test_a_large_stream_is_hashed_as_it_flows_and_the_last_chunk_held_back(blobs, s3_env):
    data = os.urandom(3 << 20)
    sha = blobs.put(data)
    key = f"team/models/blobs/{sha[:2]}/{sha}"
    s3_env.client().put_object(Bucket=blobs.bucket, Key=key, Body=data[:-1] + b"\0")
    received = bytearray()
    with pytest.raises(IntegrityError):
        for chunk in blobs.open(sha):
            received += chunk
    assert 0 < len(received) < len(data)


@pytest.mark.parametrize("size", [1000, SMALL_UPLOAD + (3 << 20)], ids=["small", "multipart"])
def test_a_streamed_upload_is_kept_only_if_it_hashes_to_its_address(blobs, s3_env, size):
    data = os.urandom(size)
    sha = hashlib.sha256(data).hexdigest()
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(IntegrityError, match=f"Upload of model file {wrong} hashed to {sha}"):
        asyncio.run(blobs.receive(wrong, _chunks(data)))
    assert s3_env.keys(blobs.bucket) == []  # nothing at the address, no temporary left
    asyncio.run(blobs.receive(sha, _chunks(data)))
    assert s3_env.keys(blobs.bucket) == [f"team/models/blobs/{sha[:2]}/{sha}"]
    assert blobs.get(sha) == data


def test_a_missing_bucket_says_so_and_how_to_fix_it(s3_env):
    store = open_blobs("s3://no-such-bucket-here/models")
    with pytest.raises(ServerUnavailableError, match=r"'no-such-bucket-here' does not exist.*mb"):
        store.check()
    with pytest.raises(ServerUnavailableError, match="does not exist"):
        store.put(b"x")


def test_an_unreachable_endpoint_says_so(s3_env, monkeypatch):
    with refusing_port() as port:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        store = open_blobs("s3://some-bucket")
        with pytest.raises(ServerUnavailableError, match=r"could not be reached.*AWS_ENDPOINT_URL"):
            store.check()


def test_refused_credentials_say_which_variables_to_set(s3_env, monkeypatch):
    # A second moto that checks keys: the made-up key is not one of its users'.
    with moto_process({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as (endpoint, _):
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        store = open_blobs("s3://some-bucket/models")
        with pytest.raises(ServerUnavailableError, match=r"InvalidAccessKeyId.*AWS_ACCESS_KEY_ID"):
            store.check()


@pytest.mark.parametrize(
    "location", ["s3://", "s3://Bad_Bucket/x", "s3://bucket/a/../b", "gs://bucket/x"]
)
def test_a_malformed_location_is_refused(location):
    with pytest.raises(InvalidArgumentError, match="s3://bucket/prefix"):
        open_blobs(location)


def test_the_server_refuses_to_start_on_a_missing_bucket(s3_env, tmp_path):
    command = registry_command(tmp_path / "home", "server", "--port", str(free_port()))
    command += ["--artifacts", "s3://not-created-yet/models"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REGISTRY_DISPATCHER": "off"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1
    assert "Bucket 'not-created-yet' does not exist" in done.stderr
    assert "Traceback" not in done.stderr
