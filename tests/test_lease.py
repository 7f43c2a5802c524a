"""The connection lease: several real processes and threads sharing one DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from registry import RegistryBusyError, RegistryClient

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


WRITER = """
    import sys
    from registry import RegistryClient
    client = RegistryClient(sys.argv[1], busy_timeout=60)
    for i in range(100):
        client.create_model_version("shared", source=f"runs:/{sys.argv[2]}-{i}/model")
    print("wrote 100")
"""

READER = """
    import sys, time
    from pathlib import Path
    from registry import RegistryClient
    client = RegistryClient(sys.argv[1], busy_timeout=60)
    stop = Path(sys.argv[2])
    reads = 0
    while not stop.exists():
        client.search_model_versions("name = 'shared'", max_results=5)
        reads += 1
    print("reads", reads)
"""

HOLDER = """
    import sys, time
    from registry import RegistryClient
    client = RegistryClient(sys.argv[1])
    with client.batch():
        client.search_registered_models()
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
"""


def test_three_writer_processes_and_a_reader_lose_nothing(home, tmp_path):
    RegistryClient(home).create_registered_model("shared")
    RegistryClient(home).release()
    stop = tmp_path / "stop"
    reader = _python(READER, str(home), str(stop))
    writers = [_python(WRITER, str(home), f"w{n}") for n in range(3)]
    outputs = [w.communicate(timeout=120) for w in writers]
    stop.touch()
    reader_out, reader_err = reader.communicate(timeout=60)

    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert out.strip() == "wrote 100"
    assert reader.returncode == 0, reader_err
    assert int(reader_out.split()[1]) > 0

    client = RegistryClient(home)
    versions = client.search_model_versions("name = 'shared'", max_results=1000)
    assert sorted(v.version for v in versions) == list(range(1, 301))
    assert len({v.source for v in versions}) == 300


def test_idle_lease_is_released_so_another_process_can_open(client, home):
    client.create_registered_model("m")
    assert client._store.lease.is_open
    deadline = time.monotonic() + 5  # idle release is 0.25 s; a loaded machine delays it
    while client._store.lease.is_open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not client._store.lease.is_open
    proc = _python(
        "import sys; from registry import RegistryClient; "
        "print(RegistryClient(sys.argv[1], busy_timeout=0.2).get_registered_model('m').name)",
        str(home),
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "m"


def test_busy_registry_raises_naming_the_holder(home):
    RegistryClient(home).search_registered_models()
    RegistryClient(home).release()
    holder = _python(HOLDER, str(home), "5")
    assert holder.stdout.readline().strip() == "holding"
    client = RegistryClient(home, busy_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RegistryBusyError) as caught:
        client.search_registered_models()
    waited = time.monotonic() - started
    holder.kill()
    holder.communicate()
    assert 0.3 <= waited < 3
    assert f"PID {holder.pid}" in str(caught.value)
    assert caught.value.holder and str(holder.pid) in caught.value.holder


def test_waiting_process_gets_the_file_when_the_holder_finishes(home):
    RegistryClient(home).create_registered_model("m")
    RegistryClient(home).release()
    holder = _python(HOLDER, str(home), "0.8")
    assert holder.stdout.readline().strip() == "holding"
    client = RegistryClient(home, busy_timeout=20)
    assert client.get_registered_model("m").name == "m"
    holder.communicate(timeout=30)


def test_threads_share_the_lease(client):
    client.create_registered_model("threads")
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(25):
                client.create_model_version("threads", source="s")
                client.get_latest_versions("threads")
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = client.search_model_versions("name = 'threads'")
    assert sorted(v.version for v in versions) == list(range(1, 151))


def test_batch_keeps_one_connection_open(client):
    client.create_registered_model("bulk")
    opens_before = client._store.lease.opens
    with client.batch():
        for _ in range(20):
            client.create_model_version("bulk", source="s")
        time.sleep(0.4)  # longer than the idle release: the batch must keep the file
        client.get_registered_model("bulk")
    assert client._store.lease.opens - opens_before <= 1


def test_a_file_held_open_checkpoints_its_log(client, home):
    """A process that keeps the file (a server, a long batch) lets DuckDB fold its write-ahead
    log into the file: nothing the lease opens leaves a transaction behind (one did, and the
    log grew by ~20 KB a write, each write dearer, until the process let go)."""
    client.create_registered_model("held")
    client._store.release()  # opening an existing, up-to-date file is what left one behind
    wal = home / "registry.duckdb.wal"
    with client.batch():
        with client._store.lease.cursor() as cur:
            cur.execute("SET checkpoint_threshold = '64KB'")  # DuckDB's default: 16 MB
        for i in range(60):
            client.create_model_version("held", source=f"s3://bucket/held/{i}")
            client.set_model_version_tag("held", i + 1, "note", "x" * 200)
        held = wal.stat().st_size if wal.exists() else 0
    assert held < 256 * 1024, f"the log grew to {held} bytes while the file was held"
    assert len(client.search_model_versions("name = 'held'", max_results=100)) == 60
