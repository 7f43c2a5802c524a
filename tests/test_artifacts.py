"""The blob store: hashes, tamper checks, the verification cache, and artifact paths."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from registry.artifacts import blobs as artifacts
from registry.artifacts.blobs import BlobStore, validate_artifact_path
from registry.errors import IntegrityError, InvalidArgumentError, NotFoundError

DATA = b"model bytes \x00\x01\x02" * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path):
    return BlobStore(tmp_path / "artifacts")


@pytest.fixture
def hashes(monkeypatch):
    """Counts calls to the store's hash function."""
    calls = []
    real = artifacts._sha256

    def counting(data: bytes) -> str:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(artifacts, "_sha256", counting)
    return calls


def overwrite(path, data: bytes) -> None:
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(data)


def test_put_get_round_trip(store, tmp_path):
    assert store.put(DATA) == SHA
    path = tmp_path / "artifacts" / "blobs" / SHA[:2] / SHA
    assert path.read_bytes() == DATA
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.get(SHA) == DATA
    assert store.exists(SHA)


def test_put_is_idempotent(store):
    store.put(DATA)
    before = store.path(SHA).stat()
    assert store.put(DATA) == SHA
    after = store.path(SHA).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert sorted(p.name for p in store.path(SHA).parent.iterdir()) == [SHA]


def test_put_replaces_a_damaged_copy(store):
    store.put(DATA)
    overwrite(store.path(SHA), b"garbage")
    assert store.put(DATA) == SHA
    assert store.get(SHA) == DATA


def test_modified_blob_raises_integrity_error_naming_sha_and_where_it_is(store):
    store.put(DATA)
    path = store.path(SHA)
    overwrite(path, b"X" + DATA[1:])
    with pytest.raises(IntegrityError) as err:
        store.get(SHA)
    message = str(err.value)
    assert f"model file {SHA} was modified after it was stored" in message
    assert hashlib.sha256(b"X" + DATA[1:]).hexdigest() in message
    assert f"artifacts/blobs/{SHA[:2]}/{SHA}" in message
    assert str(store.root) not in message  # no absolute path: a server sends this to clients
    assert "re-log the model" in message


def test_missing_blob_raises_not_found(store):
    with pytest.raises(NotFoundError, match=SHA):
        store.get(SHA)


@pytest.mark.parametrize(
    "sha", ["../x", "ab", SHA.upper(), SHA + "0", SHA[:-1] + "g", "", f"../../{SHA[6:]}", None]
)
def test_malformed_sha_is_refused(store, sha):
    with pytest.raises(InvalidArgumentError, match="64 lowercase hex digits"):
        store.get(sha)


def test_symlink_leaving_the_root_is_refused(store, tmp_path):
    outside = tmp_path / "outside"
    outside.write_bytes(DATA)  # even with the right content
    link = tmp_path / "artifacts" / "blobs" / SHA[:2] / SHA
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    with pytest.raises(IntegrityError, match="outside the artifact folder"):
        store.get(SHA)


def test_second_get_of_unchanged_file_does_not_hash_again(store, hashes):
    store.put(DATA)
    assert len(hashes) == 1
    for _ in range(3):
        assert store.get(SHA) == DATA
    assert BlobStore(store.root).get(SHA) == DATA  # the cache is per process, not per store
    assert len(hashes) == 1


def test_a_changed_file_is_hashed_again(store, hashes):
    store.put(DATA)
    overwrite(store.path(SHA), DATA)  # same bytes, rewritten
    assert store.get(SHA) == DATA
    assert len(hashes) == 2
    assert store.get(SHA) == DATA
    assert len(hashes) == 2


def test_tampering_that_keeps_size_and_mtime_is_still_caught(store):
    store.put(DATA)
    path = store.path(SHA)
    before = path.stat()
    overwrite(path, b"Y" + DATA[1:])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ctime cannot be reset
    with pytest.raises(IntegrityError):
        store.get(SHA)


def test_fingerprint_is_none_until_verified_and_after_a_change(store):
    assert store.fingerprint(SHA) is None
    store.put(DATA)
    assert store.fingerprint(SHA) is not None
    overwrite(store.path(SHA), b"Z" + DATA[1:])
    assert store.fingerprint(SHA) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("model", "model"),
        ("models/clf", "models/clf"),
        ("model/", "model"),
        ("sklearn-model_v2.1", "sklearn-model_v2.1"),
        ("a" * 256, "a" * 256),
    ],
)
def test_good_artifact_paths(path, expected):
    assert validate_artifact_path(path) == expected


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty"),
        ("..", "'..' segment"),
        ("a/../b", "'..' segment"),
        ("./model", "'.' segment"),
        ("a//b", "empty segment"),
        ("/etc/passwd", "absolute"),
        ("/", "absolute"),
        ("C:\\x", "absolute"),
        ("C:/x", "absolute"),
        ("a\\b", "backslash"),
        ("%2e%2e/x", "'%'"),
        ("a%2fb", "'%'"),
        ("a%5cb", "'%'"),
        ("~/x", "'~'"),
        ("a\x00b", "control characters"),
        ("a\nb", "control characters"),
        ("a" * 300, "300 characters"),
        ("-rf", "outside the allowed set"),
        ("mod\u00e8le", "outside the allowed set"),
        ("a/.hidden", "outside the allowed set"),
        (None, "not a string"),
    ],
)
def test_bad_artifact_paths(path, reason):
    with pytest.raises(InvalidArgumentError) as err:
        validate_artifact_path(path)
    assert reason in str(err.value)
    assert "use a relative path of letters, digits" in str(err.value)
