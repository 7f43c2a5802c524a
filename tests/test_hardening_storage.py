"""A registry home on a read-only mount or a full disk: reads work where they can, and a write
that cannot happen is a RegistryError saying why, never DuckDB's raw IOException. The mounts
(a read-only bind mount, a 1 MB tmpfs) need root; elsewhere those tests skip."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from registry import RegistryClient, RegistryError
from registry.store.duckdb import lease


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def mounted(tmp_path):
    """mount(source, target, *options) for the test, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    done: list[Path] = []

    def mount(*args: str) -> None:
        try:
            _mount(*args)
        except (OSError, subprocess.CalledProcessError) as error:
            pytest.skip(f"mount {' '.join(args)} is not possible here: {error}")
        done.append(Path(args[-1]))

    yield mount
    for target in reversed(done):
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


def _seed(home: Path) -> None:
    client = RegistryClient(home, user="ana")
    client.create_registered_model("churn", description="Churn model", tags={"team": "growth"})
    client.create_model_version("churn", source="runs:/r1/model")
    client.release()


@pytest.fixture
def read_only_home(tmp_path, mounted):
    """A seeded registry home seen through a read-only bind mount (a serving container's)."""
    source, target = tmp_path / "source", tmp_path / "mnt"
    source.mkdir()
    target.mkdir()
    _seed(source / "home")
    mounted("--bind", str(source), str(target))
    mounted("-o", "remount,ro,bind", str(target))
    return target / "home"


def test_a_read_only_mount_serves_reads_and_refuses_writes_saying_why(read_only_home):
    client = RegistryClient(read_only_home, user="ana")
    assert client.get_registered_model("churn").description == "Churn model"
    assert [v.version for v in client.search_model_versions("name = 'churn'")] == [1]
    assert client.get_history("churn")[0].event == "model_version.created"
    with pytest.raises(RegistryError, match=r"is read-only here \(.* is on a read-only file sys"):
        client.create_registered_model("fraud")
    with pytest.raises(RegistryError, match="reading works, but this change cannot be saved"):
        client.set_registered_model_tag("churn", "team", "payments")
    assert client.get_registered_model("churn").tags == {"team": "growth"}


def _take_write_permission(monkeypatch) -> None:
    """Root may write anywhere, so the permission is taken away where the lease asks for it."""
    real_access = os.access
    monkeypatch.setattr(
        lease.os, "access", lambda path, mode: not mode & os.W_OK and real_access(path, mode)
    )


def test_a_home_without_write_permission_is_opened_read_only(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _seed(home)
    _take_write_permission(monkeypatch)
    client = RegistryClient(home, user="ana")
    assert client.get_registered_model("churn").tags == {"team": "growth"}
    with pytest.raises(RegistryError, match=f"may not write to the folder {home}"):
        client.delete_registered_model("churn")
    client.release()
    monkeypatch.undo()
    assert RegistryClient(home, user="ana").get_registered_model("churn").name == "churn"


def test_a_read_only_folder_without_a_registry_says_there_is_none(tmp_path, mounted):
    empty = tmp_path / "empty"
    empty.mkdir()
    mounted("--bind", str(empty), str(empty))
    mounted("-o", "remount,ro,bind", str(empty))
    with pytest.raises(RegistryError, match=r"holds no registry\.duckdb, and it cannot be created"):
        RegistryClient(empty, user="ana").search_registered_models()


@pytest.fixture
def small_disk(tmp_path, mounted):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk))
    return disk


def test_a_full_disk_is_a_registry_error_and_writing_resumes_once_space_is_freed(small_disk):
    client = RegistryClient(small_disk / "home", user="ana")
    client.create_registered_model("churn")
    filler = small_disk / "filler"
    with pytest.raises(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
    with pytest.raises(RegistryError, match=r"the disk is full \(No space left on device\)"):
        for i in range(200):
            client.create_registered_model(f"model-{i}", description="x" * 4000)
    assert client.get_registered_model("churn").name == "churn"
    filler.unlink()
    client.create_registered_model("after")
    assert client.get_registered_model("after").name == "after"


def test_a_new_registry_on_a_full_disk_is_a_registry_error(small_disk):
    (small_disk / "filler").write_bytes(b"\0" * (1024 * 1024 - 8192))
    with pytest.raises(RegistryError, match="the disk is full"):
        RegistryClient(small_disk / "home", user="ana").create_registered_model("churn")


def test_a_read_only_registry_that_needs_migrating_says_so(tmp_path, monkeypatch):
    home = tmp_path / "home"
    _seed(home)
    with duckdb.connect(str(home / "registry.duckdb")) as con:  # as an older release left it
        con.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM "
                    "schema_migrations)")  # fmt: skip
    _take_write_permission(monkeypatch)
    with pytest.raises(RegistryError, match=r"older than this release's .* open it once where"):
        RegistryClient(home, user="ana").get_registered_model("churn")


def test_a_full_disk_under_the_model_files_is_a_registry_error(small_disk):
    import asyncio

    from registry.artifacts.blobs import BlobStore

    blobs = BlobStore(small_disk / "artifacts")
    data = os.urandom(2 * 1024 * 1024)  # more than the 1 MB disk holds
    with pytest.raises(RegistryError, match=r"the disk is full \(No space left on device\)"):
        blobs.put(data)

    async def stream():
        yield data

    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(RegistryError, match="the disk is full"):
        asyncio.run(blobs.receive(sha, stream()))
    assert [p.name for p in (small_disk / "artifacts").rglob("*") if p.is_file()] == []
