"""The lease serves waiting processes in order and a holder lets go when someone waits
(issue 14, item 12). Real processes on one registry file; the load figures are measured by
bench/bench_lease.py, not here."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from test_lease import HOLDER, _python

from registry import RegistryClient
from registry.store.duckdb.queue import Queue, queue_folder

WAITER = """
    import sys
    from registry import RegistryClient
    client = RegistryClient(sys.argv[1], busy_timeout=120)
    print("ready", flush=True)
    with client.batch():  # one turn for the role check and the write
        client.create_registered_model(sys.argv[2])
"""
# Calls every 50 ms, well inside the idle release, with no limit on holding the file.
BUSY = """
    import sys, time
    from registry import RegistryClient
    client = RegistryClient(sys.argv[1])
    client._store.lease.max_hold = 1e9
    print("busy", flush=True)
    end = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < end:
        client.search_registered_models(max_results=1)
        time.sleep(0.05)
"""


def _tickets(home: Path) -> int:
    folder = queue_folder(home / "registry.duckdb")
    return len([n for n in os.listdir(folder) if n.isdigit()]) if folder.exists() else 0


def test_waiting_processes_get_the_file_in_the_order_they_asked(home):
    RegistryClient(home).create_registered_model("start")
    RegistryClient(home).release()
    holder = _python(HOLDER, str(home), "60")
    assert holder.stdout.readline().strip() == "holding"
    waiters = []
    for n in range(5):
        waiter = _python(WAITER, str(home), f"w{n}")
        assert waiter.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        while _tickets(home) < n + 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # in line behind the holder and the earlier waiters
        waiters.append(waiter)
    holder.kill()  # its ticket goes stale: the line must not wait for it
    holder.communicate()
    for waiter in waiters:
        _, err = waiter.communicate(timeout=120)
        assert waiter.returncode == 0, err
    created = RegistryClient(home).get_history(events=["registered_model.created"])
    assert [c.model_name for c in reversed(created)] == ["start", "w0", "w1", "w2", "w3", "w4"]


def test_a_busy_holder_lets_go_when_someone_waits(home):
    RegistryClient(home).create_registered_model("m")
    RegistryClient(home).release()
    busy = _python(BUSY, str(home), "40")
    assert busy.stdout.readline().strip() == "busy"
    time.sleep(0.5)
    client = RegistryClient(home, busy_timeout=15)  # the busy process never pauses for 15 s
    assert client.get_registered_model("m").name == "m"
    client.release()
    busy.kill()
    busy.communicate()


def test_the_holder_sees_who_waits_and_not_who_gave_up(home):
    """A holder asks after every call whether someone waits: yes while a later ticket is in
    line, no once its owner gave up (a later number was taken, but no ticket is left)."""
    home.mkdir()
    database = home / "registry.duckdb"
    holder, quitter, waiter = Queue(database), Queue(database), Queue(database)
    assert holder.enter(time.monotonic() + 5) is None and holder.in_line
    assert not holder.others_waiting()
    assert quitter.enter(time.monotonic() + 0.2) == os.getpid()  # gave up, left the line
    assert not holder.others_waiting()
    waiting = threading.Thread(target=waiter.enter, args=(time.monotonic() + 30,))
    waiting.start()
    deadline = time.monotonic() + 10
    while not holder.others_waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert holder.others_waiting()
    holder.leave()
    waiting.join(10)
    assert waiter.in_line and not waiter.others_waiting()
    waiter.leave()
